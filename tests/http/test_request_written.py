"""The transport reports a request written whole before its answer is read
(``_transports.sync.on_written``), which the pipelined writes wait for: against a loopback
server that answers only once the client has said so."""

from __future__ import annotations

import functools
import socket
import threading
from collections.abc import Iterator

import pytest
import requests
import urllib3

from influxdb import InfluxDBClient
from influxdb._transports import sync

#: 4.2 MB, more than a socket takes in one piece; write() adds the last newline
BODY = "\n".join(["cpu value=1 1"] * 300_000)


class HeldAnswers:
    """An HTTP server on loopback that reads each request whole, then answers ``204`` only
    when ``release`` is set (or after ``patience`` seconds, noting that it had to)."""

    def __init__(self, patience: float = 5.0) -> None:
        self.patience = patience
        self.release = threading.Event()
        self.bodies: list[int] = []
        self.released: list[bool] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while True:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    if b"\r\n\r\n" not in data:
                        break
                    head, data = data.split(b"\r\n\r\n", 1)
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(data) < length:
                        chunk = conn.recv(1 << 20)
                        if not chunk:
                            return
                        data += chunk
                    self.bodies.append(length)
                    data = data[length:]
                    self.released.append(self.release.wait(self.patience))
                    self.release.clear()
                    conn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def server() -> Iterator[HeldAnswers]:
    held = HeldAnswers()
    yield held
    held.close()


def test_a_write_is_reported_written_whole_before_its_answer(server: HeldAnswers) -> None:
    client = InfluxDBClient("127.0.0.1", server.port, database="db")
    calls: list[int] = []

    def written() -> None:
        calls.append(len(server.released))  # answers given so far: none for this request
        server.release.set()

    with sync.on_written(written):
        client.write(BODY, protocol="line")
    assert calls == [0]
    assert server.bodies == [len(BODY) + 1]
    assert server.released == [True]  # the answer waited for the report, not the patience


def test_the_report_is_for_the_thread_inside_the_block_only(server: HeldAnswers) -> None:
    server.patience = 0.2
    client = InfluxDBClient("127.0.0.1", server.port, database="db")
    calls: list[str] = []
    with sync.on_written(lambda: calls.append("inside")):
        other = threading.Thread(target=client.write, args=("cpu value=1 1",),
                                 kwargs={"protocol": "line"})
        other.start()
        other.join()
    client.write("cpu value=1 2", protocol="line")  # after the block
    assert calls == []
    assert server.released == [False, False]


def test_blocks_nest_and_restore_the_outer_callback(server: HeldAnswers) -> None:
    server.patience = 0.2
    client = InfluxDBClient("127.0.0.1", server.port, database="db")
    calls: list[str] = []
    with sync.on_written(lambda: calls.append("outer")):
        with sync.on_written(lambda: calls.append("inner")):
            client.write("cpu value=1 1", protocol="line")
        client.write("cpu value=1 2", protocol="line")
    assert calls == ["inner", "outer"]


def test_the_clients_adapter_reports_for_http_https_and_an_http_proxy() -> None:
    client = InfluxDBClient("127.0.0.1", 8086, ssl=True)
    adapter = client._session.get_adapter("https://127.0.0.1:8086")
    assert isinstance(adapter, sync.SocketOptionsAdapter)
    for pools in (adapter.poolmanager.pool_classes_by_scheme,
                  adapter.proxy_manager_for("http://127.0.0.1:3128").pool_classes_by_scheme):
        assert issubclass(pools["http"].ConnectionCls, urllib3.connection.HTTPConnection)
        assert issubclass(pools["https"].ConnectionCls, urllib3.connection.HTTPSConnection)
        calls: list[str] = []
        for scheme in ("http", "https"):
            conn = pools[scheme].ConnectionCls("127.0.0.1", 1)
            with sync.on_written(functools.partial(calls.append, scheme)):
                with pytest.raises(Exception):  # noqa: B017 -- nothing was sent: no answer
                    conn.getresponse()
        assert calls == ["http", "https"]


def test_a_user_session_gets_the_adapter_too(server: HeldAnswers) -> None:
    client = InfluxDBClient("127.0.0.1", server.port, database="db",
                            session=requests.Session())
    calls: list[int] = []

    def written() -> None:
        calls.append(1)
        server.release.set()

    with sync.on_written(written):
        client.write("cpu value=1 1", protocol="line")
    assert calls == [1] and server.released == [True]


def test_urllib3_1s_buffering_argument_is_dropped_so_a_request_is_reported_once(
        server: HeldAnswers) -> None:
    # urllib3 1.x asks getresponse(buffering=True) first (Python 2's argument), then again
    # without it on the TypeError; both would report the request.
    client = InfluxDBClient("127.0.0.1", server.port, database="db")
    adapter = client._session.get_adapter(client._baseurl)
    assert isinstance(adapter, sync.SocketOptionsAdapter)
    conn = adapter.poolmanager.pool_classes_by_scheme["http"].ConnectionCls(
        "127.0.0.1", server.port)
    conn.request("POST", "/write?db=db", body=b"cpu value=1 1\n")
    calls: list[str] = []

    def written() -> None:
        calls.append("written")
        server.release.set()

    with sync.on_written(written):
        answer = conn.getresponse(buffering=True)
    assert (answer.status, calls) == (204, ["written"])
    conn.close()
