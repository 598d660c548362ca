"""The only module that does I/O: HTTP through a :class:`requests.Session`, and UDP.

Everything here is driven by :class:`~influxdb.client.InfluxDBClient`, which keeps the state
(session, headers, credentials) in the attributes 5.3.2 users read and patch; this module
receives that state at call time, so a test that swaps ``client._session`` or patches
``requests.Session.request`` still sees every request.

Retries: :func:`retrying` is the sync transport's one retry loop.  It asks the core's
decision (:func:`influxdb._retry.decide`) after each failure and does the waiting; every
retried call of the sync client goes through it (HTTP requests, a chunked answer asked for
again, the batching writer's batches).  The ``requests`` exceptions worth another attempt
are listed here (:data:`RETRYABLE_EXCEPTIONS`), the rest of the table is the core's.

Decoding: InfluxDB >= 1.4 answers ``application/x-msgpack`` when asked (the 5.3 default
``Accept``), else JSON.  Timestamps in msgpack come as extension type 5 (seconds, nanoseconds);
they are turned into exactly the RFC3339Nano text the JSON answer would carry.
"""

from __future__ import annotations

import gzip as _gzip
import json
import logging
import queue
import re
import socket
import threading
import time
from bisect import bisect_right as _bisect_right
from collections.abc import Generator, Iterator
from itertools import accumulate as _accumulate
from typing import Any, Callable, Optional, TypeVar, Union
from urllib.parse import urlsplit

import msgpack
import requests
import requests.adapters
import requests.exceptions
import urllib3.exceptions

from influxdb import _gc, _json, _retry
from influxdb._accel import speedups
from influxdb._batching.buffer import split_lines
from influxdb._config.dsn import InvalidHostOrPort
from influxdb._redact import redact_exception
from influxdb._retry import Retry, parse_retry_after
from influxdb._timeutil import format_rfc3339
from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBBrokenAnswerError,
    InfluxDBError,
    InfluxDBInvalidPointError,
    error_from_response,
)

log = logging.getLogger("influxdb")

MSGPACK = "application/x-msgpack"
#: Transport failures worth another attempt (5.3.2 retried exactly these): this transport's
#: rows of the one table of retryable failures (:func:`influxdb._retry.is_retryable`).
RETRYABLE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.HTTPError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,  # the answer was cut (server died mid-answer)
)
#: Bodies above this size are decoded with the cyclic garbage collector paused: decoding
#: allocates millions of containers, and collecting them mid-way costs as much as the decoding.
_GC_PAUSE_BYTES = 1 << 20
#: The default ``max_document_size``: the most bytes one answer document may take in memory
#: (a whole answer, or one chunk of a chunked answer).  2 GiB is about 25 million rows of
#: msgpack; decoded, they take five to ten times as much as Python objects, more than most
#: machines have, so larger answers are read with ``chunked=True``.  The limit exists so
#: that an endless answer ends in an error instead of exhausting memory.
DEFAULT_MAX_DOCUMENT_SIZE = 2 << 30
#: Bytes asked of the socket per read of a whole answer (requests reads 10 KiB at a time).
_READ_SIZE = 1 << 18

#: The HTTP library's classes, named here: the layers above never import it.
Session = requests.Session
Response = requests.Response


class InfluxDBInvalidURLError(InvalidHostOrPort, requests.exceptions.InvalidURL):
    """A ``host`` or ``port`` from which no URL can be made, refused by the constructor.

    influxdb-python 5.3.2 accepted them and failed at the first request with
    :class:`requests.exceptions.InvalidURL`, which this class still is (and a
    :class:`ValueError`, and an :class:`~influxdb.exceptions.InfluxDBArgumentError`).  Made
    here, where ``requests`` is imported, from the core's
    :class:`~influxdb._config.dsn.InvalidHostOrPort` (:func:`invalid_url`).
    """


# Where users import it from (influxdb.client), and so what a traceback names.
InfluxDBInvalidURLError.__module__ = "influxdb.client"


def invalid_url(error: InvalidHostOrPort) -> InfluxDBInvalidURLError:
    """The core's refusal of a host or port, as the class 5.3.2's callers catch."""
    return InfluxDBInvalidURLError(error.content)


def new_session(session: Optional[Session] = None) -> Session:
    """The session a client sends through: the one the user gave, else a new
    :class:`requests.Session` (5.3.2's ``session=`` argument and its default)."""
    return session if session else requests.Session()


def close_session(session: Any) -> None:
    """Release a session's pooled connections (a stand-in that is no session is left)."""
    if isinstance(session, requests.Session):
        session.close()


class SocketOptionsAdapter(requests.adapters.HTTPAdapter):
    """An ``HTTPAdapter`` that hands ``socket_options`` to urllib3's connection pools.

    :param socket_options: a list of ``(level, option, value)`` tuples, or ``None`` for
        urllib3's defaults
    """

    def __init__(self, *args: Any, socket_options: Optional[list[Any]] = None,
                 **kwargs: Any) -> None:
        self.socket_options = socket_options
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self.socket_options is not None:
            kwargs["socket_options"] = self.socket_options
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Where requests' own exceptions enter the client.  Their text quotes the URL asked,
        # query string included (a p= password), and the proxy's; users log them, so the
        # credentials are replaced here (docs/security.rst).  Class and attributes unchanged.
        try:
            return super().send(request, *args, **kwargs)
        except requests.exceptions.RequestException as exc:
            redact_exception(exc)
            raise


