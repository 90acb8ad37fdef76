"""Subscriptions in the database (SQLite and PostgreSQL, migrated by Alembic): tokens only as
digests, confirmation before alerts, the same answer for a known address, unsubscribe deletes
the row, counts without addresses; and the Notify channel's subscriber source over them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from publisher.services import appeals
from publisher.services import subscriptions as service
from publisher.settings import Settings
from publisher.store import Store
from publisher.store import subscriptions as rows
from publisher.store.db import migrate, normalize_url
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


BILINGUAL = ("en_GB", "cy_GB")


def _sign_up_in(store: Store, outbox: Outbox, address: str, language: str) -> None:
    service.sign_up(
        store,
        address=address,
        area="Example Shire",
        topic="",
        app_url=APP,
        send=outbox,
        language=language,
        languages=BILINGUAL,
    )


def test_a_bilingual_force_records_the_language_and_writes_in_it(store: Store) -> None:
    appeals.import_appeal(store, sample_appeal())
    outbox = Outbox()
    _sign_up_in(store, outbox, "ann@example.org", "cy")
    kind, _address, subject, body = outbox.sent[-1]
    assert kind == "email" and subject == "Cadarnhewch eich rhybuddion apêl yr heddlu"
    assert "cadarnhewch eich cyfeiriad e-bost: " + APP + "alerts/confirm/" in body
    assert service.confirm(store, outbox.token())
    _sign_up_in(store, outbox, "07400 123456", "cy")
    assert outbox.sent[-1][3].startswith("Cadarnhewch rybuddion apêl yr heddlu ar gyfer")
    _sign_up_in(store, outbox, "bob@example.org", "en")
    assert outbox.sent[-1][2] == "Confirm your police appeal alerts"
    assert service.confirm(store, outbox.token())

    source = service.StoreSubscribers(Settings(app_url=APP, languages=BILINGUAL), store)
    got = {r.address: r.language for r in source.recipients("Example Shire", [])}
    assert got == {"ann@example.org": "cy", "bob@example.org": "en"}  # the SMS: unconfirmed

    # a confirmed subscription's language is not changed by someone signing it up again
    _sign_up_in(store, outbox, "ann@example.org", "en")
    with store.session(read_only=True) as session:
        found = session.execute(select(SubscriptionRow.address, SubscriptionRow.language))
        languages = {address: language for address, language in found}
    assert languages == {"ann@example.org": "cy", "+447400123456": "cy", "bob@example.org": "en"}
    # an unconfirmed one takes the language chosen last, with its new link
    _sign_up_in(store, outbox, "07400 123456", "en")
    assert outbox.sent[-1][3].startswith("Confirm police appeal alerts for Example Shire")
    with store.session(read_only=True) as session:
        row = session.scalars(
            select(SubscriptionRow).where(SubscriptionRow.address == "+447400123456")
        ).one()
        assert row.language == "en"


def test_the_language_is_required_and_must_be_one_of_the_forces(store: Store) -> None:
    appeals.import_appeal(store, sample_appeal())
    outbox = Outbox()
    for bad in ("", "fr", "cy_GB", "CY", "<b>"):
        with pytest.raises(service.InvalidSubscription) as caught:
            _sign_up_in(store, outbox, "ann@example.org", bad)
        assert caught.value.field == "language", bad
    assert outbox.sent == []
    with store.session(read_only=True) as session:
        assert session.scalars(select(SubscriptionRow)).all() == []
    # one language: nothing to choose, nothing read, the primary recorded as ""
    service.sign_up(
        store,
        address="ann@example.org",
        area="Example Shire",
        topic="",
        app_url=APP,
        send=outbox,
        language="fr",
        languages=("en_GB",),
    )
    with store.session(read_only=True) as session:
        assert session.scalars(select(SubscriptionRow.language)).all() == [""]


def test_counts_per_language_put_the_unrecorded_with_the_primary(store: Store) -> None:
    appeals.import_appeal(store, sample_appeal())
    outbox = Outbox()
    _sign_up(store, outbox, "old@example.org")  # before languages were asked: ""
    service.confirm(store, outbox.token())
    _sign_up_in(store, outbox, "ann@example.org", "cy")
    service.confirm(store, outbox.token())
    _sign_up_in(store, outbox, "07400 123456", "cy")
    _sign_up_in(store, outbox, "bob@example.org", "en")
    counts = service.language_counts(store, BILINGUAL)
    assert [(c.code, c.name, c.confirmed, c.unconfirmed) for c in counts] == [
        ("en", "English", 1, 1),
        ("cy", "Cymraeg", 1, 1),
    ]
    welsh_first = service.language_counts(store, ("cy_GB", "en_GB"))
    assert [(c.code, c.confirmed, c.unconfirmed) for c in welsh_first] == [
        ("cy", 2, 1),
        ("en", 0, 1),
    ]
    # the unrecorded subscriber receives the primary's alerts
    source = service.StoreSubscribers(Settings(app_url=APP, languages=("cy_GB", "en_GB")), store)
    got = {r.address: r.language for r in source.recipients("Example Shire", [])}
    assert got == {"old@example.org": "cy", "ann@example.org": "cy"}
    one_language = service.StoreSubscribers(Settings(app_url=APP), store)
    got = {r.address: r.language for r in one_language.recipients("Example Shire", [])}
    assert got == {"old@example.org": "", "ann@example.org": "cy"}
    assert "example.org" not in repr(counts)


def test_migration_0009_gives_existing_subscribers_the_primary_language(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if db_kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("postgres_databases").create()
    migrate(url, "0008")
    engine = create_engine(normalize_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO subscriptions (uid, kind, address, area, topic, created_at, "
                    "confirmed_at) VALUES ('u1', 'email', 'old@example.org', 'Example Shire', "
                    "'', :at, :at)"
                ),
                {"at": AT},
            )
        migrate(engine, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT language FROM subscriptions")).scalars().all() == [""]
    finally:
        engine.dispose()
