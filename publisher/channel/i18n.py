"""The site's own words in the reader's language: gettext catalogues read with Babel.

English is the source language: the strings in the templates (``{% trans %}``, ``_()``) and in
the view models (:func:`gettext`) are English, and a page in English uses them as written. Any
other language is a catalogue, ``<locale dir>/<language>/LC_MESSAGES/web.po``, compiled when it
is first used (no ``.mo`` file is committed or needed), so a new language is a new catalogue and
no change of code. A language with no catalogue gets the English words, and the page marks them
``lang="en"``.

Which catalogue a rendering uses is set around it with :func:`chrome`; the Jinja2 environment's
``gettext`` and the view models' :func:`gettext` both read it, so one shared environment serves
pages in several languages, from several threads.
"""

from __future__ import annotations

import gettext as _gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from publisher.domain.phones import known_name
from publisher.domain.record import Contact
from publisher.errors import BuildError

__all__ = [
    "DEFAULT_SITE_NAME",
    "DOMAIN",
    "LOCALE_DIR",
    "N_",
    "SOURCE_LANGUAGE",
    "Chrome",
    "chrome",
    "chrome_for",
    "contact_name",
    "current",
    "gettext",
    "languages",
    "ngettext",
    "site_name",
]

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "web"
SOURCE_LANGUAGE = "en"
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Chrome:
    """The words of one language: its gettext translations and its Babel locale."""

    language: str
    """The primary language subtag the words are in: ``en``, ``cy``."""
    translations: _gettext.NullTranslations
    locale: Locale


_ENGLISH = Chrome(SOURCE_LANGUAGE, _gettext.NullTranslations(), Locale.parse("en_GB"))
_current: ContextVar[Chrome] = ContextVar("publisher_chrome", default=_ENGLISH)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (module-level labels)."""
    return message


def current() -> Chrome:
    return _current.get()


def gettext(message: str) -> str:
    """``message`` in the current rendering's language (English when it has no catalogue)."""
    return _current.get().translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.get().translations.ngettext(singular, plural, n)


DEFAULT_SITE_NAME = N_("Police appeals")
"""The site's name when ``SITE_NAME`` is not set (``RenderContext.site_name``'s default)."""


def site_name(name: str, words: Chrome | None = None) -> str:
    """The site's name in the language of ``words`` (the current rendering's by default): the
    built-in :data:`DEFAULT_SITE_NAME` is a catalogue message; a name the site configured
    (``SITE_NAME``) is a proper name and stays as configured."""
    if name == DEFAULT_SITE_NAME:
        return (words or current()).translations.gettext(name)
    return name


def contact_name(contact: Contact, words: Chrome | None = None) -> str:
    """A contact's name in the language of ``words`` (the current rendering's by default).

    A well-known contact the importer named (``contact.known``: 999, 101, "Phone number"…) gets
    the catalogue's name for it, which every channel shows (the names are the catalogue's
    messages, from :data:`publisher.domain.phones.WELL_KNOWN_NAMES`); a name as written stays as
    written, whatever the language."""
    if contact.known is not None:
        name = known_name(contact.known, (words or current()).translations.gettext)
        if name is not None:
            return name
    return contact.name


def languages(locale_dir: Path = LOCALE_DIR) -> tuple[str, ...]:
    """The languages that have a catalogue, and English."""
    found = {SOURCE_LANGUAGE}
    if locale_dir.is_dir():
        for child in locale_dir.iterdir():
            if (child / "LC_MESSAGES" / f"{DOMAIN}.po").is_file():
                found.add(child.name)
    return tuple(sorted(found))


def chrome_for(lang: str, locale_dir: Path = LOCALE_DIR) -> Chrome:
    """The words for a page whose ``lang`` is ``lang`` (``cy-GB``, ``en``): its language's
    catalogue, or English when there is none."""
    language = lang.replace("_", "-").split("-")[0].lower()
    if language == SOURCE_LANGUAGE or not _LANGUAGE_RE.match(language):
        return _ENGLISH
    return _load(language, locale_dir.resolve())


@cache
def _load(language: str, locale_dir: Path) -> Chrome:
    path = locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return _ENGLISH
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=DOMAIN, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as exc:
        raise BuildError(f"{path}: cannot read the {language!r} catalogue: {exc}") from exc
    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError) as exc:
        raise BuildError(f"{path}: {language!r} is not a language Babel knows") from exc
    # A translation whose placeholders differ from its message's (``%(area)s``) would fail,
    # or show the wrong words, on the page: refused here, with the message named.
    for message, errors in catalog.check():
        raise BuildError(f"{path}: the translation of {message.id!r}: {errors[0]}")
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    translations = _gettext.GNUTranslations(compiled)
    return Chrome(language, translations, locale)


@contextmanager
def chrome(words: Chrome) -> Iterator[Chrome]:
    """Render with ``words`` for the duration of the block."""
    token = _current.set(words)
    try:
        yield words
    finally:
        _current.reset(token)
