"""The site's share image (SHARE_IMAGE_URL, SHARE_IMAGE_ALT): read once as settings, given to
pages with no image of their own (indexes, the safety page, appeals without a photo)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from publisher.channel import RenderContext
from publisher.channels.web import WebChannel
from publisher.domain.record import Appeal
from publisher.settings import Settings, SettingsError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
CARD = "https://www.example.police.uk/brand/share-card.png"
CARD_ALT = "Example Constabulary's crest in white on a dark blue background."


def context(**settings: str) -> RenderContext:
    env = {"SITE_URL": "https://appeals.example.org/", **settings}
    return Settings.from_env(env).render_context()


def with_card() -> RenderContext:
    return context(SHARE_IMAGE_URL=CARD, SHARE_IMAGE_ALT=CARD_ALT)


def appeal(**changes: Any) -> Appeal:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data.update(changes)
    return Appeal.model_validate(data)


def tags(html: bytes) -> dict[str, list[str]]:
    doc = lxml.html.document_fromstring(html)
    found: dict[str, list[str]] = {}
    for meta in doc.xpath("//meta[@property or @name]"):
        key = meta.get("property") or meta.get("name")
        found.setdefault(key, []).append(meta.get("content"))
    return found


# Settings ---------------------------------------------------------------------------------------


def test_the_settings_are_typed_and_reach_the_render_context() -> None:
    settings = Settings.from_env({"SHARE_IMAGE_URL": CARD, "SHARE_IMAGE_ALT": f"  {CARD_ALT} "})
    assert (settings.share_image_url, settings.share_image_alt) == (CARD, CARD_ALT)
    ctx = settings.render_context()
    assert (ctx.share_image_url, ctx.share_image_alt) == (CARD, CARD_ALT)
    unset = Settings.from_env({})
    assert unset.share_image_url is None and unset.share_image_alt is None
    blank = Settings.from_env({"SHARE_IMAGE_URL": " ", "SHARE_IMAGE_ALT": ""})
    assert blank.share_image_url is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARE_IMAGE_URL": CARD}, "SHARE_IMAGE_ALT must say"),
        ({"SHARE_IMAGE_URL": CARD, "SHARE_IMAGE_ALT": "   "}, "SHARE_IMAGE_ALT must say"),
        ({"SHARE_IMAGE_ALT": CARD_ALT}, "SHARE_IMAGE_URL is not"),
        ({"SHARE_IMAGE_URL": "/brand/card.png", "SHARE_IMAGE_ALT": "A"}, "absolute http"),
        ({"SHARE_IMAGE_URL": "javascript:alert(1)", "SHARE_IMAGE_ALT": "A"}, "absolute http"),
        ({"SHARE_IMAGE_URL": 'https://x.org/a"b.png', "SHARE_IMAGE_ALT": "A"}, "absolute http"),
    ],
)
def test_bad_settings_are_refused_with_their_name(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_the_readme_and_compose_file_name_the_settings() -> None:
    root = FIXTURE.parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "`SHARE_IMAGE_URL`, `SHARE_IMAGE_ALT`" in readme
    compose = (root / "docker-compose.yml").read_text(encoding="utf-8")
    assert "SHARE_IMAGE_URL:" in compose and "SHARE_IMAGE_ALT:" in compose


# Pages ------------------------------------------------------------------------------------------


def test_site_pages_without_an_image_share_the_sites_card() -> None:
    site = WebChannel().render_site([appeal()], with_card())
    for path in ("index.html", "areas/example-shire/index.html", "safety/index.html"):
        found = tags(site.file(path).content)
        assert found["og:image"] == [CARD], path
        assert found["og:image:alt"] == [CARD_ALT], path
        assert found["twitter:image"] == [CARD], path
        assert found["twitter:image:alt"] == [CARD_ALT], path
        assert found["twitter:card"] == ["summary"], path
    # The 404 page has no share tags at all (it is not a page anyone shares).
    assert "og:image" not in tags(site.file("404.html").content)


@pytest.mark.parametrize(
    "changes",
    [
        {"image": None},
        {"status": "resolved", "resolution": "Sam has been found."},  # the photo is gone
    ],
    ids=["no image", "resolved"],
)
def test_an_appeal_without_its_own_image_shares_the_sites_card(changes: dict[str, Any]) -> None:
    (page,) = WebChannel().render(appeal(**changes), with_card()).files
    found = tags(page.content)
    assert found["og:image"] == [CARD]
    assert found["og:image:alt"] == [CARD_ALT]
    assert found["twitter:image"] == [CARD]
    assert found["twitter:card"] == ["summary"]
    assert b"sam.jpg" not in page.content
    doc = lxml.html.document_fromstring(page.content)
    assert doc.xpath("//img") == []  # a card for social sites, never shown on the page
    (data,) = doc.xpath("//script[@type='application/ld+json']/text()")
    assert "image" not in json.loads(data)


def test_an_appeals_own_image_wins() -> None:
    (page,) = WebChannel().render(appeal(), with_card()).files
    found = tags(page.content)
    assert found["og:image"] == ["https://www.example.police.uk/img/sam.jpg"]
    assert found["twitter:card"] == ["summary_large_image"]
    assert CARD.encode() not in page.content


def test_without_the_settings_nothing_changes() -> None:
    site = WebChannel().render_site([appeal()], context())
    assert "og:image" not in tags(site.file("index.html").content)
    (page,) = WebChannel().render(appeal(image=None), context()).files
    assert "og:image" not in tags(page.content)


def test_the_card_is_escaped_like_any_attribute() -> None:
    hostile = RenderContext(
        site_url="https://appeals.example.org/",
        share_image_url=CARD,
        share_image_alt='"><script>alert(1)</script>',
    )
    html = WebChannel().render_site([appeal()], hostile).file("index.html").content
    assert b"<script>alert(1)" not in html
    assert tags(html)["og:image:alt"] == ['"><script>alert(1)</script>']
    unsafe = RenderContext(share_image_url="javascript:alert(1)", share_image_alt="A")
    assert "og:image" not in tags(WebChannel().render_site([], unsafe).file("index.html").content)
