"""Answers read: bytes -> documents -> results or exceptions, with no I/O.

InfluxDB >= 1.4 answers ``application/x-msgpack`` when asked (the 5.3 default ``Accept``),
else JSON.  Timestamps in msgpack come as extension type 5 (seconds, nanoseconds); they are
turned into exactly the RFC3339Nano text the JSON answer would carry.

A whole answer is decoded at once (:func:`decode_answer`).  A chunked one is read by a
decoder object that is fed the blocks as they arrive (:meth:`ChunkDecoder.feed` returns the
documents each block completes, :meth:`ChunkDecoder.close` gives what the end completes and
raises for an answer cut in the middle of a document): the sync transport feeds it from
``requests``' ``iter_content``, an asyncio transport from aiohttp's ``iter_chunked``, and
both get the same documents and the same errors (:func:`iter_decoded` is the loop either
writes).

Then the answer's meaning: a query's ``results`` (:func:`query_results`, with the statement
error that only says the server was stopping raised as a retryable failure), the end of a
chunked answer (:func:`check_last_chunk`), a ping's version (:func:`ping_version`), and an
answer with an unexpected status as the exception its status and message pick
(:func:`error_of`).

The choice between the C extension and Python is made once, at import, per function
(:func:`influxdb._accel.pick`): :data:`msgpack_ext_hook` (the C hook, or
:func:`_python_ext_hook`, the reference), ``_unpack`` (the C decoder, or msgpack's) and
``_msgpack_chunks`` (the decoder of chunked msgpack answers that goes with it); tests swap
these names to compare the two.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Callable, Optional, Union

import msgpack

from influxdb import _accel, _gc, _json
from influxdb._core._retry import TransientFailure, parse_retry_after
from influxdb._core.times import format_rfc3339
from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBBrokenAnswerError,
    InfluxDBError,
    error_from_response,
)

__all__ = [
    "DEFAULT_MAX_DOCUMENT_SIZE", "MSGPACK", "ChunkDecoder", "JsonDocuments",
    "MsgpackDocuments", "MsgpackObjects", "ServerStopping", "announces_more",
    "check_document_size", "check_last_chunk", "chunk_decoder", "decode_answer",
    "decode_body", "decode_json", "decode_msgpack", "drop_empty_series", "error_body_text",
    "error_of", "is_msgpack", "iter_decoded", "msgpack_ext_hook", "ping_version",
    "query_results",
]

MSGPACK = "application/x-msgpack"
#: Bodies above this size are decoded with the cyclic garbage collector paused: decoding
#: allocates millions of containers, and collecting them mid-way costs as much as the decoding.
_GC_PAUSE_BYTES = 1 << 20
#: The default ``max_document_size``: the most bytes one answer document may take in memory
#: (a whole answer, or one chunk of a chunked answer).  2 GiB is about 25 million rows of
#: msgpack; decoded, they take five to ten times as much as Python objects, more than most
#: machines have, so larger answers are read with ``chunked=True``.  The limit exists so
#: that an endless answer ends in an error instead of exhausting memory.
DEFAULT_MAX_DOCUMENT_SIZE = 2 << 30
#: Statement errors that say nothing about the statement, only that the server was stopping.
TRANSIENT_STATEMENT_ERRORS = frozenset({"query engine shutdown"})


def check_document_size(size: Optional[int]) -> Optional[int]:
    """A ``max_document_size=`` argument, checked: bytes above 0, or ``None``."""
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InfluxDBArgumentError(
            f"max_document_size must be a number of bytes above 0 or None, got {size!r}")
    return size


# -- msgpack's timestamps --------------------------------------------------------------------
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


def _no_fallback(hook: Callable[[int, bytes], Any]) -> None:
    """Without the C hook, nothing hands anything to the Python one."""


# What the C hook leaves (other types, years outside 1-9999) goes to the Python one.
_accel.pick("set_ext_fallback", _no_fallback)(_python_ext_hook)

#: The hook given to msgpack: the C one when it is built (the same text, about twenty times
#: faster per row), else :func:`_python_ext_hook`.
msgpack_ext_hook: Callable[[int, bytes], Any] = _accel.pick("msgpack_ext_hook",
                                                            _python_ext_hook)


# -- whole documents -------------------------------------------------------------------------
def _with_gc_paused(size: int, decode: Callable[[], Any]) -> Any:
    if size < _GC_PAUSE_BYTES:
        return decode()
    return _gc.paused(decode)


def _unpack_py(data: Union[bytes, bytearray], start: int, end: int) -> Any:
    """The msgpack document ``data[start:end]``, decoded by msgpack, which gives the result
    or its own error."""
    return msgpack.unpackb(bytes(data[start:end]) if (start, end) != (0, len(data)) else data,
                           ext_hook=msgpack_ext_hook, raw=False, strict_map_key=False)


Unpack = Callable[[Union[bytes, bytearray], int, int], Any]


def _unpack_c(decode: Unpack) -> Unpack:
    """:func:`_unpack_py`'s stand-in: the C decoder (the same objects, timestamps without a
    call each), and msgpack when it gives up (malformed or unusual data)."""
    def unpack(data: Union[bytes, bytearray], start: int, end: int) -> Any:
        try:
            return decode(data, start, end)
        except Exception:  # noqa: BLE001 -- msgpack decides, below
            return _unpack_py(data, start, end)
    return unpack


#: The msgpack document ``data[start:end]``: in C when the extension is built, else msgpack.
_unpack = _accel.pick("msgpack_decode", _unpack_py, through=_unpack_c)


def decode_msgpack(content: bytes) -> Any:
    """Decode one msgpack document (a whole, non-chunked answer)."""
    return _with_gc_paused(len(content), lambda: _unpack(content, 0, len(content)))


def decode_json(content: bytes) -> Any:
    """Decode one JSON document (msgspec when installed: :mod:`influxdb._json`)."""
    return _with_gc_paused(len(content), lambda: _json.loads(content))


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


def too_large(size: int, limit: int, what: str) -> InfluxDBBrokenAnswerError:
    """The error for ``what`` (``'the answer'``, ``'one document of the chunked answer'``)
    found larger than ``max_document_size``: never retried (``too_large``)."""
    return InfluxDBBrokenAnswerError(
        f"{what} is larger than max_document_size={limit} bytes ({size} bytes read); "
        f"raise the limit (max_document_size=) or read the answer with chunked=True",
        too_large=True)


def decode_answer(content: bytes, msgpack_body: bool) -> Any:
    """Decode a whole answer's body (msgpack or JSON).

    :raises InfluxDBBrokenAnswerError: the body is cut short or malformed (the decoder's
        error is its ``__cause__``)
    """
    try:
        return decode_msgpack(content) if msgpack_body else decode_json(content)
    except _DECODE_ERRORS as error:
        raise _undecodable("msgpack" if msgpack_body else "JSON", error) from error


def is_msgpack(headers: Mapping[str, str]) -> bool:
    """Whether an answer with these headers (case-insensitive, as HTTP libraries give them)
    carries msgpack."""
    content_type = headers.get("Content-Type", "")
    return content_type.split(";", 1)[0].strip() == MSGPACK


def decode_body(headers: Mapping[str, str], content: bytes) -> Any:
    """The decoded body of a whole answer (msgpack or JSON), ``None`` when empty.

    :raises InfluxDBBrokenAnswerError: the body is cut short or malformed
    """
    if not content:
        return None
    return decode_answer(content, is_msgpack(headers))


# -- chunked answers: decoders fed block by block --------------------------------------------
class ChunkDecoder:
    """The documents of a chunked answer, from its blocks as they arrive.

    :meth:`feed` returns the documents a block completes.  A failure found in a block after
    documents it completed (a malformed document, one larger than ``limit``) is kept and
    raised by the next :meth:`feed` or :meth:`close`, so that the documents before it are
    handed out first; :attr:`failure` says one is waiting (:func:`iter_decoded` then closes
    at once rather than read another block).  :meth:`close` gives the documents the end
    completes, and raises for an answer that ended in the middle of a document.

    :param limit: the most bytes one document may take (``None``: no limit)
    """

    def __init__(self, limit: Optional[int] = None) -> None:
        self.limit = limit
        self.failure: Optional[InfluxDBBrokenAnswerError] = None

    def feed(self, block: bytes) -> list[Any]:
        """The documents ``block`` completes.

        :raises InfluxDBBrokenAnswerError: a document cut or malformed, or larger than
            ``limit`` (when nothing of this block came before it, else at the next call)
        """
        if self.failure is not None:
            raise self.failure
        documents, failure = self._feed(block)
        if failure is not None:
            if not documents:
                raise failure
            self.failure = failure
        return documents

    def close(self) -> list[Any]:
        """The answer ended here: the documents its end completes (a last JSON document
        without its newline).

        :raises InfluxDBBrokenAnswerError: a failure still to raise, or an answer cut in the
            middle of a document
        """
        if self.failure is not None:
            raise self.failure
        return self._close()

    def _feed(self, block: bytes) -> tuple[list[Any], Optional[InfluxDBBrokenAnswerError]]:
        raise NotImplementedError

    def _close(self) -> list[Any]:
        raise NotImplementedError


def _failed(error: BaseException) -> InfluxDBBrokenAnswerError:
    return _with_cause(_undecodable("msgpack", error), error)


def _with_cause(error: InfluxDBBrokenAnswerError,
                cause: BaseException) -> InfluxDBBrokenAnswerError:
    error.__cause__ = cause  # raised later, as `raise error from cause` would
    return error


class MsgpackDocuments(ChunkDecoder):
    """Concatenated msgpack documents, decoded by the C decoder.

    msgpack's streaming Unpacker only finds where each document ends (``skip()`` builds no
    objects, and resumes where the last block stopped: framing is linear in the answer's
    size); each whole document is then decoded at once by :func:`_unpack`.
    """

    def __init__(self, limit: Optional[int] = None) -> None:
        super().__init__(limit)
        self._framer = msgpack.Unpacker(max_buffer_size=0)
        self._pending = bytearray()  # the bytes of documents not decoded yet
        self._offset = 0  # the stream position of _pending[0]

    def _complete(self) -> tuple[list[Any], Optional[BaseException]]:
        framer, pending, offset = self._framer, self._pending, self._offset
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

    def _feed(self, block: bytes) -> tuple[list[Any], Optional[InfluxDBBrokenAnswerError]]:
        self._framer.feed(block)
        pending = self._pending
        pending += block
        # Documents completed by this block, decoded with the collector paused (as for
        # whole answers): a 10,000-row chunk allocates tens of thousands of lists.
        size = len(pending)
        documents, failure = _with_gc_paused(_GC_PAUSE_BYTES, self._complete)
        self._offset += size - len(pending)
        if failure is not None:
            return documents, _failed(failure)
        if self.limit is not None and len(pending) > self.limit:
            # What is left: one unfinished document.
            return documents, too_large(len(pending), self.limit,
                                        "one document of the chunked answer")
        return documents, None

    def _close(self) -> list[Any]:
        if self._pending:
            raise _cut_short(len(self._pending))
        return []


class MsgpackObjects(ChunkDecoder):
    """Concatenated msgpack documents, with msgpack building the objects as the bytes come
    (the Python timestamp hook is in use); the Unpacker resumes where it stopped, so this is
    linear too."""

    def __init__(self, limit: Optional[int] = None) -> None:
        super().__init__(limit)
        self._unpacker = msgpack.Unpacker(ext_hook=msgpack_ext_hook, raw=False,
                                          strict_map_key=False, max_buffer_size=0)
        self._received = 0
        self._finished = 0  # the stream position where the last whole document ended

    def _complete(self) -> tuple[list[Any], Optional[BaseException]]:
        unpacker = self._unpacker
        documents = []
        try:
            while True:
                documents.append(unpacker.unpack())
                self._finished = unpacker.tell()
        except msgpack.OutOfData:
            return documents, None
        except Exception as error:  # noqa: BLE001 -- raised after the documents before it
            return documents, error

    def _feed(self, block: bytes) -> tuple[list[Any], Optional[InfluxDBBrokenAnswerError]]:
        self._unpacker.feed(block)
        self._received += len(block)
        documents, failure = _with_gc_paused(_GC_PAUSE_BYTES, self._complete)
        if failure is not None:
            return documents, _failed(failure)
        unfinished = self._received - self._finished
        if self.limit is not None and unfinished > self.limit:
            return documents, too_large(unfinished, self.limit,
                                        "one document of the chunked answer")
        return documents, None

    def _close(self) -> list[Any]:
        if self._received > self._finished:
            raise _cut_short(self._received - self._finished)
        return []


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
            raise too_large(len(buffer), self.limit, "one document of the chunked answer")
        return lines

    def rest(self) -> bytearray:
        """What followed the last newline."""
        return self._buffer


class JsonDocuments(ChunkDecoder):
    """InfluxDB's chunked JSON: each document on a line of its own."""

    def __init__(self, limit: Optional[int] = None) -> None:
        super().__init__(limit)
        self._lines = _Lines(limit)

    def _feed(self, block: bytes) -> tuple[list[Any], Optional[InfluxDBBrokenAnswerError]]:
        documents = []
        for line in self._lines.feed(block):
            if line and not line.isspace():
                try:
                    documents.append(_json.loads(line))
                except ValueError as error:
                    return documents, _with_cause(_undecodable("JSON", error), error)
        return documents, None

    def _close(self) -> list[Any]:
        rest = self._lines.rest()
        if not rest or rest.isspace():
            return []
        # The last document without its newline: whole if it decodes.  A document is an
        # object: text that does not end as one was cut (and decoding a long cut line, only
        # to fail at its end, would build all its objects for nothing).
        if not rest.rstrip().endswith(b"}"):
            raise _cut_short(len(rest))
        try:
            return [_json.loads(rest)]
        except ValueError as error:
            raise _cut_short(len(rest)) from error


