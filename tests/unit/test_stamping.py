"""Points without a time (influxdb._core.stamps, influxdb._stamping): the client's clock
in the batching writer, sessions and the SeriesHelper; the warnings where a coarse precision
or one write_points request makes points share a time.  Against a client whose sending is
recorded; the real server is in tests/integration/test_timeless_server.py."""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import pickle
import threading
from typing import Any, Optional

import pytest

import influxdb.helper as helper_module
from influxdb import InfluxDBClient, _accel, line_protocol
from influxdb._core.stamps import (
    StampedTime,
    _line_is_timeless,
    _line_series,
    has_timeless,
    lines_all_timed,
    series_of,
    stamp_points,
)
from influxdb._stamping import Clock, SharedStamps
from influxdb.batching import BatchWriter, Session
from influxdb.helper import SeriesHelper
from influxdb.point import Point

NOW = 1_700_000_000_123_456_789  # 2023-11-14T22:13:20.123456789Z


class FrozenClock(Clock):
    """A clock whose system time never moves (as a coarse system clock within one tick)."""

    def __init__(self, now: int = NOW) -> None:
        super().__init__(lambda: now)


class Recorder:
    """Replaces a client's ``_write_payload``: keeps each body and its parameters."""

    def __init__(self, client: InfluxDBClient) -> None:
        self.sent: list[tuple[bytes, dict[str, Any]]] = []
        self.lock = threading.Lock()
        client._write_payload = self  # type: ignore[method-assign]

    def __call__(self, body: bytes, **params: Any) -> None:
        with self.lock:
            self.sent.append((body, params))

    def lines(self) -> list[str]:
        with self.lock:
            return [line for body, _ in self.sent for line in body.decode().splitlines()]


@pytest.fixture
def client() -> Any:
    client = InfluxDBClient(database="db")
    yield client
    client.close()


# -- the clock ---------------------------------------------------------------------------------
def test_clock_is_strictly_increasing_when_the_system_clock_stands_or_steps_back() -> None:
    readings = iter([100, 100, 100, 90, 250, 250])
    clock = Clock(lambda: next(readings))
    assert [clock.take() for _ in range(6)] == [100, 101, 102, 103, 250, 251]


def test_clock_reserves_consecutive_stamps() -> None:
    clock = FrozenClock(1000)
    assert clock.take(5) == 1000
    assert clock.take() == 1005


def test_clock_from_many_threads_never_gives_a_stamp_twice() -> None:
    clock = FrozenClock(1)
    taken: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        mine = [clock.take() for _ in range(2000)]
        with lock:
            taken.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(taken) == list(range(1, 8001))


# -- StampedTime -------------------------------------------------------------------------------
def test_stamped_time_is_an_aware_datetime_with_nanoseconds() -> None:
    stamp = StampedTime.from_nanos(NOW)
    assert (stamp.year, stamp.second, stamp.microsecond, stamp.nanosecond) == (
        2023, 20, 123456, 789)
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0
    assert stamp.nanos == NOW
    assert repr(stamp) == "StampedTime(2023-11-14T22:13:20.123456789Z)"
    assert copy.deepcopy(stamp).nanos == NOW
    assert copy.copy(stamp).nanos == NOW
    assert pickle.loads(pickle.dumps(stamp)).nanos == NOW
    assert StampedTime.from_nanos(-1).nanos == -1


@pytest.mark.parametrize("precision,line", [
    ("n", "m v=1i 1700000000123456789"),
    ("u", "m v=1i 1700000000123456"),
    ("ms", "m v=1i 1700000000123"),
    ("s", "m v=1i 1700000000"),
])
def test_stamped_time_is_encoded_to_the_nanosecond_and_floored(precision: str,
                                                                line: str) -> None:
    from influxdb.line_protocol import make_line

    assert make_line("m", None, {"v": 1}, StampedTime.from_nanos(NOW), precision) == line


# -- which lines and points have a time -------------------------------------------------------
@pytest.mark.parametrize("line,timeless", [
    ("m v=1", True),
    ("m v=1 5", False),
    ("m,host=a v=1,w=2i 1700000000000000000", False),
    ('m s="a b"', True),
    ('m s="a 123"', True),
    ('m s="x",v=1', True),
    ('m s="a 12" 99', False),
    ("m\\ x,t\\ k=v\\ 1 f\\ k=1", True),
    ("m v=1 -5", False),
    ("# a comment v=1", False),
    ("", False),
    ("m v=1 ", False),  # trailing space: sent as it is, the server decides
])
def test_line_is_timeless(line: str, timeless: bool) -> None:
    assert _line_is_timeless(line) is timeless


