"""Publishing to Mastodon with the real Mastodon.py client against tests.support.mastodonfake.

Nothing is mocked: Mastodon.py sends real requests (Bearer token, form and multipart bodies,
``Idempotency-Key``) over real sockets to a server answering in Mastodon's JSON shapes, and the
channel translates what comes back. The fake counts every status as Mastodon does and refuses
one over the instance's limit, so a status that went out was within it.
"""

from __future__ import annotations

import itertools
import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from mastodon import MastodonAPIError

from publisher.bootstrap import bootstrap
from publisher.channel import Media, RenderContext, Rendition, SocialPost, Target
from publisher.channels.mastodon import (
    DEFAULT_LIMITS,
    MastodonChannel,
    MastodonLimits,
    MastodonSettings,
    weigh,
)
from publisher.domain.record import Appeal
from publisher.errors import AmbiguousPublishError, PermanentPublishError, TransientPublishError
from publisher.settings import Secret, Settings
from tests.support.mastodonfake import FakeMastodon, FakeMastodonConfig

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
STATUSES = "POST /api/v1/statuses"
MEDIA = "POST /api/v2/media"


@pytest.fixture()
def fake() -> Iterator[FakeMastodon]:
    with FakeMastodon() as server:
        yield server


@pytest.fixture()
def small() -> Iterator[FakeMastodon]:
    """An instance with limits of its own: 180 characters, URLs 30, 2 images, alt text 60."""
    config = FakeMastodonConfig(
        max_characters=180,
        characters_reserved_per_url=30,
        max_media_attachments=2,
        description_limit=60,
    )
    with FakeMastodon(config) as server:
        yield server


def channel_for(fake: FakeMastodon, **changes: Any) -> MastodonChannel:
    settings = fake.settings(connect_timeout=2.0, read_timeout=2.0)
    channel = MastodonChannel(settings=replace(settings, **changes))
    channel.read_limits()
    return channel


def thread(
    channel: MastodonChannel, *texts: str, image: tuple[str, str] | None = None
) -> Rendition:
    limits = channel.instance_limits
    posts = [SocialPost(text=t, weight=weigh(t, limits.characters_per_url)) for t in texts]
    if image is not None:
        posts[0] = replace(posts[0], media=(Media(url=image[0], alt_text=image[1]),))
    return Rendition(
        channel="mastodon", appeal_id="test-appeal", revision=1, posts=tuple(posts), limits=limits
    )


def sample_with_image(fake: FakeMastodon) -> Appeal:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["image"]["url"] = fake.image_url("sam.png")
    return Appeal.model_validate(data)


def status_requests(fake: FakeMastodon) -> list[dict[str, Any]]:
    return [r for r in fake.requests if r["endpoint"] == STATUSES]


# ------------------------------------------------------------------------------ limits


def test_the_instance_limits_are_read_and_the_rendering_follows_them(
    small: FakeMastodon,
) -> None:
    channel = MastodonChannel(settings=small.settings())
    appeal = sample_with_image(small)
    first = channel.render(appeal, RenderContext())
    assert first.limits == DEFAULT_LIMITS  # the instance has not been asked yet
    with pytest.raises(TransientPublishError) as caught:
        channel.publish(first, Target())
    assert "rendered for other limits" in str(caught.value)
    assert caught.value.retry_at is not None  # at once: the next attempt renders again
    assert small.statuses == []
    assert channel.limits == MastodonLimits(
        name="Mastodon", max_weight=180, max_alt=60, max_media=2, characters_per_url=30
    )

    again = channel.render(appeal, RenderContext())
    assert again.limits == channel.limits
    assert len(again.posts) > len(first.posts)
    for post in again.posts:
        assert post.weight == weigh(post.text, 30) <= 180
    receipt = channel.publish(again, Target())
    statuses = small.statuses
    assert [s["text"] for s in statuses] == [p.text for p in again.posts]
    assert receipt.remote_ids == tuple(s["id"] for s in statuses)
    assert all(s["weight"] <= 180 for s in statuses)
    (media,) = statuses[0]["media"]
    assert len(media["description"]) <= 60  # the alt text, shortened to the instance's limit