def chunk_decoder(headers: Mapping[str, str], limit: Optional[int]) -> ChunkDecoder:
    """The decoder for a chunked answer with these headers: msgpack (decoded in C when the
    extension is built) or JSON lines.

    :param limit: the most bytes one document may take (``None``: no limit)
    """
    if not is_msgpack(headers):
        return JsonDocuments(limit)
    return _msgpack_chunks(limit)


def _c_chunks(decode: Unpack) -> Callable[[Optional[int]], ChunkDecoder]:
    # With the C decoder, a chunked answer is framed by msgpack and each whole document
    # decoded by _unpack; without it, msgpack's Unpacker builds the objects as it reads.
    return MsgpackDocuments


_msgpack_chunks: Callable[[Optional[int]], ChunkDecoder] = _accel.pick(
    "msgpack_decode", MsgpackObjects, through=_c_chunks)


def iter_decoded(blocks: Iterable[bytes], decoder: ChunkDecoder) -> Iterator[Any]:
    """The documents of ``blocks`` as ``decoder`` completes them: the loop a sync transport
    runs (an asyncio one writes the same with ``async for``).

    :raises InfluxDBBrokenAnswerError: after the documents before it: a document that is
        malformed or larger than the limit, or an answer that ends in the middle of one
    """
    for block in blocks:
        yield from decoder.feed(block)
        if decoder.failure is not None:
            break  # raised below, without reading another block
    yield from decoder.close()


