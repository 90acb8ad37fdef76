"""Alert subscriptions: sign up, confirm, unsubscribe, and who receives an appeal's alert.

- An address is an email address or a UK mobile number (validated with ``phonenumbers``,
  stored in E.164); an area is one the site has appeals for; a topic is optional.
- Signing up always gives the same answer, whether the address was known or not (no account
  enumeration): a new or unconfirmed subscription is sent a confirmation link; a confirmed one
  is sent nothing.
- Tokens are stored only as digests; unsubscribing deletes the subscription.
- A force that publishes in more than one language (PUBLISHER_LANGUAGES) asks each subscriber
  which language they want alerts in, records it (its language code) and uses it: the
  confirmation is written in it, and every alert goes in the appeal's version in it (the Notify
  channel). A subscription with no recorded language (``""``: made before languages were
  asked, or for a force with one language) is in the primary language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import phonenumbers
from babel import Locale, UnknownLocaleError
from sqlalchemy import select

from publisher.domain.record import Topic, language_code
from publisher.errors import PublisherError
from publisher.services.subscribers import StoreSubscribers
from publisher.store import subscriptions as rows
from publisher.store.models import AppealRow

if TYPE_CHECKING:
    from publisher.store import Store

__all__ = [
    "AlertLanguage",
    "InvalidSubscription",
    "LanguageCount",
    "Sender",
    "StoreSubscribers",
    "alert_languages",
    "areas",
    "confirm",
    "language_counts",
    "parse_address",
    "sign_up",
    "unsubscribe",
    "unsubscribe_details",
]

_EMAIL = re.compile(
    r"[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)

Sender = Callable[[Literal["email", "sms"], str, str, str], None]
"""Sends one message: (kind, address, subject, body) (the Notify channel's ``send_message``)."""


class InvalidSubscription(PublisherError):
    """The sign-up form's ``field`` is not usable (the message says why)."""

    exit_code = 2

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_address(text: str) -> tuple[Literal["email", "sms"], str]:
    """("email", the address) or ("sms", the E.164 number); InvalidSubscription otherwise."""
    value = text.strip()
    if "@" in value:
        if len(value) > 254 or not _EMAIL.fullmatch(value):
            raise InvalidSubscription("address", "Enter an email address like name@example.org")
        local, _, domain = value.rpartition("@")
        return "email", f"{local}@{domain.lower()}"
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException as exc:
        raise InvalidSubscription(
            "address", "Enter an email address or a UK mobile number like 07400 123456"
        ) from exc
    kind = phonenumbers.number_type(number)
    if (
        not phonenumbers.is_valid_number(number)
        or number.country_code != 44  # Great Britain, Northern Ireland, the Crown Dependencies
        or kind is not phonenumbers.PhoneNumberType.MOBILE
    ):
        raise InvalidSubscription("address", "Enter a UK mobile number like 07400 123456")
    return "sms", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class AlertLanguage:
    """A language alerts can be had in: its code (what a subscription records) and its name
    in itself (English, Cymraeg), as a person choosing it looks for it."""

    code: str
    name: str


def _own_name(code: str) -> str:
    try:
        name = Locale.parse(code).get_display_name(code)
    except (ValueError, UnknownLocaleError):
        return code
    return code if not name else name[:1].upper() + name[1:]


def alert_languages(languages: Sequence[str]) -> list[AlertLanguage]:
    """The languages a subscriber chooses from: PUBLISHER_LANGUAGES' (locales, the primary
    first), each once. Fewer than two: nothing to choose (the sign-up form asks nothing)."""
    codes = list(dict.fromkeys(language_code(locale) for locale in languages))
    return [AlertLanguage(code, _own_name(code)) for code in codes] if len(codes) > 1 else []


def areas(store: Store) -> list[str]:
    """The areas the site has appeals for."""
    with store.session(read_only=True) as session:
        return sorted(set(session.scalars(select(AppealRow.area).distinct())))


def _now() -> datetime:
    return datetime.now(UTC)


def sign_up(
    store: Store,
    *,
    address: str,
    area: str,
    topic: str,
    app_url: str,
    send: Sender,
    at: datetime | None = None,
    language: str = "",
    languages: Sequence[str] = (),
) -> None:
    """Record a subscription and send its confirmation link (see the module docstring).

    ``languages``: PUBLISHER_LANGUAGES. With two or more, ``language`` (a code of one of them)
    is required; with fewer, nothing is asked and ``language`` is not read."""
    kind, normalised = parse_address(address)
    if area not in areas(store):
        raise InvalidSubscription("area", "Choose an area from the list")
    if topic and topic not in {t.value for t in Topic}:
        raise InvalidSubscription("topic", "Choose a topic from the list, or none")
    choices = alert_languages(languages)
    chosen = ""
    if choices:
        if language not in {c.code for c in choices}:
            raise InvalidSubscription("language", "Choose the language you want alerts in")
        chosen = language
    with store.session() as session:
        subscriber = rows.add(
            session,
            kind=kind,
            address=normalised,
            area=area,
            topic=topic,
            at=at or _now(),
            language=chosen,
        )
    if subscriber.token is None:
        return  # confirmed already: nothing to send, and the same answer
    link = f"{app_url.rstrip('/')}/alerts/confirm/{subscriber.token}"
    subject, body = _confirmation(kind, area, link, chosen)
    send(kind, normalised, subject, body)


def _confirmation(kind: str, area: str, link: str, language: str) -> tuple[str, str]:
    """The confirmation's subject and body in the subscriber's language (English when the
    project has no words in it)."""
    if language == "cy":
        if kind == "email":
            return "Cadarnhewch eich rhybuddion apêl yr heddlu", (
                f"Gofynnoch am rybuddion apêl yr heddlu ar gyfer {area}.\n\n"
                f"I'w dechrau, cadarnhewch eich cyfeiriad e-bost: {link}\n\n"
                "Os na wnaethoch ofyn am hyn, anwybyddwch yr e-bost hwn: ni fydd dim yn cael "
                "ei anfon.\n"
            )
        return "Cadarnhewch eich rhybuddion apêl yr heddlu", (
            f"Cadarnhewch rybuddion apêl yr heddlu ar gyfer {area}: {link}\n"
            "Nid chi? Anwybyddwch y neges hon."
        )
    if kind == "email":
        return "Confirm your police appeal alerts", (
            f"You asked for police appeal alerts for {area}.\n\n"
            f"To start them, confirm your email address: {link}\n\n"
            "If you did not ask for this, ignore this email: nothing will be sent.\n"
        )
    return "Confirm your police appeal alerts", (
        f"Confirm police appeal alerts for {area}: {link}\nNot you? Ignore this text."
    )


def confirm(store: Store, token: str, *, at: datetime | None = None) -> bool:
    with store.session() as session:
        return rows.confirm(session, token, at=at or _now()) is not None


@dataclass(frozen=True)
class UnsubscribeDetails:
    area: str
    topic: str
    kind: str


def unsubscribe_details(store: Store, token: str) -> UnsubscribeDetails | None:
    with store.session(read_only=True) as session:
        found = rows.find_by_token(session, token)
    return None if found is None else UnsubscribeDetails(found.area, found.topic, found.kind)


def unsubscribe(store: Store, token: str) -> bool:
    with store.session() as session:
        return rows.unsubscribe(session, token)


@dataclass(frozen=True)
class LanguageCount:
    code: str
    name: str
    confirmed: int
    unconfirmed: int


def language_counts(store: Store, languages: Sequence[str]) -> list[LanguageCount]:
    """How many subscribe in each language (no addresses): PUBLISHER_LANGUAGES' first, in
    their order, then any other recorded; the subscriptions with no recorded language are
    counted as the primary language's."""
    primary = language_code(languages[0]) if languages else ""
    with store.session(read_only=True) as session:
        found = rows.language_counts(session)
    totals: dict[str, list[int]] = {language_code(loc): [0, 0] for loc in languages}
    for count in found:
        code = count.language or primary
        total = totals.setdefault(code, [0, 0])
        total[0] += count.confirmed
        total[1] += count.unconfirmed
    return [
        LanguageCount(code, _own_name(code) if code else "The site's language", c, u)
        for code, (c, u) in totals.items()
    ]
