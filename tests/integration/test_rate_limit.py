"""X rate limits: posts wait for the reset, then go out; none dropped; no worker blocked.

The local X server allows ``LIMIT`` posts per ``WINDOW`` seconds and answers 429 with X's
``x-rate-limit-reset`` beyond that. More threads are due at once than one window holds. Real
workers (tweepy through the X channel) must put refused deliveries back to ``scheduled`` with
their next attempt at the reset time X gave, never sleep on it (a text delivery and the canary
task are served while posts wait), and publish every post exactly once in the end.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.conftest import (
    Deployment,
    PostgresDatabases,
    Processes,
    RedisServer,
    make_appeal,
    wait_until,
    worker_ready,
)
from tests.support.approving import import_approved

pytestmark = pytest.mark.integration

LIMIT = 4
"""Posts per window: two threads of two posts."""
WINDOW = 4
"""Seconds per window."""
THREADS = 6
"""Three windows' worth of posts."""


def windows_of(times: list[float]) -> list[list[float]]:
    """Group post times into the fake's fixed windows: a window opens at the first request
    after the previous one closed (such a request is always accepted), and lasts WINDOW s."""
    groups: list[list[float]] = []
    for moment in sorted(times):
        if groups and moment < groups[-1][0] + WINDOW:
            groups[-1].append(moment)
        else:
            groups.append([moment])
    return groups


def test_windows_of_groups_by_fixed_windows() -> None:
    assert windows_of([0.0, 1.0, 3.9, 4.0, 9.0, 12.5]) == [[0.0, 1.0, 3.9], [4.0], [9.0, 12.5]]


