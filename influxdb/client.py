"""``InfluxDBClient``: the InfluxDB 1.x HTTP (and UDP) client.

One class, the client layer (docs/internals.rst): each method reads build -> send ->
interpret.  The request is built by the core (:mod:`influxdb._core.requests`, the statement
builders of :mod:`influxdb._influxql`, the line-protocol encoder of
:mod:`influxdb.line_protocol`), sent by :meth:`InfluxDBClient._send` through the transport
(:mod:`influxdb._transports.sync`: session, retries, the mapping of foreign exceptions), and the
answer read by the core (:mod:`influxdb._core.answers`: a :class:`~influxdb.resultset.ResultSet`
or an exception of :mod:`influxdb.exceptions`).

Every write path (``write``, ``write_points``, ``write_point``, the batching writer, sessions,
``SeriesHelper``, ``DataFrameClient``) ends in :meth:`InfluxDBClient._write_payload`, so
retries, error mapping and the opt-in creation of a missing database live in one place.
Points are encoded (and so validated) before anything is sent: a bad point raises
:class:`~influxdb.exceptions.InfluxDBInvalidPointError` and nothing of the call is written.
The one exception is an iterator with ``batch_size``, read and encoded batch by batch while
the previous batch is sent (:mod:`influxdb._write_batches`); its ``write_report`` tells what
was written.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Literal,
    Optional,
    Protocol,
    TypeVar,
    Union,
    cast,
    overload,
)

from influxdb import _influxql as ql
from influxdb._config.dsn import InvalidHostOrPort
from influxdb._config.dsn import check_host as _check_host
from influxdb._config.dsn import check_port as _check_port
from influxdb._config.dsn import check_timeout as _check_timeout
from influxdb._config.dsn import parse_dsn as _parse_dsn
from influxdb._config.dsn import parse_netloc as _parse_netloc
from influxdb._core import answers
from influxdb._core import requests as build
from influxdb._core._retry import Retry
from influxdb._core.answers import drop_empty_series as _drop_empty_series
from influxdb._core.answers import msgpack_ext_hook as _msgpack_parse_hook
from influxdb._core.bodies import has_lines, is_sequence, line_body
from influxdb._core.requests import check_consistency
from influxdb._core.stamps import count_timeless_lines
from influxdb._core.times import normalize_precision
from influxdb._stamping import warn_shared_server_time
from influxdb._transports import sync as _sync
from influxdb._transports.sync import InfluxDBInvalidURLError
from influxdb._transports.sync import SocketOptionsAdapter as _SocketOptionsAdapter
from influxdb._transports.udp import UDPSender as _UDPSender
from influxdb._write_batches import WriteReport, batched, send_batches
from influxdb.exceptions import (
    InfluxDBArgumentAttributeError,
    InfluxDBArgumentError,
    InfluxDBArgumentTypeError,
    InfluxDBDatabaseNotFoundError,
    InfluxDBInvalidPointError,
)
from influxdb.line_protocol import _encode, _encode_body, _LineAmong, _speedups_built, make_lines
from influxdb.point import RecordMapping, points_from_records
from influxdb.resultset import ResultSet

if TYPE_CHECKING:
    from influxdb.batching import BatchWriter, Session

__all__ = ["InfluxDBClient", "InfluxDBInvalidURLError"]

# Kept importable from here: 5.3.2 users and tests reach for them by these names.
_KEEP = (_parse_dsn, _parse_netloc, _SocketOptionsAdapter, _msgpack_parse_hook,
         _drop_empty_series, WriteReport)

log = logging.getLogger("influxdb")

#: The timeout of the writes made in this context where the write names none: the
#: SeriesHelper bounds its commits with it while keeping its 5.3.2 call,
#: ``client.write_points(points, time_precision=..., retention_policy=...)``.
write_timeout: ContextVar[Any] = ContextVar("influxdb_write_timeout", default=None)


ClientT = TypeVar("ClientT", bound="InfluxDBClient")
T = TypeVar("T")


class WriteClient(Protocol):
    """The client as the batching writer and sessions write through it
    (:mod:`influxdb.batching`, :mod:`influxdb._batching`).

    An internal interface (docs/internals.rst, "The layers"): :class:`InfluxDBClient` (and
    so ``DataFrameClient``) provides it, and a test's stand-in may; the layers on top read
    nothing else of a client.  Its names keep the client's leading underscore, as they are
    not for users.  A write goes encode -> send: :meth:`_encode_points` makes the body (and
    checks every point) in the caller's thread, :meth:`_write_payload` or :meth:`_udp_send`
    sends it, with the writer's own retries and timeout.
    """

    @property
    def _database(self) -> Optional[str]:
        """The database a write naming none goes to, read at each write (it follows
        :meth:`InfluxDBClient.switch_database`)."""

    @property
    def _default_time_precision(self) -> Optional[str]:
        """The precision of a write naming none (``None``: nanoseconds)."""

    @property
    def _default_retention_policy(self) -> Optional[str]:
        """The retention policy of a write naming none (``None``: the database's default)."""

    @property
    def _default_tags(self) -> dict[str, Any]:
        """Tags :meth:`_encode_points` adds to every point (a point's own tags win)."""

    @property
    def _timeout(self) -> Any:
        """The timeout of each request: seconds, ``(connect, read)``, or ``None``."""

    @property
    def _retry_policy(self) -> Retry:
        """The client's retry policy (a session's requests follow it unless given one)."""

    @property
    def _use_udp(self) -> bool:
        """Whether writes go through the UDP listener (:meth:`_udp_send`)."""

    def _write_url(self) -> str:
        """Where writes go, for a writer's ``repr()`` and logs: the base URL, or
        ``udp://host:port``; never credentials."""

    def _encode_points(self, points: Any, *, tags: Optional[dict[str, Any]] = None,
                       time_precision: Optional[str] = None, protocol: str = "json",
                       start: int = 0, timeless: Optional[list[int]] = None) -> bytes:
        """What ``write_points`` accepts -> one line-protocol body, the default tags and
        ``tags`` merged under each point's own, at ``time_precision``.

        :param timeless: when given, the number of points without a time is added to
            ``timeless[0]``, counted while encoding
        :raises InfluxDBInvalidPointError: naming the point, before anything is sent
        """

    def _write_payload(self, body: bytes, *, database: Optional[str] = None,
                       retention_policy: Optional[str] = None, precision: Optional[str] = None,
                       consistency: Optional[str] = None, retry: Optional[Retry] = None,
                       timeout: Any = None) -> None:
        """POST one body to ``/write`` (``retry``, ``timeout``: instead of the client's).

        :raises InfluxDBClientError: (a subclass) the server refused the write
        :raises InfluxDBServerError: 5xx once the retries are spent
        :raises requests.exceptions.RequestException: the transport failed, retries spent
        """

    def _udp_send(self, body: bytes, lines: Optional[int] = None) -> None:
        """Send one body to the UDP listener, split into datagrams on line boundaries
        (``lines``: how many lines it holds, when the caller knows)."""


def _url_part(check: Callable[..., T], *args: Any) -> T:
    """A host or port, checked; refused as :class:`InfluxDBInvalidURLError`, which is also
    the ``requests.exceptions.InvalidURL`` 5.3.2 raised at the first request."""
    try:
        return check(*args)
    except InvalidHostOrPort as error:
        raise _sync.invalid_url(error) from None


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
            _sync.forget_connections(session)
        except Exception:  # noqa: BLE001 -- one odd session must not stop the others
            log.exception("dropping the connections a forked child inherited failed")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections_after_fork)


