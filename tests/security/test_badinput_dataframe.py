"""Bad input to ``DataFrameClient.write_points`` and ``DataFrameClient.query``, against influxd.

Same rules as ``test_badinput_points.py``: the stated exception naming what is wrong, nothing
sent, nothing stored.  Batched writes are included: a bad row in the last batch must stop
the call before the first batch leaves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

from influxdb import DataFrameClient
from influxdb.exceptions import InfluxDBInvalidPointError
from tests._influxd import Influxd
from tests.security.conftest import RecordingSession
from tests.security.test_badinput_points import Bad, assert_ours

pytestmark = pytest.mark.server

INVALID = InfluxDBInvalidPointError
INDEX = pd.date_range("2020-01-01", periods=4, freq="s", tz="UTC")
GOOD = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0], "t": ["a", "b", "c", "d"]}, index=INDEX)


def frame(**columns: Any) -> pd.DataFrame:
    out = GOOD.copy()
    for name, values in columns.items():
        out[name] = values
    return out


def wp(data: Any, measurement: Any = "bad", **kwargs: Any) -> Callable[[Any], object]:
    return lambda c: c.write_points(data, measurement, **kwargs)


CASES = [
    Bad("not-a-dataframe", wp({"v": [1.0]}), TypeError,
        r"^Must be DataFrame, but type was: <class 'dict'>\.$"),
    Bad("a-series", wp(GOOD["v"]), TypeError,
        r"^Must be DataFrame, but type was: <class 'pandas\.(core\.series\.)?Series'>\.$"),
    Bad("range-index", wp(GOOD.reset_index(drop=True)), TypeError,
        r"^Must be DataFrame with DatetimeIndex or PeriodIndex\.$"),
    Bad("string-index", wp(GOOD.set_index("t")), TypeError,
        r"^Must be DataFrame with DatetimeIndex or PeriodIndex\.$"),
    Bad("range-index-json", wp(GOOD.reset_index(drop=True), protocol="json"), TypeError,
        r"^Must be DataFrame with DatetimeIndex or PeriodIndex\.$"),
    Bad("duplicate-columns",
        wp(pd.DataFrame([[1.0, 2.0]] * 4, columns=["v", "v"], index=INDEX)), INVALID,
        r"^the DataFrame has duplicate columns \['v'\]$"),
    Bad("measurement-none", wp(GOOD, None), INVALID, r"^the measurement is missing or empty$"),
    Bad("measurement-empty", wp(GOOD, ""), INVALID, r"^the measurement is missing or empty$"),
    Bad("measurement-newline", wp(GOOD, "a\nb"), INVALID,
        r"^measurement 'a\\nb' contains a newline"),
    Bad("tag-column-missing", wp(GOOD, tag_columns=["nope"]), INVALID,
        r"^column 'nope' is not in the DataFrame$"),
    Bad("field-column-missing", wp(GOOD, field_columns=["nope"]), INVALID,
        r"^column 'nope' is not in the DataFrame$"),
    Bad("field-uint64-beyond-int64",
        wp(frame(v=np.array([1, 2, 3, 2**64 - 1], dtype=np.uint64))), INVALID,
        r"^field 'v': row 3 \(2020-01-01 00:00:03\+00:00\) is 18446744073709551615, outside"),
    Bad("global-tag-newline", wp(GOOD, tags={"g": "a\nb"}), INVALID,
        r"^tag 'g' value 'a\\nb' contains a newline"),
    Bad("field-nested-dict", wp(frame(o=[{"a": 1}, 1, 2, 3])), INVALID,
        r"^field 'o' row 0 \(2020-01-01 00:00:00\+00:00\) has unsupported type dict"),
    Bad("field-list", wp(frame(o=[[1], 1, 2, 3])), INVALID,
        r"^field 'o' row 0 .* has unsupported type list"),
    Bad("field-int-beyond-int64", wp(frame(o=[2**64, 1, 2, 3])), INVALID,
        r"^field 'o' row 0 .* is 18446744073709551616, outside the 64-bit signed integer"),
    Bad("field-complex-dtype", wp(frame(o=[1j] * 4)), INVALID,
        r"^field 'o': unsupported dtype complex128"),
    Bad("field-datetime-dtype", wp(frame(o=list(INDEX))), INVALID,
        r"^field 'o': unsupported dtype datetime64"),
    Bad("column-name-newline", wp(GOOD.rename(columns={"v": "a\nb"})), INVALID,
        r"^field 'a\\nb' contains a newline"),
    Bad("column-named-time", wp(GOOD.rename(columns={"v": "time"})), INVALID,
        r"^field 'time' is refused by InfluxDB"),
    Bad("column-name-empty", wp(GOOD.rename(columns={"v": ""})), INVALID,
        r"^a field column has an empty name$"),
    Bad("tag-value-newline", wp(frame(t=["a", "b\nc", "c", "d"]), tag_columns=["t"]),
        INVALID, r"^tag 't' value 'b\\nc' contains a newline"),
    Bad("index-with-nat",
        wp(GOOD.set_axis(pd.DatetimeIndex([INDEX[0], pd.NaT, INDEX[2], INDEX[3]]))), INVALID,
        r"^row 1 \(NaT\): the time is NaT$"),
    Bad("precision-unknown", wp(GOOD, time_precision="sec"), INVALID,
        r"^Invalid time precision is given\."),
    # A TypeError too: what 5.3.2 raised for it (see the migration page's table).
    Bad("protocol-unknown", wp(GOOD, protocol="xml"), TypeError,
        r"^Invalid protocol 'xml': use 'line' or 'json'$"),
    Bad("numeric-precision-unknown", wp(GOOD, numeric_precision="half"), ValueError,
        r"^Invalid numeric precision\.$"),
    Bad("unknown-keyword", wp(GOOD, consistency="all"), TypeError,
        r"write_points\(\) got an unexpected keyword argument 'consistency'"),
    Bad("tags-not-a-dict", wp(GOOD, tags=["a"]), INVALID, r"tags must be a dict"),
    Bad("query-epoch-unknown", lambda c: c.query("SELECT * FROM bad", epoch="sec"),
        ValueError, r"^Invalid epoch 'sec'"),
    Bad("query-not-a-string", lambda c: c.query(["SELECT 1"]), TypeError,
        r"^query must be a str"),
]


@pytest.fixture
def df_client(influxd: Influxd, database: str) -> Iterator[DataFrameClient]:
    client = DataFrameClient(influxd.host, influxd.http_port, database=database, timeout=30,
                             session=RecordingSession())
    yield client
    client.close()


def _param(case: Bad) -> Any:
    marks = []
    if case.bug:
        marks.append(pytest.mark.xfail(strict=True, reason=f"BUG (reported): {case.bug}"))
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_dataframe_input_is_refused_before_sending(
        case: Bad, df_client: DataFrameClient, stored: Callable[[], dict[str, int]]) -> None:
    before = GOOD.copy()
    with pytest.raises(case.error, match=case.match) as info:
        case.call(df_client)
    assert_ours(info.value)
    assert df_client._session.sent == []  # type: ignore[attr-defined]
    assert stored() == {}
    pd.testing.assert_frame_equal(GOOD, before)  # the caller's frame is untouched


def test_good_frame_after_refusals_is_written_exactly(
        df_client: DataFrameClient, stored: Callable[[], dict[str, int]]) -> None:
    assert df_client.write_points(GOOD, "good", tag_columns=["t"], batch_size=3) is True
    assert stored() == {"good": 4}
    result = df_client.query("SELECT v, t FROM good")
    expected = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0], "t": ["a", "b", "c", "d"]},
                            index=INDEX.as_unit("ns"))
    pd.testing.assert_frame_equal(result["good"], expected, check_freq=False)
    assert np.issubdtype(result["good"]["v"].dtype, np.floating)


def test_catalogue_size() -> None:
    assert len(CASES) >= 30
