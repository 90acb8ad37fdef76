"""The comms pages in Debian's Chromium: scheduling by keyboard only, and axe-core and the Nu
Html Checker on every page (error states and empty calendars included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .test_web_app_browser import (
    APPEAL,
    GOOD_ALT,
    SAVED,
    App,
    PageAudit,
    _cli,
    _sign_in,
    paste_appeal,
)
from .test_web_app_browser import (
    app as web,  # noqa: F401  (the fixture: publisher web on a fresh store, with an author)
)

pytestmark = pytest.mark.e2e

LONDON = ZoneInfo("Europe/London")
GOOD = APPEAL.replace("alt: image", f"alt: {GOOD_ALT}")


def _later(days: int) -> str:
    """A time some days ahead, as the schedule form takes it: "07:15 31/10/2026"."""
    moment = (datetime.now(UTC) + timedelta(days=days)).astimezone(LONDON)
    return moment.strftime("07:15 %d/%m/%Y")


def _import(page: Any, app: App) -> None:
    """The author imports the appeal in the browser; an approver approves it (on the command
    line: the approval pages have their own tests)."""
    page.goto(app.url + "appeals/new")
    paste_appeal(page, GOOD)
    page.wait_for_url(SAVED)
    if "checker" not in _cli(app.env, "users", "list"):
        _cli(app.env, "users", "add", "checker", "--role", "approver")
    _cli(app.env, "approve", "missing-sam", "--as", "checker")


def test_an_author_schedules_an_appeal_with_the_keyboard_only(
    web: App,  # noqa: F811  (the fixture imported above)
    browser: Any,
) -> None:
    app = web
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, app)
    _import(page, app)
    page.goto(app.url + "appeals/missing-sam/schedule")
    page.locator("#channels").focus()
    page.keyboard.press("Space")  # the first channel
    page.locator("#when-later").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "at":
        page.keyboard.press("Tab")
    page.keyboard.type(_later(3))
    while page.evaluate("document.activeElement.textContent.trim()") != "Continue":
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Confirm and schedule" in page.content()
    while page.evaluate("document.activeElement.textContent.trim()") != "Confirm and schedule":
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = _cli(app.env, "deliveries", "--json")
    assert '"state": "scheduled"' in rows and "missing-sam" in rows
    context.close()


@pytest.mark.parametrize("width", [1280, 320])
def test_every_comms_page_passes_axe_and_the_nu_checker(
    web: App,  # noqa: F811  (the fixture imported above)
    browser: Any,
    axe_js: Path,
    vnu_jar: Path,
    tmp_path: Path,
    width: int,
) -> None:
    app = web
    # axe is injected as an inline script, which the app's CSP rightly refuses: bypass it here.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    audit = PageAudit(page, axe_js, tmp_path)
    check = audit.check

    _sign_in(page, app)
    page.goto(app.url + "calendar")
    check("calendar empty week")
    page.goto(app.url + "calendar?view=month")
    check("calendar empty month")
    _import(page, app)
    page.goto(app.url + "appeals/missing-sam/schedule")
    check("schedule")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    check("schedule with errors")
    page.locator("#channels").check()
    page.locator("#when-later").check()
    page.locator("#at").fill(_later(2))
    page.locator("#every_n").fill("1")
    page.locator("#until").fill(_later(4).split(" ")[1])
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    check("schedule confirmation")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and schedule").click()
    check("after scheduling")
    page.goto(app.url + "calendar")
    check("calendar week")
    page.goto(app.url + "calendar?view=month")
    check("calendar month")
    page.goto(app.url + "appeals/missing-sam/deliveries")
    check("appeal deliveries")
    delivery = page.locator("a[href*='/cancel']").first.get_attribute("href")
    assert delivery is not None
    page.goto(app.url.rstrip("/") + delivery)
    check("cancel confirmation")
    page.goto(app.url.rstrip("/") + delivery.replace("/cancel", "/move"))
    check("move")
    for action in ("update", "resolve", "withdraw"):
        page.goto(app.url + f"appeals/missing-sam/{action}")
        check(action)
    page.goto(app.url + "appeals/missing-sam/history")
    check("history")
    context.close()
    audit.assert_clean(vnu_jar, nu=width == 1280)  # the markup is the same at every width
