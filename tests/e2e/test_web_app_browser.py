"""The web app in Debian's Chromium: an author writes an appeal, sees a finding beside its
field, fixes it and sees the X thread; the same with the keyboard only; axe-core on every page."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from publisher.settings import ENVIRONMENT_VARIABLES

from .test_accessibility import AXE_OPTIONS, _describe

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
APPEAL = """---
title: Have you seen Sam Example?
area: Example Shire
url: https://www.example.police.uk/news/2020/october/missing-sam/
published: 09:30 24/10/2020
kind: missing-person
image:
  url: https://www.example.police.uk/img/sam.jpg
  alt: image
hashtags: [FindSam]
---

We are appealing for help to find Sam, 34, who has been missing from Exampletown since Friday.

If you see her, please call 999. Otherwise call 101 quoting incident 123 of 23 October.
"""
GOOD_ALT = "Sam, a woman in her thirties with short dark hair, smiling."


@dataclass(frozen=True)
class App:
    url: str
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        input=stdin,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _import_approved(env: dict[str, str], path: Path | str) -> str:
    """Import an appeal file on the command line and approve it as the approver ``checker``
    (added on first use); its id."""
    appeal_id = _cli(env, "import", str(path)).split(":")[0]
    if "checker" not in _cli(env, "users", "list"):
        _cli(env, "users", "add", "checker", "--role", "approver")
    _cli(env, "approve", appeal_id, "--as", "checker")
    return appeal_id


@contextlib.contextmanager
def serve(folder: Path, settings: dict[str, str] | None = None) -> Iterator[App]:
    """``publisher web`` on a fresh SQLite store under ``folder``, with an author ``alex``
    (and ``settings``, more environment variables, e.g. ``PUBLISHER_LANGUAGES``)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_VARIABLES}
    env.update(
        PUBLISHER_DATA_DIR=str(folder / "var"),
        OUTPUT_DIR=str(folder / "site"),
        PUBLISHER_APP_URL=url,
        PYTHONUNBUFFERED="1",
    )
    env.update(settings or {})
    env.pop("PYTHONWARNINGS", None)
    _cli(env, "users", "add", "alex", "--role", "author", "--password-stdin", stdin=PASSWORD)
    log = (folder / "web.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "publisher", "web", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((folder / "web.log").read_text(), pytrace=False)
                time.sleep(0.1)
        yield App(url=url, env=env)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


@pytest.fixture()
def app(tmp_path: Path) -> Iterator[App]:
    """``publisher web`` on a fresh SQLite store, with an author ``alex``."""
    with serve(tmp_path) as served:
        yield served


def _sign_in(page: Any, app: App) -> None:
    page.goto(app.url + "sign-in")
    page.get_by_label("Name").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(app.url)


SAVED = re.compile(r".*/appeals/missing-sam/edit\?saved=\d+.*")


def paste_appeal(page: Any, text: str) -> None:
    """On the new appeal page: paste a whole appeal file and import it."""
    page.get_by_text("Paste or upload a whole appeal file").click()
    page.get_by_label("Write the appeal").fill(text)
    page.get_by_role("button", name="Import appeal").click()


def test_an_author_writes_an_appeal_fixes_a_finding_and_sees_the_x_thread(
    app: App, browser: Any
) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, app)
    page.get_by_role("link", name="New appeal", exact=True).click()
    paste_appeal(page, APPEAL)
    page.wait_for_url(SAVED)
    page.goto(app.url + "appeals/missing-sam")
    row = page.locator("#field-image")
    assert "alt-text-meaningless" in row.inner_text()
    assert "error" in row.inner_text()
    page.get_by_role("link", name="Edit this appeal").click()
    page.get_by_label("Image description", exact=True).fill(GOOD_ALT)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(SAVED)
    page.goto(app.url + "appeals/missing-sam")
    assert "alt-text-meaningless" not in page.locator("#field-image").inner_text()
    posts = page.locator(".app-post")
    assert posts.count() >= 1
    assert "Post 1 of" in posts.first.inner_text()
    assert "Revision" in page.locator("#field-revision").inner_text()
    assert page.locator("#field-revision dd").first.inner_text().strip() == "2"
    context.close()


