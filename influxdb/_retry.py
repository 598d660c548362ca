"""Retry policy: a small immutable value, no I/O.

``retries=3`` from the 5.3.2 constructor is normalised at the edge into a :class:`Retry`
(:meth:`Retry.from_int`).  The policy only answers questions (may this failure be retried?
how long to wait before attempt *n*?); the transport and the batching writer do the sleeping.

5.3.2 semantics kept: ``total`` counts *attempts*, and ``0`` means "until success".
Changed (``docs/migration.rst``, "Retries take longer"): HTTP 5xx and 429 are retried too,
with exponential backoff and equal jitter, honouring the server's ``Retry-After`` header.
"""

from __future__ import annotations

import random
import re
import time as _time
from dataclasses import dataclass, field, replace
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Optional, Union

from influxdb.exceptions import InfluxDBArgumentError

__all__ = ["Retry", "parse_retry_after"]

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

        :param attempts_made: attempts already made (>= 1)
        :param started: ``time.monotonic()`` of the first attempt, for ``max_retry_time``
        :param now: the current ``time.monotonic()`` (for tests)
        """
        if self.total != 0 and attempts_made >= self.total:
            return False
        if self.max_retry_time is not None and started is not None:
            current = _time.monotonic() if now is None else now
            if current - started >= self.max_retry_time:
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


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP-date, RFC 9110 §10.2.3).

    A malformed value is treated as absent: it never stops a retry.  Delta-seconds are ASCII
    digits only (``1*DIGIT``); ``'²'`` or ``'٣'``, for which ``str.isdigit()`` is true, are not
    numbers here, and neither are ``'-1'``, ``'1.5'`` or ``'1e3'``.  A date without a zone is
    read as GMT, the only zone an HTTP-date has.

    :param value: the header's value, or ``None``
    :param now: the current ``time.time()`` (for tests)
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
        seconds = when.timestamp() - (_time.time() if now is None else now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, seconds), RETRY_AFTER_CEILING)
