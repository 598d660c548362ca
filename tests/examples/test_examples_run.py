"""Every example in ``examples/`` runs against a private influxd and prints exactly this.

Each example is run as a subprocess (as a user would run it), with the command line
``examples/run_examples.py`` builds, against a fresh server of its own.  The whole standard
output is compared with ``expected/<script>.txt``, where ``<HOST>:<PORT>`` stands for the
server's address.  Standard error must be empty: no traceback, no warning.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest

from tests._influxd import Influxd

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = ROOT / "examples"


def _load_runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_examples",
                                                  EXAMPLES_DIR / "run_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_examples = _load_runner()

#: Scripts in examples/ that are not examples run by the suite: helpers, the runner, and the
#: 0.8 example (it needs an InfluxDB 0.8 server; tests/influxdb08 runs it against a stub).
NOT_EXAMPLES = {"_common.py", "run_examples.py", "influxdb08_basic.py"}

#: The expected standard output of each example, in ``expected/<script name>.txt``.
EXPECTED_DIR = Path(__file__).resolve().parent / "expected"


def expected_output(script: str) -> str:
    return (EXPECTED_DIR / (script[:-3] + ".txt")).read_text(encoding="utf-8")


def _run(script: str, needs: str, server: Influxd) -> subprocess.CompletedProcess[str]:
    cmd = run_examples.command(script, needs, server, server)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in list(env):  # the examples' defaults must not leak in from the environment
        if name.startswith("INFLUXDB_"):
            del env[name]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120,
                          cwd=str(ROOT))


@pytest.mark.server
@pytest.mark.parametrize(("script", "needs"), run_examples.EXAMPLES,
                         ids=[script for script, _ in run_examples.EXAMPLES])
def test_example_output(script: str, needs: str,
                        influxd_factory: Callable[..., Influxd]) -> None:
    server = influxd_factory(auth=(needs == "auth"))
    done = _run(script, needs, server)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    expected = expected_output(script).replace("<HOST>", server.host).replace(
        "<PORT>", str(server.http_port))
    assert done.stdout == expected


def test_every_example_is_registered_and_checked() -> None:
    scripts = {p.name for p in EXAMPLES_DIR.glob("*.py")} - NOT_EXAMPLES
    registered = [script for script, _ in run_examples.EXAMPLES]
    assert sorted(registered) == sorted(scripts)
    assert len(set(registered)) == len(registered)
    assert sorted(p.name[:-4] + ".py" for p in EXPECTED_DIR.glob("*.txt")) == sorted(scripts)


def test_every_example_is_listed_in_the_docs() -> None:
    page = (ROOT / "docs" / "examples.rst").read_text(encoding="utf-8")
    scripts = {p.name for p in EXAMPLES_DIR.glob("*.py")} - {"_common.py", "run_examples.py"}
    assert sorted(s for s in scripts if f"``{s}``" not in page) == []


def test_needs_are_known() -> None:
    assert {needs for _, needs in run_examples.EXAMPLES} <= {"", "udp", "auth"}


@pytest.mark.server
def test_run_examples_runs_them_all() -> None:
    """``make demo``: the runner starts its own servers, runs everything and stops them."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(EXAMPLES_DIR / "run_examples.py")], env=env,
                          capture_output=True, text=True, timeout=600, cwd=str(ROOT))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    count = len(run_examples.EXAMPLES)
    assert done.stdout.endswith(f"\ninfluxd stopped\n{count} passed, 0 failed\n")
    for script, _ in run_examples.EXAMPLES:
        assert f"\n=== {script} ===\n" in done.stdout
