"""The two scans of pre-built line protocol, in C and in Python: which lines have no time
(``_speedups.count_timeless`` against ``_core.stamps._count_timeless_plain``) and where the
lines of a body end (``_speedups.split_lines`` against
``_core.lines._split_quote_aware_py``); and the UDP datagrams cut from those lines.

The Python versions are the reference: the C ones must give the same answer for every
input, generated here with the edges of the format (timestamps, negative times, string
fields holding new lines, spaces and digits, escaped spaces, comments, trailing white
space, a lone backslash at the end, text that is not ASCII)."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influxdb import _stamping
from influxdb._accel import speedups
from influxdb._core import lines as core_lines
from influxdb._core import stamps
from influxdb._core.lines import _split_quote_aware_py, split_lines
from influxdb._core.stamps import (
    _count_timeless_plain,
    _line_is_timeless,
    _lines_of,
)
from influxdb._transports.udp import UDPSender
from influxdb.exceptions import InfluxDBInvalidPointError

needs_c = pytest.mark.needs_c  # tests/conftest.py: deselected under INFLUXDB_PURE_PYTHON=1

# -- generated lines -----------------------------------------------------------------------------
_SERIES = st.sampled_from(["m", "cpu,host=a", "m\\ x,t\\ k=v\\ 1", 'q"m,t="x', "#", "# m v=1",
                           "", "é,t=€", "m\\", "m,t=a\\,b"])
_TEXT = st.text(alphabet='ab 1 9\n\\"=,#é😀', max_size=8)
_VALUE = st.one_of(st.sampled_from(["1i", "0.5", "-5", "true", "1e9", "", '"', "x=y"]),
                   _TEXT.map(lambda text: '"' + text.replace('"', '\\"') + '"'),
                   _TEXT.map(lambda text: '"' + text))  # unterminated
_FIELD = st.tuples(st.sampled_from(["v", "s", "f\\ k", "a=b", "k\\,", "é"]), _VALUE).map(
    "=".join)
_FIELDS = st.lists(_FIELD, min_size=0, max_size=3).map(",".join)
_TIME = st.sampled_from(["", " 5", " -5", " 1700000000000000000", " ", "  7", " 12a", ' 1"',
                         " x=1", " 0.123456789012345678901234"])
_TRAIL = st.sampled_from(["", " ", "\t", "\r", "\\", "\n"])
LINES = st.one_of(
    st.tuples(_SERIES, st.sampled_from([" ", "", "  "]), _FIELDS, _TIME, _TRAIL).map(
        "".join),
    st.text(alphabet='m v=1 "\\\n#-\t,é', max_size=30),
)


# -- which lines have no time ------------------------------------------------------------------
@pytest.mark.parametrize("line,timeless", [
    ("m v=1", 1),
    ("m v=1 5", 0),
    ('m s="a b"', 1),
    ('m s="a 123"', 1),
    ('m s="a 12" 99', 0),
    ("m\\ x,t\\ k=v\\ 1 f\\ k=1", 1),
    ("m v=1 -5", 0),
    ("# a comment v=1", 0),
    ("", 0),
    ("m v=1 ", 0),
    ("m,t=é v=1", 1),
    ("m,t=😀 s=\"😀\"", 1),
    ("m,t=😀 v=1 5", 0),
    ("m v=1\nm v=2 5", -1),  # a new line: looked at closer
    ('m s="a\nb" 5', -1),
])
def test_count_timeless_plain_table(line: str, timeless: int) -> None:
    assert _count_timeless_plain([line]) == timeless
    if timeless >= 0:
        assert _line_is_timeless(line) is bool(timeless)


@needs_c
@pytest.mark.parametrize("lines,count", [
    ([], 0),
    (["m v=1", "m v=2 5", "m v=3", "# c"], 2),
    (("m v=1", "m v=2"), 2),
    (["m v=1", b"m v=2"], -1),
    (["m v=1", None], -1),
    (["m v=1", "a\nb"], -1),
])
def test_c_count_timeless_table(lines: Any, count: int) -> None:
    assert speedups.count_timeless(lines) == count == _count_timeless_plain(lines)


@needs_c
def test_c_count_timeless_takes_a_list_or_tuple_only() -> None:
    with pytest.raises(TypeError, match=r"count_timeless\(\) takes a list or tuple of str"):
        speedups.count_timeless(iter(["m v=1"]))


@needs_c
@settings(max_examples=400, deadline=None)
@given(lines=st.lists(LINES, max_size=12))
def test_c_count_timeless_is_the_python_rule(lines: list[str]) -> None:
    assert speedups.count_timeless(lines) == _count_timeless_plain(lines)
    for line in lines:
        assert speedups.count_timeless([line]) == _count_timeless_plain([line])


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(LINES, min_size=1, max_size=8), pure=st.booleans())
def test_lines_may_be_timeless_never_misses_a_timeless_line(
        lines: list[str], pure: bool) -> None:
    """What the writer decides: ``False`` only when no line of any item lacks a time (by the
    rule stamp_points applies); in C, exactly that when no item holds a new line."""
    truth = any(_line_is_timeless(line) for item in lines for line in _lines_of(item))
    saved = stamps.lines_may_be_timeless, stamps.count_timeless_lines
    if pure:
        stamps.lines_may_be_timeless = stamps._may_be_timeless_py
        stamps.count_timeless_lines = stamps._count_lines_py
    try:
        answer = stamps.lines_may_be_timeless(lines, "\n".join(lines))
        counted = [stamps.count_timeless_lines(item) for item in lines]
    finally:
        stamps.lines_may_be_timeless, stamps.count_timeless_lines = saved
    assert answer or not truth
    if speedups is not None and not pure and not any("\n" in line for line in lines):
        assert answer is truth
    assert counted == [sum(map(_line_is_timeless, _lines_of(item))) for item in lines]


def test_the_writer_stamps_what_the_check_finds() -> None:
    from influxdb import InfluxDBClient

    sent: list[bytes] = []
    client = InfluxDBClient(database="db")
    client._write_payload = lambda body, **params: sent.append(body)  # type: ignore[method-assign]
    try:
        with client.session() as session:
            session._front.clock = _stamping.Clock(lambda: 1000)
            session.write(["m v=1 5", "m v=1 -5", "# x=1", 'm s="a 12" 9'], protocol="line")
            session.write(["m v=1 5", 'm s="a 12"'], protocol="line")
            session.write(["m v=1 5", 'm s="a\nb 5"'], protocol="line")
    finally:
        client.close()
    assert b"".join(sent) == (b'm v=1 5\nm v=1 -5\n# x=1\nm s="a 12" 9\n'
                              b'm v=1 5\nm s="a 12" 1000\n'
                              b'm v=1 5\nm s="a\nb 5" 1001\n')


# -- where the lines of a body end ---------------------------------------------------------------
BODIES = st.one_of(
    st.lists(LINES, max_size=10).map(lambda lines: "\n".join(lines).encode()),
    st.binary(max_size=60).map(lambda raw: bytes(b"m v=1\"\\\n ,#\t\r\x00"[b % 13]
                                                 for b in raw)),
)


@needs_c
@settings(max_examples=500, deadline=None)
@given(body=BODIES)
def test_c_split_lines_is_the_python_split(body: bytes) -> None:
    assert speedups.split_lines(body) == _split_quote_aware_py(body)
    assert speedups.split_lines(body + b"\n") == _split_quote_aware_py(body + b"\n")


@pytest.mark.parametrize("body,lines", [
    (b'm s="a\nb" 1\nm v=2\n', [b'm s="a\nb" 1', b"m v=2"]),
    (b'm,t=a"b v=1\nm,t=c v="d\ne"\n', [b'm,t=a"b v=1', b'm,t=c v="d\ne"']),
    (b'm v="open\nm v=2\n', [b'm v="open', b"m v=2"]),
    (b"m v=1\n\n\nm v=2", [b"m v=1", b"m v=2"]),
    (b'm v="q"\n \n\t\r\nm v=2', [b'm v="q"', b"m v=2"]),  # white space only: no point
    (b'm s="x\\"\ny",t=1i 3\n', [b'm s="x\\"\ny",t=1i 3']),
    (b'm\\\nx s="q" 5\n', [b'm\\\nx s="q" 5']),  # an escaped new line
    (b'm s="a"junk\nm v=2\n', [b'm s="a"junk', b"m v=2"]),
    (b'm s="a\nb"junk\nm v=2\n', [b'm s="a', b'b"junk', b"m v=2"]),
    (b'm s="q" 5\\', [b'm s="q" 5\\']),
])
@pytest.mark.parametrize("splitter", ["python", pytest.param("c", marks=needs_c)])
def test_split_lines_table(monkeypatch: pytest.MonkeyPatch, body: bytes, lines: list[bytes],
                           splitter: str) -> None:
    if splitter == "python":
        monkeypatch.setattr(core_lines, "_split_quote_aware", _split_quote_aware_py)
        monkeypatch.setattr(core_lines, "_split_body", core_lines._split_body_py)
    else:
        monkeypatch.setattr(core_lines, "_split_quote_aware", speedups.split_lines)
        monkeypatch.setattr(core_lines, "_split_body",
                            core_lines._split_body_c(speedups.split_lines))
    assert split_lines(body) == lines
    assert split_lines(body, len(lines)) == lines


@settings(max_examples=500, deadline=None)
@given(body=BODIES, hint=st.none() | st.integers(min_value=0, max_value=12))
def test_python_split_lines_is_the_reference(body: bytes, hint: Any) -> None:
    """The Python split's shortcuts (no '"', a matching count, no string left open at a new
    line) give the reference's lines."""
    saved = core_lines._split_body
    core_lines._split_body = core_lines._split_body_py
    try:
        lines = split_lines(body, hint)
    finally:
        core_lines._split_body = saved
    reference = _split_quote_aware_py(body if body.endswith(b"\n") else body + b"\n")
    if hint is None or lines == reference:
        assert lines == reference
    else:  # a count that matches the new lines is trusted (the batching writer's count)
        assert len(lines) == hint


