"""The sync transport: HTTP through a :class:`requests.Session`, the only module that
imports ``requests`` (the UDP socket is :mod:`influxdb._transports.udp`'s).

Everything here is driven by :class:`~influxdb.client.InfluxDBClient`, which keeps the state
(session, headers, credentials) in the attributes 5.3.2 users read and patch; this module
receives that state at call time, so a test that swaps ``client._session`` or patches
``requests.Session.request`` still sees every request.

Retries: :func:`retrying` is the sync transport's one retry loop.  It asks the core's
decision (:func:`influxdb._core._retry.decide`) after each failure and does the waiting; every
retried call of the sync client goes through it (HTTP requests, a chunked answer asked for
again, the batching writer's batches).  The ``requests`` exceptions worth another attempt
are listed here (:data:`RETRYABLE_EXCEPTIONS`), the rest of the table is the core's.

What is sent and what an answer means are the core's (:mod:`influxdb._core`): this module
sends a :class:`~influxdb._core.requests.Request`, reads the body (bounded in size and time)
or feeds its blocks to the core's decoder, and raises the exception the core makes of an
unexpected status (:func:`influxdb._core.answers.error_of`).
"""

from __future__ import annotations

import logging
import queue
import re
import socket
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any, Callable, Optional, TypeVar, Union
from urllib.parse import urlsplit

import requests
import requests.adapters
import requests.exceptions
import urllib3
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions

from influxdb._config.dsn import InvalidHostOrPort
from influxdb._core import _retry, answers
from influxdb._core._retry import Retry
from influxdb._core.answers import DEFAULT_MAX_DOCUMENT_SIZE
from influxdb._core.requests import Request
from influxdb._redact import redact_exception
from influxdb.exceptions import InfluxDBError

log = logging.getLogger("influxdb")

#: Transport failures worth another attempt (5.3.2 retried exactly these): this transport's
#: rows of the one table of retryable failures (:func:`influxdb._core._retry.is_retryable`).
RETRYABLE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.HTTPError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,  # the answer was cut (server died mid-answer)
)
#: Bytes asked of the socket per read of a whole answer (requests reads 10 KiB at a time).
_READ_SIZE = 1 << 18

#: The HTTP library's classes, named here: the layers above never import it.
Session = requests.Session
Response = requests.Response


class InfluxDBInvalidURLError(InvalidHostOrPort, requests.exceptions.InvalidURL):
    """A ``host`` or ``port`` from which no URL can be made, refused by the constructor.

    influxdb-python 5.3.2 accepted them and failed at the first request with
    :class:`requests.exceptions.InvalidURL`, which this class still is (and a
    :class:`ValueError`, and an :class:`~influxdb.exceptions.InfluxDBArgumentError`).  Made
    here, where ``requests`` is imported, from the core's
    :class:`~influxdb._config.dsn.InvalidHostOrPort` (:func:`invalid_url`).
    """


# Where users import it from (influxdb.client), and so what a traceback names.
InfluxDBInvalidURLError.__module__ = "influxdb.client"


def invalid_url(error: InvalidHostOrPort) -> InfluxDBInvalidURLError:
    """The core's refusal of a host or port, as the class 5.3.2's callers catch."""
    return InfluxDBInvalidURLError(error.content)


def new_session(session: Optional[Session] = None) -> Session:
    """The session a client sends through: the one the user gave, else a new
    :class:`requests.Session` (5.3.2's ``session=`` argument and its default)."""
    return session if session else requests.Session()


def close_session(session: Any) -> None:
    """Release a session's pooled connections (a stand-in that is no session is left)."""
    if isinstance(session, requests.Session):
        session.close()


#: Per thread: what to call once a request has been written whole (see :func:`on_written`).
_written = threading.local()


