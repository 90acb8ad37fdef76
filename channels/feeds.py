"""RSS 2.0 and Atom feeds, built with feedgen. feedgen is imported nowhere else.

Files (paths relative to the output root):

- ``render(appeal)``: ``feeds/appeals/<id>/rss.xml`` and ``atom.xml``, a one-entry feed pair;
- ``render_site(appeals)``: ``feeds/rss.xml`` and ``feeds/atom.xml`` (the whole site),
  ``feeds/areas/<area-slug>/…`` per area and ``feeds/campaigns/<campaign-slug>/…`` per
  campaign. The ``alternate`` link is the appeal's page as we publish it (``SITE_URL`` +
  the appeal's path, made by the web channel, not the source site's page), the site's home
  page, or the area's index page (``areas/<slug>/``); campaigns have no page of their own, so
  their feeds point at the home page. Each other language the site is in (an appeal's, or
  the context's ``languages``) has its overall and area feeds under its code,
  ``feeds/cy/rss.xml``, ``feeds/cy/areas/<slug>/…``, titled "<site> (Cymraeg)", described
  in that language's words (the web catalogue), ``language`` ``cy-GB``, linking the Welsh home
  and area indexes: every appeal is an entry, in Welsh where it has Welsh (linking the Welsh
  page), else in its own words (the Atom entry marked ``xml:lang``).

Rules (feedgen's quirks are pinned here and by ``tests/unit/test_feeds_channel.py``):

- Entries are sorted by us (published, newest first; then id) and added with
  ``order='append'``; at most :data:`MAX_ENTRIES` per feed. Withdrawn appeals are left out.
- The ``rel="self"`` link is added before the ``alternate`` one (feedgen's RSS ``<link>`` is
  the last link added; Atom keeps the order).
- Item links point at the appeal's page under ``SITE_URL``. RSS ``guid`` is that URL with
  ``isPermaLink="true"``; the Atom entry id is the same URL. The feed's own Atom id is its self
  URL.
- An item follows the appeal's life: a resolved missing person's title becomes "Found: …",
  any other resolved appeal's, and one updated since publication, "Update: …"; its content is
  the current revision's (the resolution line alone once resolved), and its Atom ``updated``
  the revision's ``updated_at``.
- The share image, where the entry shows it, is also an enclosure: RSS ``<enclosure>`` with
  its media type (from the address's file extension; no enclosure when that is unknown) and
  ``length="0"`` (unknown, as RSS practice has it), Atom ``<link rel="enclosure">`` with the
  type and no length.
- Dates come from the content, never from the clock: entries carry ``published_at`` and the
  modification time (``updated_at`` or ``published_at``) in the record's time zone, so RSS says
  ``+0100`` in summer time; a feed's ``updated``/``lastBuildDate`` is the latest modification
  among the appeals it covers, *including withdrawn ones* (removing an entry changes the feed).
  A feed that covers no appeal at all uses 1 January 2000, UTC (the W3C validator calls
  dates before 1990 implausible, and in 1970 London was at +0100 all year). Empty feeds are
  still written: an area whose last appeal was withdrawn must lose that entry on disk.
- The generator is pinned to ``publisher`` (no version), so the bytes are stable build to build.
- Feed author: the organisation (Atom ``author``; RSS ``managingEditor`` when an editor
  e-mail address is configured, since RSS requires an address there, else ``dc:creator``:
  never both, which the W3C validator reports as DuplicateSemantics).
- Content is HTML built here: every record string is escaped with :func:`html.escape`, links
  are kept only for http(s), mailto, tel and sms and are made absolute. RSS ``description``
  carries the summary (unless it only repeats the title or the first paragraph) and that
  HTML; Atom has an HTML ``summary`` (the summary alone) and ``content``, both
  ``type="html"``. Control characters, illegal in XML, are stripped from every string.
- Every other text of ours, at every level (titles, the channel description, the Atom
  subtitle, author names, ``dc:creator``, the name in ``managingEditor``) is HTML-escaped too
  (:func:`_meta`: ``&``, ``<``, ``>``; element text, never an attribute, so quotes stay as
  written) before feedgen XML-escapes it once more. Many readers render RSS titles and the
  channel description as HTML: after one round of XML parsing no such text holds a ``<``, so
  record text never becomes markup, whether a reader takes it for HTML or for text. Atom says
  what its text constructs hold: titles, subtitle and summary are ``type="html"`` (feedgen has
  no parameter for titles, so a small extension sets it) and a conforming reader shows the
  record's words exactly. Atom's author ``name`` can only be text: a strict reader shows an
  escaped ``&`` there as ``&amp;``, the price of never handing markup to a lax one.
- The appeal's image is shown only when it has alt text.
- A resolved appeal shows its title and resolution only: no body, no image, no personal
  details. A withdrawn appeal's own feed pair has no entry and none of its words.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Protocol
from urllib.parse import urlsplit

from feedgen.entry import FeedEntry
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator

from publisher.channel import ChannelBase, OutputFile, Receipt, RenderContext, Rendition, Target
from publisher.channel.files import publish_files
from publisher.channel.i18n import chrome_for, contact_name, site_name
from publisher.channel.memo import (
    FragmentMemo,
    OrderedGroup,
    SiteChanges,
    SiteMemory,
    in_language,
    instant,
    newest_key,
)
from publisher.channels._common import (
    Joiner,
    SiteLanguage,
    opening_text,
    page_code,
    page_url,
    said_line,
    same_words,
    site_languages,
    strip_control,
    version_in,
)
from publisher.domain.links import safe_href
from publisher.domain.phones import grouped, written_number
from publisher.domain.record import (
    Appeal,
    AppealKind,
    AppealStatus,
    Block,
    CallToAction,
    Contact,
    ContactKind,
    ContactList,
    Heading,
    Paragraph,
    Quote,
    Span,
    slugify,
)
from publisher.errors import BuildError

__all__ = [
    "EMPTY_FEED_UPDATED",
    "GENERATOR",
    "MAX_ENTRIES",
    "WITHDRAWN_DESCRIPTION",
    "FeedsChannel",
    "entry_html",
]

MAX_ENTRIES = 50
GENERATOR = "publisher"
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)
"""``updated``/``lastBuildDate`` of a feed that covers no appeal at all."""

WITHDRAWN_DESCRIPTION = "This appeal has been withdrawn."


@dataclass(frozen=True)
class _Words:
    """The words the feeds add to an appeal's own, in one language (the entry's)."""

    language: str
    """The language's code, for its catalogue (:func:`~publisher.channel.i18n.chrome_for`):
    the names of well-known contacts."""
    labels: Mapping[ContactKind, str]
    """Before a contact's value in a contact list: "Police: phone 101"."""
    welsh: bool
    """Quotes are introduced the Welsh way ("Dywedodd …:", :func:`said_line`)."""
    withdrawn: str
    found: str
    """How an entry's title says a missing person was found…"""
    update: str
    """… or an appeal updated."""


