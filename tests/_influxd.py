"""Start and stop private ``influxd`` processes for the tests.

Each instance gets a temp directory, free 127.0.0.1 ports (HTTP, RPC, UDP) and is stopped by
its PID.  The system service is never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

import requests


class InfluxdNotFound(RuntimeError):
    pass


def find_influxd() -> str:
    path = os.environ.get("INFLUXD") or shutil.which("influxd") or (
        "/usr/bin/influxd" if os.path.exists("/usr/bin/influxd") else None
    )
    if not path:
        raise InfluxdNotFound(
            "influxd not found: install Debian's package (apt-get install -y influxdb) "
            "or set INFLUXD=/path/to/influxd"
        )
    return path


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Influxd:
    """One private influxd.

    :ivar host: always ``127.0.0.1``
    :ivar http_port: the HTTP API port
    :ivar udp_port: the UDP listener port (writes go to ``udp_database``)
    """

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        auth: bool = False,
        https_cert: Optional[str] = None,
        https_key: Optional[str] = None,
        udp_database: str = "udp_db",
        workdir: Optional[str] = None,
    ) -> None:
        self.binary = find_influxd()
        self.auth = auth
        self.https_cert = https_cert
        self.https_key = https_key
        self.udp_database = udp_database
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="influxd-test-"))
        self._own_workdir = workdir is None
        self.http_port = free_port()
        self.rpc_port = free_port()
        self.udp_port = free_port(socket.SOCK_DGRAM)
        self.admin_user = "admin" if auth else None
        self.admin_password = "admin-pa$$ word" if auth else None
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self._write_config()

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    @property
    def scheme(self) -> str:
        return "https" if self.https_cert else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.http_port}"

    def _write_config(self) -> None:
        w = self.workdir
        https = ""
        if self.https_cert:
            https = (
                f'  https-enabled = true\n  https-certificate = "{self.https_cert}"\n'
                f'  https-private-key = "{self.https_key}"\n'
            )
        config = f"""
reporting-disabled = true
bind-address = "127.0.0.1:{self.rpc_port}"
[meta]
  dir = "{w}/meta"
[data]
  dir = "{w}/data"
  wal-dir = "{w}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[coordinator]
  log-queries-after = "0s"
[http]
  enabled = true
  bind-address = "127.0.0.1:{self.http_port}"
  auth-enabled = {"true" if self.auth else "false"}
  log-enabled = false
  max-body-size = 0
  max-row-limit = 0
{https}
[[udp]]
  enabled = true
  bind-address = "127.0.0.1:{self.udp_port}"
  database = "{self.udp_database}"
  batch-size = 1000
  batch-pending = 10
  batch-timeout = "20ms"
  read-buffer = 4194304
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
"""
        (w / "influxdb.conf").write_text(config)

    def start(self, timeout: float = 30.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        log = open(self.workdir / "influxd.log", "ab")
        self.proc = subprocess.Popen(
            [self.binary, "run", "-config", str(self.workdir / "influxdb.conf")],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"influxd exited with {self.proc.returncode}; log:\n"
                    + (self.workdir / "influxd.log").read_text()[-3000:]
                )
            try:
                r = requests.get(self.url + "/ping", timeout=1, verify=False)
                if r.status_code == 204:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("influxd did not answer /ping in time")
        if self.auth:
            self._ensure_admin()

    def _ensure_admin(self) -> None:
        # With auth on and no user yet, InfluxDB accepts exactly one statement unauthenticated:
        # creating the first admin.
        q = (
            f"CREATE USER \"{self.admin_user}\" WITH PASSWORD "
            f"'{self.admin_password}' WITH ALL PRIVILEGES"
        )
        r = requests.post(
            self.url + "/query", data={"q": q}, timeout=10, verify=False,
            auth=(self.admin_user or "", self.admin_password or ""),
        )
        if r.status_code not in (200,):
            r = requests.post(self.url + "/query", data={"q": q}, timeout=10, verify=False)
            r.raise_for_status()

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout)

    def cleanup(self) -> None:
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def admin_query(self, q: str, db: Optional[str] = None) -> dict:  # type: ignore[type-arg]
        """Run a statement with a bare requests POST (independent of the client under test)."""
        params = {"db": db} if db else {}
        auth = (str(self.admin_user), str(self.admin_password)) if self.auth else None
        r = requests.post(self.url + "/query", params=params, data={"q": q}, auth=auth,
                          timeout=30, verify=False)
        r.raise_for_status()
        return r.json()  # type: ignore[no-any-return]