def test_python_split_takes_the_plain_path_when_no_string_is_left_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []

    def reference(body: bytes) -> list[bytes]:
        calls.append(body)
        return _split_quote_aware_py(body)

    monkeypatch.setattr(core_lines, "_split_quote_aware_py", reference)
    monkeypatch.setattr(core_lines, "_split_body", core_lines._split_body_py)
    closed = b'm,t="x s="a b",u="c\\"d" 1\nm s="=\\\\" 2\n'
    assert split_lines(closed) == [b'm,t="x s="a b",u="c\\"d" 1', b'm s="=\\\\" 2']
    assert calls == []
    for body in (b'm s="a\nb" 1\n', b'm\\\n v=1 1\n', b'm s="a\\"\nb" 1\n', b'm v=1\n \n',
                 b' \nm v=1\n'):
        split_lines(body)
    assert len(calls) == 5


@needs_c
def test_c_split_lines_takes_bytes_only() -> None:
    with pytest.raises(TypeError, match=r"split_lines\(\) takes bytes"):
        speedups.split_lines("m v=1\n")


def _cpu(run: Callable[[], Any]) -> float:
    started = time.process_time()
    run()
    return time.process_time() - started


@needs_c
def test_c_split_of_a_large_body_of_strings_is_linear_and_quick() -> None:
    body = b"".join(b'm,n=%07d s="some text, 12 a\\"b",v=%di %d\n' % (i, i, i)
                    for i in range(100_000))
    body += b'm s="open\n' * 1000  # unterminated strings: no scan to the end of the body
    python = min(_cpu(lambda: _split_quote_aware_py(body)) for _ in range(2))
    c = min(_cpu(lambda: speedups.split_lines(body)) for _ in range(2))
    assert len(speedups.split_lines(body)) == 101_000
    assert c * 5 < python, (c, python)  # about 40 times quicker on an idle machine


