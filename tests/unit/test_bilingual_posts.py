"""One bilingual post when it fits (issue 14): ``PUBLISHER_BILINGUAL_POSTS`` and the posting
order, on X, Mastodon, Bluesky and Facebook, their updates, and the exact weights.

The default (``separate``) is pinned by the golden files; here it is checked to be what it
was (each language's posts in turn), and ``combined`` to start the thread with one post in
both languages when that fits the platform and to fall back, with a warning, when it does not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.channel import Channel, RenderContext, Rendition
from publisher.channels.bluesky import BlueskyChannel
from publisher.channels.bluesky.render import BlueskyPost
from publisher.channels.bluesky.text import MAX_BYTES, MAX_GRAPHEMES, graphemes, utf8_length
from publisher.channels.facebook import FacebookChannel
from publisher.channels.facebook.render import FACEBOOK_LIMITS
from publisher.channels.mastodon import MastodonChannel
from publisher.channels.mastodon.text import weigh as mastodon_weigh
from publisher.channels.x import XChannel
from publisher.channels.x._twitter_text import parse_tweet  # the library, as X counts
from publisher.channels.x.entities import hashtags_in
from publisher.channels.x.lines import lead_line
from publisher.domain.record import Appeal
from publisher.importers import load_appeal
from publisher.settings import Settings, SettingsError
from tests.unit.test_x_weighing import EDGES, PIECES

FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "bilingual" / "missing-osian-example.md"
)
URL = "https://www.example.police.uk/news/2025/march/missing-osian-example/"
CY_URL = "https://www.example.police.uk/cy/news/2025/march/missing-osian-example/"
EN_LEAD = "Missing man: have you seen Osian?"
CY_LEAD = "Dyn ar goll: ydych chi wedi gweld Osian?"
EN_ALT = "Osian Example, a young man with short fair hair, wearing a dark blue coat."
CY_ALT = "Osian Example, dyn ifanc â gwallt golau byr, yn gwisgo côt las tywyll."

SEPARATE = RenderContext()
COMBINED = RenderContext(bilingual_posts="combined")
CHANNELS = {
    "x": XChannel,
    "mastodon": MastodonChannel,
    "bluesky": BlueskyChannel,
    "facebook": FacebookChannel,
}
THREADS = ("x", "mastodon", "bluesky")


def _channel(name: str) -> Channel:
    channel: Channel = CHANNELS[name]()
    return channel


def _osian() -> Appeal:
    return load_appeal(FIXTURE).appeal


def _changed(appeal: Appeal, welsh: dict[str, Any] | None = None, **english: Any) -> Appeal:
    data: dict[str, Any] = appeal.model_dump(mode="json")
    data.update(english)
    data["translations"] = [{**tr, **(welsh or {})} for tr in data["translations"]]
    return Appeal.model_validate(data)


def _alone(channel: Channel, appeal: Appeal, *, update: bool = False) -> tuple[Any, ...]:
    """Each language's posts as the channel renders that language alone, in turn."""
    render = channel.render_update if update else channel.render
    return tuple(
        post
        for lang in appeal.languages
        for post in render(appeal.in_language(lang), SEPARATE).posts
    )


def _fallback(rendition: Rendition) -> list[str]:
    return [w for w in rendition.warnings if "do not fit one bilingual post" in w]


def _shown(post: Any) -> str:
    """The text as written: Bluesky shows a link's label, its facet holds the address."""
    text: str = post.text.replace("example.police.uk/news/2025/m…", URL)
    return text.replace("example.police.uk/cy/news/202…", CY_URL)


# ------------------------------------------------------------------------------- the setting


def test_the_setting_defaults_to_separate_and_reaches_the_channels() -> None:
    default = Settings.from_env({})
    assert default.bilingual_posts == "separate"
    assert default.render_context().bilingual_posts == "separate"
    combined = Settings.from_env(
        {"PUBLISHER_BILINGUAL_POSTS": " Combined ", "PUBLISHER_LANGUAGES": "cy_GB,en_GB"}
    )
    assert combined.bilingual_posts == "combined"
    context = combined.render_context()
    assert (context.bilingual_posts, context.languages) == ("combined", ("cy_GB", "en_GB"))


