"""Small helpers shared by the file channels (feeds, text, web): text hygiene, the page's URL,
the site's languages.

Links are checked by :func:`publisher.domain.links.safe_href` and files are published by
:func:`publisher.channel.files.publish_files`, the same for every channel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError

from publisher.channel import RenderContext
from publisher.channel.memo import in_language
from publisher.domain.record import Appeal, Block, Paragraph, language_code

__all__ = [
    "Joiner",
    "SiteLanguage",
    "drop_tags",
    "join_texts",
    "needs_space",
    "opening_text",
    "page_code",
    "page_url",
    "said_line",
    "same_words",
    "site_language",
    "site_languages",
    "strip_control",
    "version_in",
]

# C0 controls except tab and newline (CR is folded to a newline first), DEL, C1 controls,
# lone surrogates and the two non-characters XML 1.0 forbids.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# An HTML tag, comment, declaration or processing instruction as a browser would see one.
_TAG = re.compile(r"<(?:/?[A-Za-z][^<>]*|!--.*?--|![^<>]*|\?[^<>]*)>", re.DOTALL)
_NO_SPACE_BEFORE = re.compile(r"^[.,;:!?)\]}%…’”]")
_NO_SPACE_AFTER = re.compile(r"[(\[{£$‘“]")
_CLOSES = re.compile(r"\s|[.,;:!?)\]}…]")


WELSH_VERBS = {
    "said": "Dywedodd",
    "says": "Meddai",
    "added": "Ychwanegodd",
    "adds": "Ychwanegodd",
    "explained": "Esboniodd",
    "explains": "Esboniodd",
    "urged": "Anogodd",
    "urges": "Anogodd",
    "warned": "Rhybuddiodd",
    "warns": "Rhybuddiodd",
    "appealed": "Apeliodd",
    "confirmed": "Cadarnhaodd",
    "confirms": "Cadarnhaodd",
}
"""A quote's verb in Welsh, before the speaker as Welsh has it ("Dywedodd … :"). The importer
reads English verbs only; one with no word here is "Dywedodd" (said)."""


def said_line(who: str, role: str, verb: str, *, welsh: bool) -> str:
    """The line before a quote, from parts already made safe for the output (cleaned or
    escaped): "DCI Jane Doe, from the unit, said:"; in Welsh "Dywedodd DCI Jane Doe, o'r
    uned:", whatever verb the record holds (its verbs are English words of the importer's)."""
    if welsh:
        said_by = f"{WELSH_VERBS.get(verb.casefold(), 'Dywedodd')} {who}"
        return f"{said_by}, {role}:" if role else f"{said_by}:"
    verb = verb or "said"
    return f"{who}, {role}, {verb}:" if role else f"{who} {verb}:"


def strip_control(text: str) -> str:
    """``text`` without control characters (illegal in XML, invisible and risky elsewhere)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def drop_tags(text: str) -> str:
    """``text`` with every HTML tag (and comment) replaced by a space.

    Record text is text: a channel that is not HTML has nowhere to escape markup to, so tags
    are dropped rather than passed on for someone else's renderer to run. A stray ``<`` that
    opens no tag ("aged <18") stays. Dropping repeats until nothing is left that a browser
    would take for a tag: ``<![CDATA[<b>x</b>]]>`` first loses ``<b>`` and ``</b>``, and then
    what they held apart is a tag of its own.
    """
    while True:
        text, count = _TAG.subn(" ", text)
        if not count:
            return text


def needs_space(before: str, after: str, *, quotes_before: int | None = None) -> bool:
    """Whether two inline runs (spans) need a space between them.

    Spans keep their spaces as written, but the channels clean each run on its own (which
    trims it), so the space between "call" and "999" has to be put back: never before closing
    punctuation or after an opening bracket or quote, and never twice. A straight double
    quote opens or closes by count: after an odd number of them in ``before`` a quote is still
    open, so ``Call "`` + ``101`` + ``" now.`` reads ``Call "101" now.``, not
    ``Call " 101 " now.``; a single quote by its place.

    Only the last two characters of ``before`` are looked at, and the number of straight
    double quotes in it: a caller that joins many runs passes that count as ``quotes_before``
    and the tail of what it has so far, so joining stays linear in the length of the text.
    """
    if not before or not after or before[-1].isspace() or after[0].isspace():
        return False
    if _NO_SPACE_BEFORE.match(after) or _NO_SPACE_AFTER.match(before[-1]):
        return False
    quotes = before.count('"') if quotes_before is None else quotes_before
    quote_open = quotes % 2 == 1
    if quote_open and (before.endswith('"') or after.startswith('"')):
        return False
    # A single quote opens after a space or an opening bracket, and closes before a space or
    # closing punctuation; otherwise it may be an apostrophe, and the rules above apply.
    if before.endswith("'") and (len(before) == 1 or before[-2].isspace() or before[-2] in "([{"):
        return False
    return not (after.startswith("'") and (len(after) == 1 or _CLOSES.match(after[1:])))


class Joiner:
    """Joins inline runs with :func:`needs_space` spacing, in time linear in their length.

    ``add(plain, shown)`` spaces by the plain text and appends what is shown (escaped markup
    in a feed), so a channel that joins rendered runs spaces them as the text reads.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._tail = ""  # the last two plain characters so far
        self._quotes = 0  # straight double quotes so far

    def add(self, plain: str, shown: str | None = None) -> None:
        if needs_space(self._tail, plain, quotes_before=self._quotes):
            self._parts.append(" ")
            self._tail = self._tail[-1:] + " "
        self._parts.append(plain if shown is None else shown)
        if plain:
            self._tail = (self._tail + plain)[-2:]
            self._quotes += plain.count('"')

    def joined(self) -> str:
        return "".join(self._parts)


