"""The 0.8 stub server itself, spoken to with plain ``requests`` (no client code)."""

from __future__ import annotations

import runpy
import socket
import sys
from pathlib import Path
from unittest import mock

import pytest
import requests

from tests.influxdb08._server import Stub08Server

ROOT = {"u": "root", "p": "root"}
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "influxdb08_basic.py"


def test_ping(server08: Stub08Server) -> None:
    response = requests.get(f"{server08.url}/ping", timeout=5)
    assert (response.status_code, response.text) == (200, '{"status":"ok"}')


def test_basic_auth_is_accepted_too(server08: Stub08Server) -> None:
    response = requests.get(f"{server08.url}/db", auth=("root", "root"), timeout=5)
    assert (response.status_code, response.json()) == (200, [{"name": "db"}])


def test_missing_credentials(server08: Stub08Server) -> None:
    response = requests.get(f"{server08.url}/cluster_admins", timeout=5)
    assert (response.status_code, response.text) == (401, "Invalid database/username/password")


def test_unknown_precision(server08: Stub08Server) -> None:
    params = {**ROOT, "q": "list series", "time_precision": "h"}
    response = requests.get(f"{server08.url}/db/db/series", params=params, timeout=5)
    assert (response.status_code, response.text) == (400, "Unknown time precision h")


def test_records_requests_exactly(server08: Stub08Server) -> None:
    requests.post(f"{server08.url}/db?u=root&p=root&x=%20", data=b'{"name":"n"}', timeout=5)
    request = server08.last
    assert (request.method, request.path, request.query, request.body) == (
        "POST",
        "/db",
        [("u", "root"), ("p", "root"), ("x", " ")],
        b'{"name":"n"}',
    )
    assert request.params == {"u": "root", "p": "root", "x": " "}


def test_chunked_answer_framing(server08: Stub08Server) -> None:
    server08.chunk_points = 1
    requests.post(
        f"{server08.url}/db/db/series",
        params=ROOT,
        timeout=5,
        json=[{"name": "c", "columns": ["time", "v"], "points": [[1, 1], [2, 2]]}],
    )
    request = (
        f"GET /db/db/series?u=root&p=root&q=select+v+from+c&chunked=true HTTP/1.1\r\n"
        f"Host: {server08.host}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((server08.host, server08.port), timeout=5) as conn:
        conn.sendall(request)
        raw = b""
        while chunk := conn.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    first = b'{"name":"c","columns":["time","sequence_number","v"],"points":[[2,2,2]]}'
    second = b'{"name":"c","columns":["time","sequence_number","v"],"points":[[1,1,1]]}'
    assert body == b"48\r\n" + first + b"\r\n48\r\n" + second + b"\r\n0\r\n\r\n"
    assert len(first) == 0x48


def test_write_skips_series_without_points(server08: Stub08Server) -> None:
    response = requests.post(
        f"{server08.url}/db/db/series",
        params=ROOT,
        timeout=5,
        json=[{"name": "empty", "columns": ["v"], "points": []}],
    )
    assert response.status_code == 200
    assert server08.state.databases["db"].series == {}


def test_write_sequence_number_updates_a_point(server08: Stub08Server) -> None:
    url = f"{server08.url}/db/db/series"
    requests.post(
        url,
        params=ROOT,
        timeout=5,
        json=[{"name": "u", "columns": ["time", "a", "b"], "points": [[5, 1, 2]]}],
    )
    requests.post(
        url,
        params=ROOT,
        timeout=5,
        json=[{"name": "u", "columns": ["time", "sequence_number", "b"], "points": [[5, 1, 20]]}],
    )
    answer = requests.get(url, params={**ROOT, "q": "select * from u"}, timeout=5).json()
    assert answer[0]["points"] == [[5, 1, 1, 20]]  # written and read in ms (the default)


def test_example_script_runs_against_the_stub(
    server08: Stub08Server, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["influxdb08_basic.py", "--host", server08.host, "--port", str(server08.port)]
    with mock.patch.object(sys, "argv", argv):
        runpy.run_path(str(EXAMPLE), run_name="__main__")
    assert capsys.readouterr().out == (
        "series: ['cpu_load']\n"
        "cpu_load ['time', 'sequence_number', 'value']\n"
        "   [1400000000, 1, 0.64]\n"
        "   [1400000060, 2, 0.71]\n"
    )
    assert "example" not in server08.state.databases
