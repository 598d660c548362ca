"""Retry policy and the retry decision: small immutable values, no I/O and no clock.

``retries=3`` from the 5.3.2 constructor is normalised at the edge into a :class:`Retry`
(:meth:`Retry.from_int`).  :func:`decide` is the one answer to "after this failure, try
again, and when?": given the policy, the attempts made, the time used, the failure and a
``Retry-After``, it says "retry after N s" or "give up".  Which failures are worth another
attempt is one table, :func:`is_retryable`.  The transport's one retry loop
(:func:`influxdb._transports.sync.retrying`) asks it and does the waiting.  Nothing here
reads a clock: the times it weighs (time used, time left, the current time for a
``Retry-After`` given as a date) are handed in by the caller, which owns the clock.

5.3.2 semantics kept: ``total`` counts *attempts*, and ``0`` means "until success".
Changed (``docs/migration.rst``, "Retries take longer"): HTTP 5xx and 429 are retried too,
with exponential backoff and equal jitter, honouring the server's ``Retry-After`` header.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Optional, Union

from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBBrokenAnswerError,
    InfluxDBError,
    is_retryable_error,
)

__all__ = ["Decision", "Retry", "TransientFailure", "decide", "is_certificate_failure",
           "is_retryable", "parse_retry_after", "retry_after_of"]

#: Statuses worth another attempt: overload (429), and server-side failures.
DEFAULT_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: The most a ``Retry-After`` is read as, seconds (one day): a larger value, up to any number
#: of digits, is read as this, never as infinity or an error.  The retry loops wait at most
#: :attr:`Retry.retry_after_max` (60 s by default) whatever the header says.
RETRY_AFTER_CEILING = 86_400.0
#: RFC 9110 §10.2.3: ``delay-seconds = 1*DIGIT``, and DIGIT is ASCII (RFC 5234); ``[0-9]``,
#: not ``\d`` nor ``str.isdigit()``, which also take other scripts' digits and superscripts.
_DELTA_SECONDS = re.compile("[0-9]+")


@dataclass(frozen=True)
class Retry:
    """How many attempts to make and how long to wait between them.

    :param total: attempts in all (``1`` = no retry, ``0`` = until success), as 5.3.2's ``retries``
    :param backoff_factor: seconds; after *n* failed attempts the wait is drawn from
        ``[c/2, c]`` with ``c = min(backoff_max, backoff_factor * 2**(n-1))`` ("equal jitter":
        never shorter than half the step, so the default ``retries=3`` spans 3.75 s to 7.5 s and
        rides out a server restart, while clients that failed together do not retry together)
    :param backoff_max: cap of a single wait, seconds
    :param retry_statuses: HTTP statuses that are retried
    :param respect_retry_after: wait at least what a ``Retry-After`` header asks (capped by
        ``retry_after_max``)
    :param retry_after_max: the longest ``Retry-After`` honoured, seconds
    :param max_retry_time: give up once this many seconds have passed since the first attempt
        (``None``: no limit beyond ``total``)

    Usage::

        >>> Retry.from_int(3).total
        3
        >>> Retry(total=5, backoff_factor=0.5).capped_backoff(3)
        2.0
        >>> Retry(backoff_factor=1.0).get_backoff_time(2, rand=lambda: 0.0)
        1.0
    """

    total: int = 3
    backoff_factor: float = 2.5
    backoff_max: float = 30.0
    retry_statuses: frozenset[int] = field(default=DEFAULT_RETRY_STATUSES)
    respect_retry_after: bool = True
    retry_after_max: float = 60.0
    max_retry_time: Optional[float] = None

    def __post_init__(self) -> None:
        if isinstance(self.total, bool) or not isinstance(self.total, int) or self.total < 0:
            raise InfluxDBArgumentError(f"retries must be a non-negative int, got {self.total!r}")
        if self.backoff_factor < 0 or self.backoff_max < 0:
            raise InfluxDBArgumentError("backoff_factor and backoff_max must not be negative")

    @classmethod
    def from_int(cls, retries: Union[int, Retry, None]) -> Retry:
        """Normalise the constructor's ``retries`` argument.

        :param retries: an int (attempts, ``0`` = forever), an existing :class:`Retry`, or
            ``None`` (one attempt)
        :returns: a :class:`Retry`
        """
        if isinstance(retries, Retry):
            return retries
        if retries is None:
            return cls(total=1)
        if isinstance(retries, bool) or not isinstance(retries, int):
            raise InfluxDBArgumentError(f"retries must be an int or a Retry, got {retries!r}")
        return cls(total=int(retries))

    def with_total(self, total: int) -> Retry:
        """A copy with another attempt count."""
        return replace(self, total=total)

    def has_attempts_left(self, attempts_made: int, started: Optional[float] = None,
                          now: Optional[float] = None) -> bool:
        """Whether another attempt may follow ``attempts_made`` failed ones.

        The policy reads no clock: ``max_retry_time`` is weighed from two readings of the
        caller's clock, ``started`` and ``now`` (``time.monotonic()`` for instance).

        :param attempts_made: attempts already made (>= 1)
        :param started: the clock's reading when the first attempt began (``None``:
            ``max_retry_time`` is not checked)
        :param now: the clock's reading now; required with ``started``
        :raises InfluxDBArgumentError: ``started`` without ``now``
        """
        if self.total != 0 and attempts_made >= self.total:
            return False
        if self.max_retry_time is not None and started is not None:
            if now is None:
                raise InfluxDBArgumentError(
                    "has_attempts_left(started=...) needs now=..., a reading of the same "
                    "clock (time.monotonic()): the policy reads no clock of its own")
            if now - started >= self.max_retry_time:
                return False
        return True

    def is_retryable_status(self, status: int) -> bool:
        """Whether an HTTP answer with this status may be retried."""
        return status in self.retry_statuses

    def capped_backoff(self, attempts_made: int) -> float:
        """The upper bound of the wait after ``attempts_made`` failed attempts (before jitter)."""
        if attempts_made < 1 or self.backoff_factor == 0:
            return 0.0
        exponent = min(attempts_made - 1, 62)
        return float(min(self.backoff_max, self.backoff_factor * (2 ** exponent)))

    def get_backoff_time(
        self,
        attempts_made: int,
        retry_after: Optional[float] = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before the next attempt.

        :param attempts_made: failed attempts so far (>= 1)
        :param retry_after: the server's ``Retry-After``, seconds, if any
        :param rand: a source of floats in ``[0, 1)`` (tests pass a fixed one)
        :returns: equal-jitter backoff, raised to ``retry_after`` when the server asked for more
        """
        cap = self.capped_backoff(attempts_made)
        wait = cap / 2 + (cap / 2) * rand()
        if self.respect_retry_after and retry_after is not None and retry_after > 0:
            wait = max(wait, min(retry_after, self.retry_after_max))
        return wait


