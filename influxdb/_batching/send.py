"""Sending one batch with a retry policy, and reporting what became of it.

Shared by the background :class:`~influxdb.batching.BatchWriter` and the synchronous
:class:`~influxdb.batching.Session`: both hand a :class:`Batch` to :class:`Deliverer`, which
sends it through the client's ``_write_payload`` (the client's own retries switched off) in
the sync transport's retry loop (:func:`influxdb._transports.sync.retrying`) with the
writer's :class:`~influxdb.Retry` policy: the same decision and the same table of
retryable failures as every other call, waits of at least what a ``Retry-After`` asks, and
waits that ``close()`` cuts short (the loop waits on the writer's abort event).  Each attempt
is handed the time the policy's ``max_retry_time`` leaves, which its request timeout never
exceeds: a server that never answers cannot stretch the policy's limit.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from influxdb._batching.buffer import Encoded, Target
from influxdb._core._retry import Retry, retry_after_of
from influxdb._transports import sync as _sync

__all__ = ["Batch", "Deliverer", "WriterStats", "is_retryable", "retry_after_of"]

log = logging.getLogger("influxdb.batching")

#: The client sends each attempt once; the writer's own policy decides about the next one.
ONE_ATTEMPT = Retry(total=1)


class Batch:
    """Points sent (or to be sent) in one ``POST /write``: what callbacks and failure
    reports receive.

    :ivar target: database, retention policy, precision and consistency of the request
    :ivar attempts: requests made for this batch so far
    :ivar error: the exception that ended the last attempt (``None`` after success)
    """

    __slots__ = ("target", "_encoded", "attempts", "error")

    def __init__(self, target: Target, encoded: Encoded) -> None:
        self.target = target
        self._encoded = encoded
        self.attempts = 0
        self.error: Optional[BaseException] = None

    @property
    def database(self) -> Optional[str]:
        return self.target.database

    @property
    def retention_policy(self) -> Optional[str]:
        return self.target.retention_policy

    @property
    def precision(self) -> Optional[str]:
        return self.target.precision

    @property
    def lines(self) -> list[str]:
        """The points of this batch, one line of line protocol each (no new line)."""
        return [line.decode("utf-8") for line in self._encoded.split()]

    @property
    def body(self) -> bytes:
        """The request body: the lines, each ending with a new line."""
        return self._encoded.body

    @property
    def encoded(self) -> Encoded:
        return self._encoded

    def __len__(self) -> int:
        return self._encoded.count

    def __repr__(self) -> str:
        error = f", error={type(self.error).__name__}" if self.error is not None else ""
        return (f"Batch({self._encoded.count} points, database={self.target.database!r}, "
                f"retention_policy={self.target.retention_policy!r}, "
                f"attempts={self.attempts}{error})")


@dataclass
class WriterStats:
    """Counters of a writer or session (a snapshot; points are lines of line protocol).

    Taken at one instant, so that ``points_accepted == points_written + points_failed +
    points_buffered + points_discarded`` at every look, from any thread: ``points_buffered``
    counts the batch being sent, and ``points_discarded`` the points a session's
    ``discard()`` dropped (always 0 for a writer).
    """

    points_accepted: int = 0
    points_written: int = 0
    points_failed: int = 0
    batches_written: int = 0
    batches_failed: int = 0
    retries: int = 0
    points_buffered: int = 0
    last_error: Optional[BaseException] = field(default=None, repr=False)
    points_discarded: int = 0


def is_retryable(exc: BaseException, retry: Retry) -> bool:
    """Whether another attempt may succeed where this one failed: the transport's table
    (:func:`influxdb._transports.sync.is_retryable`), as for every other call.

    Transport failures (but a certificate that failed verification) and the statuses of
    ``retry.retry_statuses`` (429, 5xx) are retried; a client mistake never is, nor a partial
    write (the server kept some points of it).
    """
    return _sync.is_retryable(exc, retry)


def _safe_call(callback: Optional[Callable[..., Any]], name: str, *args: Any) -> None:
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:  # a user's callback must never stop the writer
        log.exception("the %s callback raised; ignored", name)


class Deliverer:
    """Send batches with retries; keep counters and the record of failed batches.

    :param send: ``send(batch, budget)`` sends one body once (raises on failure); ``budget``
        is the seconds the retry policy's ``max_retry_time`` leaves for this attempt
        (``None``: no such limit), which the request's timeout must not exceed
    :param retry: the policy between attempts
    :param on_success: ``on_success(batch)`` after a batch was stored
    :param on_error: ``on_error(batch, exception)`` after a batch failed for good
    :param on_retry: ``on_retry(batch, exception, delay)`` before waiting ``delay`` seconds
    :param abort: when set, waits end at once and no further attempt is made

    Recording an outcome (:meth:`record`: counters, ``failed``) and reporting it
    (:meth:`report`: the log, the callbacks) are two steps, so that the background writer can
    record under its own lock (its counters then always add up) and report outside it.
    """

    def __init__(
        self,
        send: Callable[[Batch, Optional[float]], None],
        retry: Retry,
        *,
        on_success: Optional[Callable[[Batch], Any]] = None,
        on_error: Optional[Callable[[Batch, BaseException], Any]] = None,
        on_retry: Optional[Callable[[Batch, BaseException, float], Any]] = None,
        abort: Optional[threading.Event] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self.retry = retry
        self.on_success = on_success
        self.on_error = on_error
        self.on_retry = on_retry
        self.abort = abort or threading.Event()
        self._clock = clock
        self._lock = threading.Lock()
        self.stats = WriterStats()
        self.failed: list[Batch] = []

    def attempt(self, batch: Batch) -> Optional[BaseException]:
        """Send ``batch`` until it is stored, fails for good, or ``abort`` is set.

        With a ``max_retry_time``, no attempt starts and no wait ends after it: each attempt
        gets what is left of it as its time budget, and a wait that would pass it is not
        begun (the batch fails at once).

        :returns: ``None`` on success, else the last exception (also in ``batch.error``)
        """
        def once(budget: Optional[float]) -> None:
            batch.attempts += 1
            try:
                self._send(batch, budget)
            except Exception as exc:
                batch.error = exc  # read by close(): the cause of the points it gives up
                raise

        def retried(exc: BaseException, attempts: int, delay: float) -> None:
            with self._lock:
                self.stats.retries += 1
            log.warning("writing %d points failed (%s: %s); attempt %d, retrying in %.2fs",
                        len(batch), type(exc).__name__, exc, attempts, delay)
            _safe_call(self.on_retry, "on_retry", batch, exc, delay)

        abort = self.abort
        try:
            # The batch's own count is the loop's: each Batch is attempted by one call.
            _sync.retrying(once, self.retry, deadline=self.retry.max_retry_time,
                           on_retry=retried, wait=abort.wait, stopped=abort.is_set,
                           clock=self._clock, annotate=False)
        except Exception as exc:
            batch.error = exc
            return exc
        batch.error = None
        return None

    def record(self, batch: Batch, error: Optional[BaseException]) -> None:
        """Count a batch that was stored (``error is None``) or failed for good."""
        with self._lock:
            if error is None:
                self.stats.points_written += len(batch)
                self.stats.batches_written += 1
                return
            batch.error = error
            self.failed.append(batch)
            self.stats.points_failed += len(batch)
            self.stats.batches_failed += 1
            self.stats.last_error = error

    def report(self, batch: Batch, error: Optional[BaseException], *,
               logged: bool = True) -> None:
        """Tell the log (failures, unless ``logged`` is false) and the callbacks."""
        if error is None:
            _safe_call(self.on_success, "on_success", batch)
            return
        if logged:
            log.error("%d points were not written to database %r after %d attempt(s): %s: %s",
                      len(batch), batch.target.database, batch.attempts,
                      type(error).__name__, error)
        _safe_call(self.on_error, "on_error", batch, error)

    def failed_batches(self) -> list[Batch]:
        """A copy of :attr:`failed`, taken under the lock that records outcomes."""
        with self._lock:
            return list(self.failed)

    def pop_failed(self) -> list[Batch]:
        """The batches that failed for good, forgotten here."""
        with self._lock:
            failed, self.failed = self.failed, []
        return failed

    def counters(self) -> WriterStats:
        """A copy of the counters (``points_accepted``, ``points_buffered`` and
        ``points_discarded`` left at 0)."""
        with self._lock:
            return WriterStats(**{k: getattr(self.stats, k) for k in (
                "points_written", "points_failed", "batches_written", "batches_failed",
                "retries", "last_error")})

    def snapshot(self, buffered: int, accepted: int, discarded: int = 0) -> WriterStats:
        """The counters with the caller's: it holds the lock under which it records
        outcomes (:meth:`record`), so that they add up."""
        stats = self.counters()
        stats.points_accepted = accepted
        stats.points_buffered = buffered
        stats.points_discarded = discarded
        return stats

    def reset_after_fork(self) -> None:
        """In a forked child: the parent's batches and counters are the parent's; start
        from zero (with a new lock: the parent's may have been held by another thread)."""
        self._lock = threading.Lock()
        self.abort = threading.Event()
        self.stats = WriterStats()
        self.failed = []
