"""Publishing to Bluesky with the real ``atproto`` client against tests.support.blueskyfake.

Nothing is mocked: the client sends real XRPC requests over real sockets to a server answering
as a PDS does, which validates every post (graphemes, facets' byte ranges, images, reply refs)
and records it; the channel translates what comes back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from publisher.bootstrap import build_registry
from publisher.channel import Media, Rendition, SocialPost, Target
from publisher.channels.bluesky import (
    LIMITS,
    BlueskyChannel,
    BlueskyPost,
    graphemes,
    record_key,
    richtext,
)
from publisher.domain.record import Appeal
from publisher.errors import AmbiguousPublishError, PermanentPublishError, TransientPublishError
from publisher.settings import Settings, SettingsError
from tests.support.blueskyfake import FakeBluesky, FakeBlueskyConfig

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
CREATE = "com.atproto.repo.createRecord"
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


@pytest.fixture()
def fake() -> Iterator[FakeBluesky]:
    with FakeBluesky() as server:
        yield server


_OPEN: list[BlueskyChannel] = []


@pytest.fixture(autouse=True)
def _close_channels() -> Iterator[None]:
    """Every channel a test made closes its HTTP connections when the test ends."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def channel_for(fake: FakeBluesky, **changes: Any) -> BlueskyChannel:
    settings = fake.settings(connect_timeout=2.0, read_timeout=2.0, **changes)
    channel = BlueskyChannel(settings=settings)
    _OPEN.append(channel)
    return channel


def thread(*texts: str, image: tuple[str, str] | None = None) -> Rendition:
    posts: list[SocialPost] = []
    for number, text in enumerate(texts):
        rich = richtext(text)
        media = (Media(url=image[0], alt_text=image[1]),) if image and number == 0 else ()
        posts.append(
            BlueskyPost(
                text=rich.text, weight=graphemes(rich.text), media=media, facets=rich.facets
            )
        )
    return Rendition(
        channel="bluesky", appeal_id="test-appeal", revision=1, posts=tuple(posts), limits=LIMITS
    )


def test_a_thread_has_root_and_parent_refs_and_the_image_its_alt_text(fake: FakeBluesky) -> None:
    channel = channel_for(fake)
    rendition = thread(
        f"Dŵr {FAMILY} is missing https://www.example.police.uk/news/missing/dwr-jones/ #FindDwr",
        "Second part",
        "Third part",
        image=(fake.image_url(), "Dŵr, smiling, in a red coat"),
    )
    receipt = channel.publish(rendition, Target(idempotency_key="publisher-t1"))
    posts = fake.posts
    assert [p["uri"] for p in posts] == list(receipt.remote_ids)
    first, second, third = (p["record"] for p in posts)
    assert "reply" not in first
    root = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
    assert {k: second["reply"]["root"][k] for k in ("uri", "cid")} == root
    assert {k: second["reply"]["parent"][k] for k in ("uri", "cid")} == root
    assert {k: third["reply"]["root"][k] for k in ("uri", "cid")} == root
    assert third["reply"]["parent"]["uri"] == posts[1]["uri"]
    assert third["reply"]["parent"]["cid"] == posts[1]["cid"]
    [image] = first["embed"]["images"]
    assert image["alt"] == "Dŵr, smiling, in a red coat"
    assert image["image"]["ref"]["$link"] in {b["ref"]["$link"] for b in fake.blobs}
    # The facets the PDS received cover the label and the tag, in UTF-8 bytes.
    data = first["text"].encode("utf-8")
    link, tag = first["facets"]
    assert link["features"][0]["uri"] == "https://www.example.police.uk/news/missing/dwr-jones/"
    assert data[link["index"]["byteStart"] : link["index"]["byteEnd"]].decode() == (
        "example.police.uk/news/missin…"
    )
    assert data[tag["index"]["byteStart"] : tag["index"]["byteEnd"]].decode() == "#FindDwr"
    assert [p["rkey"] for p in posts] == [record_key("publisher-t1", n) for n in (1, 2, 3)]
    assert receipt.url == f"https://bsky.app/profile/{fake.config.handle}/post/{posts[0]['rkey']}"


def test_the_session_is_created_once_for_many_posts_and_refreshed_when_expired(
    fake: FakeBluesky,
) -> None:
    channel = channel_for(fake)
    for number in range(4):
        channel.publish(thread(f"Post {number}", "and more"), Target(idempotency_key=f"k{number}"))
    assert fake.sessions_created == 1
    fake.expire_sessions()  # the PDS says ExpiredToken although the JWT's exp is ahead
    channel.publish(thread("After expiry"), Target(idempotency_key="k-late"))
    assert fake.sessions_created == 1 and fake.sessions_refreshed == 1
    assert len(fake.live_posts) == 9
    logins = [r for r in fake.requests if r["method"] == "com.atproto.server.createSession"]
    assert len(logins) == 1