def _python_ext_hook(code: int, data: bytes) -> Any:
    """Decode InfluxDB's msgpack extension types.

    Type 5 is a timestamp: 8 bytes of seconds and 4 of nanoseconds, big-endian.  It becomes
    the RFC3339Nano string the JSON format gives (all nine digits kept; trailing zeros
    trimmed as Go's ``time.RFC3339Nano`` does).
    """
    if code == 5 and len(data) == 12:
        # Hot path (called once per row).  The seconds part repeats across neighbouring
        # rows, so its text is cached by its 8 raw bytes.  Fractions repeat when times are
        # whole seconds or milliseconds, and not at all at finer spacing: a small cache (it
        # stays in the CPU cache, and clearing it is cheap) serves the first case without
        # slowing the second.
        head = data[:8]
        text = _SECONDS_TEXT.get(head)
        if text is None:
            text = _seconds_text(head)
        tail = data[8:]
        fraction = _FRACTION_TEXT.get(tail)
        if fraction is None:
            # Not zero (the zero tail is always cached): Go's RFC3339Nano trims zeros.
            fraction = f".{int.from_bytes(tail, 'big'):09d}".rstrip("0") + "Z"
            if len(_FRACTION_TEXT) >= _FRACTION_CACHE_SIZE:
                _FRACTION_TEXT.clear()
                _FRACTION_TEXT[_ZERO_NANOS] = "Z"
            _FRACTION_TEXT[tail] = fraction
        return text + fraction
    return msgpack.ExtType(code, data)


_ZERO_NANOS = b"\x00\x00\x00\x00"
_FRACTION_CACHE_SIZE = 4096
_SECONDS_TEXT: dict[bytes, str] = {}
_FRACTION_TEXT: dict[bytes, str] = {_ZERO_NANOS: "Z"}


def _seconds_text(head: bytes) -> str:
    seconds = int.from_bytes(head, "big", signed=True)
    text = format_rfc3339(seconds * 1_000_000_000)[:-1]
    if len(_SECONDS_TEXT) >= 100_000:
        _SECONDS_TEXT.clear()
    _SECONDS_TEXT[head] = text
    return text


#: The hook given to msgpack: the C one when it is built (the same text, about twenty times
#: faster per row; the Python one handles what it leaves: other types, years outside 1-9999).
msgpack_ext_hook: Callable[[int, bytes], Any] = _python_ext_hook
if speedups is not None:
    speedups.set_ext_fallback(_python_ext_hook)
    msgpack_ext_hook = speedups.msgpack_ext_hook


def _with_gc_paused(size: int, decode: Callable[[], Any]) -> Any:
    if size < _GC_PAUSE_BYTES:
        return decode()
    return _gc.paused(decode)


def _c_decoding() -> bool:
    # The C decoder stands in for msgpack with the C hook only (tests swap the hook for the
    # Python one to compare the two).
    return speedups is not None and msgpack_ext_hook is speedups.msgpack_ext_hook


def _unpack(data: Union[bytes, bytearray], start: int, end: int) -> Any:
    """The msgpack document ``data[start:end]``: decoded in C while the C hook is in use
    (the same objects, timestamps without a call each), else, or when the C decoder gives
    up (malformed or unusual data), by msgpack, which gives the result or its own error."""
    if _c_decoding():
        try:
            return speedups.msgpack_decode(data, start, end)
        except Exception:  # noqa: BLE001 -- msgpack decides, below
            pass
    return msgpack.unpackb(bytes(data[start:end]) if (start, end) != (0, len(data)) else data,
                           ext_hook=msgpack_ext_hook, raw=False, strict_map_key=False)


def decode_msgpack(content: bytes) -> Any:
    """Decode one msgpack document (a whole, non-chunked answer)."""
    return _with_gc_paused(len(content), lambda: _unpack(content, 0, len(content)))


def _msgpack_documents(blocks: Iterator[bytes],
                       limit: Optional[int] = None) -> Iterator[Any]:
    # The concatenated documents of a chunked msgpack answer.  msgpack's streaming Unpacker
    # only finds where each document ends (skip() builds no objects, and resumes where the
    # last block stopped: framing is linear in the answer's size); each whole document is
    # then decoded at once by _unpack.
    framer = msgpack.Unpacker(max_buffer_size=0)
    pending = bytearray()  # the bytes of documents not decoded yet
    offset = 0  # the stream position of pending[0]

    def complete() -> tuple[list[Any], Optional[Exception]]:
        documents = []
        done = 0
        failure = None
        while True:
            try:
                framer.skip()
                end = framer.tell() - offset
                documents.append(_unpack(pending, done, end))
            except msgpack.OutOfData:
                break
            except Exception as error:  # noqa: BLE001 -- raised after the documents before it
                failure = error
                break
            done = end
        del pending[:done]
        return documents, failure

    for block in blocks:
        framer.feed(block)
        pending += block
        # Documents completed by this block, decoded with the collector paused (as for
        # whole answers): a 10,000-row chunk allocates tens of thousands of lists.
        size = len(pending)
        documents, failure = _with_gc_paused(_GC_PAUSE_BYTES, complete)
        offset += size - len(pending)
        yield from documents
        if failure is not None:
            raise _undecodable("msgpack", failure) from failure
        if limit is not None and len(pending) > limit:  # what is left: one unfinished document
            raise _too_large(len(pending), limit, "one document of the chunked answer")
    if pending:
        raise _cut_short(len(pending))


