"""influxdb.line_protocol: exact lines for every rule, and exact errors."""

from __future__ import annotations

import enum
import fractions
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Optional

import numpy as np
import pandas as pd
import pytest

from influxdb import line_protocol
from influxdb._core.times import EpochNanos
from influxdb._influxql import quote_ident as influxql_quote_ident
from influxdb._influxql import quote_literal as influxql_quote_literal
from influxdb.exceptions import InfluxDBInvalidPointError
from influxdb.line_protocol import (
    EPOCH,
    _convert_timestamp,
    _escape_tag,
    _escape_tag_value,
    _escape_value,
    _get_unicode,
    _is_float,
    _to_nanos,
    make_line,
    make_lines,
    quote_ident,
    quote_literal,
)

B = "\\"  # one backslash, to keep the tables readable


def line(measurement: Any = "m", tags: Any = None, fields: Any = None, time: Any = None,
         precision: Optional[str] = None) -> str:
    return make_line(measurement, tags, {"f": 1} if fields is None else fields, time, precision)


def refused(message: str, **kwargs: Any) -> None:
    with pytest.raises(InfluxDBInvalidPointError) as info:
        line(**kwargs)
    assert str(info.value) == message


def test_public_names() -> None:
    assert line_protocol.__all__ == ["EPOCH", "make_line", "make_lines", "quote_ident",
                                     "quote_literal"]
    assert quote_ident is influxql_quote_ident and quote_literal is influxql_quote_literal
    assert EPOCH == datetime(1970, 1, 1, tzinfo=timezone.utc)


# -- output identical to 5.3.2 for input it handled correctly ------------------------------

def test_5_3_2_identical_line() -> None:
    tags = {"b": "x y", "a": 1, "c": None, "d": ""}
    fields = {"f": 1.0, "e": 1, "g": 's"', "h": True, "i": None, "j": "", "k": Decimal("1.5"),
              "l": 1e20, "n": -0.0, "o": b"by", "p": 1e-7, "q": False, "r": -12}
    assert make_line("m", tags, fields, 5) == (
        'm,a=1,b=x\\ y e=1i,f=1.0,g="s\\"",h=True,j="",k=1.5,l=1e+20,n=-0.0,o="by",p=1e-07,'
        "q=False,r=-12i 5")


def test_5_3_2_identical_lines() -> None:
    data = {"points": [{"measurement": "m", "fields": {"a": 1}},
                       {"fields": {"a": 2}, "tags": {"t": "p"}},
                       {"measurement": "n", "fields": {"a": 3}, "tags": {"v": "w"}, "time": 7}],
            "measurement": "env", "tags": {"t": "e", "u": "s"}}
    assert make_lines(data) == "m,t=e,u=s a=1i\nenv,t=p,u=s a=2i\nn,t=e,u=s,v=w a=3i 7\n"


@pytest.mark.parametrize(("tags", "expected"), [
    ({"z": "1", "a": "2", "m": "3"}, "m,a=2,m=3,z=1 f=1i"),
    ({1: 2, 10: 3, 9: 4}, "m,1=2,9=4,10=3 f=1i"),  # sorted as given, like 5.3.2
    ({b"k": b"v"}, "m,k=v f=1i"),
    ({"k": 0}, "m,k=0 f=1i"),
    ({"k": False}, "m,k=False f=1i"),
    ({"k": 1.5}, "m,k=1.5 f=1i"),
    ({"k": None, "j": ""}, "m f=1i"),
    # NaN is left out as None is (5.3.2 wrote "nan"; its DataFrame path left the cell out)
    ({"a": float("nan"), "b": np.nan, "c": np.float64("nan"), "d": np.float32("nan"),
      "e": np.float16("nan"), "f": Decimal("NaN"), "g": -float("nan"), "k": "v"},
     "m,k=v f=1i"),
    ({"k": np.float32(0.5), "j": Decimal("1.5"), "i": float("inf")},
     "m,i=inf,j=1.5,k=0.5 f=1i"),  # other numbers are their str(), as in 5.3.2
    ({"é": "ü", "😀": "日本"}, "m,é=ü,😀=日本 f=1i"),
    ({"b": "1", 2: "x"}, "m,2=x,b=1 f=1i"),  # mixed key types: by text
    (OrderedDict([("b", "1"), ("a", "2")]), "m,a=2,b=1 f=1i"),
    (MappingProxyType({"b": "1", "a": "2"}), "m,a=2,b=1 f=1i"),
])
def test_tags(tags: Any, expected: str) -> None:
    assert line(tags=tags) == expected


