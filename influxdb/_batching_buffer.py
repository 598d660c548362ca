"""The pure half of the batching writer: splitting encoded bodies into points, the pending
buffer (one FIFO per write target), and the flush policy.  No threads, no I/O, no clock of
its own: callers pass ``now``.

A *point* here is one encoded line of line protocol (bytes, without its final new line).
Lines are kept as encoded at ``write()`` time, so a batch on the wire is exactly what the
caller's points encoded to, and a failure report can name each point that did not land.
"""

from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional

__all__ = ["FlushPolicy", "PendingBuffer", "Target", "split_lines"]

# One line of line protocol (InfluxDB 1.x "Line Protocol reference"): measurement and tags
# (spaces escaped), then fields, then an optional timestamp.  Only a string field value
# (a quoted value right after '=') may hold a raw new line, so that is the one place the
# split must look inside; '"' elsewhere (tag values, field keys) is an ordinary character.
_KEY = rb'(?:[^\\ ,=\n]|\\.)+'
_VALUE = rb'(?:"(?:[^"\\]|\\.)*"|[^ ,\n]*)'
_FIELD = _KEY + rb'=' + _VALUE
_LINE = re.compile(
    rb'(?:[^\\ \n]|\\.)*'                       # measurement[,tag=value...]
    rb'(?: ' + _FIELD + rb'(?:,' + _FIELD + rb')*'  # field=value[,field=value...]
    rb'(?: [^\n]*)?)?',                          # timestamp
    re.S,
)


def split_lines(body: bytes, expected: Optional[int] = None) -> list[bytes]:
    """Split an encoded body into its lines (points), without the new lines.

    :param body: newline-terminated line protocol
    :param expected: how many points the caller encoded, when known; if the plain split on
        new lines gives that many non-empty lines, it is right (a string field holding a new
        line would add a piece), and the slower, quote-aware split is skipped
    :returns: the non-empty lines, in order
    """
    if not body:
        return []
    pieces = body.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    clean = b"" not in pieces
    if clean and (b'"' not in body or (expected is not None and len(pieces) == expected)):
        return pieces
    return _split_quote_aware(body)


def _split_quote_aware(body: bytes) -> list[bytes]:
    out: list[bytes] = []
    pos, end = 0, len(body)
    while pos < end:
        match = _LINE.match(body, pos)
        stop = match.end() if match else pos
        if stop < end and body[stop:stop + 1] != b"\n":
            # Not a well-formed line: the server will say so; split at the next new line.
            nl = body.find(b"\n", pos)
            stop = end if nl < 0 else nl
        line = body[pos:stop]
        if line.strip():
            out.append(line)
        pos = stop + 1
    return out


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
            raise ValueError(f"batch_size must be an int >= 1, got {self.batch_size!r}")
        if self.flush_interval is not None and not self.flush_interval >= 0:
            raise ValueError(f"flush_interval must be >= 0 seconds or None, "
                             f"got {self.flush_interval!r}")
        if not self.jitter_interval >= 0:
            raise ValueError(f"jitter_interval must be >= 0 seconds, got {self.jitter_interval!r}")

    def deadline(self, arrived: float, rand: Callable[[], float] = random.random) -> float:
        """When the batch whose oldest point arrived at ``arrived`` is due (``inf``: never)."""
        if self.flush_interval is None:
            return float("inf")
        return arrived + self.flush_interval + self.jitter_interval * rand()


class _Chunk:
    __slots__ = ("lines", "offset", "arrived")

    def __init__(self, lines: list[bytes], arrived: float) -> None:
        self.lines = lines
        self.offset = 0
        self.arrived = arrived


class _Queue:
    __slots__ = ("chunks", "count", "deadline")

    def __init__(self) -> None:
        self.chunks: deque[_Chunk] = deque()
        self.count = 0
        self.deadline = float("inf")


class PendingBuffer:
    """Lines waiting to be sent, one FIFO per :class:`Target`, in arrival order.

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

    def add(self, target: Target, lines: list[bytes], now: float) -> None:
        """Append lines for ``target`` (the list is kept, not copied)."""
        if not lines:
            return
        queue = self._queues.get(target)
        if queue is None:
            queue = self._queues[target] = _Queue()
        if not queue.chunks:
            queue.deadline = self.policy.deadline(now, self._rand)
        queue.chunks.append(_Chunk(lines, now))
        queue.count += len(lines)
        self.count += len(lines)

    def take(self, now: float, force: bool = False) -> Optional[tuple[Target, list[bytes]]]:
        """The next batch that is due, removed from the buffer.

        A target holding a full batch goes first; then the target whose deadline passed
        first; with ``force`` (flush, close) the oldest target whatever its deadline.

        :returns: ``(target, lines)`` or ``None`` when nothing is due
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
        return due, self._pop(due, size, now)

    def next_deadline(self) -> float:
        """The earliest deadline of any waiting line (``inf`` when none)."""
        return min((q.deadline for q in self._queues.values() if q.count), default=float("inf"))

    def _pop(self, target: Target, size: int, now: float) -> list[bytes]:
        queue = self._queues[target]
        out: list[bytes] = []
        need = size
        while need and queue.chunks:
            chunk = queue.chunks[0]
            available = len(chunk.lines) - chunk.offset
            if available <= need:
                if chunk.offset == 0 and not out:
                    out = chunk.lines
                else:
                    out.extend(chunk.lines[chunk.offset:])
                queue.chunks.popleft()
                need -= available
            else:
                out.extend(chunk.lines[chunk.offset:chunk.offset + need])
                chunk.offset += need
                need = 0
        queue.count -= len(out)
        self.count -= len(out)
        if queue.chunks:
            # What is left is as old as its first chunk, and due by that chunk's clock.
            queue.deadline = self.policy.deadline(queue.chunks[0].arrived, self._rand)
        else:
            del self._queues[target]
        return out

    def push_front(self, target: Target, lines: list[bytes], now: float) -> None:
        """Put lines back at the head of their queue (a session's failed commit)."""
        if not lines:
            return
        queue = self._queues.get(target)
        if queue is None:
            queue = self._queues[target] = _Queue()
        queue.chunks.appendleft(_Chunk(lines, now))
        queue.deadline = self.policy.deadline(now, self._rand)
        queue.count += len(lines)
        self.count += len(lines)

    def drain(self) -> list[tuple[Target, list[bytes]]]:
        """Remove and return everything, target by target (close after a timeout)."""
        out = []
        for target, queue in self._queues.items():
            lines: list[bytes] = []
            for chunk in queue.chunks:
                lines.extend(chunk.lines[chunk.offset:])
            out.append((target, lines))
        self._queues.clear()
        self.count = 0
        return out