class InfluxDBClient:
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
    :param retries: attempts in all (``0`` = until success), or a :class:`~influxdb.Retry`
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
        session: Optional[_sync.Session] = None,
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

        self._session = _sync.new_session(session)
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

        self._udp: Optional[_UDPSender] = None
        if use_udp:
            self._udp = _UDPSender(host, self.__udp_port)
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

    def _write_url(self) -> str:
        """Where writes go (:class:`WriteClient`): the base URL, or ``udp://host:port``."""
        if not self.__use_udp:
            return self.__baseurl
        host = self.__host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"udp://{host}:{self.__udp_port}"

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
        _sync.close_session(self._session)
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
    ) -> _sync.Response:
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
        response: _sync.Response = self._send(build.http_request(
            url, method, params, data, stream, expected_response_code,
            self._headers if headers is None else headers),
            interpret=lambda answer: _with_msgpack(answer, stream))
        return response

    def _send(
        self,
        request: build.Request,
        *,
        retry: Optional[Retry] = None,
        deadline: Optional[float] = None,
        timeout: Any = None,
        interpret: Optional[Callable[[_sync.Response], Any]] = None,
        tally: Optional[_sync.Tally] = None,
        failure: Optional[BaseException] = None,
    ) -> Any:
        """Send ``request`` through the transport with this client's state (session,
        credentials, gzip, retries, deadline, timeout), each unless given here.

        :param deadline: seconds this call may take (``None``: the client's deadline)
        :param timeout: this request's timeout (``None``: the client's)
        :param interpret: what to make of the answer, within each attempt, so that an answer
            that cannot be read is retried with the rest (``None``: the answer itself)
        :param tally: with ``failure``, resume the retries of a call begun earlier
            (:func:`influxdb._transports.sync.perform`)
        """
        request = build.encoded(request, self._gzip)

        return _sync.perform(
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
            interpret=interpret,
            tally=tally,
            failure=failure,
        )

    def ping(self) -> Optional[str]:
        """Check the server; return its version (``X-Influxdb-Version``).

        Unlike 5.3.2, a proxy answering 200 instead of 204, or dropping the version header,
        is not an error (the version is then ``None``).

        :raises InfluxDBClientError: on any other status
        """
        response: _sync.Response = self._send(build.ping_request(self._headers))
        return answers.ping_version(response.headers)

    # -- queries -------------------------------------------------------------------------
    def _query_raw(
        self,
        query: str,
        *,
        params: Optional[dict[str, Any]] = None,
        bind_params: Optional[dict[str, Any]] = None,
        epoch: Optional[str] = None,
        expected_response_code: int = 200,
        database: Optional[str] = None,
        chunked: bool = False,
        chunk_size: int = 0,
        method: str = "GET",
        deadline: Optional[float] = None,
    ) -> Iterator[dict[str, Any]]:
        """Send a query; yield each decoded ``results`` entry, or each decoded document (a
        ``{'results': [...]}`` dict per chunk) when ``chunked``.

        A query is a read: an answer that breaks (cut short, malformed, a stall) is asked for
        again, per the client's retries and within the deadline (``None``: the client's),
        as long as nothing of it was handed out.
        """
        request = build.query_request(
            query, params=params, bind_params=bind_params, epoch=epoch,
            database=database or self._database, chunked=chunked, chunk_size=chunk_size,
            method=method, headers=self._headers, expected=expected_response_code)
        seconds = self._deadline if deadline is None else deadline
        if chunked:
            # One count of attempts for the call: those made to get the answer, and those
            # made again when it breaks before its first document (retries=3: 3 in all).
            tally = _sync.Tally(time.monotonic())
            expires = None if seconds is None else tally.started + seconds

            def send(failure: Optional[BaseException] = None) -> _sync.Response:
                response: _sync.Response = self._send(
                    request, deadline=seconds, tally=tally, failure=failure)
                return response

            # Sent now, so that a refused query raises here, as in 5.3.2; read as iterated.
            return _chunked_documents(send(), send, expires, self._max_document_size)
        try:
            results: list[dict[str, Any]] = self._send(
                request, deadline=seconds, interpret=_results)
        except answers.ServerStopping as stopping:  # retries spent: the statement errors stand
            results = stopping.results
        return iter(results)

    # What query() returns, told apart by `chunked` for type checkers: a generator when
    # chunked=True (by keyword or in 8th position), else one ResultSet or a list of them.
    @overload
    def query(self, query: str, params: Optional[dict[str, Any]] = ...,
              bind_params: Optional[dict[str, Any]] = ..., epoch: Optional[str] = ...,
              expected_response_code: int = ..., database: Optional[str] = ...,
              raise_errors: bool = ..., *, chunked: Literal[True], chunk_size: int = ...,
              method: str = ..., deadline: Optional[float] = ...) -> Iterator[ResultSet]: ...

    @overload
    def query(self, query: str, params: Optional[dict[str, Any]],
              bind_params: Optional[dict[str, Any]], epoch: Optional[str],
              expected_response_code: int, database: Optional[str], raise_errors: bool,
              chunked: Literal[True], chunk_size: int = ..., method: str = ..., *,
              deadline: Optional[float] = ...) -> Iterator[ResultSet]: ...

    @overload
    def query(self, query: str, params: Optional[dict[str, Any]] = ...,
              bind_params: Optional[dict[str, Any]] = ..., epoch: Optional[str] = ...,
              expected_response_code: int = ..., database: Optional[str] = ...,
              raise_errors: bool = ..., chunked: Literal[False] = ..., chunk_size: int = ...,
              method: str = ..., *,
              deadline: Optional[float] = ...) -> Union[ResultSet, list[ResultSet]]: ...

    @overload
    def query(self, query: str, params: Optional[dict[str, Any]] = ...,
              bind_params: Optional[dict[str, Any]] = ..., epoch: Optional[str] = ...,
              expected_response_code: int = ..., database: Optional[str] = ...,
              raise_errors: bool = ..., chunked: bool = ..., chunk_size: int = ...,
              method: str = ..., *, deadline: Optional[float] = ...,
              ) -> Union[ResultSet, list[ResultSet], Iterator[ResultSet]]: ...

    def query(
        self,
        query: str,
        params: Optional[dict[str, Any]] = None,
        bind_params: Optional[dict[str, Any]] = None,
        epoch: Optional[str] = None,
        expected_response_code: int = 200,
        database: Optional[str] = None,
        raise_errors: bool = True,
        chunked: bool = False,
        chunk_size: int = 0,
        method: str = "GET",
        *,
        deadline: Optional[float] = None,
    ) -> Union[ResultSet, list[ResultSet], Iterator[ResultSet]]:
        """Run one or more InfluxQL statements.

        :param query: the statement(s), separated by ``;``
        :param params: extra query-string parameters (copied, never modified)
        :param bind_params: values for ``$name`` placeholders, sent apart from the statement
            so they are never interpreted as InfluxQL
        :param epoch: return times as integers in this unit (``'h'``, ``'m'``, ``'s'``,
            ``'ms'``, ``'u'``, ``'ns'``) instead of RFC3339 strings
        :param expected_response_code: the status that means success
        :param database: the database (default: the client's)
        :param raise_errors: raise on a statement error instead of returning it in
            :attr:`ResultSet.error`
        :param chunked: stream the answer; returns a generator of :class:`ResultSet`, one per
            chunk, holding one chunk in memory at a time
        :param chunk_size: points per chunk asked of the server (``0``: its default)
        :param method: ``'GET'`` or ``'POST'``; statements that change state always go by POST
        :param deadline: seconds this call may take in all, instead of the client's
            ``deadline`` (attempts, waits, and reading the answer, to its last chunk when
            ``chunked``)
        :returns: a :class:`ResultSet` for one statement, a list of them for several, ``[]``
            for none; a generator when ``chunked``
        :raises InfluxDBClientError: (a subclass) a refused statement or request
        :raises InfluxDBBrokenAnswerError: (also a ``ValueError``) an answer cut short,
            malformed or over ``max_document_size``, once retries are spent
        :raises requests.exceptions.ReadTimeout: a read stalled past ``timeout``, or the
            deadline passed
        """
        results = self._query_raw(
            query, params=params, bind_params=bind_params, epoch=epoch,
            expected_response_code=expected_response_code, database=database,
            chunked=chunked, chunk_size=chunk_size, method=method,
            deadline=build.check_deadline(deadline))
        if chunked:
            return self._chunked_resultsets(results, raise_errors)
        result_sets = [ResultSet(result, raise_errors=raise_errors) for result in results]
        if len(result_sets) == 1:
            return result_sets[0]
        return result_sets

    @staticmethod
    def _chunked_resultsets(documents: Iterator[dict[str, Any]],
                            raise_errors: bool) -> Iterator[ResultSet]:
        # One ResultSet per chunk, as 5.3.x: the series of every statement in the chunk are
        # put together.  Unlike 5.3.2, a statement error in a chunk raises (when
        # raise_errors) or stays readable in ResultSet.error, instead of being dropped.
        for document in documents:
            results = document.get("results", [])
            merged: dict[str, Any] = {}
            for result in results:
                for key, value in result.items():
                    if isinstance(value, list):
                        merged.setdefault(key, []).extend(value)
                    else:
                        merged.setdefault(key, value)
            if "error" in document and "error" not in merged:
                merged["error"] = document["error"]
            yield ResultSet(merged, raise_errors=raise_errors)

    # -- writes --------------------------------------------------------------------------
    def _write_payload(
        self,
        body: bytes,
        *,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        precision: Optional[str] = None,
        consistency: Optional[str] = None,
        retry: Optional[Retry] = None,
        timeout: Any = None,
    ) -> None:
        """POST one line-protocol body to ``/write`` (with the client's retry policy).

        ``timeout`` (seconds or ``(connect, read)``) replaces the client's timeout for this
        request only (the batching writer bounds its requests so, whatever the client's).

        :raises InfluxDBClientError: (a subclass) the server refused the write
        :raises InfluxDBServerError: 5xx once retries are spent
        :raises requests.exceptions.RequestException: transport failure once retries are spent
        """
        db = database or self._database
        request = build.write_request(body, params=build.write_params(
            database=db, retention_policy=retention_policy, precision=precision,
            consistency=consistency), headers=self._headers)
        if timeout is None:
            timeout = write_timeout.get()
        try:
            self._send(request, retry=retry, timeout=timeout)
        except InfluxDBDatabaseNotFoundError:
            if not self._create_database_if_missing or db is None:
                raise
            self.create_database(db)
            self._send(request, retry=retry, timeout=timeout)

    def write(
        self,
        data: Any,
        params: Optional[dict[str, Any]] = None,
        expected_response_code: int = 204,
        protocol: str = "json",
    ) -> bool:
        """Write data as it is given: the low-level call under :meth:`write_points`.

        :param data: ``protocol='json'``: an envelope ``{'points': [...], 'tags': {...}}``;
            ``'line'``: a line string or a list of them; anything else is sent unchanged
        :param params: query-string parameters (``db``, ``precision``, ``rp``...)
        :param expected_response_code: the status that means success
        :param protocol: ``'json'`` or ``'line'``
        :returns: ``True``
        """
        precision = params.get("precision") if params else None
        if protocol == "json":
            data = make_lines(data, precision).encode("utf-8")
        elif protocol == "line":
            data = line_body(data)
        self._send(build.write_request(data, params=params, headers=self._headers,
                                       expected=expected_response_code))
        return True

    def write_points(
        self,
        points: Any,
        time_precision: Optional[str] = None,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        tags: Optional[dict[str, Any]] = None,
        batch_size: Optional[int] = None,
        protocol: str = "json",
        consistency: Optional[str] = None,
        *,
        record_measurement: Optional[str] = None,
        record_measurement_key: Optional[str] = None,
        record_tag_keys: Optional[Iterable[str]] = None,
        record_field_keys: Optional[Iterable[str]] = None,
        record_time_key: Optional[str] = None,
        record_time_precision: Optional[str] = None,
    ) -> bool:
        """Write points.

        :param points: dicts ``{'measurement', 'tags', 'fields', 'time'}``,
            :class:`~influxdb.point.Point` objects or line strings (``protocol='json'``), or line
            strings (``protocol='line'``); any iterable
        :param time_precision: ``'n'``/``'ns'``, ``'u'``, ``'ms'``, ``'s'``, ``'m'`` or ``'h'``:
            the unit of integer times, and the precision datetimes are written at (floored)
        :param database: target database (default: the client's)
        :param retention_policy: target retention policy (default: the client's
            ``default_retention_policy``; when that is ``None`` too, none is sent and the
            server writes to the database's default retention policy)
        :param tags: tags added to every point (a point's own tags win)
        :param batch_size: send in requests of this many points; on failure the exception
            carries ``write_report`` telling which batches were written
        :param protocol: ``'json'`` or ``'line'``
        :param consistency: ``'any'``, ``'one'``, ``'quorum'`` or ``'all'`` (clusters)
        :param record_measurement: write dataclasses, named tuples or other objects: the
            measurement of every record (or ``record_measurement_key``: the attribute holding
            it); ``record_tag_keys``, ``record_field_keys``, ``record_time_key`` and
            ``record_time_precision`` name the rest (see
            :meth:`~influxdb.point.Point.from_record`)
        :returns: ``True`` once every point was accepted
        :raises InfluxDBInvalidPointError: (an ``InfluxDBArgumentError``, also a
            ``ValueError``) before anything is sent: a point that cannot be written (naming
            it), an unknown ``time_precision``, ``consistency`` or ``protocol``, ``tags`` that
            are not a dict, inconsistent ``record_*`` options or a record lacking an attribute,
            with ``use_udp=True`` a line too long for one datagram
        :raises InfluxDBArgumentTypeError: (also a ``TypeError``) a ``batch_size`` that is not
            an int
        :raises InfluxDBDatabaseNotFoundError: no such database (unless the client was
            created with ``create_database_if_missing=True``)
        :raises InfluxDBRetentionPolicyNotFoundError: no such retention policy
        :raises InfluxDBWriteError: the server refused the points (``unable to parse``, times
            outside the retention policy); its subclass ``InfluxDBPartialWriteError`` when
            some were dropped, and ``InfluxDBFieldTypeConflictError`` when a field changed
            type
        :raises InfluxDBAuthenticationError: 401, missing or wrong credentials
        :raises InfluxDBAuthorizationError: 403, the user may not write to the database
        :raises InfluxDBClientError: any other refusal (``NotInfluxDBClientError`` when the
            answer did not come from InfluxDB)
        :raises InfluxDBServerError: a 5xx once the client's retries are spent
            (``NotInfluxDBServerError`` when the answer did not come from InfluxDB)
        :raises requests.exceptions.ConnectionError: the server could not be reached, once
            the retries are spent (``requests.exceptions.Timeout`` when it did not answer in
            time)
        :raises OSError: with ``use_udp=True``, the socket refused a datagram

        With ``batch_size``, an exception raised by a request carries ``write_report``
        (batches written, failed and never sent).
        """
        mapping = RecordMapping.from_options(
            record_measurement=record_measurement, record_measurement_key=record_measurement_key,
            record_tag_keys=record_tag_keys, record_field_keys=record_field_keys,
            record_time_key=record_time_key, record_time_precision=record_time_precision)
        if mapping is not None:
            points = points_from_records(points, mapping)
        if time_precision is None:
            time_precision = self._default_time_precision
        precision = normalize_precision(time_precision)
        check_consistency(consistency)
        if retention_policy is None:
            retention_policy = self._default_retention_policy

        def encode(chunk: Any, start: int = 0) -> bytes:
            """One request's body; warns when its timeless points would share a time."""
            if protocol != "json":
                return self._encode_points(chunk, tags=tags, time_precision=precision,
                                           protocol=protocol, start=start)
            if isinstance(chunk, Iterable) and not isinstance(
                    chunk, (Mapping, str, bytes)) and not is_sequence(chunk):
                chunk = list(chunk)  # read once: encoded, then looked at for shared times
            timeless = [0]  # counted by the encoder: nothing to pay for points with times
            body = self._encode_points(chunk, tags=tags, time_precision=precision,
                                       protocol=protocol, start=start, timeless=timeless)
            if timeless[0] > 1:
                warn_shared_server_time(chunk, {**self._default_tags, **(tags or {})}, log)
            return body

        if self._udp is not None:
            self._send_udp_batches(points, batch_size, encode)
            return True

        def send(body: bytes) -> None:
            if body:  # a batch of nothing but empty lines has nothing to write
                self._write_payload(body, database=database,
                                    retention_policy=retention_policy, precision=precision,
                                    consistency=consistency)

        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, int)):
            raise InfluxDBArgumentTypeError(
                f"batch_size must be an int, not {type(batch_size).__name__}")
        if not batch_size or batch_size <= 0:
            send(encode(points))
            return True
        if protocol == "line" and isinstance(points, (str, bytes)):
            points = [points]
        if is_sequence(points):
            # Encode every batch first: a bad point anywhere means nothing is written.
            if type(points) not in (list, tuple):
                points = list(points)
            bodies = [encode(points[at:at + batch_size], at)
                      for at in range(0, len(points), batch_size)]
            send_batches(bodies, lambda body, _: body, send, batch_size, total=len(bodies),
                         ahead=False)
            return True

        def prepare(chunk: list[Any], index: int) -> bytes:
            return encode(chunk, index * batch_size)

        # An iterator is read and encoded one batch ahead of the request in flight.
        send_batches(batched(points, batch_size), prepare, send, batch_size, keep_points=True,
                     on_written=_sync.on_written)
        return True

    def write_point(
        self,
        measurement: str,
        fields: dict[str, Any],
        tags: Optional[dict[str, Any]] = None,
        time: Any = None,
        *,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        time_precision: Optional[str] = None,
    ) -> bool:
        """Write one point.

        :param measurement: the measurement
        :param fields: field names and values
        :param tags: tag names and values
        :param time: a datetime, RFC3339 string, or integer in ``time_precision``; ``None``
            lets the server stamp it
        :returns: ``True``
        """
        point: dict[str, Any] = {"measurement": measurement, "fields": fields}
        if tags:
            point["tags"] = tags
        if time is not None:
            point["time"] = time
        return self.write_points([point], time_precision=time_precision, database=database,
                                 retention_policy=retention_policy)

    # -- UDP -----------------------------------------------------------------------------
    def _send_udp_batches(self, points: Any, batch_size: Optional[int],
                          encode: Any) -> None:
        if batch_size and batch_size > 0:
            bodies = [encode(chunk) for chunk in batched(points, batch_size)]
        else:
            bodies = [encode(points)]
        for body in bodies:
            if body:
                self._udp_send(body)

    def _udp_send(self, body: bytes, lines: Optional[int] = None) -> None:
        # lines: how many lines the body holds, when the caller knows it exactly
        if self._udp is None:
            raise InfluxDBArgumentAttributeError("this client was not created with use_udp=True")
        self._udp.send(body, lines)

    def send_packet(self, packet: Any, protocol: str = "json",
                    time_precision: Optional[str] = None) -> None:
        """Send points to the UDP listener (fire and forget).

        :param packet: ``protocol='json'``: an envelope ``{'points': [...], 'tags': {...}}``;
            ``'line'``: a line string or a list of them
        :param protocol: ``'json'`` or ``'line'``
        :param time_precision: precision of the times (the listener's own precision setting
            decides how the server reads them)
        :raises InfluxDBInvalidPointError: bad points, an unknown protocol, or a line too long
            for one datagram (payloads longer than a datagram are split on line boundaries)
        """
        precision = normalize_precision(time_precision)
        if protocol == "json":
            body = make_lines(packet, precision).encode("utf-8")
        elif protocol == "line":
            body = line_body(packet)
        else:
            raise InfluxDBInvalidPointError(
                f"Invalid protocol {protocol!r}: use 'json' or 'line'")
        self._udp_send(body)

    # -- batching ------------------------------------------------------------------------
    def batch_writer(self, **kwargs: Any) -> BatchWriter:
        """A background :class:`~influxdb.batching.BatchWriter` writing through this client."""
        from influxdb.batching import BatchWriter

        return BatchWriter(self, **kwargs)

    def session(self, **kwargs: Any) -> Session:
        """A write :class:`~influxdb.batching.Session` (commits on leaving a ``with`` block)."""
        from influxdb.batching import Session

        return Session(self, **kwargs)

    # -- encoding ------------------------------------------------------------------------
    def _encode_points(
        self,
        points: Any,
        *,
        tags: Optional[dict[str, Any]] = None,
        time_precision: Optional[str] = None,
        protocol: str = "json",
        start: int = 0,
        timeless: Optional[list[int]] = None,
    ) -> bytes:
        """Encode what ``write_points`` accepts into a line-protocol body.

        ``protocol='json'``: dicts, :class:`~influxdb.point.Point` objects and line strings,
        mixed freely; the client's default tags and ``tags`` are merged under each point's own.
        ``protocol='line'``: a string or a sequence of line strings (``tags`` ignored, 5.3.2).

        :param start: the index of the first item in the caller's whole input (for errors)
        :param timeless: when given (``protocol='json'``), the number of points and lines
            without a time is added to ``timeless[0]``, counted while encoding
        :raises InfluxDBInvalidPointError: naming the point and field, before anything is sent
        """
        if protocol == "json" and type(points) in (list, tuple) and points:
            # Points only (the common case): straight to the body, with no list of lines.
            # The C encoder says when it meets a line (then the mixed path below takes the
            # batch); without it, the batch is looked over first.
            if _speedups_built():
                try:
                    return _encode_body(points, self._merged_tags(tags), None, time_precision,
                                        start, timeless, lines_among=True)
                except _LineAmong:
                    pass
            elif not has_lines(points):
                return _encode_body(points, self._merged_tags(tags), None, time_precision,
                                    start, timeless)
        if protocol == "line":
            if isinstance(points, str):
                points = [points]
            try:  # the common case at C speed: join() itself checks every item is a str
                text = "\n".join(points)
            except TypeError:
                pass  # bytes items, or an item to name in an error: the per-item path
            else:
                return (text + "\n").encode("utf-8") if text else b""
        lines = self._encode_lines(points, tags=tags, time_precision=time_precision,
                                   protocol=protocol, start=start, timeless=timeless)
        return line_body(lines) if lines else b""

    def _encode_lines(
        self,
        points: Any,
        *,
        tags: Optional[dict[str, Any]] = None,
        time_precision: Optional[str] = None,
        protocol: str = "json",
        start: int = 0,
        timeless: Optional[list[int]] = None,
    ) -> list[str]:
        """One line-protocol string per item of ``points`` (no final newlines).

        :param start: the index of the first item in the caller's whole input, so that an
            error names the point as the caller counts it
        """
        if protocol == "line":
            if isinstance(points, (str, bytes)):
                points = [points]
            lines = [p.decode("utf-8") if isinstance(p, bytes) else p for p in points]
            for index, line in enumerate(lines, start):
                if not isinstance(line, str):
                    raise InfluxDBInvalidPointError(
                        f"point {index}: protocol='line' expects strings, got "
                        f"{type(line).__name__}")
            return lines
        if protocol != "json":
            raise InfluxDBInvalidPointError(
                f"Invalid protocol {protocol!r}: use 'json' (points as dicts) or 'line'")
        if isinstance(points, (str, bytes)):
            points = [points]  # one line, as the batching writer takes it (list() split chars)
        if not is_sequence(points):
            if isinstance(points, Mapping):
                raise InfluxDBInvalidPointError(
                    "points must be a list of points, got a single dict; wrap it in a list")
            try:
                points = list(points)
            except TypeError:
                raise InfluxDBInvalidPointError(
                    f"points must be a list of points, not {type(points).__name__}") from None
        if not points:
            return []
        merged_tags = self._merged_tags(tags)
        if not has_lines(points):
            return _encode(points, merged_tags, None, time_precision, start=start,
                           timeless=timeless)
        # Mixed dicts/Points and ready-made lines: keep their order.
        out: list[str] = []
        offset = start
        for is_line, group in itertools.groupby(points, key=lambda p: isinstance(p, (str, bytes))):
            items = list(group)
            if is_line:
                for line in items:
                    text = line.decode("utf-8") if isinstance(line, bytes) else line
                    out.append(text[:-1] if text.endswith("\n") else text)
                    if timeless is not None:
                        timeless[0] += count_timeless_lines(out[-1])
            else:
                out.extend(_encode(items, merged_tags, None, time_precision, start=offset,
                                   timeless=timeless))
            offset += len(items)
        return out

    def _merged_tags(self, tags: Optional[dict[str, Any]]) -> dict[str, Any]:
        if tags is not None and not isinstance(tags, Mapping):
            raise InfluxDBInvalidPointError(
                f"tags must be a dict of tag names and values, not {type(tags).__name__}")
        if not self._default_tags:
            return tags or {}
        merged = dict(self._default_tags)
        if tags:
            merged.update(tags)
        return merged

    # -- administration ------------------------------------------------------------------
    # Each helper is one statement from a named builder of influxdb._influxql (identifiers
    # and literals quoted there), sent through query().  Statements that change state go by
    # POST (InfluxDB 1.6 deprecates state changes sent by GET); a password travels in the
    # POST body, never in a URL.
    def _one(self, statement: str, database: Optional[str] = None,
             method: str = "GET") -> ResultSet:
        # One statement: query() returns its ResultSet (as 5.3.2's helpers read it).
        return cast(ResultSet, self.query(statement, database=database, method=method))

    def _run(self, statement: str, database: Optional[str] = None) -> ResultSet:
        return self._one(statement, database, method="POST")

    def _read(self, statement: str, database: Optional[str] = None) -> list[dict[str, Any]]:
        return list(self._one(statement, database).get_points())

    def _db(self, database: Optional[str], what: str) -> str:
        db = database or self._database
        if db is None:
            # 5.3.2's message and class (an InfluxDBClientError), now also a ValueError.
            raise InfluxDBArgumentError(
                f"{what}() requires a database as a parameter or the client to be using a "
                "database")
        return db

    # -- databases -----------------------------------------------------------------------
    def get_list_database(self) -> list[dict[str, Any]]:
        """The databases: ``[{'name': 'db1'}, ...]``."""
        return self._read(ql.show_databases())

    def create_database(self, dbname: str) -> None:
        """Create a database (no error if it exists)."""
        self._run(ql.create_database(dbname))

    def drop_database(self, dbname: str) -> None:
        """Drop a database (no error if it does not exist)."""
        self._run(ql.drop_database(dbname))

    # -- measurements and series ---------------------------------------------------------
    def get_list_measurements(self) -> list[dict[str, Any]]:
        """The measurements of the client's database: ``[{'name': 'cpu'}, ...]``."""
        return self._read(ql.show_measurements())

    def drop_measurement(self, measurement: str) -> None:
        """Drop a measurement with all its series and points."""
        self._run(ql.drop_measurement(measurement))

    def get_list_series(self, database: Optional[str] = None,
                        measurement: Optional[str] = None,
                        tags: Optional[dict[str, Any]] = None) -> list[str]:
        """Series keys, e.g. ``['cpu,host=a', ...]``.

        :param database: the database (default: the client's)
        :param measurement: only series of this measurement
        :param tags: only series with these tag values
        """
        rs = self._one(ql.show_series(measurement, tags), database=database)
        return list(itertools.chain.from_iterable(p.values() for p in rs.get_points()))

    def delete_series(self, database: Optional[str] = None,
                      measurement: Optional[str] = None,
                      tags: Optional[dict[str, Any]] = None) -> None:
        """Drop series by measurement and/or tag values (all points of those series).

        :raises InfluxDBClientError: when neither ``measurement`` nor ``tags`` is given: the
            bare ``DROP SERIES`` is sent, as by 5.3.2, and the server refuses it (code 400)
        """
        self._run(ql.drop_series(measurement, tags), database=database)

    # -- retention policies --------------------------------------------------------------
    def create_retention_policy(self, name: str, duration: str, replication: Union[int, str],
                                database: Optional[str] = None, default: bool = False,
                                shard_duration: str = "0s") -> None:
        """Create a retention policy.

        :param name: the policy's name
        :param duration: how long data is kept (``'1d'``, ``'52w'``, ``'INF'``)
        :param replication: copies kept (1 on a single server)
        :param database: the database (default: the client's)
        :param default: make it the database's default policy
        :param shard_duration: time range of a shard group (``'0s'``: the server picks)
        """
        db = self._db(database, "create_retention_policy")
        self._run(ql.create_retention_policy(name, duration, replication, db, default,
                                             shard_duration))

    def alter_retention_policy(self, name: str, database: Optional[str] = None,
                               duration: Optional[str] = None,
                               replication: Optional[Union[int, str]] = None,
                               default: Optional[bool] = None,
                               shard_duration: Optional[str] = None) -> None:
        """Change a retention policy; arguments left ``None`` are unchanged."""
        db = self._db(database, "alter_retention_policy")
        self._run(ql.alter_retention_policy(name, db, duration, replication, default,
                                            shard_duration))

    def drop_retention_policy(self, name: str, database: Optional[str] = None) -> None:
        """Drop a retention policy and its data."""
        db = self._db(database, "drop_retention_policy")
        self._run(ql.drop_retention_policy(name, db))

    def get_list_retention_policies(self, database: Optional[str] = None
                                    ) -> list[dict[str, Any]]:
        """Retention policies: ``[{'name', 'duration', 'shardGroupDuration', 'replicaN',
        'default'}, ...]``.

        :raises InfluxDBClientError: when no database is given or set on the client
        """
        db = self._db(database, "get_list_retention_policies")
        return self._read(ql.show_retention_policies(db), database=db)

    # -- users and privileges ------------------------------------------------------------
    def get_list_users(self) -> list[dict[str, Any]]:
        """Users: ``[{'user': 'root', 'admin': True}, ...]``."""
        return self._read(ql.show_users())

    def create_user(self, username: str, password: str, admin: bool = False) -> None:
        """Create a user (the password travels in the request body, never in a URL)."""
        self._run(ql.create_user(username, password, admin))

    def drop_user(self, username: str) -> None:
        """Drop a user."""
        self._run(ql.drop_user(username))

    def set_user_password(self, username: str, password: str) -> None:
        """Change a user's password (sent by POST, in the body; 5.3.2 put it in the URL)."""
        self._run(ql.set_password(username, password))

    def grant_admin_privileges(self, username: str) -> None:
        """Make a user a cluster admin."""
        self._run(ql.grant_admin(username))

    def revoke_admin_privileges(self, username: str) -> None:
        """Take cluster-admin rights from a user."""
        self._run(ql.revoke_admin(username))

    def grant_privilege(self, privilege: str, database: str, username: str) -> None:
        """Grant ``'read'``, ``'write'`` or ``'all'`` on a database to a user."""
        self._run(ql.grant_privilege(privilege, database, username))

    def revoke_privilege(self, privilege: str, database: str, username: str) -> None:
        """Revoke ``'read'``, ``'write'`` or ``'all'`` on a database from a user."""
        self._run(ql.revoke_privilege(privilege, database, username))

    def get_list_privileges(self, username: str) -> list[dict[str, Any]]:
        """A user's privileges: ``[{'database': 'db1', 'privilege': 'READ'}, ...]``."""
        return self._read(ql.show_grants(username))

    # -- continuous queries --------------------------------------------------------------
    def get_list_continuous_queries(self) -> list[dict[str, list[dict[str, Any]]]]:
        """Continuous queries per database: ``[{'db1': [{'name', 'query'}, ...]}, ...]``."""
        rs = self._one(ql.show_continuous_queries())
        return [{key[0]: list(points)} for key, points in rs.items()]

    def create_continuous_query(self, name: str, select: str,
                                database: Optional[str] = None,
                                resample_opts: Optional[str] = None) -> None:
        """Create a continuous query.

        :param name: the CQ's name
        :param select: its ``SELECT ... INTO ... GROUP BY time(...)`` statement
        :param database: the database (default: the client's)
        :param resample_opts: ``'EVERY 10s'``, ``'FOR 2m'`` or both
        """
        db = self._db(database, "create_continuous_query")
        self._run(ql.create_continuous_query(name, select, db, resample_opts))

    def drop_continuous_query(self, name: str, database: Optional[str] = None) -> None:
        """Drop a continuous query."""
        db = self._db(database, "drop_continuous_query")
        self._run(ql.drop_continuous_query(name, db))


