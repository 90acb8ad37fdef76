"""A delivery due 30 days ahead lives in the database, not in the broker, and goes out once.

Celery's own ETA tasks would sit in a worker's memory for 30 days (lost on a restart) or be
redelivered by Redis after its visibility timeout (posted twice). Here nothing about the delivery
reaches the broker until it is due: the test restarts the worker, beat and Redis (SIGKILL, no
persistence) and checks the delivery is untouched in the database and absent from the broker.

Passing 30 days: there is no test clock in the processes, so the test moves the delivery's
``due_at`` into the past with one UPDATE on the deliveries table, which is exactly what the
passage of 30 days does to the condition ``due_at <= now`` the dispatcher claims by. Everything
else (claiming, enqueueing, publishing to the fake X server and to disk) runs for real.
"""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import (
    Deployment,
    PostgresDatabases,
    Processes,
    RedisServer,
    make_appeal,
    received_post_texts,
    wait_until,
    worker_ready,
)
from tests.support.approving import import_approved

pytestmark = pytest.mark.integration

THIRTY_DAYS = timedelta(days=30)


def broker_messages(redis: RedisServer) -> list[dict[str, Any]]:
    """Every Celery message Redis holds: queued (lists), delivered but unacknowledged
    (the ``unacked`` hash), and anything in sorted sets. Each as {task, args, eta}."""
    client = redis.client(0)
    found: list[dict[str, Any]] = []

    def decode(raw: bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if isinstance(message, list):  # unacked: [message, exchange, routing_key]
            message = message[0]
        if not isinstance(message, dict) or "headers" not in message:
            return
        headers = message["headers"]
        body = json.loads(base64.b64decode(message["body"]))
        found.append({"task": headers.get("task"), "args": body[0], "eta": headers.get("eta")})

    try:
        for key in client.scan_iter():
            kind = client.type(key)
            if kind == b"list":
                for raw in client.lrange(key, 0, -1):
                    decode(raw)
            elif kind == b"hash":
                for raw in client.hvals(key):
                    decode(raw)
            elif kind == b"zset":
                for raw in client.zrange(key, 0, -1):
                    decode(raw)
    finally:
        client.close()
    return found


def assert_not_in_broker(redis: RedisServer, deployment: Deployment, ids: list[int]) -> None:
    for message in broker_messages(redis):
        assert message["eta"] is None, f"the broker holds an ETA message: {message}"
        if message["task"] == "publisher.publish":
            assert not set(message["args"]) & set(ids), f"the broker holds {message}"
    # Nor does any worker hold an ETA task in memory (asked as an operator would).
    celery = [sys.executable, "-m", "celery", "--app", "publisher.entrypoints.celery_app:app"]
    done = subprocess.run(
        [*celery, "inspect", "scheduled", "--json", "--timeout", "3"],
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"celery inspect failed: {done.stdout}{done.stderr}"
    replies = json.loads(done.stdout)
    assert replies, "no worker answered `celery inspect scheduled`"
    assert all(not tasks for tasks in replies.values()), replies


def test_delivery_30_days_ahead_survives_restarts_and_goes_out_once(
    postgres_databases: PostgresDatabases,
    restartable_redis: RedisServer,
    make_deployment: Any,
    processes: Processes,
    fake_x: Any,
) -> None:
    from sqlalchemy import update

    from publisher import services
    from publisher.store.models import DeliveryRow

    deployment: Deployment = make_deployment(
        postgres_databases.create(), restartable_redis.url(0), **fake_x.environment()
    )
    worker = processes.worker("worker", deployment.env)
    beat = processes.beat(deployment.env)
    wait_until(lambda: worker_ready(worker), timeout=60, what="the worker to be ready")

    far = make_appeal(1, run="far", prefix="Appeal in a month")
    import_approved(deployment.store, far)
    due = datetime.now(UTC) + THIRTY_DAYS
    far_ids = services.schedule(
        deployment.store, deployment.registry(), far.id, ["x", "text"], [due]
    )

    # A delivery due now proves the dispatcher and the worker are running meanwhile.
    live = make_appeal(2, run="far", prefix="Appeal today")
    import_approved(deployment.store, live)
    (live_id,) = services.publish_now(deployment.store, deployment.registry(), live.id, ["text"])

    def state(delivery_id: int) -> str:
        return str({row.id: row.state for row in deployment.rows()}[delivery_id])

    wait_until(lambda: state(live_id) == "published", timeout=60, what="the live delivery")
    assert_not_in_broker(restartable_redis, deployment, far_ids)

    # Restart everything, the hard way.
    worker.kill(signal.SIGKILL)
    beat.kill(signal.SIGKILL)
    restartable_redis.restart()
    restarted = datetime.now(UTC)
    worker.start()
    beat.start()
    wait_until(lambda: worker_ready(worker), timeout=60, what="the worker to be ready again")
    wait_until(
        lambda: (deployment.heartbeat() or restarted) > restarted + timedelta(seconds=1.5),
        timeout=60,
        what="the dispatcher to tick again after the restart",
    )
    rows = {row.id: row for row in deployment.rows()}
    for delivery_id in far_ids:
        row = rows[delivery_id]
        assert (row.state, row.attempts) == ("scheduled", 0)
        assert abs((row.due_at - due).total_seconds()) < 1e-3
    assert_not_in_broker(restartable_redis, deployment, far_ids)
    assert not any("Appeal in a month" in text for text in received_post_texts(fake_x))

    # 30 days pass (see the module docstring).
    with deployment.store.session() as session:
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(far_ids))
            .values(due_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    wait_until(
        lambda: all(state(i) == "published" for i in far_ids),
        timeout=60,
        what=f"the far deliveries to be published (now {deployment.counts()})",
    )
    time.sleep(3 * float(deployment.env["DISPATCH_INTERVAL"]) + 1)  # later ticks change nothing

    rows = {row.id: row for row in deployment.rows()}
    assert all(rows[i].state == "published" for i in far_ids)
    texts = Counter(received_post_texts(fake_x))
    ours = {text: n for text, n in texts.items() if "Appeal in a month" in text}
    assert list(ours.values()) == [1], f"the post went out {ours} times"
    (x_row,) = (rows[i] for i in far_ids if rows[i].channel == "x")
    posted = {post["id"]: post["text"] for post in fake_x.posts}
    assert x_row.remote_id is not None
    first_id = x_row.remote_id.split(",")[0]
    assert "Appeal in a month" in posted[first_id]
    (text_row,) = (rows[i] for i in far_ids if rows[i].channel == "text")
    assert text_row.published_at is not None
    written = list(deployment.output_dir.rglob("*.txt"))
    assert any("Appeal in a month" in path.read_text(encoding="utf-8") for path in written)
