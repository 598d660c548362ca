"""Batched writes: a background :class:`BatchWriter`, and :class:`Session` for explicit commits.

Both are built on the same parts: points are checked and encoded in the caller's thread
(:mod:`influxdb._batching.front`), kept as lines in a buffer with one FIFO per write target
(:mod:`influxdb._batching.buffer`), and sent in batches with a retry policy that backs off
exponentially and honours ``Retry-After`` (:mod:`influxdb._batching.send`).

Nothing accepted is dropped silently: a batch is either stored, or recorded in ``failed``
(with the exception that ended it) and handed to ``on_error``; it is logged too.

Usage::

    with client.batch_writer(batch_size=5000, flush_interval=1.0) as writer:
        writer.write([{'measurement': 'cpu', 'fields': {'load': 0.5}}])
        writer.write_point('cpu', {'load': 0.7}, tags={'host': 'a'})
    # left the block: everything was sent (or is in writer.failed)

    with client.session(autocommit_every=100) as session:
        session.write(Point('cpu').field('load', 0.5))
    # committed on leaving the block
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from influxdb._batching import core as writer_core
from influxdb._batching.buffer import Encoded, FlushPolicy, PendingBuffer, Target
from influxdb._batching.core import WriterBufferFullError, WriterClosedError, WriterCore
from influxdb._batching.front import WriteFront, Writes
from influxdb._batching.send import ONE_ATTEMPT, Batch, Deliverer, WriterStats, is_retryable
from influxdb._core._retry import Retry
from influxdb.exceptions import InfluxDBArgumentError

if TYPE_CHECKING:
    from influxdb.client import WriteClient

__all__ = ["DEFAULT_REQUEST_TIMEOUT", "DEFAULT_WRITER_RETRY", "Batch", "BatchWriter",
           "Session", "WriterBufferFullError", "WriterClosedError", "WriterStats",
           "exit_on_sigterm"]

log = logging.getLogger("influxdb.batching")

#: The writer's default policy: keep trying for up to five minutes, the wait after attempt
#: *n* drawn between half and all of ``min(30, 0.5 * 2**(n-1))`` seconds, and at least as
#: long as a ``Retry-After`` asks.
DEFAULT_WRITER_RETRY = Retry(total=0, backoff_factor=0.5, backoff_max=30.0,
                             max_retry_time=300.0)

#: Seconds each request of a writer or session may wait for the server when neither the
#: writer (``request_timeout=``) nor the client (``timeout=``) sets a timeout: a server that
#: accepts and never answers must not hold a writer forever.
DEFAULT_REQUEST_TIMEOUT = 10.0

SuccessCallback = Callable[[Batch], Any]
ErrorCallback = Callable[[Batch, BaseException], Any]
RetryCallback = Callable[[Batch, BaseException, float], Any]


def _policy(retry: Union[Retry, int, None], default: Retry) -> Retry:
    if retry is None:
        return default
    if isinstance(retry, Retry):
        return retry
    return default.with_total(Retry.from_int(retry).total)


def _target_repr(front: WriteFront) -> str:
    """Where a writer's points go, for ``repr()``: the URL (or UDP address) and database (the
    client's as it is now, when the writer names none), never credentials."""
    client = front.client
    url = client._write_url()
    database = front.database or client._database
    text = f"url={url!r}, database={database!r}"
    if front.retention_policy is not None:
        text += f", retention_policy={front.retention_policy!r}"
    return text


def _check_request_timeout(value: Any) -> Any:
    def seconds(part: Any) -> bool:
        return (not isinstance(part, bool) and isinstance(part, (int, float))
                and 0 < part < float("inf"))

    if value is None or seconds(value) or (
            isinstance(value, tuple) and len(value) == 2 and all(map(seconds, value))):
        return value
    raise InfluxDBArgumentError(f"request_timeout must be seconds above 0, a (connect, read) "
                                f"pair of them, or None, got {value!r}")


def _request_timeout(request_timeout: Any, client_timeout: Any,
                     budget: Optional[float]) -> Any:
    """The timeout of one request: the writer's own, else the client's, else
    :data:`DEFAULT_REQUEST_TIMEOUT` (a part the client left ``None`` too); never more than
    the ``budget`` the retry policy leaves."""
    timeout = request_timeout
    if timeout is None:
        timeout = client_timeout
        if timeout is None:
            timeout = DEFAULT_REQUEST_TIMEOUT
        elif isinstance(timeout, tuple):
            timeout = tuple(DEFAULT_REQUEST_TIMEOUT if t is None else t for t in timeout)
    if budget is None:
        return timeout
    budget = max(budget, 0.001)
    if isinstance(timeout, tuple):
        return tuple(min(t, budget) for t in timeout)
    if isinstance(timeout, (int, float)):
        return min(timeout, budget)
    return timeout  # a urllib3 Timeout: as the client has it