@pytest.mark.parametrize(("fields", "expected"), [
    ({"b": 1, "a": 2.5, "c": "x"}, 'm a=2.5,b=1i,c="x"'),
    ({"f": 0.1 + 0.2}, "m f=0.30000000000000004"),
    ({"f": 1e-320}, "m f=1e-320"),
    ({"f": 1.7976931348623157e308}, "m f=1.7976931348623157e+308"),
    ({"f": 9223372036854775807}, "m f=9223372036854775807i"),
    ({"f": -9223372036854775808}, "m f=-9223372036854775808i"),
    ({"f": True, "g": False}, "m f=True,g=False"),
    ({"f": ""}, 'm f=""'),
    ({"f": b"\xc3\xa9"}, 'm f="é"'),
    ({"f": None, "g": 1}, "m g=1i"),
    ({"f": float("nan"), "g": 1}, "m g=1i"),
    ({"f": np.nan, "g": np.float32("nan"), "h": Decimal("NaN"), "i": 2}, "m i=2i"),
    ({1: 1, 10: 2, 9: 3}, "m 1=1i,9=3i,10=2i"),
    ({b"k": 1}, "m k=1i"),
    ({"f": fractions.Fraction(1, 4)}, "m f=0.25"),
])
def test_fields(fields: Any, expected: str) -> None:
    assert make_line("m", None, fields) == expected


class Color(enum.IntEnum):
    RED = 1


class Name(str, enum.Enum):
    A = "a b"


@pytest.mark.parametrize(("value", "expected"), [
    (np.int64(-3), "-3i"), (np.int32(7), "7i"), (np.int8(-128), "-128i"), (np.uint8(255), "255i"),
    (np.uint64(2**63 - 1), "9223372036854775807i"), (np.bool_(True), "True"),
    (np.bool_(False), "False"), (np.float64(0.1), "0.1"), (np.float32(0.5), "0.5"),
    (np.float32(0.1), "0.10000000149011612"), (np.float16(1.5), "1.5"),
    (np.str_('a"b'), '"a\\"b"'), (np.bytes_(b"xy"), '"xy"'), (pd.Series([4]).iloc[0], "4i"),
    (Decimal("1.25"), "1.25"), (Decimal("1e400"), None), (Color.RED, "1i"), (Name.A, '"a b"'),
    (2.0, "2.0"), (-0.0, "-0.0"), (5e-324, "5e-324"),
])
def test_field_value_types(value: Any, expected: Optional[str]) -> None:
    if expected is None:
        with pytest.raises(InfluxDBInvalidPointError, match="infinite floats"):
            make_line("m", None, {"f": value})
    else:
        assert make_line("m", None, {"f": value}) == f"m f={expected}"


def test_same_key_set_with_changing_types() -> None:
    # The encoder specialises a key set for the value types seen first; other types and
    # values needing escapes must still come out right.
    values = [1.5, 2, "s", True, None, float("nan"), 'q"', "é", b"b", np.int64(4), 2**63 - 1,
              Decimal("2.5"), 0.0]
    points = [{"measurement": "m", "fields": {"z": 1, "a": value}} for value in values]
    assert make_lines({"points": points}) == (
        "m a=1.5,z=1i\nm a=2i,z=1i\nm a=\"s\",z=1i\nm a=True,z=1i\nm z=1i\nm z=1i\n"
        'm a="q\\"",z=1i\nm a="é",z=1i\nm a="b",z=1i\nm a=4i,z=1i\n'
        "m a=9223372036854775807i,z=1i\nm a=2.5,z=1i\nm a=0.0,z=1i\n")


@pytest.mark.parametrize("key", ["{x}", "}", "{", "'", "a'b", "\\x", "k{0}", "f'{1}'", "é",
                                 "x:y", "a.b-c_d"])
def test_fast_path_with_unusual_keys(key: str) -> None:
    # keys never enter the generated code; odd prefixes are passed as variables
    points = [{"measurement": "m", "fields": {key: 1.5, "z": i, "s": "t"}} for i in range(3)]
    encoded = {key: f"{key}=1.5", "s": 's="t"', "z": "z={}i"}
    expected = ",".join(encoded[k] for k in sorted(encoded))
    assert make_lines({"points": points}) == "".join(
        "m " + expected.replace("z={}i", f"z={i}i") + "\n" for i in range(3))