def test_a_short_lived_access_token_is_refreshed_by_the_client_not_recreated() -> None:
    with FakeBluesky(FakeBlueskyConfig(access_seconds=60)) as fake:
        channel = channel_for(fake)
        channel.publish(thread("One", "Two"), Target(idempotency_key="short"))
        assert fake.sessions_created == 1 and fake.sessions_refreshed >= 1
        assert len(fake.posts) == 2


def test_exactly_300_graphemes_is_accepted_by_the_pds(fake: FakeBluesky) -> None:
    text = (f"{FAMILY}e\u0301ŵ " * 100)[: len(f"{FAMILY}e\u0301ŵ ") * 75 - 1]
    assert graphemes(text) == 299
    text += "!"
    channel_for(fake).publish(thread(text), Target(idempotency_key="k300"))
    assert fake.posts[0]["text"] == text
    with pytest.raises(PermanentPublishError, match="301 graphemes"):
        channel_for(fake).publish(thread(text + "!"), Target(idempotency_key="k301"))
    assert len(fake.posts) == 1


def test_a_429_is_transient_until_the_reset_and_blocks_this_process(fake: FakeBluesky) -> None:
    channel = channel_for(fake)
    fake.fail(CREATE, "429", reset_in=120)
    with pytest.raises(TransientPublishError, match="rate limit") as caught:
        channel.publish(thread("Hello"), Target(idempotency_key="r1"))
    retry_at = caught.value.retry_at
    assert retry_at is not None and retry_at > datetime.now(UTC)
    before = len(fake.requests)
    with pytest.raises(TransientPublishError, match="resets at"):
        channel.publish(thread("Hello"), Target(idempotency_key="r1"))
    assert len(fake.requests) == before  # nothing sent while the limit holds
    assert fake.posts == []


@pytest.mark.parametrize("fault", ["500", "503"])
def test_a_server_error_is_transient_and_nothing_is_posted(fake: FakeBluesky, fault: str) -> None:
    fake.fail(CREATE, fault)
    with pytest.raises(TransientPublishError, match="unavailable"):
        channel_for(fake).publish(thread("Hello"), Target(idempotency_key=f"e{fault}"))
    assert fake.posts == []
    # The retry of the same delivery posts it, once.
    channel_for(fake).publish(thread("Hello"), Target(idempotency_key=f"e{fault}"))
    assert len(fake.posts) == 1


def test_a_dropped_answer_is_ambiguous_and_the_retry_finds_the_post(fake: FakeBluesky) -> None:
    channel = channel_for(fake)
    fake.fail(CREATE, "drop", skip=1)
    with pytest.raises(AmbiguousPublishError, match="may exist") as caught:
        channel.publish(thread("One", "Two", "Three"), Target(idempotency_key="amb"))
    assert len(caught.value.posted_ids) == 1
    assert len(fake.posts) == 2  # the second was made; its answer never came
    receipt = channel.publish(thread("One", "Two", "Three"), Target(idempotency_key="amb"))
    posts = fake.posts
    assert len(posts) == 3 and [p["uri"] for p in posts] == list(receipt.remote_ids)
    # The PDS refused the second create of the same key; the channel read the record back.
    creates = [r for r in fake.requests if r["method"] == CREATE]
    assert len(creates) == 2 + 3
    assert posts[2]["record"]["reply"]["parent"]["uri"] == posts[1]["uri"]


def test_a_timeout_after_sending_is_ambiguous(fake: FakeBluesky) -> None:
    fake.fail(CREATE, "stall", seconds=4)
    with pytest.raises(AmbiguousPublishError):
        channel_for(fake).publish(thread("Slow"), Target(idempotency_key="slow"))


def test_refused_credentials_are_a_credentials_error() -> None:
    with FakeBluesky() as fake:
        channel = channel_for(fake, app_password=_secret("wrong"))
        with pytest.raises(PermanentPublishError) as caught:
            channel.publish(thread("Hi"), Target())
        assert caught.value.credentials
        assert "wrong" not in str(caught.value)


def _secret(value: str) -> Any:
    from publisher.domain.secret import Secret

    return Secret(value)


def test_an_update_replies_to_the_first_post(fake: FakeBluesky) -> None:
    channel = channel_for(fake)
    first = channel.publish(thread("First", "Second"), Target(idempotency_key="u0"))
    update = channel.publish(
        thread("UPDATE: found"), Target(idempotency_key="u1", reply_to=first.remote_ids[0])
    )
    record = fake.posts[-1]["record"]
    assert record["reply"]["parent"]["uri"] == first.remote_ids[0]
    assert record["reply"]["root"]["uri"] == first.remote_ids[0]
    assert update.remote_ids[0] == fake.posts[-1]["uri"]


