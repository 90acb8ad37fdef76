"""The operators' view of a live system, every part really started: PostgreSQL, Redis, two
worker processes, beat and ``publisher web``. The dashboard and ``/metrics`` follow a delivery
from scheduled through sending to published and count both workers; killing the workers makes
``/readyz`` answer 503 and ``publisher status`` exit 2."""

from __future__ import annotations

import signal
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import (
    Deployment,
    Processes,
    free_port,
    make_appeal,
    run_cli,
    wait_until,
    worker_ready,
)
from tests.integration.test_web_app import PASSWORD, csrf_of
from tests.support.approving import import_approved

pytestmark = pytest.mark.integration

SLOW = "slow=tests.support.slowchannel:slow_channel"


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _metrics(client: httpx.Client, token: str) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _state(metrics: Samples, state: str) -> float:
    return metrics.get(("publisher_deliveries", (("channel", "slow"), ("state", state))), 0.0)


def test_the_console_follows_a_delivery_and_sees_the_workers_go(
    make_deployment: Any,
    processes: Processes,
    redis_url: str,
    postgres_databases: Any,
) -> None:
    from publisher import services
    from publisher.services.accounts import add_user, issue_api_token

    deployment: Deployment = make_deployment(
        postgres_databases.create(),
        redis_url,
        PUBLISHER_EXTRA_CHANNELS=SLOW,
        SLOW_CHANNEL_SECONDS="6",
        SENDING_TIMEOUT="30",
    )
    add_user(deployment.store, "olu", ["operator"], password=PASSWORD)
    token = issue_api_token(deployment.store, "olu")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**deployment.env, "PUBLISHER_APP_URL": url}
    web = processes.publisher("web", "web", "--port", str(port), env=env)
    workers = [processes.worker(f"worker{n}", env, concurrency=1) for n in (1, 2)]
    beat = processes.beat(env)
    for worker in workers:
        wait_until(lambda w=worker: worker_ready(w), timeout=60, what="a worker to be ready")

    with httpx.Client(base_url=url, timeout=30, follow_redirects=False) as client:

        def up() -> bool:
            processes.check_alive(web)
            try:
                return client.get("/healthz").status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=60, what="publisher web to answer")
        form = client.get("/sign-in")
        signed = client.post(
            "/sign-in",
            data={"name": "olu", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert signed.status_code == 303

        wait_until(
            lambda: _metrics(client, token).get(("publisher_workers_alive", ())) == 2,
            timeout=60,
            interval=1,
            what="/metrics to count both workers",
        )
        appeal = make_appeal(1, run="console")
        import_approved(deployment.store, appeal)
        services.publish_now(deployment.store, deployment.registry(), appeal.id, ["slow"])
        seen: list[str] = []

        def moved_on() -> bool:
            processes.check_alive(beat, *workers)
            metrics = _metrics(client, token)
            for state in ("scheduled", "claimed", "sending", "published"):
                if _state(metrics, state) == 1 and (not seen or seen[-1] != state):
                    seen.append(state)
            data = client.get("/operations/status.json").json()
            return bool(seen) and seen[-1] == "published" and data["totals"]["published"] == 1

        wait_until(moved_on, timeout=90, interval=0.3, what="the delivery to be published")
        assert "sending" in seen, seen  # a 6 s send: the console saw it in flight
        assert seen.index("sending") < seen.index("published")
        metrics = _metrics(client, token)
        assert (
            metrics[("publisher_attempts_total", (("channel", "slow"), ("outcome", "published")))]
            == 1
        )
        assert client.get("/readyz").status_code == 200

        # Both workers die: not ready, and the command line says the system is down (exit 2).
        for worker in workers:
            worker.kill(signal.SIGKILL)
        wait_until(
            lambda: client.get("/readyz").status_code == 503,
            timeout=60,
            interval=1,
            what="/readyz to answer 503 without a worker",
        )
        body = client.get("/readyz").json()
        assert body["checks"]["workers"] != "ok", body
        status = run_cli(["status", "--json", "--timeout", "3"], env, check=False)
        assert status.returncode == 2, status.stdout + status.stderr
