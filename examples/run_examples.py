"""Run every example against private local influxd instances, then stop them.

Used by ``make demo`` and by the test suite.  Starts one plain instance (with a UDP
listener) and one with authentication, in a folder under ``.run/``, on free loopback ports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests._influxd import Influxd  # noqa: E402

#: (script, needs) -- needs: "udp" adds --uport, "auth" runs against the auth instance.
EXAMPLES: list[tuple[str, str]] = [
    ("tutorial_basic.py", ""),
    ("tutorial_pandas.py", ""),
    ("tutorial_serieshelper.py", ""),
    ("tutorial_udp.py", "udp"),
    ("auth_privileges.py", "auth"),
    ("sine_wave.py", ""),
    ("point_builder.py", ""),
    ("batching_writer.py", ""),
    ("sessions.py", ""),
    ("chunked_streaming.py", ""),
    ("configuration.py", ""),
]


def command(script: str, needs: str, plain: Influxd, auth: Influxd) -> list[str]:
    server = auth if needs == "auth" else plain
    cmd = [sys.executable, str(ROOT / "examples" / script), "--host", server.host,
           "--port", str(server.http_port)]
    if needs == "udp":
        cmd += ["--uport", str(plain.udp_port), "--udp-database", plain.udp_database]
    if needs == "auth":
        cmd += ["--admin-user", str(auth.admin_user),
                "--admin-password", str(auth.admin_password)]
    return cmd


def main() -> int:
    run_dir = ROOT / ".run"
    run_dir.mkdir(exist_ok=True)
    plain = Influxd(workdir=tempfile.mkdtemp(prefix="demo-", dir=run_dir))
    auth = Influxd(auth=True, workdir=tempfile.mkdtemp(prefix="demo-auth-", dir=run_dir))
    failures = 0
    try:
        plain.start()
        auth.start()
        print(f"influxd running: {plain.url} (pid {plain.pid}), {auth.url} (pid {auth.pid}, "
              "auth on)")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        for script, needs in EXAMPLES:
            print(f"\n=== {script} ===", flush=True)
            done = subprocess.run(command(script, needs, plain, auth), env=env, timeout=300)
            if done.returncode != 0:
                failures += 1
                print(f"!!! {script} failed with exit code {done.returncode}")
    finally:
        for server in (plain, auth):
            server.cleanup()
            shutil.rmtree(server.workdir, ignore_errors=True)
        print("\ninfluxd stopped")
    print(f"{len(EXAMPLES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