def _msgpack_objects(blocks: Iterator[bytes], limit: Optional[int]) -> Iterator[Any]:
    # The same with msgpack building the objects as the bytes come (the Python timestamp
    # hook is in use); the Unpacker resumes where it stopped, so this is linear too.
    unpacker = msgpack.Unpacker(ext_hook=msgpack_ext_hook, raw=False, strict_map_key=False,
                                max_buffer_size=0)
    received = 0
    finished = 0  # the stream position where the last whole document ended

    def complete() -> tuple[list[Any], Optional[Exception]]:
        nonlocal finished
        documents = []
        try:
            while True:
                documents.append(unpacker.unpack())
                finished = unpacker.tell()
        except msgpack.OutOfData:
            return documents, None
        except Exception as error:  # noqa: BLE001 -- raised after the documents before it
            return documents, error

    for block in blocks:
        unpacker.feed(block)
        received += len(block)
        documents, failure = _with_gc_paused(_GC_PAUSE_BYTES, complete)
        yield from documents
        if failure is not None:
            raise _undecodable("msgpack", failure) from failure
        if limit is not None and received - finished > limit:
            raise _too_large(received - finished, limit, "one document of the chunked answer")
    if received > finished:
        raise _cut_short(received - finished)


class _Lines:
    """The newline-terminated lines of a stream of blocks, in time linear in its size.

    Each byte is searched for a newline once and copied twice at most (into the buffer, and
    out as part of its line), however the lines fall across blocks: a line of 100 MB that
    arrives in 400 blocks is not searched again for each block (the cost was quadratic).

    :param limit: the longest unfinished line held, bytes (``None``: no limit)
    :ivar scanned: bytes searched for a newline so far
    :ivar copied: bytes copied so far
    """

    def __init__(self, limit: Optional[int] = None) -> None:
        self.limit = limit
        self.scanned = 0
        self.copied = 0
        self._buffer = bytearray()
        self._searched = 0  # the bytes at the start of the buffer hold no newline

    def feed(self, block: bytes) -> list[bytearray]:
        """The lines that ``block`` completes, without their newlines.

        :raises InfluxDBBrokenAnswerError: the unfinished line is longer than ``limit``
        """
        buffer = self._buffer
        buffer += block
        self.copied += len(block)
        lines = []
        start = 0
        position = self._searched
        while True:
            end = buffer.find(b"\n", position)
            if end < 0:
                break
            self.scanned += end + 1 - position
            lines.append(buffer[start:end])
            self.copied += end - start
            start = position = end + 1
        self.scanned += len(buffer) - position
        if start:
            del buffer[:start]  # from the front: CPython moves the start, not the bytes
        self._searched = len(buffer)
        if self.limit is not None and len(buffer) > self.limit:
            raise _too_large(len(buffer), self.limit, "one document of the chunked answer")
        return lines

    def rest(self) -> bytearray:
        """What followed the last newline."""
        return self._buffer


def _json_documents(blocks: Iterator[bytes], limit: Optional[int]) -> Iterator[Any]:
    # InfluxDB writes each document of a chunked JSON answer on a line of its own.
    lines = _Lines(limit)
    for block in blocks:
        for line in lines.feed(block):
            if line and not line.isspace():
                yield _json_line(line)
    rest = lines.rest()
    if rest and not rest.isspace():
        # The last document without its newline: whole if it decodes.  A document is an
        # object: text that does not end as one was cut (and decoding a long cut line, only
        # to fail at its end, would build all its objects for nothing).
        if not rest.rstrip().endswith(b"}"):
            raise _cut_short(len(rest))
        try:
            document = _json.loads(rest)
        except ValueError as error:
            raise _cut_short(len(rest)) from error
        yield document


def _json_line(line: bytearray) -> Any:
    try:
        return _json.loads(line)
    except ValueError as error:
        raise _undecodable("JSON", error) from error


#: What the decoders raise on data they cannot read: msgpack's errors and json's are
#: ValueErrors; a time beyond the year 9999 is an OverflowError, a list as a key a TypeError.
_DECODE_ERRORS = (ValueError, TypeError, OverflowError, msgpack.UnpackException)


def _undecodable(kind: str, error: BaseException) -> InfluxDBBrokenAnswerError:
    return InfluxDBBrokenAnswerError(
        f"the answer is not valid {kind} (cut short or malformed): "
        f"{type(error).__name__}: {error}")


def _cut_short(size: int) -> InfluxDBBrokenAnswerError:
    return InfluxDBBrokenAnswerError(
        f"the answer ended in the middle of a document ({size} bytes of it received): "
        f"it was cut short")