# -- UDP datagrams -----------------------------------------------------------------------------
def _greedy(lines: list[bytes], limit: int) -> list[bytes]:
    """Datagrams filled line by line: what UDPSender.datagrams must give."""
    out: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit:
            out.append(b"\n".join(current) + b"\n")
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        out.append(b"\n".join(current) + b"\n")
    return out


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=60),
       limit=st.integers(min_value=62, max_value=400), newline_in_strings=st.booleans())
def test_datagrams_are_filled_line_by_line(sizes: list[int], limit: int,
                                          newline_in_strings: bool) -> None:
    text = "a\nb" if newline_in_strings else "ab"
    lines = [f'm s="{text}",p="{"x" * size}" {i}'.encode() for i, size in enumerate(sizes)]
    lines = [line for line in lines if len(line) + 1 <= limit]
    payload = b"\n".join(lines) + b"\n"
    sender = UDPSender("127.0.0.1", 9, max_datagram=limit)
    try:
        datagrams = sender.datagrams(payload)
    finally:
        sender.close()
    if len(payload) <= limit:
        assert datagrams == [payload]
    else:
        assert datagrams == _greedy(lines, limit)


def test_datagrams_name_the_first_line_too_long() -> None:
    sender = UDPSender("127.0.0.1", 9, max_datagram=50)
    try:
        with pytest.raises(InfluxDBInvalidPointError) as info:
            sender.datagrams(b"m v=1 1\n" * 10 + b"m s=\"" + b"y" * 60 + b"\" 2\n" +
                             b"m s=\"" + b"z" * 70 + b"\" 3\n")
    finally:
        sender.close()
    assert str(info.value) == (
        "line 11 of the payload (69 bytes) does not fit in one UDP datagram (max 50 bytes); "
        "nothing was sent: b'm s=\"" + "y" * 60 + "\" 2'...")


def test_datagrams_of_a_payload_of_blank_lines_are_none() -> None:
    sender = UDPSender("127.0.0.1", 9, max_datagram=10)
    try:
        assert sender.datagrams(b"\n" * 20) == []
    finally:
        sender.close()