def _sender(client: WriteClient, front: WriteFront,
            request_timeout: Any) -> Callable[[Batch, Optional[float]], None]:
    if front.udp:
        # len(batch): its exact number of lines, so the datagram split needs no quote-aware scan
        return lambda batch, budget: client._udp_send(batch.body, len(batch))

    def send(batch: Batch, budget: Optional[float]) -> None:
        t = batch.target
        client._write_payload(batch.body, database=t.database, retention_policy=t.retention_policy,
                              precision=t.precision, consistency=t.consistency, retry=ONE_ATTEMPT,
                              timeout=_request_timeout(request_timeout, client._timeout, budget))
    return send


def exit_on_sigterm(exit_code: int = 0) -> Any:
    """Make SIGTERM end the program as ``sys.exit(exit_code)`` does, so that ``finally``
    blocks, ``with`` blocks and the writers' exit flush run.

    By default SIGTERM (``kill``, ``docker stop``, systemd, Kubernetes) ends a Python
    program at once: no exit hook runs, and the points a writer holds are lost.  Call this
    once, from the main thread, in a program that has no SIGTERM handler of its own (one
    that has should end with ``sys.exit()``).  SIGKILL cannot be handled: what a writer
    holds then is lost.

    :param exit_code: the program's exit status after a SIGTERM
    :returns: the handler it replaces (as :func:`signal.signal` does)
    :raises ValueError: when called from another thread than the main one

    Usage::

        from influxdb.batching import exit_on_sigterm
        exit_on_sigterm()
    """
    def handler(signum: int, frame: Any) -> None:
        sys.exit(exit_code)

    return signal.signal(signal.SIGTERM, handler)


