"""1,000,000 rows through a real influxd: written in batches, read back three ways, equal."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from influxdb import DataFrameClient
from tests.integration.test_dataframe_server import expected_fields, text

pytestmark = [pytest.mark.server, pytest.mark.slow]

ROWS = 1_000_000
# Booleans and the nullable dtypes are covered by test_dataframe_server.py; here volume.
KINDS = {"f": "float", "i": "int", "s": "str"}


def big_frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    # Distinct times (1 ms apart plus up to 999 us of noise), nanosecond resolution, Tokyo.
    nanos = np.int64(1_700_000_000 * 10**9) + np.arange(ROWS, dtype=np.int64) * 10**6 \
        + rng.integers(0, 10**6, ROWS)
    index = pd.DatetimeIndex(nanos.view("datetime64[ns]")).tz_localize("UTC").tz_convert(
        "Asia/Tokyo")
    f = rng.normal(size=ROWS) * 1000
    f[rng.random(ROWS) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "host": np.array([f"host-{i}" for i in range(20)], dtype=object)[
                rng.integers(0, 20, ROWS)],
            "region": np.array(["us-east", "eu central", "ap=1"], dtype=object)[
                rng.integers(0, 3, ROWS)],
            "f": f,
            "i": rng.integers(-(2**62), 2**62, ROWS),
            "s": np.array(["ok", 'warn "x"', "err\\1"], dtype=object)[rng.integers(0, 3, ROWS)],
        },
        index=index,
    )


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """assert_frame_equal, with text columns compared as lists: pandas compares a million
    strings one Python call at a time, which would take most of a minute."""
    assert list(got.columns) == list(expected.columns)
    assert got.dtypes.to_dict() == expected.dtypes.to_dict()
    texts = [c for c in got.columns if not pd.api.types.is_numeric_dtype(got[c].dtype)
             and not pd.api.types.is_bool_dtype(got[c].dtype)]
    for name in texts:
        assert got[name].fillna("\0").tolist() == expected[name].fillna("\0").tolist(), name
    others = [c for c in got.columns if c not in texts]
    pd.testing.assert_frame_equal(got[others], expected[others])


@pytest.fixture(scope="module")
def loaded(influxd: Any) -> Iterator[tuple[DataFrameClient, pd.DataFrame]]:
    name = f"large_{os.getpid()}"
    influxd.admin_query(f'CREATE DATABASE "{name}"')
    cli = DataFrameClient(influxd.host, influxd.http_port, database=name, timeout=300)
    frame = big_frame()
    cli.write_points(frame, "big", tag_columns=["host", "region"], tags={"dc": "x"},
                     batch_size=10_000)
    yield cli, frame
    cli.close()
    influxd.admin_query(f'DROP DATABASE "{name}"')


@pytest.mark.timeout(300)
def test_plain_select(loaded: tuple[DataFrameClient, pd.DataFrame]) -> None:
    cli, frame = loaded
    got = cli.query('SELECT * FROM "big"')["big"]
    expected = expected_fields(frame, KINDS)
    expected["dc"] = text(["x"] * ROWS).to_numpy()
    expected["host"] = text(frame["host"].tolist()).to_numpy()
    expected["region"] = text(frame["region"].tolist()).to_numpy()
    assert_same(got, expected[sorted(expected.columns)])


@pytest.mark.timeout(300)
def test_group_by_all(loaded: tuple[DataFrameClient, pd.DataFrame]) -> None:
    cli, frame = loaded
    frames = cli.query('SELECT * FROM "big" GROUP BY *')
    groups = frame.groupby(["host", "region"], sort=True)
    assert len(frames) == len(groups) == 60
    for (host, region), part in groups:
        got = frames[("big", (("dc", "x"), ("host", host), ("region", region)))]
        assert_same(got, expected_fields(part, KINDS))


@pytest.mark.timeout(300)
def test_chunked(loaded: tuple[DataFrameClient, pd.DataFrame]) -> None:
    cli, frame = loaded
    pieces: dict[Any, list[pd.DataFrame]] = {}
    chunks = 0
    for chunk in cli.query('SELECT * FROM "big" GROUP BY *', chunked=True, chunk_size=100_000):
        chunks += 1
        for key, part in chunk.items():
            pieces.setdefault(key, []).append(part)
    assert chunks >= ROWS // 100_000
    for (host, region), part in frame.groupby(["host", "region"], sort=True):
        got = pd.concat(pieces[("big", (("dc", "x"), ("host", host), ("region", region)))])
        assert_same(got, expected_fields(part, KINDS))
