"""The batching writer where processes end: ``fork()`` (``multiprocessing`` workers, a bare
``os.fork``), interpreter exit, SIGTERM with and without a handler, Ctrl-C during the exit
flush, and several writers flushed at exit against refused ports and a silent server.

Each case runs a small program in a subprocess (bounded by a timeout) against the real
``influxd``, then counts what the server stored and reads what the program logged: every
accepted point is stored, or named in an ``ERROR`` line with its exact count.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Optional

import pytest

from tests._influxd import Influxd
from tests.faults._silent import refused_port

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]

#: What every program starts with: the client, ERROR lines on stderr in a fixed format,
#: and points whose tag ``w`` says who wrote them (times 0..n-1 s).
PRELUDE = '''
import json, logging, os, signal, socket, sys, time
logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s %(message)s")
from influxdb import InfluxDBClient
from influxdb.batching import exit_on_sigterm
PORT, DB = int(sys.argv[1]), sys.argv[2]

def points(n, who):
    return [{"measurement": "m", "tags": {"w": who}, "fields": {"v": i}, "time": i}
            for i in range(n)]

def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
'''


def program(body: str) -> str:
    return PRELUDE + textwrap.dedent(body)


def start(body: str, port: int, database: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", program(body), str(port), database],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def run(body: str, port: int, database: str, timeout: float = 90) -> tuple[int, str, str]:
    proc = start(body, port, database)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        proc.kill()
    return proc.returncode, out, err


def stored(server: Influxd, database: str) -> dict[str, int]:
    """Points the server holds, by writer (tag ``w``)."""
    answer = server.admin_query('SELECT count("v") FROM "m" GROUP BY "w"', db=database)
    result = answer["results"][0]
    assert "error" not in result, result
    return {s["tags"]["w"]: s["values"][0][1] for s in result.get("series", [])}


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("ERROR ")]


def read_line(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    """The program's next stdout line (it prints one when it is ready for a signal)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    line: Optional[str] = None
    while line is None:
        assert time.monotonic() < deadline, "the program printed nothing in time"
        line = proc.stdout.readline()
    return line.strip()


# -- fork --------------------------------------------------------------------------------------

def test_multiprocessing_fork_workers_store_every_point(influxd: Influxd,
                                                        database: str) -> None:
    # The parent wrote (and so holds a pooled connection) before the workers were forked;
    # each worker writes 3,000 points through the inherited writer and simply returns.
    code, out, err = run('''
        import multiprocessing
        client = InfluxDBClient("127.0.0.1", PORT, database=DB)
        writer = client.batch_writer(time_precision="s")
        writer.write(points(1000, "parent"))
        assert writer.flush(timeout=30)

        def work(n):
            writer.write(points(3000, f"worker{n}"))

        ctx = multiprocessing.get_context("fork")
        workers = [ctx.Process(target=work, args=(n,)) for n in range(4)]
        for p in workers:
            p.start()
        for p in workers:
            p.join(60)
        assert writer.close()
        stats = writer.stats
        print(json.dumps({"codes": [p.exitcode for p in workers],
                          "parent": [stats.points_accepted, stats.points_written]}))
    ''', influxd.http_port, database)
    assert (code, error_lines(err)) == (0, []), err
    assert json.loads(out) == {"codes": [0, 0, 0, 0], "parent": [1000, 1000]}
    assert stored(influxd, database) == {"parent": 1000, "worker0": 3000, "worker1": 3000,
                                         "worker2": 3000, "worker3": 3000}


def test_multiprocessing_fork_pool_workers_store_every_point(influxd: Influxd,
                                                             database: str) -> None:
    # A pool's workers leave through the same exit path once the pool is closed and joined.
    code, out, err = run('''
        import multiprocessing
        client = InfluxDBClient("127.0.0.1", PORT, database=DB)
        writer = client.batch_writer(time_precision="s")

        def task(n):
            writer.write(points(3000, f"task{n}"))
            return writer.stats.points_accepted

        pool = multiprocessing.get_context("fork").Pool(2)
        accepted = pool.map(task, range(4), chunksize=1)
        pool.close()
        pool.join()
        writer.close()
        print(json.dumps({"parent": writer.stats.points_accepted, "tasks": len(accepted)}))
    ''', influxd.http_port, database)
    assert (code, error_lines(err)) == (0, []), err
    assert json.loads(out) == {"parent": 0, "tasks": 4}
    assert stored(influxd, database) == {f"task{n}": 3000 for n in range(4)}