# -- what an answer means --------------------------------------------------------------------
class ServerStopping(TransientFailure):
    """A statement error that says nothing about the statement, only that the server was
    busy stopping: retried like a 503 (influxd 1.6 answers it with 200 to queries racing
    its shutdown).  Once the retries are spent, the answer's results are returned, and the
    statement error raised from them as any other."""

    def __init__(self, message: str, results: list[dict[str, Any]]) -> None:
        super().__init__(f"the query was answered {message!r}")
        self.results = results


def drop_empty_series(document: dict[str, Any]) -> dict[str, Any]:
    """Make a msgpack answer equal to its JSON twin (in place; returned).

    InfluxDB's msgpack encoder writes ``"series": []`` for a statement without rows, and
    ``"values": []`` for a series without rows, where the JSON answer leaves the keys out;
    ``ResultSet.raw`` should not depend on the transport.
    """
    for result in document.get("results", ()):
        if not isinstance(result, dict):
            continue
        series = result.get("series")
        if series == []:
            del result["series"]
        elif series:
            for one in series:
                if isinstance(one, dict) and one.get("values") == []:
                    del one["values"]
    return document


def query_results(document: Any, *, msgpack_body: bool) -> list[dict[str, Any]]:
    """The ``results`` of a whole query answer, from its decoded body.

    :param document: the decoded body (:func:`decode_body`; ``None`` for an empty one)
    :param msgpack_body: it was msgpack (its empty series are then dropped)
    :raises ServerStopping: a statement error that only says the server was stopping
        (retried; it carries the results)
    """
    if not document:
        return []
    if msgpack_body:
        drop_empty_series(document)
    results: list[dict[str, Any]] = document.get("results", [])
    transient = [r["error"] for r in results
                 if isinstance(r, dict) and r.get("error") in TRANSIENT_STATEMENT_ERRORS]
    if transient:
        raise ServerStopping(transient[0], results)
    return results


