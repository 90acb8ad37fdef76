"""Alert webhooks for real: a worker, beat (whose control queue carries the alert courier) and
Redis, a channel whose every send may or may not have gone out, and a local HTTP receiver.

- An ``unknown`` delivery makes ``publisher status`` exit 1 and fires exactly one signed
  webhook (the signature checked here as a receiver would), redacted, linking to the console.
- A receiver answering 500 then 200 gets the alert again, and holds it once delivered.
- A receiver that never answers delays neither the delivery's own state change, nor another
  delivery, nor the dispatcher's ticks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from publisher import services
from publisher.domain.alerts import (
    EVENT_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    verify_signature,
)
from publisher.store.models import AlertRow
from tests.integration.conftest import (
    Deployment,
    ManagedProcess,
    Processes,
    make_appeal,
    run_cli,
    wait_until,
    worker_ready,
)
from tests.support.ambiguous import ERROR
from tests.support.approving import import_approved
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration

SECRET = "shared-secret-for-the-alert-test"
X_KEY = "xk-Deployment-Key-7f3e2d1c"
CONSOLE = "https://console.example.police.uk/"


@pytest.fixture()
def receiver(request: pytest.FixtureRequest) -> Iterator[WebhookReceiver]:
    answers = getattr(request, "param", ())
    with WebhookReceiver(answers, hang_seconds=60) as made:
        yield made


def _deploy(make_deployment: Any, database_url: str, redis_url: str, url: str, **more: str) -> Any:
    return make_deployment(
        database_url,
        redis_url,
        ALERT_WEBHOOK_URL=url,
        ALERT_WEBHOOK_SECRET=SECRET,
        PUBLISHER_APP_URL=CONSOLE,
        PUBLISHER_EXTRA_CHANNELS="maybe=tests.support.ambiguous:ambiguous_channel",
        X_API_KEY=X_KEY,
        **more,
    )


def _start(processes: Processes, deployment: Deployment) -> tuple[ManagedProcess, ManagedProcess]:
    worker = processes.worker("worker", deployment.env, concurrency=2)
    beat = processes.beat(deployment.env)
    wait_until(lambda: worker_ready(worker), timeout=60, what="the worker to be ready")
    wait_until(deployment.heartbeat, timeout=60, what="the dispatcher's first tick")
    return worker, beat


def _publish(deployment: Deployment, channel: str, number: int) -> int:
    appeal = make_appeal(number, run="alerts")
    import_approved(deployment.store, appeal, registry=deployment.registry())
    [delivery] = services.publish_now(deployment.store, deployment.registry(), appeal.id, [channel])
    return delivery


def _state(deployment: Deployment, delivery: int) -> str:
    return {row.id: row.state for row in deployment.rows()}[delivery]


def _alert_rows(deployment: Deployment) -> list[AlertRow]:
    with deployment.store.session() as session:
        return list(session.scalars(select(AlertRow).order_by(AlertRow.id)))


def _settle(processes: Processes, seconds: float, *alive: ManagedProcess) -> None:
    """Let the courier run several more times (it runs every second here)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        processes.check_alive(*alive)
        time.sleep(0.25)


@pytest.mark.parametrize("db_kind", ["sqlite", "postgresql"])
def test_an_unknown_delivery_fires_one_signed_webhook_and_status_exits_1(
    db_kind: str,
    make_deployment: Any,
    processes: Processes,
    redis_url: str,
    receiver: WebhookReceiver,
    request: pytest.FixtureRequest,
    tmp_path: Any,
) -> None:
    if db_kind == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'alerts.db'}"
    else:
        database_url = request.getfixturevalue("postgres_databases").create()
    deployment = _deploy(make_deployment, database_url, redis_url, receiver.url)
    worker, beat = _start(processes, deployment)
    delivery = _publish(deployment, "maybe", 1)
    wait_until(
        lambda: _state(deployment, delivery) == "unknown",
        timeout=30,
        what="the delivery to become unknown",
    )
    wait_until(lambda: receiver.requests, timeout=30, what="the alert webhook")

    status = run_cli(["status", "--json"], deployment.env, check=False)
    assert status.returncode == 1, status.stdout + status.stderr
    report = json.loads(status.stdout)
    assert (report["status"], report["down"]) == ("attention", [])
    assert report["attention"][0].startswith("1 delivery(ies) unknown")

    _settle(processes, 4, worker, beat)
    (received,) = receiver.requests  # exactly one, however many times the courier ran
    assert received.path == "/hooks/publisher-alerts"
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert headers["content-type"] == "application/json"
    assert verify_signature(
        SECRET, headers[SIGNATURE_HEADER.lower()], received.body, now=time.time()
    )
    assert not verify_signature(
        SECRET, headers[SIGNATURE_HEADER.lower()], received.body + b" ", now=time.time()
    )
    payload = json.loads(received.body)
    assert headers[IDEMPOTENCY_HEADER.lower()] == payload["id"]
    assert headers[EVENT_HEADER.lower()] == "delivery.unknown"
    assert payload["type"] == "delivery.unknown"
    assert (payload["delivery_id"], payload["appeal_id"]) == (delivery, "alerts-0001")
    assert (payload["channel"], payload["target"], payload["state"]) == (
        "maybe",
        "default",
        "unknown",
    )
    assert payload["link"] == f"{CONSOLE}deliveries/{delivery}"
    assert ERROR in payload["error"]
    assert X_KEY not in received.body.decode() and "********" in payload["error"]
    (row,) = _alert_rows(deployment)
    assert (row.uid, row.status, row.attempts, row.last_status) == (
        payload["id"],
        "delivered",
        1,
        200,
    )
    # The worker's log never shows the key either (the error is logged there).
    assert X_KEY not in worker.log_text() and X_KEY not in beat.log_text()


