"""A loopback HTTP server that answers like InfluxDB 0.8 (state and queries: ``_state.py``).

It listens on ``127.0.0.1``, port 0, in a background thread; it records every request
(method, raw path, decoded query pairs in order, body, headers) so tests can assert exactly
what the client sent; it checks the ``u``/``p`` query parameters (or Basic auth, as 0.8
accepted both) and answers with the 0.8 status codes, JSON shapes and plain-text errors.
``chunked=true`` queries are answered with HTTP chunked transfer encoding, one JSON object
per chunk, as the 0.8 ``ChunkWriter`` did.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.influxdb08._state import Principal, State, StubError

Answer = tuple[int, str, bytes]


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it."""

    method: str
    path: str  # as sent, percent-encoding kept
    query: list[tuple[str, str]]  # decoded, in order
    body: bytes
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        return dict(self.query)

    def json(self) -> Any:
        return json.loads(self.body)


def _json(status: int, value: Any, content_type: str = "application/json") -> Answer:
    return status, content_type, json.dumps(value, separators=(",", ":")).encode()


def _empty(status: int) -> Answer:
    return status, "text/plain", b""


def _object(body: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(body or b"null")
    except ValueError as exc:
        raise StubError(400, f"invalid character in JSON body: {exc}") from None
    if not isinstance(decoded, dict):
        raise StubError(400, "json: cannot unmarshal into Go value of type map[string]interface {}")
    return decoded


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up (timeout tests) is not an error here.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class Stub08Server:
    """The 0.8 stub.  ``with Stub08Server() as server: ... server.url ...``.

    :param chunk_points: points per chunk of a chunked query answer
    :param accept_v09_write: answer ``POST /write`` with 200 (the early 0.9 endpoint the
        client's ``write()`` targets); a real 0.8 server answers 404
    """

    def __init__(self, chunk_points: int = 100, accept_v09_write: bool = False) -> None:
        self.state = State()
        self.lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.chunk_points = chunk_points
        self.accept_v09_write = accept_v09_write
        self.delay = 0.0  # seconds to wait before answering (timeout tests)
        # Return an Answer to short-circuit the normal handling of a request.
        self.override: Optional[Callable[[Recorded], Optional[Answer]]] = None
        self._httpd = _QuietHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.host = "127.0.0.1"
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> Stub08Server:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Stub08Server:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def clear(self) -> None:
        """Forget the recorded requests."""
        with self.lock:
            self.requests.clear()

    @property
    def last(self) -> Recorded:
        with self.lock:
            return self.requests[-1]

    # Routing (api.go: HttpServer.Serve) -------------------------------------------------

    def answer(self, request: Recorded) -> Answer | list[bytes]:
        segments = [unquote(s) for s in request.path.split("/")[1:]]
        method = request.method
        with self.lock:
            if segments == ["ping"] and method == "GET":
                return _json(200, {"status": "ok"})
            if segments == ["write"] and method == "POST" and self.accept_v09_write:
                return _empty(200)
            if segments[:1] == ["db"]:
                return self._db(method, segments[1:], request)
            if segments[:1] == ["cluster_admins"]:
                return self._cluster_admins(method, segments[1:], request)
        raise StubError(404, "404 page not found\n")

    def _db(self, method: str, rest: list[str], request: Recorded) -> Answer | list[bytes]:
        state = self.state
        if not rest and method in ("GET", "POST"):
            self._cluster_admin(request)
            if method == "GET":
                return _json(200, [{"name": n} for n in sorted(state.databases)])
            state.create_database(_object(request.body).get("name", ""))
            return _empty(201)
        if len(rest) == 1 and method == "DELETE":
            self._cluster_admin(request)
            state.drop_database(rest[0])
            return _empty(204)
        db = rest[0] if rest else ""
        if rest[1:] == ["series"] and method == "POST":
            precision = request.params.get("time_precision", "")
            who = self._db_user(db, request)
            state.write(db, who, request.body, precision)
            return _empty(200)
        if rest[1:] == ["series"] and method == "GET":
            who = self._db_user(db, request)
            series = state.query(
                db, who, request.params.get("q", ""), request.params.get("time_precision", "")
            )
            if request.params.get("chunked") == "true":
                return self._chunks(series)
            return _json(200, series, content_type="text/plain")
        if len(rest) == 3 and rest[1] == "series" and method == "DELETE":
            who = self._db_user(db, request)
            state.drop_series(state.database(db), rest[2])
            return _empty(204)
        if rest[1:] == ["users"] and method == "GET":
            return _json(200, state.db_users(db, self._db_user(db, request)))
        if rest[1:] == ["users"] and method == "POST":
            body = _object(request.body)
            state.create_db_user(db, self._db_user(db, request), body)
            return _empty(200)
        if len(rest) == 3 and rest[1] == "users":
            who = self._db_user(db, request)
            if method == "GET":
                return _json(200, state.db_user(db, who, rest[2]))
            if method == "POST":
                state.update_db_user(db, who, rest[2], _object(request.body))
                return _empty(200)
            if method == "DELETE":
                state.delete_db_user(db, who, rest[2])
                return _empty(200)
        raise StubError(404, "404 page not found\n")

    def _cluster_admins(self, method: str, rest: list[str], request: Recorded) -> Answer:
        state = self.state
        if not rest and method == "GET":
            self._cluster_admin(request)
            return _json(200, state.cluster_admin_list())
        if not rest and method == "POST":
            body = _object(request.body)
            self._cluster_admin(request)
            state.add_cluster_admin(body)
            return _empty(200)
        if len(rest) == 1 and method == "POST":
            body = _object(request.body)
            self._cluster_admin(request)
            state.update_cluster_admin(rest[0], body)
            return _empty(200)
        if len(rest) == 1 and method == "DELETE":
            self._cluster_admin(request)
            state.delete_cluster_admin(rest[0])
            return _empty(200)
        raise StubError(404, "404 page not found\n")

    def _chunks(self, series: list[dict[str, Any]]) -> list[bytes]:
        # Batches of chunk_points points, the series interleaved (0.8 docs: "the chunks
        # for different series can be interleaved").
        queues = []
        for s in series:
            points = s["points"]
            size = self.chunk_points
            batches = [points[i : i + size] for i in range(0, len(points), size)] or [[]]
            queues.append([{**s, "points": batch} for batch in batches])
        chunks = []
        while any(queues):
            for queue in queues:
                if queue:
                    chunks.append(json.dumps(queue.pop(0), separators=(",", ":")).encode())
        return chunks

    # Authentication (api.go: getUsernameAndPassword) -----------------------------------

    @staticmethod
    def _credentials(request: Recorded) -> tuple[str, str]:
        username, password = request.params.get("u", ""), request.params.get("p", "")
        if username and password:
            return username, password
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            decoded = base64.b64decode(header[6:]).decode()
            user, _, secret = decoded.partition(":")
            return user, secret
        return "", ""

    def _cluster_admin(self, request: Recorded) -> Principal:
        return self.state.as_cluster_admin(*self._credentials(request))

    def _db_user(self, db: str, request: Recorded) -> Principal:
        return self.state.as_db_user_or_admin(db, *self._credentials(request))


def _handler_for(server: Stub08Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: the tests read server.requests instead

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Recorded(
                method=self.command,
                path=parts.path,
                query=parse_qsl(parts.query, keep_blank_values=True),
                body=self.rfile.read(length) if length else b"",
                headers=dict(self.headers.items()),
            )
            with server.lock:
                server.requests.append(request)
            if server.delay:
                time.sleep(server.delay)
            override = server.override(request) if server.override else None
            try:
                answer = override or server.answer(request)
            except StubError as exc:
                answer = (exc.status, "text/plain", exc.message.encode())
            if isinstance(answer, list):
                self._send_chunked(answer)
            else:
                self._send(*answer)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 204:
                self.wfile.write(body)

        def _send_chunked(self, chunks: list[bytes]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")

        do_GET = do_POST = do_DELETE = do_PUT = _handle

    return Handler
