"""Reading answers, without a server: the chunk readers (linear, bounded, strict about an
answer that ends too soon), the broken-answer exception, the deadline's arithmetic.

The same paths against a loopback server that misbehaves: tests/faults/test_faults_answers.py.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from typing import Any, Optional

import msgpack
import pytest

from influxdb._core import answers
from influxdb._core import requests as build
from influxdb._transports import sync
from influxdb.exceptions import (
    InfluxDBBrokenAnswerError,
    InfluxDBClientError,
    InfluxDBError,
    InfluxDBServerError,
)


def blocks_of(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


# -- the exception ------------------------------------------------------------------------

def test_broken_answer_error_is_caught_where_5_3_2_callers_caught_the_decoders() -> None:
    assert issubclass(InfluxDBBrokenAnswerError, ValueError)  # JSONDecodeError, msgpack's
    assert issubclass(InfluxDBBrokenAnswerError, InfluxDBError)
    assert not issubclass(InfluxDBBrokenAnswerError, InfluxDBClientError)
    assert not issubclass(InfluxDBBrokenAnswerError, InfluxDBServerError)
    error = InfluxDBBrokenAnswerError("too big", too_large=True)
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.code, again.too_large) == (
        InfluxDBBrokenAnswerError, "too big", None, True)
    assert InfluxDBBrokenAnswerError("cut").too_large is False


# -- whole answers ------------------------------------------------------------------------

ANSWER = {"results": [{"statement_id": 0, "series": [
    {"name": "m", "columns": ["time", "v"], "values": [[i, i * 2] for i in range(50)]}]}]}


@pytest.mark.parametrize("kind", ["msgpack", "json"])
def test_whole_answer_cut_short_raises_broken_answer(kind: str) -> None:
    body = msgpack.packb(ANSWER) if kind == "msgpack" else json.dumps(ANSWER).encode()
    assert answers.decode_answer(body, msgpack_body=kind == "msgpack") == ANSWER
    with pytest.raises(InfluxDBBrokenAnswerError) as info:
        answers.decode_answer(body[:len(body) * 7 // 10], msgpack_body=kind == "msgpack")
    label = "msgpack" if kind == "msgpack" else "JSON"
    assert str(info.value).startswith(f"the answer is not valid {label} (cut short or "
                                      f"malformed): ")
    assert isinstance(info.value.__cause__, ValueError)


# -- chunked answers ----------------------------------------------------------------------

def _chunk(first: int, partial: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"statement_id": 0, "series": [
        {"name": "m", "columns": ["time", "v"], "values": [[i, i] for i in range(first,
                                                                                first + 3)]}]}
    if partial:
        result["partial"] = True
        result["series"][0]["partial"] = True
    return {"results": [result]}


CHUNKS = [_chunk(0, True), _chunk(3, True), _chunk(6, False)]
ENCODINGS = {
    "msgpack-c": lambda docs: b"".join(msgpack.packb(d) for d in docs),
    "msgpack-python": lambda docs: b"".join(msgpack.packb(d) for d in docs),
    "json": lambda docs: b"".join(json.dumps(d).encode() + b"\n" for d in docs),
}


def _reader(kind: str, limit: Optional[int] = None) -> Any:
    decoder: type[answers.ChunkDecoder] = answers.JsonDocuments
    if kind == "msgpack-c":
        # The suite without the C extension still reads chunked msgpack, the other way.
        c = answers._msgpack_chunks is answers.MsgpackDocuments
        decoder = answers.MsgpackDocuments if c else answers.MsgpackObjects
    elif kind == "msgpack-python":
        decoder = answers.MsgpackObjects
    return lambda blocks: answers.iter_decoded(blocks, decoder(limit))


def _read(kind: str, data: bytes, size: int,
          limit: Optional[int] = None) -> tuple[list[Any], Optional[BaseException]]:
    got: list[Any] = []
    try:
        for document in _reader(kind, limit)(blocks_of(data, size)):
            got.append(document)
    except InfluxDBBrokenAnswerError as error:
        return got, error
    return got, None


@pytest.mark.parametrize("kind", sorted(ENCODINGS))
@pytest.mark.parametrize("size", [1, 7, 1 << 16])
def test_chunked_answer_read_whole(kind: str, size: int) -> None:
    assert _read(kind, ENCODINGS[kind](CHUNKS), size) == (CHUNKS, None)


@pytest.mark.parametrize("kind", sorted(ENCODINGS))
@pytest.mark.parametrize("size", [1, 7, 1 << 16])
def test_chunked_answer_cut_inside_a_document_raises_after_the_whole_ones(
        kind: str, size: int) -> None:
    data = ENCODINGS[kind](CHUNKS)
    whole_two = len(ENCODINGS[kind](CHUNKS[:2]))
    got, error = _read(kind, data[:whole_two + 10], size)
    assert got == CHUNKS[:2]
    assert str(error) == ("the answer ended in the middle of a document (10 bytes of it "
                          "received): it was cut short")


def test_json_last_line_without_its_newline_is_whole_if_it_decodes() -> None:
    data = ENCODINGS["json"](CHUNKS).rstrip(b"\n")
    assert _read("json", data, 5) == (CHUNKS, None)


@pytest.mark.parametrize("kind", sorted(ENCODINGS))
def test_malformed_document_raises_after_the_ones_before(kind: str) -> None:
    bad = b"\xc1" if kind.startswith("msgpack") else b"{nope}\n"
    data = ENCODINGS[kind](CHUNKS[:1]) + bad + ENCODINGS[kind](CHUNKS[1:])
    got, error = _read(kind, data, 4)
    assert got == CHUNKS[:1]
    label = "msgpack" if kind.startswith("msgpack") else "JSON"
    assert str(error).startswith(f"the answer is not valid {label} (cut short or malformed)")


@pytest.mark.parametrize("kind", sorted(ENCODINGS))
def test_a_document_over_the_limit_raises_holding_about_that_much(kind: str) -> None:
    big = {"results": [{"series": [{"values": [["x" * 100] for _ in range(2000)]}]}]}
    data = ENCODINGS[kind]([CHUNKS[0], big])
    got, error = _read(kind, data, 4096, limit=50_000)
    assert got == [CHUNKS[0]]
    assert isinstance(error, InfluxDBBrokenAnswerError) and error.too_large
    assert str(error).startswith(
        "one document of the chunked answer is larger than max_document_size=50000 bytes (")
    read = int(str(error).split("(")[1].split(" ")[0])
    assert 50_000 < read <= 50_000 + 4096  # stopped within one block of the limit


@pytest.mark.parametrize("document, more", [
    (_chunk(0, True), True),
    (_chunk(0, False), False),
    ({"results": [{"statement_id": 0, "partial": True}]}, True),
    ({"results": [{"statement_id": 0, "series": [{"name": "m", "partial": True}]}]}, True),
    ({"results": [{"statement_id": 0}, {"statement_id": 1, "partial": True}]}, True),
    ({"results": [{"statement_id": 0, "error": "boom"}]}, False),
    ({"results": []}, False),
    ({}, False),
])
def test_a_chunk_announces_more(document: dict[str, Any], more: bool) -> None:
    assert answers.announces_more(document) is more


# -- linear in the answer's size ------------------------------------------------------------

def test_json_line_reader_is_linear_in_the_bytes_it_gets() -> None:
    # One 4 MB line in 4,000 blocks of 1 KB, then a short one: each byte is searched for a
    # newline once and copied twice at most (the reader was quadratic: 5.3.2's and ours
    # joined and split the whole pending line again for every block).
    line = b'{"results":[{"series":[{"values":[' + b"[1,2]," * 700_000 + b"[1,2]]}]}]}"
    data = line + b"\n" + b"{}\n"
    lines = answers._Lines()
    got = [bytes(one) for block in blocks_of(data, 1024) for one in lines.feed(block)]
    assert got == [line, b"{}"]
    assert lines.scanned == len(data)
    assert lines.copied <= 2 * len(data)


def test_msgpack_framing_decodes_each_document_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 4 MB document in 4,000 blocks: msgpack's streaming Unpacker resumes where it
    # stopped to find its end, and the document is decoded once, whole.
    document = {"results": [{"series": [{"values": [[i, "x" * 20] for i in range(150_000)]}]}]}
    data = msgpack.packb(document)
    decoded: list[int] = []
    unpack = answers._unpack

    def counting(buffer: Any, start: int, end: int) -> Any:
        decoded.append(end - start)
        return unpack(buffer, start, end)

    monkeypatch.setattr(answers, "_unpack", counting)
    decoder = answers.MsgpackDocuments()
    assert list(answers.iter_decoded(blocks_of(data, 1024), decoder)) == [document]
    assert decoded == [len(data)]


# -- the deadline's arithmetic ---------------------------------------------------------------

@pytest.mark.parametrize("timeout, expected", [
    (None, 2.0),
    (5, 2.0),
    (1, 1),
    ((0.5, 10), (0.5, 2.0)),
    ((10, None), (2.0, 2.0)),
    ((None, 1.5), (2.0, 1.5)),
])
def test_timeout_capped_by_what_is_left_of_the_deadline(timeout: Any, expected: Any) -> None:
    assert sync.capped_timeout(timeout, expires=12.0, now=10.0) == expected
    assert sync.capped_timeout(timeout, expires=None, now=10.0) == timeout


def test_timeout_past_the_deadline_is_the_least_requests_takes() -> None:
    assert sync.capped_timeout(None, expires=9.0, now=10.0) == 0.001
    assert sync.capped_timeout((3, 5), expires=9.0, now=10.0) == (0.001, 0.001)


@pytest.mark.parametrize("value", [0, -1, True, "2", float("nan")])
def test_deadline_must_be_seconds_above_zero(value: Any) -> None:
    with pytest.raises(ValueError, match="deadline must be a number of seconds above 0"):
        build.check_deadline(value)


@pytest.mark.parametrize("value", [0, -5, 1.5, True, "1"])
def test_document_limit_must_be_bytes_above_zero(value: Any) -> None:
    with pytest.raises(ValueError, match="max_document_size must be a number of bytes"):
        answers.check_document_size(value)