@pytest.mark.parametrize("lines,timed", [
    (["m v=1 5", "m v=2 6"], True),
    (["m v=1 5", "m v=2"], False),
    (["m v=1.5"], False),
    (['m s="a b" 7'], True),
    (["m,host=a value=0.5 1700000000000000000"], True),
    (["m,host=a value=0.123456789012345678901234"], False),  # digits beyond the window
    (["m v=1 -5"], False),  # negative: looked at closer, then left as it is
    (['m s="a\nb" 5'], False),  # a new line in a string: looked at closer
    (["m v=1", "x 5\ny 6"], False),  # an item holding two lines
    (["m v=1\nm w=2 123456789012345678", "n v=1 5"], False),
    ([""], False),
])
def test_lines_all_timed(lines: list[str], timed: bool) -> None:
    assert lines_all_timed(lines, "\n".join(lines)) is timed


@pytest.mark.parametrize("line,series", [
    ("m,host=a v=1", "m,host=a"),
    ("m\\ x,t\\ k=v\\ 1 f=1", "m\\ x,t\\ k=v\\ 1"),
    ("m\\\\ v=1", "m\\\\"),
    ("nospace", "nospace"),
])
def test_line_series(line: str, series: str) -> None:
    assert _line_series(line) == series


def test_has_timeless_by_kind() -> None:
    timed = {"measurement": "m", "fields": {"v": 1}, "time": 5}
    bare = {"measurement": "m", "fields": {"v": 1}}
    assert has_timeless([timed, timed]) is False
    assert has_timeless([timed, bare]) is True
    assert has_timeless([timed, {**bare, "time": None}]) is True
    assert has_timeless([Point("m").field("v", 1).time(5), timed]) is False
    assert has_timeless([timed, Point("m").field("v", 1)]) is True
    assert has_timeless(["m v=1 5", timed]) is False
    assert has_timeless(["m v=1 5\nm v=2", timed]) is True
    assert has_timeless([]) is False


def test_series_of_merges_tags_as_the_encoder_does() -> None:
    point = {"measurement": "m", "tags": {"b": 2, "a": "x", "e": "", "n": None},
             "fields": {"v": 1}}
    assert series_of(point, {"a": "default", "z": "zz"}) == "m,a=x,b=2,z=zz"
    assert series_of(Point("p").tag("h", "a").field("v", 1), None) == "p,h=a"


def test_stamp_points_copies_what_it_stamps() -> None:
    bare = {"measurement": "m", "tags": {"h": "a"}, "fields": {"v": 1}}
    timed = {"measurement": "m", "fields": {"v": 2}, "time": 7}
    point = Point("p").field("v", 3)
    series: list[tuple[str, int]] = []
    out = stamp_points([bare, timed, point, "l v=4", "l v=5 9"], "ms", FrozenClock(),
                       {"d": "x"}, series)
    assert out == [
        {"measurement": "m", "tags": {"h": "a"}, "fields": {"v": 1}, "time": 1700000000123},
        timed,
        {"measurement": "p", "tags": {}, "fields": {"v": 3}, "time": 1700000000123},
        "l v=4 1700000000123",
        "l v=5 9",
    ]
    assert out[1] is timed
    assert bare == {"measurement": "m", "tags": {"h": "a"}, "fields": {"v": 1}}
    assert point.timestamp is None
    assert series == [("m,d=x,h=a", 1700000000123), ("p,d=x", 1700000000123),
                      ("l", 1700000000123)]


def test_stamp_points_stamps_each_line_of_a_text_holding_several() -> None:
    out = stamp_points(['a s="x\ny"\nb v=1 5\nc v=2'], None, FrozenClock(), None)
    assert out == [f'a s="x\ny" {NOW}\nb v=1 5\nc v=2 {NOW + 1}']