@pytest.mark.parametrize("value", ["both", "one", "separately", "combined,separate"])
def test_a_bad_value_is_a_clear_error_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PUBLISHER_BILINGUAL_POSTS": value})
    message = str(raised.value)
    assert "PUBLISHER_BILINGUAL_POSTS" in message and repr(value) in message
    assert "separate, combined" in message


# -------------------------------------------------------------------- separate is unchanged


@pytest.mark.parametrize("name", THREADS)
def test_separate_is_each_language_in_turn_as_before(name: str) -> None:
    channel, appeal = _channel(name), _osian()
    explicit = channel.render(appeal, RenderContext(bilingual_posts="separate"))
    assert explicit == channel.render(appeal, SEPARATE)
    assert explicit.posts == _alone(channel, appeal)
    assert channel.render_update(appeal, SEPARATE).posts == _alone(channel, appeal, update=True)


@pytest.mark.parametrize("name", CHANNELS)
def test_an_appeal_in_one_language_is_the_same_in_either_mode(name: str) -> None:
    channel = _channel(name)
    english = _osian().in_language("en_GB")
    assert channel.render(english, COMBINED) == channel.render(english, SEPARATE)
    assert channel.render_update(english, COMBINED) == channel.render_update(english, SEPARATE)


@pytest.mark.parametrize("context", [SEPARATE, COMBINED], ids=["separate", "combined"])
@pytest.mark.parametrize("name", CHANNELS)
def test_the_forces_language_order_puts_welsh_first(name: str, context: RenderContext) -> None:
    channel = _channel(name)
    welsh_first = RenderContext(
        languages=("cy_GB", "en_GB"), bilingual_posts=context.bilingual_posts
    )
    first_post = channel.render(_osian(), welsh_first).posts[0]
    first = first_post.text
    one_post = context == COMBINED or name == "facebook"  # a Page post is always one
    assert first.startswith(CY_LEAD), first
    assert (EN_LEAD in first) == one_post
    (media,) = first_post.media
    assert media.alt_text == (f"{CY_ALT}\n\n{EN_ALT}" if one_post else CY_ALT)
    # A language the setting does not name still comes after those it does.
    only_welsh = RenderContext(languages=("cy_GB",), bilingual_posts=context.bilingual_posts)
    assert channel.render(_osian(), only_welsh).posts[0].text.startswith(CY_LEAD)


# -------------------------------------------------------------------------- combined: fits


@pytest.mark.parametrize("name", CHANNELS)
def test_combined_starts_the_thread_with_one_post_in_both_languages(name: str) -> None:
    channel, appeal = _channel(name), _osian()
    rendition = channel.render(appeal, COMBINED)
    assert not _fallback(rendition)
    first = rendition.posts[0]
    text = _shown(first)
    # Both languages, the primary first, a blank line between them; the link once; the
    # hashtags of both languages once, at the end.
    assert text.index(EN_LEAD) < text.index("\n\n" + CY_LEAD)
    assert text.count(URL) == 1
    tags = hashtags_in(text)
    assert tags[:2] == ["FindOsian", "DodOHydIOsian"] and len(tags) == len(set(tags))
    assert text.rstrip("\n0123456789/").endswith("#FindOsian #DodOHydIOsian")
    # The image is described in both languages (every platform's limit takes both).
    (media,) = first.media
    assert media.alt_text == f"{EN_ALT}\n\n{CY_ALT}"
    assert all(not post.media for post in rendition.posts[1:])
    assert first.weight <= (rendition.limits.max_weight if rendition.limits else 0)


@pytest.mark.parametrize("name", THREADS)
def test_combined_then_posts_each_languages_other_posts_in_turn(name: str) -> None:
    channel, appeal = _channel(name), _osian()
    posts = channel.render(appeal, COMBINED).posts
    separate = channel.render(appeal, SEPARATE).posts
    assert len(posts) == len(separate) - 1  # the two first posts became one
    rest = [post.text for post in posts[1:]]
    english = [i for i, text in enumerate(rest) if "Who to contact:" in text]
    welsh = [i for i, text in enumerate(rest) if "Pwy i gysylltu â nhw:" in text]
    assert english and welsh and max(english) < min(welsh)
    assert not any("Who to contact:" in t and "Pwy i gysylltu" in t for t in rest)
    # The English details the Welsh does not say are not in the bilingual post (no language
    # says less there than another): they open the English part of the thread, with a warning.
    assert "Aged 19." not in posts[0].text and rest[0].startswith("Aged 19.")
    warnings = channel.render(appeal, COMBINED).warnings
    assert any("not every language says them" in w for w in warnings), warnings
    # Numbered through the whole thread.
    total = len(posts)
    assert [p.text.rsplit("\n", 1)[-1] for p in posts] == [
        f"{i}/{total}" for i in range(1, total + 1)
    ]


