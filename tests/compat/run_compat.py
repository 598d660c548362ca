#!/usr/bin/env python3
"""influxdb-python 5.3.2's own test suite, run against this checkout: a check of drop-in behaviour.

    python tests/compat/run_compat.py [--python PYTHON] [--keep] [--no-server] [-- PYTEST_ARGS]

(``make compat`` runs it.)  Everything happens in a new temporary folder, removed at the end
unless ``--keep``; nothing of 5.3.2 is kept in this repository:

1. ``pip download --no-deps --no-binary :all: influxdb==5.3.2`` fetches the sdist, which
   ships its tests as ``influxdb/tests/``;
2. a separate venv gets this checkout installed as a user gets it (``pip install
   <checkout>[pandas]``, the C extension built) and what 5.3.2's tests import (``mock``,
   ``requests-mock``, ``pytz``), with pytest to run them;
3. the tests are laid out as ``overlay/influxdb/tests``, and pytest runs in a process that
   first appended ``overlay/influxdb`` to the installed package's ``__path__``: ``influxdb``
   is ours, ``influxdb.tests`` is 5.3.2's;
4. what the tests need that is gone or missing is supplied: ``nose.tools.raises`` (the only
   name of nose the tests use; nose itself no longer imports on current Pythons),
   ``pandas.util.testing`` (removed in pandas 2: ``pandas.testing`` stands for it), and the
   influxd configuration template of the server tests (not in the sdist; they run when
   ``influxd`` is found, else they skip through their own ``INFLUXDB_PYTHON_SKIP_SERVER_TESTS``);
5. the failures are compared with ``EXPECTED`` below (each with its reason): unexpected
   failures, and expected failures that now pass, are printed.

The interpreter must be older than 3.12: the tests call ``assertEquals`` and
``assertRaisesRegexp``, and the server tests import ``distutils``.  Exit status 0 when nothing is
unexpected, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

VERSION = "5.3.2"
CHECKOUT = Path(__file__).resolve().parents[2]

#: Tests of 5.3.2 that fail against this package on purpose (docs/migration.rst), or that fail
#: with pandas 3 / numpy 2 whatever the client: test id -> why.
EXPECTED = {
    # deliberate fixes
    "client_test.TestInfluxDBClient.test_create_continuous_query":
        "CREATE CONTINUOUS QUERY is sent by POST (5.3.2 used GET, which InfluxDB deprecates)",
    "client_test.TestInfluxDBClient.test_drop_continuous_query":
        "DROP CONTINUOUS QUERY is sent by POST (5.3.2 used GET)",
    "client_test.TestInfluxDBClient.test_write_gzip":
        "gzip level 5 (faster than 5.3.2's 9): the header's XFL byte is 0, not 2",
    "client_test.TestInfluxDBClient.test_write_points_gzip":
        "gzip level 5: the header's XFL byte (as test_write_gzip)",
    "client_test.TestInfluxDBClient.test_write_points_fails":
        "an empty write sends nothing (5.3.2 sent an empty body; the mocked error never comes)",
    "dataframe_client_test.TestDataFrameClient.test_write_points_from_dataframe_with_all_none":
        "a frame with no field left sends nothing (5.3.2 wrote lines the server refuses)",
    "test_line_protocol.TestLineProtocol.test_make_lines":
        "a tag value ending in a backslash is refused (5.3.2 wrote a line the server misreads)",
    "test_line_protocol.TestLineProtocol.test_tag_value_newline":
        "a newline in a tag is refused (line protocol cannot represent it)",
    "test_line_protocol.TestLineProtocol.test_string_val_newline":
        "a newline in a string field is written as itself, as the line-protocol reference says",
    # 5.3.2's own tests break on pandas 3 / numpy 2, with 5.3.2 as with this package
    "dataframe_client_test.TestDataFrameClient.test_multiquery_into_dataframe":
        "pandas 3: the test's own pd.to_datetime(format=...) refuses its '+0000' times",
    "dataframe_client_test.TestDataFrameClient.test_multiquery_into_dataframe_dropna":
        "numpy 2: the test uses np.NaN, which numpy 2 removed",
    "dataframe_client_test.TestDataFrameClient.test_query_into_dataframe":
        "pandas 3: the test's expected index is datetime64[us] (the answer is read as ns)",
    "dataframe_client_test.TestDataFrameClient.test_write_points_from_dataframe_with_tag_escaped":
        "pandas 3: the test's freq='H' is refused (pandas 3 spells it 'h')",
}

#: ``nose.tools.raises`` as the tests use it: the test passes only if it raises one of them.
NOSE_TOOLS = '''\
"""A stand-in for nose.tools, written by tests/compat/run_compat.py."""
import functools


def raises(*exceptions):
    def decorate(func):
        @functools.wraps(func)
        def test(*args, **kwargs):
            try:
                func(*args, **kwargs)
            except exceptions:
                return
            names = " or ".join(e.__name__ for e in exceptions)
            raise AssertionError("%s() did not raise %s" % (func.__name__, names))
        return test
    return decorate
'''

#: The server tests' influxd configuration (keys filled by their InfluxDbInstance).
INFLUXD_TEMPLATE = '''\
reporting-disabled = true
bind-address = "127.0.0.1:{global_port}"
[meta]
  dir = "{meta_dir}"
[data]
  dir = "{data_dir}"
  wal-dir = "{wal_dir}"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
[[udp]]
  enabled = {udp_enabled}
  bind-address = "127.0.0.1:{udp_port}"
  database = "db"
  batch-timeout = "20ms"
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "error"
'''

#: Run by the venv's Python: our package first, 5.3.2's tests added under it, then pytest.
BOOTSTRAP = '''\
import sys
import influxdb
influxdb.__path__.append({package!r})
sys.path.insert(0, {overlay!r})
try:  # pandas 2 removed pandas.util.testing, the tests' source of assert_frame_equal
    import pandas.testing
    import pandas.util
    sys.modules["pandas.util.testing"] = pandas.util.testing = pandas.testing
except ImportError:
    pass
import pytest
sys.exit(pytest.main({args!r}))
'''


def run(cmd: list[str], **kwargs: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def fetch_tests(work: Path) -> Path:
    """5.3.2's ``influxdb/tests`` from its sdist, unpacked under ``work``."""
    download = work / "download"
    run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         f"influxdb=={VERSION}", "-d", str(download)])
    (sdist,) = download.glob(f"influxdb-{VERSION}.tar.gz")
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers()
                   if m.name.startswith(f"influxdb-{VERSION}/influxdb/tests/") and m.isreg()]
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(work / "sdist", members=members, **safe)  # type: ignore[arg-type]
    return work / "sdist" / f"influxdb-{VERSION}" / "influxdb" / "tests"


