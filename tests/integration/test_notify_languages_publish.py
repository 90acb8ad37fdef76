"""Alerts in each subscriber's language, sent with the real notifications-python-client to
tests.support.notifyfake: the Welsh version and its Welsh page to a Welsh subscriber, the
primary to the others, Welsh "stop" lines, and still no alert twice across a retry."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from publisher.channel import RenderContext, Rendition, Target
from publisher.channels.notify import NotifyChannel, NotifySettings, Recipient, count
from publisher.domain.record import Appeal
from publisher.domain.secret import Secret
from publisher.errors import AmbiguousPublishError
from publisher.importers import load_appeal
from tests.support.notifyfake import API_KEY, EMAIL_TEMPLATE, SMS_TEMPLATE, FakeNotify

pytestmark = pytest.mark.integration

OSIAN = Path(__file__).resolve().parents[1] / "fixtures" / "bilingual" / "missing-osian-example.md"
BILINGUAL = RenderContext(languages=("en_GB", "cy_GB"))
SMS = "/v2/notifications/sms"


class Subscribers:
    def __init__(self, recipients: Sequence[Recipient]) -> None:
        self.list = list(recipients)

    def recipients(self, area: str, topics: Sequence[str]) -> Sequence[Recipient]:
        return list(self.list)


PEOPLE = [
    Recipient("s1", "email", "ann@example.org", "https://alerts.example/u/t1", "cy"),
    Recipient("s2", "sms", "+447700900123", "https://alerts.example/u/t2", "cy"),
    Recipient("s3", "email", "bob@example.org", "https://alerts.example/u/t3", "en"),
    Recipient("s4", "sms", "+447700900456", "https://alerts.example/u/t4", ""),
]


@pytest.fixture()
def fake() -> Iterator[FakeNotify]:
    with FakeNotify() as server:
        yield server


def _channel(fake: FakeNotify, people: Sequence[Recipient] = PEOPLE) -> NotifyChannel:
    settings = NotifySettings(
        api_key=Secret(API_KEY),
        base_url=fake.base_url,
        email_template_id=EMAIL_TEMPLATE,
        sms_template_id=SMS_TEMPLATE,
        timeout=5,
    )
    return NotifyChannel(settings=settings, subscribers=Subscribers(people))


def _osian() -> Appeal:
    return load_appeal(OSIAN).appeal


def _rendition(channel: NotifyChannel, appeal: Appeal | None = None) -> Rendition:
    return channel.render(appeal or _osian(), BILINGUAL)


def test_each_subscriber_gets_the_alert_in_their_language(fake: FakeNotify) -> None:
    channel = _channel(fake)
    receipt = channel.publish(_rendition(channel), Target(idempotency_key="d1"))
    assert receipt.details["sent"] == "4" and receipt.details["languages"] == "cy=2 en=2"
    appeal = _osian()
    welsh = appeal.in_language("cy_GB")
    (mail,) = fake.messages_to("ann@example.org")
    assert mail.subject == welsh.title and mail.body.startswith(welsh.title)
    assert str(welsh.url) in mail.body and str(appeal.url) + "\n" not in mail.body
    assert mail.body.endswith(
        "I roi'r gorau i'r rhybuddion hyn, dad-danysgrifiwch: https://alerts.example/u/t1\n"
    )
    (text,) = fake.messages_to("+447700900123")
    assert text.body.startswith(welsh.title) and str(welsh.url) in text.body
    assert text.body.endswith("\nAtal rhybuddion: https://alerts.example/u/t2")
    assert text.fragments == count(text.body).fragments  # Notify's count is ours
    (english,) = fake.messages_to("bob@example.org")
    assert english.subject == appeal.title
    assert english.body.endswith("To stop these alerts, unsubscribe: https://alerts.example/u/t3\n")
    (primary,) = fake.messages_to("+447700900456")  # no recorded language: the primary
    assert primary.body.startswith(appeal.title) and "\nStop alerts: " in primary.body
    assert len({m.reference for m in fake.received}) == 4


def test_a_welsh_subscriber_of_an_english_only_appeal_is_told_so_in_welsh(
    fake: FakeNotify,
) -> None:
    channel = _channel(fake)
    english_only = _osian().model_copy(update={"translations": ()})
    channel.publish(_rendition(channel, english_only), Target(idempotency_key="d2"))
    (mail,) = fake.messages_to("ann@example.org")
    assert mail.subject == english_only.title
    note = "Nid yw'r wybodaeth hon ar gael yn Gymraeg."
    assert mail.body.startswith(f"{note}\n\n{english_only.title}")
    assert "dad-danysgrifiwch: https://alerts.example/u/t1" in mail.body
    (text,) = fake.messages_to("+447700900123")
    assert text.body.startswith(f"{note}\n")
    assert str(english_only.url) in text.body and "Atal rhybuddion: " in text.body
    (english,) = fake.messages_to("bob@example.org")
    assert english.body.startswith(english_only.title)


def test_a_welsh_text_with_letters_outside_gsm_goes_as_unicode(fake: FakeNotify) -> None:
    appeal = _osian()
    [tr] = appeal.translations
    title = "Dyn ar goll ger yr ŵyl: ydych chi wedi gweld Osian â'r gôt las?"
    welsh = appeal.model_copy(update={"translations": (tr.model_copy(update={"title": title}),)})
    channel = _channel(fake, PEOPLE[1:2])
    receipt = channel.publish(_rendition(channel, welsh), Target(idempotency_key="d3"))
    (text,) = fake.received
    counted = count(text.body)
    assert counted.encoding == "Unicode" and text.body.startswith(title)
    assert text.fragments == counted.fragments == -(-counted.characters // 67)
    assert receipt.details["sms_fragments"] == str(text.fragments)


def test_a_retry_sends_each_language_once(fake: FakeNotify) -> None:
    channel = _channel(fake)
    rendition = _rendition(channel)
    target = Target(idempotency_key="d4")
    fake.fail_next(SMS, mode="accept-then-drop")  # the Welsh text: accepted, no answer
    with pytest.raises(AmbiguousPublishError):
        channel.publish(rendition, target)
    assert [m.to for m in fake.received] == ["ann@example.org", "+447700900123"]
    receipt = channel.publish(rendition, target)  # a person confirmed: retry
    assert receipt.details["already_sent"] == "2" and receipt.details["sent"] == "2"
    assert sorted(m.to for m in fake.received) == sorted(p.address for p in PEOPLE)
    welsh_title = _osian().in_language("cy_GB").title
    assert [m.body.startswith(welsh_title) for m in fake.received] == [True, True, False, False]


def test_the_dry_run_names_each_messages_language(tmp_path: Path) -> None:
    channel = NotifyChannel(subscribers=Subscribers(PEOPLE), outbox=tmp_path)
    channel.publish(_rendition(channel), Target(idempotency_key="k"))
    lines = (tmp_path / "notify.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["language"] for r in records] == ["cy", "cy", "en", "en"]
    assert records[0]["body"].endswith("dad-danysgrifiwch: https://alerts.example/u/t1\n")
    assert all("example.org" not in line and "+4477" not in line for line in lines)
