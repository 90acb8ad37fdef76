"""The comms web app's acceptance flow, end to end with every part really started: ``publisher
run`` (the site server, the web app, a worker and beat, on the embedded broker and SQLite) and
Debian's Chromium. An author writes a missing-person appeal with a lint error, sees the finding
beside the field, fixes it and previews the X thread; an approver signs in and approves; the
author schedules it; the worker publishes it; the page appears on the public site. Then the
same flow with the keyboard only."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from publisher.settings import ENVIRONMENT_VARIABLES

from .test_web_app_browser import GOOD_ALT, PASSWORD, REPO, PageAudit, _cli, _free_port

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Deployment:
    app_url: str
    site_port: int
    env: dict[str, str]
    log: Path

    def site_get(self, path: str) -> tuple[int, str] | None:
        conn = http.client.HTTPConnection("127.0.0.1", self.site_port, timeout=2)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        except OSError:
            return None
        finally:
            conn.close()


def _wait(what: str, check: Callable[[], bool], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen in {timeout} s\n{log.read_text()[-4000:]}")
        time.sleep(0.25)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """One ``publisher run`` for the module (each test writes its own appeal)."""
    tmp_path = tmp_path_factory.mktemp("acceptance")
    site_port, app_port = _free_port(), _free_port()
    app_url = f"http://127.0.0.1:{app_port}/"
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_VARIABLES}
    env.update(
        PUBLISHER_DATA_DIR=str(tmp_path / "var"),
        OUTPUT_DIR=str(tmp_path / "site"),
        PUBLISHER_WEB_PORT=str(site_port),
        PUBLISHER_APP_PORT=str(app_port),
        PUBLISHER_APP_URL=app_url,
        SITE_URL=f"http://127.0.0.1:{site_port}/",
        DISPATCH_INTERVAL="0.5",
        PYTHONUNBUFFERED="1",
    )
    env.pop("PYTHONWARNINGS", None)
    for name, role in (("alex", "author"), ("bob", "approver"), ("root", "admin")):
        _cli(env, "users", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "publisher", "run", "--concurrency", "1"],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait("publisher run to serve the app", lambda: "Web app:" in log.read_text(), log)
        yield Deployment(app_url=app_url, site_port=site_port, env=env, log=log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _sign_in(page: Any, url: str, name: str) -> None:
    page.goto(url + "sign-in")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url)


def _sign_out(page: Any, url: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(url + "sign-in*")


BODY = (
    "We are appealing for help to find Sam, 34, who has been missing from Exampletown since "
    "Friday.\n\nIf you see her, please call 999. Otherwise call 101 quoting incident 123 of 23 "
    "October.\n"
)
FIELDS = (
    ("#title", "Have you seen Sam Example?"),
    ("#area", "Example Shire"),
    ("#url", "https://www.example.police.uk/news/2020/october/{slug}/"),
    ("#published", "09:30 24/10/2020"),
    ("#image_url", "https://www.example.police.uk/img/sam.jpg"),
    ("#image_alt", "image"),  # meaningless: the checks say so, beside the field
    ("#hashtags", "#FindSam"),
)
FINDING = "#image_alt-findings"


def _published(deployment: Deployment, slug: str) -> str:
    """The appeal's page on the public site (at the path of its canonical URL), once the worker
    has published it."""
    found: list[str] = []

    def there() -> bool:
        got = deployment.site_get(f"/news/2020/october/{slug}/")
        if got is not None and got[0] == 200:
            found.append(got[1])
            return True
        return False

    _wait(f"the page of {slug} on the public site", there, deployment.log, timeout=90)
    return found[0]


def test_write_approve_schedule_publish(deployment: Deployment, browser: Any) -> None:
    url, slug = deployment.app_url, "sam-mouse"
    context = browser.new_context()
    page = context.new_page()

    # The author writes the appeal; the checks find the meaningless alt text beside its field.
    _sign_in(page, url, "alex")
    page.get_by_role("link", name="New appeal", exact=True).click()
    for selector, text in FIELDS:
        page.locator(selector).fill(text.format(slug=slug))
    page.locator("#kind").select_option("missing-person")
    page.locator("#body").fill(BODY)
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    assert "alt-text-meaningless" in page.locator(FINDING).inner_text()
    page.locator("#image_alt").fill(GOOD_ALT)
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    assert "alt-text-meaningless" not in page.locator(FINDING).inner_text()
    posts = page.locator("#preview-x .app-post")
    assert posts.count() >= 1 and "Have you seen Sam Example?" in posts.first.inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Save appeal").click()
    page.goto(url + f"appeals/{slug}")
    assert "Waiting for approval" in page.locator("#approval ~ p").first.inner_text()
    assert page.get_by_role("link", name="Schedule this appeal").count() == 0
    _sign_out(page, url)

    # An approver approves it.
    _sign_in(page, url, "bob")
    page.goto(url + f"appeals/{slug}")
    with page.expect_navigation():
        page.get_by_role("button", name="Approve revision 1").click()
    assert "was approved by bob" in page.locator("#approval ~ p").first.inner_text()
    _sign_out(page, url)

    # The author schedules it; the worker publishes it; the page is on the public site.
    _sign_in(page, url, "alex")
    page.goto(url + f"appeals/{slug}")
    page.get_by_role("link", name="Schedule this appeal").click()
    page.get_by_label("web", exact=True).check()
    page.get_by_label("Now", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and schedule").click()
    html = _published(deployment, slug)
    assert "Have you seen Sam Example?" in html and GOOD_ALT in html
    context.close()


def test_the_same_with_the_keyboard_only(deployment: Deployment, browser: Any) -> None:
    url, slug = deployment.app_url, "sam-keys"
    context = browser.new_context()
    page = context.new_page()
    keyboard = page.keyboard

    def tab_to(selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector} on {page.url}")

    def press(selector: str, key: str = "Enter") -> None:
        tab_to(selector)
        with page.expect_navigation():
            keyboard.press(key)

    def sign_in(name: str) -> None:
        page.goto(url + "sign-in")
        tab_to("#name")
        keyboard.type(name)
        tab_to("#password")
        keyboard.type(PASSWORD)
        with page.expect_navigation():
            keyboard.press("Enter")

    def sign_out() -> None:
        press(".app-account__button")

    sign_in("alex")
    press('a[href="/appeals/new"]')
    for selector, text in FIELDS:
        tab_to(selector)
        keyboard.type(text.format(slug=slug))
        if selector == "#area":
            tab_to("#kind")
            keyboard.type("missing")  # a closed select chooses by its options' first letters
    tab_to("#body")
    keyboard.insert_text(BODY)
    press('button[value="preview"]')
    assert "alt-text-meaningless" in page.locator(FINDING).inner_text()
    tab_to("#image_alt")
    keyboard.press("Control+A")
    keyboard.type(GOOD_ALT)
    press('button[value="preview"]')
    assert "alt-text-meaningless" not in page.locator(FINDING).inner_text()
    assert page.locator("#preview-x .app-post").count() >= 1
    press('button[value="save"]')
    sign_out()

    sign_in("bob")
    page.goto(url + f"appeals/{slug}")
    press('form[action$="/approve"] button')
    assert "was approved by bob" in page.locator("#approval ~ p").first.inner_text()
    sign_out()

    sign_in("alex")
    page.goto(url + f"appeals/{slug}")
    press('a[href$="/schedule"].govuk-button')
    tab_to("#channels")  # the first channel: web
    assert page.evaluate("document.activeElement.value") == "web"
    keyboard.press("Space")
    tab_to('input[name="when"]')  # a radio group is one tab stop: arrows choose within it
    for _ in range(5):
        if page.evaluate("document.activeElement.id") == "when-now":
            break
        keyboard.press("ArrowUp")
    keyboard.press("Space")
    assert page.locator("#when-now").is_checked()
    press('button[type="submit"]:not(.app-account__button)')
    press('button[type="submit"]:not(.app-account__button)')
    html = _published(deployment, slug)
    assert "Have you seen Sam Example?" in html and GOOD_ALT in html
    context.close()


def test_the_approval_pages_pass_axe_and_the_nu_checker(
    deployment: Deployment, browser: Any, axe_js: Path, vnu_jar: Path, tmp_path: Path
) -> None:
    """Every state of the approval panel and the urgent publication form, errors included."""
    url = deployment.app_url
    seed = REPO / "tests" / "fixtures" / "sample.json"
    appeal_id = _cli(deployment.env, "import", str(seed)).split(":")[0]
    appeal = url + f"appeals/{appeal_id}"
    # axe is injected as an inline script, which the app's CSP rightly refuses: bypass it here.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    audit = PageAudit(page, axe_js, tmp_path)
    _sign_in(page, url, "bob")
    page.goto(appeal)
    audit.check("waiting, as an approver")
    _sign_out(page, url)
    _sign_in(page, url, "root")
    page.goto(appeal)
    audit.check("waiting, as an admin")
    page.goto(appeal + "/urgent")
    audit.check("urgent form")
    page.locator("#reason").fill("now")
    for box in page.locator("input[name=channels]").all():
        box.uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Publish now, urgently").click()
    audit.check("urgent form with errors")
    assert page.locator("#reason-error").count() == 1
    page.locator("#reason").fill("Missing child, aged 9, high risk")
    page.get_by_label("text", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Publish now, urgently").click()
    page.goto(appeal)
    audit.check("published urgently")
    assert "Missing child, aged 9, high risk" in page.locator(".govuk-warning-text").inner_text()
    context.close()
    audit.assert_clean(vnu_jar, nu=True)