def _with_msgpack(response: _sync.Response, stream: bool) -> _sync.Response:
    """5.3.2's ``request()`` answer: a msgpack body decoded into ``response._msgpack``
    (``None`` for any other answer), where 5.3.2's callers of ``request()`` read it.  Only
    ``request()`` sets it; the client's own calls read their answers through the core.

    :raises InfluxDBBrokenAnswerError: the msgpack body is cut short or malformed (retried)
    """
    document = None
    if not stream and answers.is_msgpack(response.headers) and response.content:
        document = answers.decode_answer(response.content, msgpack_body=True)
    response._msgpack = document  # type: ignore[attr-defined]
    return response


def _results(response: _sync.Response) -> list[dict[str, Any]]:
    """The ``results`` of a whole answer, msgpack or JSON as its ``Content-Type`` says.

    :raises InfluxDBBrokenAnswerError: the body is cut short or malformed (retried)
    :raises ServerStopping: a statement error that only says the server was stopping
        (retried)
    """
    return answers.query_results(answers.decode_body(response.headers, response.content),
                                 msgpack_body=answers.is_msgpack(response.headers))


def _chunked_documents(response: _sync.Response,
                       resend: Callable[[BaseException], _sync.Response],
                       expires: Optional[float],
                       limit: Optional[int]) -> Iterator[dict[str, Any]]:
    """The documents of a chunked answer, the query sent again while none was handed out.

    :param resend: ``resend(error)`` resumes the call's retries after ``error``: the query
        is sent again, or ``error`` raised once they are spent
    :raises InfluxDBBrokenAnswerError: the answer breaks after a document was handed out,
        or ends on a document that announces more (``"partial": true``)
    """
    while True:
        handed_out = None
        try:
            for document in _sync.iter_documents(response, expires=expires, limit=limit):
                handed_out = document
                yield _drop_empty_series(document)
        except Exception as error:
            if handed_out is not None:
                raise
            response = resend(error)
            continue
        answers.check_last_chunk(handed_out)
        return