def parse_retry_after(value: Optional[str], now: float) -> Optional[float]:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP-date, RFC 9110 §10.2.3).

    A malformed value is treated as absent: it never stops a retry.  Delta-seconds are ASCII
    digits only (``1*DIGIT``); ``'²'`` or ``'٣'``, for which ``str.isdigit()`` is true, are not
    numbers here, and neither are ``'-1'``, ``'1.5'`` or ``'1e3'``.  A date without a zone is
    read as GMT, the only zone an HTTP-date has.

    :param value: the header's value, or ``None``
    :param now: the current ``time.time()``, handed in by the caller (for an HTTP-date)
    :returns: seconds, between 0 and :data:`RETRY_AFTER_CEILING`, or ``None`` when absent or
        unreadable (how long a retry loop then waits is capped by
        :attr:`Retry.retry_after_max`)
    """
    if value is None:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return min(float(value), RETRY_AFTER_CEILING)
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - now
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, seconds), RETRY_AFTER_CEILING)


def retry_after_of(error: BaseException, now: float) -> Optional[float]:
    """Seconds a failed answer asked us to wait (``Retry-After``), if it said so.

    Read from :attr:`InfluxDBError.retry_after <influxdb.exceptions.InfluxDBError.retry_after>`
    (an error answer's exception), else from the header of the answer a foreign exception
    carries (``requests``' ``HTTPError.response``).

    :param error: what the attempt raised
    :param now: the current ``time.time()``, handed in by the caller, for a header given
        as an HTTP-date
    """
    if isinstance(error, InfluxDBError):
        value = error.retry_after
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return None
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        return parse_retry_after(headers.get("Retry-After"), now)
    return None


class TransientFailure(Exception):
    """A failure that says nothing about the request, only about the moment it was sent.

    Raised by an answer's interpreter for what a 200 answer may carry: a query's statement
    error ``query engine shutdown`` (influxd 1.6 answers it to queries racing its shutdown).
    Retried like a 503; what the caller does once the retries are spent is its own affair.
    """


#: OpenSSL's text for a certificate that failed verification carries both spellings
#: ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ...").
_CERTIFICATE_FAILURE = re.compile("certificate[ _]verify[ _]failed", re.IGNORECASE)


def is_certificate_failure(error: BaseException) -> bool:
    """Whether ``error`` says the server's certificate failed verification."""
    return _CERTIFICATE_FAILURE.search(str(error)) is not None


def is_retryable(error: BaseException, policy: Retry,
                 transport_errors: tuple[type[BaseException], ...] = ()) -> bool:
    """Whether another attempt may succeed where this one failed: the one table.

    * a transport failure (one of ``transport_errors``, the classes the transport maps its
      library's connection errors, timeouts and cut answers to): yes, unless a certificate
      failed verification (it fails again: no backoff spent on it);
    * a :class:`TransientFailure`: yes;
    * an answer that broke while read (:class:`~influxdb.exceptions.InfluxDBBrokenAnswerError`):
      yes, unless refused for its size (``too_large``: as large the next time);
    * an error answer: as :func:`~influxdb.exceptions.is_retryable_error` says (the policy's
      statuses, no client mistake, a partial write never resent);
    * anything else: no.

    :param error: what the attempt raised
    :param policy: the retry policy (its ``retry_statuses``)
    :param transport_errors: the transport's retryable exception classes
    """
    if isinstance(error, transport_errors):
        return not is_certificate_failure(error)
    if isinstance(error, TransientFailure):
        return True
    if isinstance(error, InfluxDBBrokenAnswerError):
        return not error.too_large
    return is_retryable_error(error, policy.retry_statuses)


@dataclass(frozen=True)
class Decision:
    """What to do after a failed attempt.

    :ivar wait: seconds to wait before the next attempt, or ``None``: give up
    :ivar note: when giving up after more than one attempt, ``"gave up after N attempts
        over T s"`` (for the error's message), else ``""``
    """

    wait: Optional[float]
    note: str = ""


def decide(policy: Retry, attempts: int, elapsed: float, error: BaseException, *,
           transport_errors: tuple[type[BaseException], ...] = (),
           retry_after: Optional[float] = None, time_left: Optional[float] = None,
           rand: Optional[Callable[[], float]] = None) -> Decision:
    """Whether to try again after ``error``, and after how long.

    Another attempt follows when the failure is retryable (:func:`is_retryable`), the policy
    has attempts and time left (``total``, ``max_retry_time``), and the wait (backoff, at
    least ``Retry-After`` up to ``retry_after_max``) ends before ``time_left`` does.

    :param policy: the retry policy
    :param attempts: attempts made so far (>= 1), the failed one included
    :param elapsed: seconds since the first attempt began
    :param error: what the last attempt raised
    :param transport_errors: the transport's retryable exception classes
    :param retry_after: the server's ``Retry-After``, seconds (:func:`retry_after_of`)
    :param time_left: seconds until the caller's deadline (``None``: none)
    :param rand: a source of floats in ``[0, 1)`` for the jitter (tests pass a fixed one)
    :returns: ``Decision(wait)``, or ``Decision(None, note)`` to give up

    Usage::

        >>> decide(Retry(total=3, backoff_factor=1.0), 1, 0.2, TransientFailure(),
        ...        rand=lambda: 0.0)
        Decision(wait=0.5, note='')
        >>> decide(Retry(total=3), 3, 7.84, TransientFailure())
        Decision(wait=None, note='gave up after 3 attempts over 7.8s')
    """
    if is_retryable(error, policy, transport_errors) and policy.has_attempts_left(
            attempts, 0.0, elapsed):
        if rand is None:
            wait = policy.get_backoff_time(attempts, retry_after)
        else:
            wait = policy.get_backoff_time(attempts, retry_after, rand)
        if time_left is None or wait < time_left:
            return Decision(wait)
    note = f"gave up after {attempts} attempts over {elapsed:.1f}s" if attempts > 1 else ""
    return Decision(None, note)
