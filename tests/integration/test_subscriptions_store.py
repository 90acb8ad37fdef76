"""Subscriptions in the database (SQLite and PostgreSQL, migrated by Alembic): tokens only as
digests, confirmation before alerts, the same answer for a known address, unsubscribe deletes
the row, counts without addresses; and the Notify channel's subscriber source over them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from publisher.services import appeals
from publisher.services import subscriptions as service
from publisher.settings import Settings
from publisher.store import Store
from publisher.store import subscriptions as rows
from publisher.store.models import SubscriptionRow, SubscriptionTokenRow
from tests.integration.db_fixtures import sample_appeal

pytestmark = pytest.mark.integration

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
APP = "https://alerts.example.police.uk/"


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, str]] = []

    def __call__(self, kind: str, address: str, subject: str, body: str) -> None:
        self.sent.append((kind, address, subject, body))

    def token(self) -> str:
        return self.sent[-1][3].split("/alerts/confirm/")[1].split()[0]


def _sign_up(store: Store, outbox: Outbox, address: str, area: str = "Example Shire") -> None:
    service.sign_up(store, address=address, area=area, topic="", app_url=APP, send=outbox)


def test_parse_address() -> None:
    assert service.parse_address(" 07400 123456 ") == ("sms", "+447400123456")
    assert service.parse_address("Ann@Example.ORG") == ("email", "Ann@example.org")
    for bad in ("0114 496 0000", "+1 202 555 0143", "not an address", "a@b"):
        with pytest.raises(service.InvalidSubscription) as caught:
            service.parse_address(bad)
        assert caught.value.field == "address"


def test_sign_up_confirm_receive_unsubscribe(store: Store) -> None:
    appeals.import_appeal(store, sample_appeal())  # area "Example Shire"
    assert service.areas(store) == ["Example Shire"]
    outbox = Outbox()
    _sign_up(store, outbox, "ann@example.org")
    kind, address, _subject, body = outbox.sent[0]
    assert (kind, address) == ("email", "ann@example.org") and "Example Shire" in body
    token = outbox.token()
    with store.session() as session:
        stored = session.scalars(select(SubscriptionTokenRow.digest)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]  # only the digest

    source = service.StoreSubscribers(Settings(app_url=APP), store)
    assert source.recipients("Example Shire", []) == []  # not confirmed yet
    assert not service.confirm(store, "not-a-token")
    assert service.confirm(store, token)
    assert not service.confirm(store, token)  # used up
    (recipient,) = source.recipients("Example Shire", [])
    assert recipient.address == "ann@example.org"
    assert recipient.unsubscribe_url.startswith(APP + "alerts/unsubscribe/")
    assert source.recipients("Derbyshire", []) == []

    link = recipient.unsubscribe_url.rsplit("/", 1)[1]
    details = service.unsubscribe_details(store, link)
    assert details is not None and details.area == "Example Shire"
    assert not service.unsubscribe(store, token)  # a confirmation token does not unsubscribe
    assert service.unsubscribe(store, link)
    assert not service.unsubscribe(store, link)
    with store.session() as session:
        assert session.scalars(select(SubscriptionRow)).all() == []  # the address is gone
        assert session.scalars(select(SubscriptionTokenRow)).all() == []
    assert source.recipients("Example Shire", []) == []


def test_the_same_answer_whether_known_or_not(store: Store) -> None:
    appeals.import_appeal(store, sample_appeal())
    outbox = Outbox()
    _sign_up(store, outbox, "07400 123456")
    first = outbox.token()
    _sign_up(store, outbox, "+44 7400 123456")  # unconfirmed: a new link, the old one dead
    second = outbox.token()
    assert first != second and not service.confirm(store, first)
    assert service.confirm(store, second)
    _sign_up(store, outbox, "07400123456")  # confirmed: nothing sent, no error either
    assert len(outbox.sent) == 2
    with store.session() as session:
        assert len(session.scalars(select(SubscriptionRow)).all()) == 1


def test_refusals_name_the_field(store: Store) -> None:
    appeals.import_appeal(store, sample_appeal())
    outbox = Outbox()
    with pytest.raises(service.InvalidSubscription) as caught:
        _sign_up(store, outbox, "ann@example.org", area="Atlantis")
    assert caught.value.field == "area"
    with pytest.raises(service.InvalidSubscription) as caught:
        service.sign_up(
            store,
            address="ann@example.org",
            area="Example Shire",
            topic="x",
            app_url=APP,
            send=outbox,
        )
    assert caught.value.field == "topic"
    assert outbox.sent == []


def test_counts_per_area_and_topic_without_addresses(store: Store) -> None:
    appeals.import_appeal(store, sample_appeal())
    outbox = Outbox()
    _sign_up(store, outbox, "ann@example.org")
    service.confirm(store, outbox.token())
    _sign_up(store, outbox, "bob@example.org")
    service.sign_up(
        store,
        address="07400123456",
        area="Example Shire",
        topic="stalking",
        app_url=APP,
        send=outbox,
    )
    with store.session(read_only=True) as session:
        counts = rows.counts(session)
    assert [(c.area, c.topic, c.kind, c.confirmed, c.unconfirmed) for c in counts] == [
        ("Example Shire", "", "email", 1, 1),
        ("Example Shire", "stalking", "sms", 0, 1),
    ]
    assert "example.org" not in repr(counts)
