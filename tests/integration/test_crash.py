"""The acceptance test of issue 4: crashes lose nothing and post nothing twice.

Real parts only: a real redis-server as the broker, a real PostgreSQL (and SQLite) store, two real
``publisher worker`` processes and one ``publisher beat``, the real X channel (tweepy) posting
to the local X-compatible server, and the real text and web channels writing files.

While 200 deliveries fall due, workers are SIGKILLed (whole process group: the worker and its
pool children, like a machine losing power) at random moments and started again, and Redis is
SIGKILLed and restarted once (it runs without persistence, so every queued message is lost).
Then the test waits for the reconciler to settle everything and checks the ledger against what
the fake X server received and what is on disk.

The random moments come from a seed printed at the start; set CRASH_SEED to replay a run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import (
    Deployment,
    ManagedProcess,
    PostgresDatabases,
    Processes,
    RedisServer,
    make_appeal,
    received_post_texts,
    run_cli,
    wait_until,
    worker_ready,
)

pytestmark = pytest.mark.integration

FINAL_STATES = ("published", "unknown", "failed")
SETTLE_TIMEOUT = 120.0


@dataclass
class ChaosLog:
    """What the chaos did, and what was in flight when it did it."""

    seed: int
    events: list[str] = field(default_factory=list)
    worker_kills: int = 0
    redis_restarts: int = 0

    def note(self, started: float, text: str) -> None:
        self.events.append(f"t={time.monotonic() - started:5.2f}s {text}")


def _plan(count: int, run: str) -> list[tuple[Any, list[str]]]:
    """Which appeals go to which channels: 40% x+text, 40% x+web, 20% text+web."""
    plan = []
    for number in range(count // 2):
        appeal = make_appeal(number, run=run)
        bucket = number % 5
        if bucket in (0, 1):
            channels = ["x", "text"]
        elif bucket in (2, 3):
            channels = ["x", "web"]
        else:
            channels = ["text", "web"]
        plan.append((appeal, channels))
    return plan


def _schedule_all(deployment: Deployment, plan: list[tuple[Any, list[str]]], spread: float) -> int:
    """Import every appeal; schedule its deliveries due now or within ``spread`` seconds."""
    from publisher import services

    made = 0
    for index, (appeal, channels) in enumerate(plan):
        services.import_appeal(deployment.store, appeal)
        if index % 10 == 0:
            ids = services.publish_now(deployment.store, deployment.registry(), appeal.id, channels)
        else:
            offset = 0.5 + (index * spread / len(plan))
            due = datetime.now(UTC) + timedelta(seconds=offset)
            ids = services.schedule(
                deployment.store, deployment.registry(), appeal.id, channels, [due]
            )
        made += len(ids)
    return made


def _chaos(
    *,
    seed: int,
    workers: list[ManagedProcess],
    beat: ManagedProcess,
    redis: RedisServer,
    deployment: Deployment,
    processes: Processes,
    duration: float,
    kills: int,
) -> ChaosLog:
    """Kill workers ``kills`` times and Redis once, at random moments within ``duration`` s."""
    rng = random.Random(seed)
    log = ChaosLog(seed=seed)
    events: list[tuple[float, str]] = [(rng.uniform(0.5, duration), "worker") for _ in range(kills)]
    events.append((rng.uniform(duration * 0.25, duration * 0.75), "redis"))
    events.sort()
    started = time.monotonic()
    for at, what in events:
        delay = at - (time.monotonic() - started)
        if delay > 0:
            time.sleep(delay)
        counts = deployment.counts()
        in_flight = f"claimed={counts.get('claimed', 0)} sending={counts.get('sending', 0)}"
        if what == "worker":
            victim = rng.choice(workers)
            if not victim.alive:
                victim.start()
            victim.kill(signal.SIGKILL)
            log.worker_kills += 1
            log.note(started, f"SIGKILL {victim.name} ({in_flight})")
            time.sleep(rng.uniform(0.2, 1.5))
            victim.start()
            log.note(started, f"restarted {victim.name}")
        else:
            redis.restart()
            log.redis_restarts += 1
            log.note(started, f"SIGKILL redis-server + restart ({in_flight})")
        processes.check_alive(beat)
    return log


def _x_rows_check(rows: list[Any], fake_x: Any, deployment: Deployment) -> dict[str, Any]:
    """Nothing posted twice; every published x delivery is on the fake server, as rendered."""
    from publisher import services
    from publisher.bootstrap import build_registry

    received = received_post_texts(fake_x)
    duplicates = {text: n for text, n in Counter(received).items() if n > 1}
    assert not duplicates, f"the X server received these posts more than once: {duplicates}"
    accepted = {post["id"]: post for post in fake_x.posts}
    registry = build_registry(deployment.settings())
    channel = registry.get("x")
    x_rows = [row for row in rows if row.channel == "x"]
    unknown_but_posted = 0
    for row in x_rows:
        appeal = services.current_appeal(deployment.store, row.appeal_id)
        expected = [post.text for post in channel.render(appeal, registry.context).posts]
        if row.state == "published":
            assert row.remote_id, f"published x delivery {row.id} has no remote id"
            ids = [part.strip() for part in row.remote_id.split(",")]
            missing = [i for i in ids if i not in accepted]
            assert not missing, (
                f"x delivery {row.id} says it was published as {row.remote_id}, "
                f"but the X server has no post {missing}"
            )
            assert [accepted[i]["text"] for i in ids] == expected, row.id
        elif row.state == "unknown" and expected[0] in received:
            unknown_but_posted += 1
    return {
        "x_received": len(received),
        "x_accepted": len(accepted),
        "x_published": sum(1 for r in x_rows if r.state == "published"),
        "x_unknown_that_had_reached_x": unknown_but_posted,
    }


def _file_rows_check(rows: list[Any], deployment: Deployment) -> int:
    """Every published web/text delivery's files are on disk."""
    from publisher import services
    from publisher.bootstrap import build_registry

    registry = build_registry(deployment.settings())
    checked = 0
    for row in rows:
        if row.channel in ("web", "text") and row.state == "published":
            appeal = services.current_appeal(deployment.store, row.appeal_id)
            rendition = registry.get(row.channel).render(appeal, registry.context)
            assert rendition.files, f"{row.channel} rendered no files for {row.appeal_id}"
            for output in rendition.files:
                path = deployment.output_dir / output.path
                assert path.is_file(), f"delivery {row.id} is published but {path} is missing"
            checked += 1
    return checked


