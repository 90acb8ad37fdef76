"""Benchmark: how fast real workers drain due deliveries, next to a bare Celery no-op drain.

    python benchmarks/drain.py [--count 10000] [--database-url URL] [--workers 2]
                               [--concurrency 2] [--dispatch-interval 0.5]

Real parts: a real Redis (REDIS_URL, else our own ``redis-server`` on a free port), a SQLite
store (default; or PostgreSQL with ``--database-url postgresql://…``; the database must be empty
or hold only benchmark data), real ``publisher worker`` processes and one ``publisher beat``
(the dispatcher). The channel is ``publisher.testing``'s fast fake, loaded in the worker
processes by name through PUBLISHER_EXTRA_CHANNELS, so the figure measures the scheduling
machinery (claim, enqueue, publish_delivery's transactions, the ledger), not a network.

1. ``--count`` deliveries are scheduled through ``services.schedule`` (the real path) due in an
   hour; once the workers and beat are up, one UPDATE makes them all due at the same instant
   (the clock "reaching" them), and the clock starts. Done when all are ``published``.
   Lateness = published_at - due_at, per delivery (p50, p99, max).
2. The same number of no-op tasks through the same Redis to bare Celery workers (same pool,
   concurrency, acks_late and prefetch settings): the ceiling the broker and Celery set.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FAKE_CHANNEL = "fake"
FAKE_FACTORY = "benchmarks.drain:fake_channel"
NOOP_QUEUE = "bench-noop"
NOOP_TASK = "bench.noop"
SLOTS_PER_APPEAL = 500
SETTINGS_VARS = (
    "PUBLISHER_DATA_DIR",
    "DATABASE_URL",
    "BROKER_URL",
    "REDIS_URL",
    "OUTPUT_DIR",
    "PUBLISHER_EXTRA_CHANNELS",
)


# ---------------------------------------------------------------------------- the channel


def fake_channel(settings: Any) -> Any:
    """PUBLISHER_EXTRA_CHANNELS factory: publisher.testing's FakeChannel, succeeding at once."""
    from publisher.testing import FakeChannel

    return FakeChannel(FAKE_CHANNEL, idempotent=True)


# --------------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"drain: timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.1)


class Children:
    """Subprocesses, each in its own process group; all killed on exit."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Path:
        log = self.logdir / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                list(argv),
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append((name, proc))
        return log

    def check(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                log = (self.logdir / f"{name}.log").read_text(errors="replace")[-4000:]
                raise SystemExit(f"drain: {name} exited with {proc.returncode}:\n{log}")

    def stop(self, names: Sequence[str] | None = None) -> None:
        for name, proc in self.procs:
            if names is not None and name not in names:
                continue
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in self.procs:
            if names is not None and name not in names:
                continue
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        # Stopped children are no longer checked (a later phase outlives them).
        self.procs = [(n, p) for n, p in self.procs if names is not None and n not in names]


def tree_cpu(children: Children, names: Sequence[str]) -> float:
    """CPU seconds (user + system) used so far by the named children and every process in
    their sessions (a Celery worker's pool, beat's child), read from /proc."""
    sessions = {proc.pid for name, proc in children.procs if name in names}
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        # after the command: state ppid pgrp session … utime (12th) stime (13th)
        if int(fields[3]) in sessions:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def ready(log: Path) -> bool:
    return log.exists() and " ready." in log.read_text(errors="replace")


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


# ---------------------------------------------------------------------------- bare Celery


def noop_app(broker_url: str) -> Any:
    """A bare Celery app: one no-op task, the same delivery guarantees as publisher's."""
    from celery import Celery

    app = Celery("bench", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=NOOP_QUEUE,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
    )

    @app.task(name=NOOP_TASK, ignore_result=True)  # type: ignore[untyped-decorator]
    def noop() -> None:
        return None

    return app


def run_noop_worker(broker_url: str, concurrency: int) -> int:
    app = noop_app(broker_url)
    argv = ["worker", "--queues", NOOP_QUEUE, "--pool", "prefork"]
    argv += ["--concurrency", str(concurrency), "--loglevel", "info", "--without-gossip"]
    argv += ["--without-mingle", "--hostname", f"noop-{os.getpid()}@%h"]
    code = app.start(argv)
    return int(code or 0)