# -- escaping, one table per context -------------------------------------------------------

@pytest.mark.parametrize(("measurement", "expected"), [
    ("a b", "a\\ b"), ("a,b", "a\\,b"), ("a=b", "a=b"), ('a"b', 'a"b'), ("a\\b", "a\\b"),
    ("\\a", "\\a"), ("a\\\\b", "a\\\\b"), (" a", "\\ a"), ("a ", "a\\ "), ("a\t", "a\t"),
    ("a#", "a#"), ("é😀", "é😀"), ("time", "time"),
    ("a\\b c", "a\\b\\ c"), (5, "5"), (b"cpu", "cpu"),
])
def test_measurement_escapes(measurement: Any, expected: str) -> None:
    assert line(measurement) == f"{expected} f=1i"


@pytest.mark.parametrize(("text", "expected"), [
    ("a b", "a\\ b"), ("a,b", "a\\,b"), ("a=b", "a\\=b"), ('a"b', 'a"b'), ("a\\b", "a\\b"),
    ("\\a", "\\a"), ("a\\\\b", "a\\\\b"), ("#a", "#a"), ("a\tb", "a\tb"), ("\ta", "\ta"),
    # a backslash before an escaped character stays, then comes the escape
    ("a\\,b", "a\\\\,b"), ("a\\=b", "a\\\\=b"), ("a\\\\ b", "a\\\\\\ b"),
    ("a\\\\,b", "a\\\\\\,b"), (" ", "\\ "), (",", "\\,"), ("=", "\\="), ("😀", "😀"),
])
def test_tag_escapes(text: str, expected: str) -> None:
    assert line(tags={text: "v"}) == f"m,{expected}=v f=1i"
    assert line(tags={"k": text}) == f"m,k={expected} f=1i"


@pytest.mark.parametrize(("key", "expected"), [
    ("a b", "a\\ b"), ("a,b", "a\\,b"), ("a=b", "a\\=b"), ('a"b', 'a"b'), ("a\\b", "a\\b"),
    ("\\a", "\\a"), (" a", "\\ a"), ("#a", "#a"), ("\ra", "\ra"), ("😀", "😀"),
    # an even run of backslashes before an escaped character
    ("a\\\\,b", "a\\\\\\,b"), ("a\\\\=b", "a\\\\\\=b"), ("a\\\\ b", "a\\\\\\ b"),
    # a run of backslashes before '"' takes one more backslash
    ('a\\"b', 'a\\\\"b'), ('a\\\\"b', 'a\\\\\\"b'), ('"a"', '"a"'),
])
def test_field_key_escapes(key: str, expected: str) -> None:
    assert make_line("m", None, {key: 1}) == f"m {expected}=1i"


@pytest.mark.parametrize(("value", "expected"), [
    ('a"b', 'a\\"b'), ("a\\b", "a\\\\b"), ("a\\", "a\\\\"), ('\\"', '\\\\\\"'),
    ("a\nb", "a\nb"), ("a\r\nb", "a\r\nb"), ("\n#x", "\n#x"), ("tab\t", "tab\t"),
    ("a,b c=d", "a,b c=d"), ("'", "'"), ("é😀", "é😀"), ("\x00", "\x00"),
])
def test_string_field_escapes(value: str, expected: str) -> None:
    assert make_line("m", None, {"f": value}) == f'm f="{expected}"'


# -- refused input -------------------------------------------------------------------------