def _run_crash_scenario(
    *,
    deployment: Deployment,
    redis: RedisServer,
    processes: Processes,
    fake_x: Any,
    count: int,
    spread: float,
    kills: int,
    run: str,
) -> dict[str, Any]:
    seed = int(os.environ.get("CRASH_SEED", "0")) or random.SystemRandom().randrange(1, 10**9)
    print(f"\ncrash test ({run}): CRASH_SEED={seed}")
    workers = [processes.worker(f"worker{i}", deployment.env, concurrency=2) for i in (1, 2)]
    beat = processes.beat(deployment.env)
    for worker in workers:
        wait_until(lambda w=worker: worker_ready(w), timeout=60, what=f"{worker.name} to be ready")
    wait_until(deployment.heartbeat, timeout=60, what="the dispatcher's first tick")

    started = time.monotonic()
    plan = _plan(count, run)
    scheduled = _schedule_all(deployment, plan, spread)
    assert scheduled == count

    chaos = _chaos(
        seed=seed,
        workers=workers,
        beat=beat,
        redis=redis,
        deployment=deployment,
        processes=processes,
        duration=spread + 2,
        kills=kills,
    )
    wait_until(
        lambda: deployment.pending() == 0,
        timeout=SETTLE_TIMEOUT,
        interval=0.5,
        what=f"every delivery to settle (now {deployment.counts()})",
    )
    settled = time.monotonic() - started
    processes.check_alive(beat, *workers)

    rows = deployment.rows()
    states = Counter(row.state for row in rows)
    assert len(rows) == count
    assert sum(states[s] for s in FINAL_STATES) == count, f"lost deliveries: {dict(states)}"
    assert chaos.worker_kills >= 3 and chaos.redis_restarts == 1, chaos

    # No delivery was published twice (one successful attempt at most).
    from sqlalchemy import func, select

    from publisher.store.models import AttemptRow

    with deployment.store.session() as session:
        twice = session.execute(
            select(AttemptRow.delivery_id, func.count())
            .where(AttemptRow.outcome == "published")
            .group_by(AttemptRow.delivery_id)
            .having(func.count() > 1)
        ).all()
    assert not twice, f"deliveries with more than one successful attempt: {twice}"

    # The operator's list of what needs a person is exactly the unknown and failed deliveries.
    listed = run_cli(
        ["deliveries", "--state", "unknown", "--state", "failed", "--json"], deployment.env
    )
    listed_ids = {item["id"] for item in json.loads(listed.stdout)}
    expected = {row.id for row in rows if row.state in ("unknown", "failed")}
    assert listed_ids == expected

    x_figures = _x_rows_check(rows, fake_x, deployment)
    files_checked = _file_rows_check(rows, deployment)
    summary = {
        "run": run,
        "seed": seed,
        "deliveries": count,
        "states": dict(states),
        "settled_in_s": round(settled, 1),
        "files_checked": files_checked,
        **x_figures,
        "chaos": chaos.events,
        "unknown_or_failed": sorted(
            (row.id, row.channel, row.state, (row.last_error or "")[:80])
            for row in rows
            if row.state in ("unknown", "failed")
        ),
    }
    print("crash test summary: " + json.dumps(summary))
    return summary


def test_crash_postgresql(
    postgres_databases: PostgresDatabases,
    restartable_redis: RedisServer,
    make_deployment: Any,
    processes: Processes,
    fake_x: Any,
) -> None:
    deployment = make_deployment(
        postgres_databases.create(),
        restartable_redis.url(0),
        **fake_x.environment(),
    )
    _run_crash_scenario(
        deployment=deployment,
        redis=restartable_redis,
        processes=processes,
        fake_x=fake_x,
        count=200,
        spread=12.0,
        kills=4,
        run="crashpg",
    )


def test_crash_sqlite(
    restartable_redis: RedisServer,
    make_deployment: Any,
    processes: Processes,
    fake_x: Any,
    tmp_path: Any,
) -> None:
    deployment = make_deployment(
        f"sqlite:///{tmp_path / 'publisher.db'}",
        restartable_redis.url(0),
        **fake_x.environment(),
    )
    _run_crash_scenario(
        deployment=deployment,
        redis=restartable_redis,
        processes=processes,
        fake_x=fake_x,
        count=60,
        spread=6.0,
        kills=3,
        run="crashlite",
    )