def _numbered(post: Any) -> bool:
    return re.fullmatch(r"\d+/\d+", post.text.rsplit("\n", 1)[-1]) is not None


def test_a_bilingual_post_with_no_room_for_numbers_leaves_the_thread_unnumbered() -> None:
    """As alone: "1/3" only when every post has room for it; the bilingual post is kept."""
    found = None
    for n in range(60, 200):  # the English title's length that leaves no room for "\n1/3"
        appeal = _changed(_osian(), title="Missing man: " + "x" * n)
        rendition = _channel("x").render(appeal, COMBINED)
        if not _fallback(rendition) and not _numbered(rendition.posts[0]):
            found = rendition
            break
    assert found is not None and len(found.posts) > 1
    assert not any(_numbered(post) for post in found.posts)
    assert CY_LEAD in found.posts[0].text and parse_tweet(found.posts[0].text).weightedLength > 276
    # A few characters less in the title, and the numbers fit again.
    shorter = _changed(_osian(), title="Missing man: " + "x" * (n - 4))
    assert all(_numbered(post) for post in _channel("x").render(shorter, COMBINED).posts)


def test_facebook_combined_is_one_post_with_each_language_whole() -> None:
    channel, appeal = _channel("facebook"), _osian()
    (post,) = channel.render(appeal, COMBINED).posts
    english, welsh = (
        channel.render(appeal.in_language(lang), SEPARATE).posts[0] for lang in appeal.languages
    )
    english_words = english.text.split(f"\n\n{URL}")[0]
    welsh_words = welsh.text.split(f"\n\n{CY_URL}")[0]
    assert post.text == (
        f"{english_words}\n\n{URL}\n\n{welsh_words}\n\n{CY_URL}\n\n#FindOsian #DodOHydIOsian"
    )
    assert post.weight == len(post.text)


def test_when_the_welsh_has_details_too_the_bilingual_post_says_them_in_both() -> None:
    appeal = _changed(
        _osian(),
        welsh={"summary": "Mae Osian Example, 19, ar goll."},
        summary="Osian Example, 19, is missing.",
    )
    # Mastodon's 500 characters take both languages' details (X's 280 do not).
    mastodon = _channel("mastodon").render(appeal, COMBINED)
    assert not _fallback(mastodon)
    assert "Aged 19." in mastodon.posts[0].text
    x = _channel("x").render(appeal, COMBINED)
    assert not _fallback(x)
    assert "Aged 19." not in x.posts[0].text
    assert any("(no room)" in w and "last seen" in w for w in x.warnings), x.warnings


def test_a_different_welsh_page_is_linked_after_the_welsh_words() -> None:
    welsh_url = "https://www.example.police.uk/cy/newyddion/2025/mawrth/osian-ar-goll/"
    appeal = _changed(_osian(), welsh={"url": welsh_url})
    for name in CHANNELS:
        text = _channel(name).render(appeal, COMBINED).posts[0].text
        if name == "bluesky":
            continue  # labels, not addresses: checked through the facets below
        assert text.index(EN_LEAD) < text.index(URL) < text.index(CY_LEAD) < text.index(welsh_url)
        assert text.count(URL) == 1 and text.count(welsh_url) == 1
    post = _channel("bluesky").render(appeal, COMBINED).posts[0]
    assert isinstance(post, BlueskyPost)
    links = [f.value for f in post.facets if f.kind == "link"]
    assert links == [URL, welsh_url]


