"""The background half of :class:`~influxdb.batching.BatchWriter`: its state, its thread,
and the interpreter-exit flush.

Kept apart from the public ``BatchWriter`` object on purpose: the thread references only
this core, so a writer nobody references any more can be garbage-collected (its finalizer
then closes the core, which sends what is left and stops).  Live cores sit in a weak set
that an ``atexit`` hook flushes, with each writer's ``exit_timeout``.

Locking: one lock, two conditions.  The sender waits on ``has_work``; writers waiting for
room and flushers waiting for their points wait on ``progress``.  A line counts against
``capacity`` from the moment it is buffered until its batch is settled (stored, or failed for
good), so memory stays bounded even while a batch is being retried.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
import weakref
from typing import Optional

from influxdb._batching_buffer import (
    Encoded,
    FlushPolicy,
    PendingBuffer,
    Target,
    encoded_from_lines,
)
from influxdb._batching_send import Batch, Deliverer
from influxdb.exceptions import InfluxDBError

__all__ = ["WriterBufferFullError", "WriterClosedError", "WriterCore"]

log = logging.getLogger("influxdb.batching")


class WriterClosedError(InfluxDBError, RuntimeError):
    """A write to a writer that was closed (or points abandoned when ``close()`` timed out)."""


class WriterBufferFullError(InfluxDBError, queue.Full):
    """The writer's buffer stayed full (``overflow='raise'``, or ``block_timeout`` passed).

    Also a :class:`queue.Full`.

    :ivar accepted: points of the call that were buffered before it gave up (only a write
        larger than the whole buffer is buffered in parts)
    """

    accepted: int = 0


class WriterCore:
    """The writer's state and thread (kept apart from :class:`BatchWriter`, see there)."""

    def __init__(self, policy: FlushPolicy, capacity: int, overflow: str,
                 block_timeout: Optional[float], deliverer: Deliverer,
                 exit_timeout: Optional[float], name: str) -> None:
        self.policy = policy
        self.capacity = capacity
        self.overflow = overflow
        self.block_timeout = block_timeout
        self.deliverer = deliverer
        self.exit_timeout = exit_timeout
        self.name = name
        self._init_state()
        _LIVE.add(self)

    def _init_state(self) -> None:
        self.lock = threading.Lock()
        self.has_work = threading.Condition(self.lock)   # the sender waits on it
        self.progress = threading.Condition(self.lock)   # writers and flushers wait on it
        self.buffer = PendingBuffer(self.policy)
        self.inflight = 0
        self.accepted: dict[Target, int] = {}
        self.settled: dict[Target, int] = {}
        self.points_accepted = 0
        self.flush_waiters = 0
        self.closing = False
        self.finished = False
        self.deliverer.abort = threading.Event()
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self.thread.start()

    def used(self) -> int:
        return len(self.buffer) + self.inflight

    # -- caller side -------------------------------------------------------------------------
    def put(self, target: Target, encoded: Encoded) -> None:
        total = encoded.count
        if not total:
            return
        with self.lock:
            if self.closing:
                raise WriterClosedError("write to a closed BatchWriter")
            if self.buffer.count + self.inflight + total <= self.capacity:  # the common case
                if self.buffer.add(target, encoded, time.monotonic()):
                    self.has_work.notify()
                accepted = self.accepted
                accepted[target] = accepted.get(target, 0) + total
                self.points_accepted += total
                return
            # From a callback, the writer's own thread cannot wait for room it alone makes.
            if (self.overflow == "raise" or threading.current_thread() is self.thread) and (
                    self.used() + total > self.capacity):
                raise WriterBufferFullError(
                    f"the writer's buffer is full ({self.used()} of {self.capacity} points); "
                    f"{total} more do not fit")
            deadline = None if self.block_timeout is None else (
                time.monotonic() + self.block_timeout)
            lines: Optional[list[bytes]] = None
            whole = total <= self.capacity
            done = 0
            while done < total:
                free = self.capacity - self.used()
                # A write that fits is buffered whole (all or nothing, should the wait time
                # out); a larger one in parts of at least a batch, as room is made.
                want = total if whole else min(total - done, self.policy.batch_size)
                if free < want:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        exc = WriterBufferFullError(
                            f"the writer's buffer stayed full for {self.block_timeout}s; "
                            f"{done} of {total} points were buffered")
                        exc.accepted = done
                        raise exc
                    self.progress.wait(remaining)
                    if self.closing:
                        raise WriterClosedError("the BatchWriter was closed while a write "
                                                f"waited; {done} of {total} points buffered")
                    continue
                if whole:
                    piece = encoded
                else:
                    if lines is None:
                        lines = encoded.split()
                    piece = encoded_from_lines(lines[done:done + free])
                if self.buffer.add(target, piece, time.monotonic()):
                    self.has_work.notify()
                self.accepted[target] = self.accepted.get(target, 0) + piece.count
                self.points_accepted += piece.count
                done += piece.count

    def flush(self, timeout: Optional[float]) -> bool:
        if threading.current_thread() is self.thread:
            raise RuntimeError("flush() from a writer callback would wait for itself")
        with self.lock:
            wanted = dict(self.accepted)
            self.flush_waiters += 1
            self.has_work.notify()
            try:
                return self.progress.wait_for(
                    lambda: self.finished or all(self.settled.get(t, 0) >= n
                                                 for t, n in wanted.items()), timeout) and all(
                    self.settled.get(t, 0) >= n for t, n in wanted.items())
            finally:
                self.flush_waiters -= 1

    def close_nowait(self) -> None:
        with self.lock:
            self.closing = True
            self.has_work.notify()
            self.progress.notify_all()

    def close(self, timeout: Optional[float]) -> None:
        self.close_nowait()
        if threading.current_thread() is self.thread:
            return  # called from a callback: the thread drains and stops by itself
        self.thread.join(timeout)
        if not self.thread.is_alive():
            return
        # Out of time: stop retrying, and report what could not be sent.
        self.deliverer.abort.set()
        with self.lock:
            self.has_work.notify()
        self.thread.join(1.0)
        if self.thread.is_alive():
            # Stuck in a request; what is still queued is reported from here.
            with self.lock:
                abandoned = self.buffer.drain()
                for _, encoded in abandoned:
                    self.inflight += encoded.count
            self._abandon(abandoned)

    # -- the background thread -----------------------------------------------------------
    def _run(self) -> None:
        try:
            while True:
                with self.lock:
                    item = self._next_locked()
                    if item is None:
                        abandoned = self.buffer.drain() if self.deliverer.abort.is_set() else []
                        for _, encoded in abandoned:
                            self.inflight += encoded.count
                if item is None:
                    self._abandon(abandoned)
                    return
                batch = Batch(*item)
                error = self.deliverer.attempt(batch)
                if error is None:
                    self.deliverer.succeeded(batch)
                else:
                    self.deliverer.failed_for_good(batch, error)
                self._settle(batch.target, len(batch))
        except BaseException:  # pragma: no cover - a bug; make it loud, never silent
            log.exception("the batch writer thread %s died", self.name)
            raise
        finally:
            with self.lock:
                self.finished = True
                self.progress.notify_all()
            _LIVE.discard(self)

    def _next_locked(self) -> Optional[tuple[Target, Encoded]]:
        """Wait (lock held) for the next batch; ``None`` when the thread should stop."""
        while True:
            if self.deliverer.abort.is_set():
                return None
            now = time.monotonic()
            item = self.buffer.take(now, force=self.closing or self.flush_waiters > 0)
            if item is not None:
                self.inflight += item[1].count
                return item
            if self.closing:
                return None
            wait = self.buffer.next_deadline() - now
            self.has_work.wait(None if wait == float("inf") else max(wait, 0.0))

    def _settle(self, target: Target, count: int) -> None:
        with self.lock:
            self.inflight -= count
            self.settled[target] = self.settled.get(target, 0) + count
            self.progress.notify_all()

    def _abandon(self, abandoned: list[tuple[Target, Encoded]]) -> None:
        for target, encoded in abandoned:
            batch = Batch(target, encoded)
            self.deliverer.failed_for_good(batch, WriterClosedError(
                "the writer was closed (timeout) before these points could be sent"))
            self._settle(target, encoded.count)

    def reset_after_fork(self) -> None:
        """In a forked child: the parent's thread does not exist here, and the parent
        still owns the points it buffered; start empty with a thread of our own (and new
        locks: the parent's may have been held by a thread that is not in the child)."""
        self.deliverer._lock = threading.Lock()
        self._init_state()


#: Live writer cores, flushed at interpreter exit.  Weak: registering keeps nothing alive.
_LIVE: weakref.WeakSet[WriterCore] = weakref.WeakSet()


def _close_all_at_exit() -> None:
    cores = list(_LIVE)
    for core in cores:  # all start draining at once; then each gets its exit_timeout
        core.close_nowait()
    for core in cores:
        try:
            core.close(core.exit_timeout)
        except Exception:  # pragma: no cover - never let one writer stop the others
            log.exception("flushing batch writer %s at exit failed", core.name)


def _after_fork_in_child() -> None:  # pragma: no cover - runs in a forked child
    for core in list(_LIVE):
        core.reset_after_fork()


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