def queue_empty(client: Any, queue: str) -> bool:
    """Nothing waiting and nothing delivered but unacknowledged."""
    return int(client.llen(queue)) == 0 and int(client.hlen("unacked")) == 0


_LOG_LINE = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): [^]]*\] Task ([\w.]+)\[\S+ (received|succeeded)"
)


def log_span(logs: Sequence[Path], *tasks: str) -> tuple[int, float]:
    """(runs of ``tasks`` that succeeded, seconds from the first one received to the last one
    done), read from the workers' own INFO log lines."""
    first: datetime | None = None
    last: datetime | None = None
    done = 0
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            match = _LOG_LINE.match(line)
            if match is None or match.group(2) not in tasks:
                continue
            moment = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
            if match.group(3) == "received":
                first = moment if first is None else min(first, moment)
            else:
                done += 1
                last = moment if last is None else max(last, moment)
    if first is None or last is None:
        return done, float("nan")
    return done, (last - first).total_seconds()


def noop_drain(
    broker_url: str, count: int, workers: int, concurrency: int, children: Children
) -> tuple[float, float]:
    """Seconds for bare Celery workers to run ``count`` queued no-op tasks: the queue is filled
    first, then the workers start; timed from their first task received to their last one done
    (so neither the producer nor worker start-up is counted). Also the CPU seconds the
    workers used, start-up included."""
    app = noop_app(broker_url)
    client = redis_client(broker_url)
    started = time.monotonic()
    with app.producer_or_acquire() as producer:
        for _ in range(count):
            app.send_task(NOOP_TASK, queue=NOOP_QUEUE, producer=producer)
    print(f"  queued {count} no-op messages in {time.monotonic() - started:.1f}s")
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    argv = [sys.executable, __file__, "--noop-worker", broker_url]
    logs = [
        children.start(f"noop{i}", [*argv, "--concurrency", str(concurrency)], env)
        for i in range(workers)
    ]
    names = [f"noop{i}" for i in range(workers)]
    wait_for(lambda: queue_empty(client, NOOP_QUEUE), 600, "the no-op tasks to drain")
    cpu = tree_cpu(children, names)
    children.stop(names)
    done, seconds = log_span(logs, NOOP_TASK)
    if done != count:
        raise SystemExit(f"drain: {done} of {count} no-op tasks reported success")
    return seconds, cpu


# ------------------------------------------------------------------------------ deliveries


def schedule_deliveries(store: Any, times: Sequence[datetime], run: str) -> list[int]:
    """One fake-channel delivery per time, through the real services (import, schedule)."""
    from publisher import services
    from publisher.bootstrap import build_registry
    from publisher.domain.record import Appeal
    from publisher.settings import Settings

    registry = build_registry(Settings(), extra={FAKE_CHANNEL: fake_channel})
    ids: list[int] = []
    for number, first in enumerate(range(0, len(times), SLOTS_PER_APPEAL)):
        appeal = Appeal.model_validate(
            {
                "id": f"{run}-{number:05d}",
                "title": f"Benchmark appeal {number}",
                "summary": f"Benchmark appeal {number}, made by benchmarks/drain.py.",
                "area": "Example Shire",
                "url": f"https://www.example.police.uk/news/{run}/{number}/",
                "published_at": "2026-11-01T09:00:00Z",
                "body": [{"type": "paragraph", "spans": [{"text": f"Appeal {number}."}]}],
            }
        )
        services.import_appeal(store, appeal, actor="benchmark")
        services.approve_on_command_line(
            store, registry, [appeal.id], by="benchmark", reason="benchmarks/drain.py"
        )
        chunk = times[first : first + SLOTS_PER_APPEAL]
        ids += services.schedule(
            store, registry, appeal.id, [FAKE_CHANNEL], chunk, actor="benchmark"
        )
    return ids


