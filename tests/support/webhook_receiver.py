"""A local HTTP server that receives alert webhooks, for tests: it records every request (its
headers and exact body) and answers from a script, one answer per request, then 200.

An answer is a status code, or ``"hang"``: take the request, answer nothing until the server
stops (or ``hang_seconds`` pass), then close the connection: a receiver that never answers.

    with WebhookReceiver([500, 200]) as receiver:
        ... ALERT_WEBHOOK_URL=receiver.url ...
        receiver.requests        # every request received, in order
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["Received", "WebhookReceiver"]

Answer = int | str


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    """time.time() when it arrived."""
    answer: Answer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return  # the test reads ``requests``; nothing on stderr

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        receiver = self.server.receiver
        answer = receiver.take(self.path, dict(self.headers.items()), body)
        if answer == "hang":
            receiver.released.wait(receiver.hang_seconds)
            self.close_connection = True
            return
        self.send_response(int(answer))
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookReceiver


class WebhookReceiver:
    def __init__(self, answers: Iterable[Answer] = (), *, hang_seconds: float = 60.0) -> None:
        self._answers: deque[Answer] = deque(answers)
        self.hang_seconds = hang_seconds
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[Received] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def take(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        with self._lock:
            answer = self._answers.popleft() if self._answers else 200
            self._requests.append(Received(path, headers, body, time.time(), answer))
            return answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/publisher-alerts"

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._requests)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()  # hanging answers end now
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
