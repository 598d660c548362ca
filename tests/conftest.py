"""Shared fixtures: private influxd instances and a client with a fresh database per test."""

from __future__ import annotations

import itertools
import os
from typing import Callable, Iterator

import pytest

from tests._influxd import Influxd, InfluxdNotFound

_counter = itertools.count()


def _start(**options: object) -> Influxd:
    try:
        server = Influxd(**options)  # type: ignore[arg-type]
    except InfluxdNotFound as exc:
        # Never a skip: the suite exists to prove behaviour against the real server.
        pytest.fail(str(exc), pytrace=False)
    server.start()
    return server


@pytest.fixture(scope="session")
def influxd() -> Iterator[Influxd]:
    """A private influxd (no auth) with a UDP listener writing to ``influxd.udp_database``."""
    server = _start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def influxd_auth() -> Iterator[Influxd]:
    """A private influxd with ``auth-enabled = true`` and an admin user."""
    server = _start(auth=True)
    yield server
    server.cleanup()


@pytest.fixture
def influxd_factory() -> Iterator[Callable[..., Influxd]]:
    """Start extra private instances (for restarts, TLS...); all are stopped after the test."""
    started: list[Influxd] = []

    def factory(**options: object) -> Influxd:
        server = _start(**options)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.cleanup()


@pytest.fixture
def database(influxd: Influxd) -> Iterator[str]:
    """A fresh database on ``influxd``, dropped after the test."""
    name = f"test_{os.getpid()}_{next(_counter)}"
    influxd.admin_query(f'CREATE DATABASE "{name}"')
    yield name
    influxd.admin_query(f'DROP DATABASE "{name}"')


@pytest.fixture
def client(influxd: Influxd, database: str):  # type: ignore[no-untyped-def]
    """An ``InfluxDBClient`` on ``influxd`` using a fresh database."""
    from influxdb import InfluxDBClient

    cli = InfluxDBClient(influxd.host, influxd.http_port, database=database, timeout=30)
    yield cli
    cli.close()