def test_a_worker_whose_exit_flush_runs_out_of_time_says_so(influxd: Influxd,
                                                            database: str) -> None:
    # The worker's own writer cannot reach its server: the worker's exit (multiprocessing's
    # finalizers, then os._exit) still waits at most exit_timeout and counts the points.
    code, out, err = run(f'''
        import multiprocessing

        def work():
            client = InfluxDBClient("127.0.0.1", {refused_port()}, database=DB)
            writer = client.batch_writer(exit_timeout=1, name="in-worker")
            writer.write(points(3000, "worker"))

        worker = multiprocessing.get_context("fork").Process(target=work)
        started = time.monotonic()
        worker.start()
        worker.join(60)
        print(json.dumps({{"code": worker.exitcode,
                          "took": round(time.monotonic() - started, 1)}}))
    ''', influxd.http_port, database)
    assert code == 0, err
    assert error_lines(err) == [
        "ERROR influxdb.batching BatchWriter in-worker: the exit flush ran out of time "
        "(exit_timeout=1s); 3000 points were not written (3000 in the batch being sent, "
        "which the server may have stored; 0 never sent); they are lost with the process"]
    result = json.loads(out)
    assert result["code"] == 0
    assert 1.0 <= result["took"] < 5.0
    assert stored(influxd, database) == {}


def test_os_fork_child_starts_empty_and_flushes_at_its_exit(influxd: Influxd,
                                                            database: str) -> None:
    # 500 points wait in the parent's buffer at the fork: the parent sends them, the child
    # only its own 3,000 (at its interpreter exit).
    code, out, err = run('''
        client = InfluxDBClient("127.0.0.1", PORT, database=DB)
        writer = client.batch_writer(time_precision="s", flush_interval=None)
        writer.write(points(500, "parent"))
        pid = os.fork()
        if pid == 0:
            writer.write(points(3000, "child"))
            s = writer.stats
            print(json.dumps({"child": [s.points_accepted, s.points_written,
                                        s.points_buffered]}), flush=True)
            sys.exit(0)  # an ordinary exit: atexit runs, and flushes
        _, status = os.waitpid(pid, 0)
        assert writer.close()
        s = writer.stats
        print(json.dumps({"parent": [s.points_accepted, s.points_written],
                          "child_status": os.waitstatus_to_exitcode(status)}))
    ''', influxd.http_port, database)
    assert (code, error_lines(err)) == (0, []), err
    child, parent = (json.loads(line) for line in out.splitlines())
    assert child == {"child": [3000, 0, 3000]}
    assert parent == {"parent": [500, 500], "child_status": 0}
    assert stored(influxd, database) == {"parent": 500, "child": 3000}


def test_sessions_fork_empty_and_uncommitted_points_are_counted_at_exit(
        influxd: Influxd, database: str) -> None:
    # A session holds 50 points at the fork: the child commits only its own 30; the
    # parent's 50 stay the parent's; 7 points the parent never commits are counted at exit.
    code, out, err = run('''
        client = InfluxDBClient("127.0.0.1", PORT, database=DB)
        session = client.session(time_precision="s")
        session.write(points(50, "parent"))
        pid = os.fork()
        if pid == 0:
            session.write(points(30, "child"))
            print(json.dumps({"child_pending": session.pending}), flush=True)
            session.commit()
            sys.exit(0)
        _, status = os.waitpid(pid, 0)
        session.commit()
        session.write(points(7, "forgotten"))
        print(json.dumps({"child_status": os.waitstatus_to_exitcode(status)}), flush=True)
    ''', influxd.http_port, database)
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [{"child_pending": 30},
                                                              {"child_status": 0}]
    assert error_lines(err) == [
        f"ERROR influxdb.batching Session(url='http://127.0.0.1:{influxd.http_port}', "
        f"database='{database}'): 7 points were never committed; they are lost with the "
        f"process (commit(), or write inside a with block, which commits)"]
    assert stored(influxd, database) == {"parent": 50, "child": 30}


# -- signals -------------------------------------------------------------------------------------

SIGTERM_PROGRAM = '''
    {handler}
    client = InfluxDBClient("127.0.0.1", PORT, database=DB)
    writer = client.batch_writer(time_precision="s", flush_interval=None)
    writer.write(points(12000, "app"))
    wait_until(lambda: writer.stats.points_written == 10000)  # the two full batches
    print("ready", flush=True)
    time.sleep(60)
'''