def test_a_status_exactly_at_the_instance_limit_goes_out_and_one_more_is_refused(
    small: FakeMastodon,
) -> None:
    channel = channel_for(small)
    url = "https://example.org/a"  # 21 characters, counted as the instance's 30
    family = "👩\u200d👩\u200d👧\u200d👦"  # seven code points, one grapheme
    head = f"{family} e\u0301 {url} "
    text = head + "x" * (180 - weigh(head, 30))
    # 178 code points: the URL counts 9 more than it has, the family 6 less, the accent 1 less.
    assert weigh(text, 30) == 180 and len(text) == 178
    channel.publish(thread(channel, text), Target())
    (status,) = small.statuses
    assert status["text"] == text and status["weight"] == 180

    with pytest.raises(PermanentPublishError) as caught:
        channel.publish(thread(channel, text + "y"), Target())
    assert "181" in str(caught.value)
    assert len(status_requests(small)) == 1  # refused here, not sent


def test_the_fake_refuses_over_its_limit_as_mastodon_does(small: FakeMastodon) -> None:
    """The fake's own check (what makes "it went out, so it was within the limit" hold):
    through Mastodon.py, a status one character over is a 422, translated as permanent."""
    channel = channel_for(small)
    client = channel._get_client()
    with pytest.raises(MastodonAPIError) as caught:
        client.status_post("x" * 181)
    assert "character limit of 180" in str(caught.value)


# ------------------------------------------------------------------------------ threads, media


def test_thread_replies_in_order_with_alt_text_and_idempotency_keys(fake: FakeMastodon) -> None:
    channel = channel_for(fake)
    appeal = sample_with_image(fake)
    rendition = channel.render(appeal, RenderContext())
    assert len(rendition.posts) >= 2
    receipt = channel.publish(rendition, Target(idempotency_key="publisher-delivery-7"))
    statuses = fake.statuses
    assert [s["text"] for s in statuses] == [p.text for p in rendition.posts]
    assert receipt.remote_ids == tuple(s["id"] for s in statuses)
    assert receipt.url == f"https://mastodon.example/@police/{statuses[0]['id']}"
    assert statuses[0]["in_reply_to_id"] is None
    for previous, status in itertools.pairwise(statuses):
        assert status["in_reply_to_id"] == previous["id"]
    (media,) = statuses[0]["media"]
    assert media["description"] == "Sam Example, a woman with short dark hair, smiling."
    assert all(not s["media"] for s in statuses[1:])
    assert [s["idempotency_key"] for s in statuses] == [
        f"publisher-delivery-7-{n}" for n in range(1, len(statuses) + 1)
    ]
    assert {s["visibility"] for s in statuses} == {"public"}
    (upload,) = [r for r in fake.requests if r["endpoint"] == MEDIA]
    assert upload["files"] == ["file"]


def test_update_replies_to_the_original_first_status(fake: FakeMastodon) -> None:
    channel = channel_for(fake)
    first = channel.publish(thread(channel, "Original appeal https://example.org/a"), Target())
    update = channel.render_update(
        Appeal.model_validate({**sample_with_image(fake).model_dump(), "revision": 2}),
        RenderContext(),
    )
    receipt = channel.publish(update, Target(reply_to=first.remote_ids[0]))
    assert fake.statuses[-1]["in_reply_to_id"] == first.remote_ids[0]
    assert fake.statuses[-1]["text"].startswith("UPDATE: ")
    assert receipt.details["in_reply_to"] == first.remote_ids[0]


def test_an_image_without_alt_text_is_never_posted(fake: FakeMastodon) -> None:
    channel = channel_for(fake)
    requests_before = len(fake.requests)
    with pytest.raises(PermanentPublishError):
        channel.publish(thread(channel, "Photo", image=(fake.image_url(), "  ")), Target())
    assert len(fake.requests) == requests_before
    assert fake.statuses == []


# ------------------------------------------------------------------------------ no status twice


def test_the_same_key_never_makes_a_second_status(fake: FakeMastodon) -> None:
    """An unanswered request (the status exists, the worker never heard): the retry, with the
    delivery's same key, gets the status Mastodon made, and nothing is posted twice."""
    channel = channel_for(fake)
    fake.fail(STATUSES, "drop", skip=1)
    target = Target(idempotency_key="publisher-delivery-9")
    rendition = thread(channel, "Part one", "Part two", "Part three")
    with pytest.raises(AmbiguousPublishError) as caught:
        channel.publish(rendition, target)
    assert len(caught.value.posted_ids) == 1
    assert [s["text"] for s in fake.statuses] == ["Part one", "Part two"]  # two exists

    # A person confirms "not published" (or a crash lost what was known): all again.
    receipt = channel.publish(rendition, target)
    statuses = fake.statuses
    assert [s["text"] for s in statuses] == ["Part one", "Part two", "Part three"]
    assert receipt.remote_ids == tuple(s["id"] for s in statuses)
    assert statuses[2]["in_reply_to_id"] == statuses[1]["id"]
    keys = [r["idempotency_key"] for r in status_requests(fake)]
    assert keys == [f"publisher-delivery-9-{n}" for n in (1, 2, 1, 2, 3)]