def _too_large(size: int, limit: int, what: str) -> InfluxDBBrokenAnswerError:
    return InfluxDBBrokenAnswerError(
        f"{what} is larger than max_document_size={limit} bytes ({size} bytes read); "
        f"raise the limit (max_document_size=) or read the answer with chunked=True",
        too_large=True)


def decode_json(content: bytes) -> Any:
    """Decode one JSON document (msgspec when installed: :mod:`influxdb._json`)."""
    return _with_gc_paused(len(content), lambda: _json.loads(content))


def decode_answer(content: bytes, msgpack_body: bool) -> Any:
    """Decode a whole answer's body (msgpack or JSON).

    :raises InfluxDBBrokenAnswerError: the body is cut short or malformed (the decoder's
        error is its ``__cause__``)
    """
    try:
        return decode_msgpack(content) if msgpack_body else decode_json(content)
    except _DECODE_ERRORS as error:
        raise _undecodable("msgpack" if msgpack_body else "JSON", error) from error


def is_msgpack(response: requests.Response) -> bool:
    content_type = response.headers.get("Content-Type", "")
    return content_type.split(";", 1)[0].strip() == MSGPACK


def decode_body(response: requests.Response) -> Any:
    """The decoded body of a non-streamed answer (msgpack or JSON), ``None`` when empty.

    :raises InfluxDBBrokenAnswerError: the body is cut short or malformed
    """
    content = response.content
    if not content:
        return None
    return decode_answer(content, is_msgpack(response))


def iter_documents(response: requests.Response, read_size: int = 1 << 18, *,
                   expires: Optional[float] = None,
                   limit: Optional[int] = DEFAULT_MAX_DOCUMENT_SIZE) -> Iterator[Any]:
    """Decode a chunked answer document by document, holding at most one document in memory.

    InfluxDB sends chunked JSON as one document per line, and chunked msgpack as
    concatenated documents.  The connection is released when the iterator is exhausted,
    closed, or garbage-collected.

    :param expires: the ``time.monotonic()`` by which the answer must be read (``None``: no
        deadline)
    :param limit: the most bytes one document may take (``None``: no limit)
    :raises InfluxDBBrokenAnswerError: after the documents before it: a document that is
        malformed or larger than ``limit``, or an answer that ends in the middle of one
    :raises requests.exceptions.ReadTimeout: a read stalled past the timeout, or the
        deadline passed
    """
    blocks = read_blocks(response, read_size, expires)
    try:
        if is_msgpack(response) and _c_decoding():
            yield from _msgpack_documents(blocks, limit)
        elif is_msgpack(response):
            yield from _msgpack_objects(blocks, limit)
        else:
            yield from _json_documents(blocks, limit)
    finally:
        blocks.close()
        response.close()


def read_blocks(response: requests.Response, size: int,
                expires: Optional[float] = None) -> Generator[bytes, None, None]:
    """``response.iter_content(size)``, with one exception class for one event.

    A read that stalls past the timeout raises :class:`requests.exceptions.ReadTimeout`, as
    a stall before the answer's head does (requests raises ``ConnectionError`` for a stall
    in the body).  With a deadline (``expires``, a ``time.monotonic()``), the read ends by
    then: a watchdog shuts the socket, so that a server sending a byte now and then (each
    read within the timeout, the whole never ending) cannot hold the call; that too raises
    ``ReadTimeout``.
    """
    watchdog = None if expires is None else _Watchdog(response, expires)
    blocks = response.iter_content(size)
    try:
        while True:
            try:
                block = next(blocks)
            except StopIteration:
                break
            except Exception as error:
                mapped = _read_failure(error, response, watchdog)
                if mapped is error:
                    raise
                raise mapped from error
            if watchdog is not None and watchdog.fired:
                break
            yield block
        if watchdog is not None and watchdog.fired:  # the socket ended at a clean boundary
            raise _deadline_passed(response)
    finally:
        if watchdog is not None:
            watchdog.cancel()


def _read_failure(error: Exception, response: requests.Response,
                  watchdog: Optional[_Watchdog]) -> Exception:
    if watchdog is not None and watchdog.fired:
        return _deadline_passed(response)
    reason = error.args[0] if error.args else None
    if isinstance(error, requests.exceptions.ConnectionError) and isinstance(
            reason, urllib3.exceptions.ReadTimeoutError):
        return requests.exceptions.ReadTimeout(reason, request=error.request,
                                               response=response)
    return error


def _deadline_passed(response: requests.Response) -> requests.exceptions.ReadTimeout:
    return requests.exceptions.ReadTimeout(
        "the call's deadline passed while its answer was being read",
        request=response.request, response=response)


def _socket_of(response: requests.Response) -> Optional[socket.socket]:
    # urllib3 keeps the connection of an answer being streamed on the answer; http.client's
    # file object holds the socket too.
    raw = response.raw
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:
        fp = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


class _Watchdog:
    """Shuts an answer's socket when its deadline passes, waking a read blocked on it.

    Socket timeouts bound each read, not their sum: a server that sends one byte a second
    keeps every read short and the answer endless.  Shutting the socket down (not closing
    it: the reading thread still owns it) makes the blocked read return at once.
    """

    def __init__(self, response: requests.Response, expires: float) -> None:
        self.fired = False
        self._raw = response.raw
        self._sock = _socket_of(response)
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, expires - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._raw is None:
                return  # cancelled: the answer was read in time
            self.fired = True
            # A connection handed back to the pool may already serve another request.
            if self._sock is not None and getattr(self._raw, "_connection", True) is not None:
                try:
                    # socket.socket's, not SSLSocket's (which drops the TLS state the
                    # reading thread is using).
                    socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    def cancel(self) -> None:
        with self._lock:
            self._raw = None
            self._sock = None
        self._timer.cancel()


