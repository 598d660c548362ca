"""A forked child of a 0.8 client never sends on its parent's pooled sockets.

The module's one shared ``session`` keeps keep-alive connections; a child made by ``fork()``
starts with empty pools (the 1.x client's rule, docs/robustness.rst), so parent and child
querying at once each get their own answers.  The fork runs in a subprocess (forking pytest
itself would copy it), bounded in rounds and time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.influxdb08._server import Stub08Server

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = r'''
import json, os, sys
import influxdb08.client as module
from influxdb08 import InfluxDBClient
host, port, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = InfluxDBClient(host, port, "root", "root", "db")
report = {"pooled_before": 0, "child_pools": [], "wrong": 0, "failed": 0, "answers": 0}
def names():
    return sorted(d["name"] for d in client.get_list_database())
expected = names()
report["pooled_before"] = len(module.session.get_adapter("http://x").poolmanager.pools)
for _ in range(rounds):
    names()  # a pooled connection in the parent
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        pools = len(module.session.get_adapter("http://x").poolmanager.pools)
        wrong = failed = 0
        for _ in range(5):
            try:
                wrong += names() != expected
            except Exception:
                failed += 1
        os.write(write, json.dumps([pools, wrong, failed]).encode())
        os._exit(0)
    os.close(write)
    for _ in range(5):
        try:
            report["wrong"] += names() != expected
        except Exception:
            report["failed"] += 1
        report["answers"] += 1
    os.waitpid(pid, 0)
    pools, wrong, failed = json.loads(os.read(read, 1000))
    os.close(read)
    report["child_pools"].append(pools)
    report["wrong"] += wrong
    report["failed"] += failed
    report["answers"] += 5
print(json.dumps(report))
'''


def test_forked_children_start_with_empty_pools_and_get_their_own_answers() -> None:
    with Stub08Server() as server:
        for name in ("db", "other", "third"):
            server.state.create_database(name)
        done = subprocess.run([sys.executable, "-c", SCENARIO, server.host, str(server.port),
                               "10"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["pooled_before"] == 1
    assert report["child_pools"] == [0] * 10
    assert (report["wrong"], report["failed"], report["answers"]) == (0, 0, 100)
