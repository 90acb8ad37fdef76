"""Publishing to X with the real tweepy client against tests.support.xfake (the X API v2 wire
format).

Nothing is mocked: tweepy signs real OAuth 1.0a requests (the fake verifies the signatures),
sends them over real sockets, and the channel translates what comes back.
"""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from publisher.bootstrap import bootstrap
from publisher.channel import RenderContext, Rendition, SocialPost, Target
from publisher.channels.x import FetchedImage, RateLimitState, XChannel, XClient, XSettings
from publisher.domain.record import Appeal
from publisher.errors import AmbiguousPublishError, PermanentPublishError, TransientPublishError
from publisher.settings import Secret, Settings
from tests.support.xfake import PNG_1X1, FakeX, FakeXConfig

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
CREDENTIALS = ("test-api-key", "test-api-secret", "test-access-token", "test-token-secret")


@pytest.fixture()
def fake() -> Iterator[FakeX]:
    with FakeX(FakeXConfig(credentials=CREDENTIALS)) as server:
        yield server


def settings_for(base_url: str, **changes: Any) -> XSettings:
    key, secret, token, token_secret = CREDENTIALS
    settings = XSettings(
        api_key=Secret(key),
        api_secret=Secret(secret),
        access_token=Secret(token),
        access_token_secret=Secret(token_secret),
        api_base_url=base_url,
        connect_timeout=2.0,
        read_timeout=2.0,
    )
    return replace(settings, **changes)


@pytest.fixture()
def clients() -> Iterator[list[XClient]]:
    made: list[XClient] = []
    yield made
    for client in made:
        client.close()


def channel_for(
    fake: FakeX, clients: list[XClient], *, limits: RateLimitState | None = None, **changes: Any
) -> XChannel:
    client = XClient(settings_for(fake.base_url, **changes))
    clients.append(client)
    return XChannel(client, rate_limits=limits)


def thread(*texts: str, image: tuple[str, str] | None = None) -> Rendition:
    from publisher.channel import Media

    posts = [SocialPost(text=t, weight=len(t)) for t in texts]
    if image is not None:
        posts[0] = replace(posts[0], media=(Media(url=image[0], alt_text=image[1]),))
    return Rendition(channel="x", appeal_id="test-appeal", revision=1, posts=tuple(posts))


def sample_with_image(fake: FakeX) -> Appeal:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["image"]["url"] = fake.image_url("sam.png")
    return Appeal.model_validate(data)


# ------------------------------------------------------------------------------ success


def test_single_post(fake: FakeX, clients: list[XClient]) -> None:
    channel = channel_for(fake, clients)
    receipt = channel.publish(thread("Have you seen Sam? https://example.org/sam"), Target())
    (post,) = fake.posts
    assert post["text"] == "Have you seen Sam? https://example.org/sam"
    assert post["in_reply_to_tweet_id"] is None
    assert receipt.remote_ids == (post["id"],)
    assert receipt.url == f"https://x.com/i/web/status/{post['id']}"
    assert receipt.channel == "x"


def test_rendered_thread_with_image_replies_in_order_and_sends_alt_text(
    fake: FakeX, clients: list[XClient]
) -> None:
    channel = channel_for(fake, clients)
    appeal = sample_with_image(fake)
    rendition = channel.render(appeal, RenderContext())
    assert len(rendition.posts) >= 2
    receipt = channel.publish(rendition, Target())
    posts = fake.posts
    assert [p["text"] for p in posts] == [p.text for p in rendition.posts]
    assert receipt.remote_ids == tuple(p["id"] for p in posts)
    assert posts[0]["in_reply_to_tweet_id"] is None
    for previous, post in itertools.pairwise(posts):
        assert post["in_reply_to_tweet_id"] == previous["id"]
    (media,) = posts[0]["media"]
    assert media["alt_text"] == "Sam Example, a woman with short dark hair, smiling."
    assert media["media_type"] == "image/png"
    assert all(not p["media"] for p in posts[1:])
    # the limits X reported were kept, ready to persist
    assert "POST /2/tweets window" in channel.rate_limits.to_dict()


