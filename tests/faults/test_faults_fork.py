"""``fork()`` with pooled keep-alive connections, against a real influxd.

A forked child holds copies of its parent's pooled sockets.  Before the fix, both sides
sending on them mixed two HTTP exchanges in one stream: in 20 rounds of a parent and a
child querying at once, 69 answers went to the wrong process and 130 requests failed.
The scenarios run in a subprocess (``tests/faults/_fork_scenarios.py``): a fork in the
pytest process would copy pytest itself.  Each is bounded in rounds and time.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests._influxd import Influxd

pytestmark = [pytest.mark.server]

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 20
CHILDREN = 20
PASSWORD = "fork-s3cret-pässword"
TOKEN = "fork-t0ken-abcdef"
_names = itertools.count()


def run(kind: str, *args: object, timeout: float = 300) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "tests.faults._fork_scenarios", kind,
                           *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture
def databases(influxd: Influxd) -> Iterator[list[str]]:
    """The databases a test made with ``_create``, dropped after it."""
    created: list[str] = []
    yield created
    for name in created:
        influxd.admin_query(f'DROP DATABASE "{name}"')


def _create(influxd: Influxd, created: list[str], name: str) -> str:
    influxd.admin_query(f'CREATE DATABASE "{name}"')
    created.append(name)
    return name


def test_parent_and_children_each_get_their_own_answers(influxd: Influxd,
                                                        databases: list[str]) -> None:
    db = _create(influxd, databases, f"fork_q{next(_names)}")
    # Point k has v = k: the query for k can only be answered by k.
    lines = "\n".join(f"m,k=k{k} v={k}i {k}" for k in range(2 * ROUNDS + 1))
    import requests

    requests.post(f"{influxd.url}/write", params={"db": db}, data=lines,
                  timeout=30).raise_for_status()
    result = run("query", influxd.host, influxd.http_port, db, ROUNDS)
    assert result["parent"] == {"wrong": 0, "errors": 0, "queries": ROUNDS * 25}
    assert result["background"]["wrong"] == result["background"]["errors"] == 0
    assert result["background"]["queries"] > 0
    assert result["children"] == [{"wrong": 0, "errors": 0, "exit": 0}] * ROUNDS


def test_children_of_a_busy_writer_write_to_their_own_databases_only(
        influxd: Influxd, databases: list[str]) -> None:
    prefix = f"fork_w{next(_names)}_"
    parent_db = _create(influxd, databases, f"{prefix}parent")
    child_dbs = [_create(influxd, databases, f"{prefix}child{n}") for n in range(CHILDREN)]
    result = run("write", influxd.host, influxd.http_port, prefix, CHILDREN, PASSWORD, TOKEN)

    assert result["children"] == [{"written": 500, "errors": 0, "exit": 0}] * CHILDREN
    assert result["writer_failed"] == 0
    assert result["writer_points_written"] == result["parent_written"] > 0
    # Exact counts per database, and nothing in a database but its own measurement.
    answer = influxd.admin_query("SELECT count(i) FROM /.*/", db=parent_db)["results"][0]
    assert [(s["name"], s["values"][0][1]) for s in answer["series"]] == [
        ("parent", result["parent_written"])]
    for n, db in enumerate(child_dbs):
        answer = influxd.admin_query("SELECT count(i) FROM /.*/", db=db)["results"][0]
        assert [(s["name"], s["values"][0][1]) for s in answer["series"]] == [
            (f"child{n}", 500)], db

    # The DEBUG log of the parent and every child: no credential in any spelling.
    log = result["log"]
    assert "DEBUG" in log  # the capture worked
    basic = base64.b64encode(f"writer:{PASSWORD}".encode()).decode()
    for secret in (PASSWORD, TOKEN, basic, "Authorization"):
        assert secret not in log


def test_a_pool_lock_held_by_a_parent_thread_at_the_fork_does_not_hang_the_child(
        influxd: Influxd) -> None:
    result = run("locked", influxd.host, influxd.http_port, "_internal", timeout=120)
    assert result == {"child": {"answered": True, "exit": 0}, "parent_answered": True}


def test_every_session_a_client_uses_gets_new_pools_and_the_parent_keeps_its_own(
        influxd: Influxd) -> None:
    # The client's own session, a session given with session=, and one swapped in as
    # client._session after construction: the child finds new pools on each adapter, its
    # copies of the inherited sockets closed; the parent's next query reuses its
    # connection (nothing was sent on it, nothing shut it down).
    result = run("pools", influxd.host, influxd.http_port, "_internal", timeout=120)
    assert result == {
        "child": {
            "changed": {name: ["http://", "https://"] for name in ("own", "given", "swapped")},
            "answers": {"own": True, "given": True, "swapped": True},
            "inherited_sockets": 3,
            "inherited_sockets_still_open": 0,
            "exit": 0,
        },
        "parent_connections_opened": {"own": 1, "given": 1, "swapped": 1},
    }