class BatchWriter(Writes):
    """Writes points in batches from a background thread.

    ``write()`` checks and encodes the points in the caller's thread and returns once they
    are buffered.  A batch leaves when ``batch_size`` points wait for the same target, when
    its oldest point has waited ``flush_interval`` (+ up to ``jitter_interval``), on
    :meth:`flush`, on :meth:`close`, on leaving a ``with`` block, and at interpreter exit.
    Several threads may write through one writer.

    :param client: the ``InfluxDBClient`` to write through
    :param database: default database (else the client's, resolved at each ``write()``)
    :param retention_policy: default retention policy (else the client's default)
    :param time_precision: default precision (else the client's default, else ns)
    :param consistency: default write consistency
    :param tags: tags added to every point (a write's tags and a point's own win)
    :param batch_size: points per request
    :param flush_interval: seconds a point waits at most for its batch to fill (``None``:
        until a flush)
    :param jitter_interval: up to this many seconds added at random to each interval flush
    :param max_buffer: points held at most (waiting or being sent); ``write()`` then blocks,
        so memory stays bounded and nothing is dropped
    :param overflow: ``'block'`` (default) or ``'raise'`` :class:`WriterBufferFullError`
    :param block_timeout: with ``'block'``, seconds to wait before raising (``None``: wait)
    :param retry: a :class:`~influxdb.Retry`, or attempts as an int (the default's
        backoff and five-minute limit kept); default :data:`DEFAULT_WRITER_RETRY`
    :param on_success: ``on_success(batch)`` from the writer's thread after a batch landed
    :param on_error: ``on_error(batch, exception)`` after a batch failed for good
    :param on_retry: ``on_retry(batch, exception, delay)`` before each wait
    :param exit_timeout: seconds the flush at process exit may take (``None``: no limit);
        all writers are flushed together, each within its own.  What is left then is logged
        at ``ERROR`` with its count
    :param name: the background thread's name
    :param request_timeout: seconds each request may wait for the server, or a
        ``(connect, read)`` pair; default: the client's ``timeout``, else
        :data:`DEFAULT_REQUEST_TIMEOUT` (10 s), so that a silent server never holds the
        writer.  A request that times out is retried as the ``retry`` policy says, and
        never outlasts its ``max_retry_time``
    :raises ValueError: on a bad option (at construction, not later)

    Usage::

        with client.batch_writer(batch_size=5000, flush_interval=1.0,
                                 on_error=lambda batch, exc: save(batch.lines)) as writer:
            writer.write_point('cpu', {'load': 0.5}, tags={'host': 'a'})
        assert not writer.failed
    """

    def __init__(
        self,
        client: WriteClient,
        *,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        time_precision: Optional[str] = None,
        consistency: Optional[str] = None,
        tags: Optional[Mapping[str, Any]] = None,
        batch_size: int = 5000,
        flush_interval: Optional[float] = 1.0,
        jitter_interval: float = 0.0,
        max_buffer: Optional[int] = None,
        overflow: str = "block",
        block_timeout: Optional[float] = None,
        retry: Union[Retry, int, None] = None,
        on_success: Optional[SuccessCallback] = None,
        on_error: Optional[ErrorCallback] = None,
        on_retry: Optional[RetryCallback] = None,
        exit_timeout: Optional[float] = 30.0,
        name: Optional[str] = None,
        request_timeout: Union[float, tuple[float, float], None] = None,
    ) -> None:
        self._front = WriteFront(client, database=database, retention_policy=retention_policy,
                                 time_precision=time_precision, consistency=consistency,
                                 tags=tags)
        request_timeout = _check_request_timeout(request_timeout)
        policy = FlushPolicy(batch_size, flush_interval, jitter_interval)
        capacity = max(100_000, 4 * batch_size) if max_buffer is None else max_buffer
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < batch_size:
            raise InfluxDBArgumentError(
                f"max_buffer must be an int >= batch_size ({batch_size}), "
                f"got {max_buffer!r}")
        if overflow not in ("block", "raise"):
            raise InfluxDBArgumentError(f"overflow must be 'block' or 'raise', got {overflow!r}")
        if block_timeout is not None and not block_timeout >= 0:
            raise InfluxDBArgumentError(
                f"block_timeout must be >= 0 seconds, got {block_timeout!r}")
        deliverer = Deliverer(_sender(client, self._front, request_timeout),
                              _policy(retry, DEFAULT_WRITER_RETRY),
                              on_success=on_success, on_error=on_error, on_retry=on_retry)
        self._core = WriterCore(policy, capacity, overflow, block_timeout, deliverer,
                                 exit_timeout, name or f"influxdb-batch-writer-{id(self):x}")
        # Closing (flushing) a writer nobody references any more; the thread only holds
        # the core, so the writer itself can be collected.
        self._finalizer = weakref.finalize(self, self._core.close_nowait)
        self._finalizer.atexit = False  # the module's atexit hook flushes, with a timeout

    def _put(self, target: Target, encoded: Encoded) -> None:
        self._core.put(target, encoded)

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Send everything buffered so far, and wait until it landed or failed for good.

        :param timeout: seconds to wait at most (``None``: no limit)
        :returns: ``True`` when every point buffered before the call was settled in time
        """
        self._front.shared.report()
        return self._core.flush(timeout)

    def close(self, timeout: Optional[float] = None) -> bool:
        """Flush, then stop the background thread.  Further writes raise
        :class:`WriterClosedError`.

        :param timeout: seconds to wait at most; then retries stop, and every point not
            written -- the batch still waiting for an answer included (the server may have
            stored it) -- is recorded in :attr:`failed` with a :class:`WriterClosedError`,
            and counted in one ``ERROR`` log line
        :returns: ``True`` when every point was written or failed for good before the
            timeout; ``False`` when points had to be given up (called from a callback:
            ``False``, the writer stops once the callback returns)
        """
        self._front.shared.report()
        return self._core.close(timeout)

    @property
    def closed(self) -> bool:
        return self._core.closing

    @property
    def failed(self) -> list[Batch]:
        """Batches that failed for good, each with its ``lines`` and ``error`` (a copy)."""
        return self._core.deliverer.failed_batches()

    def pop_failed(self) -> list[Batch]:
        """Return the failed batches and forget them."""
        return self._core.deliverer.pop_failed()

    @property
    def stats(self) -> WriterStats:
        """Counters: points accepted, written, failed, buffered; batches; retries.

        Taken at one instant: ``points_accepted == points_written + points_failed +
        points_buffered`` always (``points_buffered`` counts the batch being sent).
        """
        core = self._core
        with core.lock:  # outcomes are recorded under this lock too
            return core.deliverer.snapshot(core.unsettled(), core.points_accepted)

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"BatchWriter({_target_repr(self._front)}, buffered={self._core.used()}, "
                f"failed={len(self.failed)}, closed={self.closed})")


class Session(Writes):
    """Buffers writes until :meth:`commit` (in the style of the inflow client).

    Committing sends everything buffered, in batches, in the calling thread.  Leaving a
    ``with`` block commits.  With ``autocommit_every=N`` a write that brings the buffer to
    ``N`` points commits.  A session is safe to share between threads.

    When a commit fails after its retries, it raises; the batch that failed and all the
    points not yet sent stay buffered for the next commit, except when the server refused
    the points themselves (a 4xx other than 429, or a partial write): such a batch is moved
    to :attr:`failed` (sending it again cannot succeed) before the exception is raised.

    :param client: the ``InfluxDBClient``
    :param database: database of the session (else the client's)
    :param retention_policy: retention policy of the whole session (``write()`` takes none)
    :param time_precision: default precision
    :param consistency: default write consistency
    :param tags: tags added to every point
    :param autocommit_every: commit once this many points are buffered (``None``: never)
    :param batch_size: points per request when committing
    :param retry: the policy of each request (default: the client's ``retries``)
    :param on_success: ``on_success(batch)`` after each batch landed
    :param on_error: ``on_error(batch, exception)`` after a batch failed for good
    :param on_retry: ``on_retry(batch, exception, delay)`` before each wait
    :param request_timeout: seconds each request may wait for the server (or ``(connect,
        read)``); default: the client's ``timeout``, else :data:`DEFAULT_REQUEST_TIMEOUT`

    Usage::

        with client.session(autocommit_every=1000, retention_policy='one_week') as session:
            session.write_point('events', {'value': 1}, time=datetime.now(timezone.utc))
    """

    _retention_policy_per_write = False

    def __init__(
        self,
        client: WriteClient,
        *,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        time_precision: Optional[str] = None,
        consistency: Optional[str] = None,
        tags: Optional[Mapping[str, Any]] = None,
        autocommit_every: Optional[int] = None,
        batch_size: int = 5000,
        retry: Union[Retry, int, None] = None,
        on_success: Optional[SuccessCallback] = None,
        on_error: Optional[ErrorCallback] = None,
        on_retry: Optional[RetryCallback] = None,
        request_timeout: Union[float, tuple[float, float], None] = None,
    ) -> None:
        self._front = WriteFront(client, database=database, retention_policy=retention_policy,
                                 time_precision=time_precision, consistency=consistency,
                                 tags=tags, who="Session")
        request_timeout = _check_request_timeout(request_timeout)
        if autocommit_every is not None and (isinstance(autocommit_every, bool) or not isinstance(
                autocommit_every, int) or autocommit_every < 1):
            raise InfluxDBArgumentError(
                f"autocommit_every must be an int >= 1 or None, "
                f"got {autocommit_every!r}")
        self.autocommit_every = autocommit_every
        self._buffer = PendingBuffer(FlushPolicy(batch_size, None, 0.0))
        # Counted under _lock, outcomes recorded under it too, so that the stats add up at
        # every look: accepted == written + failed + buffered (+ in flight) + discarded.
        self._accepted = 0
        self._inflight = 0  # points of the batch a commit is sending
        self._discarded = 0
        self._lock = threading.Lock()
        self._commit_lock = threading.Lock()
        default = client._retry_policy
        self._deliverer = Deliverer(_sender(client, self._front, request_timeout),
                                    _policy(retry, default),
                                    on_success=on_success, on_error=on_error,
                                    on_retry=on_retry)
        _SESSIONS.add(self)

    def _reset_after_fork(self) -> None:
        # In a forked child: the parent commits what it buffered; the child only its own
        # points (new locks: the parent's may have been held by another thread).
        self._buffer = PendingBuffer(self._buffer.policy)
        self._accepted = self._inflight = self._discarded = 0
        self._lock = threading.Lock()
        self._commit_lock = threading.Lock()
        self._deliverer.reset_after_fork()

    def _put(self, target: Target, encoded: Encoded) -> None:
        if writer_core._exit_hook_pending:
            writer_core._hook_process_exit()  # the uncommitted are reported at exit
        with self._lock:
            self._buffer.add(target, encoded, time.monotonic())
            self._accepted += encoded.count
            due = self.autocommit_every is not None and len(
                self._buffer) >= self.autocommit_every
        if due:
            self.commit()

    def commit(self) -> None:
        """Send every buffered point.

        :raises Exception: what the failed request raised (``InfluxDBClientError``,
            ``InfluxDBServerError``, a ``requests`` exception); see the class for what stays
            buffered
        """
        self._front.shared.report()
        with self._commit_lock:
            while True:
                with self._lock:
                    item = self._buffer.take(time.monotonic(), force=True)
                    if item is None:
                        return
                    batch = Batch(*item)
                    self._inflight = len(batch)
                try:
                    error = self._deliverer.attempt(batch)
                except BaseException:  # Ctrl-C in a wait: the batch stays buffered
                    self._settle(batch, None, push_back=True)
                    raise
                if error is None:
                    self._settle(batch, None)
                    self._deliverer.report(batch, None)
                    continue
                if is_retryable(error, self._deliverer.retry):
                    self._settle(batch, None, push_back=True)
                else:
                    self._settle(batch, error)
                    self._deliverer.report(batch, error)
                raise error

    def _settle(self, batch: Batch, error: Optional[BaseException], *,
                push_back: bool = False) -> None:
        """The batch a commit sent: stored (``error`` None), failed for good, or back in
        the buffer (``push_back``): in one step under the lock the stats are read under."""
        with self._lock:
            self._inflight = 0
            if push_back:
                self._buffer.push_front(batch.target, batch.encoded, time.monotonic())
            else:
                self._deliverer.record(batch, error)

    flush = commit

    def discard(self) -> int:
        """Drop every buffered point without sending it (counted in
        ``stats.points_discarded``).  A batch a commit is sending meanwhile is not dropped.

        :returns: how many points were dropped
        """
        with self._lock:
            dropped = sum(encoded.count for _, encoded in self._buffer.drain())
            self._discarded += dropped
            return dropped

    def close(self) -> None:
        """Commit (a session holds no thread or connection of its own)."""
        self.commit()

    @property
    def pending(self) -> int:
        """Points buffered and not yet committed."""
        with self._lock:
            return len(self._buffer)

    @property
    def failed(self) -> list[Batch]:
        """Batches the server refused for good, each with its ``lines`` and ``error``."""
        return self._deliverer.failed_batches()

    def pop_failed(self) -> list[Batch]:
        """Return the failed batches and forget them."""
        return self._deliverer.pop_failed()

    @property
    def stats(self) -> WriterStats:
        """Counters: points accepted, written, failed, buffered, discarded; batches; retries.

        Taken at one instant, even from another thread while :meth:`commit` runs:
        ``points_accepted == points_written + points_failed + points_buffered +
        points_discarded`` always (``points_buffered`` counts the batch being sent).
        """
        with self._lock:  # outcomes are recorded under this lock too
            return self._deliverer.snapshot(len(self._buffer) + self._inflight,
                                            self._accepted, self._discarded)

    def __enter__(self) -> Session:
        return self

    def __repr__(self) -> str:
        return (f"Session({_target_repr(self._front)}, pending={self.pending}, "
                f"failed={len(self.failed)})")

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: object) -> None:
        if exc_type is None:
            self.commit()
            return
        # The block raised: still commit what it wrote, but let its exception be the one
        # the caller sees.
        try:
            self.commit()
        except Exception:
            log.exception("committing the session on leaving a with block that raised "
                          "failed; %d points stay buffered", self.pending)


#: Live sessions: their points are the child's own after a fork, and what they hold at
#: exit is reported.  Weak: being listed keeps no session alive.
_SESSIONS: weakref.WeakSet[Session] = weakref.WeakSet()


def _report_uncommitted_sessions() -> None:
    """At exit: a session is never committed behind its user's back (commits are
    explicit), but what one still holds is lost with the process, so it is counted."""
    for session in list(_SESSIONS):
        pending = len(session._buffer)  # no lock: one held by a dead thread must not hang
        if pending:
            log.error("Session(%s): %d points were never committed; they are lost with the "
                      "process (commit(), or write inside a with block, which commits)",
                      _target_repr(session._front), pending)


def _sessions_after_fork() -> None:  # pragma: no cover - runs in a forked child
    for session in list(_SESSIONS):
        session._reset_after_fork()


writer_core.EXIT_REPORTS.append(_report_uncommitted_sessions)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_sessions_after_fork)