def test_bluesky_facets_are_found_in_the_bilingual_posts_own_text() -> None:
    post = _channel("bluesky").render(_osian(), COMBINED).posts[0]
    assert isinstance(post, BlueskyPost)
    data = post.text.encode("utf-8")
    shown = {
        f.kind + ":" + f.value: data[f.byte_start : f.byte_end].decode("utf-8") for f in post.facets
    }
    assert shown == {
        f"link:{URL}": "example.police.uk/news/2025/m…",
        f"link:{CY_URL}": "example.police.uk/cy/news/202…",
        "tag:FindOsian": "#FindOsian",
        "tag:DodOHydIOsian": "#DodOHydIOsian",
    }
    assert post.weight == graphemes(post.text) <= MAX_GRAPHEMES


@pytest.mark.parametrize("name", CHANNELS)
def test_a_description_too_long_for_both_languages_is_the_primarys(name: str) -> None:
    welsh_alt = " ".join(["Disgrifiad hir iawn o'r llun."] * 50)[:1450]
    appeal = _changed(_osian(), welsh={"image_alt": welsh_alt})
    channel = _channel(name)
    rendition = channel.render(appeal, COMBINED)
    assert not _fallback(rendition)
    (media,) = rendition.posts[0].media
    both = f"{EN_ALT}\n\n{welsh_alt}"
    limit = channel.limits.max_alt if channel.limits else 0
    if len(both) <= limit:  # Bluesky's 2000
        assert media.alt_text == both
    else:  # X's and Facebook's 1000, Mastodon's 1500
        assert media.alt_text == EN_ALT
        assert any("described in en_GB only" in w for w in rendition.warnings), rendition.warnings


# ------------------------------------------------------------------- combined: falls back


def _too_long(name: str) -> Appeal:
    """The fixture with words too long for one bilingual post on ``name``'s platform, yet each
    language fits alone."""
    if name == "facebook":
        paragraph = "A long paragraph about what happened and what we are asking. " * 10
        body = [{"type": "paragraph", "spans": [{"text": f"{i}. {paragraph}"}]} for i in range(55)]
        return _changed(_osian(), welsh={"body": body}, body=body)
    words = "gair " * 60
    return _changed(
        _osian(),
        welsh={"title": f"Dyn ar goll: {words}".strip()[:295]},
        title=f"Missing man: {'word ' * 60}".strip()[:295],
    )


def test_facebook_posts_a_bilingual_appeal_as_one_post_in_either_mode() -> None:
    """A Page has no threads, and publishing refuses a rendition of more than one post: a
    bilingual appeal is one Page post (and one update comment) whatever the setting says."""
    channel, appeal = _channel("facebook"), _osian()
    separate, combined = channel.render(appeal, SEPARATE), channel.render(appeal, COMBINED)
    assert separate == combined and len(separate.posts) == 1
    assert CY_LEAD in separate.posts[0].text and EN_LEAD in separate.posts[0].text
    update = channel.render_update(appeal, SEPARATE)
    assert update == channel.render_update(appeal, COMBINED) and len(update.posts) == 1


def test_facebook_leaves_paragraphs_out_of_a_bilingual_post_too_long_for_one() -> None:
    channel, appeal = _channel("facebook"), _too_long("facebook")
    rendition = channel.render(appeal, SEPARATE)
    (post,) = rendition.posts
    assert post.weight <= FACEBOOK_LIMITS.max_weight
    assert CY_LEAD in post.text and EN_LEAD in post.text and URL in post.text
    assert [w for w in rendition.warnings if "paragraphs were left out" in w] == [
        "facebook: paragraphs were left out to fit both languages in one post of "
        "Facebook's 63,206 characters"
    ]
    assert not _fallback(rendition)


@pytest.mark.parametrize("name", THREADS)
def test_combined_falls_back_to_separate_posts_with_a_warning(name: str) -> None:
    channel, appeal = _channel(name), _too_long(name)
    rendition = channel.render(appeal, COMBINED)
    assert _fallback(rendition) == [
        f"{name}: the en_GB and cy_GB versions do not fit one bilingual post, so each language "
        "is posted separately"
    ]
    separate = channel.render(appeal, SEPARATE)
    assert rendition.posts == separate.posts
    assert rendition.warnings == (*_fallback(rendition), *separate.warnings)
    assert rendition.files[0].content == separate.files[0].content  # the same posts file