P = "point (measurement 'm'): "


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"measurement": ""}, "point (measurement ''): the measurement is missing or empty"),
    ({"measurement": None}, "point (measurement None): the measurement is missing or empty"),
    ({"measurement": "a\nb"}, "point (measurement 'a\\nb'): measurement 'a\\nb' contains a "
                              "newline, which line protocol cannot carry outside string "
                              "field values"),
    ({"measurement": "#a"}, "point (measurement '#a'): measurement '#a' starts with '#', which "
                            "makes the line a comment"),
    ({"measurement": "\ta"}, "point (measurement '\\ta'): measurement '\\ta' starts with "
                             "'\\t', which the server skips as white space"),
    ({"measurement": "\x00a"}, "point (measurement '\\x00a'): measurement '\\x00a' starts with "
                               "'\\x00', which the server skips as white space"),
    ({"measurement": "\ra"}, "point (measurement '\\ra'): measurement '\\ra' contains a "
                             "carriage return, which InfluxQL cannot quote (it could be written "
                             "but never queried or dropped by name)"),
    ({"measurement": "a\x00"}, "point (measurement 'a\\x00'): measurement 'a\\x00' contains "
                               "a NUL character, which InfluxQL cannot quote (it could be "
                               "written but never queried or dropped by name)"),
    ({"measurement": "a\\"}, "point (measurement 'a\\\\'): measurement 'a\\\\' ends with a "
                             "backslash, which line protocol cannot carry in a measurement"),
    ({"measurement": "a\\,b"}, "point (measurement 'a\\\\,b'): measurement 'a\\\\,b' has a "
                               "backslash before ',', which line protocol cannot carry in a "
                               "measurement"),
    ({"measurement": "a\\ b"}, "point (measurement 'a\\\\ b'): measurement 'a\\\\ b' has a "
                               "backslash before ' ', which line protocol cannot carry in a "
                               "measurement"),
    ({"measurement": "a\\=b"}, "point (measurement 'a\\\\=b'): measurement 'a\\\\=b' has a "
                               "backslash before '=', which line protocol cannot carry in a "
                               "measurement"),
    ({"measurement": 'a\\"b'}, "point (measurement 'a\\\\\"b'): measurement 'a\\\\\"b' has a "
                               "backslash before '\"', which line protocol cannot carry in a "
                               "measurement"),
    ({"measurement": "a\ud800"}, "point (measurement 'a\\ud800'): measurement 'a\\ud800' "
                                 "contains a lone surrogate, which is not valid UTF-8"),
    ({"tags": {"k": "a\nb"}}, P + "tag 'k' value 'a\\nb' contains a newline, which line "
                                  "protocol cannot carry outside string field values"),
    ({"tags": {"a\nb": "v"}}, P + "tag 'a\\nb' contains a newline, which line protocol cannot "
                                  "carry outside string field values"),
    ({"tags": {"k": "a\\"}}, P + "tag 'k' value 'a\\\\' ends with a backslash, which line "
                                 "protocol cannot carry in a tag"),
    ({"tags": {"k": "\\\\"}}, P + "tag 'k' value '\\\\\\\\' ends with a backslash, which line "
                                  "protocol cannot carry in a tag"),
    ({"tags": {"a\\": "v"}}, P + "tag 'a\\\\' ends with a backslash, which line protocol "
                                 "cannot carry in a tag"),
    ({"tags": {"k": "a\\ b"}}, P + "tag 'k' value 'a\\\\ b' has an odd number of backslashes "
                                   "before ' ', which line protocol cannot carry in a tag"),
    ({"tags": {"a\\\\\\ b": "v"}}, P + "tag 'a\\\\\\\\\\\\ b' has an odd number of backslashes "
                                       "before ' ', which line protocol cannot carry in a tag"),
    ({"tags": {"": "v"}}, P + "a tag key is empty (value 'v')"),
    ({"tags": {None: "v"}}, P + "a tag key is empty (value 'v')"),
    ({"tags": {"time": "v"}}, P + "tag 'time' is refused by InfluxDB ('time' names the "
                                  "timestamp)"),
    ({"fields": {}}, P + "no fields (a point needs at least one field)"),
    ({"fields": {"f": None}}, P + "no field left to write (a point needs at least one field; "
                                  "None and NaN values are left out)"),
    ({"fields": {"f": float("nan")}}, P + "no field left to write (a point needs at least one "
                                          "field; None and NaN values are left out)"),
    ({"fields": {"f": float("inf")}}, P + "field 'f' is inf; line protocol cannot represent "
                                          "infinite floats"),
    ({"fields": {"f": -np.inf}}, P + "field 'f' is -inf; line protocol cannot represent "
                                     "infinite floats"),
    ({"fields": {"f": 2**63}}, P + "field 'f' is 9223372036854775808, outside the 64-bit "
                                   "signed integer range"),
    ({"fields": {"f": -(2**63) - 1}}, P + "field 'f' is -9223372036854775809, outside the "
                                          "64-bit signed integer range"),
    ({"fields": {"f": np.uint64(2**63)}}, P + "field 'f' is 9223372036854775808, outside the "
                                              "64-bit signed integer range"),
    ({"fields": {"f": [1]}}, P + "field 'f' has unsupported type list (use str, int, float, "
                                 "bool or bytes)"),
    ({"fields": {"f": {"a": 1}}}, P + "field 'f' has unsupported type dict (use str, int, "
                                      "float, bool or bytes)"),
    ({"fields": {"f": {1}}}, P + "field 'f' has unsupported type set (use str, int, float, "
                                 "bool or bytes)"),
    ({"fields": {"f": object()}}, P + "field 'f' has unsupported type object (use str, int, "
                                      "float, bool or bytes)"),
    ({"fields": {"f": 1j}}, P + "field 'f' has unsupported type complex (use str, int, float, "
                                "bool or bytes)"),
    ({"fields": {"f": datetime(2020, 1, 1)}}, P + "field 'f' has unsupported type datetime "
                                                  "(use str, int, float, bool or bytes)"),
    ({"fields": {"f": pd.NA}}, P + "field 'f' has unsupported type NAType (use str, int, "
                                   "float, bool or bytes)"),
    ({"fields": {"f": b"\xff"}}, P + "field 'f' is bytes that are not UTF-8"),
    ({"fields": {"f": Decimal("sNaN")}}, P + "field 'f' is Decimal('sNaN'), which is not a "
                                             "64-bit float"),
    ({"fields": {"f": fractions.Fraction(10**400, 3)}}, P + "field 'f' is Fraction(" +
     str(10**400) + ", 3), which is not a 64-bit float"),
    ({"fields": {"f": "a\udc80"}}, P + "field 'f' contains a lone surrogate, which is not "
                                       "valid UTF-8"),
    ({"fields": {"": 1}}, P + "a field key is empty"),
    ({"fields": {"time": 1}}, P + "field 'time' is refused by InfluxDB ('time' names the "
                                  "timestamp)"),
    ({"fields": {"a\nb": 1}}, P + "field 'a\\nb' contains a newline, which line protocol "
                                  "cannot carry outside string field values"),
    ({"fields": {"a\\": 1}}, P + "field 'a\\\\' ends with a backslash, which line protocol "
                                 "cannot carry in a field key"),
    ({"fields": {"a\\\\": 1}}, P + "field 'a\\\\\\\\' ends with a backslash, which line "
                                   "protocol cannot carry in a field key"),
    ({"fields": {"a\\=b": 1}}, P + "field 'a\\\\=b' has an odd number of backslashes before "
                                   "'=', which line protocol cannot carry in a field key"),
    ({"fields": {"a\\,b": 1}}, P + "field 'a\\\\,b' has an odd number of backslashes before "
                                   "',', which line protocol cannot carry in a field key"),
    ({"fields": {"a\\\\\\ b": 1}}, P + "field 'a\\\\\\\\\\\\ b' has an odd number of "
                                       "backslashes before ' ', which line protocol cannot "
                                       "carry in a field key"),
    ({"fields": {"\ta": 1}}, P + "the first field key '\\ta' starts with white space, which "
                                 "the server skips"),
    ({"fields": {"\x00a": 1, "b": 2}}, P + "the first field key '\\x00a' starts with white "
                                           "space, which the server skips"),
    ({"fields": [("a", 1)]}, P + "fields must be a dict, not list"),
    ({"tags": [("a", 1)]}, P + "tags must be a dict, not list"),
    ({"time": 1.5}, P + "time 1.5 is a float; use an int, datetime or RFC3339 string"),
    ({"time": "yesterday"}, P + "time 'yesterday' is not an RFC3339 date-time (like "
                                "'2019-07-10T16:51:22.026253Z')"),
    ({"time": 2**63}, P + "time 9223372036854775808 is outside the range InfluxDB can store "
                          "(1677-09-21T00:12:43.145224194Z to 2262-04-11T23:47:16.854775806Z)"),
    ({"time": datetime(2300, 1, 1)}, P + "time datetime.datetime(2300, 1, 1, 0, 0) is outside "
                                         "the range InfluxDB can store (1677-09-21T00:12:43."
                                         "145224194Z to 2262-04-11T23:47:16.854775806Z)"),
])
def test_refused(kwargs: dict[str, Any], message: str) -> None:
    refused(message, **kwargs)