# -- the coarse-precision warning ----------------------------------------------------------------
def test_shared_stamps_warn_once_the_series_moves_on(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test.shared")
    shared = SharedStamps("Writer", log)
    with caplog.at_level(logging.WARNING, logger="test.shared"):
        shared.add("db", "s", [("m,h=a", 10), ("m,h=a", 10), ("m,h=b", 10), ("m,h=a", 10)])
        assert caplog.messages == []
        shared.add("db", "s", [("m,h=a", 11), ("m,h=b", 11)])
        assert caplog.messages == [
            "Writer: 3 points of series 'm,h=a' were written without a time and stamped 10 "
            "at precision 's': they share that time, so the server keeps only the last of "
            "them. Give the points times, a finer time_precision, or a tag that tells them "
            "apart (docs: 'Points without a time')."]
        shared.add("db", "s", [("m,h=b", 11)])
        shared.report()
        assert len(caplog.messages) == 2
        assert caplog.messages[1].startswith("Writer: 2 points of series 'm,h=b' were written "
                                             "without a time and stamped 11 at precision 's'")
        shared.report()  # reported once
        shared.add("db", "n", [("m,h=c", 5), ("m,h=c", 5)])  # nanoseconds: never counted
        shared.report()
        assert len(caplog.messages) == 2


def test_shared_stamps_tell_databases_apart(caplog: pytest.LogCaptureFixture) -> None:
    shared = SharedStamps("Writer", logging.getLogger("test.shared"))
    with caplog.at_level(logging.WARNING, logger="test.shared"):
        shared.add("db1", "s", [("m", 10)])
        shared.add("db2", "s", [("m", 10)])
        shared.report()
    assert caplog.messages == []


def test_shared_stamps_hold_a_bounded_number_of_series(caplog: pytest.LogCaptureFixture) -> None:
    shared = SharedStamps("Writer", logging.getLogger("test.shared"), limit=3)
    with caplog.at_level(logging.WARNING, logger="test.shared"):
        shared.add(None, "s", [("a", 1), ("a", 1), ("b", 1), ("c", 1), ("d", 1)])
    assert len(shared._open) == 1
    assert [m.split(" were")[0] for m in caplog.messages] == [
        "Writer: 2 points of series 'a'"]


# -- the batching writer and sessions ------------------------------------------------------------
def test_writer_stamps_every_timeless_point_distinctly(client: InfluxDBClient) -> None:
    recorder = Recorder(client)
    with client.batch_writer(batch_size=1000, flush_interval=None) as writer:
        writer._front.clock = FrozenClock()
        for i in range(100):
            writer.write_point("collapse", {"v": float(i)}, tags={"host": "a"})
    lines = recorder.lines()
    assert lines == [f"collapse,host=a v={float(i)!r} {NOW + i}" for i in range(100)]
    assert len(recorder.sent) == 1  # one batch, one request, 100 distinct times


def test_default_clock_gives_distinct_increasing_times(client: InfluxDBClient) -> None:
    recorder = Recorder(client)
    with client.session() as session:
        for i in range(1000):
            session.write_point("m", {"v": i})
    stamps = [int(line.rsplit(" ", 1)[1]) for line in recorder.lines()]
    assert len(stamps) == 1000
    assert stamps == sorted(set(stamps))


@dataclasses.dataclass
class Reading:
    room: str
    celsius: float


def test_session_stamps_every_input_form_and_copies_what_it_stamps(
        client: InfluxDBClient) -> None:
    recorder = Recorder(client)
    bare = {"measurement": "d", "fields": {"v": 1}}
    point = Point("p").field("v", 2)
    with client.session(tags={"app": "x"}) as session:
        session._front.clock = FrozenClock()
        session.write(bare)
        session.write([point, {"measurement": "t", "fields": {"v": 3}, "time": 5}])
        session.write(["l v=4", "l v=5 6", "# comment"], protocol="line")
        session.write([b"b v=6"], protocol="line")
        session.write(Reading("kitchen", 21.5), record_measurement="temp",
                      record_tag_keys=["room"])
        session.write("j v=7")  # a line among points (protocol='json')
    assert recorder.lines() == [
        f"d,app=x v=1i {NOW}",
        f"p,app=x v=2i {NOW + 1}",
        "t,app=x v=3i 5",
        f"l v=4 {NOW + 2}",
        "l v=5 6",
        "# comment",
        f"b v=6 {NOW + 3}",
        f"temp,app=x,room=kitchen celsius=21.5 {NOW + 4}",
        f"j v=7 {NOW + 5}",
    ]
    assert bare == {"measurement": "d", "fields": {"v": 1}}
    assert point.timestamp is None


@pytest.mark.parametrize("precision,stamp", [("u", NOW // 1000), ("ms", NOW // 10**6),
                                             ("s", NOW // 10**9), ("h", NOW // 3_600_000_000_000)])
def test_coarse_precision_floors_and_warns_naming_the_series(
        client: InfluxDBClient, caplog: pytest.LogCaptureFixture, precision: str,
        stamp: int) -> None:
    recorder = Recorder(client)
    with caplog.at_level(logging.WARNING, logger="influxdb.batching"):
        with client.session(time_precision=precision) as session:
            session._front.clock = FrozenClock()
            for i in range(17):
                session.write_point("m", {"v": i}, tags={"host": "a"})
            session.write_point("m", {"v": 0}, tags={"host": "b"})  # alone: no warning
    assert recorder.lines()[0] == f"m,host=a v=0i {stamp}"
    assert recorder.sent[0][1]["precision"] == precision
    assert caplog.messages == [
        f"Session: 17 points of series 'm,host=a' were written without a time and stamped "
        f"{stamp} at precision {precision!r}: they share that time, so the server keeps only "
        f"the last of them. Give the points times, a finer time_precision, or a tag that "
        f"tells them apart (docs: 'Points without a time')."]


def test_writer_warns_when_a_series_moves_to_the_next_unit(
        client: InfluxDBClient, caplog: pytest.LogCaptureFixture) -> None:
    Recorder(client)
    now = [NOW]
    with caplog.at_level(logging.WARNING, logger="influxdb.batching"):
        writer = client.batch_writer(time_precision="s", flush_interval=None)
        writer._front.clock = Clock(lambda: now[0])
        for _ in range(3):
            writer.write_point("m", {"v": 1})
        assert caplog.messages == []
        now[0] += 10**9
        writer.write_point("m", {"v": 1})
        assert [m.split(" were")[0] for m in caplog.messages] == [
            "BatchWriter: 3 points of series 'm'"]
        writer.close()
    assert len(caplog.messages) == 1


def test_nanosecond_writes_never_warn(client: InfluxDBClient,
                                      caplog: pytest.LogCaptureFixture) -> None:
    Recorder(client)
    with caplog.at_level(logging.WARNING):
        with client.session() as session:
            session._front.clock = FrozenClock()
            for _ in range(10):
                session.write_point("m", {"v": 1})
    assert caplog.messages == []


def test_points_with_times_are_sent_unchanged(client: InfluxDBClient) -> None:
    recorder = Recorder(client)
    with client.session(time_precision="s") as session:
        session.write([{"measurement": "m", "fields": {"v": i}, "time": 7} for i in range(3)])
        session.write(["m v=1 8", "m v=2 8"], protocol="line")
    assert recorder.lines() == ["m v=0i 7", "m v=1i 7", "m v=2i 7", "m v=1 8", "m v=2 8"]


# -- write_points: the server's time, and a warning --------------------------------------------
_SERVER_TIME = ("The server gives every point of a request the same time, so it keeps only "
                "the last point of each series. Give the points times, or write them through "
                "client.batch_writer() or client.session(), which stamp them with the "
                "client's clock.")


def test_write_points_warns_about_timeless_points_of_one_series(
        client: InfluxDBClient, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(client)
    points = [{"measurement": "m", "tags": {"host": "a"}, "fields": {"v": i}} for i in range(3)]
    points += [{"measurement": "m", "tags": {"host": "b"}, "fields": {"v": 1}},
               Point("m").tag("host", "c").field("v", 1),
               Point("m").tag("host", "c").field("v", 2)]
    with caplog.at_level(logging.WARNING, logger="influxdb"):
        assert client.write_points(points, tags={"dc": "x"}) is True
    assert len(recorder.sent) == 1  # one request, as 5.3.2 sent
    assert recorder.lines()[0] == "m,dc=x,host=a v=0i"  # the server's time, as in 5.3.2
    assert caplog.messages == [
        "write_points: one request carries several points of one series without a time: "
        "3 of series 'm,dc=x,host=a', 2 of series 'm,dc=x,host=c'. " + _SERVER_TIME]


def test_write_points_warns_per_request(client: InfluxDBClient,
                                        caplog: pytest.LogCaptureFixture) -> None:
    Recorder(client)
    points = [{"measurement": "m", "fields": {"v": i}} for i in range(4)]
    with caplog.at_level(logging.WARNING, logger="influxdb"):
        client.write_points(points, batch_size=3)
        client.write_points(iter(points), batch_size=3)
        client.write_points(iter(points))
    assert [m.split(": ")[2].split(".")[0] for m in caplog.messages] == [
        "3 of series 'm'", "3 of series 'm'", "4 of series 'm'"]


@pytest.mark.parametrize("points,protocol", [
    ([{"measurement": "m", "fields": {"v": i}, "time": i} for i in range(3)], "json"),
    ([{"measurement": "m", "tags": {"h": str(i)}, "fields": {"v": i}} for i in range(3)],
     "json"),
    ([{"measurement": f"m{i}", "fields": {"v": i}} for i in range(3)], "json"),
    ([{"measurement": "m", "fields": {"v": 1}}], "json"),
    (["m v=1", "m v=2"], "line"),  # lines are sent as given, unchecked
])
def test_write_points_is_quiet_otherwise(client: InfluxDBClient,
                                         caplog: pytest.LogCaptureFixture,
                                         points: list[Any], protocol: str) -> None:
    Recorder(client)
    with caplog.at_level(logging.WARNING):
        client.write_points(points, protocol=protocol)
    assert caplog.messages == []


# -- SeriesHelper ------------------------------------------------------------------------------
class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[tuple[list[dict[str, Any]], Optional[str]]] = []

    def write_points(self, points: list[dict[str, Any]], time_precision: Optional[str] = None,
                     **kwargs: Any) -> bool:
        self.calls.append((copy.deepcopy(points), time_precision))
        return True


def helper(precision: Optional[str], client: Any) -> Any:
    meta = type("Meta", (), {"client": client, "series_name": "events.{server}",
                             "fields": ["value"], "tags": ["server"],
                             "time_precision": precision})
    return type("Events", (SeriesHelper,), {"Meta": meta})


def test_helper_stamps_distinct_nanoseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helper_module, "CLOCK", FrozenClock())
    Events = helper(None, RecordingClient())
    for i in range(1000):
        Events(server="a", value=float(i))
    times = [point["time"] for point in Events._json_body_()]
    assert [t.nanos for t in times] == [NOW + i for i in range(1000)]
    assert all(isinstance(t, StampedTime) for t in times)


@pytest.mark.parametrize("precision,stamp", [("ms", NOW // 10**6), ("s", NOW // 10**9)])
def test_helper_warns_where_the_precision_cannot_keep_points_apart(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        precision: str, stamp: int) -> None:
    monkeypatch.setattr(helper_module, "CLOCK", FrozenClock())
    client = RecordingClient()
    Events = helper(precision, client)
    with caplog.at_level(logging.WARNING, logger="influxdb.helper"):
        for i in range(100):
            Events(server="a", value=float(i))
        Events(server="b", value=1.0)
        Events.commit()
    assert client.calls[0][1] == precision
    assert caplog.messages == [
        f"Events: 100 points of series 'events.a,server=a' were written without a time and "
        f"stamped {stamp} at precision {precision!r}: they share that time, so the server "
        f"keeps only the last of them. Give the points times, a finer time_precision, or a "
        f"tag that tells them apart (docs: 'Points without a time')."]


def test_helper_keeps_a_subclass_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timezone

    fixed = datetime(2020, 1, 1, tzinfo=timezone.utc)
    meta = type("Meta", (), {"series_name": "s", "fields": ["v"], "tags": []})
    Fixed = type("Fixed", (SeriesHelper,), {
        "Meta": meta, "_current_timestamp": staticmethod(lambda: fixed)})
    Fixed(v=1)
    assert Fixed._json_body_()[0]["time"] is fixed


def test_writer_class_names_in_warnings(client: InfluxDBClient) -> None:
    writer = BatchWriter(client, flush_interval=None)
    session = Session(client)
    assert (writer._front.shared.who, session._front.shared.who) == ("BatchWriter", "Session")
    writer.close()


# -- the encoders count timeless points while encoding -------------------------------------------
_needs_c = pytest.mark.needs_c  # tests/conftest.py: deselected under INFLUXDB_PURE_PYTHON=1


@pytest.mark.parametrize("c_encoder", [pytest.param(True, marks=_needs_c), False])
def test_encoders_count_points_without_a_time(monkeypatch: pytest.MonkeyPatch,
                                              c_encoder: bool) -> None:
    if not c_encoder:
        monkeypatch.setattr(line_protocol, "_encode_points", line_protocol._encode_points_py)
    points = [{"measurement": "m", "fields": {"v": 1}},                       # plain, no time
              {"measurement": "m", "fields": {"v": 1}, "time": 5},            # plain, time
              {"measurement": "m", "fields": {"v": 1}, "time": None},         # plain, no time
              {"measurement": "m", "fields": {"v": 1}, "time": "2020-01-01T00:00:00Z"},
              Point("p").field("v", 1),                                       # Python, no time
              Point("p").field("v", 1).time(7)]
    line_protocol._encode_body(points, None, None, None)  # the C encoder learns the shapes
    counts = [10]
    body = line_protocol._encode_body(points, None, None, None, 0, counts)
    assert counts == [13]
    assert body == (b"m v=1i\nm v=1i 5\nm v=1i\nm v=1i 1577836800000000000\np v=1i\n"
                    b"p v=1i 7\n")
    counts = [0]
    assert line_protocol._encode(points[:2], None, None, "s", timeless=counts) == [
        "m v=1i", "m v=1i 5"]
    assert counts == [1]


@_needs_c
def test_c_encoder_refuses_a_bad_counts_argument() -> None:
    with pytest.raises(TypeError, match="counts must be a list of at least three items"):
        _accel.speedups.encode([], None, None, {}, 0, 1, 1, None, True, [0])


def test_client_counts_lines_among_points(client: InfluxDBClient) -> None:
    counts = [0]
    body = client._encode_points([{"measurement": "m", "fields": {"v": 1}}, "l v=1",
                                  "l v=2 5", 'l s="a\nb"\nl v=3'], timeless=counts)
    assert body == b'm v=1i\nl v=1\nl v=2 5\nl s="a\nb"\nl v=3\n'
    assert counts == [4]


def test_a_large_write_is_counted_while_encoded_and_stamped(client: InfluxDBClient) -> None:
    recorder = Recorder(client)
    timed = [{"measurement": "m", "fields": {"v": i}, "time": i} for i in range(100)]
    calls: list[Any] = []
    real = client._encode_points

    def encode(points: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs.get("timeless"))
        return real(points, **kwargs)

    client._encode_points = encode  # type: ignore[method-assign]
    with client.session() as session:
        session._front.clock = FrozenClock()
        session.write(timed)
        assert calls == [[0]]  # encoded once, nothing timeless counted
        session.write(timed[:50] + [{"measurement": "m", "fields": {"v": -1}}] + timed[50:])
        assert calls == [[0], [1], None]  # counted, then encoded again with the stamp
    lines = recorder.lines()
    assert len(lines) == 201
    assert lines[150] == f"m v=-1i {NOW}"


def test_write_points_warns_for_a_large_write_too(client: InfluxDBClient,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    Recorder(client)
    timed = [{"measurement": "m", "fields": {"v": i}, "time": i} for i in range(200)]
    bare = {"measurement": "m", "fields": {"v": 0}}
    with caplog.at_level(logging.WARNING, logger="influxdb"):
        client.write_points(timed + [bare])  # one timeless point: nothing to lose
        assert caplog.messages == []
        client.write_points([bare] + timed + [bare])
    assert [m.split(": ")[2].split(".")[0] for m in caplog.messages] == ["2 of series 'm'"]


def test_a_forked_child_stamps_and_counts(tmp_path: Any) -> None:
    """Locks held by a parent's thread at fork() must not hang the child."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import logging, os, threading
        from influxdb import _stamping
        shared = _stamping.SharedStamps("W", logging.getLogger("x"))
        shared._lock.acquire(); _stamping.CLOCK._lock.acquire()  # as a thread in the parent
        pid = os.fork()
        if pid == 0:
            first = _stamping.CLOCK.take()
            shared.add(None, "s", [("m", 1), ("m", 1)])
            os._exit(0 if first > 0 else 1)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                             os.path.abspath(__file__)))))
    assert (out.returncode, out.stdout.strip()) == (0, "0"), out.stderr