def test_a_5xx_after_the_status_was_made_is_retried_without_a_duplicate(
    fake: FakeMastodon,
) -> None:
    channel = channel_for(fake)
    fake.fail(STATUSES, "500")
    target = Target(idempotency_key="publisher-delivery-10")
    with pytest.raises(TransientPublishError):
        channel.publish(thread(channel, "Once only"), target)
    channel.publish(thread(channel, "Once only"), target)
    channel.publish(thread(channel, "Once only"), target)  # a third time: still one
    assert [s["text"] for s in fake.statuses] == ["Once only"]


def test_without_a_delivery_key_the_same_rendition_keys_the_same(fake: FakeMastodon) -> None:
    channel = channel_for(fake)
    rendition = thread(channel, "Outside the ledger")
    channel.publish(rendition, Target())
    channel.publish(rendition, Target())
    assert len(fake.statuses) == 1
    channel.publish(thread(channel, "Outside the ledger", "with a second part"), Target())
    assert len(fake.statuses) == 3


# ------------------------------------------------------------------------------ errors


def test_429_is_transient_until_the_reset_mastodon_sent(fake: FakeMastodon) -> None:
    channel = channel_for(fake)
    fake.fail(STATUSES, "429", reset_in=120)
    before = datetime.now(UTC)
    with pytest.raises(TransientPublishError) as caught:
        channel.publish(thread(channel, "Rate limited"), Target())
    retry_at = caught.value.retry_at
    assert retry_at is not None
    assert before + timedelta(seconds=110) < retry_at < before + timedelta(seconds=130)
    # Until then nothing is tried: no request reaches Mastodon.
    sent = len(status_requests(fake))
    with pytest.raises(TransientPublishError) as again:
        channel.publish(thread(channel, "Still limited"), Target())
    assert again.value.retry_at == retry_at
    assert len(status_requests(fake)) == sent
    assert fake.statuses == []


def test_a_thread_past_the_window_stops_with_the_ids_posted(fake: FakeMastodon) -> None:
    fake.config.window_limit = 2
    channel = channel_for(fake)
    with pytest.raises(TransientPublishError) as caught:
        channel.publish(thread(channel, "One", "Two", "Three"), Target())
    assert len(caught.value.posted_ids) == 2
    assert caught.value.retry_at is not None
    assert [s["text"] for s in fake.statuses] == ["One", "Two"]


@pytest.mark.parametrize("fault", ["500", "503"])
def test_5xx_is_transient(fake: FakeMastodon, fault: str) -> None:
    fake.fail(STATUSES, fault)
    channel = channel_for(fake)
    with pytest.raises(TransientPublishError):
        channel.publish(thread(channel, "Try later"), Target())


def test_failure_mid_thread_carries_posted_ids_and_a_retry_resumes(fake: FakeMastodon) -> None:
    channel = channel_for(fake)
    fake.fail(STATUSES, "503", skip=1)
    rendition = thread(channel, "A", "B", "C")
    with pytest.raises(TransientPublishError) as caught:
        channel.publish(rendition, Target())
    posted = caught.value.posted_ids
    assert posted == (fake.statuses[0]["id"],)
    receipt = channel.publish(rendition, Target(already_posted=posted))
    statuses = fake.statuses
    assert [s["text"] for s in statuses] == ["A", "B", "C"]
    assert statuses[1]["in_reply_to_id"] == statuses[0]["id"]
    assert receipt.remote_ids == tuple(s["id"] for s in statuses)
    assert receipt.details["resumed_after"] == "1"


@pytest.mark.parametrize("fault", ["401", "403"])
def test_refused_credentials_are_permanent_and_flagged(fake: FakeMastodon, fault: str) -> None:
    channel = channel_for(fake)
    fake.fail(STATUSES, fault)
    with pytest.raises(PermanentPublishError) as caught:
        channel.publish(thread(channel, "Hello"), Target())
    assert caught.value.credentials is True


