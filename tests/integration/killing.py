"""The first half of every "no post twice across a worker SIGKILL" test: a real worker and beat
on an embedded deployment, one appeal published to one social channel, the worker killed while
the platform's fake holds its answer, and the lapsed lease turned ``unknown``. What comes next
(starting the worker again, a retry, a confirmation) is each channel's own."""

from __future__ import annotations

import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher import services
from publisher.domain.record import Appeal
from tests.integration.conftest import Deployment, Processes, wait_until, worker_ready
from tests.support.approving import import_approved

__all__ = ["Killed", "kill_while_held"]


@dataclass
class Killed:
    deployment: Deployment
    delivery: int
    state: Callable[[], str]
    """The delivery's state now (checking that beat is still alive)."""
    restart: Callable[[], None]
    """Start the killed worker again and wait until it is ready."""


def kill_while_held(
    make_deployment: Any,
    processes: Processes,
    tmp_path: Path,
    *,
    environment: Mapping[str, str],
    appeal: Appeal,
    channel: str,
    hold: Callable[[], None],
    held: Callable[[], bool],
    what: str,
) -> Killed:
    """Publish ``appeal`` on ``channel`` through a real worker; once ``held()`` (the fake holds
    the answer ``hold()`` set up), SIGKILL the worker, wait for the delivery to be ``unknown``,
    and leave the worker down (:attr:`Killed.restart` starts it)."""
    data = tmp_path / "embedded"
    deployment: Deployment = make_deployment(
        f"sqlite:///{data / 'publisher.db'}",
        f"filesystem://{data / 'broker'}",
        **environment,
    )
    import_approved(deployment.store, appeal)
    worker = processes.worker("worker", deployment.env, concurrency=1)
    beat = processes.beat(deployment.env)
    wait_until(lambda: worker_ready(worker), timeout=30, what="the worker to be ready")

    hold()
    [delivery] = services.publish_now(deployment.store, deployment.registry(), appeal.id, [channel])
    wait_until(held, timeout=30, interval=0.05, what=what)
    [row] = [r for r in deployment.rows() if r.id == delivery]
    assert row.state == "sending"
    worker.kill(signal.SIGKILL)

    def state() -> str:
        processes.check_alive(beat)
        [row] = [r for r in deployment.rows() if r.id == delivery]
        return str(row.state)

    wait_until(lambda: state() == "unknown", timeout=30, what="the lapsed lease → unknown")

    def restart() -> None:
        worker.start()
        wait_until(lambda: worker_ready(worker), timeout=30, what="the worker to be ready again")

    return Killed(deployment, delivery, state, restart)