def read_body(response: requests.Response, *, expires: Optional[float] = None,
              limit: Optional[int] = DEFAULT_MAX_DOCUMENT_SIZE) -> None:
    """Read a streamed answer's whole body into ``response.content``.

    :param expires: the ``time.monotonic()`` by which the body must be read
    :param limit: the most bytes the body may have (``None``: no limit)
    :raises InfluxDBBrokenAnswerError: the body is larger than ``limit`` (the answer is
        closed, the rest never read)
    :raises requests.exceptions.ReadTimeout: a read stalled, or the deadline passed
    """
    if not isinstance(response, requests.Response):
        return  # a stand-in a test made: it has its content already
    try:
        not_read = response._content is False  # type: ignore[comparison-overlap]
        if not_read and response.raw is not None:  # (requests' marker)
            declared = response.headers.get("Content-Length", "")
            if limit is not None and declared.isdigit() and int(declared) > limit:
                raise _too_large(int(declared), limit, "the answer")
            blocks = []
            size = 0
            for block in read_blocks(response, _READ_SIZE, expires):
                size += len(block)
                if limit is not None and size > limit:
                    raise _too_large(size, limit, "the answer")
                blocks.append(block)
            response._content = b"".join(blocks)
            response._content_consumed = True  # type: ignore[attr-defined]
        content = response.content
        if limit is not None and content and len(content) > limit:
            raise _too_large(len(content), limit, "the answer")
    except BaseException:
        response.close()
        raise


def capped_timeout(timeout: Any, expires: Optional[float],
                   now: Optional[float] = None) -> Any:
    """requests' ``timeout`` shortened so that no wait outlasts the deadline ``expires``.

    :param timeout: ``None``, seconds, or ``(connect, read)`` as requests takes it (anything
        else is passed on as it is)
    :param expires: a ``time.monotonic()``, or ``None`` for no deadline
    :param now: the current ``time.monotonic()`` (for tests)
    """
    if expires is None:
        return timeout
    current = time.monotonic() if now is None else now
    left = max(expires - current, 0.001)  # requests refuses a timeout of 0
    if timeout is None:
        return left
    if isinstance(timeout, tuple) and len(timeout) == 2:
        connect, read = timeout
        return (left if connect is None else min(connect, left),
                left if read is None else min(read, left))
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return min(timeout, left)
    return timeout


def check_deadline(deadline: Optional[float]) -> Optional[float]:
    """A ``deadline=`` argument, checked: seconds above 0, or ``None``."""
    if deadline is None:
        return None
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not (
            deadline > 0):
        raise InfluxDBArgumentError(
            f"deadline must be a number of seconds above 0 or None, got {deadline!r}")
    return float(deadline)


def check_document_size(size: Optional[int]) -> Optional[int]:
    """A ``max_document_size=`` argument, checked: bytes above 0, or ``None``."""
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InfluxDBArgumentError(
            f"max_document_size must be a number of bytes above 0 or None, got {size!r}")
    return size


def error_body_text(response: requests.Response) -> str:
    """An error answer's body as text; a msgpack body is re-encoded as compact JSON (5.3.2)."""
    content = response.content
    if content and is_msgpack(response):
        try:
            decoded = msgpack.unpackb(content, raw=False, strict_map_key=False)
            return json.dumps(decoded, separators=(",", ":"))
        except (ValueError, msgpack.UnpackException):
            pass
    return content.decode("utf-8", "replace") if content else ""


def gzip_body(data: Union[bytes, str, None]) -> Optional[bytes]:
    """Compress a request body (strings are encoded as UTF-8 first, unlike 5.3.2)."""
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _gzip.compress(data, compresslevel=5)


T = TypeVar("T")


class Tally:
    """The attempts of one call so far, and when the first began (``time.monotonic()``).

    A call whose retry loop is resumed later (a chunked answer that broke before its first
    document was handed out) goes on counting from here: ``retries=3`` is 3 attempts in all.
    """

    __slots__ = ("attempts", "started")

    def __init__(self, started: float) -> None:
        self.attempts = 0
        self.started = started


def is_retryable(error: BaseException, policy: Retry) -> bool:
    """Whether another attempt may succeed: the core's table
    (:func:`influxdb._retry.is_retryable`) with this transport's failures in it."""
    return _retry.is_retryable(error, policy, RETRYABLE_EXCEPTIONS)


