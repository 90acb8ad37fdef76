"""'Exit this page' on sensitive appeals: shown only there, and Shift three times leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Site

pytestmark = pytest.mark.e2e


def _page_of(site: Site, appeal_id_fragment: str) -> Path:
    matches = [p for p in site.pages() if appeal_id_fragment in p.as_posix()]
    assert len(matches) == 1, matches
    return matches[0]


SEED_FRAGMENTS = [
    "domestic-abuse-victims-urged-to-seek-support",
    "advice-for-when-staying-home-is-not-safe",
]


@pytest.mark.parametrize("fragment", [*SEED_FRAGMENTS, "sensitive-example"])
def test_sensitive_pages_show_exit_this_page(site: Site, browser: Any, fragment: str) -> None:
    page = browser.new_page()
    page.goto(site.url_of(_page_of(site, fragment)))
    button = page.get_by_role("link", name="Exit this page").first
    assert button.is_visible()
    assert button.get_attribute("href") == site.exit_url
    assert set((button.get_attribute("rel") or "").split()) >= {"nofollow", "noreferrer"}
    safety = page.get_by_role("link", name="How to browse more safely")
    assert safety.count() >= 1
    page.close()


def test_non_sensitive_page_has_no_exit_control(site: Site, browser: Any) -> None:
    page = browser.new_page()
    page.goto(site.url_of(_page_of(site, "missing-sam")))
    assert page.get_by_role("link", name="Exit this page").count() == 0
    page.close()


def test_safety_page_explains_history_is_not_cleared(site: Site) -> None:
    text = (site.root / "safety" / "index.html").read_text(encoding="utf-8").lower()
    assert "history" in text
    assert "private" in text
    assert "999" in text


@pytest.mark.parametrize("fragment", SEED_FRAGMENTS)
def test_pressing_shift_three_times_leaves_the_page(
    site: Site, browser: Any, fragment: str
) -> None:
    page = browser.new_page()
    page.goto(site.url_of(_page_of(site, fragment)))
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(site.exit_url, timeout=5000)
    assert page.url == site.exit_url
    page.close()


def test_two_shift_presses_do_not_leave_and_are_announced(site: Site, browser: Any) -> None:
    page = browser.new_page()
    url = site.url_of(_page_of(site, SEED_FRAGMENTS[0]))
    page.goto(url)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert page.url == url
    live = page.locator("[aria-live]").all_inner_texts()
    assert any("1 more time" in text for text in live), live
    page.close()


def test_exit_button_works_with_javascript_off(site: Site, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url_of(_page_of(site, SEED_FRAGMENTS[0])))
    page.get_by_role("link", name="Exit this page").first.click()
    page.wait_for_url(site.exit_url, timeout=5000)
    context.close()
