"""Client for the InfluxDB 0.8 HTTP API (the legacy ``influxdb.influxdb08`` client).

Every HTTP request goes through :data:`session`, one :class:`requests.Session` shared by
all clients of this module, called as ``session.request(method=..., url=..., params=...,
data=..., headers=..., verify=..., timeout=...)`` exactly as influxdb-python 5.3.2 did, so
test suites that patch ``influxdb.influxdb08.client.session`` keep working.

Authentication is the 0.8 one: ``u`` and ``p`` query parameters on every request (0.8 HTTP
API, "Writing Data").  This package never logs them and redacts them from the messages it
raises; note that urllib3's own DEBUG log prints request URLs, query string included.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import warnings
from typing import Any, Optional, Tuple, Union

import requests
import requests.exceptions

from influxdb._transports import sync as _sync
from influxdb.exceptions import InfluxDBError
from influxdb08 import chunked_json
from influxdb08._admin import _AdminMixin
from influxdb08._util import check_precision, parse_dsn, path_segment, redact, slices

__all__ = ["InfluxDBClient", "InfluxDBClientError", "session"]

#: The session every 0.8 client sends its requests through (5.3.2 contract).
session = requests.Session()


def _forget_connections_after_fork() -> None:  # pragma: no cover - runs in a forked child
    # A forked child (gunicorn, Celery, multiprocessing) would otherwise send on copies of
    # the parent's pooled sockets, mixing two processes' HTTP exchanges in one stream (see
    # the 1.x client's hook, docs/robustness.rst).  Read at fork time: tests and users
    # replace the module's ``session``.
    try:
        _sync.forget_connections(session)
    except Exception:  # noqa: BLE001 -- a replaced session of another kind
        logging.getLogger(__name__).exception(
            "dropping the connections a forked child inherited failed")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections_after_fork)

Timeout = Union[None, float, Tuple[Optional[float], Optional[float]]]


class InfluxDBClientError(InfluxDBError):
    """Raised when a 0.8 server answers with another status than the expected one.

    The 0.8 client's own class, as in 5.3.2: ``InfluxDBClientError(content, code=-1)``,
    message ``"{code}: {content}"``.  It also derives from
    :class:`influxdb.exceptions.InfluxDBError`, the root shared with the 1.x client, but
    not from the 1.x :class:`influxdb.exceptions.InfluxDBClientError`.

    :param content: the answer body (bytes are decoded as UTF-8) or a message
    :param code: the HTTP status, ``-1`` when there is none
    """

    code: int  # never None here: -1 stands for "no status"

    def __init__(self, content: Union[str, bytes, None] = "", code: int = -1) -> None:
        # InfluxDBError formats "{code}: {content}" only when code is not None, and
        # InfluxDBClientError(content) must still read "-1: content": format here.
        super().__init__(content, code)
        self.code = code
        self.args = (f"{code}: {self.content}",)

    def __str__(self) -> str:
        return f"{self.code}: {self.content}"


class InfluxDBClient(_AdminMixin):
    """Client for an InfluxDB 0.8 server.

    Usage::

        from influxdb.influxdb08 import InfluxDBClient

        client = InfluxDBClient("localhost", 8086, "root", "root", "example")
        client.write_points([{"name": "cpu", "columns": ["value"], "points": [[0.64]]}])
        client.query("select * from cpu;")

    :param host: server host name or address
    :param port: HTTP port (used as given in the base URL)
    :param username: sent as the ``u`` query parameter
    :param password: sent as the ``p`` query parameter
    :param database: database used by the series, user and query methods
    :param ssl: ``True`` selects ``https``
    :param verify_ssl: ``verify=`` of :mod:`requests` (bool or CA bundle path)
    :param timeout: ``timeout=`` of :mod:`requests`, ``None`` waits forever
    :param retries: attempts on connection errors and timeouts; ``0`` retries forever
    :param use_udp: send :meth:`write_points` over UDP instead of HTTP
    :param udp_port: the server's UDP port
    """

    def __init__(
        self,
        host: str = "localhost",
        port: Union[int, str] = 8086,
        username: Optional[str] = "root",
        password: Optional[str] = "root",
        database: Optional[str] = None,
        ssl: bool = False,
        verify_ssl: Union[bool, str] = False,
        timeout: Timeout = None,
        retries: int = 3,
        use_udp: bool = False,
        udp_port: Union[int, str] = 4444,
    ) -> None:
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        self._database = database
        self._timeout = timeout
        self._retries = retries
        self._verify_ssl = verify_ssl
        self._use_udp = use_udp
        self._udp_port = udp_port
        if use_udp:
            self.udp_socket = self._new_udp_socket()
        self._scheme = "https" if ssl is True else "http"
        self._baseurl = f"{self._scheme}://{self._host}:{self._port}"
        self._headers = {"Content-type": "application/json", "Accept": "text/plain"}

    @staticmethod
    def from_dsn(dsn: str, **kwargs: Any) -> InfluxDBClient:
        """Build a client from a data source name.

        ``influxdb://user:pass@host:8086/database``; ``udp+influxdb://`` sets
        ``use_udp=True`` and ``https+influxdb://`` sets ``ssl=True``.  Keyword arguments
        override what the DSN says.  A static method returning an :class:`InfluxDBClient`,
        as in 5.3.2.

        :param dsn: the data source name
        :param kwargs: further constructor arguments
        :returns: a new client
        :raises ValueError: for an unknown scheme or modifier
        """
        init_args = parse_dsn(dsn)
        init_args.update(kwargs)
        return InfluxDBClient(**init_args)

    def close(self) -> None:
        """Close the UDP socket, if one was opened.  The shared :data:`session` stays open."""
        udp_socket: Optional[socket.socket] = self.__dict__.pop("udp_socket", None)
        if udp_socket is not None:
            udp_socket.close()

    def __enter__(self) -> InfluxDBClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def switch_database(self, database: Optional[str]) -> None:
        """Use ``database`` for the following requests.

        :param database: the database name
        """
        self._database = database

    def switch_db(self, database: Optional[str]) -> None:
        """Deprecated alias of :meth:`switch_database` (emits a ``FutureWarning``).

        :param database: the database name
        """
        warnings.warn(
            "switch_db is deprecated, and will be removed in future versions. "
            "Please use InfluxDBClient.switch_database(database) instead.",
            FutureWarning,
            stacklevel=2,
        )
        self.switch_database(database)

    def switch_user(self, username: Optional[str], password: Optional[str]) -> None:
        """Authenticate as ``username`` from now on.

        :param username: sent as ``u``
        :param password: sent as ``p``
        """
        self._username = username
        self._password = password

    def request(
        self,
        url: str,
        method: str = "GET",
        params: Optional[dict[str, Any]] = None,
        data: Any = None,
        expected_response_code: int = 200,
    ) -> requests.Response:
        """Send one request to ``{base URL}/{url}`` and check its status.

        :param url: path below the base URL, without leading slash
        :param method: HTTP method
        :param params: query parameters; ``u`` and ``p`` are added after them (the
            caller's dict is not modified)
        :param data: the body; anything but ``str``/``bytes`` is JSON-encoded
        :param expected_response_code: the status that means success
        :returns: the response
        :raises InfluxDBClientError: when the status is another one
        :raises requests.exceptions.ConnectionError: when every attempt failed to connect
            or timed out
        """
        full_url = f"{self._baseurl}/{url}"
        query: dict[str, Any] = dict(params) if params else {}
        query.update({"u": self._username, "p": self._password})
        if data is not None and not isinstance(data, (str, bytes)):
            data = json.dumps(data)
        attempt = 0
        while True:
            try:
                # Looked up at call time so that patching the module's ``session`` works.
                response = session.request(
                    method=method,
                    url=full_url,
                    params=query,
                    data=data,
                    headers=self._headers,
                    verify=self._verify_ssl,
                    timeout=self._timeout,
                )
                break
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                attempt += 1
                if self._retries != 0 and attempt >= self._retries:
                    # 5.3.2 raised a bare ConnectionError here.  Same class, but say what
                    # happened, with the credentials of the URL redacted, and without
                    # chaining the original (its message quotes the full URL).
                    message = (
                        f"{method} {self._baseurl}/{url} failed after {attempt} "
                        f"attempt(s): {type(exc).__name__}: {redact(str(exc))}"
                    )
                    raise requests.exceptions.ConnectionError(message) from None
        if response.status_code == expected_response_code:
            return response
        raise InfluxDBClientError(response.content, response.status_code)

    def write(self, data: Any) -> bool:
        """POST ``data`` to ``/write`` (kept from 5.3.2 for early InfluxDB 0.9 servers).

        :param data: the body; JSON-encoded unless ``str``/``bytes``
        :returns: ``True``
        :raises InfluxDBClientError: unless the server answers 200
        """
        self.request(url="write", method="POST", params=None, data=data, expected_response_code=200)
        return True

    def write_points(
        self, data: list[dict[str, Any]], time_precision: str = "s", *args: Any, **kwargs: Any
    ) -> bool:
        """Write series in the 0.8 format: ``[{"name", "columns", "points"}, ...]``.

        :param data: the series to write
        :param time_precision: unit of the ``time`` column: ``'s'``, ``'m'``, ``'ms'``, ``'u'``
        :param kwargs: ``batch_size=N`` sends each series' points in requests of at most
            N points
        :returns: ``True``
        :raises ValueError: for an unknown precision, or a precision other than ``'s'``
            over UDP
        :raises InfluxDBClientError: unless the server answers 200
        """
        batch_size = kwargs.get("batch_size")
        if batch_size and batch_size > 0:
            for item in data:
                name = item.get("name")
                columns = item.get("columns")
                for batch in slices(item.get("points", []), batch_size):
                    body = [{"points": list(batch), "name": name, "columns": columns}]
                    self._write_points(data=body, time_precision=time_precision)
            return True
        return self._write_points(data=data, time_precision=time_precision)

    def write_points_with_precision(
        self, data: list[dict[str, Any]], time_precision: str = "s"
    ) -> bool:
        """Deprecated: :meth:`write_points` takes ``time_precision`` (``FutureWarning``).

        :param data: the series to write
        :param time_precision: unit of the ``time`` column
        :returns: ``True``
        """
        warnings.warn(
            "write_points_with_precision is deprecated, and will be removed "
            "in future versions. Please use "
            "``InfluxDBClient.write_points(time_precision='..')`` instead.",
            FutureWarning,
            stacklevel=2,
        )
        return self._write_points(data=data, time_precision=time_precision)

    def _write_points(self, data: Any, time_precision: str) -> bool:
        check_precision(time_precision)
        if self._use_udp and time_precision != "s":
            raise ValueError("InfluxDB only supports seconds precision for udp writes")
        if self._use_udp:
            self.send_packet(data)
        else:
            self.request(
                url=f"db/{path_segment(self._database)}/series",
                method="POST",
                params={"time_precision": time_precision},
                data=data,
                expected_response_code=200,
            )
        return True

    def delete_points(self, name: str) -> bool:
        """Drop the series ``name`` (``DELETE db/<db>/series/<name>``, 204).

        :param name: the series
        :returns: ``True``
        :raises InfluxDBClientError: unless the server answers 204
        """
        url = f"db/{path_segment(self._database)}/series/{path_segment(name)}"
        self.request(url=url, method="DELETE", expected_response_code=204)
        return True

    def query(self, query: str, time_precision: str = "s", chunked: bool = False) -> Any:
        """Run a 0.8 query (``GET db/<db>/series?q=...``).

        :param query: the query text, e.g. ``"select * from cpu limit 10"``
        :param time_precision: unit of the returned times: ``'s'``, ``'m'``, ``'ms'``, ``'u'``
        :param chunked: ask for a chunked answer; the chunks are returned as a list
        :returns: the decoded JSON: a list of ``{"name", "columns", "points"}`` series
        :raises ValueError: for an unknown precision
        :raises InfluxDBClientError: unless the server answers 200
        """
        return self._query(query, time_precision=time_precision, chunked=chunked)

    def _query(self, query: str, time_precision: str = "s", chunked: bool = False) -> Any:
        check_precision(time_precision)
        params = {
            "q": query,
            "time_precision": time_precision,
            "chunked": "true" if chunked is True else "false",
        }
        response = self.request(
            url=f"db/{path_segment(self._database)}/series",
            method="GET",
            params=params,
            expected_response_code=200,
        )
        if chunked:
            return list(chunked_json.loads(response.content.decode("utf-8")))
        return response.json()

    def send_packet(self, packet: Any) -> None:
        """Send ``packet``, JSON-encoded, in one UDP datagram to ``(host, udp_port)``.

        :param packet: the JSON-serialisable payload (the 0.8 series list)
        """
        data = json.dumps(packet).encode("utf-8")
        udp_socket: Optional[socket.socket] = getattr(self, "udp_socket", None)
        if udp_socket is None:
            # 5.3.2 only had a socket with use_udp=True and failed with AttributeError.
            udp_socket = self.udp_socket = self._new_udp_socket()
        udp_socket.sendto(data, (self._host, int(self._udp_port)))

    def _new_udp_socket(self) -> socket.socket:
        # IPv4 as in 5.3.2, unless the host is an IPv6 literal.
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        return socket.socket(family, socket.SOCK_DGRAM)
