"""The static-site server for one machine: serves OUTPUT_DIR with the right media types, ETags
and conditional GETs (nginx does this on several machines)."""

from __future__ import annotations

import email.utils
import hashlib
import io
import mimetypes
import re
import signal
import sys
import threading
from collections.abc import Mapping
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import BinaryIO
from urllib.parse import urlsplit, urlunsplit

from publisher.settings import Settings

__all__ = [
    "SiteHandler",
    "content_type",
    "etag_for",
    "make_site_server",
    "run_site",
]


_TEXT_TYPES: Mapping[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
}

_XML_PROLOGUE = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.DOTALL | re.IGNORECASE)
_XML_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def content_type(path: Path, head: bytes = b"") -> str:
    """The Content-Type for a file, from its suffix; ``.xml`` files by their root element.

    ``head`` is the start of the file: an ``.xml`` file whose root is ``<rss>`` is served as
    application/rss+xml, ``<feed>`` as application/atom+xml, anything else as application/xml.
    """
    suffix = path.suffix.lower()
    if suffix in _TEXT_TYPES:
        return _TEXT_TYPES[suffix]
    if suffix == ".xml":
        match = _XML_ROOT.search(_XML_PROLOGUE.sub(b"", head))
        root = match.group(1).rpartition(b":")[2].lower() if match else b""
        if root == b"rss":
            return "application/rss+xml; charset=utf-8"
        if root == b"feed":
            return "application/atom+xml; charset=utf-8"
        return "application/xml; charset=utf-8"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def etag_for(data: bytes) -> str:
    """A strong ETag from the content: the same bytes always give the same tag."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves OUTPUT_DIR read-only: index.html for folders, no listings, no hidden files."""

    server_version = "publisher-site"
    protocol_version = "HTTP/1.1"

    def send_head(self) -> BinaryIO | None:
        parts = urlsplit(self.path)
        if any(part.startswith(".") for part in parts.path.split("/") if part):
            self._not_found()
            return None
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not parts.path.endswith("/"):
                location = urlunsplit(("", "", parts.path + "/", parts.query, ""))
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            path = path / "index.html"
        if not path.is_file():
            self._not_found()
            return None
        try:
            data = path.read_bytes()
        except OSError:
            self._not_found()
            return None
        etag = etag_for(data)
        if _etag_matches(self.headers.get("If-None-Match", ""), etag):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            return None
        self.send_response(HTTPStatus.OK)
        self._send_body_headers(path, data, etag)
        return io.BytesIO(data)

    def _send_body_headers(self, path: Path, data: bytes, etag: str | None) -> None:
        self.send_header("Content-Type", content_type(path, data[:1024]))
        self.send_header("Content-Length", str(len(data)))
        if etag is not None:
            self.send_header("ETag", etag)
        mtime = path.stat().st_mtime
        self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()

    def _not_found(self) -> None:
        page = _not_found_page(Path(self.directory), self.path)
        if page.is_file():
            data = page.read_bytes()
            self.send_response(HTTPStatus.NOT_FOUND)
            self._send_body_headers(page, data, None)
            if self.command != "HEAD":
                self.wfile.write(data)
            return
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")


_LANGUAGE_FOLDER = re.compile(r"^[a-z]{2,3}$")


def _not_found_page(root: Path, request_path: str) -> Path:
    """The 404 page for a request: its language's (``cy/404.html`` for an address under
    ``/cy/``) when the site has one, else the site's own ``404.html``."""
    first = urlsplit(request_path).path.lstrip("/").partition("/")[0]
    if _LANGUAGE_FOLDER.match(first):
        page = root / first / "404.html"
        if page.is_file():
            return page
    return root / "404.html"


def make_site_server(output_dir: Path, host: str, port: int) -> ThreadingHTTPServer:
    """A threaded HTTP server for ``output_dir``; ``port`` 0 picks a free port."""
    output_dir.mkdir(parents=True, exist_ok=True)
    handler = partial(SiteHandler, directory=str(output_dir.resolve()))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def run_site(settings: Settings) -> int:
    """Serve OUTPUT_DIR on PUBLISHER_WEB_HOST:PORT until SIGINT or SIGTERM; then exit 0."""
    try:
        server = make_site_server(settings.output_dir, settings.web_host, settings.web_port)
    except OSError as exc:
        print(
            f"error: cannot serve the site on {settings.web_host}:{settings.web_port}: "
            f"{exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run in another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(f"site: serving {settings.output_dir} at http://{host!s}:{port}/", flush=True)
    with server:
        server.serve_forever(poll_interval=0.2)
    return 0
