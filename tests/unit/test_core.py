"""The protocol core without any I/O (influxdb._core): requests built from a call's arguments,
answers read from bytes fed to a decoder, and what an answer means, with exact tables.

The same decoders against a misbehaving loopback server: tests/faults/test_faults_answers.py;
the client's requests on the wire: tests/http/test_client_http.py.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Callable
from typing import Any, Optional

import msgpack
import pytest

from influxdb._core import answers
from influxdb._core import requests as build
from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBArgumentTypeError,
    InfluxDBBrokenAnswerError,
    InfluxDBDatabaseNotFoundError,
    InfluxDBQueryError,
    InfluxDBServerError,
    InfluxDBWriteError,
    NotInfluxDBServerError,
)

HEADERS = {"Content-Type": "application/json", "Accept": "application/x-msgpack"}
FORM = {"Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/x-msgpack"}
NO_ARGS: dict[str, Any] = {"params": None, "bind_params": None, "epoch": None,
                           "database": None, "chunked": False, "chunk_size": 0,
                           "method": "GET", "headers": HEADERS}


# -- requests --------------------------------------------------------------------------------

@pytest.mark.parametrize("query, changes, expected", [
    ("SELECT v FROM m", {},
     ("GET", {"q": "SELECT v FROM m"}, None, HEADERS, False, True)),
    ("SELECT v FROM m", {"database": "db", "epoch": "ms", "method": "POST"},
     ("POST", {"db": "db", "epoch": "ms", "q": "SELECT v FROM m"}, None, HEADERS, False, True)),
    ("SELECT v FROM m", {"chunked": True, "chunk_size": 100},
     ("GET", {"chunked": "true", "chunk_size": 100, "q": "SELECT v FROM m"}, None, HEADERS,
      True, True)),
    ("SELECT v FROM m", {"chunked": True},
     ("GET", {"chunked": "true", "q": "SELECT v FROM m"}, None, HEADERS, True, True)),
    ("SELECT v FROM m", {"epoch": "u"},
     ("GET", {"epoch": "u", "q": "SELECT v FROM m"}, None, HEADERS, False, True)),
    ("SELECT v FROM m WHERE h = $h", {"bind_params": {"h": "a"}, "params": {"x": "1"}},
     ("GET", {"x": "1", "params": '{"h": "a"}', "q": "SELECT v FROM m WHERE h = $h"}, None,
      HEADERS, False, True)),
    ("CREATE DATABASE d", {},
     ("POST", {"q": "CREATE DATABASE d"}, None, HEADERS, False, True)),
    ("CREATE USER u WITH PASSWORD 'pw'", {"database": "db"},
     ("POST", {"db": "db"}, "q=CREATE+USER+u+WITH+PASSWORD+%27pw%27", FORM, False, False)),
    ("SELECT v FROM m WHERE t = '" + "x" * 4096 + "'", {},
     ("POST", {}, "q=SELECT+v+FROM+m+WHERE+t+%3D+%27" + "x" * 4096 + "%27", FORM, False,
      False)),
])
def test_query_request(query: str, changes: dict[str, Any],
                       expected: tuple[Any, ...]) -> None:
    request = build.query_request(query, **{**NO_ARGS, **changes})
    assert (request.method, request.params, request.body, request.headers, request.stream,
            request.compress) == expected
    assert (request.path, request.expected, request.operation) == ("query", (200,), "query")


def test_query_request_copies_what_it_is_given() -> None:
    params = {"x": "1"}
    headers = dict(HEADERS)
    request = build.query_request("CREATE USER u WITH PASSWORD 'pw'",
                                  **{**NO_ARGS, "params": params, "headers": headers})
    assert (params, headers) == ({"x": "1"}, HEADERS)
    assert request.params is not params and request.headers is not headers


@pytest.mark.parametrize("changes, error, message", [
    ({"epoch": "x"}, InfluxDBArgumentError,
     "Invalid epoch 'x': use 'h', 'm', 's', 'ms', 'u' or 'ns'"),
    ({"bind_params": {"x": float("nan")}}, InfluxDBArgumentError,
     "bind_params['x']: cannot bind nan: JSON has no NaN or infinity"),
])
def test_query_request_refuses(changes: dict[str, Any], error: type[Exception],
                               message: str) -> None:
    with pytest.raises(error) as info:
        build.query_request("SELECT 1", **{**NO_ARGS, **changes})
    assert type(info.value) is error and str(info.value) == message


def test_query_request_refuses_a_query_that_is_not_text() -> None:
    with pytest.raises(InfluxDBArgumentTypeError) as info:
        build.query_request(b"SELECT 1", **NO_ARGS)  # type: ignore[arg-type]
    assert str(info.value) == "query must be a str, got bytes"


@pytest.mark.parametrize("args, expected", [
    ({"database": None, "retention_policy": None, "precision": None, "consistency": None},
     {}),
    ({"database": "db", "retention_policy": "rp", "precision": "s", "consistency": "one"},
     {"db": "db", "consistency": "one", "precision": "s", "rp": "rp"}),
])
def test_write_params(args: dict[str, Any], expected: dict[str, Any]) -> None:
    assert build.write_params(**args) == expected


def test_write_request() -> None:
    request = build.write_request(b"m v=1\n", params={"db": "db"}, headers=HEADERS)
    assert request == build.Request(
        "POST", "write", {"db": "db"},
        {"Content-Type": "application/octet-stream", "Accept": "application/x-msgpack"},
        b"m v=1\n", stream=False, expected=(204,), operation="write", compress=True)
    assert HEADERS["Content-Type"] == "application/json"  # the client's, not modified


def test_ping_and_http_requests() -> None:
    assert build.ping_request(HEADERS) == build.Request("GET", "ping", None, HEADERS,
                                                        expected=(204, 200))
    request = build.http_request("query", "POST", {"q": "x"}, {"a": [1]}, True, 201, HEADERS)
    assert (request.body, request.stream, request.expected) == ('{"a": [1]}', True, (201,))


def test_a_request_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        build.ping_request(HEADERS).method = "POST"  # type: ignore[misc]


@pytest.mark.parametrize("body, compress, gzip_on, headers, sent", [
    (b"m v=1\n", True, False, {}, b"m v=1\n"),
    (b"m v=1\n", True, True, {"Accept-Encoding": "gzip", "Content-Encoding": "gzip"},
     b"m v=1\n"),
    ("q=x", False, True, {}, "q=x"),  # a statement in the body stays plain
    (None, True, True, {"Accept-Encoding": "gzip"}, None),
    ("é", True, True, {"Accept-Encoding": "gzip", "Content-Encoding": "gzip"},
     "é".encode()),
])
def test_encoded(body: Any, compress: bool, gzip_on: bool, headers: dict[str, str],
                 sent: Any) -> None:
    request = build.Request("POST", "write", None, {"A": "b"}, body, compress=compress)
    out = build.encoded(request, gzip_on)
    assert out.headers == {"A": "b", **headers}
    assert (gzip.decompress(out.body) if "Content-Encoding" in headers else out.body) == sent
    assert request.headers == {"A": "b"}


@pytest.mark.parametrize("value, expected", [(None, None), (1, 1.0), (0.5, 0.5)])
def test_check_deadline(value: Optional[float], expected: Optional[float]) -> None:
    assert build.check_deadline(value) == expected


# -- decoders fed block by block -------------------------------------------------------------

DOCS = [{"results": [{"statement_id": 0, "series": [{"values": [[i, "x"]]}]}]}
        for i in range(3)]
STREAMS = {
    answers.MsgpackDocuments: b"".join(msgpack.packb(d) for d in DOCS),
    answers.MsgpackObjects: b"".join(msgpack.packb(d) for d in DOCS),
    answers.JsonDocuments: b"".join(json.dumps(d).encode() + b"\n" for d in DOCS),
}
DECODERS = list(STREAMS)


def _feed_all(decoder: answers.ChunkDecoder, data: bytes, size: int) -> list[list[Any]]:
    return [decoder.feed(data[i:i + size]) for i in range(0, len(data), size)]


@pytest.mark.parametrize("kind", DECODERS)
@pytest.mark.parametrize("size", [1, 7, 1 << 20])
def test_a_decoder_gives_each_document_once_whatever_the_blocks(
        kind: type[answers.ChunkDecoder], size: int) -> None:
    decoder = kind()
    got = [d for documents in _feed_all(decoder, STREAMS[kind], size) for d in documents]
    assert got + decoder.close() == DOCS


@pytest.mark.parametrize("kind", DECODERS)
def test_a_decoder_refuses_an_answer_cut_in_a_document(
        kind: type[answers.ChunkDecoder]) -> None:
    data = STREAMS[kind]
    cut = len(data) - 5
    decoder = kind()
    assert decoder.feed(data[:cut]) == DOCS[:2]
    with pytest.raises(InfluxDBBrokenAnswerError) as info:
        decoder.close()
    assert str(info.value).startswith("the answer ended in the middle of a document (")


@pytest.mark.parametrize("kind, garbage, label", [
    (answers.MsgpackDocuments, b"\xc1", "msgpack"),
    (answers.MsgpackObjects, b"\xc1", "msgpack"),
    (answers.JsonDocuments, b"{nope}\n", "JSON"),
])
def test_a_failure_is_raised_after_the_documents_before_it(
        kind: type[answers.ChunkDecoder], garbage: bytes, label: str) -> None:
    decoder = kind()
    first = STREAMS[kind][:len(STREAMS[kind]) // 3]  # the first document, whole
    assert decoder.feed(first + garbage) == DOCS[:1]
    assert decoder.failure is not None
    calls: list[Callable[[], Any]] = [lambda: decoder.feed(b"more"), decoder.close]
    for call in calls:
        with pytest.raises(InfluxDBBrokenAnswerError) as info:
            call()
        assert info.value is decoder.failure
        assert str(info.value).startswith(f"the answer is not valid {label} (cut short or ")
        assert info.value.__cause__ is not None
    # Nothing before it in its block: raised at once.
    with pytest.raises(InfluxDBBrokenAnswerError):
        kind().feed(garbage)


@pytest.mark.parametrize("kind", DECODERS)
def test_a_decoder_refuses_a_document_over_its_limit(kind: type[answers.ChunkDecoder]) -> None:
    data = STREAMS[kind]
    decoder = kind(limit=10)
    with pytest.raises(InfluxDBBrokenAnswerError) as info:
        decoder.feed(data[:40])
    assert info.value.too_large is True
    assert str(info.value) == (
        "one document of the chunked answer is larger than max_document_size=10 bytes "
        "(40 bytes read); raise the limit (max_document_size=) or read the answer with "
        "chunked=True")


def test_a_last_json_document_without_its_new_line_comes_at_the_close() -> None:
    decoder = answers.JsonDocuments()
    assert decoder.feed(json.dumps(DOCS[0]).encode()) == []
    assert decoder.close() == DOCS[:1]


def test_iter_decoded_stops_reading_at_a_failure() -> None:
    blocks = iter([STREAMS[answers.JsonDocuments].split(b"\n")[0] + b"\n{x}\n", b"unread"])
    got = []
    with pytest.raises(InfluxDBBrokenAnswerError):
        for document in answers.iter_decoded(blocks, answers.JsonDocuments()):
            got.append(document)
    assert (got, list(blocks)) == (DOCS[:1], [b"unread"])


@pytest.mark.parametrize("content_type, kind", [
    ("application/x-msgpack", (answers.MsgpackDocuments, answers.MsgpackObjects)),
    ("application/x-msgpack; charset=x", (answers.MsgpackDocuments, answers.MsgpackObjects)),
    ("application/json", (answers.JsonDocuments,)),
    ("", (answers.JsonDocuments,)),
])
def test_chunk_decoder_follows_the_content_type(content_type: str,
                                                kind: tuple[type[Any], ...]) -> None:
    decoder = answers.chunk_decoder({"Content-Type": content_type}, 5)
    assert isinstance(decoder, kind) and decoder.limit == 5


# -- what an answer means --------------------------------------------------------------------

@pytest.mark.parametrize("document, msgpack_body, expected", [
    (None, False, []),
    ({}, True, []),
    ({"results": [{"statement_id": 0}]}, False, [{"statement_id": 0}]),
    ({"results": [{"statement_id": 0, "series": []}]}, True, [{"statement_id": 0}]),
    ({"results": [{"statement_id": 0, "series": []}]}, False,
     [{"statement_id": 0, "series": []}]),
    ({"results": [{"series": [{"name": "m", "values": []}]}]}, True,
     [{"series": [{"name": "m"}]}]),
])
def test_query_results(document: Any, msgpack_body: bool, expected: Any) -> None:
    assert answers.query_results(document, msgpack_body=msgpack_body) == expected


def test_query_results_retry_a_server_that_was_stopping() -> None:
    results = [{"statement_id": 0, "error": "query engine shutdown"}]
    with pytest.raises(answers.ServerStopping) as info:
        answers.query_results({"results": results}, msgpack_body=False)
    assert (str(info.value), info.value.results) == (
        "the query was answered 'query engine shutdown'", results)


@pytest.mark.parametrize("document, error", [
    (None, None),
    ({"results": [{"statement_id": 0}]}, None),
    ({"results": [{"statement_id": 0, "partial": True}]}, InfluxDBBrokenAnswerError),
    ({"results": [{"series": [{"name": "m", "partial": True}]}]}, InfluxDBBrokenAnswerError),
])
def test_check_last_chunk(document: Any, error: Optional[type[Exception]]) -> None:
    if error is None:
        answers.check_last_chunk(document)
        return
    with pytest.raises(error) as info:
        answers.check_last_chunk(document)
    assert str(info.value) == ("the chunked answer ended on a chunk marked partial (more was "
                               "announced): it was cut short")


V = {"X-Influxdb-Version": "1.6.7"}


@pytest.mark.parametrize("status, headers, content, operation, cls, text, retry_after", [
    (404, {**V, "Content-Type": "application/json"}, b'{"error":"database not found: x"}',
     "write", InfluxDBDatabaseNotFoundError, '{"error":"database not found: x"}', None),
    (400, {**V, "Content-Type": "application/x-msgpack"},
     msgpack.packb({"error": "bad"}), "write", InfluxDBWriteError, '{"error":"bad"}', None),
    (400, V, b'{"error":"bad"}', "query", InfluxDBQueryError, '{"error":"bad"}', None),
    (503, {**V, "Retry-After": "7"}, b"", "query", InfluxDBServerError, "", 7.0),
    (503, {"Retry-After": "Sun, 06 Dec 2026 00:00:10 GMT"}, b"busy", "query",
     NotInfluxDBServerError, None, 10.0),
])
def test_error_of(status: int, headers: dict[str, str], content: bytes, operation: str,
                  cls: type[Exception], text: Optional[str],
                  retry_after: Optional[float]) -> None:
    # The clock is handed in: 2026-12-06T00:00:00Z.
    error = answers.error_of(status, headers, content, operation=operation,
                             url="http://h:8086/query", now=1796515200.0)
    assert (type(error), error.code, error.retry_after) == (
        cls, status, retry_after)
    if text is not None:
        assert error.content == text


def test_ping_version() -> None:
    assert answers.ping_version(V) == "1.6.7"
    assert answers.ping_version({}) is None