def retrying(
    attempt: Callable[[Optional[float]], T],
    policy: Retry,
    *,
    deadline: Optional[float] = None,
    tally: Optional[Tally] = None,
    failure: Optional[BaseException] = None,
    label: Union[str, Callable[[], str]] = "request",
    on_retry: Optional[Callable[[BaseException, int, float], None]] = None,
    wait: Optional[Callable[[float], Any]] = None,
    stopped: Optional[Callable[[], bool]] = None,
    clock: Optional[Callable[[], float]] = None,
    annotate: bool = True,
) -> T:
    """The retry loop of the sync transport: attempt; after a failure, ask the core's
    decision (:func:`influxdb._retry.decide`), wait what it says, attempt again.

    Every retried call of the sync client goes through here: HTTP requests (:func:`perform`,
    whose attempt sends, reads and interprets the answer), a chunked query's answer that
    broke before its first document (resumed with ``tally`` and ``failure``), and the
    batching writer's batches (with its own policy, clock and interruptible wait).

    :param attempt: ``attempt(budget)`` makes one attempt and returns its result or raises;
        ``budget`` is the seconds left of ``deadline`` when it begins (``None``: no deadline)
    :param policy: the retry policy
    :param deadline: seconds all attempts and waits may take (``None``: no limit)
    :param tally: the count to go on from (``None``: a new one, starting now)
    :param failure: resume after this failure of the tally's last attempt: decide on it
        first
    :param label: what is sent (``'GET http://host:8086/query'``), or a function giving it,
        for the WARNING line logged before each wait
    :param on_retry: ``on_retry(error, attempts, wait)`` before each wait, instead of that line
    :param wait: ``wait(seconds)`` waits; a true result ends the loop at once, raising the
        last error (the batching writer's ``close()`` wakes it so); ``time.sleep`` by default
    :param stopped: asked after each failure; when true, the error is raised at once
    :param clock: ``time.monotonic`` by default
    :param annotate: on giving up after several attempts, say so on the error: ``attempts``
        and ``elapsed`` on an :class:`~influxdb.exceptions.InfluxDBError` (its message
        then ends with the note), else a note (``add_note``, Python 3.11+)
    :returns: what the successful attempt returned
    :raises Exception: what the last attempt raised
    """
    now = time.monotonic if clock is None else clock
    if tally is None:
        tally = Tally(now())
    budget = deadline
    error = failure
    while True:
        if error is None:
            tally.attempts += 1
            try:
                return attempt(budget)
            except Exception as exc:  # noqa: BLE001 -- the decision says which are retried
                error = exc
        if stopped is not None and stopped():
            raise error
        elapsed = now() - tally.started
        time_left = None if deadline is None else deadline - elapsed
        decision = _retry.decide(policy, tally.attempts, elapsed, error,
                                 transport_errors=RETRYABLE_EXCEPTIONS,
                                 retry_after=_retry.retry_after_of(error), time_left=time_left)
        if decision.wait is None:
            if annotate and decision.note:
                _annotate(error, tally.attempts, elapsed, decision.note)
            raise error
        if on_retry is not None:
            on_retry(error, tally.attempts, decision.wait)
        else:
            what = label if isinstance(label, str) else label()
            if isinstance(error, InfluxDBError) and error.code is not None:
                log.warning("%s answered %d; attempt %d, retrying in %.2fs", what, error.code,
                            tally.attempts, decision.wait)
            else:
                log.warning("%s failed (%s: %s); attempt %d, retrying in %.2fs", what,
                            type(error).__name__, _without_query(str(error)), tally.attempts,
                            decision.wait)
        if (time.sleep if wait is None else wait)(decision.wait) is True:
            raise error
        budget = None if time_left is None else time_left - decision.wait
        error = None


def _annotate(error: BaseException, attempts: int, elapsed: float, note: str) -> None:
    if isinstance(error, InfluxDBError):
        error.attempts = attempts  # its message ends with the same note
        error.elapsed = elapsed
    elif hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(note)