def test_first_field_key_with_leading_tab_is_fine_elsewhere() -> None:
    assert make_line("m", None, {"\x01a": 1, "\tz": 2}) == "m \x01a=1i,\tz=2i"
    assert make_line("m", None, {"\ta": None, "b": 2}) == "m b=2i"


def test_bad_precision() -> None:
    with pytest.raises(InfluxDBInvalidPointError, match=r"^Invalid time precision is given\. "):
        make_lines({"points": []}, "x")
    with pytest.raises(InfluxDBInvalidPointError, match=r"^Invalid time precision is given\. "):
        make_line("m", None, {"f": 1}, 1, "sec")


# -- times ---------------------------------------------------------------------------------

DT = datetime(2019, 7, 10, 16, 51, 22, 26253)


@pytest.mark.parametrize(("time", "precision", "expected"), [
    (1562777482, "s", "1562777482"),  # ints are taken as in the precision (5.3.2)
    (1562777482026253123, None, "1562777482026253123"),
    (1562777482026253123, "n", "1562777482026253123"),
    (np.int64(26046291), "m", "26046291"),
    (EpochNanos(1562777482026253123), "u", "1562777482026253"),
    (EpochNanos(1562777482026253123), "h", "434104"),
    (DT, None, "1562777482026253000"), (DT, "n", "1562777482026253000"),
    (DT, "u", "1562777482026253"), (DT, "ms", "1562777482026"), (DT, "s", "1562777482"),
    (DT, "m", "26046291"), (DT, "h", "434104"), (DT, "ns", "1562777482026253000"),
    (DT, "us", "1562777482026253"),
    (DT.replace(tzinfo=timezone.utc).astimezone(timezone(timedelta(hours=5))), "u",
     "1562777482026253"),
    (datetime(1969, 12, 31, 23, 59, 59, 999999), "s", "-1"),
    (datetime(1969, 12, 31, 23, 59, 59, 999999), "ms", "-1"),
    (pd.Timestamp("2019-07-10T16:51:22.026253123Z"), None, "1562777482026253123"),
    (pd.Timestamp("2019-07-10T16:51:22.026253123", tz="Europe/Paris"), "n",
     "1562770282026253123"),
    (np.datetime64("2019-07-10T16:51:22.026253123"), "n", "1562777482026253123"),
    (np.datetime64("2019-07-10T16:51:22.026253123"), "s", "1562777482"),
    ("2019-07-10T16:51:22.026253123Z", "n", "1562777482026253123"),
    ("2019-07-10T16:51:22.026253123Z", "ms", "1562777482026"),
    ("2019-07-10T18:51:22.026253123+02:00", "u", "1562777482026253"),
    ("1969-12-31T23:59:59.999999999Z", "s", "-1"),
])
def test_times(time: Any, precision: Optional[str], expected: str) -> None:
    assert make_line("m", None, {"f": 1}, time, precision) == f"m f=1i {expected}"