_ENGLISH = _Words(
    language="en",
    labels={
        ContactKind.PHONE: "phone",
        ContactKind.TEXT: "text",
        ContactKind.TEXTPHONE: "textphone (Relay UK)",
        ContactKind.WEB: "",
        ContactKind.EMAIL: "email",
    },
    welsh=False,
    withdrawn=WITHDRAWN_DESCRIPTION,
    found="Found",
    update="Update",
)
_WORDS = {
    "cy": _Words(
        language="cy",
        labels={
            ContactKind.PHONE: "ffôn",
            ContactKind.TEXT: "neges destun",
            ContactKind.TEXTPHONE: "ffôn testun (Relay UK)",
            ContactKind.WEB: "",
            ContactKind.EMAIL: "e-bost",
        },
        welsh=True,
        withdrawn="Mae'r apêl hon wedi cael ei thynnu'n ôl.",
        found="Wedi'i ganfod",
        update="Diweddariad",
    ),
}


def _words(appeal: Appeal) -> _Words:
    """The words for the appeal's language (``locale``): Welsh for ``cy``, else English."""
    return _WORDS.get(appeal.locale.partition("_")[0].lower(), _ENGLISH)


_RSS_TYPE = "application/rss+xml"
_ATOM_TYPE = "application/atom+xml"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ATOM_HTML_TEXT = frozenset({"title", "subtitle"})
"""Atom text constructs feedgen writes without a ``type``, which :class:`_AtomHtmlText` sets."""


# Entries' HTML remembered (an appeal is in the site's, its area's and its campaigns' feeds).
_BODY_MEMO_LIMIT = 20_000


# Sites remembered, one per render context (a process renders one; tests render several).
_SITES_REMEMBERED = 4


@dataclass(frozen=True)
class _MadeFeed:
    """A site feed's files and what they were made from (entries compared by identity), with
    each entry's HTML: a build cache keeps them with the site, so that a rebuild that makes
    the feed again makes only its new entries' HTML."""

    about: tuple[object, ...]
    entries: tuple[Appeal, ...]
    files: tuple[OutputFile, OutputFile]
    bodies: tuple[str, ...]


def _modified_key(appeal: Appeal) -> tuple[int, str]:
    """The order of :func:`_feed_updated`: the modification instant, then the id."""
    return instant(appeal.modified_at), appeal.id


def _count(counts: Counter[str], key: str, by: int) -> None:
    counts[key] += by
    if counts[key] <= 0:
        del counts[key]


