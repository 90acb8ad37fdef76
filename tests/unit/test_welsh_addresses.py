"""The Welsh page's address belongs to the record (issue 14): ``Appeal.in_language`` gives it,
and every channel links it from Welsh words, never the English page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publisher.bootstrap import Registry, build_registry
from publisher.channel import RenderContext
from publisher.domain.record import Appeal
from publisher.importers import load_appeal
from publisher.settings import Settings

REPO = Path(__file__).resolve().parents[2]
BILINGUAL = REPO / "tests" / "fixtures" / "bilingual" / "missing-osian-example.md"
EN_URL = "https://www.example.police.uk/news/2025/march/missing-osian-example/"
CY_URL = "https://www.example.police.uk/cy/news/2025/march/missing-osian-example/"
OWN_URL = "https://www.example.police.uk/newyddion/2025/osian/"
SOCIAL = ("x", "mastodon", "bluesky", "facebook")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return build_registry(Settings.from_env({"PUBLISHER_DATA_DIR": "var"}))


def _appeal() -> Appeal:
    return load_appeal(BILINGUAL).appeal


def _with_own_url(appeal: Appeal) -> Appeal:
    (welsh,) = appeal.translations
    own = welsh.model_copy(update={"url": type(appeal.url)(OWN_URL)})
    return appeal.model_copy(update={"translations": (own,)})


def _site(url: str, context: RenderContext) -> str:
    """The address as the file channels write it: under SITE_URL, at the page's path."""
    path = url.split("/", 3)[3]
    return context.absolute(path)


def test_the_welsh_version_has_the_welsh_address(registry: Registry) -> None:
    appeal = _appeal()
    assert str(appeal.url) == EN_URL
    assert str(appeal.in_language("cy_GB").url) == CY_URL
    assert str(_with_own_url(appeal).in_language("cy_GB").url) == OWN_URL


@pytest.mark.parametrize("own", [False, True], ids=["derived", "own-url"])
def test_the_text_channel_writes_the_welsh_text_beside_the_welsh_page(
    registry: Registry, own: bool
) -> None:
    appeal = _with_own_url(_appeal()) if own else _appeal()
    url = OWN_URL if own else CY_URL
    context = registry.context
    text = registry.get("text").render(appeal, context)
    web = registry.get("web").render(appeal, context)
    paths = [f.path for f in text.files]
    pages = [f.path for f in web.files]
    assert paths == [p.removesuffix("index.html") + "index.txt" for p in pages]
    welsh = text.files[1].content.decode("utf-8")
    assert welsh.rstrip().endswith(url)
    assert EN_URL not in welsh


@pytest.mark.parametrize("own", [False, True], ids=["derived", "own-url"])
def test_the_welsh_feed_pair_links_the_welsh_page(registry: Registry, own: bool) -> None:
    appeal = _with_own_url(_appeal()) if own else _appeal()
    context = registry.context
    welsh_page = _site(OWN_URL if own else CY_URL, context)
    files = {
        f.path: f.content.decode("utf-8")
        for f in registry.get("feeds").render(appeal, context).files
    }
    for name in ("rss.xml", "atom.xml"):
        welsh = files[f"feeds/appeals/{appeal.id}/cy/{name}"]
        english = files[f"feeds/appeals/{appeal.id}/{name}"]
        assert welsh_page in welsh and _site(EN_URL, context) not in welsh
        assert _site(EN_URL, context) in english and welsh_page not in english


@pytest.mark.parametrize("name", SOCIAL)
@pytest.mark.parametrize("own", [False, True], ids=["derived", "own-url"])
def test_every_social_channel_links_the_welsh_page_from_the_welsh_posts(
    registry: Registry, name: str, own: bool
) -> None:
    appeal = _with_own_url(_appeal()) if own else _appeal()
    url = OWN_URL if own else CY_URL
    channel = registry.get(name)
    context = registry.context
    welsh = channel.render(appeal.in_language("cy_GB"), context)
    english = channel.render(appeal.in_language("en_GB"), context)
    welsh_file = json.dumps(json.loads(welsh.files[0].content), ensure_ascii=False)
    english_file = json.dumps(json.loads(english.files[0].content), ensure_ascii=False)
    assert url in welsh_file and EN_URL not in welsh_file
    assert EN_URL in english_file and url not in english_file
    # The bilingual thread: the English posts link the English page, the Welsh the Welsh.
    both = channel.render(appeal, context)
    if name == "facebook":  # one Page post: each language's words, then its own link
        (post,) = both.posts
        assert post.text.index(EN_URL) < post.text.index(url)
    else:
        assert both.posts == english.posts + welsh.posts


def test_notify_links_the_welsh_page_from_a_welsh_alert(registry: Registry) -> None:
    """Notify alerts are sent in the primary language only (subscribers have no language
    yet); a Welsh version's alert, were one sent, links the Welsh page."""
    appeal = _appeal()
    channel = registry.get("notify")
    context = registry.context
    welsh = json.loads(channel.render(appeal.in_language("cy_GB"), context).files[0].content)
    assert CY_URL in welsh["sms"]["body"] and CY_URL in welsh["email"]["body"]
    assert EN_URL not in welsh["sms"]["body"] + welsh["email"]["body"]
    english = json.loads(channel.render(appeal, context).files[0].content)
    assert EN_URL in english["sms"]["body"] and CY_URL not in english["sms"]["body"]