def announces_more(document: dict[str, Any]) -> bool:
    """Whether a chunk says more follows: InfluxDB marks each chunk but the last of a
    statement ``"partial": true``, and a series continued in the next chunk too (the
    ``/query`` endpoint's chunked answers)."""
    for result in document.get("results", ()):
        if not isinstance(result, dict):
            continue
        if result.get("partial"):
            return True
        for series in result.get("series") or ():
            if isinstance(series, dict) and series.get("partial"):
                return True
    return False


def check_last_chunk(document: Optional[dict[str, Any]]) -> None:
    """A chunked answer ended after ``document`` (``None``: after none).

    :raises InfluxDBBrokenAnswerError: it announced more (``"partial": true``): the answer
        was cut short between two chunks
    """
    if document is not None and announces_more(document):
        raise InfluxDBBrokenAnswerError(
            "the chunked answer ended on a chunk marked partial (more was announced): "
            "it was cut short")


def ping_version(headers: Mapping[str, str]) -> Optional[str]:
    """The server's version, from a ping's answer (``None`` when a proxy dropped it)."""
    return headers.get("X-Influxdb-Version")


def error_body_text(headers: Mapping[str, str], content: bytes) -> str:
    """An error answer's body as text; a msgpack body is re-encoded as compact JSON (5.3.2)."""
    if content and is_msgpack(headers):
        try:
            decoded = msgpack.unpackb(content, raw=False, strict_map_key=False)
            return json.dumps(decoded, separators=(",", ":"))
        except (ValueError, msgpack.UnpackException):
            pass
    return content.decode("utf-8", "replace") if content else ""


def error_of(status: int, headers: Mapping[str, str], content: bytes, *, operation: str,
             url: str, now: float) -> InfluxDBError:
    """The exception for an answer with an unexpected status.

    The class comes from the status and the server's message (a 500 naming a missing
    retention policy is the client's mistake, never retried), and from whether InfluxDB
    answered at all (its answers all carry ``X-Influxdb-Version``).  Its
    :attr:`~influxdb.exceptions.InfluxDBError.retry_after` holds the seconds a
    ``Retry-After`` asked for: the retry decision reads it
    (:func:`influxdb._core._retry.retry_after_of`), and so may users.

    :param operation: ``'query'`` or ``'write'`` (a 4xx of each has its classes)
    :param url: the URL asked, without credentials or query string (for the message)
    :param now: the current ``time.time()``, for a ``Retry-After`` given as a date
    """
    error = error_from_response(error_body_text(headers, content), status,
                                operation=operation,
                                from_influxdb="X-Influxdb-Version" in headers, url=url)
    error.retry_after = parse_retry_after(headers.get("Retry-After"), now)
    return error