@dataclass
class _FeedGroup:
    """What one feed covers, kept up to date record by record: its live appeals newest first
    (the entries are the first :data:`MAX_ENTRIES`), every appeal by modification (the last
    gives ``updated``), and how many name each organisation (and, for an area, each way of
    writing its name)."""

    live: OrderedGroup[None] = field(default_factory=OrderedGroup)
    modified: OrderedGroup[None] = field(default_factory=OrderedGroup)
    organisations: Counter[str] = field(default_factory=Counter)
    names: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.modified)

    def change(self, appeal: Appeal, by: int) -> None:
        """Add (``by`` 1) or remove (-1) one appeal."""
        if appeal.status is not AppealStatus.WITHDRAWN:
            if by > 0:
                self.live.add(newest_key(appeal), appeal, None)
            else:
                self.live.remove(newest_key(appeal))
        if by > 0:
            self.modified.add(_modified_key(appeal), appeal, None)
        else:
            self.modified.remove(_modified_key(appeal))
        if appeal.organisation:
            _count(self.organisations, _clean(appeal.organisation), by)
        _count(self.names, _clean(appeal.area), by)

    def author(self) -> str | None:
        """As :func:`_author` says, or None for the site's name."""
        named = [name for name in self.organisations if name]
        return named[0] if len(named) == 1 else None

    def updated(self) -> datetime:
        """As :func:`_feed_updated` says."""
        if not self.modified:
            return EMPTY_FEED_UPDATED
        latest = self.modified.last
        return _local(latest.modified_at, latest)


@dataclass
class _FeedsSite:
    """The site as the feeds channel last rendered it for one context: its appeals, what each
    feed covers, and each feed's last files."""

    changes: SiteChanges = field(default_factory=SiteChanges)
    everything: _FeedGroup = field(default_factory=_FeedGroup)
    areas: dict[str, _FeedGroup] = field(default_factory=dict)
    campaigns: dict[str, _FeedGroup] = field(default_factory=dict)
    feeds: dict[str, _MadeFeed] = field(default_factory=dict)
    written_in: Counter[str] = field(default_factory=Counter)
    """How many live appeals are written in each locale: the site's languages, as the web
    channel counts them."""
    languages: dict[str, _FeedsSite] = field(default_factory=dict)
    """Each other language's feeds, by code: the same appeals, each in that language where
    it is written in it (:func:`version_in`)."""

    def add(self, appeal: Appeal) -> None:
        self._change(appeal, 1)

    def remove(self, appeal: Appeal) -> None:
        self._change(appeal, -1)

    def _change(self, appeal: Appeal, by: int) -> None:
        groups = [
            (self.areas, appeal.area_slug),
            *((self.campaigns, c) for c in dict.fromkeys(slugify(c) for c in appeal.campaigns)),
        ]
        self.everything.change(appeal, by)
        for table, slug in groups:
            group = table.get(slug)
            if group is None:
                group = table[slug] = _FeedGroup()
            group.change(appeal, by)
            if not group:  # its feed is no longer made
                del table[slug]
                kind = "areas" if table is self.areas else "campaigns"
                self.feeds.pop(f"feeds/{kind}/{slug}/", None)

    def area_names(self, appeals: Sequence[Appeal]) -> dict[str, str]:
        """Each area's name as the first of ``appeals`` in it writes it: the one way it is
        written, unless its appeals write it in more than one (then they are read in order)."""
        names = {slug: next(iter(group.names)) for slug, group in self.areas.items()}
        mixed = {slug for slug, group in self.areas.items() if len(group.names) > 1}
        if mixed:
            first: dict[str, str] = {}
            for appeal in appeals:
                slug = appeal.area_slug
                if slug in mixed and slug not in first:
                    first[slug] = _clean(appeal.area)
            names.update(first)
        return names


@dataclass(frozen=True)
class _FeedSpec:
    """One feed pair: where it lives, what it is called, what it covers."""

    folder: str
    """e.g. "feeds/" or "feeds/areas/derbyshire/"."""
    title: str
    description: str
    alternate: str
    appeals: tuple[Appeal, ...]
    """Every appeal the feed covers, withdrawn ones included (they only move ``updated``);
    empty for the site's feeds, whose entries, author and ``updated`` come from their
    :class:`_FeedGroup`."""
    language: str | None = None
    """The feed's ``language`` (``cy-GB``); None for the context's (the site's primary)."""

    @property
    def rss_path(self) -> str:
        return f"{self.folder}rss.xml"

    @property
    def atom_path(self) -> str:
        return f"{self.folder}atom.xml"


def _clean(text: str) -> str:
    return strip_control(text).strip()


def _esc(text: str) -> str:
    return html.escape(_clean(text), quote=True)


def _meta(text: str) -> str:
    """Text of ours outside the content (titles, descriptions, names), escaped as HTML like
    the content's text; element text only, so quotes stay as written."""
    return html.escape(_clean(text), quote=False)


class _Element(Protocol):
    """What :class:`_AtomHtmlText` needs of an lxml element."""

    tag: object

    def __iter__(self) -> Iterator[_Element]: ...

    def set(self, key: str, value: str) -> None: ...

    def makeelement(self, tag: str, attrib: Mapping[str, str]) -> _Element: ...

    def append(self, element: _Element) -> None: ...