@pytest.mark.parametrize(("handler", "code", "count"), [
    ("", -signal.SIGTERM, 10_000),                      # killed: the buffer is lost
    ("exit_on_sigterm()", 0, 12_000),                   # the library's opt-in helper
    ("signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))", 3, 12_000),  # the app's own
])
def test_sigterm(influxd: Influxd, database: str, handler: str, code: int,
                 count: int) -> None:
    proc = start(SIGTERM_PROGRAM.format(handler=handler), influxd.http_port, database)
    try:
        assert read_line(proc) == "ready"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert (proc.returncode, error_lines(err)) == (code, []), err
    assert stored(influxd, database) == {"app": count}


def test_ctrl_c_during_the_exit_flush_names_the_points_left(influxd: Influxd,
                                                            database: str) -> None:
    # The port refuses connections, so the exit flush retries (default policy) until the
    # user presses Ctrl-C: the wait stops and the 24,000 points are counted at ERROR.
    proc = start(f'''
        client = InfluxDBClient("127.0.0.1", {refused_port()}, database=DB)
        writer = client.batch_writer(time_precision="s", exit_timeout=60, name="w")
        writer.write(points(24000, "app"))
        print("exiting", flush=True)
    ''', influxd.http_port, database)
    try:
        assert read_line(proc) == "exiting"
        time.sleep(1.0)  # the exit flush is retrying
        interrupted = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        took = time.monotonic() - interrupted
    finally:
        proc.kill()
    assert proc.returncode == 0  # an exit hook cannot change the status; the log says it
    assert error_lines(err) == [
        "ERROR influxdb.batching BatchWriter w: the exit flush was interrupted "
        "(KeyboardInterrupt); 24000 points were not written (5000 in the batch being sent, "
        "which the server may have stored; 19000 never sent); they are lost with the process"]
    assert took < 10


def test_a_second_sigterm_during_the_exit_flush_is_reported(influxd: Influxd,
                                                             database: str) -> None:
    # exit_on_sigterm(): the first SIGTERM starts the exit flush (a refused port, so it
    # retries); a second one, as supervisors send, stops it with the count logged.
    proc = start(f'''
        exit_on_sigterm()
        client = InfluxDBClient("127.0.0.1", {refused_port()}, database=DB)
        writer = client.batch_writer(time_precision="s", exit_timeout=60, name="w")
        writer.write(points(3000, "app"))
        print("ready", flush=True)
        time.sleep(60)
    ''', influxd.http_port, database)
    try:
        assert read_line(proc) == "ready"
        proc.send_signal(signal.SIGTERM)
        time.sleep(1.0)  # the exit flush is retrying
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert error_lines(err) == [
        "ERROR influxdb.batching BatchWriter w: the exit flush was interrupted (SystemExit); "
        "3000 points were not written (3000 in the batch being sent, which the server may "
        "have stored; 0 never sent); they are lost with the process"]


# -- the exit flush ------------------------------------------------------------------------------

def test_writers_are_flushed_together_at_exit(influxd: Influxd, database: str) -> None:
    # Four writers, exit_timeout=3 each: two to refused ports, one to a server that accepts
    # and never answers (its batch in flight is counted too), one to influxd.  Together they
    # take about 3 s, not 9+; everything not stored is named with its exact count.
    proc = start(f'''
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections complete in the kernel; nothing ever answers

        def writer(port, name):
            client = InfluxDBClient("127.0.0.1", port, database=DB)
            return client.batch_writer(time_precision="s", exit_timeout=3, name=name)

        refused_a = writer({refused_port()}, "refused-a")
        refused_b = writer({refused_port()}, "refused-b")
        hung = writer(silent.getsockname()[1], "silent")
        good = writer(PORT, "good")
        refused_a.write(points(1000, "a"))
        refused_b.write(points(2000, "b"))
        hung.write(points(12000, "s"))
        good.write(points(3000, "good"))
        time.sleep(0.3)  # the silent server holds the first batch
        print("exiting", flush=True)
    ''', influxd.http_port, database)
    try:
        assert read_line(proc) == "exiting"
        exiting = time.monotonic()
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - exiting
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert sorted(error_lines(err)) == [
        f"ERROR influxdb.batching BatchWriter {name}: the exit flush ran out of time "
        f"(exit_timeout=3s); {total} points were not written ({in_flight} in the batch being "
        f"sent, which the server may have stored; {never} never sent); they are lost with "
        f"the process"
        for name, total, in_flight, never in [("refused-a", 1000, 1000, 0),
                                              ("refused-b", 2000, 2000, 0),
                                              ("silent", 12000, 5000, 7000)]], err
    assert 2.9 <= took < 6.0, took  # one exit_timeout, not one per writer
    assert stored(influxd, database) == {"good": 3000}
