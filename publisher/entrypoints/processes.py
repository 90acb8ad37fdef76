"""The long-running processes: Celery worker, Celery beat, the static site server, and ``run``.

``run`` is the all-in-one supervisor for a single machine: it starts the site server, a worker
and beat as child processes, each in its own process group (so a Ctrl-C in the terminal reaches
only the supervisor, which then stops the children in order), and exits 0 after a clean stop or
non-zero as soon as one child dies on its own.

Children are started as ``python -m publisher.entrypoints.processes ROLE``, independent of the
CLI wiring.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import io
import mimetypes
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import BinaryIO
from urllib.parse import urlsplit, urlunsplit

from publisher.settings import Settings

__all__ = [
    "ROLES",
    "ChildSpec",
    "SiteHandler",
    "Supervisor",
    "beat_argv",
    "content_type",
    "etag_for",
    "make_site_server",
    "run_beat",
    "run_site",
    "run_worker",
    "wait_for_port",
    "worker_argv",
]

ROLES = ("site", "worker", "beat")

# --------------------------------------------------------------------------- Celery processes


def worker_argv(settings: Settings, *, concurrency: int = 2, loglevel: str = "info") -> list[str]:
    """Arguments for ``celery worker``: the publisher queue, prefork, one message at a time."""
    from publisher.entrypoints.celery_app import QUEUE, broker_kind

    argv = [
        "worker",
        "--queues",
        QUEUE,
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        loglevel,
        "--hostname",
        f"publisher-{os.getpid()}@%h",
    ]
    if broker_kind(settings) == "filesystem":
        # No broadcasts on the embedded broker (see celery_app): nothing to gossip or mingle.
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return argv


def beat_schedule_file(settings: Settings) -> Path:
    """Beat's record of when each periodic task last ran, under the data folder."""
    return settings.data_dir / "celerybeat-schedule"


def beat_argv(settings: Settings, *, loglevel: str = "info") -> list[str]:
    return [
        "beat",
        "--schedule",
        str(beat_schedule_file(settings)),
        "--loglevel",
        loglevel,
        # Wake at least once per dispatch interval, so a tick is never late by much.
        "--max-interval",
        str(max(1, int(settings.dispatch_interval))),
    ]


def run_worker(settings: Settings, *, concurrency: int = 2, loglevel: str = "info") -> int:
    """Run a Celery worker in this process until it is told to stop. Returns its exit code."""
    from publisher.entrypoints.celery_app import make_celery

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = make_celery(settings)
    code = app.start(worker_argv(settings, concurrency=concurrency, loglevel=loglevel))
    return int(code or 0)


def run_beat(settings: Settings, *, loglevel: str = "info") -> int:
    """Run Celery beat (dispatcher and reconciler ticks) in this process. Exactly one per site."""
    from publisher.entrypoints.celery_app import make_celery

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = make_celery(settings)
    code = app.start(beat_argv(settings, loglevel=loglevel))
    return int(code or 0)


# --------------------------------------------------------------------------- static site server

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
        page = Path(self.directory) / "404.html"
        if page.is_file():
            data = page.read_bytes()
            self.send_response(HTTPStatus.NOT_FOUND)
            self._send_body_headers(page, data, None)
            if self.command != "HEAD":
                self.wfile.write(data)
            return
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")


def wait_for_port(host: str, port: int, *, timeout: float, while_: Callable[[], bool]) -> bool:
    """Poll until something accepts connections on host:port; give up after ``timeout`` s or as
    soon as ``while_()`` turns false. Returns whether the port answered."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and while_():
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


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


# --------------------------------------------------------------------------- the supervisor


def _die_with_parent(parent: int) -> None:
    """In a child, before exec: get SIGTERM if the supervisor dies, even by SIGKILL (Linux).

    Without this, children in their own process groups would outlive a killed supervisor.
    """
    if sys.platform == "linux":
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the supervisor died before the signal was armed
        os._exit(1)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: Sequence[str]


def child_argv(role: str, *options: str) -> list[str]:
    """The command line that runs ``role`` (site, worker, beat) as a separate process."""
    return [sys.executable, "-m", "publisher.entrypoints.processes", role, *options]


@dataclass
class Supervisor:
    """Starts children in their own process groups; stops them all when one dies or on a signal.

    ``stop_timeout`` is how long the children get after SIGTERM (Celery's warm shutdown lets a
    publication in progress finish) before their process groups are killed. A second SIGINT or
    SIGTERM kills them at once; the delivery ledger makes that safe too.
    """

    children: Sequence[ChildSpec]
    stop_timeout: float = 60.0
    env: Mapping[str, str] | None = None
    echo: Callable[[str], None] = field(default=lambda message: _stderr(message))
    _procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _force: threading.Event = field(default_factory=threading.Event, init=False)

    def alive(self, name: str) -> bool:
        """Whether the child called ``name`` has been started and is still running."""
        proc = self._procs.get(name)
        return proc is not None and proc.poll() is None

    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self, signum: int = 0, frame: FrameType | None = None) -> None:
        """Ask for a clean stop; asking again while stopping kills the children at once."""
        if self._stop.is_set():
            self._force.set()
        self._stop.set()

    def start(self) -> None:
        parent = os.getpid()
        for spec in self.children:
            self._procs[spec.name] = subprocess.Popen(
                list(spec.argv),
                env=None if self.env is None else dict(self.env),
                stdin=subprocess.DEVNULL,
                process_group=0,
                preexec_fn=partial(_die_with_parent, parent),
            )

    def wait(self, *, ready: Callable[[], None] | None = None) -> int:
        """Watch the children until a stop is requested (0) or one exits by itself (1)."""
        failed: str | None = None
        if ready is not None:
            ready()
        while not self._stop.wait(0.2):
            for name, proc in self._procs.items():
                code = proc.poll()
                if code is not None:
                    failed = f"{name} exited unexpectedly (exit code {code}); stopping the rest"
                    break
            if failed:
                break
        if failed:
            self.echo(f"error: {failed}")
        else:
            self.echo("stopping: waiting for work in progress (interrupt again to kill at once)")
        self.stop()
        return 1 if failed else 0

    def stop(self) -> None:
        """SIGTERM each running child, wait for them; kill the groups of those that linger."""
        running = {n: p for n, p in self._procs.items() if p.poll() is None}
        for proc in reversed(list(running.values())):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        pending = dict(running)
        while pending:
            pending = {n: p for n, p in pending.items() if p.poll() is None}
            if not pending:
                break
            forced = self._force.is_set()
            if forced or time.monotonic() >= deadline:
                reason = (
                    "asked to stop twice" if forced else (f"did not stop in {self.stop_timeout:g}s")
                )
                for name, proc in pending.items():
                    self.echo(f"error: {name} {reason}; killing it")
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                break
            self._force.wait(0.1)
        for name, proc in self._procs.items():
            if name not in running:
                # Died by itself: make sure nothing it started (pool processes) outlives it.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)

    def run(self, *, ready: Callable[[], None] | None = None) -> int:
        """Start, watch, stop. SIGINT and SIGTERM ask for a clean stop."""
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            self.start()
            return self.wait(ready=ready)
        finally:
            if any(p.poll() is None for p in self._procs.values()):
                self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _child_main(argv: Sequence[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m publisher.entrypoints.processes")
    parser.add_argument("role", choices=ROLES)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--loglevel", default="info")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.role == "site":
        return run_site(settings)
    if args.role == "worker":
        return run_worker(settings, concurrency=args.concurrency, loglevel=args.loglevel)
    return run_beat(settings, loglevel=args.loglevel)


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