def test_the_same_with_the_keyboard_only(app: App, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(app.url + "sign-in")
    keyboard = page.keyboard

    def tab_to(selector: str, limit: int = 30) -> None:
        for _ in range(limit):
            keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector}")

    tab_to("#name")
    keyboard.type("alex")
    tab_to("#password")
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    page.wait_for_url(app.url)
    tab_to('a[href="/appeals/new"]')
    keyboard.press("Enter")
    page.wait_for_url(app.url + "appeals/new")
    tab_to("summary", limit=80)
    keyboard.press("Enter")  # opens "Paste or upload a whole appeal file"
    tab_to("#text")
    keyboard.insert_text(APPEAL)
    tab_to('button[type="submit"]:not(.app-account__button)')
    keyboard.press("Enter")
    page.wait_for_url(SAVED)
    assert "alt-text-meaningless" in page.locator("#image_alt-findings").inner_text()
    context.close()


def _axe(page: Any, axe_js: Path) -> list[dict[str, Any]]:
    tag = page.add_script_tag(path=str(axe_js))
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    # Take axe out again: a page checked twice without a reload (a script changed it) is
    # saved for the Nu checker without it.
    tag.evaluate("element => element.remove()")
    violations: list[dict[str, Any]] = result["violations"]
    return violations


class PageAudit:
    """axe-core and the sideways-scroll check on each page as a test reaches it, with the
    markup saved so that the Nu Html Checker can read every page at the end."""

    def __init__(self, page: Any, axe_js: Path, folder: Path) -> None:
        self.page, self.axe_js, self.folder = page, axe_js, folder
        self.failures: dict[str, str] = {}
        self.saved: list[Path] = []

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower())
        saved = self.folder / f"{len(self.saved):02d}-{slug}.html"
        saved.write_text(page.content(), encoding="utf-8")
        self.saved.append(saved)
        violations = _axe(page, self.axe_js)
        if violations:
            self.failures[name] = _describe(violations)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            self.failures[name] = (
                self.failures.get(name, "") + f"\nscrolls sideways by {overflow}px"
            )

    def assert_clean(self, vnu_jar: Path, *, nu: bool) -> None:
        """No axe violation and no sideways scroll anywhere; with ``nu``, no Nu error either."""
        assert not self.failures, "\n\n".join(f"{k}:\n{v}" for k, v in self.failures.items())
        if nu:
            _nu_check(vnu_jar, self.saved)


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_no_violations_on_any_app_page(
    app: App, browser: Any, axe_js: Path, vnu_jar: Path, tmp_path: Path, width: int
) -> None:
    """axe-core on every app page, error states and empty lists included, at both widths; the
    Nu Html Checker on the same pages as the browser received them."""
    # axe is injected as an inline script, which the app's CSP rightly refuses: bypass it here.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    audit = PageAudit(page, axe_js, tmp_path)
    check = audit.check

    page.goto(app.url + "sign-in")
    check("sign-in")
    page.get_by_label("Name").fill("alex")
    page.get_by_label("Password").fill("wrong password, quite long")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "There is a problem" in page.content()
    check("sign-in with an error")
    link = _cli(app.env, "users", "link", "alex").strip()
    page.goto(link)
    check("sign-in link")
    _sign_in(page, app)
    check("appeals, empty")
    page.goto(app.url + "account/password")
    check("password")
    page.goto(app.url + "appeals/new")
    check("new appeal")
    paste_appeal(page, APPEAL.replace("24/10/2020", "31/02/2020"))
    page.wait_for_load_state()
    check("new appeal with an error")
    page.get_by_label("Write the appeal").fill(APPEAL)
    page.get_by_role("button", name="Import appeal").click()
    page.wait_for_url(SAVED)
    page.goto(app.url + "appeals/missing-sam")
    check("appeal")
    page.goto(app.url)
    check("appeals")
    page.goto(app.url + "?q=nothing-matches-this")
    check("appeals, no match")
    page.goto(app.url + "no-such-page")
    check("not found")
    context.close()
    audit.assert_clean(vnu_jar, nu=width == 1280)  # the markup is the same at every width


def _nu_check(vnu_jar: Path, pages: list[Path]) -> None:
    proc = subprocess.run(
        ["java", "-jar", str(vnu_jar), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(proc.stderr or '{"messages": []}')
    errors = [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]
    shown = "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in errors
    )
    assert not errors, shown
    assert proc.returncode == 0