def test_update_replies_to_the_original_first_post(fake: FakeX, clients: list[XClient]) -> None:
    channel = channel_for(fake, clients)
    first = channel.publish(thread("Original appeal https://example.org/a"), Target())
    update = channel.render_update(
        Appeal.model_validate({**sample_with_image(fake).model_dump(), "revision": 2}),
        RenderContext(),
    )
    receipt = channel.publish(update, Target(reply_to=first.remote_ids[0]))
    assert fake.posts[-1]["in_reply_to_tweet_id"] == first.remote_ids[0]
    assert fake.posts[-1]["text"].startswith("UPDATE: ")
    assert receipt.details["in_reply_to"] == first.remote_ids[0]


def test_image_fetcher_is_injectable(fake: FakeX, clients: list[XClient]) -> None:
    fetched: list[str] = []

    def fetch(url: str) -> FetchedImage:
        fetched.append(url)
        return FetchedImage(content=PNG_1X1, media_type="image/png")

    client = XClient(settings_for(fake.base_url))
    clients.append(client)
    channel = XChannel(client, fetch_image=fetch)
    channel.publish(
        thread("With a photo", image=("https://img.invalid/p.png", "A photo.")), Target()
    )
    assert fetched == ["https://img.invalid/p.png"]
    assert fake.posts[0]["media"][0]["alt_text"] == "A photo."


# ------------------------------------------------------------------------------ partial threads


def test_failure_mid_thread_carries_posted_ids_and_a_retry_resumes(
    fake: FakeX, clients: list[XClient]
) -> None:
    channel = channel_for(fake, clients)
    rendition = thread("Part one", "Part two", "Part three")
    fake.fail("POST /2/tweets", "503", skip=1)
    with pytest.raises(TransientPublishError) as caught:
        channel.publish(rendition, Target())
    (first,) = fake.posts
    assert caught.value.posted_ids == (first["id"],)
    receipt = channel.publish(rendition, Target(already_posted=caught.value.posted_ids))
    posts = fake.posts
    assert [p["text"] for p in posts] == ["Part one", "Part two", "Part three"]  # none twice
    assert posts[1]["in_reply_to_tweet_id"] == posts[0]["id"]
    assert posts[2]["in_reply_to_tweet_id"] == posts[1]["id"]
    assert receipt.remote_ids == tuple(p["id"] for p in posts)
    assert receipt.url == f"https://x.com/i/web/status/{posts[0]['id']}"


# ------------------------------------------------------------------------------ rate limits


def test_429_is_transient_with_the_reset_time(fake: FakeX, clients: list[XClient]) -> None:
    fake.config.window_limit = 1
    channel_for(fake, clients).publish(thread("First"), Target())
    remaining, reset = fake.window("POST /2/tweets")
    assert remaining == 0
    fresh = channel_for(fake, clients)  # knows nothing of the limit yet: X answers 429
    with pytest.raises(TransientPublishError) as caught:
        fresh.publish(thread("Second"), Target())
    assert caught.value.retry_at == datetime.fromtimestamp(reset, UTC)
    assert [p["text"] for p in fake.posts] == ["First"]
    assert fake.requests[-1]["endpoint"] == "POST /2/tweets"


def test_stops_before_the_limit_without_calling_x(fake: FakeX, clients: list[XClient]) -> None:
    fake.config.window_limit = 1
    channel = channel_for(fake, clients)
    channel.publish(thread("First"), Target())
    calls = len(fake.requests)
    with pytest.raises(TransientPublishError) as caught:
        channel.publish(thread("Second"), Target())
    assert len(fake.requests) == calls  # never sent
    _, reset = fake.window("POST /2/tweets")
    assert caught.value.retry_at == datetime.fromtimestamp(reset, UTC)


