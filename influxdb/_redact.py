"""Credentials kept out of the package's log lines (pure: text in, text out).

Our log calls never format headers or passwords, but some carry text from outside: a
server's or proxy's error body, an exception's message.  Such text can quote a request's
headers -- influxd answers a write body it cannot parse with ``unable to parse '<the
line>'``, and when two processes shared a pooled connection after ``fork()`` one request's
``Authorization: Basic ...`` became a line of the other's body.  So every logger of the
package carries :data:`FILTER`, which rewrites a record before any handler sees it:

* an ``Authorization`` or ``Proxy-Authorization`` value (as a header line, in a dict's or
  JSON's text) keeps its scheme, the rest becomes ``[redacted]``;
* the password of a URL (``scheme://user:password@host``) and the ``p=`` query parameter
  (InfluxDB's password parameter, HTTP API reference) become ``[redacted]``.

The test in ``tests/security/test_log_redaction.py`` lists the package's loggers and
checks each one has the filter.
"""

from __future__ import annotations

import logging
import re

__all__ = ["FILTER", "LOGGERS", "REDACTED", "RedactingFilter", "redact"]

REDACTED = "[redacted]"

#: Every logger the package logs to (``logging.getLogger(name)`` in its modules).
LOGGERS = ("influxdb", "influxdb.batching", "influxdb.helper")

_AUTHORIZATION = re.compile(
    r"""(?P<head>\b(?:proxy-)?authorization["']?\s*[:=]\s*[\[(]?\s*["']?"""
    r"""(?:(?:basic|bearer|token|digest|negotiate)\s+)?)"""
    r"""[^\s"'][^\r\n"']*""",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+(?=@)",
                           re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]p=)[^&\s\"'#]+")


def redact(text: str) -> str:
    """``text`` with credentials replaced by ``[redacted]`` (see the module's docstring).

    >>> redact("unable to parse 'Authorization: Basic d3JpdGVyOnB3': missing fields")
    "unable to parse 'Authorization: Basic [redacted]': missing fields"
    >>> redact("GET http://root:s3cret@db:8086/query?u=root&p=s3cret&q=x")
    'GET http://root:[redacted]@db:8086/query?u=root&p=[redacted]&q=x'
    """
    if "uthori" in text or "UTHORI" in text:
        text = _AUTHORIZATION.sub(lambda m: m.group("head") + REDACTED, text)
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED, text)
    if "p=" in text:
        text = _QUERY_PASSWORD.sub(lambda m: m.group("head") + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, traceback and stack text through :func:`redact`.

    Never drops a record, and never raises: a record whose arguments do not fit its
    format is left for the handler to report, as logging does.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 -- the handler reports a broken record
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # What the handler's formatter would add; kept only when it had a credential,
            # so that other records are formatted as the handler chooses.
            trace = logging.Formatter().formatException(record.exc_info)
            clean = redact(trace)
            if clean != trace:
                record.exc_text = clean
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


#: The one filter installed on :data:`LOGGERS`.
FILTER = RedactingFilter()


def install() -> None:
    """Put :data:`FILTER` on every logger of :data:`LOGGERS` (again: no effect)."""
    for name in LOGGERS:
        logging.getLogger(name).addFilter(FILTER)