def make_all_due(store: Any, now: datetime) -> int:
    """The clock reaches every delivery at once: due_at = now."""
    from sqlalchemy import update

    from publisher.store.models import DeliveryRow

    with store.session() as session:
        result = session.execute(
            update(DeliveryRow).where(DeliveryRow.state == "scheduled").values(due_at=now)
        )
        return int(result.rowcount)


def published_count(store: Any, run: str | None = None) -> int:
    """Published deliveries (of the appeals of ``run``, when given)."""
    from sqlalchemy import func, select

    from publisher.store.models import DeliveryRow

    query = select(func.count()).select_from(DeliveryRow).where(DeliveryRow.state == "published")
    if run is not None:
        query = query.where(DeliveryRow.appeal_id.startswith(f"{run}-", autoescape=True))
    with store.session(read_only=True) as session:  # polling must not queue for the write lock
        return int(session.scalar(query) or 0)


def lateness(store: Any, run: str | None = None) -> list[float]:
    """Sorted published_at - due_at, in seconds (of the appeals of ``run``, when given)."""
    from sqlalchemy import select

    from publisher.store.models import DeliveryRow

    query = select(DeliveryRow.due_at, DeliveryRow.published_at).where(
        DeliveryRow.state == "published"
    )
    if run is not None:
        query = query.where(DeliveryRow.appeal_id.startswith(f"{run}-", autoescape=True))
    with store.session(read_only=True) as session:
        rows = session.execute(query).all()
    return sorted((published - due).total_seconds() for due, published in rows if published)


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(fraction * (len(values) - 1))))
    return values[index]


def delivery_drain(
    args: argparse.Namespace, broker_url: str, workdir: Path, children: Children
) -> dict[str, Any]:
    from publisher.store import Store

    data_dir = workdir / "data"
    output_dir = workdir / "site"
    data_dir.mkdir()
    output_dir.mkdir()
    database_url = args.database_url or f"sqlite:///{workdir / 'publisher.db'}"
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    env.update(
        PUBLISHER_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        BROKER_URL=broker_url,
        OUTPUT_DIR=str(output_dir),
        PUBLISHER_EXTRA_CHANNELS=f"{FAKE_CHANNEL}={FAKE_FACTORY}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
        DISPATCH_INTERVAL=str(args.dispatch_interval),
        RECONCILE_INTERVAL="30",
        PYTHONUNBUFFERED="1",
    )
    store = Store(database_url)
    store.migrate()
    run = f"drain{int(time.time())}"
    started = time.monotonic()
    due_later = datetime.now(UTC) + timedelta(hours=1)
    times = [due_later + timedelta(milliseconds=i) for i in range(args.count)]
    schedule_deliveries(store, times, run)
    print(f"  scheduled {args.count} deliveries in {time.monotonic() - started:.1f}s")

    schedule_rate = args.count / (time.monotonic() - started)

    cli = [sys.executable, "-m", "publisher"]
    names = [f"worker{i}" for i in range(args.workers)] + ["beat"]
    logs = [
        children.start(f"worker{i}", [*cli, "worker", "--concurrency", str(args.concurrency)], env)
        for i in range(args.workers)
    ]
    children.start("beat", [*cli, "beat"], env)
    for log in logs:
        wait_for(partial(ready, log), 60, "the publisher workers")
    time.sleep(1.0)  # let beat come up too
    children.check()

    # 1. The backlog: every delivery due at once.
    cpu_before = tree_cpu(children, names)
    now = datetime.now(UTC)
    due = make_all_due(store, now)
    started = time.monotonic()
    last_report = started
    while (done := published_count(store, run)) < due:
        children.check()
        if time.monotonic() - last_report > 10:
            rate = done / (time.monotonic() - started)
            print(f"  … {done}/{due} published ({rate:.0f}/s)")
            last_report = time.monotonic()
        if time.monotonic() - started > args.timeout:
            raise SystemExit(f"drain: only {done}/{due} published after {args.timeout:g}s")
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    cpu = tree_cpu(children, names) - cpu_before
    late = lateness(store, run)
    publish_runs, publish_span = log_span(logs, "publisher.publish", "publisher.publish_many")

    # 2. Paced: deliveries due one after another at real future times (the lateness target).
    paced_late: list[float] = []
    paced = round(args.paced_rate * args.paced_seconds)
    if paced:
        lead = 5.0 + 1.5 * paced / schedule_rate  # scheduling them must end before the first
        first_due = datetime.now(UTC) + timedelta(seconds=lead)
        step = timedelta(seconds=1 / args.paced_rate)
        paced_times = [first_due + i * step for i in range(paced)]
        paced_ids = schedule_deliveries(store, paced_times, f"{run}-paced")
        paced_ids.sort()
        left = (first_due - datetime.now(UTC)).total_seconds()
        print(
            f"  paced: {paced} deliveries due at {args.paced_rate:g}/s for "
            f"{args.paced_seconds:g}s from {first_due:%T} (scheduled {left:.1f}s before)"
        )
        wait_for(
            lambda: published_count(store, f"{run}-paced") == len(paced_ids),
            lead + args.paced_seconds + args.timeout,
            "the paced deliveries",
        )
        paced_late = lateness(store, f"{run}-paced")
    children.stop(names)

    # 3. What one delivery costs the database: publish_delivery in this process, counted.
    sql = count_sql(store, run, args.sql_count)
    store.dispose()
    return {
        "count": due,
        "seconds": elapsed,
        "cpu": cpu,
        "p50": percentile(late, 0.50),
        "p99": percentile(late, 0.99),
        "max": late[-1] if late else float("nan"),
        "database": database_url.split("://", 1)[0],
        "publish_runs": publish_runs,
        "publish_span": publish_span,
        "paced": paced_late,
        "sql": sql,
    }


