"""The encoder against a real influxd 1.6: what we write is exactly what the server stores,
what we refuse is what it cannot store, and our RFC3339 text is the text it answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

from influxdb import InfluxDBClient
from influxdb._core.times import MAX_NANOS, MIN_NANOS, EpochNanos, format_rfc3339
from influxdb._influxql import quote_ident
from influxdb.exceptions import InfluxDBClientError, InfluxDBInvalidPointError
from influxdb.line_protocol import make_lines

pytestmark = pytest.mark.server

B = "\\"

# (measurement, tags, fields): hostile but representable.
HOSTILE: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("plain", {"host": "a"}, {"int": 5, "float": 5.0, "bool": True, "str": "s"}),
    ("with space", {"tag key": "tag value"}, {"field key": "field value"}),
    ("comma,measurement", {"k,1": "v,1"}, {"f,1": 1}),
    ("equals=m", {"k=1": "v=1"}, {"f=1": "a=b"}),
    ('quote"m', {'k"1': 'v"1'}, {'f"1': '"quoted"', "g": '"'}),
    ("back" + B + "slash", {"k" + B + "1": "v" + B + "1"}, {"f" + B + "1": "x" + B + "y"}),
    ("two" + 2 * B + "slashes", {"k": "C:" + 2 * B + "dir" + 2 * B + "x"},
     {"path": "C:" + B + "dir" + B, "end": B, "ends2": 2 * B}),
    ("m", {"k": "a" + B + ",b", "j": "a" + B + "=b", "i": "a" + 2 * B + " b"},
     {"f": 1, "a" + 2 * B + ",b": 2, "c" + B + '"d': 3, "e" + 2 * B + '"f': 4}),
    ("unicode é", {"ключ": "значение", "😀": "🎉 emoji"}, {"日本": "語", "ü": 1.5}),
    (" leading space", {" k": " v", "t": "trailing "}, {" f": 1, "g ": 2}),
    ("not#comment" + B + "x", {"#k": "#v"}, {"#f": "#x"}),
    ("tab\tinside", {"k\t": "\tv"}, {"f\t": "\t", "\x01first": 0}),
    ("newlines", {"k": "v"}, {"s": "line 1\nline 2\n", "r": "a\r\nb", "h": "\n#x y=1 2"}),
    ("extremes", {"k": "v"},
     {"max": 2**63 - 1, "min": -(2**63), "big": 1.7976931348623157e308, "tiny": 5e-324,
      "neg": -0.0, "empty": "", "np_int": np.int64(7), "np_bool": np.bool_(False),
      "np_float": np.float32(0.5)}),
]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def test_hostile_names_and_values_round_trip(client: InfluxDBClient) -> None:
    points = [{"measurement": m, "tags": t, "fields": f, "time": i}
              for i, (m, t, f) in enumerate(HOSTILE)]
    client.write(make_lines({"points": points}).encode(), params={"db": client._database},
                 protocol=None)
    stored = client.query("SHOW MEASUREMENTS")
    assert sorted(p["name"] for p in stored.get_points()) == sorted(m for m, _, _ in HOSTILE)
    for i, (measurement, tags, fields) in enumerate(HOSTILE):
        result = client.query(f"SELECT * FROM {quote_ident(measurement)} GROUP BY *",
                              epoch="ns")
        assert list(result.keys()) == [(measurement, tags)]
        rows = list(result.get_points())
        expected = {key: _plain(value) for key, value in fields.items()}
        assert rows == [{"time": i, **expected}]
        for key, value in rows[0].items():  # int stays int, float stays float
            assert type(value) is type(_plain(fields.get(key, i)))
        field_keys = client.query(f"SHOW FIELD KEYS FROM {quote_ident(measurement)}")
        assert sorted(p["fieldKey"] for p in field_keys.get_points()) == sorted(fields)
        for key, value in tags.items():
            where = f"{quote_ident(key)} = $v"
            found = client.query(f"SELECT count(*) FROM {quote_ident(measurement)} "
                                 f"WHERE {where}", bind_params={"v": value})
            assert len(list(found.get_points())) == 1


def test_write_points_round_trip(client: InfluxDBClient) -> None:
    points = [{"measurement": "wp" + B + "x", "tags": {"t": "a" + B + ",b", "u": None},
               "fields": {"v": 1, "s": 'q"' + B + "\n"}, "time": 1}]
    client.write_points(points, time_precision="s")
    result = client.query(f"SELECT * FROM {quote_ident('wp' + B + 'x')} GROUP BY *",
                          epoch="s")
    assert list(result.keys()) == [("wp" + B + "x", {"t": "a" + B + ",b"})]
    assert list(result.get_points()) == [{"time": 1, "v": 1, "s": 'q"' + B + "\n"}]


def test_nul_and_carriage_return_in_names_are_stored(client: InfluxDBClient) -> None:
    # InfluxQL cannot quote them, but line protocol carries them; read back with a regex.
    # (A measurement holding them is refused: tests/integration/test_write_names_server.py.)
    points = [{"measurement": "crm", "tags": {"k\r": "v\x00"}, "fields": {"f\x00": 1},
               "time": 1}]
    client.write(make_lines({"points": points}).encode(), params={"db": client._database},
                 protocol=None)
    result = client.query("SELECT * FROM /^cr/ GROUP BY *", epoch="ns")
    assert list(result.keys()) == [("crm", {"k\r": "v\x00"})]
    assert list(result.get_points()) == [{"time": 1, "f\x00": 1}]


# Points we refuse, and the text 5.3.2-style escaping would send for them: the server
# rejects that text or stores something other than what was asked for.
REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"measurement": "m", "tags": {"k": "v" + B}, "fields": {"f": 1}}, "m,k=v" + B + " f=1i 0"),
    ({"measurement": "m" + B, "fields": {"f": 1}}, "m" + B + " f=1i 0"),
    ({"measurement": "m", "fields": {"f" + B: 1}}, "m f" + B + "=1i 0"),
    ({"measurement": "a" + B + ",b", "fields": {"f": 1}}, "a" + B + B + ",b f=1i 0"),
    ({"measurement": "a" + B + "=b", "fields": {"f": 1}}, "a" + B + B + "=b f=1i 0"),
    ({"measurement": "m", "fields": {"a" + B + "=b": 1}}, "m a" + B + B + "=b=1i 0"),
    ({"measurement": "#m", "fields": {"f": 1}}, "#m f=1i 0"),
    ({"measurement": "\tm", "fields": {"f": 1}}, "\tm f=1i 0"),
    ({"measurement": "m", "fields": {"\tf": 1}}, "m \tf=1i 0"),
    ({"measurement": "m", "tags": {"time": "x"}, "fields": {"f": 1}}, "m,time=x f=1i 0"),
    ({"measurement": "m", "fields": {"time": 1, "f": 1}}, "m f=1i,time=1i 0"),
    ({"measurement": "m", "fields": {"f": float("inf")}}, "m f=inf 0"),
    ({"measurement": "m", "fields": {"f": 2**63}}, f"m f={2**63}i 0"),
    ({"measurement": "m", "fields": {"f": 1}, "time": MAX_NANOS + 1}, f"m f=1i {MAX_NANOS + 1}"),
]


@pytest.mark.parametrize(("point", "naive"), REFUSED)
def test_refused_points_are_not_storable(client: InfluxDBClient, point: dict[str, Any],
                                         naive: str) -> None:
    good = {"measurement": "good", "fields": {"f": 1}, "time": 1}
    with pytest.raises(InfluxDBInvalidPointError):
        client.write_points([good, point])
    assert list(client.query("SHOW MEASUREMENTS").get_points()) == []  # all or nothing
    try:
        client.write_points([naive], protocol="line")
    except InfluxDBClientError:
        return  # the server refuses the naive text
    # ... or stores something else: another name, a dropped field, or nothing at all
    stored = client.query("SELECT * FROM /.*/ GROUP BY *", epoch="ns")
    series = [(name, tags, [{k: v for k, v in row.items() if k != "time"} for row in rows])
              for (name, tags), rows in stored.items()]
    assert series != [(point["measurement"], point.get("tags"), [point["fields"]])]


def test_odd_backslashes_before_a_space_in_a_tag_join_lines(client: InfluxDBClient) -> None:
    # Why 'a\ b' in a tag key is refused: the server's line splitter pairs backslashes and
    # its tag parser does not, so a later '"' swallows the newline between two points.
    naive = "m,a" + 2 * B + ' b=x" f=1i 0\nm f=2i 1'
    with pytest.raises(InfluxDBClientError, match="point is invalid"):
        client.write_points([naive], protocol="line")
    with pytest.raises(InfluxDBInvalidPointError, match="odd number of backslashes"):
        make_lines({"points": [{"measurement": "m", "tags": {"a" + B + " b": 'x"'},
                                "fields": {"f": 1}}]})


def test_key_length_limit_matches_the_server(client: InfluxDBClient) -> None:
    longest = "x" * (65535 - len("m,k=") - len("#!~#f"))
    client.write_points([{"measurement": "m", "tags": {"k": longest}, "fields": {"f": 1}}])
    with pytest.raises(InfluxDBClientError, match="max key length exceeded"):
        client.write_points([f"m,k={longest}y f=1i"], protocol="line")
    with pytest.raises(InfluxDBInvalidPointError, match="65536 bytes"):
        client.write_points([{"measurement": "m", "tags": {"k": longest + "y"},
                              "fields": {"f": 1}}])


TIMES: list[tuple[Any, str, int]] = [
    (datetime(2019, 7, 10, 16, 51, 22, 26253), "u", 1562777482026253000),
    (datetime(2019, 7, 10, 18, 51, 22, 26253, tzinfo=timezone(timedelta(hours=2))), "ms",
     1562777482026000000),
    (pd.Timestamp("2019-07-10T16:51:22.026253123Z"), "n", 1562777482026253123),
    (np.datetime64("2019-07-10T16:51:22.026253123"), "n", 1562777482026253123),
    ("2019-07-10T16:51:22.026253123Z", "n", 1562777482026253123),
    ("2019-07-10T16:51:22.026253123Z", "s", 1562777482000000000),
    (datetime(1969, 12, 31, 23, 59, 59, 500000), "s", -1000000000),
    (EpochNanos(-1), "u", -1000),
    (1562777482, "s", 1562777482000000000),
    (26046291, "m", 1562777460000000000),
    (434104, "h", 1562774400000000000),
    (MIN_NANOS, "n", MIN_NANOS),
    (MAX_NANOS, "n", MAX_NANOS),
]


@pytest.mark.parametrize(("time", "precision", "nanos"), TIMES)
def test_times_are_stored_exactly(client: InfluxDBClient, time: Any, precision: str,
                                  nanos: int) -> None:
    client.write_points([{"measurement": "t", "fields": {"f": 1}, "time": time}],
                        time_precision=precision)
    assert list(client.query("SELECT f FROM t", epoch="ns").get_points()) == [
        {"time": nanos, "f": 1}]
    assert list(client.query("SELECT f FROM t").get_points()) == [
        {"time": format_rfc3339(nanos), "f": 1}]


def test_rfc3339_text_equals_the_json_answers(client: InfluxDBClient, influxd: Any) -> None:
    values = [0, 1, -1, 10, 999999999, 1000000000, -1000000000, 1562777482026250000,
              1562777482000000000, 1562777482100000000, MIN_NANOS, MAX_NANOS,
              86400 * 10**9 - 1, -86400 * 10**9 + 1]
    values += [(i * 7919 * 10**15 + i * 104729) % (MAX_NANOS - MIN_NANOS) + MIN_NANOS
               for i in range(1, 200)]
    values += [1562777482 * 10**9 + 10**k for k in range(9)]
    lines = [f"j,i={i} v={i}i {nanos}" for i, nanos in enumerate(values)]
    client.write_points(lines, protocol="line")
    answer = requests.get(f"{influxd.url}/query", timeout=30, headers={
        "Accept": "application/json"}, params={"db": client._database,
                                               "q": "SELECT v FROM j"}).json()
    rows = answer["results"][0]["series"][0]["values"]
    assert len(rows) == len(values)
    assert sorted(text for text, _ in rows) == sorted(format_rfc3339(n) for n in values)
    assert all(text == format_rfc3339(values[i]) for text, i in rows)
