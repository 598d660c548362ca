"""Fixtures of the 0.8 client tests: the 0.8 stub server, clients, a UDP listener."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest

import influxdb08.client
from influxdb08 import InfluxDBClient
from tests.influxdb08._server import Stub08Server


@pytest.fixture
def server08() -> Iterator[Stub08Server]:
    """A fresh 0.8 stub (cluster admin root/root) holding the empty database ``db``."""
    with Stub08Server() as server:
        server.state.create_database("db")
        yield server
    # Drop the pooled keep-alive connections to this server from the shared session.
    influxdb08.client.session.close()


@pytest.fixture
def client08(server08: Stub08Server) -> Iterator[InfluxDBClient]:
    """A client of ``server08`` as root/root on database ``db``."""
    client = InfluxDBClient(server08.host, server08.port, "root", "root", "db")
    yield client
    client.close()


@pytest.fixture
def udp_listener() -> Iterator[socket.socket]:
    """A UDP socket bound on 127.0.0.1 (any port) that gives up after 5 s."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()
