"""Fork scenarios against a real influxd, run in a subprocess by ``test_faults_fork.py``
(a fork in the pytest process would copy pytest itself).  Each prints one JSON document.

``python -m tests.faults._fork_scenarios query HOST PORT DB ROUNDS``
    A parent whose client holds pooled connections (a thread of its own keeps querying, so
    the pools are in use at the fork) forks a child per round; parent and child then query
    at the same time, each asking for a point only it should get back.

``python -m tests.faults._fork_scenarios write HOST PORT PREFIX CHILDREN PASSWORD TOKEN``
    A busy batching writer in the parent, and children forked while it sends, each writing
    to a database of its own through the inherited client; logs captured at DEBUG.

``python -m tests.faults._fork_scenarios locked HOST PORT DB``
    A parent thread holds a connection pool's lock at the fork; the child must not hang.

``python -m tests.faults._fork_scenarios pools HOST PORT DB``
    Which pools a child uses: the client's own adapter, a user's ``session=``, and a
    session swapped in as ``client._session`` after construction.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from influxdb import InfluxDBClient

QUERIES_PER_SIDE = 25


def _child_result(write_fd: int, result: dict[str, Any]) -> None:
    os.write(write_fd, json.dumps(result).encode())
    os.close(write_fd)
    os._exit(0)


def _read_child(read_fd: int, pid: int, timeout: float = 120.0) -> dict[str, Any]:
    """The child's JSON (it is small: the pipe holds it before the child exits), and its exit
    code; a child still running after ``timeout`` s is killed (``exit`` -9: it hung)."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.01)
    os.set_blocking(read_fd, False)
    try:
        data = os.read(read_fd, 1 << 16)
    except BlockingIOError:
        data = b""
    os.close(read_fd)
    result: dict[str, Any] = json.loads(data or b"{}")
    result["exit"] = os.waitstatus_to_exitcode(status)
    return result


def _ask(client: InfluxDBClient, key: int) -> tuple[int, int]:
    """(wrong answers, errors) of QUERIES_PER_SIDE queries for point ``key``."""
    wrong = errors = 0
    for _ in range(QUERIES_PER_SIDE):
        try:
            result = client.query("SELECT v FROM m WHERE k = $k", bind_params={"k": f"k{key}"})
            if [p["v"] for p in result.get_points()] != [key]:
                wrong += 1
        except Exception:  # noqa: BLE001 -- counted: a broken exchange is the failure
            errors += 1
    return wrong, errors


def query(host: str, port: int, database: str, rounds: int) -> dict[str, Any]:
    # retries=1: a retry would hide a broken exchange.
    client = InfluxDBClient(host, port, database=database, timeout=30, retries=1)
    stop = threading.Event()
    background = {"wrong": 0, "errors": 0, "queries": 0}

    def keep_querying() -> None:  # the parent's pools are busy at every fork
        key = 2 * rounds
        while not stop.is_set():
            wrong, errors = _ask(client, key)
            background["wrong"] += wrong
            background["errors"] += errors
            background["queries"] += QUERIES_PER_SIDE

    thread = threading.Thread(target=keep_querying, daemon=True)
    thread.start()
    parent = {"wrong": 0, "errors": 0, "queries": 0}
    children = []
    for r in range(rounds):
        client.query("SHOW DATABASES")  # a connection in the pool, just used
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            wrong, errors = _ask(client, 2 * r + 1)
            _child_result(write_fd, {"wrong": wrong, "errors": errors})
        os.close(write_fd)
        wrong, errors = _ask(client, 2 * r)
        parent["wrong"] += wrong
        parent["errors"] += errors
        parent["queries"] += QUERIES_PER_SIDE
        children.append(_read_child(read_fd, pid))
    stop.set()
    thread.join(60)
    return {"parent": parent, "background": background, "children": children}


