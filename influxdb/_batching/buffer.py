"""The pure half of the batching writer: encoded chunks, the pending buffer (one FIFO per
write target), and the flush policy.  No threads, no I/O, no clock of its own: callers pass
``now``.

A *point* is one line of line protocol.  What a ``write()`` call encoded is kept as one
:class:`Encoded` chunk: its newline-terminated body and the exact number of points in it.
Batches are cut from whole chunks by concatenation; a chunk is split into lines only when a
batch boundary falls inside it, so the hot path creates no object per point.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional

from influxdb._core.lines import split_lines
from influxdb.exceptions import InfluxDBArgumentError

__all__ = ["Encoded", "FlushPolicy", "PendingBuffer", "Target", "encoded_from_body",
           "encoded_from_lines"]


class Encoded:
    """Points encoded by one write call.

    :ivar body: the lines, each ending with a new line
    :ivar count: how many points (lines) the body holds
    :ivar lines: the lines without their new lines, when a plain split of ``body`` on new
        lines would be wrong (a string field holding a new line); ``None`` otherwise
    """

    __slots__ = ("body", "count", "lines")

    def __init__(self, body: bytes, count: int, lines: Optional[list[bytes]] = None) -> None:
        self.body = body
        self.count = count
        self.lines = lines

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Encoded):
            return NotImplemented
        return (self.body, self.count) == (other.body, other.count)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Encoded({self.body!r}, {self.count})"

    def split(self) -> list[bytes]:
        """The points, one line each (without the new line)."""
        if self.lines is not None:
            return self.lines
        pieces = self.body.split(b"\n")
        pieces.pop()  # the body ends with a new line
        return pieces


def encoded_from_lines(lines: list[bytes]) -> Encoded:
    """An :class:`Encoded` holding these lines (without new lines)."""
    if not lines:
        return Encoded(b"", 0)
    body = b"\n".join(lines) + b"\n"
    tricky = body.count(b"\n") != len(lines)
    return Encoded(body, len(lines), lines if tricky else None)


def encoded_from_body(body: bytes, expected: Optional[int] = None) -> Encoded:
    """Count the points of an encoded body.

    :param body: line protocol, lines separated by new lines
    :param expected: how many points the caller encoded, when known; if the body holds that
        many new-line-separated, non-empty lines, that is the answer (a string field holding
        a new line would add a piece); else the slower, quote-aware split decides
    """
    if not body:
        return Encoded(b"", 0)
    if not body.endswith(b"\n"):
        body += b"\n"
    clean = not body.startswith(b"\n") and b"\n\n" not in body
    if clean:
        count = body.count(b"\n")
        if count == expected or b'"' not in body:
            return Encoded(body, count)
    return encoded_from_lines(split_lines(body))


class Target(NamedTuple):
    """Where a line goes: the query parameters of ``POST /write``."""

    database: Optional[str]
    retention_policy: Optional[str]
    precision: Optional[str]
    consistency: Optional[str]


@dataclass(frozen=True)
class FlushPolicy:
    """When a batch leaves the buffer.

    :param batch_size: points per request; a target holding this many is sent at once
    :param flush_interval: seconds a point may wait for its batch to fill (``None``: until
        ``flush()`` or ``close()``)
    :param jitter_interval: up to this many seconds, drawn at random for each batch, are
        added to ``flush_interval``, so that many processes started together do not all
        write at the same instant
    """

    batch_size: int = 5000
    flush_interval: Optional[float] = 1.0
    jitter_interval: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or (
                self.batch_size < 1):
            raise InfluxDBArgumentError(f"batch_size must be an int >= 1, got {self.batch_size!r}")
        if self.flush_interval is not None and not self.flush_interval >= 0:
            raise InfluxDBArgumentError(
                f"flush_interval must be >= 0 seconds or None, "
                f"got {self.flush_interval!r}")
        if not self.jitter_interval >= 0:
            raise InfluxDBArgumentError(
                f"jitter_interval must be >= 0 seconds, got {self.jitter_interval!r}")

    def deadline(self, arrived: float, rand: Callable[[], float] = random.random) -> float:
        """When the batch whose oldest point arrived at ``arrived`` is due (``inf``: never)."""
        if self.flush_interval is None:
            return float("inf")
        return arrived + self.flush_interval + self.jitter_interval * rand()


class _Chunk:
    """Queued points of one target: the bodies of consecutive writes, kept as they are
    (bytes are not tracked by the garbage collector, so a buffer of many small writes adds
    almost no work for it).  Once a batch boundary fell inside the chunk, its lines and how
    many of them were taken."""

    __slots__ = ("parts", "count", "tricky", "lines", "offset", "arrived")

    def __init__(self, encoded: Encoded, arrived: float) -> None:
        self.parts = [encoded.body]
        self.count = encoded.count
        self.tricky = encoded.lines  # set when new lines do not separate the points
        self.lines: Optional[list[bytes]] = None
        self.offset = 0
        self.arrived = arrived

    def can_take(self, encoded: Encoded, limit: int) -> bool:
        return (self.lines is None and self.tricky is None and encoded.lines is None
                and self.count + encoded.count <= limit)

    def append(self, encoded: Encoded) -> None:
        self.parts.append(encoded.body)
        self.count += encoded.count

    def body(self) -> bytes:
        if self.lines is None:
            return self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)
        return b"\n".join(self.lines[self.offset:]) + b"\n"

    def take(self, count: int) -> bytes:
        """The first ``count`` remaining points, as a body."""
        if self.lines is None:
            if self.tricky is not None:
                self.lines = self.tricky
            else:
                self.lines = self.body().split(b"\n")
                self.lines.pop()  # the body ends with a new line
            self.parts = []
        part = self.lines[self.offset:self.offset + count]
        self.offset += count
        self.count -= count
        return b"\n".join(part) + b"\n"


class _Queue:
    __slots__ = ("chunks", "count", "deadline")

    def __init__(self) -> None:
        self.chunks: deque[_Chunk] = deque()
        self.count = 0
        self.deadline = float("inf")


class PendingBuffer:
    """Points waiting to be sent, one FIFO per :class:`Target`, in arrival order.

    Not thread-safe: the writer holds its lock around every call.

    :param policy: the flush policy
    :param rand: source of jitter (tests pass a fixed one)
    """

    def __init__(self, policy: FlushPolicy, rand: Callable[[], float] = random.random) -> None:
        self.policy = policy
        self._rand = rand
        self._queues: dict[Target, _Queue] = {}
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def add(self, target: Target, encoded: Encoded, now: float) -> bool:
        """Append a chunk for ``target``.

        :returns: whether the sender should look again (the target was empty, so it has a
            new deadline, or it now holds a full batch)
        """
        if not encoded.count:
            return False
        queue = self._queues.get(target)
        if queue is None:
            queue = self._queues[target] = _Queue()
        was_empty = not queue.chunks
        if was_empty:
            queue.deadline = self.policy.deadline(now, self._rand)
            queue.chunks.append(_Chunk(encoded, now))
        else:
            # Consecutive small writes share a chunk of at most one batch.
            last = queue.chunks[-1]
            if last.can_take(encoded, self.policy.batch_size):
                last.append(encoded)
            else:
                queue.chunks.append(_Chunk(encoded, now))
        queue.count += encoded.count
        self.count += encoded.count
        return was_empty or queue.count >= self.policy.batch_size

    def take(self, now: float, force: bool = False) -> Optional[tuple[Target, Encoded]]:
        """The next batch that is due, removed from the buffer.

        A target holding a full batch goes first; then the target whose deadline passed
        first; with ``force`` (flush, close) the oldest target whatever its deadline.

        :returns: ``(target, encoded batch)`` or ``None`` when nothing is due
        """
        size = self.policy.batch_size
        due: Optional[Target] = None
        due_at = float("inf")
        for target, queue in self._queues.items():
            if queue.count >= size:
                due = target
                break
            if queue.count and (force or queue.deadline <= now) and (
                    due is None or queue.deadline < due_at):
                due, due_at = target, queue.deadline
        if due is None:
            return None
        return due, self._pop(due, size)

    def next_deadline(self) -> float:
        """The earliest deadline of any waiting point (``inf`` when none)."""
        return min((q.deadline for q in self._queues.values() if q.count), default=float("inf"))

    def _pop(self, target: Target, size: int) -> Encoded:
        queue = self._queues[target]
        parts: list[bytes] = []
        tricky = False  # a string field holds a new line: counting new lines is not enough
        taken = 0
        while taken < size and queue.chunks:
            chunk = queue.chunks[0]
            need = size - taken
            tricky = tricky or chunk.tricky is not None
            if chunk.count <= need:
                parts.append(chunk.body())
                taken += chunk.count
                queue.chunks.popleft()
            else:
                parts.append(chunk.take(need))
                taken += need
        queue.count -= taken
        self.count -= taken
        if queue.chunks:
            # What is left is as old as its first chunk, and due by that chunk's clock.
            queue.deadline = self.policy.deadline(queue.chunks[0].arrived, self._rand)
        else:
            del self._queues[target]
        body = parts[0] if len(parts) == 1 else b"".join(parts)
        if tricky:
            return encoded_from_body(body, None)
        return Encoded(body, taken)

    def push_front(self, target: Target, encoded: Encoded, now: float) -> None:
        """Put a batch back at the head of its queue (a session's failed commit)."""
        if not encoded.count:
            return
        queue = self._queues.get(target)
        if queue is None:
            queue = self._queues[target] = _Queue()
        queue.chunks.appendleft(_Chunk(encoded, now))
        queue.deadline = self.policy.deadline(now, self._rand)
        queue.count += encoded.count
        self.count += encoded.count

    def drain(self) -> list[tuple[Target, Encoded]]:
        """Remove and return everything, target by target (close after a timeout)."""
        out = []
        for target, queue in self._queues.items():
            bodies = [chunk.body() for chunk in queue.chunks]
            out.append((target, encoded_from_body(b"".join(bodies), queue.count)))
        self._queues.clear()
        self.count = 0
        return out