def test_a_thread_the_window_cannot_hold_is_not_started(
    fake: FakeX, clients: list[XClient]
) -> None:
    fake.config.window_limit = 4
    channel = channel_for(fake, clients)
    channel.publish(thread("One", "Two"), Target())  # 2 of 4 used
    with pytest.raises(TransientPublishError):
        channel.publish(thread("Three", "Four", "Five"), Target())
    assert [p["text"] for p in fake.posts] == ["One", "Two"]  # no half thread


def test_limits_persisted_by_the_scheduler_are_honoured(
    fake: FakeX, clients: list[XClient]
) -> None:
    fake.config.window_limit = 1
    first = channel_for(fake, clients)
    first.publish(thread("First"), Target())
    stored = json.loads(json.dumps(first.rate_limits.to_dict()))
    restored = channel_for(fake, clients, limits=RateLimitState.from_dict(stored))
    calls = len(fake.requests)
    with pytest.raises(TransientPublishError):
        restored.publish(thread("Second"), Target())
    assert len(fake.requests) == calls


def test_24_hour_user_limit_is_read_too(fake: FakeX, clients: list[XClient]) -> None:
    fake.config.user_24h_limit = 1
    channel = channel_for(fake, clients)
    channel.publish(thread("Only one today"), Target())
    calls = len(fake.requests)
    with pytest.raises(TransientPublishError) as caught:
        channel.publish(thread("One more"), Target())
    assert len(fake.requests) == calls
    assert caught.value.retry_at is not None
    assert (caught.value.retry_at - datetime.now(UTC)).total_seconds() > 23 * 3600


# ------------------------------------------------------------------------------ errors


def test_wrong_credentials_are_permanent_and_flagged(fake: FakeX, clients: list[XClient]) -> None:
    channel = channel_for(fake, clients, api_secret=Secret("not-the-secret"))
    with pytest.raises(PermanentPublishError) as caught:
        channel.publish(thread("Hello"), Target())
    assert caught.value.credentials is True
    assert "not-the-secret" not in str(caught.value)
    assert fake.posts == []


def test_401_is_permanent_credentials(fake: FakeX, clients: list[XClient]) -> None:
    fake.fail("POST /2/tweets", "401")
    with pytest.raises(PermanentPublishError) as caught:
        channel_for(fake, clients).publish(thread("Hello"), Target())
    assert caught.value.credentials is True


def test_duplicate_is_permanent_content(fake: FakeX, clients: list[XClient]) -> None:
    channel = channel_for(fake, clients)
    channel.publish(thread("Same words"), Target())
    with pytest.raises(PermanentPublishError) as caught:
        channel.publish(thread("Same words"), Target())
    assert caught.value.credentials is False
    assert "duplicate" in str(caught.value)
    assert len(fake.posts) == 1


def test_503_is_transient(fake: FakeX, clients: list[XClient]) -> None:
    fake.fail("POST /2/tweets", "503")
    with pytest.raises(TransientPublishError):
        channel_for(fake, clients).publish(thread("Hello"), Target())
    assert fake.posts == []


def test_too_long_is_permanent_content(fake: FakeX, clients: list[XClient]) -> None:
    with pytest.raises(PermanentPublishError) as caught:
        channel_for(fake, clients).publish(thread("x" * 281), Target())
    assert caught.value.credentials is False


def test_dropped_connection_after_sending_is_ambiguous(fake: FakeX, clients: list[XClient]) -> None:
    fake.fail("POST /2/tweets", "drop")
    with pytest.raises(AmbiguousPublishError):
        channel_for(fake, clients).publish(thread("Maybe posted"), Target())
    assert [p["text"] for p in fake.posts] == ["Maybe posted"]  # it did exist


def test_read_timeout_after_sending_is_ambiguous(fake: FakeX, clients: list[XClient]) -> None:
    fake.config.stall_seconds = 1.0
    fake.fail("POST /2/tweets", "stall")
    with pytest.raises(AmbiguousPublishError):
        channel_for(fake, clients, read_timeout=0.3).publish(thread("Slow"), Target())


def test_ambiguity_mid_thread_still_carries_posted_ids(fake: FakeX, clients: list[XClient]) -> None:
    fake.fail("POST /2/tweets", "drop", skip=1)
    with pytest.raises(AmbiguousPublishError) as caught:
        channel_for(fake, clients).publish(thread("A", "B", "C"), Target())
    assert caught.value.posted_ids == (fake.posts[0]["id"],)


