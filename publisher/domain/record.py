"""The canonical appeal record.

Pure, frozen, validated data. This module must never import Celery, tweepy, feedgen, Jinja2,
SQLAlchemy or httpx: ``tests/unit/test_purity.py`` enforces it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from publisher.domain.hashtags import is_valid_tag

__all__ = [
    "Appeal",
    "AppealKind",
    "AppealStatus",
    "Block",
    "BulletList",
    "CallToAction",
    "Contact",
    "ContactKind",
    "ContactList",
    "Heading",
    "Image",
    "Paragraph",
    "Quote",
    "Span",
    "Topic",
    "Translation",
    "appeal_json_schema",
    "language_code",
    "slugify",
    "translatable_digest",
]

DEFAULT_TIMEZONE = "Europe/London"
SENSITIVE_TOPICS: frozenset[str] = frozenset(
    {"domestic-abuse", "sexual-violence", "stalking", "child-abuse"}
)


# The sets of the names of the fields given, one object for each such set (see _Frozen).
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


def _shared(given: set[str]) -> set[str]:
    return _FIELDS_SETS.setdefault(frozenset(given), given)


class _Frozen(BaseModel):
    """A frozen record part. Every record given the same fields shares one set of their names
    (pydantic's ``__pydantic_fields_set__``), made or unpickled: one set an object was two
    fifths of a record's memory (13 of 32 KiB an appeal), in processes that hold thousands
    (a build's main process), and of its pickle. Sharing is safe because a record is frozen:
    pydantic adds to that set only on assignment, which a frozen model refuses, and a copy
    (``model_copy``) gets a copy of it."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def model_post_init(self, context: Any, /) -> None:
        object.__setattr__(self, "__pydantic_fields_set__", _shared(self.__pydantic_fields_set__))

    def __setstate__(self, state: dict[str, Any]) -> None:
        given = state.get("__pydantic_fields_set__")
        if isinstance(given, set):
            state = {**state, "__pydantic_fields_set__": _shared(given)}
        super().__setstate__(state)


class AppealKind(StrEnum):
    APPEAL = "appeal"
    MISSING_PERSON = "missing-person"
    WITNESS_APPEAL = "witness-appeal"
    WANTED = "wanted"
    ADVICE = "advice"
    NEWS = "news"


class AppealStatus(StrEnum):
    ACTIVE = "active"
    UPDATED = "updated"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


class Topic(StrEnum):
    DOMESTIC_ABUSE = "domestic-abuse"
    SEXUAL_VIOLENCE = "sexual-violence"
    STALKING = "stalking"
    CHILD_ABUSE = "child-abuse"


_WORDS_ONLY = "publisher_words_only"
"""Serialisation context key: the words a translator translates, without ``Contact.known``."""


class ContactKind(StrEnum):
    PHONE = "phone"
    TEXT = "text"  # an SMS number, e.g. emergencySMS
    TEXTPHONE = "textphone"  # Relay UK: 18001 + number
    WEB = "web"
    EMAIL = "email"


class Contact(_Frozen):
    """A way to reach someone: a phone, text or textphone number, a web address or email."""

    name: str = Field(min_length=1, description="Who answers, e.g. 'Men's Advice Line'.")
    kind: ContactKind
    value: str = Field(
        min_length=1,
        description="E.164 (+448000853481) or a short code (999, 101, 18001 101) for numbers; "
        "an absolute URL for web; an address for email.",
    )
    display: str = Field(
        min_length=1, description="How the value is shown to people, e.g. '0800 085 3481'."
    )
    note: str | None = Field(default=None, description="Extra words, e.g. opening hours.")
    known: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]+(?:[-+][a-z0-9]+)*$",
        description="The well-known contact the importer recognised and named, e.g. "
        "'police-non-emergency' for 101: every language shows its own name for it. None when "
        "the name is as written.",
    )

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        # ``known`` only where it says something, so that a record with none keeps the JSON it
        # always had; never in the words a translation is made from (see translatable_digest).
        data = handler(self)
        if isinstance(data, dict) and (self.known is None or (info.context or {}).get(_WORDS_ONLY)):
            data.pop("known", None)
        return data

    @property
    def is_number(self) -> bool:
        return self.kind in (ContactKind.PHONE, ContactKind.TEXT, ContactKind.TEXTPHONE)

    @property
    def tel_uri(self) -> str | None:
        """The ``tel:``/``sms:`` URI for a number, or None for web and email."""
        if not self.is_number:
            return None
        digits = self.value.replace(" ", "")
        scheme = "sms" if self.kind is ContactKind.TEXT else "tel"
        return f"{scheme}:{digits}"


