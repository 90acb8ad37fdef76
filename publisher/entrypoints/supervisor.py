"""``publisher run``: the all-in-one supervisor for a single machine.

It starts the site server, the web app, a worker and beat as child processes, each in its own
process group (so a Ctrl-C in the terminal reaches only the supervisor, which then stops the
children in order), and exits 0 after a clean stop or non-zero as soon as one child dies on its own.
Children are started as ``python -m publisher.entrypoints.supervisor ROLE``, independent of the
CLI wiring."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import FrameType

from publisher.settings import Settings

__all__ = [
    "ROLES",
    "ChildSpec",
    "Supervisor",
    "child_argv",
    "wait_for_port",
]


ROLES = ("site", "web", "worker", "beat")


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
    """The command line that runs ``role`` (site, web, worker, beat) as a separate process."""
    return [sys.executable, "-m", "publisher.entrypoints.supervisor", role, *options]


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

    parser = argparse.ArgumentParser(prog="python -m publisher.entrypoints.supervisor")
    parser.add_argument("role", choices=ROLES)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--loglevel", default="info")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    from publisher.entrypoints.site import run_site
    from publisher.entrypoints.worker import run_beat, run_worker

    if args.role == "site":
        return run_site(settings)
    if args.role == "web":
        from publisher.entrypoints.web.server import run_web

        return run_web(settings)
    if args.role == "worker":
        return run_worker(settings, concurrency=args.concurrency, loglevel=args.loglevel)
    return run_beat(settings, loglevel=args.loglevel)


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