def _declare_html(element: _Element) -> _Element:
    for child in element:
        if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] in _ATOM_HTML_TEXT:
            child.set("type", "html")
    return element


class _AtomHtmlText:
    """A feedgen extension (feed and entry alike) that declares the Atom ``title`` and
    ``subtitle`` of the element it extends ``type="html"``: they hold escaped HTML. feedgen
    calls ``extend_atom`` on the feed before it appends the entries, so each level only marks
    its own children."""

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, element: _Element) -> _Element:
        return element

    def extend_atom(self, element: _Element) -> _Element:
        return _declare_html(element)


class _AtomEnclosure:
    """A feedgen entry extension that writes the entry's ``<link rel="enclosure">``. feedgen
    1.0 drops a link's ``rel``, ``type`` and ``length`` in Atom entries (it reads them from the
    element it has just made), which would turn the image into a second ``alternate`` link;
    this writes the link itself. Atom's ``length`` is left out: we do not know it."""

    def __init__(self) -> None:
        self.enclosure: tuple[str, str] | None = None
        """(url, media type), set after the entry is added."""
        self.lang: str | None = None
        """The entry's ``xml:lang`` when its words are not in the feed's language (an appeal
        with no Welsh in the Welsh feed)."""

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, element: _Element) -> _Element:
        return element

    def extend_atom(self, element: _Element) -> _Element:
        if self.lang is not None:
            element.set(_XML_LANG, self.lang)
        if self.enclosure is not None:
            href, kind = self.enclosure
            link = element.makeelement("link", {"rel": "enclosure", "type": kind, "href": href})
            element.append(link)
        return element


class _NoFeedExtension:
    """The feed half of an entry-only extension: it adds nothing."""

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, element: _Element) -> _Element:
        return element

    def extend_atom(self, element: _Element) -> _Element:
        return element


_IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
}
"""Media types by the file extension of the image URL's path (a fixed table: the bytes must not
depend on the machine's ``mimetypes`` files)."""


def _enclosure(appeal: Appeal) -> tuple[str, str] | None:
    """The share image as an enclosure, (url, media type): only where the entry shows it (an
    image with alt text, not resolved) and only when its type is known from its address (RSS
    requires one; we never guess)."""
    image = appeal.image
    if _resolved(appeal) or image is None or not _clean(image.alt or ""):
        return None
    url = safe_href(str(image.url))
    if url is None or not url.lower().startswith(("http://", "https://")):
        return None
    kind = _IMAGE_TYPES.get(PurePosixPath(urlsplit(url).path).suffix.lower())
    return None if kind is None else (url, kind)


def _contact_href(contact: Contact) -> str | None:
    if contact.is_number:
        return contact.tel_uri
    if contact.kind is ContactKind.EMAIL:
        return f"mailto:{contact.value}"
    return contact.value


def _link(text_html: str, href: str | None, base: str) -> str:
    safe = safe_href(href, base) if href else None
    if safe is None:
        return text_html
    return f'<a href="{html.escape(safe, quote=True)}">{text_html}</a>'


def _spans_html(spans: Iterable[Span], base: str) -> str:
    parts: list[tuple[str, str]] = []  # (plain text for spacing, html)
    for span in spans:
        text = _clean(span.text)
        if not text:
            continue
        if span.contact is not None:
            shown = written_number(text, span.contact) if span.contact.is_number else text
            markup = _link(_esc(shown), _contact_href(span.contact), base)
        else:
            markup = _link(_esc(text), span.href, base)
        parts.append((text, markup))
    joiner = Joiner()
    for text, markup in parts:
        joiner.add(text, markup)
    return joiner.joined()


def _contact_html(contact: Contact, base: str, words: _Words) -> str:
    label = words.labels[contact.kind]
    value = _link(_esc(grouped(contact)), _contact_href(contact), base)
    name = contact_name(contact, chrome_for(words.language))
    item = f"{_esc(name)}: {label + ' ' if label else ''}{value}"
    if contact.note:
        item += f" ({_esc(contact.note)})"
    return f"<li>{item}</li>"


def _block_html(block: Block, base: str, words: _Words) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_spans_html(block.spans, base)}</p>"
    if isinstance(block, Heading):
        return f"<h2>{_esc(block.text)}</h2>"
    if isinstance(block, CallToAction):
        return f"<p><strong>{_spans_html(block.spans, base)}</strong></p>"
    if isinstance(block, Quote):
        # "DCI Jane Doe, from the unit, said:"; "Dywedodd DCI Jane Doe, o'r uned:"
        role = _esc(block.role) if block.role and _clean(block.role) else ""
        who = said_line(_esc(block.speaker), role, _esc(block.verb), welsh=words.welsh)
        said = "".join(f"<p>{_spans_html(p.spans, base)}</p>" for p in block.paragraphs)
        return f"<p>{who}</p><blockquote>{said}</blockquote>"
    if isinstance(block, ContactList):
        intro = f"<p>{_spans_html(block.intro.spans, base)}</p>" if block.intro else ""
        items = "".join(_contact_html(contact, base, words) for contact in block.contacts)
        return f"{intro}<ul>{items}</ul>"
    # BulletList: the only block type left (the union is closed).
    intro = f"<p>{_spans_html(block.intro.spans, base)}</p>" if block.intro else ""
    items = "".join(f"<li>{_spans_html(item.spans, base)}</li>" for item in block.items)
    return f"{intro}<ul>{items}</ul>"


