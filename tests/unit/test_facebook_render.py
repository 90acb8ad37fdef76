"""The Facebook Page rendering: one plain-text post, the whole appeal, hashtags last."""

from __future__ import annotations

from pathlib import Path

from publisher.channel import RenderContext
from publisher.channels.facebook import (
    FACEBOOK_LIMITS,
    MAX_CHARACTERS,
    FacebookChannel,
    render_posts,
    render_update_posts,
)
from publisher.domain.record import Appeal, AppealStatus

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"


def sample(**changes: object) -> Appeal:
    appeal = Appeal.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    return appeal.model_copy(update=changes) if changes else appeal


def test_one_post_with_everything_in_reading_order() -> None:
    appeal = sample()
    rendition = FacebookChannel().render(appeal, RenderContext())
    [post] = rendition.posts
    text = post.text
    assert rendition.limits == FACEBOOK_LIMITS and FACEBOOK_LIMITS.name == "Facebook"
    assert post.weight == len(text) <= MAX_CHARACTERS
    assert text.startswith("Missing person: Have you seen Sam Example?")
    assert "Aged 34." in text
    # Every contact on its own line, numbers grouped; the link, then hashtags last.
    assert "National Domestic Abuse Helpline: 0808 200 0247" in text.splitlines()
    assert text.index("Who to contact:") < text.index(str(appeal.url))
    assert "<" not in text and "**" not in text
    last = text.rsplit("\n\n", 1)[-1]
    assert all(word.startswith("#") for word in last.split()) or last == str(appeal.url)
    # The image goes with its alt text.
    [media] = post.media
    assert appeal.image is not None
    assert media.url == str(appeal.image.url) and media.alt_text == appeal.image.alt


def test_camel_case_hashtags_at_the_end() -> None:
    appeal = sample(hashtags=("missingperson", "findsam2"))
    [post] = render_posts(appeal).posts
    tags = post.text.rsplit("\n\n", 1)[-1].split()
    assert tags and all(tag.startswith("#") for tag in tags)
    assert "#missingperson" not in post.text


def test_the_same_appeal_gives_the_same_bytes() -> None:
    channel = FacebookChannel()
    first = channel.render(sample(), RenderContext())
    again = FacebookChannel().render(sample(), RenderContext())
    assert first.files == again.files and first.posts == again.posts


def test_an_image_without_alt_text_is_left_out_with_a_warning() -> None:
    appeal = sample()
    assert appeal.image is not None
    rendered = render_posts(sample(image=appeal.image.model_copy(update={"alt": None})))
    assert rendered.posts[0].media == ()
    assert any("no alt text" in w for w in rendered.warnings)


def test_a_resolved_appeal_is_the_resolution_and_the_link_only() -> None:
    appeal = sample(status=AppealStatus.RESOLVED, resolution="Sam has been found safe and well.")
    [post] = render_posts(appeal).posts
    assert post.text == f"Sam has been found safe and well.\n\n{appeal.url}"
    assert post.media == ()
    [update] = render_update_posts(appeal).posts
    assert update.text.startswith("UPDATE: Sam has been found")


def test_a_withdrawn_appeal_posts_nothing() -> None:
    appeal = sample(status=AppealStatus.WITHDRAWN)
    rendition = FacebookChannel().render(appeal, RenderContext())
    assert rendition.posts == () and rendition.removals == (f"social/facebook/{appeal.id}.json",)


def test_an_appeal_longer_than_facebook_takes_keeps_contacts_and_link() -> None:
    from publisher.domain.record import Paragraph, Span

    long = tuple(
        Paragraph(spans=(Span(text=f"Paragraph {i} " + "word " * 2000),)) for i in range(8)
    )
    appeal = sample()
    rendered = render_posts(appeal.model_copy(update={"body": appeal.body + long}))
    [post] = rendered.posts
    assert len(post.text) <= MAX_CHARACTERS
    assert str(appeal.url) in post.text and "Who to contact:" in post.text
    assert any("left out" in w for w in rendered.warnings)


def test_the_linter_checks_the_post_against_facebook_limits() -> None:
    from publisher.lint import lint_renditions

    appeal = sample(hashtags=("FindSam", "Exampletown", "MissingPerson", "PleaseShare"))
    rendition = FacebookChannel().render(appeal, RenderContext())
    codes = {finding.code for finding in lint_renditions(appeal, [rendition])}
    assert "social-hashtags" not in codes  # at most two, whatever the record has
    assert rendition.posts[0].text.count("#") <= 2
