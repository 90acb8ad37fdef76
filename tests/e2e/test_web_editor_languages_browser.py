"""The appeal editor of a bilingual force in Debian's Chromium: the Welsh beside the English
(stacked at 320px, with no sideways scroll), edited and saved, the Welsh page in the preview,
the out-of-date state after the English changes and "Mark Welsh as up to date"; axe-core on
each state of the editor, and the Nu Html Checker on its markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_web_app_browser import App, PageAudit, _cli, _sign_in, serve

pytestmark = pytest.mark.e2e

TESTS = Path(__file__).resolve().parents[1]
OSIAN = TESTS / "fixtures" / "bilingual" / "missing-osian-example.md"
WAIT = 20_000  # ms: a preview is a round trip to a server sharing two cores
SAVED = re.compile(r".*/appeals/missing-osian-example/edit\?saved=\d+.*")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    with serve(
        tmp_path_factory.mktemp("languages"), {"PUBLISHER_LANGUAGES": "en_GB,cy_GB"}
    ) as served:
        _cli(served.env, "import", str(OSIAN))
        yield served


def _box(page: Any, selector: str) -> dict[str, float]:
    box: dict[str, float] = page.locator(selector).bounding_box()
    return box


@pytest.mark.parametrize("width", [1280, 320])
def test_an_author_edits_the_welsh_beside_the_english_and_marks_it_up_to_date(
    app: App, browser: Any, axe_js: Path, vnu_jar: Path, tmp_path: Path, width: int
) -> None:
    # axe is injected as an inline script, which the app's CSP rightly refuses: bypass it here.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    audit = PageAudit(page, axe_js, tmp_path)
    _sign_in(page, app)
    page.goto(app.url + "appeals/missing-osian-example/edit")
    welsh_title = page.get_by_label("Title in Welsh")
    english_title = page.get_by_label("Title in English")
    assert welsh_title.get_attribute("lang") == "cy-GB"
    assert english_title.input_value().startswith("Missing man: ")  # one server, both widths
    english, welsh = _box(page, "#title"), _box(page, "#cy_GB-title")
    if width == 1280:  # side by side: the Welsh to the right, on the same line
        assert welsh["x"] > english["x"] + english["width"] - 1
        assert abs(welsh["y"] - english["y"]) < 2
    else:  # stacked: the Welsh below the English, as wide
        assert welsh["y"] > english["y"] + english["height"]
        assert abs(welsh["x"] - english["x"]) < 2
    audit.check("bilingual editor")

    # Edit the Welsh title and save: the Welsh page in the preview shows it.
    welsh_title.fill(f"Dyn ar goll: a welsoch chi Osian? ({width})")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    assert SAVED.match(page.url)
    assert "saved" in page.locator("#saved").inner_text()
    assert page.get_by_label("Title in Welsh").input_value() == (
        f"Dyn ar goll: a welsoch chi Osian? ({width})"
    )
    frame = page.locator("#preview-web-cy_GB iframe")
    assert f"a welsoch chi Osian? ({width})" in (frame.get_attribute("srcdoc") or "")
    welsh_page = page.frame_locator("#preview-web-cy_GB iframe")
    assert f"a welsoch chi Osian? ({width})" in welsh_page.locator("h1").inner_text()
    assert welsh_page.locator("html").get_attribute("lang") == "cy-GB"
    audit.check("bilingual editor after saving the Welsh")

    # The English changes: the Welsh column says it is out of date, and is marked up to date.
    english_title.fill(f"Missing man: please help us find Osian ({width})")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    status = page.locator("#cy_GB-status")
    assert "Out of date" in status.inner_text()
    assert "English has changed" in status.inner_text()
    audit.check("bilingual editor, Welsh out of date")
    with page.expect_navigation():
        page.get_by_role("button", name="Mark Welsh as up to date").click()
    assert "marked=cy_GB" in page.url
    assert "Up to date" in page.locator("#cy_GB-status").inner_text()
    assert "Welsh is marked as up to date" in page.locator("#marked").inner_text()

    # Removing asks first; "No, keep it" keeps it.
    with page.expect_navigation():
        page.get_by_role("button", name="Remove the Welsh translation").click()
    assert "Remove the Welsh translation?" in page.locator("#confirm-remove").inner_text()
    audit.check("bilingual editor, confirming a removal")
    with page.expect_navigation():
        page.get_by_role("button", name="No, keep it").click()
    assert page.locator("#cy_GB-title").count() == 1
    context.close()
    audit.assert_clean(vnu_jar, nu=width == 1280)  # the markup is the same at every width


def test_an_author_adds_a_welsh_translation_and_the_live_preview_shows_its_page(
    app: App, browser: Any
) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, app)
    page.goto(app.url + "appeals/new")
    page.locator("#title").fill("Have you seen Sam Example?")
    page.locator("#area").fill("Example Shire")
    page.locator("#url").fill("https://www.example.police.uk/news/2020/october/welsh-sam/")
    page.locator("#published").fill("09:30 24/10/2020")
    page.locator("#body").fill(
        "We are appealing for help to find Sam, 34, who has been missing since Friday.\n"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Add a Welsh translation").click()
    assert page.get_by_label("Title in Welsh").input_value() == ""
    assert page.locator("#title").input_value() == "Have you seen Sam Example?"  # kept
    assert "Not saved yet" in page.locator("#cy_GB-status").inner_text()
    page.get_by_label("Title in Welsh").fill("Ydych chi wedi gweld Sam Example?")
    page.get_by_label("Text of the appeal in Welsh").fill(
        "Rydym yn apelio am gymorth i ddod o hyd i Sam, 34 oed, sydd ar goll ers dydd Gwener.\n"
    )
    page.wait_for_function(
        "text => document.querySelector('#preview-web-cy_GB iframe')?.srcdoc.includes(text)",
        arg="Ydych chi wedi gweld Sam Example?",
        timeout=WAIT,
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save appeal").click()
    assert re.match(r".*/appeals/welsh-sam/edit\?saved=1.*", page.url)
    assert page.get_by_label("Title in Welsh").input_value() == "Ydych chi wedi gweld Sam Example?"
    assert "Not marked" in page.locator("#cy_GB-status").inner_text()
    context.close()