@pytest.mark.parametrize("name", CHANNELS)
def test_combined_update_is_one_post_in_both_languages(name: str) -> None:
    channel, appeal = _channel(name), _osian()
    rendition = channel.render_update(appeal, COMBINED)
    (post,) = rendition.posts
    text = _shown(post)
    assert text.startswith(f"UPDATE: {EN_LEAD}")
    assert f"\n\nDIWEDDARIAD: {CY_LEAD}" in text
    # Each language links its own page, after its own words.
    assert text.count(URL) == 1 and text.index(URL) < text.index("DIWEDDARIAD")
    assert text.count(CY_URL) == 1 and text.endswith(CY_URL)
    assert not post.media and not _fallback(rendition)


@pytest.mark.parametrize("name", THREADS)
def test_combined_update_falls_back_when_too_long(name: str) -> None:
    channel, appeal = _channel(name), _too_long(name)
    rendition = channel.render_update(appeal, COMBINED)
    assert _fallback(rendition)
    assert rendition.posts == channel.render_update(appeal, SEPARATE).posts


def _resolved(appeal: Appeal) -> Appeal:
    return _changed(
        appeal,
        welsh={"resolution": "Mae Osian wedi cael ei ddarganfod yn ddiogel."},
        status="resolved",
        resolution="Osian has been found safe.",
        revision=2,
    )


@pytest.mark.parametrize("name", CHANNELS)
def test_a_resolved_appeal_is_one_post_in_both_languages(name: str) -> None:
    channel, appeal = _channel(name), _resolved(_osian())
    (post,) = channel.render(appeal, COMBINED).posts
    welsh = "Mae Osian wedi cael ei ddarganfod yn ddiogel."
    text = _shown(post)
    assert text.startswith("Osian has been found safe.")
    assert text.index(URL) < text.index(f"\n\n{welsh}") and text.endswith(CY_URL)
    assert (text.count(URL), text.count(CY_URL)) == (1, 1)
    assert not post.media
    (update,) = channel.render_update(appeal, COMBINED).posts
    shown = _shown(update)
    assert shown.startswith("UPDATE: Osian has been found safe.")
    assert shown.index(URL) < shown.index(f"\n\nDIWEDDARIAD: {welsh}")
    assert shown.endswith(CY_URL) and (shown.count(URL), shown.count(CY_URL)) == (1, 1)


@pytest.mark.parametrize("name", CHANNELS)
def test_a_withdrawn_appeal_posts_nothing_in_either_mode(name: str) -> None:
    channel = _channel(name)
    appeal = _changed(_osian(), status="withdrawn")
    for context in (SEPARATE, COMBINED):
        rendition = channel.render(appeal, context)
        assert rendition.posts == () and rendition.removals
        assert not channel.render_update(appeal, context).posts


# ---------------------------------------------------------------- exact weights, randomised


_WORDS = st.lists(
    st.sampled_from([*PIECES, *EDGES, "Osian", "ffoniwch 999", "call 101."]), min_size=1, max_size=9
)


