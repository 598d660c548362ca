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

Users log exceptions too, with loggers of their own.  So the exceptions built from a
server's answer are cleaned where they are made: :class:`~influxdb.exceptions.InfluxDBError`
passes its content through :func:`redact` (message and ``.content``), and the transport's
adapter passes the :mod:`requests` exceptions it raises through :func:`redact_exception`
(their text quotes the URL asked, query string included, and the proxy's).
"""

from __future__ import annotations

import logging
import re

__all__ = ["FILTER", "LOGGERS", "REDACTED", "RedactingFilter", "redact", "redact_exception"]

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


#: The most exceptions :func:`redact_exception` visits in one chain (causes, contexts,
#: reasons): a chain longer than that is not one a transport builds.
_CHAIN_LIMIT = 64


def redact_exception(error: BaseException) -> BaseException:
    """Clean, in place, the text ``error`` carries through :func:`redact`.

    Its string arguments and notes, a ``url`` attribute (urllib3's ``MaxRetryError``), and
    the same in every exception it holds -- in its arguments, as ``reason``, ``__cause__``
    or ``__context__`` -- since ``str()`` and a printed traceback show all of them.  The
    class, the other arguments and attributes (a ``requests`` exception's ``request``,
    ``response``) stay as they are: ``except`` clauses and ``isinstance`` checks are
    unaffected.

    >>> import requests
    >>> str(redact_exception(requests.ConnectionError("url: /query?u=root&p=s3cret&q=x")))
    'url: /query?u=root&p=[redacted]&q=x'

    :returns: ``error`` itself
    """
    pending = [error]
    seen: set[int] = set()
    while pending and len(seen) < _CHAIN_LIMIT:
        exc = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        args = exc.args
        clean = tuple(redact(arg) if isinstance(arg, str) else arg for arg in args)
        if clean != args:
            exc.args = clean
        notes = getattr(exc, "__notes__", None)
        if isinstance(notes, list):
            notes[:] = [redact(note) if isinstance(note, str) else note for note in notes]
        url = getattr(exc, "url", None)
        if isinstance(url, str) and redact(url) != url:
            try:
                exc.url = redact(url)  # type: ignore[attr-defined]
            except AttributeError:  # a read-only property: not ours to change
                pass
        pending.extend(arg for arg in args if isinstance(arg, BaseException))
        for linked in (getattr(exc, "reason", None), exc.__cause__, exc.__context__):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return error


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
