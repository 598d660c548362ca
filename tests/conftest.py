"""Shared fixtures: private influxd instances and a client with a fresh database per test."""

from __future__ import annotations

import itertools
import os
from typing import Callable, Iterator

import pytest

from tests._influxd import Influxd, InfluxdNotFound

_counter = itertools.count()


# -- tests of the C extension (marked ``needs_c``) ----------------------------------------------
# INFLUXDB_PURE_PYTHON=1 leaves the extension unused on purpose (tox's ``pure`` env): the tests
# that compare it with the Python code have nothing to compare, so they are deselected (counted
# as such in the summary), never skipped.  When it is simply not built they are skipped, but
# under CI=true, where it must have been built, they run and fail.

def _speedups_missing() -> bool:
    from influxdb import _accel

    return _accel.speedups is None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    marked = [item for item in items if item.get_closest_marker("needs_c") is not None]
    if not marked:
        return
    if os.environ.get("INFLUXDB_PURE_PYTHON"):
        config.hook.pytest_deselected(items=marked)
        items[:] = [item for item in items if item.get_closest_marker("needs_c") is None]
    elif _speedups_missing() and os.environ.get("CI") != "true":
        skip = pytest.mark.skip(reason="influxdb._speedups is not built here (no compiler?)")
        for item in marked:
            item.add_marker(skip)


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
