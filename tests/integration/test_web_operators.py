"""The operators' console, health and metrics, for real: ``publisher web`` under uvicorn on a
temporary SQLite store, ledger rows made through the services (a fake "x" channel scripted to
fail, and the real web and text channels), httpx against it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from publisher import services
from publisher.bootstrap import App, bootstrap
from publisher.errors import AmbiguousPublishError, PermanentPublishError
from publisher.settings import Settings
from publisher.testing import FakeChannel
from tests.integration.conftest import Processes, free_port, wait_until, worker_ready
from tests.integration.db_fixtures import sample_appeal
from tests.integration.test_web_app import WebApp, csrf_of, sign_in, web
from tests.support.approving import import_approved

__all__ = ["web"]  # the fixture, imported from the web app's tests

pytestmark = pytest.mark.integration

APPEAL = "operators-appeal"
ERROR_TEXT = "X refused the post: <duplicate content> (code 187), see https://x.example/e"


@pytest.fixture()
def ledger(web: WebApp) -> Iterator[dict[str, Any]]:
    """Four x deliveries a day ago (failed, failed, unknown, unknown), one web delivery a day
    ago (published 4 minutes late) and one text delivery published just now."""
    fake = FakeChannel(
        "x",
        False,
        outcomes=[
            PermanentPublishError(ERROR_TEXT),
            PermanentPublishError("second refusal"),
            AmbiguousPublishError("the connection dropped after sending"),
            AmbiguousPublishError("timed out"),
        ],
        posts=True,
    )
    app: App = bootstrap(Settings.from_env(web.env), extra={"x": lambda s: fake})
    store, registry = app.store, app.registry
    t0 = (datetime.now(UTC) - timedelta(days=1)).replace(second=0, microsecond=0)
    import_approved(store, sample_appeal(APPEAL), now=t0)
    x_ids = services.schedule(
        store,
        registry,
        APPEAL,
        ["x"],
        [t0 + timedelta(minutes=m) for m in (1, 2, 3, 4)],
        campaign="spring",
        now=t0,
    )
    (web_id,) = services.schedule(
        store, registry, APPEAL, ["web"], [t0 + timedelta(minutes=1)], now=t0
    )
    later = t0 + timedelta(minutes=5)
    for delivery in sorted(services.dispatch_due(store, now=later)):
        services.publish_delivery(store, registry, delivery, now=later)
    (text_id,) = services.publish_now(store, registry, APPEAL, ["text"])
    for delivery in services.dispatch_due(store, now=datetime.now(UTC)):
        services.publish_delivery(store, registry, delivery)
    states = {v.id: v.state for v in services.list_deliveries(store)}
    assert [states[i] for i in x_ids] == ["failed", "failed", "unknown", "unknown"], states
    assert states[web_id] == states[text_id] == "published"
    web.add_user("olive", "operator")
    web.add_user("alex", "author")
    try:
        yield {"app": app, "x": x_ids, "web": web_id, "text": text_id, "t0": t0}
    finally:
        app.close()


def _ids(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/deliveries/(\d+)"', page)}


def _state(ledger: dict[str, Any], delivery_id: int) -> str:
    return services.delivery_detail(ledger["app"].store, delivery_id).delivery.state


def _metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_table_filters_by_state_channel_appeal_campaign_and_dates(
    web: WebApp, ledger: dict[str, Any]
) -> None:
    x, everything = ledger["x"], {*ledger["x"], ledger["web"], ledger["text"]}
    with web.client() as client:
        assert sign_in(client, "olive").status_code == 303
        page = client.get("/deliveries")
        assert page.status_code == 200
        assert _ids(page.text) == everything
        assert re.search(r"\d\d:\d\d:\d\d \d\d/\d\d/\d{4} (GMT|BST)", page.text)
        assert _ids(client.get("/deliveries", params={"state": "failed"}).text) == set(x[:2])
        assert _ids(client.get("/deliveries", params={"channel": "web"}).text) == {ledger["web"]}
        assert _ids(client.get("/deliveries", params={"campaign": "spring"}).text) == set(x)
        assert _ids(client.get("/deliveries", params={"appeal": APPEAL}).text) == everything
        assert _ids(client.get("/deliveries", params={"appeal": "nothing"}).text) == set()
        day = ledger["t0"].astimezone().date()
        today = datetime.now(UTC).date() + timedelta(days=1)
        yesterday = client.get("/deliveries", params={"due_to": str(day)})
        assert _ids(yesterday.text) <= set(x) | {ledger["web"]}
        assert ledger["text"] in _ids(client.get("/deliveries", params={"due_to": str(today)}).text)
        later = client.get("/deliveries", params={"due_from": str(today + timedelta(days=1))})
        assert _ids(later.text) == set()
        assert "No deliveries match" in later.text
        wrong = client.get("/deliveries", params={"due_from": "yesterday"})
        assert wrong.status_code == 422
        assert "govuk-error-summary" in wrong.text and 'href="#due_from"' in wrong.text


def test_detail_shows_every_attempt_the_error_and_the_audit_trail(
    web: WebApp, ledger: dict[str, Any]
) -> None:
    failed = ledger["x"][0]
    with web.client() as client:
        sign_in(client, "olive")
        page = client.get(f"/deliveries/{failed}")
        assert page.status_code == 200
        assert "X refused the post: &lt;duplicate content&gt; (code 187)" in page.text
        assert "<duplicate content>" not in page.text
        assert "permanent" in page.text
        assert "Audit trail" in page.text and "reconciler" not in page.text
        assert f'href="/deliveries/{failed}/retry"' in page.text
        published = client.get(f"/deliveries/{ledger['web']}")
        assert "Nothing can be done to a delivery that is published" in published.text
        assert client.get("/deliveries/999999").status_code == 404


def test_actions_need_the_operator_role_and_the_csrf_token(
    web: WebApp, ledger: dict[str, Any]
) -> None:
    failed = ledger["x"][0]
    with web.client() as author:
        sign_in(author, "alex")
        token = csrf_of(author.get("/account/password").text)
        for path in ("/operations", "/deliveries", f"/deliveries/{failed}", "/metrics"):
            if path != "/metrics":
                assert author.get(path).status_code == 403, path
        for path in (f"/deliveries/{failed}/retry", "/deliveries/retry-failed"):
            assert author.post(path, data={"csrf_token": token}).status_code == 403
    with web.client() as client:
        sign_in(client, "olive")
        assert client.post(f"/deliveries/{failed}/retry", data={}).status_code == 403
        assert (
            client.post(f"/deliveries/{failed}/retry", data={"csrf_token": "forged"}).status_code
            == 403
        )
    assert _state(ledger, failed) == "failed"


def test_retry_cancel_confirm_and_bulk_retry(web: WebApp, ledger: dict[str, Any]) -> None:
    first, second, unknown, other = ledger["x"]
    with web.client() as client:
        sign_in(client, "olive")
        form = client.get(f"/deliveries/{first}/retry")
        assert form.status_code == 200 and "Retry delivery" in form.text
        csrf = csrf_of(form.text)
        done = client.post(f"/deliveries/{first}/retry", data={"csrf_token": csrf})
        assert done.status_code == 303 and done.headers["location"] == f"/deliveries/{first}"
        assert _state(ledger, first) == "scheduled"
        again = client.post(f"/deliveries/{first}/retry", data={"csrf_token": csrf})
        assert again.status_code == 409
        assert "govuk-error-summary" in again.text and "is scheduled" in again.text
        detail = client.get(f"/deliveries/{first}").text
        assert "olive" in detail and "retry" in detail

        cancelled = client.post(f"/deliveries/{first}/cancel-delivery", data={"csrf_token": csrf})
        assert cancelled.status_code == 303, cancelled.text
        assert _state(ledger, first) == "cancelled"

        bulk = client.get("/deliveries/retry-failed")
        assert f'href="/deliveries/{second}"' in bulk.text
        result = client.post("/deliveries/retry-failed", data={"csrf_token": csrf})
        assert result.status_code == 200 and "1 delivery was scheduled again" in result.text
        assert _state(ledger, second) == "scheduled"

        path = f"/deliveries/{unknown}/confirm"
        assert "Was it published?" in client.get(path).text
        nothing = client.post(path, data={"csrf_token": csrf})
        assert nothing.status_code == 422 and "govuk-error-summary" in nothing.text
        no_link = client.post(path, data={"csrf_token": csrf, "answer": "published"})
        assert no_link.status_code == 422
        hostile = client.post(
            path,
            data={"csrf_token": csrf, "answer": "published", "remote_url": "javascript:alert(1)"},
        )
        assert hostile.status_code == 422
        both = client.post(
            path, data={"csrf_token": csrf, "answer": "not-published", "remote_id": "123"}
        )
        assert both.status_code == 422
        url = "https://x.example/police/status/4242"
        yes = client.post(
            path,
            data={
                "csrf_token": csrf,
                "answer": "published",
                "remote_url": url,
                "remote_id": "4242",
            },
        )
        assert yes.status_code == 303
        assert _state(ledger, unknown) == "published"
        assert f'<a class="govuk-link" href="{url}"' in client.get(f"/deliveries/{unknown}").text

        no = client.post(
            f"/deliveries/{other}/confirm", data={"csrf_token": csrf, "answer": "not-published"}
        )
        assert no.status_code == 303
        assert _state(ledger, other) == "scheduled"
        late = client.post(
            f"/deliveries/{other}/confirm", data={"csrf_token": csrf, "answer": "not-published"}
        )
        assert late.status_code == 409 and "govuk-error-summary" in late.text

        enable = client.get("/channels/x/default/enable")
        assert enable.status_code == 200
        enabled = client.post("/channels/x/default/enable", data={"csrf_token": csrf})
        assert enabled.status_code == 303
        assert "is enabled again" in client.get(enabled.headers["location"]).text


def test_dashboard_and_its_json(web: WebApp, ledger: dict[str, Any]) -> None:
    with web.client() as client:
        sign_in(client, "olive")
        page = client.get("/operations")
        assert page.status_code == 200
        assert '<script type="module" src="/static/operations.js"></script>' in page.text
        # unknown first, then failed
        order = [int(n) for n in re.findall(r'href="/deliveries/(\d+)">Delivery', page.text)]
        assert order[:4] == [*ledger["x"][2:], *ledger["x"][:2]]
        data = client.get("/operations/status.json").json()
        assert data["attention"] == 4
        assert data["totals"]["failed"] == 2 and data["totals"]["published"] == 2
        assert data["counts"]["unknown/x"] == 2
        assert data["published_last_hour"] == 2
        assert data["last_tick"] == "never"
        assert client.get("/static/operations.js").status_code == 200


def test_metrics_need_an_operator_token_and_count_the_ledger(
    web: WebApp, ledger: dict[str, Any], processes: Processes
) -> None:
    olive, alex = web.token("olive"), web.token("alex")
    with web.client() as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert (
            client.get("/metrics", headers={"Authorization": f"Bearer {alex}"}).status_code == 403
        )
        response = client.get("/metrics", headers={"Authorization": f"Bearer {olive}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    values = _metrics(response.text)

    def value(name: str, **labels: str) -> float:
        return values[(name, tuple(sorted(labels.items())))]

    assert value("publisher_deliveries", state="failed", channel="x") == 2
    assert value("publisher_deliveries", state="unknown", channel="x") == 2
    assert value("publisher_deliveries", state="published", channel="web") == 1
    assert value("publisher_deliveries", state="published", channel="text") == 1
    assert value("publisher_deliveries", state="scheduled", channel="web") == 0
    assert value("publisher_attempts_total", channel="x", outcome="permanent") == 2
    assert value("publisher_attempts_total", channel="x", outcome="ambiguous") == 2
    # published in the last hour: text at once, web a day late (its due time was yesterday)
    assert value("publisher_delivery_lateness_seconds_count") == 2
    assert value("publisher_delivery_lateness_seconds_bucket", le="60.0") == 1
    assert value("publisher_delivery_lateness_seconds_bucket", le="3600.0") == 1
    assert value("publisher_delivery_lateness_seconds_bucket", le="+Inf") == 2
    assert value("publisher_channel_disabled", channel="x") == 0
    assert not any(name == "publisher_dispatcher_last_tick_timestamp_seconds" for name, _ in values)

    tick = datetime.now(UTC).replace(microsecond=0)
    services.record_heartbeat(ledger["app"].store, services.DISPATCHER_HEARTBEAT, now=tick)
    # A second web process on the same database gives the same ledger figures.
    port = free_port()
    second = processes.publisher("web2", "web", "--port", str(port), env=web.env)
    url = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        processes.check_alive(second)
        try:
            return httpx.get(url + "healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, timeout=30, what="the second publisher web")
    scraped = [
        _metrics(httpx.get(base + "metrics", headers={"Authorization": f"Bearer {olive}"}).text)
        for base in (web.url, url)
    ]
    ledger_only = [
        {
            k: v
            for k, v in s.items()
            if k[0]
            not in ("publisher_workers_alive", "publisher_queue_depth", "publisher_broker_up")
        }
        for s in scraped
    ]
    assert ledger_only[0] == ledger_only[1]
    assert ledger_only[0][("publisher_dispatcher_last_tick_timestamp_seconds", ())] == (
        tick.timestamp()
    )


def test_readyz_needs_a_tick_and_a_worker(web: WebApp, processes: Processes) -> None:
    with web.client() as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["dispatcher"] == "never ticked"
        app = bootstrap(Settings.from_env(web.env))
        try:
            services.record_heartbeat(app.store, services.DISPATCHER_HEARTBEAT)
            worker = processes.worker("worker", web.env, concurrency=1)
            wait_until(lambda: worker_ready(worker), timeout=60, what="the worker to be ready")

            def ready() -> bool:
                processes.check_alive(worker)
                services.record_heartbeat(app.store, services.DISPATCHER_HEARTBEAT)
                return client.get("/readyz").status_code == 200

            wait_until(ready, timeout=60, interval=1, what="/readyz to answer 200")
        finally:
            app.close()
        assert client.get("/readyz").json() == {
            "status": "ok",
            "checks": {"database": "ok", "dispatcher": "ok", "workers": "ok"},
        }


def test_the_dashboard_shows_the_alerts_that_could_not_be_delivered(
    web: WebApp, ledger: dict[str, Any]
) -> None:
    from publisher.domain.alerts import WebhookAnswer
    from publisher.services import alerts

    class Refusing:
        """A receiver that answers 503 to everything."""

        where = "https://alerts.example"
        timeout = 1.0

        def send(self, *, alert_id: str, event: str, body: bytes) -> WebhookAnswer:
            return WebhookAnswer(False, status=503, error=f"HTTP 503 from {self.where}")

    store = ledger["app"].store
    policy = alerts.AlertPolicy(max_attempts=1)
    run = alerts.deliver_alerts(store, Refusing(), policy)
    assert len(run.gave_up) == 4  # two failed, two unknown: one alert each
    with web.client() as client:
        sign_in(client, "olive")
        page = client.get("/operations")
        assert page.status_code == 200
        assert "Alerts not delivered" in page.text
        assert "No alert webhook is set" in page.text  # this web app has no ALERT_WEBHOOK_URL
        assert page.text.count("HTTP 503 from https://alerts.example") == 4
        assert page.text.count("Given up") == 4
        for delivery in ledger["x"]:
            link = f'<a class="govuk-link" href="/deliveries/{delivery}">Delivery {delivery}</a>'
            assert f"{link}, x" in page.text
        data = client.get("/operations/status.json").json()
        assert (data["status"], data["undelivered_alerts"]) == ("down", 4)  # no tick, no worker
        detail = client.get(f"/deliveries/{ledger['x'][2]}").text
        assert "delivery.unknown" in detail and "gave-up" in detail
        assert "No alert was raised" in client.get(f"/deliveries/{ledger['web']}").text
