"""The background half of :class:`~influxdb.batching.BatchWriter`: its state, its thread,
and the flush at process exit.

Kept apart from the public ``BatchWriter`` object on purpose: the thread references only
this core, so a writer nobody references any more can be garbage-collected (its finalizer
then closes the core, which sends what is left and stops).

Locking: one lock, two conditions.  The sender waits on ``has_work``; writers waiting for
room and flushers waiting for their points wait on ``progress``.  A line counts against
``capacity`` from the moment it is buffered until its batch is settled (stored, or failed for
good), so memory stays bounded even while a batch is being retried.  Outcomes are counted
under the same lock, so ``accepted == written + failed + buffered`` at every look.

Every accepted point ends written, failed, or -- when a ``close(timeout)`` or the exit
flush runs out of time -- given up: moved to ``failed`` with a :class:`WriterClosedError`
and counted in one ``ERROR`` line, the batch still waiting for an answer included.

Process exit: live cores sit in a weak set, flushed together (each within its own
``exit_timeout``) by an ``atexit`` hook, and in a ``multiprocessing`` worker -- which leaves
through ``os._exit`` after its own finalizers, never running ``atexit`` -- by a
``multiprocessing`` finalizer registered at the first write in that process.  After a
``fork()`` the child's cores start empty, and start a thread of their own at the child's
first write (a child that never writes -- most workers of a pre-forking server -- runs no
thread for them): the parent keeps, and sends, what it buffered.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import signal
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Callable, Optional

from influxdb._batching.buffer import (
    Encoded,
    FlushPolicy,
    PendingBuffer,
    Target,
    encoded_from_lines,
)
from influxdb._batching.send import Batch, Deliverer
from influxdb.exceptions import InfluxDBError

__all__ = ["WriterBufferFullError", "WriterClosedError", "WriterCore"]

log = logging.getLogger("influxdb.batching")


class WriterClosedError(InfluxDBError, RuntimeError):
    """A write to a writer that was closed, or points given up when ``close(timeout)`` or
    the exit flush ran out of time (then in ``failed``, each batch with this error)."""


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

    def _init_state(self, start: bool = True) -> None:
        self.lock = threading.Lock()
        self.has_work = threading.Condition(self.lock)   # the sender waits on it
        self.progress = threading.Condition(self.lock)   # writers and flushers wait on it
        self.buffer = PendingBuffer(self.policy)
        self.inflight = 0  # points of the batch being sent
        self.reporting = 0  # points whose outcome is counted, callbacks not yet run
        self.current: Optional[Batch] = None  # the batch being sent (or waited for)
        self.accepted: dict[Target, int] = {}
        self.settled: dict[Target, int] = {}
        self.points_accepted = 0
        self.flush_waiters = 0
        self.closing = False
        self.finished = False
        self.gave_up = False
        self.deliverer.abort = threading.Event()
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        if start:
            self.thread.start()

    def used(self) -> int:
        """Points held against ``capacity``: until their callbacks ran."""
        return len(self.buffer) + self.inflight + self.reporting

    def unsettled(self) -> int:
        """Points neither written nor failed yet (``points_buffered`` of the stats)."""
        return len(self.buffer) + self.inflight

    # -- caller side -------------------------------------------------------------------------
    def put(self, target: Target, encoded: Encoded) -> None:
        total = encoded.count
        if not total:
            return
        if _exit_hook_pending:
            _hook_process_exit()
        with self.lock:
            if self.closing:
                raise WriterClosedError("write to a closed BatchWriter")
            if self.thread.ident is None:  # a forked child's first write
                self.thread.start()
            if self.buffer.count + self.inflight + self.reporting + total <= self.capacity:
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

            def done() -> bool:
                return all(self.settled.get(t, 0) >= n for t, n in wanted.items())

            try:
                return self.progress.wait_for(lambda: self.finished or done(), timeout) and (
                    done())
            finally:
                self.flush_waiters -= 1

    def close_nowait(self) -> None:
        with self.lock:
            self.closing = True
            self.has_work.notify()
            self.progress.notify_all()

    def close(self, timeout: Optional[float]) -> bool:
        """Flush and stop; past ``timeout``, give up what is left (:meth:`give_up`).

        :returns: ``False`` when points had to be given up (now, or by an earlier close)
        """
        self.close_nowait()
        if threading.current_thread() is self.thread:
            return False  # called from a callback: the thread drains and stops after it
        if self.thread.ident is None:  # a forked child that never wrote: no thread, no points
            with self.lock:
                self.finished = True
            _LIVE.discard(self)
            return not self.gave_up
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.give_up(f"close(timeout={timeout}) timed out", "they are in writer.failed")
        return not self.gave_up

    def give_up(self, why: str, where: str) -> int:
        """Stop sending, and move every point not yet written to ``failed``, the batch
        waiting for an answer included, each batch with a :class:`WriterClosedError`;
        log one ``ERROR`` line with the counts.

        Safe while the thread is still inside a request: that batch is recorded here, and
        the thread drops its outcome when the request ends.

        :param why: what ran out (for the errors and the log)
        :param where: where the caller finds the points (for the log)
        :returns: how many points were given up
        """
        with self.lock:
            self.deliverer.abort.set()
            self.closing = True
            self.has_work.notify()
            sending = self.current
            self.current = None
            given_up: list[Batch] = []
            unanswered: Optional[Batch] = None
            if sending is not None:
                self.inflight -= len(sending)
                # A copy: the thread still owns (and updates) the batch it is sending.
                unanswered = Batch(sending.target, sending.encoded)
                unanswered.attempts = sending.attempts
                error = WriterClosedError(
                    f"{why} while these points were being sent (attempt "
                    f"{sending.attempts}, unanswered or to be retried): the server may "
                    f"have stored them")
                error.__cause__ = sending.error
                self.deliverer.record(unanswered, error)
                given_up.append(unanswered)
            for target, encoded in self.buffer.drain():
                batch = Batch(target, encoded)
                self.deliverer.record(batch, WriterClosedError(
                    f"{why} before these points could be sent"))
                given_up.append(batch)
            for batch in given_up:
                self.settled[batch.target] = self.settled.get(batch.target, 0) + len(batch)
            total = sum(len(batch) for batch in given_up)
            if total:
                self.gave_up = True
            self.progress.notify_all()
        if total:
            in_request = len(unanswered) if unanswered is not None else 0
            log.error("BatchWriter %s: %s; %d points were not written (%d in the batch "
                      "being sent, which the server may have stored; %d never sent); %s",
                      self.name, why, total, in_request, total - in_request, where)
        for batch in given_up:
            assert batch.error is not None
            self.deliverer.report(batch, batch.error, logged=False)
        return total

    # -- the background thread -----------------------------------------------------------
    def _run(self) -> None:
        try:
            while True:
                with self.lock:
                    item = self._next_locked()
                    if item is None:
                        return
                    batch = self.current = Batch(*item)
                error = self.deliverer.attempt(batch)
                with self.lock:
                    if self.current is not batch:
                        continue  # given up meanwhile: give_up() recorded and reported it
                    self.current = None
                    self.inflight -= len(batch)
                    self.reporting += len(batch)
                    self.deliverer.record(batch, error)
                # Callbacks run before a flush() waiting for this batch returns, and the
                # batch holds its room in the buffer until then.
                self.deliverer.report(batch, error)
                with self.lock:
                    self.reporting -= len(batch)
                    target = batch.target
                    self.settled[target] = self.settled.get(target, 0) + len(batch)
                    self.progress.notify_all()
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

    def reset_after_fork(self) -> None:
        """In a forked child: the parent's thread does not exist here, and the parent
        still owns the points it buffered; start empty (with new locks: the parent's may
        have been held by a thread that is not in the child), with a thread of our own
        started by the first write (:meth:`put`): a child that never writes runs none.  A
        writer closed in the parent stays closed.  (The client's own fork hook gives the
        child new connections.)"""
        closed = self.closing
        self.deliverer.reset_after_fork()
        self._init_state(start=False)
        if closed:
            self.closing = self.finished = True
            _LIVE.discard(self)


#: Live writer cores, flushed at process exit.  Weak: registering keeps nothing alive.
_LIVE: weakref.WeakSet[WriterCore] = weakref.WeakSet()

#: Called after the writers' exit flush (the sessions' report of what was never committed).
EXIT_REPORTS: list[Callable[[], None]] = []

#: True until this process registered the ``multiprocessing`` exit hook (or found it needs
#: none); set again in every forked child.
_exit_hook_pending = True
_exit_hook_lock = threading.Lock()


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Ignore Ctrl-C while the points left are moved to ``failed`` and counted: a second
    Ctrl-C must not cut that report short (main thread only; elsewhere a no-op)."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.getsignal(signal.SIGINT)  # None: not set from Python, left alone
    if previous is None:
        yield
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _close_all_at_exit() -> None:
    """Flush every live writer, all at once, each within its ``exit_timeout``; whatever
    is left then (or when Ctrl-C, or a SIGTERM that raises ``SystemExit``, interrupts the
    wait) is given up and logged.  Then the :data:`EXIT_REPORTS`."""
    try:
        _flush_writers_at_exit()
    finally:
        for report in EXIT_REPORTS:
            try:
                report()
            except Exception:  # pragma: no cover - a report must not stop the others
                log.exception("an exit report of the batching module failed")


def _flush_writers_at_exit() -> None:
    cores = [core for core in list(_LIVE) if not core.finished and not core.gave_up]
    if not cores:
        return
    for core in cores:  # all start draining at once
        core.close_nowait()
    started = time.monotonic()

    def deadline(core: WriterCore) -> float:
        return float("inf") if core.exit_timeout is None else started + core.exit_timeout

    pending = sorted(cores, key=deadline)
    try:
        while pending:
            core = pending[0]
            wait = deadline(core) - time.monotonic()
            if core.thread.ident is not None:
                core.thread.join(None if wait == float("inf") else max(wait, 0.0))
            pending.pop(0)
            if core.thread.is_alive():
                with _sigint_deferred():
                    core.give_up(f"the exit flush ran out of time (exit_timeout="
                                 f"{core.exit_timeout}s)", "they are lost with the process")
    except (KeyboardInterrupt, SystemExit) as stop:  # Ctrl-C; SIGTERM by exit_on_sigterm()
        with _sigint_deferred():
            for core in pending:
                core.give_up(f"the exit flush was interrupted ({type(stop).__name__})",
                             "they are lost with the process")


def _hook_process_exit() -> None:
    """Have this process's exit flush run in a ``multiprocessing`` worker too.

    Such a worker (the 'fork' and 'forkserver' start methods) ends with ``os._exit()``
    after running ``multiprocessing``'s own finalizers, never ``atexit``.  A finalizer
    registered before the worker started is cleared when it starts, so it is registered
    at the first write in the process.  A process without ``multiprocessing`` loaded is
    not such a worker: ``atexit`` serves it.
    """
    global _exit_hook_pending
    with _exit_hook_lock:
        if not _exit_hook_pending:
            return
        util = sys.modules.get("multiprocessing.util")
        if util is not None:
            # Priority 100: before multiprocessing's own finalizers (queues, pools), while
            # everything a request needs still works.
            util.Finalize(None, _close_all_at_exit, exitpriority=100)
        _exit_hook_pending = False


def _after_fork_in_child() -> None:  # pragma: no cover - runs in a forked child
    global _exit_hook_pending, _exit_hook_lock
    _exit_hook_lock = threading.Lock()
    _exit_hook_pending = True
    for core in list(_LIVE):
        core.reset_after_fork()


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
