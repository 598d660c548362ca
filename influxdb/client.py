"""``InfluxDBClient``: the InfluxDB 1.x HTTP (and UDP) client.

Each method is a thin composition: a statement builder (:mod:`influxdb._influxql`) or the
line-protocol encoder (:mod:`influxdb.line_protocol`), then the transport
(:mod:`influxdb._transport`), then :class:`~influxdb.resultset.ResultSet` or an exception from
:mod:`influxdb.exceptions`.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Mapping
from typing import Any, Callable, Optional, TypeVar, Union

from influxdb import _transport
from influxdb._admin import AdminMixin
from influxdb._config.dsn import InvalidHostOrPort
from influxdb._config.dsn import check_host as _check_host
from influxdb._config.dsn import check_port as _check_port
from influxdb._config.dsn import check_timeout as _check_timeout
from influxdb._config.dsn import parse_dsn as _parse_dsn
from influxdb._config.dsn import parse_netloc as _parse_netloc
from influxdb._core import answers
from influxdb._core import requests as build
from influxdb._core.answers import drop_empty_series as _drop_empty_series
from influxdb._core.answers import msgpack_ext_hook as _msgpack_parse_hook
from influxdb._querying import QueryMixin
from influxdb._retry import Retry
from influxdb._timeutil import normalize_precision
from influxdb._transport import InfluxDBInvalidURLError
from influxdb._transport import SocketOptionsAdapter as _SocketOptionsAdapter
from influxdb._writing import WriteMixin
from influxdb.exceptions import InfluxDBArgumentError

__all__ = ["InfluxDBClient", "InfluxDBInvalidURLError"]

# Kept importable from here: 5.3.2 users and tests reach for them by these names.
_KEEP = (_parse_dsn, _parse_netloc, _SocketOptionsAdapter, _msgpack_parse_hook,
         _drop_empty_series)

log = logging.getLogger("influxdb")


ClientT = TypeVar("ClientT", bound="InfluxDBClient")
T = TypeVar("T")


def _url_part(check: Callable[..., T], *args: Any) -> T:
    """A host or port, checked; refused as :class:`InfluxDBInvalidURLError`, which is also
    the ``requests.exceptions.InvalidURL`` 5.3.2 raised at the first request."""
    try:
        return check(*args)
    except InvalidHostOrPort as error:
        raise _transport.invalid_url(error) from None


#: Every client made in this process, for the fork hook below.  Weak: being listed keeps
#: no client alive.
_LIVE_CLIENTS: weakref.WeakSet[InfluxDBClient] = weakref.WeakSet()


def _forget_connections_after_fork() -> None:  # pragma: no cover - runs in a forked child
    # A child made by fork() (gunicorn, Celery, multiprocessing) holds copies of the
    # parent's pooled keep-alive sockets.  A request sent on one while the parent uses it
    # too mixes two HTTP exchanges in one stream: each process may read the other's
    # answer, or write into the other's database.  The child starts with empty pools
    # instead; nothing is sent on the inherited sockets.  The session is read from the
    # client now, not kept from construction: users swap ``client._session``.
    sessions = {}
    for client in list(_LIVE_CLIENTS):
        session = getattr(client, "_session", None)
        if session is not None:
            sessions[id(session)] = session
    for session in sessions.values():
        try:
            _transport.forget_connections(session)
        except Exception:  # noqa: BLE001 -- one odd session must not stop the others
            log.exception("dropping the connections a forked child inherited failed")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections_after_fork)


class InfluxDBClient(QueryMixin, WriteMixin, AdminMixin):
    """A client for the InfluxDB 1.x HTTP API (and its UDP listener).

    It connects lazily: nothing is sent until a method needs the server; only ``use_udp``
    opens a socket at once.  One client may be shared by several threads for reads and
    writes; :meth:`switch_database` and :meth:`switch_user` change shared state.

    :param host: host name or address, IPv6 bare or bracketed (``'::1'``, ``'[::1]'``); not
        a URL (use :meth:`from_dsn`, or :meth:`from_env` with ``INFLUXDB_URL``) and without
        a port (pass ``port=``)
    :param port: HTTP port (an int, or a str of digits)
    :param username: user for Basic auth (``None``: send no credentials)
    :param password: its password
    :param database: default database
    :param ssl: use HTTPS
    :param verify_ssl: ``True``, ``False`` or a CA bundle path; ``False`` by default, as in
        5.3.2 (see the security page)
    :param timeout: seconds (int or float), or ``(connect, read)``; ``None`` waits forever
    :param retries: attempts in all (``0`` = until success), or a :class:`~influxdb._retry.Retry`
    :param use_udp: write through the UDP listener
    :param udp_port: the UDP listener's port
    :param proxies: ``requests`` proxies mapping
    :param pool_size: connections kept per host
    :param path: URL prefix (``'influx'`` -> ``http://host:port/influx``)
    :param cert: client certificate path, or ``(cert, key)``; needs ``ssl=True``
    :param gzip: compress request bodies and ask for compressed answers
    :param session: a ``requests.Session`` to use (the client mounts its adapter on it)
    :param headers: extra HTTP headers (copied, never modified)
    :param socket_options: socket options for new connections
    :param token: send ``Authorization: Token <token>`` instead of Basic auth (InfluxDB 1.8+
        and 2.x v1-compatibility endpoints)
    :param default_time_precision: precision used when ``write_points`` is given none
    :param default_retention_policy: retention policy used when a write names none
    :param default_tags: tags added to every point written (a point's own tags win)
    :param create_database_if_missing: on a write refused with "database not found", create
        the database and send the write again (once)
    :param deadline: seconds one call may take in all (attempts, waits between them, and
        reading the answer), beside ``timeout``, which bounds each wait for the server;
        ``None`` (the default): no deadline.  ``query(deadline=...)`` overrides it per call.
        Past it: :class:`requests.exceptions.ReadTimeout` (or ``ConnectTimeout``)
    :param max_document_size: the most bytes one answer document may take in memory (a whole
        answer, or one chunk of a chunked answer); beyond it
        :class:`~influxdb.exceptions.InfluxDBBrokenAnswerError`.  2 GiB by default; ``None``:
        no limit

    :raises InfluxDBInvalidURLError: (a :class:`ValueError` and
        :class:`requests.exceptions.InvalidURL`) a host or port no URL can be made of
    :raises InfluxDBArgumentError: (a :class:`ValueError`) a port or timeout of the wrong
        type or value (:class:`~influxdb.exceptions.InfluxDBArgumentTypeError`, also a
        :class:`TypeError`, for a wrong type)

    Usage::

        client = InfluxDBClient('localhost', 8086, 'root', 'root', 'example')
        client.write_points([{'measurement': 'cpu', 'fields': {'value': 0.64}}])
        result = client.query('SELECT value FROM cpu')
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
        timeout: Any = None,
        retries: Union[int, Retry] = 3,
        use_udp: bool = False,
        udp_port: Union[int, str] = 4444,
        proxies: Optional[dict[str, str]] = None,
        pool_size: int = 10,
        path: Optional[str] = "",
        cert: Union[str, tuple[str, str], None] = None,
        gzip: bool = False,
        session: Optional[_transport.Session] = None,
        headers: Optional[dict[str, str]] = None,
        socket_options: Optional[list[Any]] = None,
        *,
        token: Optional[str] = None,
        default_time_precision: Optional[str] = None,
        default_retention_policy: Optional[str] = None,
        default_tags: Optional[dict[str, Any]] = None,
        create_database_if_missing: bool = False,
        deadline: Optional[float] = None,
        max_document_size: Optional[int] = answers.DEFAULT_MAX_DOCUMENT_SIZE,
    ) -> None:
        # Checked here rather than at the first request, where 5.3.2 failed with
        # requests' InvalidURL or ValueError (docs/migration.rst); kept as given.
        self.__port = _url_part(_check_port, port)
        self.__host = _url_part(_check_host, host, self.__port)
        self._username = username
        self._password = password
        self._database = database
        self._timeout = _check_timeout(timeout)
        self._retries = retries
        self._retry_policy = Retry.from_int(retries)
        self._deadline = build.check_deadline(deadline)
        self._max_document_size = answers.check_document_size(max_document_size)
        self._verify_ssl = verify_ssl
        self.__use_udp = use_udp
        self.__udp_port = _url_part(_check_port, udp_port, "udp_port")
        self._gzip = gzip

        self._session = _transport.new_session(session)
        adapter = _SocketOptionsAdapter(
            pool_connections=int(pool_size),
            pool_maxsize=int(pool_size),
            socket_options=socket_options,
        )
        self._scheme = "https" if ssl is True else "http"
        self._session.mount(f"{self._scheme}://", adapter)
        _LIVE_CLIENTS.add(self)  # its pools are emptied in a forked child

        if cert:
            if not ssl:
                raise InfluxDBArgumentError("Client certificate provided but ssl is disabled.")
            self._session.cert = cert

        if path == "" or path is None:
            self.__path = ""
        elif path.startswith("/"):
            self.__path = path
        else:
            self.__path = "/" + path

        url_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        self.__baseurl = f"{self._scheme}://{url_host}:{self.__port}{self.__path}"

        self._proxies = proxies if proxies is not None else {}
        self._headers: dict[str, str] = dict(headers) if headers else {}
        self._headers.setdefault("Content-Type", "application/json")
        self._headers.setdefault("Accept", "application/x-msgpack")
        if token is not None:
            self._headers["Authorization"] = f"Token {token}"

        self._default_time_precision = normalize_precision(default_time_precision)
        self._default_retention_policy = default_retention_policy
        self._default_tags = dict(default_tags) if default_tags else {}
        self._create_database_if_missing = create_database_if_missing

        self._udp: Optional[_transport.UDPSender] = None
        if use_udp:
            self._udp = _transport.UDPSender(host, self.__udp_port)
            self.udp_socket = self._udp.socket

    # -- read-only views kept from 5.3.2 -------------------------------------------------
    @property
    def _baseurl(self) -> str:
        return self.__baseurl

    @property
    def _host(self) -> str:
        return self.__host

    @property
    def _port(self) -> int:
        return self.__port

    @property
    def _path(self) -> str:
        return self.__path

    @property
    def _udp_port(self) -> int:
        return self.__udp_port

    @property
    def _use_udp(self) -> bool:
        return self.__use_udp

    def __repr__(self) -> str:
        # Says which credentials requests carry (as _auth decides), never the password,
        # token or header value: 'basic' with the user name, 'token' (token= or a
        # "Token ..." header), 'header' (another Authorization header), or None.
        auth = next((value for key, value in self._headers.items()
                     if key.lower() == "authorization"), None)
        if auth is not None:
            kind = "'token'" if auth[:6].lower() == "token " else "'header'"
        elif self._username is not None and self._password is not None:
            kind = f"'basic', username={self._username!r}"
        else:
            kind = "None"
        udp = f", udp_port={self.__udp_port}" if self.__use_udp else ""
        return (f"{type(self).__name__}(url={self.__baseurl!r}, database={self._database!r}, "
                f"auth={kind}{udp})")

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_dsn(cls: type[ClientT], dsn: str, **kwargs: Any) -> ClientT:
        """Build a client from a DSN; keyword arguments override what the DSN says.

        ``influxdb://user:pass@host:8086/db``, ``https+influxdb://...`` (TLS),
        ``udp+influxdb://...`` (writes over UDP; the UDP port comes from ``udp_port=``).
        Credentials are percent-decoded (``p%40ss`` is ``p@ss``).

        :param dsn: the data source name
        :returns: an instance of the class it is called on
        :raises ValueError: on an unknown scheme or modifier
        """
        init_args = _parse_dsn(dsn)
        host, port = init_args.pop("host"), init_args.pop("port")
        init_args.update(kwargs)
        return cls(host, port, **init_args)

    @classmethod
    def from_env(cls: type[ClientT], prefix: str = "INFLUXDB_",
                 environ: Optional[dict[str, str]] = None, **overrides: Any) -> ClientT:
        """Build a client from environment variables (``INFLUXDB_HOST``, ``INFLUXDB_URL``...).

        The variables are listed on the configuration page of the docs.

        :param prefix: the variables' common prefix
        :param environ: a mapping to read instead of ``os.environ``
        :param overrides: constructor arguments that win over the environment
        :raises ValueError: naming the variable whose value is wrong
        """
        from influxdb._config.sources import kwargs_from_env

        kwargs = kwargs_from_env(environ, prefix)
        kwargs.update(overrides)
        return cls._from_kwargs(kwargs)

    @classmethod
    def from_config_file(cls: type[ClientT], path: str, section: str = "influxdb",
                         **overrides: Any) -> ClientT:
        """Build a client from an INI or TOML file (keys are constructor parameter names).

        :param path: the file; ``.toml`` is read as TOML, anything else as INI
        :param section: the section (table) to read
        :param overrides: constructor arguments that win over the file
        :raises ValueError: naming the key whose value is wrong
        """
        from influxdb._config.sources import kwargs_from_file

        kwargs = kwargs_from_file(path, section)
        kwargs.update(overrides)
        return cls._from_kwargs(kwargs)

    @classmethod
    def _from_kwargs(cls: type[ClientT], kwargs: dict[str, Any]) -> ClientT:
        dsn = kwargs.pop("dsn", None) or kwargs.pop("url", None)
        if dsn:
            return cls.from_dsn(dsn, **kwargs)
        return cls(**kwargs)

    # -- state ---------------------------------------------------------------------------
    def switch_database(self, database: Optional[str]) -> None:
        """Use ``database`` from now on for calls that do not name one."""
        self._database = database

    def switch_user(self, username: Optional[str], password: Optional[str]) -> None:
        """Use these credentials from now on."""
        self._username = username
        self._password = password

    def close(self) -> None:
        """Release pooled connections (and the UDP socket, unlike 5.3.2)."""
        _transport.close_session(self._session)
        if self._udp is not None:
            self._udp.close()

    def __enter__(self: ClientT) -> ClientT:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- HTTP ----------------------------------------------------------------------------
    def _auth(self, headers: Mapping[str, str]) -> Any:
        if any(key.lower() == "authorization" for key in headers):
            return None
        if self._username is None or self._password is None:
            return None
        # Encoded here so that non-Latin-1 credentials work (requests encodes str as Latin-1).
        return (self._username.encode("utf-8"), self._password.encode("utf-8"))

    def request(
        self,
        url: str,
        method: str = "GET",
        params: Optional[dict[str, Any]] = None,
        data: Any = None,
        stream: bool = False,
        expected_response_code: int = 200,
        headers: Optional[dict[str, str]] = None,
    ) -> _transport.Response:
        """Send an HTTP request to ``<base url>/<url>``, with retries.

        :param url: path below the base URL (``'query'``, ``'write'``, ``'ping'``)
        :param method: HTTP verb
        :param params: query-string parameters
        :param data: body; a dict or list is sent as JSON
        :param stream: do not read the body before returning
        :param expected_response_code: the status that means success
        :param headers: headers instead of the client's (copied, never modified)
        :returns: the ``requests.Response``; for a msgpack answer, ``response._msgpack``
            holds the decoded body
        :raises InfluxDBServerError: 5xx once retries are spent
        :raises InfluxDBClientError: any other unexpected status
        :raises requests.exceptions.RequestException: transport failures once retries are
            spent
        """
        response: _transport.Response = self._send(build.http_request(
            url, method, params, data, stream, expected_response_code,
            self._headers if headers is None else headers))
        return response

    def _send(
        self,
        request: build.Request,
        *,
        retry: Optional[Retry] = None,
        deadline: Optional[float] = None,
        timeout: Any = None,
        interpret: Optional[Callable[[_transport.Response], Any]] = None,
        tally: Optional[_transport.Tally] = None,
        failure: Optional[BaseException] = None,
    ) -> Any:
        """Send ``request`` through the transport with this client's state (session,
        credentials, gzip, retries, deadline, timeout), each unless given here.

        :param deadline: seconds this call may take (``None``: the client's deadline)
        :param timeout: this request's timeout (``None``: the client's)
        :param interpret: what to make of the answer, within each attempt (``None``: the
            answer itself)
        :param tally: with ``failure``, resume the retries of a call begun earlier
            (:func:`influxdb._transport.perform`)
        """
        request = build.encoded(request, self._gzip)
        stream = request.stream

        def read(response: _transport.Response) -> Any:
            # Decoded within the attempt: a broken msgpack answer is retried with the rest.
            msgpack_body = None
            if not stream and answers.is_msgpack(response.headers) and response.content:
                msgpack_body = answers.decode_answer(response.content, msgpack_body=True)
            response._msgpack = msgpack_body  # type: ignore[attr-defined]
            return response if interpret is None else interpret(response)

        return _transport.perform(
            self._session,
            request,
            base_url=self._baseurl,
            auth=self._auth(request.headers),
            proxies=self._proxies,
            verify=self._verify_ssl,
            timeout=self._timeout if timeout is None else timeout,  # None: the client's
            retry=retry if retry is not None else self._retry_policy,
            deadline=self._deadline if deadline is None else deadline,
            max_document_size=self._max_document_size,
            interpret=read,
            tally=tally,
            failure=failure,
        )

    def ping(self) -> Optional[str]:
        """Check the server; return its version (``X-Influxdb-Version``).

        Unlike 5.3.2, a proxy answering 200 instead of 204, or dropping the version header,
        is not an error (the version is then ``None``).

        :raises InfluxDBClientError: on any other status
        """
        response: _transport.Response = self._send(build.ping_request(self._headers))
        return answers.ping_version(response.headers)
