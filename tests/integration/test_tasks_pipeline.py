"""Real worker and beat processes publish what the ledger says is due (no eager mode anywhere).

Each test starts ``publisher worker`` and ``publisher beat`` as subprocesses against a temporary
SQLite database and output folder; beat enqueues the dispatcher, the worker runs it, the
dispatcher enqueues one publish task per due delivery, and the worker publishes them.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import (
    Deployment,
    ManagedProcess,
    Processes,
    run_cli,
    wait_until,
    worker_ready,
)
from tests.support.approving import import_approved

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"


def _sample() -> Any:
    from publisher.domain.record import Appeal

    return Appeal.from_json(SAMPLE.read_text(encoding="utf-8"))


def _states(deployment: Deployment) -> dict[int, str]:
    return {row.id: row.state for row in deployment.rows()}


def _all_published(deployment: Deployment, ids: list[int]) -> bool:
    states = _states(deployment)
    stuck = {i: states[i] for i in ids if states[i] in ("failed", "unknown", "cancelled")}
    assert not stuck, f"deliveries ended badly: {stuck}"
    return all(states[i] == "published" for i in ids)


def _stop_cleanly(*stopping: ManagedProcess) -> None:
    """SIGINT (Ctrl-C) to each leader only, as a terminal would; each must exit 0 by itself."""
    for process in stopping:
        assert process.proc is not None
        process.proc.send_signal(signal.SIGINT)
    for process in stopping:
        assert process.proc is not None
        assert process.proc.wait(timeout=30) == 0, process.log_text()[-4000:]


def _start(processes: Processes, deployment: Deployment) -> tuple[ManagedProcess, ManagedProcess]:
    worker = processes.worker("worker", deployment.env, concurrency=2)
    beat = processes.beat(deployment.env)
    wait_until(lambda: worker_ready(worker), timeout=30, what="the worker to be ready")
    wait_until(deployment.heartbeat, timeout=30, what="the dispatcher's first tick")
    return worker, beat


def _check_outputs(
    deployment: Deployment, appeal: Any, channels: tuple[str, ...] = ("web", "text")
) -> None:
    """The files are in OUTPUT_DIR; the X post is in the dry-run outbox."""
    from publisher.bootstrap import build_registry

    registry = build_registry(deployment.settings())
    for channel in channels:
        rendition = registry.get(channel).render(appeal, registry.context)
        for output in rendition.files:
            path = deployment.output_dir / output.path
            assert path.is_file(), f"{channel}: {path} was not written"
    outbox = deployment.data_dir / "outbox" / "x.jsonl"
    assert outbox.is_file(), "the X post did not reach the dry-run outbox"
    posts = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    expected = [p.text for p in registry.get("x").render(appeal, registry.context).posts]
    assert [p["text"] for p in posts] == expected, "each post once, in thread order"
    assert {(p["appeal"], p["dry_run"]) for p in posts} == {(appeal.id, True)}


def test_worker_and_beat_publish_on_the_embedded_broker(
    make_deployment: Any, processes: Processes, tmp_path: Path
) -> None:
    from publisher import services

    data = tmp_path / "embedded"
    deployment: Deployment = make_deployment(
        f"sqlite:///{data / 'publisher.db'}", f"filesystem://{data / 'broker'}"
    )
    appeal = _sample()
    import_approved(deployment.store, appeal)

    # No dispatcher has ever ticked: status says so and exits 2 (down).
    unhealthy = run_cli(["status", "--timeout", "0.5"], deployment.env, check=False)
    assert unhealthy.returncode == 2, unhealthy.stdout + unhealthy.stderr
    assert "never ticked" in unhealthy.stdout

    worker, beat = _start(processes, deployment)
    ids = services.publish_now(
        deployment.store, deployment.registry(), appeal.id, ["web", "text", "x"]
    )
    wait_until(
        lambda: _all_published(deployment, ids), timeout=30, what="every delivery to be published"
    )
    _check_outputs(deployment, appeal)

    healthy = run_cli(["status"], deployment.env, check=False)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    listed = run_cli(["deliveries", "--json"], deployment.env)
    rows = json.loads(listed.stdout)
    assert {(r["id"], r["state"]) for r in rows} == {(i, "published") for i in ids}

    processes.check_alive(worker, beat)
    _stop_cleanly(beat, worker)


def test_worker_and_beat_publish_through_redis(
    make_deployment: Any, processes: Processes, redis_url: str, tmp_path: Path
) -> None:
    from publisher import services

    deployment: Deployment = make_deployment(f"sqlite:///{tmp_path / 'redis-run.db'}", redis_url)
    appeal = _sample()
    import_approved(deployment.store, appeal)
    worker, beat = _start(processes, deployment)
    ids = services.publish_now(deployment.store, deployment.registry(), appeal.id, ["text", "x"])
    wait_until(
        lambda: _all_published(deployment, ids), timeout=30, what="every delivery to be published"
    )
    _check_outputs(deployment, appeal, channels=("text",))

    status = run_cli(["status", "--json"], deployment.env, check=False)
    assert status.returncode == 0, status.stdout + status.stderr
    report = json.loads(status.stdout)
    assert report["broker"]["kind"] == "redis"
    assert report["broker"]["workers"] == 1

    processes.check_alive(worker, beat)
    _stop_cleanly(beat, worker)
