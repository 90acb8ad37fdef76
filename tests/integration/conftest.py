"""Session fixtures for integration tests: real Redis, real PostgreSQL, real processes.

Nothing here is mocked. ``redis_server`` is a real ``redis-server`` (or the one REDIS_URL names),
``postgres_databases`` creates real databases on a real PostgreSQL server and drops them at the
end, ``processes`` starts real ``publisher worker`` / ``publisher beat`` subprocesses, each in its
own process group, and kills every group at teardown so no test leaves orphans behind. When a test
fails, the logs of the processes it started are printed with the failure.

If PostgreSQL or redis-server is missing the tests FAIL (never skip) with a message saying how to
provide it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from publisher.settings import ENVIRONMENT_VARIABLES

__all__ = [
    "FAKE_X_CREDENTIALS",
    "Deployment",
    "ManagedProcess",
    "PostgresDatabases",
    "Processes",
    "RedisServer",
    "app_env",
    "free_port",
    "make_appeal",
    "publisher_command",
    "received_post_texts",
    "run_cli",
    "wait_until",
    "worker_ready",
]

REPO = Path(__file__).resolve().parents[2]

# Helper STORE may provide database fixtures; use them rather than defining the same ones twice.
# (``pytest_plugins`` is not allowed in a non-root conftest, so the fixtures are imported here.)
if importlib.util.find_spec("tests.integration.db_fixtures") is not None:
    from tests.integration.db_fixtures import *  # noqa: F403


# --------------------------------------------------------------------------------------- helpers


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    predicate: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str
) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}", pytrace=False)
        time.sleep(interval)


def publisher_command() -> list[str]:
    """How to run the ``publisher`` CLI as a subprocess of this interpreter's environment."""
    if importlib.util.find_spec("publisher.__main__") is not None:
        return [sys.executable, "-m", "publisher"]
    script = Path(sys.executable).parent / "publisher"
    if script.exists():
        return [str(script)]
    pytest.fail(
        "cannot run the publisher CLI: neither publisher/__main__.py nor the 'publisher' console "
        "script exists (pip install -e . creates the script)",
        pytrace=False,
    )


