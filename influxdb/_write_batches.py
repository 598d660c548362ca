"""Sending the batches of one ``write_points(..., batch_size=N)`` call.

One request is in flight at a time, in order, so the server sees the batches as the caller
gave them (a later point overwrites an earlier one with the same series and time, as it
would in one request).  While a batch is being sent (by a helper thread that mostly waits
on the socket), the calling thread prepares the next one: for an iterator it reads and
encodes the next batch's points, for a list (already encoded completely, so a bad point
anywhere meant nothing was sent) it joins the next body.  The caller's iterator is only
ever read by the calling thread (a database cursor may insist on that).

When a request fails, the exception raised is the transport's or the server's own, with
``write_report`` attached: which batches were written, which failed, which were never
sent, and, for an iterator, the points it gave that were not stored, so that nothing the
caller handed over is lost without a trace.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

__all__ = ["WriteReport", "batched", "send_batches"]

#: The longest the next batch waits for the body in flight to be written whole, in seconds.
WRITTEN_WAIT = 0.05


@dataclass
class WriteReport:
    """What happened to each batch of a ``write_points(..., batch_size=N)`` call that failed.

    Attached to the exception as ``exc.write_report``; the exception keeps its own class
    (``requests.exceptions.ConnectionError``, :class:`~influxdb.exceptions.InfluxDBServerError`
    ...) so existing ``except`` clauses still work.

    :ivar batch_size: points per batch
    :ivar written: indexes of the batches the server stored
    :ivar failed: index of the batch whose write (or encoding) raised
    :ivar unsent: indexes of the batches never sent (``None`` when the points came from an
        iterator that was not read to its end)
    :ivar unsent_points: points read from an iterator but not stored: those of the failed
        batch and of a batch read ahead while it was being sent, in order (for a list or
        tuple this stays empty: index it with ``failed`` and ``unsent``)
    """

    batch_size: int
    written: list[int] = field(default_factory=list)
    failed: Optional[int] = None
    unsent: Optional[list[int]] = None
    unsent_points: list[Any] = field(default_factory=list, repr=False)

    def describe(self) -> str:
        """One line for a traceback note: ``batches of 10000 points: written 0-2; ...``."""
        unsent = "unknown (iterator not read further)" if self.unsent is None else (
            _ranges(self.unsent))
        return (f"batches of {self.batch_size} points: written {_ranges(self.written)}; "
                f"failed {self.failed}; never sent {unsent}")


def _ranges(indexes: list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``'0-2, 5'``."""
    if not indexes:
        return "none"
    runs: list[list[int]] = []
    for i in indexes:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def batched(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` items (the last one shorter), read as they are asked for."""
    iterator = iter(iterable)
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        yield chunk


def send_batches(chunks: Iterable[Any], prepare: Callable[[Any, int], bytes],
                 send: Callable[[bytes], None], batch_size: int, *,
                 total: Optional[int] = None, keep_points: bool = False, ahead: bool = True,
                 on_written: Optional[Callable[[Callable[[], None]],
                                               AbstractContextManager[None]]] = None) -> None:
    """Prepare and send every chunk, the next one prepared while the current one is sent.

    :param chunks: the batches, in order (read by the calling thread only)
    :param prepare: ``prepare(chunk, index)`` -> the request body of that batch
    :param send: sends one body (raises when the write failed)
    :param batch_size: for the report
    :param total: the number of batches when known (a sequence); ``None`` for an iterator
    :param keep_points: put the points of failed and read-ahead chunks in the report
        (``chunks`` yields the caller's points, read from an iterator)
    :param ahead: prepare the next chunk while the current one is sent (by a helper thread);
        ``False`` when the chunks are ready bodies: each is then sent by the calling thread,
        one after the other (a thread would only add two switches per request)
    :param on_written: the transport's :func:`~influxdb._transports.sync.on_written`: the next
        batch is prepared once the body in flight has been written whole (at most
        :data:`WRITTEN_WAIT` seconds after it started), not as soon as it starts
    :raises Exception: the first failure, with ``write_report`` attached
    """
    report = WriteReport(batch_size)
    in_flight: Optional[tuple[int, Any, Future[None]]] = None  # (index, chunk, request)
    executor: Optional[ThreadPoolExecutor] = None

    def settle(read_ahead: Any = None) -> None:
        """Wait for the request in flight; record it as written, or raise its error (handing
        back its points and those of ``read_ahead``, a chunk read meanwhile)."""
        nonlocal in_flight
        if in_flight is None:
            return
        sent_index, sent_chunk, request = in_flight
        in_flight = None
        try:
            request.result()
        except BaseException:
            report.failed = sent_index
            if keep_points:
                report.unsent_points.extend(sent_chunk)
                if read_ahead is not None:
                    report.unsent_points.extend(read_ahead)
            raise
        report.written.append(sent_index)

    started, written = threading.Event(), threading.Event()

    def sending(body: bytes) -> None:
        started.set()
        try:
            if on_written is None:
                send(body)
            else:
                with on_written(written.set):
                    send(body)
        finally:
            written.set()

    iterator = iter(chunks)
    index = -1
    try:
        while True:
            try:
                chunk = next(iterator)
            except StopIteration:
                break
            except BaseException:  # the caller's iterator raised; an earlier failure wins
                settle()
                report.failed = index + 1
                raise
            index += 1
            try:
                body = prepare(chunk, index)
            except BaseException:  # a bad point; an earlier failure wins
                settle(chunk)
                report.failed = index
                if keep_points:
                    report.unsent_points.extend(chunk)
                raise
            settle(chunk)
            if executor is None and (total == 1 or not ahead):  # no thread needed
                report.failed = index
                send(body)
                report.failed = None
                report.written.append(index)
                continue
            if executor is None:
                executor = ThreadPoolExecutor(1, thread_name_prefix="influxdb-write")
            started.clear()
            written.clear()
            in_flight = (index, chunk, executor.submit(sending, body))
            # Let the helper thread have the interpreter until its request is on the socket:
            # waiting releases the GIL now, and once the helper runs, this thread only gets
            # it back when the helper blocks on I/O.  Without this, the request would wait
            # for the next switch of threads (5 ms by default) while the next batch is encoded,
            # and the server would sit idle meanwhile.
            started.wait()
            if on_written is not None:
                # The helper blocks on I/O already while writing a large body (the socket
                # takes it in pieces), and each piece then waits for the interpreter, which
                # the encoding of the next batch (a C loop) holds: the server would wait
                # for the rest of the body.  So the next batch is prepared once the body
                # has left (bounded: a connection that does not report it, or a slow link).
                written.wait(WRITTEN_WAIT)
        settle()
    except Exception as exc:
        if total is not None and report.failed is not None:
            report.unsent = list(range(report.failed + 1, total))
        exc.write_report = report  # type: ignore[attr-defined]
        if hasattr(exc, "add_note"):
            exc.add_note(report.describe())
        raise
    finally:
        if executor is not None:
            executor.shutdown(wait=True)