def test_no_time() -> None:
    assert make_line("m", {"t": "x"}, {"f": 1}) == "m,t=x f=1i"


# -- points and envelopes ------------------------------------------------------------------

class PointLike:
    def __init__(self, measurement: str, time: Any = None) -> None:
        self.measurement, self.time = measurement, time

    def _to_point_dict(self) -> dict[str, Any]:
        return {"measurement": self.measurement, "tags": {"t": "x"}, "fields": {"f": 1.5},
                "time": self.time}


class ReadOnlyPoint(Mapping[str, Any]):
    def __init__(self, **values: Any) -> None:
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def test_points_of_every_kind() -> None:
    points = [PointLike("p", EpochNanos(1562777482026253123)),
              ReadOnlyPoint(measurement="r", fields={"a": 1}, time=5),
              {"measurement": "d", "fields": {"a": True}}]
    assert make_lines({"points": points}, "ms") == (
        "p,t=x f=1.5 1562777482026\nr a=1i 5\nd a=True\n")


def test_points_from_a_generator() -> None:
    points = ({"measurement": "m", "fields": {"i": i}} for i in range(3))
    assert make_lines({"points": points}) == "m i=0i\nm i=1i\nm i=2i\n"


def test_envelope_tags_under_point_tags_and_nothing_mutated() -> None:
    static = {"host": "a", "dc": "x"}
    point = {"measurement": "m", "tags": {"host": "b"}, "fields": {"f": 1}}
    data = {"points": [point, {"measurement": "m", "fields": {"f": 2}}], "tags": static}
    assert make_lines(data) == "m,dc=x,host=b f=1i\nm,dc=x,host=a f=2i\n"
    assert static == {"host": "a", "dc": "x"}
    assert point == {"measurement": "m", "tags": {"host": "b"}, "fields": {"f": 1}}