def test_a_thread_resumes_after_the_parts_already_posted(fake: FakeBluesky) -> None:
    channel = channel_for(fake)
    fake.fail(CREATE, "400", skip=1)
    with pytest.raises(PermanentPublishError) as caught:
        channel.publish(thread("A", "B", "C"), Target(idempotency_key="res"))
    done = caught.value.posted_ids
    assert len(done) == 1
    channel.publish(thread("A", "B", "C"), Target(idempotency_key="res", already_posted=done))
    posts = fake.posts
    assert [p["text"] for p in posts] == ["A", "B", "C"]
    assert posts[2]["record"]["reply"]["root"]["uri"] == posts[0]["uri"]


def test_deleting_posts_and_posts_already_gone(fake: FakeBluesky) -> None:
    channel = channel_for(fake)
    receipt = channel.publish(thread("A", "B"), Target(idempotency_key="del"))
    deleted = channel.delete_posts(receipt.remote_ids, Target())
    assert deleted.remote_ids == receipt.remote_ids
    assert fake.live_posts == []
    again = channel.delete_posts(receipt.remote_ids, Target())  # already gone: deleted
    assert again.remote_ids == receipt.remote_ids
    with pytest.raises(PermanentPublishError, match="at:// uri"):
        channel.delete_posts(["12345"], Target())


def test_an_image_over_a_million_bytes_is_refused_before_posting(fake: FakeBluesky) -> None:
    rendition = thread("Big", image=(fake.image_url("big.png"), "A photo"))
    with pytest.raises(PermanentPublishError, match="1,000,000 bytes"):
        channel_for(fake).publish(rendition, Target(idempotency_key="big"))
    assert fake.posts == [] and fake.blobs == []


def test_no_credentials_go_to_the_outbox_and_half_set_is_a_settings_error(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env({"PUBLISHER_DATA_DIR": str(tmp_path / "var")})
    registry = build_registry(settings)
    channel = registry.get("bluesky")
    appeal = Appeal.from_json(FIXTURE.read_bytes())
    rendition = channel.render(appeal, registry.context)
    receipt = channel.publish(rendition, Target(idempotency_key="dry"))
    outbox = tmp_path / "var" / "outbox" / "bluesky.jsonl"
    assert receipt.details["dry_run"] == "true"
    lines = [json.loads(line) for line in outbox.read_text("utf-8").splitlines()]
    assert len(lines) == len(rendition.posts)
    assert lines[0]["facets"] and lines[0]["rkey"] == record_key("dry", 1)
    with pytest.raises(SettingsError, match="BLUESKY_APP_PASSWORD"):
        Settings.from_env({"BLUESKY_HANDLE": "police.bsky.social"})
    with pytest.raises(SettingsError, match="BLUESKY_HANDLE"):
        Settings.from_env({"BLUESKY_APP_PASSWORD": "x"})
    given = Settings.from_env({"BLUESKY_HANDLE": "p.bsky.social", "BLUESKY_APP_PASSWORD": "x"})
    assert given.bluesky_service_url == "https://bsky.social"
    assert "x" not in repr(given.bluesky_app_password)


def test_the_pds_refuses_facets_counted_in_characters_not_bytes(fake: FakeBluesky) -> None:
    """The fake checks byte ranges as the lexicon means them: offsets counted in code points
    (a common mistake) land inside "ŵ" and are refused; nothing is posted."""
    from publisher.channels.bluesky import Facet

    text = "Dŵr Dŵr #FindDwr"
    start = text.index("#")  # characters: 8; bytes: 10
    wrong = BlueskyPost(
        text=text, weight=graphemes(text), facets=(Facet(start, start + 8, "tag", "FindDwr"),)
    )
    rendition = Rendition(
        channel="bluesky", appeal_id="a", revision=1, posts=(wrong,), limits=LIMITS
    )
    with pytest.raises(PermanentPublishError, match="InvalidRequest"):
        channel_for(fake).publish(rendition, Target(idempotency_key="bad-facet"))
    assert fake.posts == []
    right = richtext(text)
    assert right.facets[0].byte_start == 10
    fixed = Rendition(
        channel="bluesky",
        appeal_id="a",
        revision=1,
        posts=(BlueskyPost(text=text, weight=graphemes(text), facets=right.facets),),
        limits=LIMITS,
    )
    channel_for(fake).publish(fixed, Target(idempotency_key="good-facet"))
    assert len(fake.posts) == 1