def join_texts(texts: Iterable[str]) -> str:
    """Join inline runs with :func:`needs_space` spacing."""
    joiner = Joiner()
    for text in texts:
        joiner.add(text)
    return joiner.joined()


def same_words(a: str, b: str) -> bool:
    """Whether two texts say the same words (case, punctuation and spacing aside)."""

    def norm(text: str) -> str:
        return re.sub(r"[\W_]+", " ", text.casefold()).strip()

    return norm(a) == norm(b)


def opening_text(body: Sequence[Block]) -> str:
    """The words of the body's first block when it is a paragraph (else ""): a summary that
    only repeats them is not shown twice."""
    first = body[0] if body else None
    if not isinstance(first, Paragraph):
        return ""
    return join_texts(span.text for span in first.spans)


def page_url(appeal: Appeal, context: RenderContext) -> str:
    """The absolute URL of the appeal's page as we publish it: the web channel writes it at
    ``<appeal.path>index.html`` under the output folder, which is served at ``SITE_URL``."""
    return context.absolute(appeal.path)


# The site's languages -------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteLanguage:
    """One language the site is published in: its home, area indexes, safety and 404 pages
    and feeds, under ``prefix`` (``""`` for the site's primary language, ``cy/`` for Welsh)."""

    code: str
    """The language part of the locale, lower-case: ``cy``."""
    locale: str
    """``cy_GB``."""
    prefix: str

    @property
    def lang(self) -> str:
        """The pages' ``lang`` and ``hreflang``: ``cy-GB``."""
        return self.locale.replace("_", "-")


_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")


@cache
def _known(locale: str) -> bool:
    """Whether ``locale`` names a language Babel knows (its name, its months)."""
    if not _LOCALE.match(locale):
        return False
    try:
        return bool(Locale.parse(locale.replace("-", "_")).get_language_name())
    except (UnknownLocaleError, ValueError):
        return False


def page_code(locale: str, context: RenderContext) -> str:
    """The language code a page in ``locale`` is filed under: the locale's (``cy``), or the
    site's primary language's when the locale names no language Babel knows (a record's
    free-form ``locale``: its page is shown as the site's, as the web channel's ``lang``
    falls back to the context's)."""
    return language_code(locale) if _known(locale) else language_code(context.language)


def site_language(locale: str, context: RenderContext) -> SiteLanguage:
    """The site's language for ``locale``: its primary (the context's ``language``) has no
    prefix; any other has its code's folder."""
    code = page_code(locale, context)
    if code == language_code(context.language):
        return SiteLanguage(code, context.language.replace("-", "_"), "")
    return SiteLanguage(code, locale, f"{code}/")


def site_languages(locales: Iterable[str], context: RenderContext) -> tuple[SiteLanguage, ...]:
    """The site's languages: its primary first, then one per other language code among
    ``locales`` and the context's ``languages`` (PUBLISHER_LANGUAGES), by code. A code written
    with more than one locale (``cy``, ``cy_GB``) takes the settings' locale, else the first
    in sorted order, so the result depends on the set, not on the order it was seen in."""
    primary = site_language(context.language.replace("-", "_"), context)
    chosen: dict[str, str] = {}
    for locale in (*context.languages, *sorted(locales)):
        if _known(locale):
            chosen.setdefault(language_code(locale), locale)
    chosen.pop(primary.code, None)
    return (primary, *(site_language(chosen[code], context) for code in sorted(chosen)))


def version_in(appeal: Appeal, language: SiteLanguage, context: RenderContext) -> Appeal:
    """The appeal in ``language`` when it is written in it, else in its primary language:
    what the index of that language shows of it."""
    for locale in appeal.languages:
        if page_code(locale, context) == language.code:
            return in_language(appeal, locale)
    return in_language(appeal, appeal.locale)