def test_connection_refused_is_transient(clients: list[XClient]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = XClient(settings_for(f"http://127.0.0.1:{port}"))
    clients.append(client)
    with pytest.raises(TransientPublishError):
        XChannel(client).publish(thread("Nobody there"), Target())


def test_media_failure_posts_nothing_and_is_not_ambiguous(
    fake: FakeX, clients: list[XClient]
) -> None:
    fake.fail("POST /2/media/upload", "drop")
    channel = channel_for(fake, clients)
    with pytest.raises(TransientPublishError) as caught:
        channel.publish(thread("Photo", image=(fake.image_url(), "A photo.")), Target())
    assert caught.value.posted_ids == ()
    assert fake.posts == []


def test_an_image_without_alt_text_is_never_posted(fake: FakeX, clients: list[XClient]) -> None:
    channel = channel_for(fake, clients)
    with pytest.raises(PermanentPublishError):
        channel.publish(thread("Photo", image=(fake.image_url(), "  ")), Target())
    assert fake.requests == []


# ------------------------------------------------------------------------------ no credentials


def test_dry_run_outbox_when_no_credentials(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    channel = XChannel(settings=XSettings(), outbox=outbox)
    rendition = channel.render(
        Appeal.from_json(FIXTURE.read_text(encoding="utf-8")), RenderContext()
    )
    receipt = channel.publish(rendition, Target())
    assert receipt.details["dry_run"] == "true"
    assert receipt.remote_ids == ()
    assert receipt.url is None
    lines = (outbox / "x.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["text"] for r in records] == [p.text for p in rendition.posts]
    assert all(r["dry_run"] is True for r in records)
    assert records[0]["media"][0]["alt_text"]
    channel.publish(rendition, Target())  # appends
    assert len((outbox / "x.jsonl").read_text(encoding="utf-8").splitlines()) == 2 * len(lines)


def test_no_credentials_and_no_outbox_is_a_credentials_error() -> None:
    with pytest.raises(PermanentPublishError) as caught:
        XChannel(settings=XSettings()).publish(thread("Hello"), Target())
    assert caught.value.credentials is True


def test_built_by_the_composition_root_and_secrets_never_shown(fake: FakeX) -> None:
    env = {
        **fake.environment(),
        "X_API_KEY": CREDENTIALS[0],
        "X_API_SECRET": CREDENTIALS[1],
        "X_ACCESS_TOKEN": CREDENTIALS[2],
        "X_ACCESS_TOKEN_SECRET": CREDENTIALS[3],
    }
    settings = Settings.from_env(env)
    channel = bootstrap(settings).registry.get("x")
    assert isinstance(channel, XChannel)
    try:
        receipt = channel.publish(thread("Built from settings"), Target())
    finally:
        channel.close()
    assert receipt.remote_ids == (fake.posts[0]["id"],)
    shown = repr(channel) + repr(channel._settings) + repr(settings)
    for secret in CREDENTIALS[1:]:
        assert secret not in shown


# ------------------------------------------------------------------------------ standalone fake


def test_fake_runs_as_its_own_process(tmp_path: Path, clients: list[XClient]) -> None:
    state = tmp_path / "posts.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.xfake", "--port", "0", "--state-file", str(state)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.strip().rsplit(" ", 1)[-1]
        assert base_url.startswith("http://127.0.0.1:")
        client = XClient(settings_for(base_url))
        clients.append(client)
        receipt = XChannel(client).publish(thread("From another process", "Second"), Target())
        with urllib.request.urlopen(f"{base_url}/_fake/posts", timeout=5) as response:
            served = json.load(response)["posts"]
        assert [p["id"] for p in served] == list(receipt.remote_ids)
        saved = json.loads(state.read_text(encoding="utf-8"))["posts"]
        assert [p["text"] for p in saved] == ["From another process", "Second"]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == 0
