"""TLS against a real ``influxd`` with ``https-enabled`` and certificates from a throwaway CA.

* ``ssl=True`` with ``verify_ssl=<CA bundle path>`` works end to end (write, read, admin);
* ``verify_ssl=True`` (system roots) or another CA's bundle refuses the server, at once
  (certificate errors are not retried) and with an error that says why;
* a certificate for another host name is refused;
* ``verify_ssl=False`` still works and urllib3 warns on each request (the 5.3.2 default,
  see the security page);
* client certificates (``cert=``, both the ``(cert, key)`` and the combined-file forms) are
  presented: a TLS front that requires one (influxd 1.x cannot) lets the client in with it
  and refuses it without;
* ``https+influxdb://`` DSNs work.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import urllib3

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBClientError
from tests._influxd import Influxd
from tests._tls import Pki, make_pki

pytestmark = pytest.mark.server

T0 = 1_600_000_000


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _start_https(cert: str, key: str) -> Influxd:
    server = Influxd(https_cert=cert, https_key=key)
    # The fixture's readiness probe pings with verify=False; its warning is not the test's.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        server.start()
    return server


@pytest.fixture(scope="module")
def tls_influxd(pki: Pki) -> Iterator[Influxd]:
    server = _start_https(pki.server_cert, pki.server_key)
    yield server
    server.cleanup()


@pytest.fixture(scope="module")
def other_ca_influxd(pki: Pki) -> Iterator[Influxd]:
    server = _start_https(pki.other_server_cert, pki.other_server_key)
    yield server
    server.cleanup()


@pytest.fixture(scope="module")
def wrong_host_influxd(pki: Pki) -> Iterator[Influxd]:
    server = _start_https(pki.wrong_host_cert, pki.wrong_host_key)
    yield server
    server.cleanup()


@pytest.fixture(autouse=True)
def _no_env_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests lets these variables replace verify=True; the tests mean the system roots.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def _roundtrip(client: InfluxDBClient, database: str) -> None:
    client.create_database(database)
    client.write_points([{"measurement": "tls", "tags": {"via": "https"},
                          "fields": {"n": i}, "time": T0 + i} for i in range(50)],
                        time_precision="s", database=database)
    result = client.query('SELECT COUNT("n"), SUM("n") FROM "tls"', database=database)
    assert list(result.get_points()) == [
        {"time": "1970-01-01T00:00:00Z", "count": 50, "sum": 1225}]
    client.drop_database(database)
    assert {"name": database} not in client.get_list_database()


def test_ssl_with_ca_bundle_path_works_end_to_end(tls_influxd: Influxd, pki: Pki) -> None:
    with InfluxDBClient(tls_influxd.host, tls_influxd.http_port, ssl=True,
                        verify_ssl=pki.ca_cert, timeout=10) as client:
        assert client._baseurl == f"https://127.0.0.1:{tls_influxd.http_port}"
        assert client.ping().startswith("1.6.7")  # type: ignore[union-attr]
        _roundtrip(client, "tls_ca_path")


def test_localhost_name_is_verified_too(tls_influxd: Influxd, pki: Pki) -> None:
    with InfluxDBClient("localhost", tls_influxd.http_port, ssl=True, verify_ssl=pki.ca_cert,
                        timeout=10) as client:
        assert client.ping().startswith("1.6.7")  # type: ignore[union-attr]


def _assert_refused_at_once(client: InfluxDBClient, *needles: str) -> str:
    started = time.monotonic()
    with pytest.raises(requests.exceptions.SSLError) as info:
        client.ping()
    elapsed = time.monotonic() - started
    message = str(info.value)
    for needle in needles:
        assert needle in message
    # A certificate that does not verify will not verify on the next attempt either:
    # no backoff (the default retry budget would wait 3.75 s to 7.5 s).
    assert elapsed < 2.0, f"certificate failure took {elapsed:.2f}s: it was retried"
    # Still catchable as what 5.3.2 raised for transport failures.
    assert isinstance(info.value, requests.exceptions.ConnectionError)
    return message


def test_verify_true_refuses_an_unknown_ca(tls_influxd: Influxd) -> None:
    with InfluxDBClient(tls_influxd.host, tls_influxd.http_port, ssl=True, verify_ssl=True,
                        timeout=10) as client:
        _assert_refused_at_once(client, "CERTIFICATE_VERIFY_FAILED",
                                "unable to get local issuer certificate")


def test_another_cas_bundle_refuses_the_server(tls_influxd: Influxd, pki: Pki) -> None:
    with InfluxDBClient(tls_influxd.host, tls_influxd.http_port, ssl=True,
                        verify_ssl=pki.other_ca_cert, timeout=10) as client:
        _assert_refused_at_once(client, "CERTIFICATE_VERIFY_FAILED")


def test_server_signed_by_an_unknown_ca_is_refused(other_ca_influxd: Influxd, pki: Pki) -> None:
    with InfluxDBClient(other_ca_influxd.host, other_ca_influxd.http_port, ssl=True,
                        verify_ssl=pki.ca_cert, timeout=10) as client:
        _assert_refused_at_once(client, "CERTIFICATE_VERIFY_FAILED")


def test_certificate_for_another_host_is_refused(wrong_host_influxd: Influxd, pki: Pki) -> None:
    with InfluxDBClient(wrong_host_influxd.host, wrong_host_influxd.http_port, ssl=True,
                        verify_ssl=pki.ca_cert, timeout=10) as client:
        _assert_refused_at_once(client, "CERTIFICATE_VERIFY_FAILED",
                                "IP address mismatch")


def test_verify_false_works_and_warns_on_each_request(tls_influxd: Influxd) -> None:
    with InfluxDBClient(tls_influxd.host, tls_influxd.http_port, ssl=True, timeout=10) as client:
        assert client._verify_ssl is False  # the 5.3.2 default, kept
        with pytest.warns(urllib3.exceptions.InsecureRequestWarning) as record:
            assert client.ping().startswith("1.6.7")  # type: ignore[union-attr]
            assert client.ping().startswith("1.6.7")  # type: ignore[union-attr]
        assert len([w for w in record
                    if issubclass(w.category, urllib3.exceptions.InsecureRequestWarning)]) == 2


def test_https_dsn_works(tls_influxd: Influxd, pki: Pki) -> None:
    dsn = f"https+influxdb://root:root@127.0.0.1:{tls_influxd.http_port}/tls_dsn"
    with InfluxDBClient.from_dsn(dsn, verify_ssl=pki.ca_cert, timeout=10) as client:
        assert client._scheme == "https"
        assert client._database == "tls_dsn"
        _roundtrip(client, "tls_dsn")


def test_https_dsn_with_verify_true_refuses_unknown_ca(tls_influxd: Influxd) -> None:
    dsn = f"https+influxdb://127.0.0.1:{tls_influxd.http_port}/db"
    with InfluxDBClient.from_dsn(dsn, verify_ssl=True, timeout=10) as client:
        _assert_refused_at_once(client, "CERTIFICATE_VERIFY_FAILED")


def test_plain_http_to_an_https_server_fails_clearly(tls_influxd: Influxd) -> None:
    with InfluxDBClient(tls_influxd.host, tls_influxd.http_port, timeout=10,
                        retries=1) as client:
        with pytest.raises(InfluxDBClientError) as info:
            client.ping()
    assert info.value.code == 400
    assert "HTTP request to an HTTPS server" in str(info.value)


def test_client_certificate_needs_ssl() -> None:
    with pytest.raises(ValueError, match="^Client certificate provided but ssl is disabled.$"):
        InfluxDBClient("127.0.0.1", 8086, cert="/nonexistent.pem")


# -- client certificates ---------------------------------------------------------------------
class MutualTLSFront:
    """A TLS front on 127.0.0.1 that requires a client certificate from ``ca`` and relays
    the decrypted bytes to a plain-HTTP influxd (influxd 1.x cannot ask for client
    certificates itself).  ``peers`` records the subject CN of each accepted client."""

    def __init__(self, pki: Pki, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki.ca_cert)
        self.context.verify_mode = ssl.CERT_REQUIRED
        self.context.load_cert_chain(pki.server_cert, pki.server_key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.peers: list[str] = []
        self.handshake_failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="mtls-front")
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._handle, args=(raw,), daemon=True).start()

    def _handle(self, raw: socket.socket) -> None:
        raw.settimeout(10)
        try:
            conn = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshake_failures += 1
            raw.close()
            return
        subject = dict(item[0] for item in conn.getpeercert()["subject"])  # type: ignore[index]
        self.peers.append(str(subject["commonName"]))
        upstream = socket.create_connection(self.upstream, timeout=10)

        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        back = threading.Thread(target=pump, args=(upstream, conn), daemon=True)
        back.start()
        pump(conn, upstream)
        back.join(10)
        conn.close()
        upstream.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.listener.close()


@pytest.fixture
def mtls_front(pki: Pki, influxd: Influxd) -> Iterator[MutualTLSFront]:
    front = MutualTLSFront(pki, (influxd.host, influxd.http_port))
    yield front
    front.close()


@pytest.mark.parametrize("form", ["tuple", "combined-file"])
def test_client_certificate_is_presented(mtls_front: MutualTLSFront, pki: Pki,
                                         form: str) -> None:
    cert = ((pki.client_cert, pki.client_key) if form == "tuple" else pki.client_combined)
    with InfluxDBClient("127.0.0.1", mtls_front.port, ssl=True, verify_ssl=pki.ca_cert,
                        cert=cert, timeout=10) as client:
        assert client._session.cert == cert
        assert client.ping().startswith("1.6.7")  # type: ignore[union-attr]
        _roundtrip(client, f"tls_mtls_{form.replace('-', '_')}")
    assert mtls_front.peers and set(mtls_front.peers) == {"client"}
    assert mtls_front.handshake_failures == 0


def test_without_client_certificate_the_front_refuses(mtls_front: MutualTLSFront,
                                                      pki: Pki) -> None:
    with InfluxDBClient("127.0.0.1", mtls_front.port, ssl=True, verify_ssl=pki.ca_cert,
                        timeout=10, retries=1) as client:
        with pytest.raises(requests.exceptions.ConnectionError):
            client.ping()
    assert mtls_front.peers == []
    deadline = time.monotonic() + 5  # the front counts in its own thread
    while mtls_front.handshake_failures == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert mtls_front.handshake_failures == 1


def test_pki_files_exist(pki: Pki) -> None:
    for path in (pki.ca_cert, pki.server_cert, pki.server_key, pki.client_cert,
                 pki.client_key, pki.client_combined):
        assert Path(path).read_text().startswith("-----BEGIN")