def test_envelope_tag_dropped_by_point_none() -> None:
    data = {"points": [{"measurement": "m", "tags": {"host": None}, "fields": {"f": 1}}],
            "tags": {"host": "a"}}
    assert make_lines(data) == "m f=1i\n"


@pytest.mark.parametrize("nan", [float("nan"), np.nan, np.float64("nan"), np.float32("nan"),
                                 Decimal("NaN")], ids=repr)
def test_nan_tags_are_left_out_of_envelope_and_points(nan: Any) -> None:
    data = {"points": [{"measurement": "m", "fields": {"f": 1}},
                       {"measurement": "m", "tags": {"host": "own"}, "fields": {"f": 2}},
                       {"measurement": "m", "tags": {"host": nan}, "fields": {"f": 3}},
                       {"measurement": "m", "tags": {"dc": nan}, "fields": {"f": 4}}],
            "tags": {"host": nan, "dc": "x"}}
    # the envelope's NaN is left out, a point's own tag wins, a point's NaN hides the
    # envelope's value (as None does)
    assert make_lines(data) == "m,dc=x f=1i\nm,dc=x,host=own f=2i\nm,dc=x f=3i\nm f=4i\n"


def test_empty_points() -> None:
    assert make_lines({"points": []}) == "\n"


@pytest.mark.parametrize(("data", "message"), [
    ({"points": [{"measurement": "m", "fields": {"f": 1}},
                 {"measurement": "m", "fields": {"f": 2}},
                 {"measurement": "m", "fields": {"f": 3}},
                 {"measurement": "cpu", "fields": {"value": float("inf")}}]},
     "point 3 (measurement 'cpu'): field 'value' is inf; line protocol cannot represent "
     "infinite floats"),
    ({"points": [{"fields": {"f": 1}}]}, "point 0 (measurement None): the measurement is "
                                         "missing or empty"),
    ({"points": [{"fields": {"f": [2]}}], "measurement": "env"},
     "point 0 (measurement 'env'): field 'f' has unsupported type list (use str, int, float, "
     "bool or bytes)"),
    ({"points": [{"measurement": "m", "fields": {"f": 1}}, "m f=1"]},
     "point 1: is a str, not a dict or Point"),
    ({"points": [{"measurement": "m", "fields": {"f": 1}}, None]},
     "point 1: is a NoneType, not a dict or Point"),
    ({}, "make_lines needs a dict with a 'points' list"),
    ([], "make_lines needs a dict with a 'points' list"),
    ({"points": None}, "make_lines needs a dict with a 'points' list"),
    ({"points": [], "tags": ["a"]}, "tags must be a dict, not list"),
])
def test_make_lines_errors(data: Any, message: str) -> None:
    with pytest.raises(InfluxDBInvalidPointError) as info:
        make_lines(data)
    assert str(info.value) == message


def test_key_length_limit() -> None:
    # series key + "#!~#" + field key may not exceed 65535 bytes (checked with influxd)
    longest = "x" * (65535 - len("m,k=") - len("#!~#f"))
    assert make_line("m", {"k": longest}, {"f": 1}) == f"m,k={longest} f=1i"
    with pytest.raises(InfluxDBInvalidPointError) as info:
        make_line("m", {"k": longest + "x"}, {"f": 1})
    assert str(info.value) == ("point (measurement 'm'): series key plus field 'f' is 65536 "
                               "bytes, more than InfluxDB's 65535")
    # '=' in a measurement is not escaped: it counts once
    measurement = "a=" + "y" * (65535 - len("a=,k=v#!~#f"))
    assert make_line(measurement, {"k": "v"}, {"f": 1}).startswith("a=y")
    with pytest.raises(InfluxDBInvalidPointError, match="is 65536 bytes"):
        make_line(measurement + "y", {"k": "v"}, {"f": 1})
    assert make_line("m", {"k": "é" * 32763}, {"f": 1}) == f"m,k={'é' * 32763} f=1i"
    with pytest.raises(InfluxDBInvalidPointError, match="is 65537 bytes"):
        make_line("m", {"k": "é" * 32764}, {"f": 1})  # bytes, not characters
    assert make_line("m", None, {"f": "z" * 100_000}) == f'm f="{"z" * 100_000}"'


