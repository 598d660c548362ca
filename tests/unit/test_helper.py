"""SeriesHelper (influxdb.helper) against a recording client: the 5.3.2 contract, plus the
fixes: a lock around the buffer, Meta never edited, every precision the writes accept ('n',
'ns', 'us'), bad points refused when created."""

from __future__ import annotations

import copy
import threading
import time
from datetime import datetime, timezone
from typing import Any, Optional

import pytest

from influxdb.exceptions import (
    InfluxDBArgumentAttributeError,
    InfluxDBInvalidPointError,
    InfluxDBServerError,
)
from influxdb.helper import SeriesHelper

AT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)


class RecordingClient:
    """Records what ``write_points`` receives; can fail or be slow on demand."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail: Optional[BaseException] = None
        self.delay = 0.0
        self.during_write: Optional[Any] = None
        self.lock = threading.Lock()

    def write_points(self, points: list[dict[str, Any]], time_precision: Optional[str] = None,
                     retention_policy: Optional[str] = None, **kwargs: Any) -> bool:
        if self.during_write is not None:
            self.during_write()
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        with self.lock:
            self.calls.append({"points": copy.deepcopy(points), "time_precision": time_precision,
                               "retention_policy": retention_policy, **kwargs})
        return True

    def written(self) -> list[dict[str, Any]]:
        with self.lock:
            return [p for call in self.calls for p in call["points"]]


def make_helper(name: str = "Cpu", **meta: Any) -> type[SeriesHelper]:
    """A fresh SeriesHelper subclass (each test gets its own class-level buffer)."""
    attrs = {"series_name": "cpu.{host}", "fields": ["load", "temp"], "tags": ["host"]}
    attrs.update(meta)
    meta_class = type("Meta", (), attrs)
    return type(name, (SeriesHelper,), {"Meta": meta_class})


def test_buffer_and_json_body_shape() -> None:
    Cpu = make_helper()
    Cpu(host="a", load=0.5, time=AT)
    Cpu(host="b", load=0.7, temp=40, time=AT)
    Cpu(host="a", temp=41, time=AT)
    assert Cpu._json_body_() == [
        {"measurement": "cpu.a", "fields": {"load": 0.5}, "tags": {"host": "a"}, "time": AT},
        {"measurement": "cpu.a", "fields": {"temp": 41}, "tags": {"host": "a"}, "time": AT},
        {"measurement": "cpu.b", "fields": {"load": 0.7, "temp": 40}, "tags": {"host": "b"},
         "time": AT},
    ]


def test_series_name_may_use_fields_too() -> None:
    Cpu = make_helper(series_name="{host}.{load}")
    Cpu(host="a", load=1, time=AT)
    assert Cpu._json_body_()[0]["measurement"] == "a.1"


def test_default_time_is_now_in_utc() -> None:
    Cpu = make_helper()
    before = datetime.now(timezone.utc)
    Cpu(host="a", load=1)
    stamp = Cpu._json_body_()[0]["time"]
    assert stamp.tzinfo is timezone.utc
    assert before <= stamp <= datetime.now(timezone.utc)


def test_json_body_of_a_helper_never_instantiated_is_empty() -> None:
    assert make_helper()._json_body_() == []


def test_commit_writes_once_and_empties_the_buffer() -> None:
    client = RecordingClient()
    Cpu = make_helper(client=client, time_precision="s", retention_policy="rp1")
    Cpu(host="a", load=1, time=AT)
    Cpu(host="b", load=2, time=AT)
    assert Cpu.commit() is True
    assert client.calls == [{
        "points": [
            {"measurement": "cpu.a", "fields": {"load": 1}, "tags": {"host": "a"}, "time": AT},
            {"measurement": "cpu.b", "fields": {"load": 2}, "tags": {"host": "b"}, "time": AT},
        ],
        "time_precision": "s", "retention_policy": "rp1"}]
    assert Cpu._json_body_() == []


def test_commit_with_another_client() -> None:
    meta_client, other = RecordingClient(), RecordingClient()
    Cpu = make_helper(client=meta_client)
    Cpu(host="a", load=1, time=AT)
    Cpu.commit(other)
    assert (len(meta_client.calls), len(other.written())) == (0, 1)


def test_commit_without_any_client() -> None:
    Cpu = make_helper()
    Cpu(host="a", load=1, time=AT)
    with pytest.raises(AttributeError, match="no client given to commit"):
        Cpu.commit()


def test_failed_commit_keeps_the_points() -> None:
    client = RecordingClient()
    client.fail = InfluxDBServerError("down", 503)
    Cpu = make_helper(client=client)
    Cpu(host="a", load=1, time=AT)
    with pytest.raises(InfluxDBServerError):
        Cpu.commit()
    assert len(Cpu._json_body_()) == 1
    client.fail = None
    Cpu.commit()
    assert len(client.written()) == 1
    assert Cpu._json_body_() == []


def test_points_created_during_a_commit_stay_for_the_next_one() -> None:
    client = RecordingClient()
    Cpu = make_helper(client=client)
    Cpu(host="a", load=1, time=AT)
    client.during_write = lambda: Cpu(host="late", load=2, time=AT)
    Cpu.commit()
    client.during_write = None
    assert [p["tags"]["host"] for p in client.written()] == ["a"]
    assert [p["tags"]["host"] for p in Cpu._json_body_()] == ["late"]


@pytest.mark.parametrize(("given", "sent"), [("n", "n"), ("ns", "n"), ("u", "u"), ("us", "u"),
                                             ("ms", "ms"), ("s", "s"), ("m", "m"), ("h", "h"),
                                             (None, None)])
def test_time_precision_including_nanoseconds(given: Optional[str], sent: Optional[str]) -> None:
    # Every spelling write_points accepts, passed on in the write's spelling ('ns' -> 'n',
    # 'us' -> 'u'), so a 5.3.2-style client with write_points gets what it knew.
    client = RecordingClient()
    Cpu = make_helper(client=client, time_precision=given)
    Cpu(host="a", load=1, time=5)
    Cpu.commit()
    assert client.calls[0]["time_precision"] == sent


def test_autocommit_at_bulk_size() -> None:
    client = RecordingClient()
    Cpu = make_helper(client=client, bulk_size=3, autocommit=True)
    Cpu(host="a", load=1, time=AT)
    Cpu(host="a", load=2, time=AT)
    assert client.calls == []
    Cpu(host="a", load=3, time=AT)
    assert [len(c["points"]) for c in client.calls] == [3]
    assert Cpu._json_body_() == []


def test_autocommit_without_bulk_size_writes_every_point() -> None:
    client = RecordingClient()
    Cpu = make_helper(client=client, autocommit=True)
    Cpu(host="a", load=1, time=AT)
    Cpu(host="a", load=2, time=AT)
    assert [len(c["points"]) for c in client.calls] == [1, 1]


def test_meta_is_never_edited() -> None:
    fields = ["time", "load"]
    tags = ["host"]
    Cpu = make_helper(fields=fields, tags=tags, client=RecordingClient())
    before = dict(vars(Cpu.Meta))  # type: ignore[attr-defined]
    Cpu(host="a", load=1, time=AT)
    Cpu.commit()
    assert fields == ["time", "load"]  # 5.3.2 removed 'time' from this very list
    assert tags == ["host"]
    assert dict(vars(Cpu.Meta)) == before  # type: ignore[attr-defined]
    assert Cpu._fields == ["load"]


def test_each_subclass_has_its_own_buffer() -> None:
    Cpu = make_helper()
    Cpu(host="a", load=1, time=AT)

    class Mem(Cpu):  # type: ignore[valid-type, misc]
        class Meta:
            series_name = "mem"
            fields = ["used"]
            tags: list[str] = []

    Mem(used=5, time=AT)
    assert [p["measurement"] for p in Cpu._json_body_()] == ["cpu.a"]
    assert [p["measurement"] for p in Mem._json_body_()] == ["mem"]


def test_reset_drops_the_buffer() -> None:
    Cpu = make_helper()
    Cpu(host="a", load=1, time=AT)
    Cpu._reset_()
    assert Cpu._json_body_() == []


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"series_name": None}, "Missing series_name in Cpu Meta class."),
        ({"fields": None}, "Missing fields in Cpu Meta class."),
        ({"tags": None}, "Missing tags in Cpu Meta class."),
        ({"autocommit": True}, "In Cpu, autocommit is set to True, but no client is set."),
        ({"time_precision": "sec"},
         "In Cpu, time_precision is set, but invalid; use any of h, m, s, ms, u, us, n, ns."),
        ({"time_precision": "US"},
         "In Cpu, time_precision is set, but invalid; use any of h, m, s, ms, u, us, n, ns."),
        ({"time_precision": ["s"]},
         "In Cpu, time_precision is set, but invalid; use any of h, m, s, ms, u, us, n, ns."),
        ({"fields": "load"}, "In Cpu, fields must be a list of names."),
        ({"series_name": 5}, "In Cpu, series_name must be a str template."),
    ],
)
def test_meta_errors(meta: dict[str, Any], message: str) -> None:
    attrs = {"series_name": "cpu", "fields": ["load"], "tags": []}
    attrs.update(meta)
    attrs = {k: v for k, v in attrs.items() if v is not None}
    Cpu = type("Cpu", (SeriesHelper,), {"Meta": type("Meta", (), attrs)})
    with pytest.raises(AttributeError) as info:
        Cpu(load=1)
    assert str(info.value) == message


def test_an_invalid_time_precision_keeps_its_class_and_message_start() -> None:
    # Callers catch AttributeError and may match the message's beginning.
    Cpu = make_helper(time_precision="days")
    with pytest.raises(InfluxDBArgumentAttributeError) as info:
        Cpu(host="a", load=1, time=AT)
    assert isinstance(info.value, AttributeError)
    assert str(info.value).startswith("In Cpu, time_precision is set, but invalid; use any of ")


def test_missing_meta() -> None:
    class NoMeta(SeriesHelper):
        pass

    with pytest.raises(AttributeError, match=r"^Missing Meta class in NoMeta\.$"):
        NoMeta()


def test_bulk_size_without_autocommit_warns() -> None:
    Cpu = make_helper(bulk_size=5)
    with pytest.warns(UserWarning, match="Definition of bulk_size in Cpu has no affect because "
                                         "autocommit is false."):
        Cpu(host="a", load=1)


def test_bulk_size_below_one_is_forced_to_one() -> None:
    Cpu = make_helper(bulk_size=0, autocommit=True, client=RecordingClient())
    with pytest.warns(UserWarning, match="Definition of bulk_size in Cpu forced to 1, was less "
                                         "than 1."):
        Cpu(host="a", load=1)
    assert Cpu._bulk_size == 1


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"load": 1}, NameError, "Expected arguments to contain all tags ['host'], instead got "
                                 "['load']."),
        ({"host": "a", "load": 1, "cpu": 2}, NameError,
         "Got arguments not in tags or fields: ['cpu']"),
        ({"host": "a"}, InfluxDBInvalidPointError,
         "point of series 'cpu.a' has no field value (fields: ['load', 'temp'])"),
        ({"host": "a", "load": float("nan")}, InfluxDBInvalidPointError,
         "point of series 'cpu.a' has no field value (fields: ['load', 'temp'])"),
        ({"host": "a", "load": float("inf")}, InfluxDBInvalidPointError,
         "series 'cpu.a': field 'load' is inf; InfluxDB cannot store infinity "
         "(measurement 'cpu.a')"),
        ({"host": "a", "load": [1]}, InfluxDBInvalidPointError,
         "series 'cpu.a': field 'load' has a value of type list, which line protocol cannot "
         "hold (measurement 'cpu.a')"),
        ({"host": "a", "load": 1, "time": 1.5}, InfluxDBInvalidPointError,
         "series 'cpu.a': time must be an int, datetime or RFC3339 str, got 1.5 "
         "(measurement 'cpu.a')"),
    ],
)
def test_bad_points_are_refused_when_created(kwargs: dict[str, Any], exc: type[Exception],
                                             message: str) -> None:
    Cpu = make_helper()
    with pytest.raises(exc) as info:
        Cpu(**kwargs)
    assert str(info.value) == message
    assert Cpu._json_body_() == []


def test_series_name_naming_a_missing_value() -> None:
    Cpu = make_helper(series_name="cpu.{temp}")
    with pytest.raises(NameError, match=r"series_name 'cpu.\{temp\}' of Cpu names 'temp' "):
        Cpu(host="a", load=1)


def test_many_threads_with_autocommit_write_each_point_once() -> None:
    client = RecordingClient()
    client.delay = 0.001
    Cpu = make_helper(client=client, bulk_size=50, autocommit=True)

    def produce(thread: int) -> None:
        for i in range(300):
            Cpu(host=f"h{thread}", load=i, time=i)
            if i % 97 == 0:
                Cpu.commit()  # explicit commits racing with autocommits

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    Cpu.commit()
    keys = [(p["tags"]["host"], p["fields"]["load"]) for p in client.written()]
    assert len(keys) == 2400
    assert set(keys) == {(f"h{t}", i) for t in range(8) for i in range(300)}
    assert Cpu._json_body_() == []


def test_first_instantiation_from_several_threads_configures_once() -> None:
    Cpu = make_helper()
    barrier = threading.Barrier(8)

    def create(thread: int) -> None:
        barrier.wait()
        Cpu(host=f"h{thread}", load=1, time=AT)

    threads = [threading.Thread(target=create, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(Cpu._json_body_()) == 8
