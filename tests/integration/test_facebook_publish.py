"""Publishing to a Facebook Page over ``requests`` against tests.support.facebookfake.

Nothing is mocked: the channel sends real form-encoded requests with the Page token in the
``Authorization`` header over real sockets to a server answering in the Graph API's JSON shapes
(ids, errors, usage headers), and the channel translates what comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.bootstrap import build_registry
from publisher.channel import RenderContext, Rendition, Target
from publisher.channels.facebook import FacebookChannel
from publisher.domain.record import Appeal, Image
from publisher.errors import (
    AmbiguousPublishError,
    PermanentPublishError,
    PublishError,
    SettingsError,
    TransientPublishError,
)
from publisher.settings import Settings
from tests.support.facebookfake import FakeFacebook

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"


@pytest.fixture()
def fake() -> Iterator[FakeFacebook]:
    with FakeFacebook() as server:
        yield server


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def channel_for(fake: FakeFacebook, clock: Clock | None = None) -> FacebookChannel:
    return FacebookChannel(
        settings=fake.settings(connect_timeout=2.0, read_timeout=1.0), clock=clock
    )


def appeal(*, image: bool = False) -> Appeal:
    loaded = Appeal.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    if image:
        return loaded
    return loaded.model_copy(update={"image": None})


def rendition(channel: FacebookChannel, *, image: bool = False) -> Rendition:
    return channel.render(appeal(image=image), RenderContext())


def test_a_post_is_sent_with_its_link_and_the_token_only_in_the_header(
    fake: FakeFacebook,
) -> None:
    channel = channel_for(fake)
    made = rendition(channel)
    receipt = channel.publish(made, Target())
    [post] = fake.posts
    assert post["kind"] == "post"
    assert post["link"] == str(appeal().url)
    assert post["message"] == made.posts[0].text
    assert receipt.remote_ids == (post["id"],) and post["id"].startswith(fake.config.page_id + "_")
    assert receipt.url == f"https://www.facebook.com/{post['id']}"
    [request] = fake.requests
    assert request["path"] == f"/v21.0/{fake.config.page_id}/feed"
    assert fake.tokens_in_urls == 0
    assert "access_token" not in request["form"] and request["query"] == ""


def test_a_photo_is_posted_with_the_message_and_its_alt_text(fake: FakeFacebook) -> None:
    channel = channel_for(fake)
    made = rendition(channel, image=True)
    receipt = channel.publish(made, Target())
    [post] = fake.posts
    image = appeal(image=True).image
    assert isinstance(image, Image)
    assert post["kind"] == "photo"
    assert post["url"] == str(image.url)
    assert post["alt_text_custom"] == image.alt
    assert post["message"] == made.posts[0].text
    assert receipt.remote_ids == (post["id"],)  # the post id, not the photo id
    assert receipt.details["photo_id"] == post["photo_id"]


def test_an_update_is_a_comment_on_the_post(fake: FakeFacebook) -> None:
    channel = channel_for(fake)
    first = channel.publish(rendition(channel), Target())
    update = channel.render_update(appeal(), RenderContext())
    receipt = channel.publish(update, Target(reply_to=first.remote_ids[0]))
    comment = fake.posts[-1]
    assert comment["kind"] == "comment" and comment["parent"] == first.remote_ids[0]
    assert comment["message"].startswith("UPDATE: ")
    assert receipt.remote_ids == (comment["id"],)


def test_usage_near_the_limit_slows_it_down_before_calling(fake: FakeFacebook) -> None:
    clock = Clock()
    channel = channel_for(fake, clock)
    fake.set_usage(app={"call_count": 93, "total_cputime": 10, "total_time": 12})
    channel.publish(rendition(channel), Target())  # this one goes; its answer says 93%
    assert len(fake.requests) == 1
    with pytest.raises(TransientPublishError, match="X-App-Usage at 93%") as caught:
        channel.publish(rendition(channel), Target())
    assert len(fake.requests) == 1  # nothing was sent
    assert caught.value.retry_at == clock.now + timedelta(minutes=5)
    fake.set_usage(app={"call_count": 20, "total_cputime": 10, "total_time": 12})
    clock.now += timedelta(minutes=5)
    channel.publish(rendition(channel), Target())
    assert len(fake.posts) == 2


def test_the_time_to_regain_access_is_honoured(fake: FakeFacebook) -> None:
    clock = Clock()
    channel = channel_for(fake, clock)
    fake.set_usage(
        business={
            "104000000000001": [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 40,
                    "total_time": 40,
                    "estimated_time_to_regain_access": 30,
                }
            ]
        }
    )
    fake.fail("POST feed", "80001")
    with pytest.raises(TransientPublishError, match="rate limit") as caught:
        channel.publish(rendition(channel), Target())
    assert caught.value.retry_at == clock.now + timedelta(minutes=30)
    with pytest.raises(TransientPublishError, match="nothing was sent"):
        channel.publish(rendition(channel), Target())
    assert len(fake.requests) == 1 and fake.posts == []


@pytest.mark.parametrize("code", ["4", "17", "32", "613"])
def test_rate_limit_errors_are_transient(fake: FakeFacebook, code: str) -> None:
    clock = Clock()
    channel = channel_for(fake, clock)
    fake.fail("POST feed", code)
    with pytest.raises(TransientPublishError, match=f"code {code}") as caught:
        channel.publish(rendition(channel), Target())
    assert caught.value.retry_at is not None and caught.value.retry_at > clock.now
    assert fake.posts == []


@pytest.mark.parametrize("fault", ["500", "503", "2"])
def test_a_server_error_on_a_post_is_ambiguous(fake: FakeFacebook, fault: str) -> None:
    """Facebook may fail after making the post, and has no idempotency key: a server error
    answering a create is "the post may exist", for a person to check, never a blind retry."""
    channel = channel_for(fake)
    fake.fail("POST feed", fault)
    with pytest.raises(AmbiguousPublishError, match="may exist"):
        channel.publish(rendition(channel), Target())


@pytest.mark.parametrize("fault", ["500", "503", "2"])
def test_a_server_error_on_a_deletion_is_transient(fake: FakeFacebook, fault: str) -> None:
    channel = channel_for(fake)
    receipt = channel.publish(rendition(channel), Target())
    fake.fail("DELETE", fault)
    with pytest.raises(TransientPublishError, match="unavailable"):
        channel.delete_posts(receipt.remote_ids, Target())
    channel.delete_posts(receipt.remote_ids, Target())  # the retry goes through
    assert fake.live_posts == []


def test_token_and_permission_errors_are_the_credentials(fake: FakeFacebook) -> None:
    channel = channel_for(fake)
    fake.fail("POST feed", "190")
    with pytest.raises(PermanentPublishError, match="FACEBOOK_PAGE_ACCESS_TOKEN") as caught:
        channel.publish(rendition(channel), Target())
    assert caught.value.credentials
    fake.fail("POST photos", "200")
    with pytest.raises(PermanentPublishError, match="pages_manage_posts") as caught:
        channel.publish(rendition(channel, image=True), Target())
    assert caught.value.credentials
    fake.fail("POST feed", "100")
    with pytest.raises(PermanentPublishError, match="parameter") as caught:
        channel.publish(rendition(channel), Target())
    assert not caught.value.credentials


def test_a_wrong_token_is_refused_and_never_shown(
    fake: FakeFacebook, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "EAAB-wrong-token-value-0123456789"
    from publisher.domain.secret import Secret

    channel = FacebookChannel(settings=fake.settings(access_token=Secret(wrong)))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PermanentPublishError) as caught:
        channel.publish(rendition(channel), Target())
    assert caught.value.credentials
    shown = f"{caught.value} {caught.value!r} {channel!r} {caplog.text}"
    assert wrong not in shown and fake.config.access_token not in shown


def test_an_unanswered_post_is_ambiguous(fake: FakeFacebook) -> None:
    channel = channel_for(fake)
    fake.fail("POST feed", "drop")
    with pytest.raises(AmbiguousPublishError, match="may exist"):
        channel.publish(rendition(channel), Target())
    assert len(fake.posts) == 1  # it was made; nobody was told
    fake.fail("POST feed", "stall", seconds=3)
    with pytest.raises(AmbiguousPublishError, match="ReadTimeout"):
        channel.publish(rendition(channel), Target())


def test_an_unreachable_graph_is_transient() -> None:
    with FakeFacebook() as gone:
        settings = gone.settings()
    channel = FacebookChannel(settings=settings)
    with pytest.raises(TransientPublishError, match="could not reach"):
        channel.publish(channel.render(appeal(), RenderContext()), Target())


def test_deleting_posts_counts_a_post_already_gone(fake: FakeFacebook) -> None:
    channel = channel_for(fake)
    one = channel.publish(rendition(channel), Target()).remote_ids[0]
    two = channel.publish(rendition(channel, image=True), Target()).remote_ids[0]
    receipt = channel.delete_posts([one], Target())
    assert receipt.details["deleted"] == "1"
    receipt = channel.delete_posts([one, two], Target())  # one is already gone
    assert receipt.remote_ids == (one, two) and receipt.details["already_gone"] == one
    assert fake.live_posts == []
    deletes = [r for r in fake.requests if r["method"] == "DELETE"]
    assert [r["path"] for r in deletes] == [f"/v21.0/{one}", f"/v21.0/{one}", f"/v21.0/{two}"]


def test_a_failed_delete_says_which_were_deleted(fake: FakeFacebook) -> None:
    channel = channel_for(fake)
    one = channel.publish(rendition(channel), Target()).remote_ids[0]
    two = channel.publish(rendition(channel), Target()).remote_ids[0]
    fake.fail("DELETE", "503", skip=1)
    with pytest.raises(PublishError) as caught:
        channel.delete_posts([one, two], Target())
    assert isinstance(caught.value, TransientPublishError)
    assert caught.value.posted_ids == (one,)


def test_settings_and_the_dry_run_outbox(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="FACEBOOK_PAGE_ACCESS_TOKEN is not"):
        Settings.from_env({"FACEBOOK_PAGE_ID": "104000000000001"})
    with pytest.raises(SettingsError, match="FACEBOOK_PAGE_ID is not"):
        Settings.from_env({"FACEBOOK_PAGE_ACCESS_TOKEN": "EAAB-x"})
    with pytest.raises(SettingsError, match="FACEBOOK_API_VERSION"):
        Settings.from_env({"FACEBOOK_API_VERSION": "21"})
    settings = Settings.from_env({"PUBLISHER_DATA_DIR": str(tmp_path / "var")})
    assert settings.facebook_graph_url == "https://graph.facebook.com"
    assert settings.facebook_api_version == "v21.0"
    channel = build_registry(settings).get("facebook")
    receipt = channel.publish(channel.render(appeal(image=True), RenderContext()), Target())
    assert receipt.details["dry_run"] == "true"
    outbox = (tmp_path / "var" / "outbox" / "facebook.jsonl").read_text(encoding="utf-8")
    assert "alt_text" in outbox and str(appeal().url) in outbox


def test_not_configured_without_an_outbox_is_a_clear_credentials_error() -> None:
    channel = FacebookChannel()
    with pytest.raises(PermanentPublishError, match="FACEBOOK_PAGE_ID") as caught:
        channel.publish(channel.render(appeal(), RenderContext()), Target())
    assert caught.value.credentials


def test_the_page_token_is_among_the_secrets_redacted_from_logs(tmp_path: Path) -> None:
    from publisher import logsafe

    token = "EAAB-page-token-redact-me-42"
    settings = Settings.from_env(
        {
            "PUBLISHER_DATA_DIR": str(tmp_path),
            "FACEBOOK_PAGE_ID": "104000000000001",
            "FACEBOOK_PAGE_ACCESS_TOKEN": token,
        }
    )
    assert token in logsafe.secret_values(settings)
    assert token not in repr(settings)
    redactor = logsafe.RedactingFilter(logsafe.secret_values(settings))
    assert token not in redactor.redact(f"GET /v21.0/me?access_token={token}")