def perform(
    session: requests.Session,
    *,
    method: str,
    url: str,
    auth: Any,
    params: Any,
    data: Any,
    stream: bool,
    headers: dict[str, str],
    proxies: Any,
    verify: Any,
    timeout: Any,
    retry: Retry,
    expected_response_code: int,
    operation: str = "query",
    also_accept: tuple[int, ...] = (),
    sleep: Optional[Callable[[float], None]] = None,
    deadline: Optional[float] = None,
    max_document_size: Optional[int] = DEFAULT_MAX_DOCUMENT_SIZE,
    interpret: Optional[Callable[[requests.Response], Any]] = None,
    tally: Optional[Tally] = None,
    failure: Optional[BaseException] = None,
) -> Any:
    """Send one request, retrying per ``retry``; return the answer with the expected status
    (or what ``interpret`` makes of it).

    Each attempt sends, reads and interprets (:func:`retrying`): unless ``stream``, the body
    is read within the attempt (a failure while reading it is retried like a failure before
    it) and ``response.content`` holds it; ``interpret(response)`` then gives the result or
    raises (a broken answer, a :class:`~influxdb._retry.TransientFailure`: retried too).

    :param deadline: seconds the whole call may take, attempts and waits included, reading
        the body too unless ``stream`` (``None``: no deadline)
    :param max_document_size: the most bytes a body read here may have (``None``: no limit)
    :param interpret: what to make of an answer with the expected status (``None``: the
        answer itself is returned)
    :param tally: go on counting the attempts of a call begun earlier
    :param failure: resume after this failure of that call: retry it, or raise it
    :raises InfluxDBServerError: 5xx after the last attempt
    :raises InfluxDBClientError: (or a subclass) any other unexpected status
    :raises InfluxDBBrokenAnswerError: the body is larger than ``max_document_size``
    :raises requests.exceptions.RequestException: transport failure after the last attempt,
        unwrapped, as in 5.3.2 (a read that stalls, or a deadline that passes, is a
        ``ReadTimeout``)
    """
    debug = log.isEnabledFor(logging.DEBUG)  # once per request: nothing to build when off

    def attempt(budget: Optional[float]) -> Any:
        sent_at = time.monotonic()
        expires = None if budget is None else sent_at + budget
        try:
            # Always streamed by requests, so that the body is read here: bounded in size
            # and time, and a stall in it raises ReadTimeout as a stall before it does.
            response = session.request(
                method=method, url=url, auth=auth, params=params, data=data,
                stream=True, headers=headers, proxies=proxies, verify=verify,
                timeout=capped_timeout(timeout, expires),
            )
            if not stream:
                read_body(response, expires=expires, limit=max_document_size)
        except RETRYABLE_EXCEPTIONS as exc:
            if debug:
                _log_request(method, url, params, data, type(exc).__name__, sent_at, None)
            raise
        status = response.status_code
        if debug:
            _log_request(method, url, params, data, status, sent_at, response, stream)
        if status == expected_response_code or status in also_accept:
            return response if interpret is None else interpret(response)
        if stream:  # an error answer to a streamed request: its body within the same bounds
            read_body(response, expires=expires, limit=max_document_size)
        text = error_body_text(response)
        response.close()
        # The class comes from the status and the server's message (a 500 naming a missing
        # retention policy is the client's mistake, never retried), and from whether InfluxDB
        # answered at all (its answers all carry X-Influxdb-Version).
        error = error_from_response(text, status, operation=operation,
                                    from_influxdb="X-Influxdb-Version" in response.headers,
                                    url=_public_url(url))
        # The retry decision reads it (influxdb._retry.retry_after_of), and so may users.
        error.retry_after = parse_retry_after(  # type: ignore[attr-defined]
            response.headers.get("Retry-After"))
        raise error

    return retrying(attempt, retry, deadline=deadline, tally=tally, failure=failure,
                    label=lambda: f"{method} {_redact(url)}", wait=sleep)


#: The query string urllib3 puts in a connection error's text ("... with url: /query?q=...").
_URL_QUERY = re.compile(r"(url: [^?\s]*)\?\S*")


def _without_query(text: str) -> str:
    """A transport error's text without the request's query string: a statement and its
    bound values stay out of the logs."""
    return _URL_QUERY.sub(r"\1?...", text)


def _public_url(url: str) -> str:
    """``url`` without credentials, query string or fragment: safe in messages and logs."""
    parts = urlsplit(_redact(url))
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _body_size(body: Any) -> Optional[int]:
    if body is None:
        return 0
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    if isinstance(body, str):
        return len(body.encode("utf-8"))
    return None  # a file or an iterator: unknown without reading it


def _log_request(method: str, url: str, params: Any, data: Any, outcome: Union[int, str],
                 sent_at: float, response: Optional[requests.Response],
                 stream: bool = False) -> None:
    """One DEBUG line per request: method, path, database, status, time, body sizes.

    Only these: never the query string (a statement may carry a password), bound values,
    credentials or headers.
    """
    database = params.get("db") if isinstance(params, dict) else None
    received: Optional[int] = None
    if response is not None and not stream:
        received = len(response.content or b"")  # already read: no extra I/O
    elif response is not None:  # a streamed answer is not read yet
        length = response.headers.get("Content-Length", "")
        received = int(length) if length.isdigit() else None
    log.debug("%s %s db=%s status=%s elapsed=%.1fms sent=%sB received=%sB", method,
              urlsplit(url).path or "/", database, outcome,
              (time.monotonic() - sent_at) * 1000, _body_size(data),
              "?" if received is None else received)


def _redact(url: str) -> str:
    # URLs built by the client never carry credentials, but a user-supplied path might.
    scheme, sep, rest = url.partition("://")
    if "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return scheme + sep + rest


def forget_connections(session: Any) -> None:
    """Give ``session``'s adapters new, empty connection pools, in a forked child.

    The pooled sockets are shared with the parent, which may be using them: a request
    from the child on one of them would mix two processes' bytes in one HTTP stream.
    Nothing is sent on them: the old pools are dropped, and urllib3's finalizer closes the
    child's copies of their idle sockets (a socket two processes hold ends only when both
    closed it, so the parent's connections are unaffected).  The old pools get new locks
    first: a parent thread may have held one at the fork (taking or returning a
    connection), and no thread of the child would ever release it.
    """
    for adapter in list(getattr(session, "adapters", {}).values()):
        if isinstance(adapter, requests.adapters.HTTPAdapter):
            inherited = [adapter.poolmanager, *adapter.proxy_manager.values()]
            # The sizes the adapter was made with (requests keeps them for unpickling).
            pools = getattr(adapter, "_pool_connections", requests.adapters.DEFAULT_POOLSIZE)
            size = getattr(adapter, "_pool_maxsize", requests.adapters.DEFAULT_POOLSIZE)
            block = getattr(adapter, "_pool_block", requests.adapters.DEFAULT_POOLBLOCK)
            adapter.init_poolmanager(pools, size, block=block)
            adapter.proxy_manager = {}
            for manager in inherited:
                _relock(manager)
            del inherited  # the finalizers run now, with locks nobody holds