def _resolved(appeal: Appeal) -> bool:
    return appeal.status is AppealStatus.RESOLVED


def _summary(appeal: Appeal) -> str:
    if _resolved(appeal):
        return _clean(appeal.resolution or "")
    return _clean(appeal.summary)


def entry_html(appeal: Appeal) -> str:
    """The HTML body of an appeal's entry (escaped record text; safe, absolute links only)."""
    base = str(appeal.url)
    if _resolved(appeal):
        return f"<p>{_esc(appeal.resolution or '')}</p>"
    parts: list[str] = []
    if appeal.image is not None and appeal.image.alt and _clean(appeal.image.alt):
        # Only an image whose alt text says what it shows: one without is the social card's
        # generic picture, or one we cannot describe to people who cannot see it.
        alt = _esc(appeal.image.alt)
        src = safe_href(str(appeal.image.url), base)
        if src is not None:
            parts.append(f'<p><img src="{html.escape(src, quote=True)}" alt="{alt}"></p>')
    words = _words(appeal)
    parts.extend(_block_html(block, base, words) for block in appeal.body)
    return "".join(parts)


def _rss_description(appeal: Appeal, body: str) -> str:
    """RSS has one field for text: the summary (as a paragraph), then the entry's HTML
    (``body``, :func:`entry_html` of the appeal)."""
    if _resolved(appeal):
        return body
    opening = opening_text(appeal.body)
    if same_words(appeal.summary, appeal.title) or same_words(appeal.summary, opening):
        return body  # the summary would only repeat the title or the opening
    return f"<p>{_esc(appeal.summary)}</p>{body}"


def _local(moment: datetime, appeal: Appeal) -> datetime:
    """The moment in the record's zone, whole seconds (RSS has no fractions; keep both equal)."""
    return moment.astimezone(appeal.zone).replace(microsecond=0)


def _newest_first(appeals: Iterable[Appeal]) -> list[Appeal]:
    live = [a for a in appeals if a.status is not AppealStatus.WITHDRAWN]
    live.sort(key=lambda a: a.id)
    live.sort(key=lambda a: a.published_at, reverse=True)
    return live[:MAX_ENTRIES]


def _feed_updated(appeals: Sequence[Appeal]) -> datetime:
    if not appeals:
        return EMPTY_FEED_UPDATED
    latest = max(appeals, key=lambda a: (a.modified_at, a.id))
    return _local(latest.modified_at, latest)


def _site_name(context: RenderContext, language: str | None = None) -> str:
    """The site's name in ``language`` (the context's by default): see
    :func:`~publisher.channel.i18n.site_name`."""
    name = site_name(context.site_name, chrome_for(language or context.language))
    return _clean(name) or "Appeals"


def _title(appeal: Appeal) -> str:
    """The title without control characters; the id if nothing else is left (both formats
    require a non-empty title)."""
    return _clean(appeal.title) or appeal.id


def _entry_title(appeal: Appeal) -> str:
    """The entry's title, saying where the appeal is in its life as forces do: "Found: …" for
    a missing person found, "Update: …" for any other resolved appeal and for one updated
    since it was published; as written otherwise, and when it already says so."""
    title = _title(appeal)
    words = _words(appeal)
    found, update = words.found, words.update
    if _resolved(appeal):
        word = found if appeal.kind is AppealKind.MISSING_PERSON else update
    elif appeal.status is AppealStatus.UPDATED or appeal.modified_at > appeal.published_at:
        word = update
    else:
        return title
    if title.casefold().startswith(word.casefold()):
        return title
    return f"{word}: {title}"


def _language_label(language: SiteLanguage) -> str:
    """What a language calls itself (Babel's data), capitalised: "Cymraeg"."""
    name = chrome_for(language.lang).locale.get_language_name() or language.code
    return name[:1].upper() + name[1:]


def _area_page(slug: str, appeals: Sequence[Appeal], context: RenderContext) -> str:
    """The web channel's index page of an area (it only exists while the area has a live
    appeal), else the site's home page."""
    if any(a.status is not AppealStatus.WITHDRAWN for a in appeals):
        return context.absolute(f"areas/{slug}/")
    return context.site_url


def _author(appeals: Sequence[Appeal], context: RenderContext, language: str | None = None) -> str:
    organisations = {_clean(a.organisation) for a in appeals if a.organisation}
    organisations.discard("")
    if len(organisations) == 1:
        return organisations.pop()
    return _site_name(context, language)