class Span(_Frozen):
    """An inline run of text. ``contact`` or ``href`` make it a link (tel:, sms:, web).

    A span's text keeps its spaces exactly (``"Call "``, ``"999"``, ``" now."``): the spans of a
    paragraph concatenate to its text, so a renderer joins them with ``""``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    text: str
    href: str | None = None
    contact: Contact | None = None
    hashtag: bool = False

    @model_validator(mode="after")
    def _one_link(self) -> Span:
        if self.href is not None and self.contact is not None:
            raise ValueError("a span links either to an href or to a contact, not both")
        return self

    @property
    def plain(self) -> bool:
        """Words only: no contact, link or hashtag (most spans)."""
        return self.contact is None and self.href is None and not self.hashtag

    @property
    def link(self) -> str | None:
        if self.contact is not None:
            return self.contact.tel_uri or self.contact.value
        return self.href


class Paragraph(_Frozen):
    type: Literal["paragraph"] = "paragraph"
    spans: tuple[Span, ...] = Field(min_length=1)

    @property
    def text(self) -> str:
        return "".join([s.text for s in self.spans])


class Heading(_Frozen):
    type: Literal["heading"] = "heading"
    text: str = Field(min_length=1)


class Quote(_Frozen):
    """Words said by a named person: one or more paragraphs."""

    type: Literal["quote"] = "quote"
    speaker: str = Field(min_length=1, description="As written, e.g. 'DCI Brian Bilby'.")
    role: str | None = Field(
        default=None, description="e.g. 'from the force's Public Protection Unit'"
    )
    verb: str = Field(default="said", description="said, added, explained…")
    paragraphs: tuple[Paragraph, ...] = Field(min_length=1)


class ContactList(_Frozen):
    type: Literal["contacts"] = "contacts"
    intro: Paragraph | None = None
    contacts: tuple[Contact, ...] = Field(min_length=1)


class BulletList(_Frozen):
    type: Literal["bullets"] = "bullets"
    intro: Paragraph | None = None
    items: tuple[Paragraph, ...] = Field(min_length=1)


class CallToAction(_Frozen):
    """The one thing we want the reader to do, e.g. 'Call 101 quoting incident 123'."""

    type: Literal["call-to-action"] = "call-to-action"
    spans: tuple[Span, ...] = Field(min_length=1)

    @property
    def text(self) -> str:
        return "".join([s.text for s in self.spans])


Block = Annotated[
    Paragraph | Heading | Quote | ContactList | BulletList | CallToAction,
    Field(discriminator="type"),
]


class Image(_Frozen):
    url: HttpUrl
    alt: str | None = Field(
        default=None, description="What the image shows, for people who cannot see it."
    )


_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")


def _clean_tags(value: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = tuple(tag.lstrip("#＃") for tag in value)
    for tag in cleaned:
        if not is_valid_tag(tag):
            raise ValueError(
                f"hashtag {tag!r} is not one X would link: use letters (any script), "
                "digits and underscores, with at least one letter, and no spaces"
            )
    return cleaned


class Translation(_Frozen):
    """What an appeal says in one more language: the words only, never the shared facts.

    Times, area, contacts' numbers, the image's address, topics and campaigns stay once on the
    :class:`Appeal`. ``source_digest`` is :func:`translatable_digest` of the primary language's
    words at the time the translation was made, so a later change to them shows it out of date.
    """

    locale: str = Field(description="e.g. 'cy_GB'.")
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1)
    body: tuple[Block, ...] = Field(min_length=1)
    image_alt: str | None = Field(
        default=None, description="The image's alt text in this language."
    )
    hashtags: tuple[str, ...] = Field(default=(), description="Without '#', as written.")
    resolution: str | None = None
    url: HttpUrl | None = Field(
        default=None,
        description="The page in this language; when unset, the appeal's own address with the "
        "language's code in front of its path (https://force.example/cy/news/.../).",
    )
    source_digest: str | None = Field(
        default=None,
        description="translatable_digest() of the primary language this was translated from; "
        "None until someone marks the translation current.",
    )

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if not _LOCALE_RE.match(value):
            raise ValueError(f"locale {value!r} is not like 'cy_GB' or 'cy'")
        return value

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _clean_tags(value)

    @field_validator("source_digest")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is not None and not _DIGEST_RE.match(value):
            raise ValueError("source_digest must be 64 lower-case hex digits (a sha256)")
        return value


def language_code(locale: str) -> str:
    """The language part of a locale, lower-case: ``cy`` for ``cy_GB`` or ``cy-GB``. A page in
    another language lives under it (``cy/<path>``), as do that language's indexes and
    feeds."""
    return locale.replace("-", "_").partition("_")[0].lower()


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-") or "appeal"


class Appeal(_Frozen):
    """One appeal, advice or news item: the single source every channel renders from."""

    id: str = Field(description="Stable slug, unique across the site.")
    revision: int = Field(default=1, ge=1)
    kind: AppealKind = AppealKind.NEWS
    status: AppealStatus = AppealStatus.ACTIVE
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, description="One or two sentences for cards and feeds.")
    organisation: str | None = Field(default=None, description="e.g. 'Derbyshire Constabulary'.")
    area: str = Field(min_length=1, description="e.g. 'Derbyshire'.")
    url: HttpUrl = Field(description="The canonical, absolute URL of the appeal's page.")
    published_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    timezone: str = DEFAULT_TIMEZONE
    locale: str = "en_GB"
    image: Image | None = None
    body: tuple[Block, ...] = Field(min_length=1)
    hashtags: tuple[str, ...] = Field(default=(), description="Without '#', as written.")
    topics: tuple[Topic, ...] = Field(
        default=(), description="Topics set by the author. Sensitive ones add 'Exit this page'."
    )
    inferred_topics: tuple[Topic, ...] = Field(
        default=(), description="Topics the importer inferred from the text."
    )
    campaigns: tuple[str, ...] = Field(default=(), description="Campaign slugs.")
    resolution: str | None = Field(
        default=None, description="The line shown once resolved, e.g. 'Sam has been found.'"
    )
    source: str | None = Field(default=None, description="The file the record came from.")
    translations: tuple[Translation, ...] = Field(
        default=(),
        description="The same appeal in other languages, at most one per locale, not the primary.",
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG_RE.match(value):
            raise ValueError("must be a slug: lower-case letters, digits and single hyphens")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _clean_tags(value)

    @model_validator(mode="after")
    def _times(self) -> Appeal:
        if self.updated_at is not None and self.updated_at < self.published_at:
            raise ValueError("updated_at is before published_at")
        if self.status is AppealStatus.RESOLVED and not self.resolution:
            raise ValueError("a resolved appeal needs a resolution line")
        seen: set[str] = {self.locale}
        for tr in self.translations:
            if tr.locale == self.locale:
                raise ValueError(
                    f"translation {tr.locale!r} is the appeal's own locale: "
                    "the primary language's words go on the appeal itself"
                )
            if tr.locale in seen:
                raise ValueError(f"more than one translation for locale {tr.locale!r}")
            seen.add(tr.locale)
            if self.status is AppealStatus.RESOLVED and not tr.resolution:
                raise ValueError(
                    f"a resolved appeal needs a resolution line in every language: "
                    f"translation {tr.locale!r} has none"
                )
        return self

    # Languages -----------------------------------------------------------------------------

    @property
    def languages(self) -> tuple[str, ...]:
        """Every locale the appeal is written in, the primary ``locale`` first."""
        return (self.locale, *(tr.locale for tr in self.translations))

    def translation(self, locale: str) -> Translation | None:
        """The translation for ``locale``, or None when the appeal has none in it."""
        for tr in self.translations:
            if tr.locale == locale:
                return tr
        return None

    def in_language(self, locale: str) -> Appeal:
        """This appeal in one language only: that language's words in place, no translations.

        The primary locale gives the appeal itself without its translations. Another language
        has its own page, so its own ``url``: the translation's when set, else the appeal's with
        the language's code (the locale's language part, lower-case) in front of its path
        (``https://force.example/cy/news/2025/.../``). Every channel links that page from that
        language's words. Raises ``KeyError`` for a language it lacks.
        """
        if locale == self.locale:
            return self if not self.translations else self.model_copy(update={"translations": ()})
        tr = self.translation(locale)
        if tr is None:
            raise KeyError(f"appeal {self.id!r} has no {locale!r} translation")
        image = self.image
        if image is not None:
            image = image.model_copy(update={"alt": tr.image_alt})
        update: dict[str, Any] = {
            "locale": tr.locale,
            "title": tr.title,
            "summary": tr.summary,
            "body": tr.body,
            "image": image,
            "hashtags": tr.hashtags,
            "resolution": tr.resolution,
            "translations": (),
            "url": tr.url if tr.url is not None else self._language_url(tr.locale),
        }
        return self.model_copy(update=update)

    def _language_url(self, locale: str) -> HttpUrl:
        """The derived address of the page in ``locale``: ``scheme://host/<code>/<path>``."""
        parts = urlsplit(str(self.url))
        return HttpUrl(f"{parts.scheme}://{parts.netloc}/{language_code(locale)}/{self.path}")

    # Derived views -------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_published(self) -> datetime:
        return self.published_at.astimezone(self.zone)

    @property
    def local_updated(self) -> datetime | None:
        return None if self.updated_at is None else self.updated_at.astimezone(self.zone)

    @property
    def modified_at(self) -> datetime:
        """When the content last changed (updated, else published)."""
        return self.updated_at or self.published_at

    @property
    def all_topics(self) -> tuple[Topic, ...]:
        seen = dict.fromkeys((*self.topics, *self.inferred_topics))
        return tuple(seen)

    @property
    def sensitive(self) -> bool:
        return any(t.value in SENSITIVE_TOPICS for t in self.all_topics)

    @property
    def path(self) -> str:
        """The page's path under the site root, without leading slash, ending in '/'."""
        raw = (self.url.path or "/").strip("/")
        return f"{raw}/" if raw else f"{self.id}/"

    @property
    def area_slug(self) -> str:
        return slugify(self.area)

    @property
    def contacts(self) -> tuple[Contact, ...]:
        """Every contact in the body, first appearance order, without repeats."""
        found: dict[tuple[str, str], Contact] = {}

        def spans(items: tuple[Span, ...]) -> None:
            for span in items:
                if span.contact is not None:
                    found.setdefault((span.contact.kind, span.contact.value), span.contact)

        for block in self.body:
            if isinstance(block, Paragraph | CallToAction):
                spans(block.spans)
            elif isinstance(block, Quote):
                for para in block.paragraphs:
                    spans(para.spans)
            elif isinstance(block, ContactList):
                if block.intro:
                    spans(block.intro.spans)
                for contact in block.contacts:
                    found.setdefault((contact.kind, contact.value), contact)
            elif isinstance(block, BulletList):
                for para in (*((block.intro,) if block.intro else ()), *block.items):
                    spans(para.spans)
        return tuple(found.values())

    def to_json(self) -> str:
        """Canonical JSON: stable key order, UTC-offset times as given, two-space indent."""
        data = self.model_dump(mode="json", exclude_none=False)
        if not self.translations:
            # A monolingual record keeps the exact JSON it always had.
            del data["translations"]
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Appeal:
        return cls.model_validate_json(text)


def translatable_digest(appeal: Appeal) -> str:
    """sha256 (hex) of the primary language's words: title, summary, body, image alt, hashtags
    and resolution, in a canonical JSON serialisation (sorted keys, no spaces, UTF-8).

    Only the words a translator translates count: times, contacts' numbers and the like do not.
    """
    words: dict[str, Any] = {
        "title": appeal.title,
        "summary": appeal.summary,
        "body": [
            block.model_dump(mode="json", context={_WORDS_ONLY: True}) for block in appeal.body
        ],
        "image_alt": appeal.image.alt if appeal.image is not None else None,
        "hashtags": list(appeal.hashtags),
        "resolution": appeal.resolution,
    }
    canonical = json.dumps(words, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def appeal_json_schema() -> dict[str, Any]:
    """The published JSON Schema for an appeal record."""
    schema = Appeal.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://publisher.invalid/schema/appeal.json"
    return schema