def _relock(manager: Any) -> None:
    # urllib3 keeps a manager's pools in a container with a lock, and each pool's idle
    # connections in a queue.Queue with its own lock and conditions.
    container = getattr(manager, "pools", None)
    if container is None or not hasattr(container, "lock"):
        return
    container.lock = threading.RLock()
    for key in list(container.keys()):
        connections = getattr(container.get(key), "pool", None)
        if isinstance(connections, queue.Queue):
            lock = threading.Lock()
            connections.mutex = lock
            connections.not_empty = threading.Condition(lock)
            connections.not_full = threading.Condition(lock)
            connections.all_tasks_done = threading.Condition(lock)


_PLUS_ONE = (1).__add__  # a line's length and its new line


class UDPSender:
    """Fire-and-forget line protocol over UDP, IPv4 or IPv6.

    A payload larger than one datagram is split between lines, never inside one (a string
    field value may hold a raw new line); a single line that does not fit is refused with
    :class:`~influxdb.exceptions.InfluxDBInvalidPointError` before anything of the payload
    is sent.

    :param host: the server's host name or address
    :param port: the UDP listener's port
    :param max_datagram: the largest datagram sent, bytes (InfluxDB reads 64 KiB at most)
    """

    def __init__(self, host: str, port: int, max_datagram: int = 64000) -> None:
        self.host = host
        self.port = port
        self.max_datagram = max_datagram
        family, address = self._resolve(host, port)
        self.address = address
        self.socket = socket.socket(family, socket.SOCK_DGRAM)

    @staticmethod
    def _resolve(host: str, port: int) -> tuple[int, Any]:
        bare = host.strip("[]")
        try:
            infos = socket.getaddrinfo(bare, port, 0, socket.SOCK_DGRAM)
        except socket.gaierror:
            # Resolution may fail now and work later (DNS); keep 5.3.2's IPv4 socket and let
            # sendto() resolve at send time.
            return socket.AF_INET, (bare, port)
        # Prefer IPv4, as 5.3.2 did ('localhost' resolving to ::1 first must still reach an
        # IPv4 listener); IPv6-only names and literals get an IPv6 socket.
        infos.sort(key=lambda info: 0 if info[0] == socket.AF_INET else 1)
        family, _, _, _, address = infos[0]
        return family, address

    def datagrams(self, payload: bytes, expected: Optional[int] = None) -> list[bytes]:
        """Split ``payload`` (lines of line protocol) into datagrams of whole lines.

        influxd parses each datagram on its own and drops all of it when one line does not
        parse, so a cut inside a line loses every point of two datagrams.  The lines are
        found by the batching writer's splitter (:func:`~influxdb._batching.buffer.split_lines`,
        the one line splitter of the package): a new line inside a quoted string field
        value belongs to its line (line protocol reference: string field values escape
        only ``"`` and ``\\``, a raw new line is kept as it is).

        :param payload: the lines, each ending with a new line
        :param expected: how many lines the payload holds, when the caller knows (without
            the C extension, the split is then a plain one when the new lines say the same;
            the C split is quicker than that check)
        :returns: the payload itself when it fits in one datagram, else datagrams whose
            concatenation holds the same lines in the same order
        :raises InfluxDBInvalidPointError: a line longer than ``max_datagram`` (naming its
            number in the payload, its size and its start), before anything is sent
        """
        limit = self.max_datagram
        if len(payload) <= limit:
            return [payload]
        lines = split_lines(payload, expected)
        if not lines:
            return []
        # Where each line ends (its new line counted) in the datagrams' concatenation: the
        # cuts are found by bisection, with no Python step per line (100,000 lines: about
        # 10 ms instead of 40).
        ends = list(_accumulate(map(_PLUS_ONE, map(len, lines))))
        if max(map(len, lines)) + 1 > limit:
            number, line = next((number, line) for number, line in enumerate(lines, 1)
                                if len(line) + 1 > limit)
            raise InfluxDBInvalidPointError(
                f"line {number} of the payload ({len(line) + 1} bytes) does not fit in one "
                f"UDP datagram (max {limit} bytes); nothing was sent: {line[:80]!r}..."
            )
        out: list[bytes] = []
        first, sent = 0, 0
        while first < len(lines):
            stop = _bisect_right(ends, sent + limit, first)  # as many whole lines as fit
            out.append(b"\n".join(lines[first:stop]) + b"\n")
            first, sent = stop, ends[stop - 1]
        return out

    def send(self, payload: bytes, expected: Optional[int] = None) -> None:
        """Send ``payload`` as one datagram, or several of whole lines (:meth:`datagrams`).

        :param payload: the lines, each ending with a new line
        :param expected: how many lines it holds, if known (see :meth:`datagrams`)
        :raises InfluxDBInvalidPointError: a line too long for a datagram, before sending
        """
        for datagram in self.datagrams(payload, expected):
            self.socket.sendto(datagram, self.address)

    def close(self) -> None:
        self.socket.close()
