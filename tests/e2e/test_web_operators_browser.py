"""The operators' console in Debian's Chromium: axe-core and the Nu Html Checker on every page
(empty states and error states included), and the dashboard refreshing itself with JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_web_app_browser import (
    PASSWORD,
    App,
    PageAudit,
    _cli,
    _import_approved,
)
from .test_web_app_browser import (
    app as web,  # noqa: F401  (the fixture: publisher web on a fresh store)
)

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "tests" / "fixtures" / "seeds" / "000_5b8f5bd9f8757259.txt"


def _sign_in_as(page: Any, app: App, name: str) -> None:
    page.goto(app.url + "sign-in")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _alerts_not_delivered(app: App, *, delivery: int) -> None:
    """Delivery ``delivery`` unknown, with two alerts the webhook refused: one given up, one
    to be tried again."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from publisher.bootstrap import bootstrap
    from publisher.domain.alerts import WebhookAnswer
    from publisher.services import alerts
    from publisher.settings import Settings
    from publisher.store.alerts import record_delivery_alerts
    from publisher.store.models import DeliveryRow

    class Refusing:
        where = "https://alerts.example"
        timeout = 1.0

        def send(self, *, alert_id: str, event: str, body: bytes) -> WebhookAnswer:
            return WebhookAnswer(False, status=503, error=f"HTTP 503 from {self.where}")

    wired = bootstrap(Settings.from_env(app.env))
    try:
        store = wired.store
        for max_attempts in (1, 2):
            with store.session() as session:
                session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id == delivery)
                    .values(state="unknown", last_error="the connection dropped <after> sending")
                )
                record_delivery_alerts(session, [delivery], at=datetime.now(UTC))
            policy = alerts.AlertPolicy(max_attempts=max_attempts)
            alerts.deliver_alerts(store, Refusing(), policy)
        shown = alerts.undelivered_alerts(store)
        assert sorted(a.status for a in shown) == ["gave-up", "pending"]
    finally:
        wired.close()


@pytest.fixture()
def operator(web: App) -> App:  # noqa: F811  (the fixture imported above)
    _cli(web.env, "users", "add", "olu", "--role", "operator", "--password-stdin", stdin=PASSWORD)
    return web


@pytest.mark.parametrize("width", [1280, 320])
def test_every_operator_page_passes_axe_and_the_nu_checker(
    operator: App, browser: Any, axe_js: Path, vnu_jar: Path, tmp_path: Path, width: int
) -> None:
    app = operator
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    audit = PageAudit(page, axe_js, tmp_path)
    check = audit.check

    _sign_in_as(page, app, "olu")
    page.goto(app.url + "operations")
    check("dashboard, nothing yet")
    page.goto(app.url + "deliveries")
    check("deliveries, none")
    page.goto(app.url + "deliveries/retry-failed")
    check("bulk retry, nothing failed")
    _import_approved(app.env, SEED)
    _cli(app.env, "schedule", str(SEED), "-c", "web", "-c", "x", "--at", "07:15 20/12/2030")
    page.goto(app.url + "operations")
    check("dashboard")
    page.goto(app.url + "deliveries")
    check("deliveries")
    page.goto(app.url + "deliveries?since=not-a-date")
    check("deliveries, a bad filter")
    page.goto(app.url + "deliveries/1")
    check("delivery")
    for action in ("retry", "cancel-delivery", "confirm"):
        page.goto(app.url + f"deliveries/1/{action}")
        check(f"delivery {action}")
    with page.expect_navigation():
        page.get_by_role("button").last.click()  # confirm on a scheduled delivery: refused
    check("delivery confirm refused")
    page.goto(app.url + "channels/x/default/enable")
    check("re-enable a channel")
    _alerts_not_delivered(app, delivery=2)
    page.goto(app.url + "operations")
    check("dashboard, alerts not delivered")
    page.goto(app.url + "deliveries/2")
    check("delivery, with its alerts")
    context.close()
    audit.assert_clean(vnu_jar, nu=width == 1280)  # the markup is the same at every width


def test_the_dashboard_refreshes_itself_and_works_without_javascript(
    operator: App, browser: Any
) -> None:
    app = operator
    with_js = browser.new_context()
    page = with_js.new_page()
    _sign_in_as(page, app, "olu")
    page.goto(app.url + "operations")
    before = page.locator("[data-op='at']").inner_text()
    _import_approved(app.env, SEED)
    _cli(app.env, "schedule", str(SEED), "-c", "web", "--at", "07:15 20/12/2030")
    page.wait_for_function(
        "before => document.querySelector(\"[data-op='at']\").textContent !== before",
        arg=before,
        timeout=15_000,
    )
    assert page.url == app.url + "operations"  # no reload: the script replaced the figures
    with_js.close()
    without_js = browser.new_context(java_script_enabled=False)
    page = without_js.new_page()
    _sign_in_as(page, app, "olu")
    page.goto(app.url + "operations")
    assert page.get_by_role("link", name="Reload").is_visible()
    assert "Dispatcher" in page.content()
    without_js.close()
