"""What every fake platform server in ``tests/support`` shares: a real HTTP server on 127.0.0.1,
run in a thread, whose handler hands each request to the fake's :meth:`LocalFake.route`.

A fake subclasses :class:`LocalFake` and implements ``route(handler, method)``; the handler
gives it the request's body (:meth:`FakeHandler.read_body`), JSON answers
(:meth:`FakeHandler.send_json`), a small PNG (:meth:`FakeHandler.send_png`) and a dropped
connection (:meth:`FakeHandler.drop`, for "received, never answered").
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

__all__ = ["PNG_1X1", "FakeHandler", "LocalFake"]

PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGOQ9e8GAAGEAPgybg4BAAAAAElFTkSuQmCC"
)
"""A valid 1×1 PNG, served at ``/_fake/image/<name>`` by every fake."""


class FakeHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read what happened from what the fake recorded

    def handle(self) -> None:
        # A client that dies (a SIGKILLed worker) resets its connection: nobody to answer.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def read_body(self) -> bytes | None:
        """The request's body; None when the client went away before all of it arrived (a
        killed worker sends the headers, then dies): an incomplete request is not a request,
        and the connection is closed without an answer."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True
            return None
        return body

    def send_json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_bytes(
            status, json.dumps(payload).encode("utf-8"), "application/json; charset=utf-8", headers
        )

    def send_bytes(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_png(self) -> None:
        self.send_bytes(200, PNG_1X1, "image/png")

    def drop(self) -> None:
        """Close the connection without a response: the request was received, no answer."""
        self.close_connection = True
        # The client may already have gone: then there is nothing left to close.
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_GET(self) -> None:
        self.server.fake.route(self, "GET")

    def do_POST(self) -> None:
        self.server.fake.route(self, "POST")

    def do_PUT(self) -> None:
        self.server.fake.route(self, "PUT")

    def do_DELETE(self) -> None:
        self.server.fake.route(self, "DELETE")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: LocalFake


class LocalFake:
    """A fake platform's server: thread-safe (hold :attr:`lock` to read or change its state),
    a context manager, or ``start()``/``stop()``. Subclasses implement :meth:`route`."""

    server_name = "fake"

    def __init__(self, *, port: int = 0) -> None:
        self._port = port
        self.lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def route(self, handler: FakeHandler, method: str) -> None:
        """Answer one request (``method`` is GET, POST, PUT or DELETE)."""
        raise NotImplementedError

    def start(self) -> Self:
        server = _Server(("127.0.0.1", self._port), FakeHandler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.server_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"the {self.server_name} server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def image_url(self, name: str = "share.png") -> str:
        """A URL this fake serves a small PNG at (for an appeal's share image in tests)."""
        return f"{self.base_url}/_fake/image/{name}"