def canary_answers(deployment: Deployment) -> float:
    """Send ``publisher.canary`` through the broker; seconds until a worker answered "ok"."""
    code = (
        "import sys, time\n"
        "from publisher.entrypoints.celery_app import make_celery, TASK_CANARY, QUEUE\n"
        "from publisher.settings import Settings\n"
        "app = make_celery(Settings.from_env())\n"
        "start = time.monotonic()\n"
        "answer = app.send_task(TASK_CANARY, queue=QUEUE).get(timeout=10)\n"
        "print(answer, time.monotonic() - start)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"the canary got no answer: {done.stdout}{done.stderr}"
    answer, seconds = done.stdout.split()
    assert answer == "ok"
    return float(seconds)


def test_posts_wait_for_the_reset_and_all_go_out(
    postgres_databases: PostgresDatabases,
    redis_server: RedisServer,
    redis_url: str,
    make_deployment: Any,
    processes: Processes,
    fake_x: Any,
) -> None:
    from publisher import services

    with fake_x.lock:
        fake_x.config.window_limit = LIMIT
        fake_x.config.window_seconds = WINDOW
    deployment: Deployment = make_deployment(
        postgres_databases.create(), redis_url, **fake_x.environment()
    )
    workers = [processes.worker(f"worker{i}", deployment.env) for i in (1, 2)]
    processes.beat(deployment.env)
    for worker in workers:
        wait_until(lambda w=worker: worker_ready(w), timeout=60, what=f"{worker.name} ready")

    appeals = [make_appeal(n, run="limit") for n in range(THREADS)]
    x_ids = []
    for appeal in appeals:
        import_approved(deployment.store, appeal)
        x_ids += services.publish_now(deployment.store, deployment.registry(), appeal.id, ["x"])
    started = time.monotonic()

    # Watch the ledger: every time a delivery is sent back to wait, note until when.
    waits: dict[tuple[int, int], datetime] = {}
    text_latency: float | None = None
    canary_seconds: float | None = None
    deadline = started + 90
    while True:
        rows = {row.id: row for row in deployment.rows()}
        for delivery_id in x_ids:
            row = rows[delivery_id]
            key = (delivery_id, row.attempts)
            if row.state == "scheduled" and row.next_attempt_at is not None and key not in waits:
                waits[key] = row.next_attempt_at
                # The latest reset X can have announced so far: fail now, not after minutes.
                posted = windows_of([float(post["created_at"]) for post in fake_x.posts])
                latest_reset = math.ceil(posted[-1][0] + WINDOW) if posted else math.inf
                if row.next_attempt_at.timestamp() > latest_reset + 1.0:
                    pytest.fail(
                        f"delivery {delivery_id} (attempt {row.attempts}) was sent back to wait "
                        f"until {row.next_attempt_at.isoformat()}, but X's limit resets at "
                        f"{datetime.fromtimestamp(latest_reset, UTC).isoformat()}: the post "
                        f"waits longer than X asked ({row.last_error})"
                    )
        waiting_now = [
            rows[i]
            for i in x_ids
            if rows[i].state == "scheduled"
            and rows[i].next_attempt_at is not None
            and rows[i].next_attempt_at > datetime.now(UTC)
        ]
        if waiting_now and text_latency is None:
            # Posts are waiting for X's reset: the workers must still serve everything else.
            canary_seconds = canary_answers(deployment)
            other = make_appeal(100, run="limit", prefix="Unrelated appeal")
            import_approved(deployment.store, other)
            (text_id,) = services.publish_now(
                deployment.store, deployment.registry(), other.id, ["text"]
            )
            asked = time.monotonic()
            wait_until(
                lambda t=text_id: {r.id: r.state for r in deployment.rows()}[t] == "published",
                timeout=10,
                interval=0.05,
                what="a text delivery to be published while X posts wait for the reset",
            )
            text_latency = time.monotonic() - asked
        if all(rows[i].state not in ("scheduled", "claimed", "sending") for i in x_ids):
            break
        if time.monotonic() > deadline:
            pending = [
                (r.id, r.state, r.attempts, r.next_attempt_at, r.last_error)
                for r in rows.values()
                if r.state in ("scheduled", "claimed", "sending")
            ]
            pytest.fail(
                f"x deliveries still pending after 90 s at {datetime.now(UTC)}: {pending}; "
                f"waits seen: {waits}"
            )
        processes.check_alive()
        time.sleep(0.1)
    elapsed = time.monotonic() - started

    rows = {row.id: row for row in deployment.rows()}
    states = Counter(rows[i].state for i in x_ids)
    assert states == {"published": THREADS}, f"dropped or stuck: {dict(states)}"

    posts = fake_x.posts
    texts = Counter(post["text"] for post in posts)
    assert all(n == 1 for n in texts.values()), "a post was accepted twice"
    assert len(posts) == 2 * THREADS
    accepted_ids = {post["id"] for post in posts}
    for delivery_id in x_ids:
        remote = rows[delivery_id].remote_id
        assert remote is not None
        assert set(remote.split(",")) <= accepted_ids

    # The fake never accepted more than LIMIT posts in one window ...
    windows = windows_of([float(post["created_at"]) for post in posts])
    assert all(len(window) <= LIMIT for window in windows), windows
    assert len(windows) >= math.ceil(2 * THREADS / LIMIT)
    # ... so some deliveries had to wait, and each waited until a reset X announced.
    assert waits, "no delivery was ever sent back to wait: the limit was never reached"
    resets = [math.ceil(window[0] + WINDOW) for window in windows]
    for (delivery_id, attempts), until in waits.items():
        epoch = until.timestamp()
        assert any(abs(epoch - reset) <= 1.0 for reset in resets), (
            f"delivery {delivery_id} (attempt {attempts}) waits until {until.isoformat()}, "
            f"not until one of X's resets {resets}"
        )

    # No worker was blocked while posts waited.
    assert text_latency is not None and canary_seconds is not None
    assert text_latency < 5.0, f"a text delivery took {text_latency:.1f}s while posts waited"
    assert canary_seconds < 5.0
    print(
        json.dumps(
            {
                "x_deliveries": THREADS,
                "posts": len(posts),
                "windows": [len(w) for w in windows],
                "waits": len(waits),
                "drained_in_s": round(elapsed, 1),
                "text_latency_s": round(text_latency, 2),
                "canary_s": round(canary_seconds, 2),
            }
        )
    )