def write(host: str, port: int, prefix: str, count: int, password: str,
          token: str) -> dict[str, Any]:
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    client = InfluxDBClient(host, port, "writer", password, database=f"{prefix}parent",
                            timeout=30)
    tokened = InfluxDBClient(host, port, database=f"{prefix}parent", timeout=30, token=token)
    parent_points = 0
    stop = threading.Event()
    writer = client.batch_writer(batch_size=200, flush_interval=0.01)

    def busy() -> None:  # the parent's writer sends while the children are forked
        nonlocal parent_points
        i = 0
        while not stop.is_set():
            writer.write([{"measurement": "parent", "fields": {"i": i + j}, "time": i + j}
                          for j in range(50)])
            i += 50
            parent_points = i
            tokened.query("SHOW MEASUREMENTS")
            time.sleep(0.002)

    thread = threading.Thread(target=busy, daemon=True)
    thread.start()
    time.sleep(0.2)
    children = []
    for n in range(count):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            stored = errors = 0
            for b in range(5):
                try:
                    client.write_points(
                        [{"measurement": f"child{n}", "fields": {"i": b * 100 + j},
                          "time": b * 100 + j} for j in range(100)],
                        database=f"{prefix}child{n}")
                    stored += 100
                    tokened.query("SHOW MEASUREMENTS", database=f"{prefix}child{n}")
                except Exception:  # noqa: BLE001 -- counted
                    errors += 1
            _child_result(write_fd, {"written": stored, "errors": errors})
        os.close(write_fd)
        children.append((read_fd, pid))
        time.sleep(0.02)
    results = [_read_child(read_fd, pid) for read_fd, pid in children]
    stop.set()
    thread.join(60)
    writer.close()
    root.removeHandler(handler)
    return {"parent_written": parent_points, "writer_failed": len(writer.failed),
            "writer_points_written": writer.stats.points_written,
            "children": results, "log": logs.getvalue()}


def _pool_ids(session: Any) -> dict[str, int]:
    return {prefix: id(adapter.poolmanager) for prefix, adapter in session.adapters.items()}


def _fd_link(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def _pooled_sockets(clients: Any) -> dict[int, str]:
    """``{fd: 'socket:[inode]'}`` of the idle connections in the clients' pools."""
    out = {}
    for client in clients:
        manager = client._session.get_adapter(client._baseurl).poolmanager
        for pool in manager.pools._container.values():
            for conn in list(pool.pool.queue):
                if conn is not None and conn.sock is not None:
                    out[conn.sock.fileno()] = _fd_link(conn.sock.fileno())
    return out


def pools(host: str, port: int, database: str) -> dict[str, Any]:
    import requests

    own = InfluxDBClient(host, port, database=database)
    users = requests.Session()
    given = InfluxDBClient(host, port, database=database, session=users)
    swapped = InfluxDBClient(host, port, database=database)
    swapped._session = requests.Session()
    clients = {"own": own, "given": given, "swapped": swapped}
    for client in clients.values():
        client.query("SHOW DATABASES")
    before = {name: _pool_ids(c._session) for name, c in clients.items()}
    pooled = _pooled_sockets(clients.values())
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        still_open = sum(1 for fd, link in pooled.items() if _fd_link(fd) == link)
        after = {name: _pool_ids(c._session) for name, c in clients.items()}
        changed = {name: sorted(p for p in after[name] if after[name][p] != before[name][p])
                   for name in clients}
        answers = {name: c.query("SHOW DATABASES").raw is not None
                   for name, c in clients.items()}
        _child_result(write_fd, {"changed": changed, "answers": answers,
                                 "inherited_sockets": len(pooled),
                                 "inherited_sockets_still_open": still_open})
    os.close(write_fd)
    child = _read_child(read_fd, pid)
    # The parent's own connections were left alone: its next query reuses the pooled one.
    for client in clients.values():
        client.query("SHOW DATABASES")
    http = {name: c._session.get_adapter(c._baseurl).poolmanager for name, c in clients.items()}
    opened = {name: sum(pool.num_connections for pool in manager.pools._container.values())
              for name, manager in http.items()}
    return {"child": child, "parent_connections_opened": opened}


def locked(host: str, port: int, database: str) -> dict[str, Any]:
    """A parent thread holds a pool's lock at the fork (it was taking a connection): the
    child must not wait for a lock no thread of its own will ever release."""
    client = InfluxDBClient(host, port, database=database, timeout=30)
    client.query("SHOW DATABASES")
    manager = client._session.get_adapter(client._baseurl).poolmanager
    connections = next(iter(manager.pools._container.values())).pool  # the pool's queue
    del manager  # the child's hook then drops the last reference to the pool
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with connections.mutex:
            held.set()
            release.wait(60)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    held.wait(10)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        answered = client.query("SHOW DATABASES").raw is not None
        _child_result(write_fd, {"answered": answered})
    os.close(write_fd)
    child = _read_child(read_fd, pid, timeout=30)
    release.set()
    thread.join(10)
    return {"child": child, "parent_answered": client.query("SHOW DATABASES").raw is not None}


if __name__ == "__main__":
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "query":
        out = query(args[0], int(args[1]), args[2], int(args[3]))
    elif kind == "write":
        out = write(args[0], int(args[1]), args[2], int(args[3]), args[4], args[5])
    elif kind == "pools":
        out = pools(args[0], int(args[1]), args[2])
    else:
        out = locked(args[0], int(args[1]), args[2])
    sys.stdout.write(json.dumps(out))
