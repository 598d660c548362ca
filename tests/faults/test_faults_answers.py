"""Answers that say 200 and then break: cut short with a clean end, ending on a chunk that
announces more, dripping, endless, stalled.  Every one ends in an exception of the class
callers catch, in bounded time and memory; a query whose answer broke before anything was
handed out is sent again.

The bodies are real answers of ``influxd`` (500 points, 100 per chunk), captured once and
served by a loopback server of our own (:mod:`tests.faults._bad_answers`).
"""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import msgpack
import pytest
import requests

from influxdb import InfluxDBClient, Retry
from influxdb.exceptions import InfluxDBBrokenAnswerError, InfluxDBError
from tests._influxd import Influxd
from tests.faults._bad_answers import JSON, MSGPACK, Answer, BadAnswers

pytestmark = [pytest.mark.server]

ROWS = 500
CHUNK = 100
QUERY = "SELECT v FROM m"
#: Retries that do not make the tests wait: three attempts, a few milliseconds apart.
QUICK = Retry(total=3, backoff_factor=0.01)


@pytest.fixture(scope="module")
def captured(fault_server: Influxd) -> dict[tuple[str, bool], bytes]:
    """``{(content type, chunked): body}`` of ``SELECT v FROM m`` over 500 points, as
    influxd sends them (uncompressed)."""
    fault_server.admin_query('CREATE DATABASE "answers"')
    lines = "\n".join(f"m v={i} {1_700_000_000_000_000_000 + i}" for i in range(ROWS))
    requests.post(f"{fault_server.url}/write", params={"db": "answers"},
                  data=lines, timeout=30).raise_for_status()
    bodies = {}
    for content_type in (MSGPACK, JSON):
        for chunked in (False, True):
            params = {"db": "answers", "q": QUERY}
            if chunked:
                params.update(chunked="true", chunk_size=str(CHUNK))
            answer = requests.get(f"{fault_server.url}/query", params=params, timeout=30,
                                  headers={"Accept": content_type,
                                           "Accept-Encoding": "identity"})
            answer.raise_for_status()
            bodies[content_type, chunked] = answer.content
    fault_server.admin_query('DROP DATABASE "answers"')
    return bodies


def documents(body: bytes, content_type: str) -> list[bytes]:
    """A chunked answer's documents, as bytes."""
    if content_type == JSON:
        return [line + b"\n" for line in body.splitlines()]
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(body)
    out, start = [], 0
    for _ in unpacker:
        out.append(body[start:unpacker.tell()])
        start = unpacker.tell()
    return out


def client(server: BadAnswers, **options: Any) -> InfluxDBClient:
    options.setdefault("retries", QUICK)
    return InfluxDBClient("127.0.0.1", server.port, database="answers", **options)


def rows_read(chunks: Iterator[Any]) -> tuple[list[int], BaseException]:
    """The ``v`` of every row handed out, and what ended the iteration."""
    values: list[int] = []
    with pytest.raises(InfluxDBError) as info:
        for chunk in chunks:
            values.extend(point["v"] for point in chunk.get_points())
    return values, info.value


FORMATS = [pytest.param(MSGPACK, id="msgpack"), pytest.param(JSON, id="json")]


def test_the_captured_answers_are_what_the_tests_assume(
        captured: dict[tuple[str, bool], bytes]) -> None:
    for content_type in (MSGPACK, JSON):
        chunks = documents(captured[content_type, True], content_type)
        assert len(chunks) == ROWS // CHUNK
        with BadAnswers(Answer(captured[content_type, True], content_type, chunked=True)) as ok:
            got = client(ok).query(QUERY, chunked=True)
            assert [p["v"] for chunk in got for p in chunk.get_points()] == list(range(ROWS))


# -- item 6: cut short, or ending on a chunk that announces more --------------------------

