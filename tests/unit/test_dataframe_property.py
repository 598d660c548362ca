"""Hypothesis: any writable DataFrame -> our lines -> a parser with the server's rules ->
the same measurement, tags, field values and times; and the same lines as dict points."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influxdb._dataframe.lines import LinePlan
from influxdb.line_protocol import make_lines
from tests._lp_parser import parse

# Text the line protocol can carry: no newline or lone surrogate in names, no backslash at
# the end of a name or before a separator (refused, see test_dataframe_lines).
NAME = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\"),
               min_size=1, max_size=8).filter(lambda s: s != "time" and s[0] not in "#")
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
FLOAT = st.floats(allow_nan=False, allow_infinity=False)
INT = st.integers(min_value=-(2**63), max_value=2**63 - 1)
STAMP = st.integers(min_value=-(2**62), max_value=2**62)


@st.composite
def frames(draw: Any) -> tuple[pd.DataFrame, list[str]]:
    rows = draw(st.integers(min_value=1, max_value=6))
    names = draw(st.lists(NAME, min_size=2, max_size=5, unique=True))
    tag_count = draw(st.integers(min_value=0, max_value=len(names) - 1))
    tags, fields = names[:tag_count], names[tag_count:]
    data: dict[str, Any] = {}
    for name in tags:
        data[name] = draw(st.lists(NAME, min_size=rows, max_size=rows))
    for name in fields:
        kind = draw(st.sampled_from(["float", "int", "bool", "str", "holes"]))
        if kind == "float":
            data[name] = np.array(draw(st.lists(FLOAT, min_size=rows, max_size=rows)))
        elif kind == "int":
            data[name] = np.array(draw(st.lists(INT, min_size=rows, max_size=rows)),
                                  dtype=np.int64)
        elif kind == "bool":
            data[name] = draw(st.lists(st.booleans(), min_size=rows, max_size=rows))
        elif kind == "str":
            data[name] = np.array(draw(st.lists(TEXT, min_size=rows, max_size=rows)),
                                  dtype=object)
        else:
            data[name] = pd.array(draw(st.lists(st.one_of(st.none(), INT), min_size=rows,
                                                max_size=rows)), dtype="Int64")
    stamps = draw(st.lists(STAMP, min_size=rows, max_size=rows))
    index = pd.DatetimeIndex(np.array(stamps, dtype="datetime64[ns]")).tz_localize("UTC")
    return pd.DataFrame(data, index=index, columns=names), tags


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), NAME)
def test_lines_parse_back_to_the_frame(case: tuple[pd.DataFrame, list[str]],
                                       measurement: str) -> None:
    frame, tags = case
    body = LinePlan(frame, measurement, tag_columns=tags).body().decode("utf-8")
    points = parse(body)
    fields = [c for c in frame.columns if c not in tags]
    expected = []
    for row in range(len(frame)):
        values = {}
        for name in fields:
            value = frame[name].iloc[row]
            if value is pd.NA:
                continue
            values[name] = value.item() if isinstance(value, np.generic) else value
        if values:
            expected.append((row, values))
    assert len(points) == len(expected)
    for point, (row, values) in zip(points, expected):
        assert point.measurement == measurement
        assert point.tags == {t: frame[t].iloc[row] for t in tags}
        assert point.fields == values
        assert point.time == frame.index[row].value


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_same_text_as_dict_points(case: tuple[pd.DataFrame, list[str]]) -> None:
    frame, tags = case
    fields = [c for c in frame.columns if c not in tags]
    ours = parse(LinePlan(frame, "m", tag_columns=tags).body().decode("utf-8"))
    dicts = []
    for row in range(len(frame)):
        values = {}
        for name in fields:
            value = frame[name].iloc[row]
            if value is not pd.NA:
                values[name] = value.item() if isinstance(value, np.generic) else value
        if values:
            dicts.append({"measurement": "m", "fields": values,
                          "tags": {t: frame[t].iloc[row] for t in tags},
                          "time": int(frame.index[row].value)})
    theirs = parse(make_lines({"points": dicts}, "n")) if dicts else []
    assert ours == theirs