def count_sql(store: Any, run: str, count: int) -> dict[str, float]:
    """Schedule ``count`` more deliveries, make them due, claim them with the dispatcher's
    service and publish each with ``publish_delivery`` here, counting transactions and round
    trips with SQLAlchemy events (tests/support/sqlcount.py): per delivery, and per claim."""
    from publisher import services
    from publisher.bootstrap import build_registry
    from publisher.settings import Settings
    from tests.support.sqlcount import counting

    later = datetime.now(UTC) + timedelta(hours=2)
    ids = schedule_deliveries(
        store, [later + timedelta(milliseconds=i) for i in range(count)], f"{run}-sql"
    )
    make_all_due(store, datetime.now(UTC))
    registry = build_registry(Settings(), extra={FAKE_CHANNEL: fake_channel})
    with counting(store) as claim:
        claimed = services.dispatch_due(store, now=datetime.now(UTC), limit=count)
    if sorted(claimed) != sorted(ids):
        raise SystemExit(f"drain: the dispatcher claimed {len(claimed)} of {count} deliveries")
    with counting(store) as each:
        for delivery in claimed:
            state = services.publish_delivery(store, registry, delivery)
            if state != "published":
                raise SystemExit(f"drain: delivery {delivery} ended {state}")
    return {
        "deliveries": count,
        "writes": each.writes / count,
        "reads": each.reads / count,
        "statements": each.statements / count,
        "round_trips": each.round_trips / count,
        "claim_writes": claim.writes,
        "claim_round_trips": claim.round_trips,
    }


# ------------------------------------------------------------------------------------- main


