"""The x channel's rendering: X's own counting, threads, numbers never split, alt text, hashtags."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher.channel import RenderContext, Rendition
from publisher.channels.x import RateLimitState, XChannel
from publisher.channels.x._twitter_text import parse_tweet  # the library, as X counts
from publisher.channels.x.entities import hashtags_in
from publisher.channels.x.text import camel_case, split_to_fit, tokens
from publisher.domain.phones import grouped
from publisher.domain.record import Appeal, Contact
from publisher.errors import TransientPublishError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
CTX = RenderContext()

HELPLINES = [
    ("Derby City Domestic Abuse Service", "+448000853481", "0800 085 3481"),
    ("Derbyshire Domestic Abuse Service", "+448000198668", "0800 019 8668"),
    ("National Domestic Abuse Helpline", "+448082000247", "0808 200 0247"),
    ("Men's Advice Line", "+448088010327", "0808 801 0327"),
    ("National LGBT+ Domestic Abuse Helpline", "+448009995428", "0800 999 5428"),
    ("Rape and Sexual Violence Services", "+441773746115", "01773 746 115"),
    ("Childline", "08001111", "0800 1111"),
    ("Respect Phoneline", "+448088024040", "0808 8024040"),
]


def sample() -> Appeal:
    return Appeal.from_json(FIXTURE.read_text(encoding="utf-8"))


def appeal(**changes: Any) -> Appeal:
    """A seed-like advice appeal (many helplines), with ``changes`` applied."""
    data: dict[str, Any] = {
        "id": "domestic-abuse-support",
        "kind": "advice",
        "title": "Domestic abuse victims urged to seek support",
        "summary": "Help is still there for anyone living with domestic abuse during lockdown.",
        "area": "Derbyshire",
        "url": "https://www.derbyshire.police.uk/news/2020/march/domestic-abuse-support/",
        "published_at": "2020-04-02T12:53:00Z",
        "hashtags": ["youarenotalone"],
        "image": {
            "url": "https://www.derbyshire.police.uk/img/og.jpg",
            "alt": "Derbyshire Constabulary crest on a blue background.",
        },
        "body": [
            {
                "type": "paragraph",
                "spans": [
                    {
                        "text": "We are raising awareness of how you can contact us, or local "
                        "support services, if you are experiencing domestic abuse."
                    }
                ],
            },
            {
                "type": "quote",
                "speaker": "DCI Brian Bilby",
                "paragraphs": [
                    {
                        "type": "paragraph",
                        "spans": [
                            {
                                "text": "Please remember that you can still call 999 if you "
                                "or someone else is in danger."
                            }
                        ],
                    }
                ],
            },
            {
                "type": "contacts",
                "contacts": [
                    {"name": name, "kind": "phone", "value": value, "display": display}
                    for name, value, display in HELPLINES
                ]
                + [
                    {
                        "name": "Sail Derbyshire",
                        "kind": "web",
                        "value": "https://sailderbyshire.org.uk/",
                        "display": "sailderbyshire.org.uk",
                        "note": "a variety of numbers are available via the website",
                    }
                ],
            },
        ],
    }
    data.update(changes)
    return Appeal.model_validate(data)


def render(item: Appeal) -> Rendition:
    return XChannel().render(item, CTX)


def assert_fits(rendition: Rendition) -> None:
    for post in rendition.posts:
        parsed = parse_tweet(post.text)
        assert parsed.valid, post.text
        assert parsed.weightedLength <= 280, post.text
        assert post.weight == parsed.weightedLength


# ------------------------------------------------------------------------------ first post


def test_sample_first_post_has_attention_line_action_link_and_image() -> None:
    rendition = render(sample())
    assert_fits(rendition)
    first = rendition.posts[0]
    assert first.text.startswith("Missing person: Have you seen Sam Example?")
    assert "Share this appeal using #FindSam." in first.text
    assert "https://www.example.police.uk/news/2020/october/missing-sam/" in first.text
    assert hashtags_in(first.text) == ["FindSam"]  # the appeal's tag is not repeated
    (media,) = first.media
    assert media.url == "https://www.example.police.uk/img/sam.jpg"
    assert media.alt_text == "Sam Example, a woman with short dark hair, smiling."
    assert all(not post.media for post in rendition.posts[1:])
    assert rendition.warnings == ()


def missing(**changes: Any) -> Appeal:
    data = json.loads(sample().to_json())
    data.update(changes)
    return Appeal.model_validate(data)


def test_a_missing_persons_first_post_gives_their_age_and_where_they_were_last_seen() -> None:
    rendition = render(sample())
    assert_fits(rendition)
    first = rendition.posts[0].text
    # The age from the summary ("Sam, 34,") and the body's last-seen sentence, as written.
    assert "Aged 34. Sam was last seen in Example Road at 11pm on Friday 23 October." in first
    assert first.index("Have you seen Sam Example?") < first.index("Aged 34.")
    assert first.index("Aged 34.") < first.index("Share this appeal")


@pytest.mark.parametrize(
    ("summary", "age"),
    [
        ("We want to find Sam Example (34) from Exampletown.", "34"),
        ("Sam, who is 34, is missing from Exampletown.", "34"),
        ("Have you seen missing 34-year-old Sam?", "34"),
        ("Sam, aged 34, is missing.", "34"),
        ("Have you seen Sam? She is 34 years old.", "34"),
        ("Have you seen Sam from Exampletown?", None),  # no age: none is made up
        ("Sam is about 5ft 4in tall.", None),
        ("Help us find Sam. Call 101 or 999.", None),
    ],
)
def test_the_age_is_read_as_forces_write_it(summary: str, age: str | None) -> None:
    first = render(missing(summary=summary)).posts[0].text
    if age is None:
        assert "Aged" not in first
    else:
        assert f"Aged {age}." in first


def test_nothing_is_repeated_that_the_title_or_the_sentence_already_says() -> None:
    first = render(missing(title="Missing Sam, 34, last seen in Example Road")).posts[0].text
    assert "Aged" not in first
    assert "Sam was last seen" not in first
    body = json.loads(sample().to_json())["body"]
    body[0]["spans"][0]["text"] = "Sam, 34, was last seen in Example Road on Friday."
    first = render(missing(body=body)).posts[0].text
    assert "Aged" not in first
    assert "Sam, 34, was last seen in Example Road on Friday." in first


def test_other_kinds_and_resolved_appeals_get_no_personal_details() -> None:
    for kind in ("witness-appeal", "wanted", "news"):
        assert "Aged" not in render(missing(kind=kind)).posts[0].text
        assert "last seen" not in render(missing(kind=kind)).posts[0].text
    resolved = render(missing(status="resolved", resolution="Sam has been found."))
    assert [post.text.split("\n")[0] for post in resolved.posts] == ["Sam has been found."]


def test_details_that_do_not_fit_move_whole_to_the_thread() -> None:
    long_seen = "Sam was last seen " + "walking along a very long road, " * 6 + "on Friday."
    body = json.loads(sample().to_json())["body"]
    body[0]["spans"][0]["text"] = long_seen
    rendition = render(missing(body=body))
    assert_fits(rendition)
    texts = [post.text for post in rendition.posts]
    assert long_seen not in texts[0]
    assert "Aged 34." in texts[0]
    assert sum(long_seen in text for text in texts) == 1  # whole, once, in the thread
    assert any("missing person did not fit" in warning for warning in rendition.warnings)


def test_a_long_call_to_action_keeps_its_first_sentences_in_the_first_post() -> None:
    cta = {
        "type": "call-to-action",
        "spans": [
            {
                "text": "If you see Sam, call 999 straight away. " + "Any other information "
                "helps us, so please call 101 quoting incident 123 of 23 October 2020, or "
                "report it online at any time of the day or night on our website."
            }
        ],
    }
    body = [*json.loads(sample().to_json())["body"][:-1], cta]
    rendition = render(missing(body=body))
    assert_fits(rendition)
    first, second = rendition.posts[0].text, rendition.posts[1].text
    assert "If you see Sam, call 999 straight away." in first
    assert second.startswith("Any other information helps us")


def test_without_call_to_action_block_the_first_sentence_with_a_number_is_used() -> None:
    rendition = render(appeal())
    first = rendition.posts[0].text
    assert first.startswith("Domestic abuse victims urged to seek support\n\n")
    assert "Please remember that you can still call 999 if you or someone else is in danger." in (
        first
    )
    assert "https://www.derbyshire.police.uk/news/2020/march/domestic-abuse-support/" in first


def test_lower_case_hashtag_becomes_camel_case() -> None:
    first = render(appeal()).posts[0].text
    assert "#YouAreNotAlone" in first
    assert "#youarenotalone" not in first


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("youarenotalone", "YouAreNotAlone"),
        ("findsam", "FindSam"),
        ("domesticabuse", "DomesticAbuse"),
        ("FindSam", "FindSam"),  # the author's capitals are kept
        ("RSPCA", "RSPCA"),  # all capitals: an acronym, kept
        ("rspca", "rspca"),  # one word that is not common: cannot split reliably, kept
        ("xqzt", "xqzt"),  # nonsense: kept
        ("police", "police"),  # one word: nothing to split
        ("covid19", "covid19"),  # digits: kept as written
    ],
)
def test_camel_case_only_when_the_split_is_reliable(tag: str, expected: str) -> None:
    assert camel_case(tag) == expected


def test_never_more_than_two_hashtags_in_a_post() -> None:
    item = appeal(
        title="Stay safe #YouAreNotAlone #DomesticAbuse #ReportIt #Lockdown",
        hashtags=["SafeAtHome", "Help"],
        summary="Call us on 101. #One #Two #Three",
    )
    rendition = render(item)
    assert_fits(rendition)
    for post in rendition.posts:
        assert len(hashtags_in(post.text)) <= 2, post.text
    assert any("hashtags" in warning for warning in rendition.warnings)
    # the extra tags stay as words, so nothing is lost
    assert "ReportIt" in rendition.posts[0].text


# ------------------------------------------------------------------------------ threads


def test_many_helplines_make_a_numbered_thread_with_every_number_whole() -> None:
    rendition = render(appeal())
    assert_fits(rendition)
    posts = rendition.posts
    assert len(posts) >= 2
    total = len(posts)
    for index, post in enumerate(posts, start=1):
        assert post.text.endswith(f"\n{index}/{total}")
    for name, value, display in HELPLINES:
        # As every channel shows it: "01773 746 115" is "01773 746115", the national format.
        shown = grouped(Contact(name=name, kind="phone", value=value, display=display))
        holding = [p for p in posts if f"{name}: {shown}" in p.text]
        assert len(holding) == 1, f"{name}: {shown} must appear whole in exactly one post"
    assert "https://sailderbyshire.org.uk/" in "\n".join(p.text for p in posts)
    assert "Who to contact:" in "\n".join(p.text for p in posts[1:])


def test_a_heading_is_never_left_alone_at_the_end_of_a_post() -> None:
    for post in render(appeal()).posts:
        lines = post.text.split("\n")
        body = lines[:-1] if re.fullmatch(r"\d+/\d+", lines[-1]) else lines
        assert body[-1] != "Who to contact:"


def test_long_contact_notes_split_at_words_without_breaking_numbers() -> None:
    note = " ".join(["open every day from 8am to 8pm, also on 0800 123 4567 at night"] * 8)
    contacts = [
        {
            "name": "Helpline",
            "kind": "phone",
            "value": "+448001234567",
            "display": "0800 123 4567",
            "note": note,
        }
    ]
    item = appeal(body=[{"type": "contacts", "contacts": contacts}])
    rendition = render(item)
    assert_fits(rendition)
    assert len(rendition.posts) >= 3
    for post in rendition.posts:
        # every "0800 …" in a post is the whole number
        for match in re.finditer(r"0800[\d ]*", post.text):
            assert match.group(0).strip() == "0800 123 4567", post.text


def test_split_to_fit_keeps_every_word_and_never_splits_numbers_or_urls() -> None:
    rng = random.Random(20200402)
    vocabulary = [
        "call",
        "us",
        "on",
        "0808 200 0247.",
        "https://www.example.police.uk/advice/domestic-abuse/",
        "support",
        "is",
        "available",
        "18001 101",
        "+44 (0)1773 746 115",
        "日本語",
        "Wednesday.",
        "Help",
    ]
    text = " ".join(rng.choice(vocabulary) for _ in range(400))
    pieces = split_to_fit(text, 120)
    assert len(pieces) > 5
    for piece in pieces:
        parsed = parse_tweet(piece)
        assert parsed.valid and parsed.weightedLength <= 120
    assert tokens(" ".join(pieces)) == tokens(text)
    for piece in pieces:
        for number in ("0808 200 0247", "18001 101", "+44 (0)1773 746 115"):
            head = number.split(" ")[0]
            for match in re.finditer(re.escape(head), piece):
                assert piece[match.start() :].startswith(number), piece


def test_weighted_counting_is_xs_not_len() -> None:
    # CJK characters weigh 2 each: 150 of them would be 300 (too much) although len() is 150.
    title = "行方不明者" * 30
    rendition = render(appeal(title=title, hashtags=[]))
    assert_fits(rendition)
    assert rendition.posts[0].weight <= 280
    assert "…" in rendition.posts[0].text
    assert any("title was shortened" in w for w in rendition.warnings)


def test_urls_count_23_whatever_their_length() -> None:
    long_url = "https://www.example.police.uk/" + "a" * 400 + "/"
    rendition = render(appeal(url=long_url))
    assert_fits(rendition)
    assert long_url in rendition.posts[0].text


# ------------------------------------------------------------------------------ images


def test_missing_alt_text_means_no_image_and_a_warning() -> None:
    item = appeal(image={"url": "https://www.example.police.uk/img/og.jpg"})
    rendition = render(item)
    assert all(not post.media for post in rendition.posts)
    assert any("no alt text" in warning for warning in rendition.warnings)


def test_blank_alt_text_counts_as_missing() -> None:
    item = appeal(image={"url": "https://www.example.police.uk/img/og.jpg", "alt": " \u200b "})
    rendition = render(item)
    assert all(not post.media for post in rendition.posts)
    assert rendition.warnings


def test_alt_text_is_cut_to_xs_1000_characters() -> None:
    alt = "A long description of the photograph. " * 60
    rendition = render(appeal(image={"url": "https://www.example.police.uk/a.jpg", "alt": alt}))
    (media,) = rendition.posts[0].media
    assert len(media.alt_text) <= 1000
    assert media.alt_text.endswith("…")
    assert any("alt text was shortened" in w for w in rendition.warnings)


# ------------------------------------------------------------------------------ safety


def test_hostile_text_is_just_text() -> None:
    hostile = '<script>alert(1)</script> "><img src=x onerror=alert(1)> ]]> & Co\x00\x07\u202e'
    item = appeal(title=hostile, summary=f"Summary {hostile}")
    rendition = render(item)
    assert_fits(rendition)
    text = "\n".join(post.text for post in rendition.posts)
    # Tags are dropped, as the text channel drops them (a post is copied into other apps and
    # pages); the words around them stay, and so do a stray quote and bracket.
    assert "<script" not in text and "<img" not in text and "</script>" not in text
    assert 'alert(1) "> ]]> & Co' in text
    for char in ("\x00", "\x07", "\u202e"):
        assert char not in text
    payload = json.loads(rendition.file(".json").content)
    assert payload["posts"][0]["text"] == rendition.posts[0].text


def test_no_emoji_is_added() -> None:
    import emoji

    for post in render(appeal()).posts:
        assert emoji.emoji_count(post.text) == 0


# ------------------------------------------------------------------------------ states, files


def test_json_file_is_what_the_cli_prints() -> None:
    rendition = render(sample())
    (output,) = rendition.files
    assert output.path == "social/x/missing-woman-sam-example.json"
    assert output.media_type == "application/json"
    payload = json.loads(output.content)
    assert payload["appeal"] == "missing-woman-sam-example"
    assert payload["revision"] == 1
    assert [p["text"] for p in payload["posts"]] == [p.text for p in rendition.posts]
    assert [p["weight"] for p in payload["posts"]] == [p.weight for p in rendition.posts]
    assert payload["posts"][0]["media"] == [
        {
            "url": "https://www.example.police.uk/img/sam.jpg",
            "alt_text": "Sam Example, a woman with short dark hair, smiling.",
        }
    ]


def test_rendering_is_deterministic() -> None:
    first = render(appeal())
    second = XChannel().render(appeal(), CTX)
    assert first == second
    assert first.files[0].content == second.files[0].content


def test_resolved_appeal_is_one_post_with_the_resolution_and_link_only() -> None:
    item = Appeal.model_validate(
        {
            **sample().model_dump(),
            "status": "resolved",
            "resolution": "Sam has been found safe and well.",
        }
    )
    rendition = render(item)
    assert_fits(rendition)
    (post,) = rendition.posts
    assert post.text == (
        "Sam has been found safe and well.\n\n"
        "https://www.example.police.uk/news/2020/october/missing-sam/"
    )
    assert post.media == ()
    assert "Sam Example" not in post.text  # no personal details once resolved


def test_withdrawn_appeal_has_no_posts_and_removes_its_file() -> None:
    item = Appeal.model_validate({**sample().model_dump(), "status": "withdrawn"})
    rendition = render(item)
    assert rendition.posts == ()
    assert rendition.files == ()
    assert rendition.removals == ("social/x/missing-woman-sam-example.json",)


def test_update_post_says_update_and_links() -> None:
    item = Appeal.model_validate({**sample().model_dump(), "revision": 2})
    rendition = XChannel().render_update(item, CTX)
    assert_fits(rendition)
    (post,) = rendition.posts
    assert post.text.startswith("UPDATE: Missing person: Have you seen Sam Example?")
    assert post.text.endswith("https://www.example.police.uk/news/2020/october/missing-sam/")
    assert json.loads(rendition.files[0].content)["update"] is True


def test_update_for_a_resolution_uses_the_resolution_line() -> None:
    item = Appeal.model_validate(
        {**sample().model_dump(), "status": "resolved", "resolution": "Sam has been found."}
    )
    (post,) = XChannel().render_update(item, CTX).posts
    assert post.text.startswith("UPDATE: Sam has been found.")


# ------------------------------------------------------------------------------ rate limits


def test_rate_limit_state_round_trips_and_stops_before_the_limit() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    reset = int((now + timedelta(minutes=10)).timestamp())
    state = RateLimitState()
    state.update(
        "POST /2/tweets",
        {
            "x-rate-limit-limit": "300",
            "x-rate-limit-remaining": "2",
            "x-rate-limit-reset": str(reset),
            "x-user-limit-24hour-limit": "17",
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(reset + 3600),
        },
    )
    restored = RateLimitState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored.to_dict() == state.to_dict()
    with pytest.raises(TransientPublishError) as caught:
        restored.check("POST /2/tweets", now)
    assert caught.value.retry_at == datetime.fromtimestamp(reset + 3600, UTC)
    # after the resets, nothing blocks
    restored.check("POST /2/tweets", now + timedelta(hours=2))
    # other endpoints are independent
    restored.check("POST /2/media/upload", now)


def test_rate_limit_state_refuses_a_thread_the_window_cannot_hold() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    reset = int((now + timedelta(minutes=5)).timestamp())
    state = RateLimitState()
    state.update(
        "POST /2/tweets",
        {
            "x-rate-limit-limit": "300",
            "x-rate-limit-remaining": "2",
            "x-rate-limit-reset": str(reset),
        },
    )
    state.check("POST /2/tweets", now, needed=2)
    with pytest.raises(TransientPublishError):
        state.check("POST /2/tweets", now, needed=3)
