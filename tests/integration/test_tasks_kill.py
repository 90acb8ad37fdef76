"""SIGKILL a worker on the embedded (filesystem) broker in the middle of work: nothing is lost.

The filesystem broker forgets a message once a worker has taken it, so a killed worker's
messages are gone; the ledger still says "claimed" or "sending", and the reconciler hands those
deliveries back (file channels are idempotent, so a cut-short publication simply runs again).
"""

from __future__ import annotations

import signal
from pathlib import Path
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


def test_killed_worker_loses_nothing_on_the_embedded_broker(
    make_deployment: Any, processes: Processes, tmp_path: Path
) -> None:
    from publisher import services
    from publisher.bootstrap import build_registry

    data = tmp_path / "embedded"
    deployment: Deployment = make_deployment(
        f"sqlite:///{data / 'publisher.db'}", f"filesystem://{data / 'broker'}"
    )
    # A web publication is over in some 10 ms (each renders the whole site), one every quarter
    # second (the filesystem broker's poll): enough of them that one is seen while it runs.
    appeals = [make_appeal(n, run="kill") for n in range(12)]
    for appeal in appeals:
        import_approved(deployment.store, appeal)
    worker = processes.worker("worker", deployment.env, concurrency=1)
    beat = processes.beat(deployment.env)
    wait_until(lambda: worker_ready(worker), timeout=30, what="the worker to be ready")

    ids = [
        i
        for appeal in appeals
        for i in services.publish_now(
            deployment.store, deployment.registry(), appeal.id, ["web", "text"]
        )
    ]

    def sending(channel: str | None = None) -> list[int]:
        return [
            row.id
            for row in deployment.rows()
            if row.state == "sending" and channel in (None, row.channel)
        ]

    # A web publication renders the whole site (the slowest kind): kill the worker during one.
    wait_until(lambda: sending("web"), timeout=30, interval=0.005, what="a web publication")
    worker.kill(signal.SIGKILL)  # the worker and its pool process, mid-publication
    cut_short = sending()
    assert cut_short, "the publication finished before the kill landed"
    worker.start()
    wait_until(lambda: worker_ready(worker), timeout=30, what="the worker to be ready again")

    def settled() -> bool:
        processes.check_alive(worker, beat)
        states = {row.id: row.state for row in deployment.rows()}
        return all(states[i] in ("published", "failed", "unknown") for i in ids)

    wait_until(settled, timeout=40, what="every delivery to settle after the kill")
    states = {row.id: row.state for row in deployment.rows()}
    assert {states[i] for i in ids} == {"published"}, states
    # What was being published when the worker died ran again: the reconciler re-ran it.
    attempts = {row.id: row.attempts for row in deployment.rows()}
    assert all(attempts[i] >= 2 for i in cut_short), attempts

    registry = build_registry(deployment.settings())
    for appeal in appeals:
        for channel in ("web", "text"):
            for output in registry.get(channel).render(appeal, registry.context).files:
                assert (deployment.output_dir / output.path).is_file(), output.path