@pytest.mark.parametrize("receiver", [[500, 200]], indirect=True)
def test_a_receiver_answering_500_then_200_gets_the_alert_again_and_once_only(
    make_deployment: Any,
    processes: Processes,
    redis_url: str,
    receiver: WebhookReceiver,
    tmp_path: Any,
) -> None:
    deployment = _deploy(
        make_deployment,
        f"sqlite:///{tmp_path / 'alerts.db'}",
        redis_url,
        receiver.url,
        ALERT_WEBHOOK_BACKOFF="1",
    )
    worker, beat = _start(processes, deployment)
    delivery = _publish(deployment, "maybe", 2)
    wait_until(lambda: len(receiver.requests) >= 2, timeout=45, what="the alert to be retried")
    _settle(processes, 4, worker, beat)
    first, second = receiver.requests
    assert (first.answer, second.answer) == (500, 200)
    assert first.body == second.body  # the same alert, byte for byte
    assert first.headers[IDEMPOTENCY_HEADER] == second.headers[IDEMPOTENCY_HEADER]
    assert second.at - first.at >= 1  # after its backoff
    for each in (first, second):
        assert verify_signature(SECRET, each.headers[SIGNATURE_HEADER], each.body, now=time.time())
    (row,) = _alert_rows(deployment)
    assert (row.status, row.attempts, row.delivery_id) == ("delivered", 2, delivery)
    assert row.last_error is None
    # The failed try was logged, naming the receiver's host only; never the secret or the path.
    logs = beat.log_text()
    assert "try 1 failed (HTTP 500 from http://127.0.0.1:" in logs
    assert SECRET not in logs and "/hooks/publisher-alerts" not in logs


@pytest.mark.parametrize("receiver", [["hang"]], indirect=True)
def test_a_receiver_that_never_answers_delays_no_send_and_no_tick(
    make_deployment: Any,
    processes: Processes,
    redis_url: str,
    receiver: WebhookReceiver,
    tmp_path: Any,
) -> None:
    deployment = _deploy(
        make_deployment,
        f"sqlite:///{tmp_path / 'alerts.db'}",
        redis_url,
        receiver.url,
        ALERT_WEBHOOK_TIMEOUT="20",
    )
    worker, beat = _start(processes, deployment)
    started = time.monotonic()
    delivery = _publish(deployment, "maybe", 3)
    wait_until(
        lambda: _state(deployment, delivery) == "unknown",
        timeout=15,
        what="the delivery to become unknown, however long the receiver takes",
    )
    unknown_after = time.monotonic() - started
    wait_until(lambda: receiver.requests, timeout=15, what="the alert webhook to be called")
    hung_at = time.monotonic()
    # While the receiver hangs (for up to 20 s here): another delivery goes out, and the
    # dispatcher keeps ticking on the queue the courier was started from.
    other = _publish(deployment, "text", 4)
    wait_until(
        lambda: _state(deployment, other) == "published",
        timeout=10,
        what="another delivery to be published while the receiver hangs",
    )
    tick = deployment.heartbeat()
    assert tick is not None
    _settle(processes, 2, worker, beat)
    assert deployment.heartbeat() > tick  # it ticked again
    status = services.system_status(deployment.store, dispatch_interval=0.5)
    assert not status.down, status.down
    assert time.monotonic() - hung_at < 20, "the receiver's hang ended before the checks"
    assert len(receiver.requests) == 1  # still that one try, still unanswered
    (row,) = _alert_rows(deployment)
    assert (row.status, row.attempts, row.delivered_at) == ("pending", 1, None)
    assert unknown_after < 15
