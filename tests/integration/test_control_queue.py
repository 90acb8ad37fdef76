"""The dispatcher and the reconciler are never starved by busy senders: they run on their own
queue, in the worker inside ``publisher beat``, with real processes on both brokers."""

from __future__ import annotations

import itertools
import time
from datetime import datetime
from typing import Any

import pytest

from tests.integration.conftest import (
    Deployment,
    Processes,
    make_appeal,
    wait_until,
    worker_ready,
)
from tests.support.approving import import_approved

pytestmark = pytest.mark.integration

SLOW = "slow=tests.support.slowchannel:slow_channel"


@pytest.mark.parametrize("broker", ["embedded", "redis"])
def test_ticks_go_on_while_every_worker_slot_is_sending(
    broker: str, make_deployment: Any, processes: Processes, request: pytest.FixtureRequest
) -> None:
    from publisher import services

    if broker == "redis":
        broker_url = request.getfixturevalue("redis_url")
        database_url = request.getfixturevalue("postgres_databases").create()
    else:
        data = request.getfixturevalue("tmp_path") / "embedded"
        broker_url, database_url = f"filesystem://{data / 'broker'}", f"sqlite:///{data / 'db'}"
    deployment: Deployment = make_deployment(
        database_url,
        broker_url,
        PUBLISHER_EXTRA_CHANNELS=SLOW,
        SLOW_CHANNEL_SECONDS="8",
        SENDING_TIMEOUT="30",
    )
    worker = processes.worker("worker", deployment.env, concurrency=1)
    beat = processes.beat(deployment.env)
    wait_until(lambda: worker_ready(worker), timeout=60, what="the worker to be ready")
    for number in range(2):  # two slow sends for a worker with one slot: 16 s of sending
        appeal = make_appeal(number, run="starve")
        import_approved(deployment.store, appeal)
        services.publish_now(deployment.store, deployment.registry(), appeal.id, ["slow"])

    def sending() -> bool:
        return any(row.state == "sending" for row in deployment.rows())

    wait_until(sending, timeout=30, interval=0.1, what="a slow send to start")
    seen: list[datetime] = []
    stop = time.monotonic() + 6
    while time.monotonic() < stop:  # the worker's only slot is busy all this time
        processes.check_alive(worker, beat)
        assert sending(), "the send ended early: the test proves nothing"
        tick = deployment.heartbeat()
        if tick is not None and (not seen or tick != seen[-1]):
            seen.append(tick)
        time.sleep(0.2)
    # DISPATCH_INTERVAL is 0.5 s: in 6 s the dispatcher ticked again and again, never waiting
    # for the busy slot.
    assert len(seen) >= 5, seen
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(seen)]
    assert max(gaps) < 3, gaps
