"""RSS 2.0 and Atom feeds, built with feedgen. feedgen is imported nowhere else.

Files (paths relative to the output root):

- ``render(appeal)``: ``feeds/appeals/<id>/rss.xml`` and ``atom.xml``, a one-entry feed pair;
- ``render_site(appeals)``: ``feeds/rss.xml`` and ``feeds/atom.xml`` (the whole site),
  ``feeds/areas/<area-slug>/…`` per area and ``feeds/campaigns/<campaign-slug>/…`` per
  campaign. The ``alternate`` link is the appeal's page as we publish it (``SITE_URL`` +
  the appeal's path, made by the web channel, not the source site's page), the site's home
  page, or the area's index page (``areas/<slug>/``); campaigns have no page of their own, so
  their feeds point at the home page.

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Protocol
from urllib.parse import urlsplit

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from publisher.channel import ChannelBase, OutputFile, Receipt, RenderContext, Rendition, Target
from publisher.channel.files import publish_files
from publisher.channels._common import (
    Joiner,
    opening_text,
    page_url,
    same_words,
    strip_control,
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

_RSS_TYPE = "application/rss+xml"
_ATOM_TYPE = "application/atom+xml"
_ATOM_HTML_TEXT = frozenset({"title", "subtitle"})
"""Atom text constructs feedgen writes without a ``type``, which :class:`_AtomHtmlText` sets."""


@dataclass(frozen=True)
class _FeedSpec:
    """One feed pair: where it lives, what it is called, what it covers."""

    folder: str
    """e.g. "feeds/" or "feeds/areas/derbyshire/"."""
    title: str
    description: str
    alternate: str
    appeals: tuple[Appeal, ...]
    """Every appeal the feed covers, withdrawn ones included (they only move ``updated``)."""

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

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, element: _Element) -> _Element:
        return element

    def extend_atom(self, element: _Element) -> _Element:
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


def _contact_html(contact: Contact, base: str) -> str:
    label = {
        ContactKind.PHONE: "phone",
        ContactKind.TEXT: "text",
        ContactKind.TEXTPHONE: "textphone (Relay UK)",
        ContactKind.WEB: "",
        ContactKind.EMAIL: "email",
    }[contact.kind]
    value = _link(_esc(grouped(contact)), _contact_href(contact), base)
    item = f"{_esc(contact.name)}: {label + ' ' if label else ''}{value}"
    if contact.note:
        item += f" ({_esc(contact.note)})"
    return f"<li>{item}</li>"


def _block_html(block: Block, base: str) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_spans_html(block.spans, base)}</p>"
    if isinstance(block, Heading):
        return f"<h2>{_esc(block.text)}</h2>"
    if isinstance(block, CallToAction):
        return f"<p><strong>{_spans_html(block.spans, base)}</strong></p>"
    if isinstance(block, Quote):
        who = _esc(block.speaker)
        if block.role and _clean(block.role):
            who = f"{who}, {_esc(block.role)},"  # "DCI Jane Doe, from the unit, said:"
        said = "".join(f"<p>{_spans_html(p.spans, base)}</p>" for p in block.paragraphs)
        return f"<p>{who} {_esc(block.verb)}:</p><blockquote>{said}</blockquote>"
    if isinstance(block, ContactList):
        intro = f"<p>{_spans_html(block.intro.spans, base)}</p>" if block.intro else ""
        items = "".join(_contact_html(contact, base) for contact in block.contacts)
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
    parts.extend(_block_html(block, base) for block in appeal.body)
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


def _site_name(context: RenderContext) -> str:
    return _clean(context.site_name) or "Appeals"


def _title(appeal: Appeal) -> str:
    """The title without control characters; the id if nothing else is left (both formats
    require a non-empty title)."""
    return _clean(appeal.title) or appeal.id


def _entry_title(appeal: Appeal) -> str:
    """The entry's title, saying where the appeal is in its life as forces do: "Found: …" for
    a missing person found, "Update: …" for any other resolved appeal and for one updated
    since it was published; as written otherwise, and when it already says so."""
    title = _title(appeal)
    if _resolved(appeal):
        word = "Found" if appeal.kind is AppealKind.MISSING_PERSON else "Update"
    elif appeal.status is AppealStatus.UPDATED or appeal.modified_at > appeal.published_at:
        word = "Update"
    else:
        return title
    if title.casefold().startswith(word.casefold()):
        return title
    return f"{word}: {title}"


def _area_page(slug: str, appeals: Sequence[Appeal], context: RenderContext) -> str:
    """The web channel's index page of an area (it only exists while the area has a live
    appeal), else the site's home page."""
    if any(a.status is not AppealStatus.WITHDRAWN for a in appeals):
        return context.absolute(f"areas/{slug}/")
    return context.site_url