def start_redis(workdir: Path, children: Children) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit(
            "drain: redis-server not found (apt-get install -y redis-server) "
            "and REDIS_URL is not set"
        )
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    children.start("redis", [*argv, "--dir", str(workdir)], dict(os.environ))
    url = f"redis://127.0.0.1:{port}/0"

    def answers() -> bool:
        try:
            return bool(redis_client(url).ping())
        except Exception:  # noqa: BLE001 - any failure means "not yet"
            return False

    wait_for(answers, 10, "redis-server")
    return url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="the backlog, all due at once")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--dispatch-interval", type=float, default=0.5)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--paced-rate", type=float, default=200.0, help="deliveries due per second, paced"
    )
    parser.add_argument(
        "--paced-seconds", type=float, default=60.0, help="for how long (0: no paced run)"
    )
    parser.add_argument(
        "--sql-count", type=int, default=200, help="deliveries counted in this process"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    parser.add_argument("--noop-worker", metavar="BROKER", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.noop_worker:
        return run_noop_worker(args.noop_worker, args.concurrency)
    if args.count < 1 or args.sql_count < 1:
        parser.error("--count and --sql-count must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="publisher-drain-"))
    children = Children(workdir)
    try:
        external = os.environ.get("REDIS_URL", "").strip()
        broker_url = external or start_redis(workdir, children)
        if external:
            redis_client(broker_url).flushdb()
        print(
            f"drain: {args.count} deliveries, {args.workers} workers x {args.concurrency}, "
            f"dispatch every {args.dispatch_interval:g}s, broker {broker_url}"
        )
        print("no-op tasks (the baseline, just before the deliveries):")
        noop_seconds, noop_cpu = noop_drain(
            broker_url, args.count, args.workers, args.concurrency, children
        )
        print("deliveries:")
        result = delivery_drain(args, broker_url, workdir, children)
    finally:
        children.stop()
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report(args, result, noop_seconds, noop_cpu)
    return 0


def report(
    args: argparse.Namespace, result: dict[str, Any], noop_seconds: float, noop_cpu: float
) -> None:
    rate = result["count"] / result["seconds"]
    noop_rate = args.count / noop_seconds
    tasks_rate = result["count"] / result["publish_span"]
    sql = result["sql"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print()
    print(f"  store:                {result['database']}")
    print(f"  bare Celery no-ops:   {args.count} in {noop_seconds:.1f}s = {noop_rate:.0f} tasks/s")
    print(
        f"  deliveries drained:   {result['count']} in {result['seconds']:.1f}s "
        f"= {rate:.0f} deliveries/s (clock started when all became due)"
    )
    print(
        f"  publish tasks alone:  {result['publish_runs']} messages ({result['count']} "
        f"deliveries) in {result['publish_span']:.1f}s = {tasks_rate:.0f} deliveries/s (first "
        "received to last done, from the worker logs)"
    )
    print(
        f"  pipeline / bare Celery: {rate / noop_rate:.0%}   target >= 50%   "
        f"{verdict(rate / noop_rate >= 0.5)}"
    )
    print(
        f"  backlog drain / publish tasks alone: {rate / tasks_rate:.0%}   (the dispatcher "
        "keeps the workers fed: the backlog drains at the pipeline's full rate)"
    )
    print(
        f"  CPU per delivery:     {1000 * result['cpu'] / result['count']:.1f} ms "
        f"(workers and beat)  vs  {1000 * noop_cpu / args.count:.1f} ms per no-op "
        "(its workers, start-up included)"
    )
    print(
        f"  per delivery ({sql['deliveries']:.0f} counted in-process): "
        f"{sql['writes']:.2f} write transactions  target <= 2   {verdict(sql['writes'] <= 2)};  "
        f"{sql['reads']:.2f} read-only;  {sql['round_trips']:.1f} SQL round trips "
        f"({sql['statements']:.1f} statements)"
    )
    print(
        f"  the dispatcher's claim of those {sql['deliveries']:.0f}: "
        f"{sql['claim_writes']} write transaction(s), {sql['claim_round_trips']} round trips"
    )
    paced = result["paced"]
    if paced:
        p99 = percentile(paced, 0.99)
        print(
            f"  paced lateness ({len(paced)} due at {args.paced_rate:g}/s for "
            f"{args.paced_seconds:g}s): p50 {percentile(paced, 0.5):.2f}s  p99 {p99:.2f}s  "
            f"max {paced[-1]:.2f}s   target p99 <= 2 s   {verdict(p99 <= 2.0)}"
        )
    print(
        f"  backlog lateness (all due at once): p50 {result['p50']:.2f}s  "
        f"p99 {result['p99']:.2f}s  max {result['max']:.2f}s"
    )


if __name__ == "__main__":
    sys.exit(main())
