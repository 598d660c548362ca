"""The client's surface: constructor checks, reprs, ``bind_params`` values, ``query()`` types."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

# -- query() overloads ----------------------------------------------------------------------

SNIPPET = '''
from influxdb import InfluxDBClient

client = InfluxDBClient()
reveal_type(client.query("SELECT 1"))
reveal_type(client.query("SELECT 1", chunked=True))
reveal_type(client.query("SELECT 1", None, None, None, 200, None, True, True))
reveal_type(client.query("SELECT 1", chunked=False, chunk_size=10))
flag = bool(len("x"))
reveal_type(client.query("SELECT 1", chunked=flag))
'''

ONE_OR_LIST = "influxdb.resultset.ResultSet | list[influxdb.resultset.ResultSet]"
CHUNKS = "typing.Iterator[influxdb.resultset.ResultSet]"


@pytest.mark.timeout(120)
def test_query_overloads_tell_chunked_from_not(tmp_path: Path) -> None:
    source = tmp_path / "snippet.py"
    source.write_text(textwrap.dedent(SNIPPET), encoding="utf-8")
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "--cache-dir",
                                     str(tmp_path), "--python-version", "3.10", str(source)])
    revealed = [line.split('Revealed type is "', 1)[1].rstrip('"')
                for line in out.splitlines() if "Revealed type" in line]
    assert revealed == [ONE_OR_LIST, CHUNKS, CHUNKS, ONE_OR_LIST, f"{ONE_OR_LIST} | {CHUNKS}"]
    assert (status, err) == (0, ""), out
