"""Publishing alerts through GOV.UK Notify with the real notifications-python-client against
tests.support.notifyfake (JWT checked, Notify's JSON shapes, Notify's fragment counting).

Nothing is mocked: the client signs real requests and sends them over real sockets; the fake
records what Notify would have accepted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from notifications_python_client.notifications import NotificationsAPIClient

from publisher.channel import RenderContext, Rendition, Target
from publisher.channels.notify import NotifyChannel, NotifySettings, Recipient, count
from publisher.domain.record import Appeal
from publisher.domain.secret import Secret
from publisher.errors import AmbiguousPublishError, PermanentPublishError, TransientPublishError
from tests.support.notifyfake import (
    API_KEY,
    EMAIL_TEMPLATE,
    SERVICE_ID,
    SMS_TEMPLATE,
    FakeNotify,
)

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
EMAIL = "/v2/notifications/email"
SMS = "/v2/notifications/sms"


class Subscribers:
    def __init__(self, recipients: Sequence[Recipient]) -> None:
        self.list = list(recipients)
        self.asked: list[tuple[str, tuple[str, ...]]] = []

    def recipients(self, area: str, topics: Sequence[str]) -> Sequence[Recipient]:
        self.asked.append((area, tuple(topics)))
        return list(self.list)


PEOPLE = [
    Recipient("s1", "email", "ann@example.org", "https://alerts.example/unsubscribe/t1"),
    Recipient("s2", "sms", "+447700900123", "https://alerts.example/unsubscribe/t2"),
    Recipient("s3", "email", "bob@example.org", "https://alerts.example/unsubscribe/t3"),
]


@pytest.fixture()
def fake() -> Iterator[FakeNotify]:
    with FakeNotify() as server:
        yield server


def _appeal() -> Appeal:
    return Appeal.from_json(FIXTURE.read_text(encoding="utf-8"))


def _channel(
    fake: FakeNotify, people: Sequence[Recipient] = PEOPLE, key: str = API_KEY
) -> NotifyChannel:
    settings = NotifySettings(
        api_key=Secret(key),
        base_url=fake.base_url,
        email_template_id=EMAIL_TEMPLATE,
        sms_template_id=SMS_TEMPLATE,
        timeout=5,
    )
    return NotifyChannel(settings=settings, subscribers=Subscribers(people))


def _rendition(channel: NotifyChannel) -> Rendition:
    return channel.render(_appeal(), RenderContext())


def test_each_subscriber_gets_the_plain_text_with_an_unsubscribe_link(fake: FakeNotify) -> None:
    channel = _channel(fake)
    receipt = channel.publish(_rendition(channel), Target(idempotency_key="delivery-1"))
    assert len(receipt.remote_ids) == 3
    assert receipt.details["sent"] == "3"
    (mail,) = fake.messages_to("ann@example.org")
    appeal = _appeal()
    assert mail.subject == appeal.title
    assert mail.body.startswith(appeal.title)
    assert "Read this online: " + str(appeal.url) in mail.body
    assert mail.body.endswith("unsubscribe: https://alerts.example/unsubscribe/t1\n")
    (text,) = fake.messages_to("+447700900123")
    assert text.body.endswith("Stop alerts: https://alerts.example/unsubscribe/t2")
    assert str(appeal.url) in text.body and appeal.area in text.body
    # the fragment count made here is Notify's
    assert text.fragments == count(text.body).fragments
    assert int(receipt.details["sms_fragments"]) == text.fragments
    assert {m.reference for m in fake.received} and len({m.reference for m in fake.received}) == 3


def test_a_retry_sends_only_what_notify_does_not_have(fake: FakeNotify) -> None:
    channel = _channel(fake)
    rendition = _rendition(channel)
    target = Target(idempotency_key="delivery-2")
    fake.fail_next(EMAIL, 500)  # ann's email: Notify fails; nothing goes out
    with pytest.raises(TransientPublishError, match="Notify is unavailable"):
        channel.publish(rendition, target)
    assert fake.received == []
    fake.fail_next(SMS, 429)  # ann's email goes; the text is refused for now
    with pytest.raises(TransientPublishError, match="rate limit"):
        channel.publish(rendition, target)
    assert [m.to for m in fake.received] == ["ann@example.org"]
    receipt = channel.publish(rendition, target)
    assert receipt.details["already_sent"] == "1" and receipt.details["sent"] == "2"
    assert sorted(m.to for m in fake.received) == sorted(p.address for p in PEOPLE)
    again = channel.publish(rendition, target)
    assert again.details["already_sent"] == "3" and again.details["sent"] == "0"
    assert len(fake.received) == 3
    assert set(again.remote_ids) == {m.id for m in fake.received}


def test_an_unanswered_send_is_ambiguous_and_the_retry_finds_it(fake: FakeNotify) -> None:
    channel = _channel(fake)
    rendition = _rendition(channel)
    target = Target(idempotency_key="delivery-3")
    fake.fail_next(SMS, mode="accept-then-drop")
    with pytest.raises(AmbiguousPublishError, match="may have been accepted"):
        channel.publish(rendition, target)
    assert [m.to for m in fake.received] == ["ann@example.org", "+447700900123"]
    receipt = channel.publish(rendition, target)  # a person confirmed: retry
    assert receipt.details["already_sent"] == "2"
    assert sorted(m.to for m in fake.received) == sorted(p.address for p in PEOPLE)


def test_another_delivery_is_another_reference(fake: FakeNotify) -> None:
    channel = _channel(fake)
    rendition = _rendition(channel)
    channel.publish(rendition, Target(idempotency_key="a"))
    channel.publish(rendition, Target(idempotency_key="b"))
    assert len(fake.received) == 6


def test_a_wrong_key_is_a_credentials_error_without_the_key(fake: FakeNotify) -> None:
    wrong = f"publisher_test-{SERVICE_ID}-00000000-0000-0000-0000-000000000000"
    channel = _channel(fake, key=wrong)
    with pytest.raises(PermanentPublishError) as caught:
        channel.publish(_rendition(channel), Target(idempotency_key="k"))
    assert caught.value.credentials
    assert "403" in str(caught.value) and "Invalid token" in str(caught.value)
    assert "00000000-0000" not in str(caught.value)
    assert fake.refused_auth == ["signature"]
    assert fake.received == []


def test_the_fake_checks_the_token_as_notify_does(fake: FakeNotify) -> None:
    client = NotificationsAPIClient(API_KEY, base_url=fake.base_url)
    assert client.get_all_notifications()["notifications"] == []
    other = NotificationsAPIClient(
        "k-11111111-1111-1111-1111-111111111111-3d844edf-8d35-48ac-975b-e847b4f122b0",
        base_url=fake.base_url,
    )
    with pytest.raises(Exception, match="403"):
        other.get_all_notifications()
    assert fake.refused_auth == ["issuer"]


def test_a_refused_address_does_not_stop_the_others(fake: FakeNotify) -> None:
    people = [*PEOPLE, Recipient("s4", "sms", "+441632960000", "https://alerts.example/u/t4")]
    channel = _channel(fake, people)
    receipt = channel.publish(_rendition(channel), Target(idempotency_key="k"))
    assert receipt.details["refused"] == "1" and receipt.details["sent"] == "3"
    only_bad = _channel(fake, people[3:])
    with pytest.raises(PermanentPublishError, match="Not a UK mobile number"):
        only_bad.publish(_rendition(only_bad), Target(idempotency_key="k2"))


def test_without_a_key_alerts_go_to_the_outbox_without_addresses(tmp_path: Path) -> None:
    channel = NotifyChannel(subscribers=Subscribers(PEOPLE), outbox=tmp_path)
    receipt = channel.publish(_rendition(channel), Target(idempotency_key="k"))
    assert receipt.details["dry_run"] == "true"
    lines = (tmp_path / "notify.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert all("example.org" not in line and "+4477" not in line for line in lines)
    assert json.loads(lines[1])["fragments"] >= 1
    with pytest.raises(PermanentPublishError, match="NOTIFY_API_KEY") as caught:
        NotifyChannel(subscribers=Subscribers(PEOPLE)).publish(
            _rendition(channel), Target(idempotency_key="k")
        )
    assert caught.value.credentials