def app_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a publisher process: this one without any publisher setting (so the
    developer's own REDIS_URL, DATABASE_URL… cannot leak in), plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_VARIABLES}
    env.pop("PUBLISHER_EXTRA_CHANNELS", None)
    env["PYTHONUNBUFFERED"] = "1"
    # Warnings in child processes go to their logs; they must not turn into crashes there.
    env.pop("PYTHONWARNINGS", None)
    if overrides:
        env.update(overrides)
    return env


def run_cli(
    args: list[str], env: Mapping[str, str], *, timeout: float = 60, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run one ``publisher …`` command to completion and return its output."""
    done = subprocess.run(
        [*publisher_command(), *args],
        env=dict(env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        pytest.fail(
            f"publisher {' '.join(args)} exited {done.returncode}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}",
            pytrace=False,
        )
    return done


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's report on the item, so fixtures can print logs on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


# ----------------------------------------------------------------------------------------- Redis


@dataclass
class RedisServer:
    """A Redis server: our own ``redis-server`` (restartable) or the one REDIS_URL names."""

    host: str
    port: int
    workdir: Path | None = None
    external_url: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    @property
    def external(self) -> bool:
        return self.external_url is not None

    def url(self, db: int = 0) -> str:
        if self.external_url is not None:
            base = (
                self.external_url.rsplit("/", 1)[0]
                if self._has_db(self.external_url)
                else (self.external_url.rstrip("/"))
            )
            return f"{base}/{db}"
        return f"redis://{self.host}:{self.port}/{db}"

    @staticmethod
    def _has_db(url: str) -> bool:
        tail = url.split("://", 1)[-1]
        return "/" in tail and tail.rsplit("/", 1)[1].isdigit()

    def client(self, db: int = 0) -> Any:
        import redis

        return redis.Redis.from_url(self.url(db), socket_timeout=2)

    def ping(self) -> bool:
        import redis

        try:
            client = self.client()
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def start(self) -> None:
        if self.external:
            raise RuntimeError("cannot start an external Redis (REDIS_URL is set)")
        assert self.workdir is not None
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(
                "redis-server is not installed: apt-get install -y redis-server "
                "(or set REDIS_URL to a Redis the tests may use)",
                pytrace=False,
            )
        log = (self.workdir / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                self.host,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port} to answer PING")

    def kill(self) -> None:
        """SIGKILL: nothing is saved (the server runs with --save "" --appendonly no)."""
        if self.proc is None:
            raise RuntimeError("this Redis was not started by the tests; it cannot be killed")
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        """Kill the server (SIGKILL) and start a new one on the same port: every queued
        message is lost, as after a crash of an unpersisted Redis."""
        self.kill()
        self.start()
        self.restarts += 1

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None


def _own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(
        host="127.0.0.1", port=free_port(), workdir=tmp_path_factory.mktemp("redis")
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """REDIS_URL's server if set, else our own ``redis-server`` on a free port."""
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        server = RedisServer(host="", port=0, external_url=url)
        if not server.ping():
            pytest.fail(f"REDIS_URL={url} does not answer PING", pytrace=False)
        yield server
        return
    yield from _own_redis(tmp_path_factory)


@pytest.fixture()
def restartable_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """Always our own ``redis-server`` (even if REDIS_URL is set): tests that kill it need one."""
    yield from _own_redis(tmp_path_factory)


_redis_dbs = itertools.cycle(range(1, 16))


@pytest.fixture()
def redis_url(redis_server: RedisServer) -> str:
    """A Redis URL on a database number of its own, emptied first, for this test alone."""
    db = next(_redis_dbs)
    client = redis_server.client(db)
    try:
        client.flushdb()
    finally:
        client.close()
    return redis_server.url(db)


# ------------------------------------------------------------------------------------ PostgreSQL

PG_HOW_TO = (
    "Start it with `service postgresql start` (Debian: `apt-get install -y postgresql`; trust "
    "authentication for user postgres on 127.0.0.1:5432), or set PUBLISHER_TEST_PG_URL to a "
    "server the tests may create databases on, e.g. postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class PostgresDatabases:
    """Creates uniquely-named databases on one server; drops them all at the end."""

    admin_url: str
    """A libpq URL (postgresql://…) to a database we may run CREATE DATABASE from."""
    created: list[str] = field(default_factory=list)

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5)

    def check(self) -> None:
        import psycopg

        try:
            with self._connect() as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            where = self.admin_url
            pytest.fail(
                f"PostgreSQL is not reachable at {where}: {exc}\n{PG_HOW_TO}", pytrace=False
            )

    def create(self) -> str:
        """A new empty database; returns its SQLAlchemy URL (postgresql+psycopg://…)."""
        name = f"publisher_test_{uuid.uuid4().hex[:12]}"
        with self._connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        base = self.admin_url.split("://", 1)[1].rsplit("/", 1)[0]
        return f"postgresql+psycopg://{base}/{name}"

    def drop_all(self) -> None:
        with self._connect() as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


def _pg_admin_url() -> str:
    url = os.environ.get("PUBLISHER_TEST_PG_URL", "").strip()
    if not url:
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    scheme, rest = url.split("://", 1)
    if not scheme.startswith("postgres"):
        pytest.fail(f"PUBLISHER_TEST_PG_URL={url!r} is not a PostgreSQL URL", pytrace=False)
    if "/" not in rest:
        rest += "/postgres"
    return f"postgresql://{rest}"


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """Makes fresh databases on 127.0.0.1:5432 (or PUBLISHER_TEST_PG_URL); FAILS if unreachable."""
    databases = PostgresDatabases(admin_url=_pg_admin_url())
    databases.check()
    try:
        yield databases
    finally:
        databases.drop_all()


if "postgres_url" not in globals():

    @pytest.fixture(scope="session")
    def postgres_url(postgres_databases: PostgresDatabases) -> str:
        """One uniquely-named database for the session (dropped at the end)."""
        return postgres_databases.create()


# ------------------------------------------------------------------------------------- processes


@dataclass
class ManagedProcess:
    """One real subprocess in its own process group, logging to a file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> ManagedProcess:
        if self.alive:
            raise RuntimeError(f"{self.name} is already running")
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start #{self.starts + 1}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        return self

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL, *, timeout: float = 15) -> int | None:
        """Send ``sig`` to the whole process group (a worker and its pool children) and wait
        for the leader to exit. Returns its exit code."""
        if self.proc is None:
            return None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait(timeout=10)
        self._reap_group(self.proc.pid)
        return code

    @staticmethod
    def _reap_group(pgid: int) -> None:
        """Make sure nothing of the group survives (pool children of a killed worker)."""
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return

    def restart(self) -> ManagedProcess:
        self.kill()
        return self.start()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


@dataclass
class Processes:
    """Starts publisher processes for one test and guarantees they are gone afterwards."""

    logdir: Path
    started: list[ManagedProcess] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> ManagedProcess:
        log_path = self.logdir / f"{name}.log"
        process = ManagedProcess(name=name, argv=list(argv), env=dict(env), log_path=log_path)
        self.started.append(process)
        return process.start()

    def publisher(self, name: str, *args: str, env: Mapping[str, str]) -> ManagedProcess:
        """``publisher ARGS…`` as a managed subprocess: ``publisher("w1", "worker", env=e)``."""
        return self.start(name, [*publisher_command(), *args], env)

    def worker(self, name: str, env: Mapping[str, str], *, concurrency: int = 2) -> ManagedProcess:
        return self.publisher(
            name, "worker", "--concurrency", str(concurrency), "--loglevel", "INFO", env=env
        )

    def beat(self, env: Mapping[str, str], name: str = "beat") -> ManagedProcess:
        return self.publisher(name, "beat", env=env)

    def check_alive(self, *processes: ManagedProcess) -> None:
        """Fail, with logs, if a process we expect to run has exited by itself."""
        for process in processes or tuple(self.started):
            if process.proc is not None and process.proc.poll() is not None:
                pytest.fail(
                    f"{process.name} exited with {process.proc.returncode}:\n"
                    f"{process.log_text()[-6000:]}",
                    pytrace=False,
                )

    def cleanup(self) -> None:
        for process in self.started:
            if process.alive:
                process.kill(signal.SIGTERM, timeout=10)
            elif process.proc is not None:
                process._reap_group(process.proc.pid)

    def logs(self, tail: int = 8000) -> str:
        parts = []
        for process in self.started:
            parts.append(f"----- {process.name} ({process.log_path})\n{process.log_text()[-tail:]}")
        return "\n".join(parts)


@pytest.fixture()
def processes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Processes]:
    logdir = tmp_path / "logs"
    logdir.mkdir()
    manager = Processes(logdir=logdir)
    try:
        yield manager
    finally:
        manager.cleanup()
        if _failed(request):
            sys.stderr.write(manager.logs())


# ---------------------------------------------------------------------------------------- fake X

#: Fake credentials for the local X server (never real ones: X_API_BASE_URL points at the fake).
FAKE_X_CREDENTIALS = (
    "test-consumer-key",
    "test-consumer-secret",
    "test-access-token",
    "test-access-token-secret",
)


@pytest.fixture()
def fake_x() -> Iterator[Any]:
    """A local X-compatible server (tests.support.xfake) on a free port, in a thread of this
    process, verifying OAuth signatures against FAKE_X_CREDENTIALS. Workers reach it over HTTP at
    ``fake_x.base_url``; ``fake_x.environment()`` gives their X_* settings; the test reads
    ``fake_x.requests`` (every API request received, refused ones too) and ``fake_x.posts``
    (every accepted post, with ``created_at``)."""
    from tests.support.xfake import FakeX, FakeXConfig

    fake = FakeX(FakeXConfig(credentials=FAKE_X_CREDENTIALS)).start()
    try:
        yield fake
    finally:
        fake.stop()


def received_post_texts(fake: Any) -> list[str]:
    """The text of every ``POST /2/tweets`` the fake received, accepted or not."""
    with fake.lock:
        return [
            str(request["body"].get("text"))
            for request in fake.requests
            if request["endpoint"] == "POST /2/tweets" and isinstance(request["body"], dict)
        ]


# ------------------------------------------------------------------------------------ deployment

PENDING_STATES = ("scheduled", "claimed", "sending")


@dataclass
class Deployment:
    """One publisher installation for a test: its settings (as environment variables), its
    database (migrated), its broker, its output folder."""

    env: dict[str, str]
    database_url: str
    data_dir: Path
    output_dir: Path
    store: Any  # publisher.store.Store

    def rows(self) -> list[Any]:
        """Every delivery row (detached, read-only snapshots)."""
        from sqlalchemy import select

        from publisher.store.models import DeliveryRow

        with self.store.session() as session:
            return list(session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows():
            counts[row.state] = counts.get(row.state, 0) + 1
        return counts

    def pending(self) -> int:
        counts = self.counts()
        return sum(counts.get(state, 0) for state in PENDING_STATES)

    def settings(self) -> Any:
        from publisher.settings import Settings

        return Settings.from_env(self.env)

    def registry(self) -> Any:
        """The deployment's channels, as its workers build them (publisher.channel.Registry)."""
        from publisher.bootstrap import build_registry

        return build_registry(self.settings())

    def heartbeat(self, name: str = "dispatcher") -> Any:
        from publisher.store.models import HeartbeatRow

        with self.store.session() as session:
            row = session.get(HeartbeatRow, name)
            return None if row is None else row.at


@pytest.fixture()
def make_deployment(tmp_path: Path) -> Iterator[Callable[..., Deployment]]:
    """``make_deployment(database_url, broker_url, **more_env)`` → a migrated Deployment with
    short dispatcher/reconciler intervals, so crash recovery happens within seconds."""
    made: list[Deployment] = []

    def make(database_url: str, broker_url: str, **more: str) -> Deployment:
        from publisher.store import Store

        root = tmp_path / f"deployment{len(made)}"
        data_dir = root / "data"
        output_dir = root / "site"
        data_dir.mkdir(parents=True)
        output_dir.mkdir(parents=True)
        env = app_env(
            {
                "PUBLISHER_DATA_DIR": str(data_dir),
                "DATABASE_URL": database_url,
                "BROKER_URL": broker_url,
                "OUTPUT_DIR": str(output_dir),
                "SITE_URL": "http://127.0.0.1:8000/",
                "DISPATCH_INTERVAL": "0.5",
                "RECONCILE_INTERVAL": "1",
                "CLAIMED_TIMEOUT": "5",
                "SENDING_TIMEOUT": "5",
                **more,
            }
        )
        store = Store(database_url)
        store.migrate()
        deployment = Deployment(
            env=env,
            database_url=database_url,
            data_dir=data_dir,
            output_dir=output_dir,
            store=store,
        )
        made.append(deployment)
        return deployment

    try:
        yield make
    finally:
        for deployment in made:
            deployment.store.dispose()


def worker_ready(process: ManagedProcess) -> bool:
    """True once this start of the worker logged Celery's "ready." line."""
    log = process.log_text()
    last_start = log.rfind("===== start #")
    return " ready." in log[last_start:]


def make_appeal(number: int, *, run: str, prefix: str = "Witness appeal") -> Any:
    """A small, valid appeal whose every rendered text is unique to (run, number)."""
    from publisher.domain.record import Appeal

    return Appeal.model_validate(
        {
            "id": f"{run}-{number:04d}",
            "kind": "witness-appeal",
            "title": f"{prefix} {number} after a collision on Example Road",
            "summary": f"We want to hear from anyone who saw collision {number} ({run}).",
            "area": "Example Shire",
            "url": f"https://www.example.police.uk/news/{run}/{number}/",
            "published_at": "2026-11-01T09:00:00Z",
            "body": [
                {
                    "type": "paragraph",
                    "spans": [{"text": f"Call 101 quoting reference {run}/{number}."}],
                }
            ],
        }
    )
