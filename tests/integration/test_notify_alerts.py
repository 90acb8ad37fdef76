"""Email and SMS alerts end to end: the real web app (under uvicorn, in a thread of this process),
the real Notify client against tests.support.notifyfake, a real SQLite store and the ledger.

Sign up, receive the confirmation, confirm, publish an appeal for the area through the ledger,
receive the alert, unsubscribe, publish another, receive nothing more; the SMS fragment count
is the fake's (Notify's). And the refusals: no CSRF token, wrong role, a bad token.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from publisher import services
from publisher.bootstrap import App
from publisher.channels.notify import count
from publisher.services import accounts
from publisher.store import subscriptions as rows
from publisher.store.models import SubscriptionRow
from tests.integration.conftest import (
    Deployment,
    Processes,
    make_appeal,
    wait_until,
    worker_ready,
)
from tests.support import alertsapp
from tests.support.alertsapp import alerts_app, serving
from tests.support.approving import import_approved
from tests.support.notifyfake import FakeNotify

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture()
def fake() -> Iterator[FakeNotify]:
    with FakeNotify() as server:
        yield server


@pytest.fixture()
def app(fake: FakeNotify, tmp_path: Path) -> Iterator[App]:
    with alerts_app(fake, tmp_path) as wired:
        yield wired


@pytest.fixture()
def web(app: App) -> Iterator[None]:
    with serving(app):
        yield


def _publish(app: App, number: int) -> str:
    appeal = make_appeal(number, run="notify")
    import_approved(app.store, appeal, now=T0)
    [delivery] = services.publish_now(app.store, app.registry, appeal.id, ["notify"], now=T0)
    assert services.dispatch_due(app.store, now=T0) == [delivery]
    return services.publish_delivery(app.store, app.registry, delivery, now=T0)


def _subscriptions(app: App) -> int:
    with app.store.session(read_only=True) as session:
        return int(session.scalar(select(func.count(SubscriptionRow.id))) or 0)


def test_sign_up_confirm_alert_unsubscribe(app: App, fake: FakeNotify, web: None) -> None:
    import_approved(app.store, make_appeal(0, run="notify"), now=T0)  # the area exists
    with alertsapp.client(app) as client:
        for address in ("ann@example.org", "07400 123456"):
            form = client.get("/alerts/sign-up")
            assert form.status_code == 200 and "Example Shire" in form.text
            done = client.post(
                "/alerts/sign-up",
                data={
                    "address": address,
                    "area": "Example Shire",
                    "topic": "",
                    "csrf_token": alertsapp.csrf(form.text),
                },
            )
            assert done.status_code == 200 and "Check your email or phone" in done.text
        (mail,) = fake.messages_to("ann@example.org")
        (text,) = fake.messages_to("+447400123456")
        assert mail.reference is None  # confirmations are outside the ledger

        # Nothing before confirmation.
        assert _publish(app, 1) == "published"
        assert len(fake.received) == 2

        for message in (mail, text):
            link = alertsapp.link(app, message.body, "confirm")
            page = client.get(link)
            assert page.status_code == 200 and "Confirm alerts" in page.text
            confirmed = client.post(link, data={"csrf_token": alertsapp.csrf(page.text)})
            assert confirmed.status_code == 200 and "Your alerts are on" in confirmed.text

        assert _publish(app, 2) == "published"
        alert_mail = fake.messages_to("ann@example.org")[-1]
        alert_text = fake.messages_to("+447400123456")[-1]
        assert "Witness appeal 2" in alert_mail.body and alert_mail.reference
        assert "Witness appeal 2" in alert_text.body
        assert alert_text.fragments == count(alert_text.body).fragments
        assert alert_text.fragments is not None and alert_text.fragments >= 1

        # Following the unsubscribe link changes nothing; the button does.
        link = alertsapp.link(app, alert_mail.body, "unsubscribe")
        page = client.get(link)
        assert page.status_code == 200 and "Unsubscribe" in page.text
        assert _subscriptions(app) == 2
        gone = client.post(link, data={"csrf_token": alertsapp.csrf(page.text)})
        assert gone.status_code == 200 and "You are unsubscribed" in gone.text
        assert _subscriptions(app) == 1

        before = len(fake.messages_to("ann@example.org"))
        assert _publish(app, 3) == "published"
        assert len(fake.messages_to("ann@example.org")) == before  # nothing more
        assert "Witness appeal 3" in fake.messages_to("+447400123456")[-1].body


def test_the_refusals(app: App, fake: FakeNotify, web: None) -> None:
    import_approved(app.store, make_appeal(0, run="notify"), now=T0)
    accounts.add_user(app.store, "olive", ["operator"], password=PASSWORD)
    accounts.add_user(app.store, "alex", ["author"], password=PASSWORD)
    accounts.add_user(app.store, "ada", ["admin"], password=PASSWORD)
    with alertsapp.client(app) as client:
        # no CSRF token, or a wrong one
        no_token = client.post(
            "/alerts/sign-up", data={"address": "ann@example.org", "area": "Example Shire"}
        )
        assert no_token.status_code == 403
        client.get("/alerts/sign-up")
        wrong = client.post(
            "/alerts/sign-up",
            data={"address": "ann@example.org", "area": "Example Shire", "csrf_token": "x"},
        )
        assert wrong.status_code == 403
        assert fake.received == []
        # a bad address names the field
        form = client.get("/alerts/sign-up")
        bad = client.post(
            "/alerts/sign-up",
            data={
                "address": "0114 496 0000",
                "area": "Example Shire",
                "csrf_token": alertsapp.csrf(form.text),
            },
        )
        assert bad.status_code == 422 and 'href="#address"' in bad.text
        # a bad token
        page = client.get("/alerts/confirm/not-a-token")
        refused = client.post(
            "/alerts/confirm/not-a-token", data={"csrf_token": alertsapp.csrf(page.text)}
        )
        assert refused.status_code == 404
        assert "not subscribed" in client.get("/alerts/unsubscribe/not-a-token").text
        # the known address gets the same answer
        for _ in range(2):
            form = client.get("/alerts/sign-up")
            again = client.post(
                "/alerts/sign-up",
                data={
                    "address": "ann@example.org",
                    "area": "Example Shire",
                    "topic": "",
                    "csrf_token": alertsapp.csrf(form.text),
                },
            )
            assert again.status_code == 200 and "Check your email or phone" in again.text
        # counts for staff, addresses for admins only
        assert client.get("/alerts/subscribers").status_code == 303
        for name, status, sees in (("olive", 403, False), ("alex", 200, False), ("ada", 200, True)):
            client.cookies.clear()
            signin = client.get("/sign-in")
            client.post(
                "/sign-in",
                data={
                    "name": name,
                    "password": PASSWORD,
                    "csrf_token": alertsapp.csrf(signin.text),
                },
            )
            shown = client.get("/alerts/subscribers")
            assert shown.status_code == status, name
            assert ("ann@example.org" in shown.text) is sees, name


def test_sign_ups_are_rate_limited_per_address(app: App, fake: FakeNotify, web: None) -> None:
    import_approved(app.store, make_appeal(0, run="notify"), now=T0)
    with alertsapp.client(app) as client:
        statuses = []
        for number in range(7):
            form = client.get("/alerts/sign-up")
            statuses.append(
                client.post(
                    "/alerts/sign-up",
                    data={
                        "address": f"p{number}@example.org",
                        "area": "Example Shire",
                        "csrf_token": alertsapp.csrf(form.text),
                    },
                ).status_code
            )
        assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
        assert len(fake.received) == 5


def test_an_unanswered_alert_is_unknown_and_its_retry_sends_nothing_twice(
    app: App, fake: FakeNotify, web: None
) -> None:
    import_approved(app.store, make_appeal(0, run="notify"), now=T0)
    with alertsapp.client(app) as client:
        for address in ("ann@example.org", "bob@example.org", "07400 123456"):
            form = client.get("/alerts/sign-up")
            client.post(
                "/alerts/sign-up",
                data={
                    "address": address,
                    "area": "Example Shire",
                    "csrf_token": alertsapp.csrf(form.text),
                },
            )
        for message in list(fake.received):
            link = alertsapp.link(app, message.body, "confirm")
            client.post(link, data={"csrf_token": alertsapp.csrf(client.get(link).text)})
    confirmations = len(fake.received)
    appeal = make_appeal(5, run="notify")
    import_approved(app.store, appeal, now=T0)
    [delivery] = services.publish_now(app.store, app.registry, appeal.id, ["notify"], now=T0)
    assert services.dispatch_due(app.store, now=T0) == [delivery]
    # bob's email reaches Notify; the answer never comes back
    fake.fail_next("/v2/notifications/email", mode="accept-then-drop", after=1)
    assert services.publish_delivery(app.store, app.registry, delivery, now=T0) == "unknown"
    alerts = fake.received[confirmations:]
    assert sorted(m.to for m in alerts) == ["ann@example.org", "bob@example.org"]
    # never resent by itself; a person says "not published": the retry sends only the text
    assert services.dispatch_due(app.store, now=T0) == []
    assert services.confirm(app.store, delivery, published=False, now=T0) == "scheduled"
    assert services.dispatch_due(app.store, now=T0) == [delivery]
    assert services.publish_delivery(app.store, app.registry, delivery, now=T0) == "published"
    alerts = fake.received[confirmations:]
    assert sorted(m.to for m in alerts) == ["+447400123456", "ann@example.org", "bob@example.org"]


def test_no_alert_twice_across_a_worker_sigkill(
    make_deployment: Any, processes: Processes, fake: FakeNotify, tmp_path: Path
) -> None:
    """The worker is killed while Notify holds its answer to the second message (accepted;
    nobody knows). The lease lapses: unknown. An operator retries: Notify is asked for each
    message's reference and only the third is sent: everyone gets the alert once."""
    data = tmp_path / "embedded"
    deployment: Deployment = make_deployment(
        f"sqlite:///{data / 'publisher.db'}",
        f"filesystem://{data / 'broker'}",
        **fake.environment(),
    )
    appeal = make_appeal(6, run="notifykill")
    import_approved(deployment.store, appeal)
    addresses = [
        ("email", "ann@example.org"),
        ("email", "bob@example.org"),
        ("sms", "+447400123456"),
    ]
    with deployment.store.session() as session:
        for kind, address in addresses:
            made = rows.add(session, kind=kind, address=address, area=appeal.area, topic="", at=T0)
            assert made.token is not None
            rows.confirm(session, made.token, at=T0)
    worker = processes.worker("worker", deployment.env, concurrency=1)
    beat = processes.beat(deployment.env)
    wait_until(lambda: worker_ready(worker), timeout=30, what="the worker to be ready")

    fake.fail_next("/v2/notifications/email", mode="stall", after=1, seconds=20)
    [delivery] = services.publish_now(
        deployment.store, deployment.registry(), appeal.id, ["notify"]
    )
    wait_until(lambda: fake.stalled != [], timeout=30, interval=0.05, what="bob's answer held")
    worker.kill(signal.SIGKILL)

    def state() -> str:
        processes.check_alive(beat)
        [row] = [r for r in deployment.rows() if r.id == delivery]
        return str(row.state)

    wait_until(lambda: state() == "unknown", timeout=30, what="the lapsed lease → unknown")
    assert sorted(m.to for m in fake.received) == ["ann@example.org", "bob@example.org"]

    worker.start()
    wait_until(lambda: worker_ready(worker), timeout=30, what="the worker to be ready again")
    assert services.retry(deployment.store, delivery) == "scheduled"
    wait_until(lambda: state() == "published", timeout=40, what="the retry to publish")
    assert sorted(m.to for m in fake.received) == sorted(a for _, a in addresses)  # once each