@contextmanager
def on_written(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` (no arguments) each time a request sent by this thread inside the
    block has been handed to the socket whole, before its answer is read.

    The pipelined ``write_points`` uses it: the next batch is encoded (a C loop that holds
    the interpreter) only once the body in flight has left, so that the server is not kept
    waiting for the rest of a body behind it.  Only requests through the client's own
    adapter (:class:`SocketOptionsAdapter`: HTTP and HTTPS, directly or through an HTTP
    proxy) report it; callers must not depend on it being called.
    """
    outer = getattr(_written, "callback", None)
    _written.callback = callback
    try:
        yield
    finally:
        _written.callback = outer


def _request_written() -> None:
    callback = getattr(_written, "callback", None)
    if callback is not None:
        callback()


class _ReportsWritten:
    # urllib3 writes the whole request, then asks for the response: the moment between the
    # two is the one on_written() reports.  urllib3 1.x asks with Python 2's buffering=True
    # first and again without it on the TypeError: the argument is dropped here, so that
    # the first call succeeds and each request is reported once.
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _request_written()
        kwargs.pop("buffering", None)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_ReportsWritten, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_ReportsWritten, urllib3.connection.HTTPSConnection):
    pass


class _HTTPConnectionPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSConnectionPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOL_CLASSES = {"http": _HTTPConnectionPool, "https": _HTTPSConnectionPool}


class SocketOptionsAdapter(requests.adapters.HTTPAdapter):
    """An ``HTTPAdapter`` that hands ``socket_options`` to urllib3's connection pools (and
    whose connections report a request written whole: :func:`on_written`).

    :param socket_options: a list of ``(level, option, value)`` tuples, or ``None`` for
        urllib3's defaults
    """

    def __init__(self, *args: Any, socket_options: Optional[list[Any]] = None,
                 **kwargs: Any) -> None:
        self.socket_options = socket_options
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self.socket_options is not None:
            kwargs["socket_options"] = self.socket_options
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOL_CLASSES)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is urllib3.ProxyManager:  # a SOCKS proxy keeps its own pools
            manager.pool_classes_by_scheme = dict(_POOL_CLASSES)
        return manager

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Where requests' own exceptions enter the client.  Their text quotes the URL asked,
        # query string included (a p= password), and the proxy's; users log them, so the
        # credentials are replaced here (docs/security.rst).  Class and attributes unchanged.
        try:
            return super().send(request, *args, **kwargs)
        except requests.exceptions.RequestException as exc:
            redact_exception(exc)
            raise


def iter_documents(response: requests.Response, read_size: int = 1 << 18, *,
                   expires: Optional[float] = None,
                   limit: Optional[int] = DEFAULT_MAX_DOCUMENT_SIZE) -> Iterator[Any]:
    """Decode a chunked answer document by document, holding at most one document in memory.

    The blocks read are fed to the core's decoder for the answer's format
    (:func:`influxdb._core.answers.chunk_decoder`).  The connection is released when the
    iterator is exhausted, closed, or garbage-collected.

    :param expires: the ``time.monotonic()`` by which the answer must be read (``None``: no
        deadline)
    :param limit: the most bytes one document may take (``None``: no limit)
    :raises InfluxDBBrokenAnswerError: after the documents before it: a document that is
        malformed or larger than ``limit``, or an answer that ends in the middle of one
    :raises requests.exceptions.ReadTimeout: a read stalled past the timeout, or the
        deadline passed
    """
    blocks = read_blocks(response, read_size, expires)
    try:
        yield from answers.iter_decoded(blocks, answers.chunk_decoder(response.headers, limit))
    finally:
        blocks.close()
        response.close()


def read_blocks(response: requests.Response, size: int,
                expires: Optional[float] = None) -> Generator[bytes, None, None]:
    """``response.iter_content(size)``, with one exception class for one event.

    A read that stalls past the timeout raises :class:`requests.exceptions.ReadTimeout`, as
    a stall before the answer's head does (requests raises ``ConnectionError`` for a stall
    in the body).  With a deadline (``expires``, a ``time.monotonic()``), the read ends by
    then: a watchdog shuts the socket, so that a server sending a byte now and then (each
    read within the timeout, the whole never ending) cannot hold the call; that too raises
    ``ReadTimeout``.
    """
    watchdog = None if expires is None else _Watchdog(response, expires)
    blocks = response.iter_content(size)
    try:
        while True:
            try:
                block = next(blocks)
            except StopIteration:
                break
            except Exception as error:
                mapped = _read_failure(error, response, watchdog)
                if mapped is error:
                    raise
                raise mapped from error
            if watchdog is not None and watchdog.fired:
                break
            yield block
        if watchdog is not None and watchdog.fired:  # the socket ended at a clean boundary
            raise _deadline_passed(response)
    finally:
        if watchdog is not None:
            watchdog.cancel()


def _read_failure(error: Exception, response: requests.Response,
                  watchdog: Optional[_Watchdog]) -> Exception:
    if watchdog is not None and watchdog.fired:
        return _deadline_passed(response)
    reason = error.args[0] if error.args else None
    if isinstance(error, requests.exceptions.ConnectionError) and isinstance(
            reason, urllib3.exceptions.ReadTimeoutError):
        return requests.exceptions.ReadTimeout(reason, request=error.request,
                                               response=response)
    return error


def _deadline_passed(response: requests.Response) -> requests.exceptions.ReadTimeout:
    return requests.exceptions.ReadTimeout(
        "the call's deadline passed while its answer was being read",
        request=response.request, response=response)


def _socket_of(response: requests.Response) -> Optional[socket.socket]:
    # urllib3 keeps the connection of an answer being streamed on the answer; http.client's
    # file object holds the socket too.
    raw = response.raw
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:
        fp = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


class _Watchdog:
    """Shuts an answer's socket when its deadline passes, waking a read blocked on it.

    Socket timeouts bound each read, not their sum: a server that sends one byte a second
    keeps every read short and the answer endless.  Shutting the socket down (not closing
    it: the reading thread still owns it) makes the blocked read return at once.
    """

    def __init__(self, response: requests.Response, expires: float) -> None:
        self.fired = False
        self._raw = response.raw
        self._sock = _socket_of(response)
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, expires - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._raw is None:
                return  # cancelled: the answer was read in time
            self.fired = True
            # A connection handed back to the pool may already serve another request.
            if self._sock is not None and getattr(self._raw, "_connection", True) is not None:
                try:
                    # socket.socket's, not SSLSocket's (which drops the TLS state the
                    # reading thread is using).
                    socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    def cancel(self) -> None:
        with self._lock:
            self._raw = None
            self._sock = None
        self._timer.cancel()


def read_body(response: requests.Response, *, expires: Optional[float] = None,
              limit: Optional[int] = DEFAULT_MAX_DOCUMENT_SIZE) -> None:
    """Read a streamed answer's whole body into ``response.content``.

    :param expires: the ``time.monotonic()`` by which the body must be read
    :param limit: the most bytes the body may have (``None``: no limit)
    :raises InfluxDBBrokenAnswerError: the body is larger than ``limit`` (the answer is
        closed, the rest never read)
    :raises requests.exceptions.ReadTimeout: a read stalled, or the deadline passed
    """
    if not isinstance(response, requests.Response):
        return  # a stand-in a test made: it has its content already
    try:
        not_read = response._content is False  # type: ignore[comparison-overlap]
        if not_read and response.raw is not None:  # (requests' marker)
            declared = response.headers.get("Content-Length", "")
            if limit is not None and declared.isdigit() and int(declared) > limit:
                raise answers.too_large(int(declared), limit, "the answer")
            blocks = []
            size = 0
            for block in read_blocks(response, _READ_SIZE, expires):
                size += len(block)
                if limit is not None and size > limit:
                    raise answers.too_large(size, limit, "the answer")
                blocks.append(block)
            response._content = b"".join(blocks)
            response._content_consumed = True  # type: ignore[attr-defined]
        content = response.content
        if limit is not None and content and len(content) > limit:
            raise answers.too_large(len(content), limit, "the answer")
    except BaseException:
        response.close()
        raise


def capped_timeout(timeout: Any, expires: Optional[float],
                   now: Optional[float] = None) -> Any:
    """requests' ``timeout`` shortened so that no wait outlasts the deadline ``expires``.

    :param timeout: ``None``, seconds, or ``(connect, read)`` as requests takes it (anything
        else is passed on as it is)
    :param expires: a ``time.monotonic()``, or ``None`` for no deadline
    :param now: the current ``time.monotonic()`` (for tests)
    """
    if expires is None:
        return timeout
    current = time.monotonic() if now is None else now
    left = max(expires - current, 0.001)  # requests refuses a timeout of 0
    if timeout is None:
        return left
    if isinstance(timeout, tuple) and len(timeout) == 2:
        connect, read = timeout
        return (left if connect is None else min(connect, left),
                left if read is None else min(read, left))
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return min(timeout, left)
    return timeout


T = TypeVar("T")


class Tally:
    """The attempts of one call so far, and when the first began (``time.monotonic()``).

    A call whose retry loop is resumed later (a chunked answer that broke before its first
    document was handed out) goes on counting from here: ``retries=3`` is 3 attempts in all.
    """

    __slots__ = ("attempts", "started")

    def __init__(self, started: float) -> None:
        self.attempts = 0
        self.started = started


def is_retryable(error: BaseException, policy: Retry) -> bool:
    """Whether another attempt may succeed: the core's table
    (:func:`influxdb._core._retry.is_retryable`) with this transport's failures in it."""
    return _retry.is_retryable(error, policy, RETRYABLE_EXCEPTIONS)


def retrying(
    attempt: Callable[[Optional[float]], T],
    policy: Retry,
    *,
    deadline: Optional[float] = None,
    tally: Optional[Tally] = None,
    failure: Optional[BaseException] = None,
    label: Union[str, Callable[[], str]] = "request",
    on_retry: Optional[Callable[[BaseException, int, float], None]] = None,
    wait: Optional[Callable[[float], Any]] = None,
    stopped: Optional[Callable[[], bool]] = None,
    clock: Optional[Callable[[], float]] = None,
    annotate: bool = True,
) -> T:
    """The retry loop of the sync transport: attempt; after a failure, ask the core's
    decision (:func:`influxdb._core._retry.decide`), wait what it says, attempt again.

    Every retried call of the sync client goes through here: HTTP requests (:func:`perform`,
    whose attempt sends, reads and interprets the answer), a chunked query's answer that
    broke before its first document (resumed with ``tally`` and ``failure``), and the
    batching writer's batches (with its own policy, clock and interruptible wait).

    :param attempt: ``attempt(budget)`` makes one attempt and returns its result or raises;
        ``budget`` is the seconds left of ``deadline`` when it begins (``None``: no deadline)
    :param policy: the retry policy
    :param deadline: seconds all attempts and waits may take (``None``: no limit)
    :param tally: the count to go on from (``None``: a new one, starting now)
    :param failure: resume after this failure of the tally's last attempt: decide on it
        first
    :param label: what is sent (``'GET http://host:8086/query'``), or a function giving it,
        for the WARNING line logged before each wait
    :param on_retry: ``on_retry(error, attempts, wait)`` before each wait, instead of that line
    :param wait: ``wait(seconds)`` waits; a true result ends the loop at once, raising the
        last error (the batching writer's ``close()`` wakes it so); ``time.sleep`` by default
    :param stopped: asked after each failure; when true, the error is raised at once
    :param clock: ``time.monotonic`` by default
    :param annotate: on giving up after several attempts, say so on the error: ``attempts``
        and ``elapsed`` on an :class:`~influxdb.exceptions.InfluxDBError` (its message
        then ends with the note), else a note (``add_note``, Python 3.11+)
    :returns: what the successful attempt returned
    :raises Exception: what the last attempt raised
    """
    now = time.monotonic if clock is None else clock
    if tally is None:
        tally = Tally(now())
    budget = deadline
    error = failure
    while True:
        if error is None:
            tally.attempts += 1
            try:
                return attempt(budget)
            except Exception as exc:  # noqa: BLE001 -- the decision says which are retried
                error = exc
        if stopped is not None and stopped():
            raise error
        elapsed = now() - tally.started
        time_left = None if deadline is None else deadline - elapsed
        decision = _retry.decide(policy, tally.attempts, elapsed, error,
                                 transport_errors=RETRYABLE_EXCEPTIONS,
                                 retry_after=_retry.retry_after_of(error, time.time()),
                                 time_left=time_left)
        if decision.wait is None:
            if annotate and decision.note:
                _annotate(error, tally.attempts, elapsed, decision.note)
            raise error
        if on_retry is not None:
            on_retry(error, tally.attempts, decision.wait)
        else:
            what = label if isinstance(label, str) else label()
            if isinstance(error, InfluxDBError) and error.code is not None:
                log.warning("%s answered %d; attempt %d, retrying in %.2fs", what, error.code,
                            tally.attempts, decision.wait)
            else:
                log.warning("%s failed (%s: %s); attempt %d, retrying in %.2fs", what,
                            type(error).__name__, _without_query(str(error)), tally.attempts,
                            decision.wait)
        if (time.sleep if wait is None else wait)(decision.wait) is True:
            raise error
        budget = None if time_left is None else time_left - decision.wait
        error = None


def _annotate(error: BaseException, attempts: int, elapsed: float, note: str) -> None:
    if isinstance(error, InfluxDBError):
        error.attempts = attempts  # its message ends with the same note
        error.elapsed = elapsed
    elif hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(note)


def perform(
    session: requests.Session,
    request: Request,
    *,
    base_url: str,
    auth: Any,
    proxies: Any,
    verify: Any,
    timeout: Any,
    retry: Retry,
    sleep: Optional[Callable[[float], None]] = None,
    deadline: Optional[float] = None,
    max_document_size: Optional[int] = DEFAULT_MAX_DOCUMENT_SIZE,
    interpret: Optional[Callable[[requests.Response], Any]] = None,
    tally: Optional[Tally] = None,
    failure: Optional[BaseException] = None,
) -> Any:
    """Send ``request`` to ``<base_url>/<request.path>``, retrying per ``retry``; return the
    answer with an expected status (or what ``interpret`` makes of it).

    Each attempt sends, reads and interprets (:func:`retrying`): unless ``request.stream``,
    the body is read within the attempt (a failure while reading it is retried like a
    failure before it) and ``response.content`` holds it; ``interpret(response)`` then gives
    the result or raises (a broken answer, a :class:`~influxdb._core._retry.TransientFailure`:
    retried too).  An answer with another status raises what the core makes of it
    (:func:`influxdb._core.answers.error_of`).

    :param base_url: the client's ``scheme://host:port[/path]``
    :param deadline: seconds the whole call may take, attempts and waits included, reading
        the body too unless streamed (``None``: no deadline)
    :param max_document_size: the most bytes a body read here may have (``None``: no limit)
    :param interpret: what to make of an answer with an expected status (``None``: the
        answer itself is returned)
    :param tally: go on counting the attempts of a call begun earlier
    :param failure: resume after this failure of that call: retry it, or raise it
    :raises InfluxDBServerError: 5xx after the last attempt
    :raises InfluxDBClientError: (or a subclass) any other unexpected status
    :raises InfluxDBBrokenAnswerError: the body is larger than ``max_document_size``
    :raises requests.exceptions.RequestException: transport failure after the last attempt,
        unwrapped, as in 5.3.2 (a read that stalls, or a deadline that passes, is a
        ``ReadTimeout``)
    """
    debug = log.isEnabledFor(logging.DEBUG)  # once per request: nothing to build when off
    method, params, data, stream = request.method, request.params, request.body, request.stream
    url = f"{base_url}/{request.path}"

    def attempt(budget: Optional[float]) -> Any:
        sent_at = time.monotonic()
        expires = None if budget is None else sent_at + budget
        try:
            # Always streamed by requests, so that the body is read here: bounded in size
            # and time, and a stall in it raises ReadTimeout as a stall before it does.
            response = session.request(
                method=method, url=url, auth=auth, params=params, data=data,
                stream=True, headers=dict(request.headers), proxies=proxies, verify=verify,
                timeout=capped_timeout(timeout, expires),
            )
            if not stream:
                read_body(response, expires=expires, limit=max_document_size)
        except RETRYABLE_EXCEPTIONS as exc:
            if debug:
                _log_request(method, url, params, data, type(exc).__name__, sent_at, None)
            raise
        status = response.status_code
        if debug:
            _log_request(method, url, params, data, status, sent_at, response, stream)
        if status in request.expected:
            return response if interpret is None else interpret(response)
        if stream:  # an error answer to a streamed request: its body within the same bounds
            read_body(response, expires=expires, limit=max_document_size)
        content = response.content
        response.close()
        raise answers.error_of(status, response.headers, content,
                               operation=request.operation, url=_public_url(url),
                               now=time.time())

    return retrying(attempt, retry, deadline=deadline, tally=tally, failure=failure,
                    label=lambda: f"{method} {_redact(url)}", wait=sleep)


#: The query string urllib3 puts in a connection error's text ("... with url: /query?q=...").
_URL_QUERY = re.compile(r"(url: [^?\s]*)\?\S*")


def _without_query(text: str) -> str:
    """A transport error's text without the request's query string: a statement and its
    bound values stay out of the logs."""
    return _URL_QUERY.sub(r"\1?...", text)


def _public_url(url: str) -> str:
    """``url`` without credentials, query string or fragment: safe in messages and logs."""
    parts = urlsplit(_redact(url))
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _body_size(body: Any) -> Optional[int]:
    if body is None:
        return 0
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    if isinstance(body, str):
        return len(body.encode("utf-8"))
    return None  # a file or an iterator: unknown without reading it


def _log_request(method: str, url: str, params: Any, data: Any, outcome: Union[int, str],
                 sent_at: float, response: Optional[requests.Response],
                 stream: bool = False) -> None:
    """One DEBUG line per request: method, path, database, status, time, body sizes.

    Only these: never the query string (a statement may carry a password), bound values,
    credentials or headers.
    """
    database = params.get("db") if isinstance(params, dict) else None
    received: Optional[int] = None
    if response is not None and not stream:
        received = len(response.content or b"")  # already read: no extra I/O
    elif response is not None:  # a streamed answer is not read yet
        length = response.headers.get("Content-Length", "")
        received = int(length) if length.isdigit() else None
    log.debug("%s %s db=%s status=%s elapsed=%.1fms sent=%sB received=%sB", method,
              urlsplit(url).path or "/", database, outcome,
              (time.monotonic() - sent_at) * 1000, _body_size(data),
              "?" if received is None else received)


def _redact(url: str) -> str:
    # URLs built by the client never carry credentials, but a user-supplied path might.
    scheme, sep, rest = url.partition("://")
    if "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return scheme + sep + rest


def forget_connections(session: Any) -> None:
    """Give ``session``'s adapters new, empty connection pools, in a forked child.

    The pooled sockets are shared with the parent, which may be using them: a request
    from the child on one of them would mix two processes' bytes in one HTTP stream.
    Nothing is sent on them: the old pools are dropped, and urllib3's finalizer closes the
    child's copies of their idle sockets (a socket two processes hold ends only when both
    closed it, so the parent's connections are unaffected).  The old pools get new locks
    first: a parent thread may have held one at the fork (taking or returning a
    connection), and no thread of the child would ever release it.
    """
    for adapter in list(getattr(session, "adapters", {}).values()):
        if isinstance(adapter, requests.adapters.HTTPAdapter):
            inherited = [adapter.poolmanager, *adapter.proxy_manager.values()]
            # The sizes the adapter was made with (requests keeps them for unpickling).
            pools = getattr(adapter, "_pool_connections", requests.adapters.DEFAULT_POOLSIZE)
            size = getattr(adapter, "_pool_maxsize", requests.adapters.DEFAULT_POOLSIZE)
            block = getattr(adapter, "_pool_block", requests.adapters.DEFAULT_POOLBLOCK)
            adapter.init_poolmanager(pools, size, block=block)
            adapter.proxy_manager = {}
            for manager in inherited:
                _relock(manager)
            del inherited  # the finalizers run now, with locks nobody holds


def _relock(manager: Any) -> None:
    # urllib3 keeps a manager's pools in a container with a lock, and each pool's idle
    # connections in a queue.Queue with its own lock and conditions.
    container = getattr(manager, "pools", None)
    if container is None or not hasattr(container, "lock"):
        return
    container.lock = threading.RLock()
    for key in list(container.keys()):
        connections = getattr(container.get(key), "pool", None)
        if isinstance(connections, queue.Queue):
            lock = threading.Lock()
            connections.mutex = lock
            connections.not_empty = threading.Condition(lock)
            connections.not_full = threading.Condition(lock)
            connections.all_tasks_done = threading.Condition(lock)