@pytest.mark.parametrize("content_type", FORMATS)
def test_chunked_answer_cut_at_70_percent_raises_after_the_whole_chunks(
        captured: dict[tuple[str, bool], bytes], content_type: str) -> None:
    body = captured[content_type, True]
    cut = body[:len(body) * 7 // 10]  # in the fourth of five chunks, then a clean end
    with BadAnswers(Answer(cut, content_type, chunked=True)) as server:
        values, error = rows_read(client(server).query(QUERY, chunked=True))
    assert values == list(range(300))  # three whole chunks, handed out before the error
    assert type(error) is InfluxDBBrokenAnswerError
    assert isinstance(error, ValueError)
    assert "cut short" in str(error)
    assert server.requests == 1  # chunks were handed out: never sent again


@pytest.mark.parametrize("content_type", FORMATS)
def test_chunked_answer_ending_on_a_partial_chunk_raises(
        captured: dict[tuple[str, bool], bytes], content_type: str) -> None:
    three = b"".join(documents(captured[content_type, True], content_type)[:3])
    with BadAnswers(Answer(three, content_type, chunked=True)) as server:
        values, error = rows_read(client(server).query(QUERY, chunked=True))
    assert values == list(range(300))
    assert type(error) is InfluxDBBrokenAnswerError
    assert str(error) == ("the chunked answer ended on a chunk marked partial (more was "
                          "announced): it was cut short")


@pytest.mark.parametrize("content_type", FORMATS)
def test_chunked_answer_cut_in_its_first_chunk_is_sent_again(
        captured: dict[tuple[str, bool], bytes], content_type: str) -> None:
    body = captured[content_type, True]
    with BadAnswers(Answer(body[:len(body) // 10], content_type, chunked=True),
                    Answer(body, content_type, chunked=True)) as server:
        chunks = client(server).query(QUERY, chunked=True)
        assert [p["v"] for chunk in chunks for p in chunk.get_points()] == list(range(ROWS))
    assert server.requests == 2


# -- item 13: a whole answer cut short ----------------------------------------------------

@pytest.mark.parametrize("content_type", FORMATS)
def test_whole_answer_cut_short_is_sent_again_then_raises(
        captured: dict[tuple[str, bool], bytes], content_type: str) -> None:
    body = captured[content_type, False]
    with BadAnswers(Answer(body[:len(body) * 7 // 10], content_type)) as server:
        with pytest.raises(InfluxDBBrokenAnswerError) as info:
            client(server).query(QUERY)
    assert server.requests == 3  # QUICK: three attempts
    error = info.value
    assert isinstance(error, ValueError) and error.code is None and not error.too_large
    kind = "msgpack" if content_type == MSGPACK else "JSON"
    assert str(error).startswith(f"the answer is not valid {kind} (cut short or malformed): ")
    # The decoder's own error stays readable.
    assert isinstance(error.__cause__, ValueError)
    if content_type == JSON:
        assert type(error.__cause__) is json.JSONDecodeError


@pytest.mark.parametrize("content_type", FORMATS)
def test_whole_answer_cut_short_once_then_read_whole(
        captured: dict[tuple[str, bool], bytes], content_type: str) -> None:
    body = captured[content_type, False]
    with BadAnswers(Answer(body[:len(body) // 2], content_type),
                    Answer(body, content_type)) as server:
        result = client(server).query(QUERY)
    assert [p["v"] for p in result.get_points()] == list(range(ROWS))
    assert server.requests == 2


# -- item 10: drip, endless body, endless line --------------------------------------------

@pytest.mark.parametrize("chunked", [False, True], ids=["whole", "chunked"])
def test_deadline_ends_a_dripping_answer(captured: dict[tuple[str, bool], bytes],
                                         chunked: bool) -> None:
    # One byte every 0.5 s: each read is well within timeout=3, the whole would take
    # minutes.  deadline=2 ends the call at 2 s, waits and attempts included.
    body = captured[JSON, chunked]
    with BadAnswers(Answer(body, JSON, how="drip", interval=0.5, chunked=chunked)) as server:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout) as info:
            list(client(server, timeout=3, deadline=2).query(QUERY, chunked=chunked))
        elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 2 + 1.5, elapsed
    assert "deadline" in str(info.value)
    assert server.requests == 1  # no time left for another attempt


def test_deadline_per_call_overrides_the_clients(captured: dict[tuple[str, bool], bytes]) -> None:
    body = captured[JSON, False]
    with BadAnswers(Answer(body, JSON, how="drip", interval=0.5)) as server:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout):
            client(server, deadline=60).query(QUERY, deadline=1)
        assert time.monotonic() - started < 1 + 1.5


def test_deadline_leaves_a_fast_answer_alone(captured: dict[tuple[str, bool], bytes]) -> None:
    body = captured[MSGPACK, False]
    with BadAnswers(Answer(body, MSGPACK)) as server:
        with client(server, deadline=5) as one:
            for _ in range(3):  # the connection is reused: the watchdog never fired
                assert len(list(one.query(QUERY).get_points())) == ROWS
    assert server.requests == 3


@pytest.mark.parametrize("chunked", [False, True], ids=["body", "json-line"])
def test_endless_answer_ends_at_the_document_limit(chunked: bool) -> None:
    # A whole answer that never ends, or a chunked JSON answer whose one line never ends:
    # an error once the document passes max_document_size, holding about that much.
    limit = 1 << 20
    start = b'{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],'
    filler = b'"values":[[1,1],[2,2],[3,3],[4,4],[5,5],[6,6],[7,7],[8,8]],' * 2000
    with BadAnswers(Answer(start, JSON, how="endless", filler=filler,
                           chunked=True)) as server:
        gc.collect()
        tracemalloc.start()
        try:
            started = time.monotonic()
            with pytest.raises(InfluxDBBrokenAnswerError) as info:
                list(client(server, max_document_size=limit).query(QUERY, chunked=chunked))
            elapsed = time.monotonic() - started
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert info.value.too_large
    what = "one document of the chunked answer" if chunked else "the answer"
    assert str(info.value).startswith(f"{what} is larger than max_document_size=1048576 bytes")
    assert server.requests == 1  # too large is not asked for again
    assert elapsed < 10
    assert peak < 8 * limit, peak


def test_declared_length_over_the_limit_is_refused_before_reading() -> None:
    with BadAnswers(Answer(b"{}", JSON, how="stall", length=10 << 20)) as server:
        started = time.monotonic()
        with pytest.raises(InfluxDBBrokenAnswerError) as info:
            client(server, max_document_size=1 << 20).query(QUERY)
        assert time.monotonic() - started < 2
    assert str(info.value).startswith(
        "the answer is larger than max_document_size=1048576 bytes (10485760 bytes read)")


# -- item 14: a stall in the body is a ReadTimeout, for queries and writes ----------------

@pytest.mark.parametrize("call", ["query", "chunked-query", "write"])
def test_stall_in_the_body_raises_read_timeout(call: str) -> None:
    answer = Answer(b'{"results":[{"statement_id":0}]}\n' * 20, JSON, how="stall",
                    stall_after=20, chunked=call == "chunked-query")
    with BadAnswers(answer) as server:
        one = client(server, timeout=1, retries=2)
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout):
            if call == "write":
                one.write_points([{"measurement": "m", "fields": {"v": 1}}])
            else:
                list(one.query(QUERY, chunked=call == "chunked-query"))
        elapsed = time.monotonic() - started
    assert server.requests == 2  # a stall is retried like any timeout
    assert elapsed < 2 * 1 + 1 + 3
