"""A loopback HTTP server whose answers misbehave on purpose, after a head that says 200.

Each request gets the next :class:`Answer` of the script (the last one repeats).  The body is
usually a real InfluxDB answer captured by the test, then served:

==============  ======================================================================
``whole``       the body, then a clean end (a chunked answer's last chunk, or exactly
                ``Content-Length`` bytes): used to serve an answer cut short
``drip``        the head, then one byte of the body every ``interval`` seconds
``endless``     the body, then ``filler`` again and again until the client hangs up
``stall``       the head and the first ``stall_after`` bytes of the body, then silence
==============  ======================================================================

Usage::

    with BadAnswers(Answer(body[:len(body) * 7 // 10], MSGPACK)) as server:
        client = InfluxDBClient('127.0.0.1', server.port, database='db')
        ...
        assert server.requests == 1
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from typing import Optional

from tests.faults._wire import Closed, Reader, parse_head, shut

__all__ = ["JSON", "MSGPACK", "Answer", "BadAnswers"]

MSGPACK = "application/x-msgpack"
JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    """One answer: ``body`` served as ``how`` says (see the module's table).

    :param chunked: ``Transfer-Encoding: chunked`` (one HTTP chunk per write), else
        ``Content-Length``: the body's own length, or ``length`` when given (a drip or a stall
        announces more than it sends)
    """

    body: bytes
    content_type: str = JSON
    how: str = "whole"
    chunked: bool = False
    status: int = 200
    interval: float = 0.5
    filler: bytes = b""
    stall_after: int = 0
    length: Optional[int] = None


class BadAnswers:
    """Serve ``answers`` in order on ``127.0.0.1:<port>``, one per request.

    :ivar requests: the requests received so far
    """

    def __init__(self, *answers: Answer) -> None:
        if not answers:
            raise ValueError("at least one answer")
        self._answers = list(answers)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)  # accept() wakes up to see the server stopped
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._stopped = threading.Event()
        self.requests = 0
        self._thread = threading.Thread(target=self._accept, name="bad-answers", daemon=True)

    def __enter__(self) -> BadAnswers:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            shut(conn)
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self._lock:
                self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        reader = Reader(conn)
        try:
            while not self._stopped.is_set():
                _, headers = parse_head(reader.head())
                reader.exactly(int(headers.get("content-length") or 0))
                with self._lock:
                    answer = self._answers[min(self.requests, len(self._answers) - 1)]
                    self.requests += 1
                self._answer(conn, answer)
                if answer.how != "whole":
                    return
        except (Closed, OSError):
            pass
        finally:
            shut(conn)

    def _answer(self, conn: socket.socket, answer: Answer) -> None:
        head = [f"HTTP/1.1 {answer.status} OK", f"Content-Type: {answer.content_type}",
                "X-Influxdb-Version: 1.6.7"]
        if answer.chunked:
            head.append("Transfer-Encoding: chunked")
        else:
            length = answer.length if answer.length is not None else len(answer.body)
            head.append(f"Content-Length: {length}")
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))

        def send(data: bytes) -> None:
            if data:
                conn.sendall(b"%x\r\n%s\r\n" % (len(data), data) if answer.chunked else data)

        if answer.how == "whole":
            send(answer.body)
            if answer.chunked:
                conn.sendall(b"0\r\n\r\n")
        elif answer.how == "drip":
            for index in range(len(answer.body)):
                send(answer.body[index:index + 1])
                if self._stopped.wait(answer.interval):
                    return
        elif answer.how == "endless":
            send(answer.body)
            while not self._stopped.is_set():
                send(answer.filler)
        elif answer.how == "stall":
            send(answer.body[:answer.stall_after])
            self._stopped.wait(60)
        else:
            raise ValueError(f"unknown answer kind {answer.how!r}")