def _words(parts: list[str]) -> str:
    text = " ".join(parts).strip()
    return text if text.strip(" \r\n\u200d\ufe0f") else "Apêl"


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    en_title=_WORDS,
    cy_title=_WORDS,
    en_action=_WORDS,
    cy_action=_WORDS,
    en_tags=st.lists(st.sampled_from(["FindOsian", "Bangor", "HelpUs", "日本"]), max_size=3),
    cy_tags=st.lists(st.sampled_from(["DodOHydIOsian", "Bangor", "Helpwch"]), max_size=3),
)
def test_combined_posts_weigh_exactly_what_each_platform_counts(
    en_title: list[str],
    cy_title: list[str],
    en_action: list[str],
    cy_action: list[str],
    en_tags: list[str],
    cy_tags: list[str],
) -> None:
    """Random words in both languages: whether the bilingual post fits or not, every post's
    weight is the platform's own count (X: twitter-text's ``parse_tweet``) within its limit;
    when it fits, it holds both leads, else the warning says so and the posts are separate."""
    base = _osian()

    def body(action: str) -> list[dict[str, Any]]:
        return [
            {"type": "paragraph", "spans": [{"text": "We are appealing for help."}]},
            {"type": "call-to-action", "spans": [{"text": action}]},
        ]

    appeal = _changed(
        base,
        welsh={
            "title": _words(cy_title)[:300],
            "body": body(_words(cy_action)),
            "hashtags": list(dict.fromkeys(cy_tags)),
        },
        title=_words(en_title)[:300],
        body=body(_words(en_action)),
        hashtags=list(dict.fromkeys(en_tags)),
    )
    versions = [appeal.in_language(lang) for lang in appeal.languages]
    for name in THREADS:
        channel = _channel(name)
        for rendition in (
            channel.render(appeal, COMBINED),
            channel.render_update(appeal, COMBINED),
        ):
            for post in rendition.posts:
                if name == "x":
                    parsed = parse_tweet(post.text)
                    assert parsed.valid and post.weight == parsed.weightedLength <= 280, post.text
                elif name == "mastodon":
                    assert post.weight == mastodon_weigh(post.text) <= 500, post.text
                else:
                    assert post.weight == graphemes(post.text) <= MAX_GRAPHEMES, post.text
                    assert utf8_length(post.text) <= MAX_BYTES
        rendition = channel.render(appeal, COMBINED)
        if _fallback(rendition):
            assert rendition.posts == channel.render(appeal, SEPARATE).posts
        elif name != "bluesky":  # Bluesky shortens the links it shows, not the leads
            # (the "#" of a third hashtag in a post is taken off, as in every post)
            first = rendition.posts[0].text.replace("#", "")
            assert all(lead_line(v).replace("#", "") in first for v in versions), first


# ---------------------------------------------------------------------------------- previews


@pytest.mark.parametrize("mode", ["separate", "combined"])
def test_previews_show_what_the_channels_would_post(mode: str, tmp_path: Path) -> None:
    """The editor's previews come from the registry's context, so they follow the setting."""
    from publisher.bootstrap import build_registry
    from publisher.entrypoints.web.views import previews

    registry = build_registry(
        Settings.from_env({"PUBLISHER_DATA_DIR": str(tmp_path), "PUBLISHER_BILINGUAL_POSTS": mode})
    )
    appeal = _osian()
    shown = {social.channel: social for social in previews(appeal, registry).social}
    assert set(CHANNELS) <= set(shown)
    context = COMBINED if mode == "combined" else SEPARATE
    for name in CHANNELS:
        posts = _channel(name).render(appeal, context).posts
        assert [p.text for p in shown[name].posts] == [p.text for p in posts], name
    assert (EN_LEAD in shown["x"].posts[0].text and CY_LEAD in shown["x"].posts[0].text) == (
        mode == "combined"
    )


# ------------------------------------------------------------------------------------- lint


def test_the_appeals_page_in_each_language_is_one_link_for_the_linter() -> None:
    from publisher.channel import SocialPost
    from publisher.lint import lint_renditions

    welsh_url = "https://www.example.police.uk/cy/newyddion/2025/mawrth/osian-ar-goll/"
    appeal = _changed(_osian(), welsh={"url": welsh_url})
    renditions = [_channel(name).render(appeal, COMBINED) for name in THREADS]
    assert all(welsh_url in r.posts[0].text for r in renditions[:2])
    codes = [f.code for f in lint_renditions(appeal, renditions)]
    assert "social-links" not in codes
    other = SocialPost(
        text=f"{EN_LEAD}\n{URL}\n{CY_LEAD}\n{welsh_url}\nhttps://b.example/2", weight=1
    )
    bare = Rendition(channel="x", appeal_id=appeal.id, revision=1, posts=(other,))
    (finding,) = [f for f in lint_renditions(appeal, [bare]) if f.code == "social-links"]
    assert "2 links" in finding.message


@pytest.mark.parametrize("name", CHANNELS)
def test_the_derived_welsh_page_is_one_link_with_the_english_for_the_linter(name: str) -> None:
    """The Welsh page at the address the record derives (``cy/<path>``), linked beside the
    English in a bilingual post (Facebook's always is), is the appeal's own page, not a
    second link."""
    from publisher.lint import lint_renditions

    appeal = _osian()
    rendition = _channel(name).render(appeal, COMBINED)
    assert URL in _shown(rendition.posts[0]) and CY_URL in _shown(rendition.posts[0])
    assert "social-links" not in [f.code for f in lint_renditions(appeal, [rendition])]