def make_venv(work: Path, python: str) -> Path:
    venv = work / "venv"
    run([python, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    run([str(py), "-m", "pip", "install", "-q", f"{CHECKOUT}[pandas]", "mock", "requests-mock",
         "pytz", "pytest", "pytest-timeout"])
    return py


def lay_out(work: Path, tests: Path) -> tuple[Path, Path]:
    overlay = work / "overlay"
    package = overlay / "influxdb"
    shutil.copytree(tests, package / "tests")
    # pytest names the test modules influxdb.tests.* from this file; it is never imported,
    # the installed influxdb being imported first
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "tests" / "server_tests" / "influxdb.conf.template").write_text(
        INFLUXD_TEMPLATE, encoding="utf-8")
    (overlay / "nose").mkdir()
    (overlay / "nose" / "__init__.py").write_text("", encoding="utf-8")
    (overlay / "nose" / "tools.py").write_text(NOSE_TOOLS, encoding="utf-8")
    # *_test_with_server.py: the server tests' file, which pytest's default names miss
    (package / "tests" / "pytest.ini").write_text(
        "[pytest]\npython_files = test_*.py *_test.py *_test_with_server.py\n", encoding="utf-8")
    return overlay, package


def outcomes(report: Path) -> dict[str, tuple[str, str]]:
    """Test id -> (outcome, first line of the message) from pytest's JUnit XML."""
    found: dict[str, tuple[str, str]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname', '')}.{case.get('name', '')}"
        name = name.removeprefix("influxdb.tests.")
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error"}.get(child.tag, "skipped")
                lines = (child.get("message") or "").strip().splitlines()
                message = lines[0] if lines else ""
                break
        found[name] = (outcome, message)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable,
                        help="the venv's interpreter (older than 3.12); default: this one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--no-server", action="store_true",
                        help="skip the server tests even if influxd is found")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    options = parser.parse_args()

    version = subprocess.run(
        [options.python, "-c", "import sys; print(sys.version_info >= (3, 12))"],
        check=True, capture_output=True, text=True).stdout.strip()
    if version == "True":
        parser.error(f"{options.python} is 3.12 or newer: 5.3.2's tests need an older Python "
                     "(--python python3.11)")

    work = Path(tempfile.mkdtemp(prefix="influxdb-compat-"))
    started = time.monotonic()
    try:
        tests = fetch_tests(work)
        py = make_venv(work, options.python)
        overlay, package = lay_out(work, tests)
        env = dict(os.environ)
        influxd = env.get("INFLUXD") or shutil.which("influxd")
        if influxd and not options.no_server:
            env["INFLUXDB_PYTHON_INFLUXD_PATH"] = influxd
        else:
            env["INFLUXDB_PYTHON_SKIP_SERVER_TESTS"] = "True"
        report = work / "report.xml"
        args = ["-q", "-p", "no:cacheprovider", "--timeout", "300", "-c",
                str(package / "tests" / "pytest.ini"), "--rootdir", str(package / "tests"),
                f"--junitxml={report}", "-o", "junit_family=xunit1", "--tb=line",
                "--continue-on-collection-errors",
                str(package / "tests"), *options.pytest_args]
        script = BOOTSTRAP.format(package=str(package), overlay=str(overlay), args=args)
        print("+ pytest (influxdb from this checkout, influxdb.tests from 5.3.2)", flush=True)
        subprocess.run([str(py), "-c", script], cwd=work, env=env, check=False)
        if not report.exists():
            print("pytest wrote no report: see its output above")
            return 2
        results = outcomes(report)
    finally:
        if options.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    counts: dict[str, int] = {}
    for outcome, _ in results.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    failing = {k: v for k, v in results.items() if v[0] in ("failed", "error")}
    unexpected = sorted(k for k in failing if k not in EXPECTED)
    now_pass = sorted(k for k, v in results.items() if k in EXPECTED and v[0] == "passed")
    missing = sorted(k for k in EXPECTED if k not in results)

    print()
    print(f"influxdb-python {VERSION}'s tests against {CHECKOUT}: "
          + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
          + f" ({time.monotonic() - started:.0f} s)")
    print(f"expected failures: {len(failing) - len(unexpected)} of {len(EXPECTED)}")
    for key in unexpected:
        print(f"UNEXPECTED {failing[key][0]}: {key}\n    {failing[key][1][:300]}")
    for key in now_pass:
        print(f"NOW PASSES (drop it from EXPECTED): {key}  [{EXPECTED[key]}]")
    for key in missing:
        print(f"NOT RUN (renamed?): {key}")
    print(f"{len(unexpected)} unexpected, {len(now_pass)} expected failures passed")
    return 1 if unexpected or now_pass else 0


if __name__ == "__main__":
    sys.exit(main())