def _author(appeals: Sequence[Appeal], context: RenderContext) -> str:
    organisations = {_clean(a.organisation) for a in appeals if a.organisation}
    organisations.discard("")
    if len(organisations) == 1:
        return organisations.pop()
    return _site_name(context)


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

    # Rendering -------------------------------------------------------------------------------

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        folder = f"feeds/appeals/{appeal.id}/"
        title = f"{_site_name(context)}: {_title(appeal)}"
        description = _summary(appeal) or _title(appeal)
        if appeal.status is AppealStatus.WITHDRAWN:
            # No entry, and nothing of the appeal's words: publishing this replaces them.
            title, description = _site_name(context), WITHDRAWN_DESCRIPTION
        spec = _FeedSpec(
            folder=folder,
            title=title,
            description=description,
            alternate=page_url(appeal, context),
            appeals=(appeal,),
        )
        return Rendition(
            channel=self.name,
            appeal_id=appeal.id,
            revision=appeal.revision,
            files=self._pair(spec, context),
        )

    def render_site(self, appeals: Sequence[Appeal], context: RenderContext) -> Rendition:
        ids = [appeal.id for appeal in appeals]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise BuildError(f"appeals appear more than once in the site: {', '.join(twice)}")
        site = _site_name(context)
        specs = [
            _FeedSpec(
                folder="feeds/",
                title=site,
                description=f"Appeals, advice and news from {site}.",
                alternate=context.site_url,
                appeals=tuple(appeals),
            )
        ]
        areas: dict[str, list[Appeal]] = {}
        area_names: dict[str, str] = {}
        campaigns: dict[str, list[Appeal]] = {}
        for appeal in appeals:
            areas.setdefault(appeal.area_slug, []).append(appeal)
            area_names.setdefault(appeal.area_slug, _clean(appeal.area))
            for campaign in dict.fromkeys(slugify(c) for c in appeal.campaigns):
                campaigns.setdefault(campaign, []).append(appeal)
        for slug in sorted(areas):
            specs.append(
                _FeedSpec(
                    folder=f"feeds/areas/{slug}/",
                    title=f"{site}: {area_names[slug]}",
                    description=f"Appeals, advice and news for {area_names[slug]} from {site}.",
                    alternate=_area_page(slug, areas[slug], context),
                    appeals=tuple(areas[slug]),
                )
            )
        for slug in sorted(campaigns):
            specs.append(
                _FeedSpec(
                    folder=f"feeds/campaigns/{slug}/",
                    title=f"{site}: campaign {slug}",
                    description=f"Appeals, advice and news in the {slug} campaign from {site}.",
                    alternate=context.site_url,
                    appeals=tuple(campaigns[slug]),
                )
            )
        files: list[OutputFile] = []
        bodies: dict[int, str] = {}  # an appeal is in several feeds: its HTML is made once
        for spec in specs:
            files.extend(self._pair(spec, context, bodies))
        return Rendition(channel=self.name, appeal_id=None, revision=None, files=tuple(files))

    def _pair(
        self, spec: _FeedSpec, context: RenderContext, bodies: dict[int, str] | None = None
    ) -> tuple[OutputFile, OutputFile]:
        """The RSS and Atom files of one feed. ``bodies`` remembers each entry's HTML by the
        appeal object's identity, for as long as the caller holds the appeals."""
        bodies = {} if bodies is None else bodies
        entries = _newest_first(spec.appeals)
        author = _author(spec.appeals, context)
        rss = self._generator(spec, context, author, rss=True)
        atom = self._generator(spec, context, author, rss=False)
        for appeal in entries:
            body = bodies.get(id(appeal))
            if body is None:
                body = bodies[id(appeal)] = entry_html(appeal)
            self._add_rss_entry(rss, appeal, author, context, body)
            self._add_atom_entry(atom, appeal, author, context, body)
        rss_bytes: bytes = rss.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
        atom_bytes: bytes = atom.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
        return (
            OutputFile(spec.rss_path, rss_bytes, f"{_RSS_TYPE}; charset=utf-8"),
            OutputFile(spec.atom_path, atom_bytes, f"{_ATOM_TYPE}; charset=utf-8"),
        )

    def _generator(
        self, spec: _FeedSpec, context: RenderContext, author: str, *, rss: bool
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
        fg.language(context.language)
        fg.generator(GENERATOR)
        # Self first, alternate last: Atom keeps this order, and feedgen's RSS <link> is the
        # last link added.
        fg.link(href=self_url, rel="self", type=_RSS_TYPE if rss else _ATOM_TYPE)
        fg.link(href=spec.alternate, rel="alternate", type="text/html")
        fg.author({"name": _meta(author)})
        fg.updated(_feed_updated(spec.appeals))  # also RSS lastBuildDate; never "now"
        if rss:
            fg.load_extension("dc", atom=False, rss=True)  # the items' dc:creator too
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
        fg: FeedGenerator, appeal: Appeal, author: str, context: RenderContext, body: str
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
        fe.published(_local(appeal.published_at, appeal))
        fe.updated(_local(appeal.modified_at, appeal))
        fe.author({"name": _meta(_clean(appeal.organisation or "") or author)})
        fe.summary(_meta(_summary(appeal)), type="html")
        fe.content(body, type="html")

    # Publishing ------------------------------------------------------------------------------

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        return publish_files(self.name, rendition, target)
