"""The appeal editor in Debian's Chromium: the previews follow the typing (and an older answer
never replaces a newer one), the Preview button without JavaScript, the whole form with the
keyboard only, and axe-core and the Nu Html Checker on the editor and the revision pages.

One ``publisher web`` serves the module; each test writes appeals of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_web_app_browser import GOOD_ALT, App, PageAudit, _sign_in, paste_appeal, serve

pytestmark = pytest.mark.e2e

TESTS = Path(__file__).resolve().parents[1]
BODY = (
    "We are appealing for help to find Sam, 34, who has been missing since Friday.\n\n"
    "If you see her, please call 999. Otherwise call 101 quoting incident 123 of 23 October.\n"
)
WAIT = 20_000  # ms: a preview is a round trip to a server sharing two cores


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with serve(tmp_path_factory.mktemp("editor")) as served:
        yield served


def _fill(page: Any, slug: str, *, alt: str = "image") -> None:
    page.locator("#title").fill("Have you seen Sam Example?")
    page.locator("#area").fill("Example Shire")
    page.locator("#kind").select_option("missing-person")
    page.locator("#url").fill(f"https://www.example.police.uk/news/2020/october/{slug}/")
    page.locator("#published").fill("09:30 24/10/2020")
    page.locator("#image_url").fill("https://www.example.police.uk/img/sam.jpg")
    page.locator("#image_alt").fill(alt)
    page.locator("#hashtags").fill("#FindSam")
    page.locator("#body").fill(BODY)


def _until(page: Any, script: str, arg: object = None) -> None:
    page.wait_for_function(script, arg=arg, timeout=WAIT)


FINDING_BESIDE_ALT = (
    "() => document.querySelector('#image_alt-findings').textContent"
    ".includes('alt-text-meaningless')"
)
SRCDOC_HAS = "text => document.querySelector('#preview-web iframe')?.srcdoc.includes(text)"


def test_the_previews_follow_the_typing(app: App, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, app)
    page.goto(app.url + "appeals/new")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/preview") else None)
    _fill(page, "live-sam")
    _until(page, FINDING_BESIDE_ALT)
    checks = page.locator("#editor-checks")
    assert checks.get_attribute("aria-live") == "polite"
    assert "1 error" in checks.inner_text()
    _until(page, SRCDOC_HAS, "Have you seen Sam Example?")
    assert page.locator("#preview-x .app-post").count() >= 1
    assert "SMS segment" in page.locator("#preview-text").inner_text()

    # Typing a word sends one request once the typing pauses, and focus stays where it is.
    page.locator("#title").click()
    page.keyboard.press("End")
    before = len(sent)
    page.keyboard.type(" today", delay=40)
    _until(page, SRCDOC_HAS, "Have you seen Sam Example? today")
    assert page.evaluate("document.activeElement.id") == "title"
    assert len(sent) - before <= 2, sent[before:]  # debounced: not one a keystroke
    assert page.url == app.url + "appeals/new"  # no reload

    page.locator("#image_alt").fill(GOOD_ALT)
    _until(page, f"() => !({FINDING_BESIDE_ALT[6:]})")
    assert "No errors" in checks.inner_text()
    page.locator("#area").fill("")
    _until(page, "() => document.querySelector('#editor-checks').textContent.includes('area')")
    assert page.locator("#editor-checks a[href='#area']").count() == 1
    assert page.request.get(app.url + "appeals/live-sam").status == 404  # nothing was saved
    context.close()


def test_an_older_answer_never_replaces_a_newer_one(app: App, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, app)
    page.goto(app.url + "appeals/new")
    _fill(page, "stale-sam")
    _until(page, SRCDOC_HAS, "Have you seen Sam Example?")
    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)  # answered later, after a newer request

    page.route("**/appeals/new/preview", hold_the_first)
    page.locator("#title").fill("First version")
    for _ in range(WAIT // 100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the first preview request was never sent"
    page.locator("#title").fill("Second version")
    _until(page, SRCDOC_HAS, "Second version")
    stale = (
        '<div id="editor-checks">Stale answer</div>'
        '<div id="editor-previews"><div id="preview-web">Stale answer</div></div>'
    )
    held[0].fulfill(status=200, content_type="text/html", body=stale)
    page.wait_for_timeout(1500)
    assert "Stale" not in page.locator("#editor-results").inner_text()
    assert page.locator("#preview-web iframe").count() == 1
    context.close()


def test_without_javascript_the_preview_button_shows_the_previews(app: App, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, app)
    page.goto(app.url + "appeals/new")
    _fill(page, "no-script-sam")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    assert page.url == app.url + "appeals/new"
    assert "alt-text-meaningless" in page.locator("#image_alt-findings").inner_text()
    assert page.locator("#preview-x .app-post").count() >= 1
    srcdoc = page.locator("#preview-web iframe").get_attribute("srcdoc")
    assert srcdoc is not None and "Have you seen Sam Example?" in srcdoc
    assert page.locator("#title").input_value() == "Have you seen Sam Example?"  # kept
    assert page.request.get(app.url + "appeals/no-script-sam").status == 404
    with page.expect_navigation():
        page.get_by_role("button", name="Save appeal").click()
    assert re.search(r"/appeals/no-script-sam/edit\?saved=1", page.url)
    context.close()


def test_an_author_completes_the_form_with_the_keyboard_only(app: App, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, app)
    keyboard = page.keyboard

    def tab_to(selector: str, limit: int = 40) -> None:
        for _ in range(limit):
            keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        pytest.fail(f"Tab never reached {selector}")

    tab_to('a[href="/appeals/new"]')
    keyboard.press("Enter")
    page.wait_for_url(app.url + "appeals/new")
    for selector, text in (
        ("#title", "Have you seen Sam Example?"),
        ("#area", "Example Shire"),
        ("#url", "https://www.example.police.uk/news/2020/october/keyboard-sam/"),
        ("#published", "09:30 24/10/2020"),
        ("#image_url", "https://www.example.police.uk/img/sam.jpg"),
        ("#image_alt", GOOD_ALT),
        ("#hashtags", "#FindSam"),
    ):
        tab_to(selector)
        keyboard.type(text)
        if selector == "#area":
            tab_to("#kind")
            keyboard.type("missing")  # a closed select chooses by its options' first letters
    tab_to("#topics")
    keyboard.press("Space")
    tab_to("#body")
    keyboard.insert_text(BODY)
    tab_to('button[value="save"]')
    keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/appeals/keyboard-sam/edit\?saved=1.*"))
    assert page.locator("#kind").input_value() == "missing-person"
    assert page.locator("#topics").is_checked()
    assert "Revision 1 saved." in page.locator("#saved").inner_text()
    context.close()


@pytest.mark.parametrize("width", [1280, 320])
def test_the_editor_and_the_revision_pages_pass_axe_and_the_nu_checker(
    app: App,
    browser: Any,
    axe_js: Path,
    vnu_jar: Path,
    tmp_path: Path,
    width: int,
) -> None:
    # axe is injected as an inline script, which the app's CSP rightly refuses: bypass it here.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    audit = PageAudit(page, axe_js, tmp_path)
    check = audit.check
    slug = f"audit-sam-{width}"
    _sign_in(page, app)
    page.goto(app.url + "appeals/new")
    check("editor, empty")
    with page.expect_navigation():
        page.get_by_role("button", name="Save appeal").click()
    assert "There is a problem" in page.content()
    check("editor with errors")
    _fill(page, slug)
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    check("editor with previews")
    page.locator("#title").fill("Have you seen Sam Example today?")
    _until(page, SRCDOC_HAS, "Sam Example today?")
    check("editor with live previews")
    with page.expect_navigation():
        page.get_by_role("button", name="Save appeal").click()
    check("editor after saving")
    page.locator("#image_alt").fill(GOOD_ALT)
    page.locator("#body").fill(BODY.replace("since Friday", "since Friday night"))
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    assert "Revision 2 saved." in page.locator("#saved").inner_text()
    base = f"{app.url}appeals/{slug}"
    page.goto(base + "/revisions/2")
    assert "Removed" in page.locator("#diff").inner_text()
    check("revision diff")
    page.goto(base + "/revisions/1")
    check("first revision")
    page.goto(base + "/history")
    check("history with revisions")
    page.goto(base + "/revisions/9")
    check("no such revision")
    if width == 1280:
        page.goto(app.url + "appeals/new")
        paste_appeal(page, (TESTS / "fixtures" / "sample.json").read_text(encoding="utf-8"))
        page.wait_for_url(re.compile(r".*/edit\?saved=1.*"))
        page.get_by_text("What saving would change").click()
        check("editor, what saving a JSON record would change")
    context.close()
    audit.assert_clean(vnu_jar, nu=width == 1280)  # the markup is the same at every width