def test_a_wrong_token_is_refused_before_anything_is_posted(fake: FakeMastodon) -> None:
    with pytest.raises(PermanentPublishError) as caught:
        MastodonChannel(settings=fake.settings(access_token=Secret("wrong"))).publish(
            Rendition(channel="mastodon", appeal_id="a", revision=1, posts=(SocialPost("x", 1),)),
            Target(),
        )
    assert caught.value.credentials is True
    assert fake.statuses == []


def test_a_reply_to_a_deleted_status_is_permanent(fake: FakeMastodon) -> None:
    channel = channel_for(fake)
    with pytest.raises(PermanentPublishError) as caught:
        channel.publish(thread(channel, "UPDATE: found"), Target(reply_to="999"))
    assert caught.value.credentials is False
    assert fake.statuses == []


def test_422_is_permanent_content(fake: FakeMastodon) -> None:
    channel = channel_for(fake)
    fake.fail(STATUSES, "422")
    with pytest.raises(PermanentPublishError) as caught:
        channel.publish(thread(channel, "Refused"), Target())
    assert caught.value.credentials is False


def test_dropped_connection_after_sending_is_ambiguous(fake: FakeMastodon) -> None:
    fake.fail(STATUSES, "drop")
    channel = channel_for(fake)
    with pytest.raises(AmbiguousPublishError):
        channel.publish(thread(channel, "Maybe posted"), Target())
    assert [s["text"] for s in fake.statuses] == ["Maybe posted"]  # it did exist


def test_read_timeout_after_sending_is_ambiguous(fake: FakeMastodon) -> None:
    fake.config.stall_seconds = 1.0
    fake.fail(STATUSES, "stall")
    channel = channel_for(fake, read_timeout=0.3)
    with pytest.raises(AmbiguousPublishError):
        channel.publish(thread(channel, "Slow"), Target())


def test_connection_refused_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = MastodonSettings(base_url=f"http://127.0.0.1:{port}", access_token=Secret("t"))
    channel = MastodonChannel(settings=settings, limits=DEFAULT_LIMITS)
    rendition = Rendition(
        channel="mastodon",
        appeal_id="a",
        revision=1,
        posts=(SocialPost("Nobody there", 12),),
        limits=DEFAULT_LIMITS,
    )
    with pytest.raises(TransientPublishError):
        channel.publish(rendition, Target())


def test_media_failure_posts_nothing_and_is_not_ambiguous(fake: FakeMastodon) -> None:
    fake.fail(MEDIA, "drop")
    channel = channel_for(fake)
    with pytest.raises(TransientPublishError) as caught:
        channel.publish(thread(channel, "Photo", image=(fake.image_url(), "A photo.")), Target())
    assert caught.value.posted_ids == ()
    assert fake.statuses == []


# ------------------------------------------------------------------------------ no credentials


def test_dry_run_outbox_when_not_configured(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    channel = MastodonChannel(outbox=outbox)
    rendition = channel.render(
        Appeal.from_json(FIXTURE.read_text(encoding="utf-8")), RenderContext()
    )
    receipt = channel.publish(rendition, Target(idempotency_key="k"))
    assert receipt.details["dry_run"] == "true"
    records = [
        json.loads(line)
        for line in (outbox / "mastodon.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [r["text"] for r in records] == [p.text for p in rendition.posts]
    assert records[0]["media"][0]["alt_text"]
    assert records[0]["idempotency_key"] == "k-1"


def test_not_configured_and_no_outbox_is_a_credentials_error_naming_the_settings() -> None:
    with pytest.raises(PermanentPublishError) as caught:
        MastodonChannel().publish(
            Rendition(channel="mastodon", appeal_id="a", revision=1, posts=(SocialPost("x", 1),)),
            Target(),
        )
    assert caught.value.credentials is True
    assert "MASTODON_BASE_URL" in str(caught.value)
    assert "MASTODON_ACCESS_TOKEN" in str(caught.value)


def test_built_by_the_composition_root_and_the_token_never_shown(fake: FakeMastodon) -> None:
    settings = Settings.from_env(fake.environment())
    channel = bootstrap(settings).registry.get("mastodon")
    assert isinstance(channel, MastodonChannel)
    try:
        channel.read_limits()
        rendition = thread(channel, "Built from settings")
        receipt = channel.publish(rendition, Target())
    finally:
        channel.close()
    assert receipt.remote_ids == (fake.statuses[0]["id"],)
    shown = repr(channel) + repr(channel._settings) + repr(settings)
    assert fake.config.access_token not in shown