def test_caches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(line_protocol, "_CACHE_LIMIT", 10)
    for cache in ("_SHAPES", "_TAG_TEXTS", "_FIELD_SETS"):
        monkeypatch.setattr(line_protocol, cache, {})
    points = [{"measurement": f"m{i}", "tags": {"t": str(i)}, "fields": {f"f{i}": i}}
              for i in range(25)]
    assert make_lines({"points": points}) == "".join(f"m{i},t={i} f{i}={i}i\n"
                                                     for i in range(25))
    for cache in ("_SHAPES", "_TAG_TEXTS", "_FIELD_SETS"):
        assert 0 < len(getattr(line_protocol, cache)) <= 10


def test_equal_keys_of_other_types_do_not_share_cache_entries() -> None:
    assert make_line("m", {"k": "1"}, {"f": 1}) == "m,k=1 f=1i"
    assert make_line("m", {"k": 1}, {"f": 1}) == "m,k=1 f=1i"
    assert make_line("m", {"k": True}, {"f": 1}) == "m,k=True f=1i"
    assert make_line("m", {"k": 1.0}, {"f": 1}) == "m,k=1.0 f=1i"
    assert make_line("m", None, {1: 1}) == "m 1=1i"
    assert make_line("m", None, {True: 1}) == "m True=1i"
    assert make_line("m", None, {1.0: 1}) == "m 1.0=1i"


# -- 5.3.2 private helpers -----------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("a b,c=d", "a\\ b\\,c\\=d"), ("a\\b", "a\\b"), (b"x y", "x\\ y"), (3, "3"), ("", ""),
])
def test_escape_tag(value: Any, expected: str) -> None:
    assert _escape_tag(value) == expected
    assert _escape_tag_value(value) == expected


def test_escape_tag_refuses() -> None:
    with pytest.raises(InfluxDBInvalidPointError, match="ends with a backslash"):
        _escape_tag_value("C:\\")
    with pytest.raises(InfluxDBInvalidPointError, match="contains a newline"):
        _escape_tag("a\nb")


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""), ("a", '"a"'), ('a"\\', '"a\\"\\\\"'), (1, "1i"), (True, "True"), (1.5, "1.5"),
    (float("nan"), ""), (np.int64(2), "2i"), (b"b", '"b"'),
])
def test_escape_value(value: Any, expected: str) -> None:
    assert _escape_value(value) == expected


def test_escape_value_refuses() -> None:
    with pytest.raises(InfluxDBInvalidPointError, match="infinite"):
        _escape_value(float("inf"))


def test_time_helpers() -> None:
    assert _to_nanos(datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc)) == 10**9
    assert _to_nanos(datetime(1970, 1, 1, 0, 0, 1)) == 10**9
    assert _convert_timestamp(5, "s") == 5
    assert _convert_timestamp(datetime(1970, 1, 1, 0, 1), "m") == 1
    assert _convert_timestamp("1970-01-01T00:00:01Z") == 10**9
    with pytest.raises(ValueError):
        _convert_timestamp(1.5)


def test_get_unicode_and_is_float() -> None:
    assert _get_unicode(b"\xc3\xa9") == "é"
    assert _get_unicode(None) == ""
    assert _get_unicode(5) == 5
    assert _get_unicode(5, force=True) == "5"
    assert _is_float("1.5") and _is_float(Decimal(1)) and _is_float(np.int8(1))
    assert not _is_float("x") and not _is_float(None) and not _is_float([1])


@pytest.mark.parametrize("measurement,tags,message", [
    (["cpu"], None, "point (measurement ['cpu']): the measurement must be a str, not a list"),
    (b"\xff", None, "point (measurement b'\\xff'): the measurement is bytes that are not UTF-8"),
    ("m", {"k": ["x"]}, "point (measurement 'm'): tag 'k' value must be a str, not a list"),
    ("m", {"k": {"a": 1}}, "point (measurement 'm'): tag 'k' value must be a str, not a dict"),
    ("m", {("a",): "v"}, "point (measurement 'm'): a tag key must be a str, not a tuple"),
])
def test_containers_are_not_names(measurement: Any, tags: Any, message: str) -> None:
    # 5.3.2 wrote their repr ("['x']"): never what the caller meant.
    with pytest.raises(InfluxDBInvalidPointError) as info:
        make_line(measurement, tags, {"f": 1})
    assert str(info.value) == message
