"""A throwaway certificate authority for the TLS tests, made with the ``openssl`` command.

``make_pki(directory)`` writes a CA, a server certificate for ``127.0.0.1`` / ``localhost``
signed by it, a client certificate signed by it, and a second, unrelated CA with its own
server certificate (to prove that an unknown CA is refused).  Keys are unencrypted RSA 2048
and live only in the test's temporary directory.

Only the ``openssl`` command-line tool is needed (no Python package): it is present wherever
``influxd`` and Python's ``ssl`` module are.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Pki", "make_pki"]


@dataclass(frozen=True)
class Pki:
    """Paths of the generated files (PEM).

    :ivar ca_cert: the throwaway CA's certificate (the bundle to pass as ``verify_ssl``)
    :ivar server_cert: server certificate (SAN ``IP:127.0.0.1``, ``DNS:localhost``)
    :ivar server_key: its key
    :ivar client_cert: client certificate (``extendedKeyUsage = clientAuth``)
    :ivar client_key: its key
    :ivar client_combined: client certificate and key in one file (``cert='path'`` form)
    :ivar other_ca_cert: an unrelated CA nobody trusts
    :ivar other_server_cert: a server certificate for ``127.0.0.1`` signed by the unrelated CA
    :ivar other_server_key: its key
    :ivar wrong_host_cert: a certificate signed by the CA for ``other.invalid`` only
    :ivar wrong_host_key: its key
    """

    ca_cert: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str
    client_combined: str
    other_ca_cert: str
    other_server_cert: str
    other_server_key: str
    wrong_host_cert: str
    wrong_host_key: str


def _openssl(*args: str, cwd: Path) -> None:
    binary = shutil.which("openssl")
    if binary is None:
        raise RuntimeError("the TLS tests need the openssl command (apt-get install openssl)")
    subprocess.run([binary, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=60)


def _ca(directory: Path, name: str) -> tuple[Path, Path]:
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    return cert, key


def _leaf(directory: Path, name: str, ca: tuple[Path, Path], extensions: str) -> tuple[Path, Path]:
    key, csr, cert = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.pem"
    ext = directory / f"{name}.ext"
    ext.write_text(extensions)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
             "-subj", f"/CN={name}", cwd=directory)
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
             "-CAcreateserial", "-days", "2", "-sha256", "-extfile", str(ext),
             "-out", str(cert), cwd=directory)
    return cert, key


_SERVER_EXT = ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
               "extendedKeyUsage=serverAuth\nsubjectAltName={san}\n")
_CLIENT_EXT = ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
               "extendedKeyUsage=clientAuth\n")


def make_pki(directory: Path) -> Pki:
    """Create every certificate and key in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = _ca(directory, "test-ca")
    server = _leaf(directory, "server", ca,
                   _SERVER_EXT.format(san="IP:127.0.0.1,DNS:localhost"))
    client = _leaf(directory, "client", ca, _CLIENT_EXT)
    combined = directory / "client-combined.pem"
    combined.write_text(client[0].read_text() + client[1].read_text())
    wrong_host = _leaf(directory, "wrong-host", ca, _SERVER_EXT.format(san="DNS:other.invalid"))
    other_ca = _ca(directory, "other-ca")
    other_server = _leaf(directory, "other-server", other_ca,
                         _SERVER_EXT.format(san="IP:127.0.0.1,DNS:localhost"))
    return Pki(
        ca_cert=str(ca[0]),
        server_cert=str(server[0]),
        server_key=str(server[1]),
        client_cert=str(client[0]),
        client_key=str(client[1]),
        client_combined=str(combined),
        other_ca_cert=str(other_ca[0]),
        other_server_cert=str(other_server[0]),
        other_server_key=str(other_server[1]),
        wrong_host_cert=str(wrong_host[0]),
        wrong_host_key=str(wrong_host[1]),
    )