class FeedsChannel(ChannelBase):
    """RSS 2.0 and Atom feeds for one appeal, the site, each area and each campaign."""

    name: str = "feeds"
    idempotent: bool = True
    writes_site_files = True
    can_delete = True

    def __init__(self, editor_email: str | None = None) -> None:
        """``editor_email``: the RSS ``managingEditor`` address (RSS requires an address there;
        without one only ``dc:creator`` and the Atom author name the organisation)."""
        self.editor_email = editor_email
        # What the site's renderings made, for the next one (a delivery renders the whole
        # site, which changes by one appeal at a time): each entry's HTML by its record (see
        # publisher.channel.memo), and the site as last rendered in each context, with each
        # feed's last pair of files and what it was made from (_FeedsSite).
        self._bodies: FragmentMemo[str] = FragmentMemo(_BODY_MEMO_LIMIT, for_site=True)
        self._sites: SiteMemory[_FeedsSite] = SiteMemory(_FeedsSite, _SITES_REMEMBERED)

    # Rendering -------------------------------------------------------------------------------

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        folder = f"feeds/appeals/{appeal.id}/"
        title = f"{_site_name(context)}: {_title(appeal)}"
        description = _summary(appeal) or _title(appeal)
        if appeal.status is AppealStatus.WITHDRAWN:
            # No entry, and nothing of the appeal's words: publishing this replaces them.
            title, description = _site_name(context), _words(appeal).withdrawn
        spec = _FeedSpec(
            folder=folder,
            title=title,
            description=description,
            alternate=page_url(appeal, context),
            appeals=(appeal,),
        )
        files = list(self._pair(spec, context))
        for translation in appeal.translations:
            # Each language's own one-entry pair: feeds/appeals/<id>/cy/rss.xml and atom.xml.
            version = in_language(appeal, translation.locale)
            language = translation.locale.partition("_")[0]
            language_tag = translation.locale.replace("_", "-")
            title = f"{_site_name(context, language_tag)}: {_title(version)}"
            description = _summary(version) or _title(version)
            if version.status is AppealStatus.WITHDRAWN:
                title, description = _site_name(context, language_tag), _words(version).withdrawn
            files.extend(
                self._pair(
                    _FeedSpec(
                        folder=f"{folder}{language}/",
                        title=title,
                        description=description,
                        alternate=page_url(version, context),
                        appeals=(version,),
                        language=language_tag,
                    ),
                    context,
                )
            )
        return Rendition(
            channel=self.name,
            appeal_id=appeal.id,
            revision=appeal.revision,
            files=tuple(files),
        )

    def render_site(self, appeals: Sequence[Appeal], context: RenderContext) -> Rendition:
        """The site's feeds: overall, per area and per campaign.

        The channel remembers the site it rendered last (for each of a few contexts): what
        each feed covers is brought up to date with the records that changed, and a feed is
        made again only when what it is made of changed (see :class:`_FeedsSite`)."""
        with self._sites.using(context) as site:
            files = self._render_site(site, appeals, context)
        return Rendition(channel=self.name, appeal_id=None, revision=None, files=files)

    def _render_site(
        self, site: _FeedsSite, appeals: Sequence[Appeal], context: RenderContext
    ) -> tuple[OutputFile, ...]:
        diff = site.changes.diff(appeals)
        if diff is None:
            ids = [appeal.id for appeal in appeals]
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise BuildError(f"appeals appear more than once in the site: {', '.join(twice)}")
        gone, came = diff
        for appeal in gone:
            site.remove(appeal)
        for appeal in came:
            site.add(appeal)
        for appeals_by, by in ((gone, -1), (came, 1)):
            for appeal in appeals_by:
                if appeal.status is not AppealStatus.WITHDRAWN:
                    for locale in appeal.languages:
                        site.written_in[locale] += by
        site.written_in = +site.written_in
        languages = site_languages(site.written_in, context)
        others = {language.code: language for language in languages[1:]}
        for code in list(site.languages):
            if code not in others:
                del site.languages[code]
        for code, sub in site.languages.items():
            for appeal in gone:
                sub.remove(version_in(appeal, others[code], context))
            for appeal in came:
                sub.add(version_in(appeal, others[code], context))
        site.changes.commit(gone, came, appeals)
        for code in others.keys() - site.languages.keys():
            # A language new to the site: its feeds cover every appeal.
            sub = site.languages[code] = _FeedsSite()
            for appeal in site.changes:
                sub.add(version_in(appeal, others[code], context))
        files = self._site_feeds(site, appeals, context, None)
        for language in languages[1:]:
            files += self._site_feeds(site.languages[language.code], appeals, context, language)
        return tuple(files)

    def _site_feeds(
        self,
        site: _FeedsSite,
        appeals: Sequence[Appeal],
        context: RenderContext,
        language: SiteLanguage | None,
    ) -> list[OutputFile]:
        """The feeds of the site in its primary language (``language`` None): overall, per
        area and per campaign; or in another language, under its code (``feeds/cy/``),
        overall and per area, titled and described in that language and linking its pages
        (the Welsh home and area indexes). Every appeal is an entry of another language's
        feeds, in that language where it is written in it, else in its own (the Atom entry
        says which, ``xml:lang``; an RSS item cannot), as the language's index shows it:
        nobody following the Welsh feed misses an appeal that has no Welsh."""
        name = _site_name(context)
        prefix = "" if language is None else language.prefix
        own = "" if language is None else f" ({_language_label(language)})"
        lang = None if language is None else language.lang
        home = context.site_url if language is None else context.absolute(prefix)

        def say(message: str, **values: str) -> str:
            if language is not None:
                message = chrome_for(language.lang).translations.gettext(message)
            return message % {"site": name, **values}

        specs: list[tuple[_FeedSpec, _FeedGroup]] = [
            (
                _FeedSpec(
                    folder=f"feeds/{prefix}",
                    title=f"{name}{own}",
                    description=say("Appeals, advice and news from %(site)s."),
                    alternate=home,
                    appeals=(),
                    language=lang,
                ),
                site.everything,
            )
        ]
        area_names = site.area_names(appeals)
        for slug in sorted(site.areas):
            group = site.areas[slug]
            area = area_names[slug]
            specs.append(
                (
                    _FeedSpec(
                        folder=f"feeds/{prefix}areas/{slug}/",
                        title=f"{name}: {area}{own}",
                        description=say(
                            "Appeals, advice and news for %(area)s from %(site)s.", area=area
                        ),
                        alternate=(
                            context.absolute(f"{prefix}areas/{slug}/") if group.live else home
                        ),
                        appeals=(),
                        language=lang,
                    ),
                    group,
                )
            )
        campaigns = sorted(site.campaigns) if language is None else []  # no Welsh campaign feeds
        for slug in campaigns:
            specs.append(
                (
                    _FeedSpec(
                        folder=f"feeds/campaigns/{slug}/",
                        title=f"{name}: campaign {slug}",
                        description=f"Appeals, advice and news in the {slug} campaign from {name}.",
                        alternate=context.site_url,
                        appeals=(),
                    ),
                    site.campaigns[slug],
                )
            )
        files: list[OutputFile] = []
        for spec, group in specs:
            files.extend(self._site_pair(site, spec, group, context))
        return files

    def _site_pair(
        self, site: _FeedsSite, spec: _FeedSpec, group: _FeedGroup, context: RenderContext
    ) -> tuple[OutputFile, OutputFile]:
        """The files of one feed of the site: the last ones made for its folder when the feed
        is made of the same things (its words and links, the author, ``updated`` and the very
        same entry records), else made anew."""
        entries = tuple(group.live.records[:MAX_ENTRIES])
        author = group.author() or _site_name(context)
        updated = group.updated()
        about = (
            spec.title,
            spec.description,
            spec.alternate,
            author,
            updated.isoformat(),  # not the datetime: equal instants in two offsets
            len(entries),  # and the very same records (below)
        )
        last = site.feeds.get(spec.folder)
        if (
            last is not None
            and last.about == about
            and all(a is b for a, b in zip(last.entries, entries, strict=True))
        ):
            return last.files
        # The last entries' HTML, by the identity of their records (held by ``last``).
        known = (
            {}
            if last is None
            else {id(a): (a, body) for a, body in zip(last.entries, last.bodies, strict=True)}
        )
        bodies: list[str] = []
        for appeal in entries:
            found = known.get(id(appeal))
            bodies.append(
                found[1] if found is not None and found[0] is appeal else self._body(appeal)
            )
        files = self._pair(
            spec, context, entries=entries, author=author, updated=updated, bodies=bodies
        )
        site.feeds[spec.folder] = _MadeFeed(about, entries, files, tuple(bodies))
        return files

    def _pair(
        self,
        spec: _FeedSpec,
        context: RenderContext,
        *,
        entries: Sequence[Appeal] | None = None,
        author: str | None = None,
        updated: datetime | None = None,
        bodies: Sequence[str] | None = None,
    ) -> tuple[OutputFile, OutputFile]:
        """The RSS and Atom files of one feed (``entries``, ``author`` and ``updated``: what
        :func:`_newest_first`, :func:`_author` and :func:`_feed_updated` make of its appeals,
        when known; ``bodies``: the entries' HTML, when known)."""
        entries = _newest_first(spec.appeals) if entries is None else entries
        author = _author(spec.appeals, context, spec.language) if author is None else author
        updated = _feed_updated(spec.appeals) if updated is None else updated
        language = spec.language or context.language
        rss = self._generator(spec, context, author, updated, rss=True)
        atom = self._generator(spec, context, author, updated, rss=False)
        for at, appeal in enumerate(entries):
            body = self._body(appeal) if bodies is None else bodies[at]
            self._add_rss_entry(rss, appeal, author, context, body)
            self._add_atom_entry(atom, appeal, author, context, body, language)
        rss_bytes: bytes = rss.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
        atom_bytes: bytes = atom.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
        return (
            OutputFile(spec.rss_path, rss_bytes, f"{_RSS_TYPE}; charset=utf-8"),
            OutputFile(spec.atom_path, atom_bytes, f"{_ATOM_TYPE}; charset=utf-8"),
        )

    def _body(self, appeal: Appeal) -> str:
        """The entry's HTML (:func:`entry_html`), made once per record."""
        body = self._bodies.get(appeal, None)
        if body is None:
            body = self._bodies.put(appeal, None, entry_html(appeal))
        return body

    def _generator(
        self,
        spec: _FeedSpec,
        context: RenderContext,
        author: str,
        updated: datetime,
        *,
        rss: bool,
    ) -> FeedGenerator:
        fg = FeedGenerator()
        self_url = context.absolute(spec.rss_path if rss else spec.atom_path)
        fg.id(self_url)
        if not rss:
            fg.register_extension("publisher_html", _AtomHtmlText, _AtomHtmlText, rss=False)
            fg.register_extension(
                "publisher_enclosure", _NoFeedExtension, _AtomEnclosure, rss=False
            )
        fg.title(_meta(spec.title))
        fg.description(_meta(spec.description))  # also the Atom subtitle
        fg.language(spec.language or context.language)
        fg.generator(GENERATOR)
        # Self first, alternate last: Atom keeps this order, and feedgen's RSS <link> is the
        # last link added.
        fg.link(href=self_url, rel="self", type=_RSS_TYPE if rss else _ATOM_TYPE)
        fg.link(href=spec.alternate, rel="alternate", type="text/html")
        fg.author({"name": _meta(author)})
        fg.updated(updated)  # also RSS lastBuildDate; never "now"
        if rss:
            # What load_extension("dc", atom=False, rss=True) registers (the items'
            # dc:creator too), without its failed import of a "dc_entry" module on every
            # feed (a search of the import path, a third of making the generator).
            fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
            if self.editor_email:
                fg.managingEditor(f"{self.editor_email} ({_meta(author)})")
            else:
                fg.dc.dc_creator(_meta(author))  # not both: one fact twice (DuplicateSemantics)
        return fg

    @staticmethod
    def _add_rss_entry(
        fg: FeedGenerator, appeal: Appeal, author: str, context: RenderContext, body: str
    ) -> None:
        fe = FeedEntry()
        fg.add_entry(fe, order="append")  # we sorted; feedgen would prepend
        url = page_url(appeal, context)
        fe.title(_meta(_entry_title(appeal)))
        fe.link(href=url, rel="alternate", type="text/html")
        fe.guid(url, permalink=True)
        fe.published(_local(appeal.published_at, appeal))
        fe.updated(_local(appeal.modified_at, appeal))
        fe.description(_rss_description(appeal, body))
        enclosure = _enclosure(appeal)
        if enclosure is not None:
            # Length 0: unknown (the RSS Advisory Board's practice, which the W3C accepts).
            fe.enclosure(url=enclosure[0], length=0, type=enclosure[1])
        fe.dc.dc_creator(_meta(_clean(appeal.organisation or "") or author))

    @staticmethod
    def _add_atom_entry(
        fg: FeedGenerator,
        appeal: Appeal,
        author: str,
        context: RenderContext,
        body: str,
        language: str,
    ) -> None:
        fe = FeedEntry()
        fg.add_entry(fe, order="append")
        url = page_url(appeal, context)
        fe.id(url)
        fe.title(_meta(_entry_title(appeal)))
        # feedgen 1.0 writes an entry's link without rel/type; Atom's default rel is
        # "alternate", which is what we mean. The enclosure is written by _AtomEnclosure.
        fe.link(href=url, rel="alternate", type="text/html")
        fe.publisher_enclosure.enclosure = _enclosure(appeal)
        if page_code(appeal.locale, context) != page_code(language, context):
            fe.publisher_enclosure.lang = appeal.locale.replace("_", "-")
        fe.published(_local(appeal.published_at, appeal))
        fe.updated(_local(appeal.modified_at, appeal))
        fe.author({"name": _meta(_clean(appeal.organisation or "") or author)})
        fe.summary(_meta(_summary(appeal)), type="html")
        fe.content(body, type="html")

    def site_memory(self, context: RenderContext) -> object | None:
        """The site as last rendered in ``context`` (records, keys, the pieces made of them),
        for the build cache to keep with its records."""
        return self._sites.get(context)

    def recall_site(self, context: RenderContext, memory: object) -> None:
        """Carry on from a site :meth:`site_memory` gave in another process."""
        try:
            self._sites.recall(context, memory)
        except TypeError as exc:
            raise BuildError(f"not a remembered {self.name} site: {type(memory).__name__}") from exc

    # Publishing ------------------------------------------------------------------------------

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        return publish_files(self.name, rendition, target)
