"""The ``web`` channel: accessible, static HTML pages with no third-party requests.

``render`` turns one appeal into its page (``<appeal.path>index.html``); ``render_site`` makes the
site-wide files (home and area indexes, the safety page, the 404 page and the assets). Python
builds small view models (every URL checked, every time localised, every number linked); the
Jinja2 templates in ``templates/web/`` only lay them out, with autoescaping on. Nothing from a
record is ever marked safe: the only ``Markup`` is the JSON-LD, which is serialised here with
``<``, ``>`` and ``&`` escaped so that no string can close its ``<script>`` element.

Links between pages and to the assets are relative (``../../assets/style.css``), computed from
each page's depth, so the site works served at its root and opened from disk. The 404 page is
the exception: a server shows it at any depth, so its links are rooted at the site's path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from publisher.channel import ChannelBase, OutputFile, Receipt, RenderContext, Rendition, Target
from publisher.channel.files import publish_error, publish_files
from publisher.channel.templates import environment
from publisher.domain.links import safe_href
from publisher.domain.phones import grouped
from publisher.domain.record import (
    Appeal,
    AppealKind,
    AppealStatus,
    BulletList,
    CallToAction,
    Contact,
    ContactKind,
    ContactList,
    Heading,
    Paragraph,
    Quote,
    Span,
)
from publisher.errors import BuildError

__all__ = [
    "RESERVED_SEGMENTS",
    "WebChannel",
    "human_time",
]

HTML = "text/html; charset=utf-8"
RESERVED_SEGMENTS = frozenset({"assets", "areas", "feeds", "safety"})
"""First path segments the site itself uses: an appeal's page may not live under them."""

_LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")
# Characters HTML forbids (C0/C1 controls except whitespace, surrogates, noncharacters).
_FORBIDDEN_CHARS = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_VAGUE_LINK_TEXT = frozenset(
    {"here", "click here", "click", "this link", "link", "more", "read more", "this", "this page"}
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_KIND_LABELS = {
    AppealKind.APPEAL: "Appeal",
    AppealKind.MISSING_PERSON: "Missing person",
    AppealKind.WITNESS_APPEAL: "Witness appeal",
    AppealKind.WANTED: "Wanted",
    AppealKind.ADVICE: "Advice",
    AppealKind.NEWS: "News",
}
_CONTACT_LABELS = {
    ContactKind.PHONE: "Telephone",
    ContactKind.TEXT: "Text",
    ContactKind.TEXTPHONE: "Textphone (Relay UK)",
    ContactKind.WEB: "Website",
    ContactKind.EMAIL: "Email",
}

# URLs, numbers and times ---------------------------------------------------------------------


def human_time(moment: datetime) -> str:
    """GOV.UK style: '2 April 2020, 1:53pm', '7am', 'midday', 'midnight' (no locale lookups)."""
    day = f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
    if moment.hour == 0 and moment.minute == 0:
        clock = "midnight"
    elif moment.hour == 12 and moment.minute == 0:
        clock = "midday"
    else:
        hour = moment.hour % 12 or 12
        minutes = f":{moment.minute:02d}" if moment.minute else ""
        clock = f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"
    return f"{day}, {clock}"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _without_scheme(text: str) -> str:
    return re.sub(r"^https?://", "", text.strip(), flags=re.IGNORECASE)


# View models: what the templates lay out ----------------------------------------------------


@dataclass(frozen=True)
class TimeView:
    iso: str
    human: str

    @classmethod
    def of(cls, moment: datetime, timezone: str) -> TimeView:
        human = human_time(moment)
        if timezone != "Europe/London":
            human = f"{human} ({moment.tzname()})"
        return cls(iso=moment.isoformat(timespec="seconds"), human=human)


@dataclass(frozen=True)
class Inline:
    """A run of text in a paragraph; ``href`` makes it a link (already checked)."""

    text: str
    href: str | None = None
    note: str | None = None
    css: str | None = None
    before: str = ""
    """Spaces the span had before its text: kept outside the link."""
    after: str = ""


@dataclass(frozen=True)
class ContactView:
    name: str
    label: str
    text: str
    href: str | None
    note: str | None = None
    number: bool = False


@dataclass(frozen=True)
class BlockView:
    type: Literal["paragraph", "heading", "quote", "contacts", "bullets", "call-to-action"]
    parts: tuple[Inline, ...] = ()
    text: str = ""
    paragraphs: tuple[tuple[Inline, ...], ...] = ()
    heading: str | None = None
    contacts: tuple[ContactView, ...] = ()


@dataclass(frozen=True)
class Crumb:
    text: str
    href: str


@dataclass(frozen=True)
class Meta:
    attr: Literal["name", "property"]
    key: str
    content: str


@dataclass(frozen=True)
class FeedLink:
    type: str
    href: str
    title: str


@dataclass(frozen=True)
class Page:
    """Everything the layout (``web/base.html``) needs."""

    lang: str
    title: str
    root: str
    site_name: str
    description: str | None = None
    canonical: str | None = None
    noindex: bool = False
    breadcrumbs: tuple[Crumb, ...] = ()
    meta: tuple[Meta, ...] = ()
    feeds: tuple[FeedLink, ...] = ()
    jsonld: Markup | None = None
    exit_url: str | None = None
    safety_link: bool = True
    """Whether the 'How to browse more safely' link shows under Exit this page."""

    @property
    def exit(self) -> bool:
        return self.exit_url is not None


@dataclass(frozen=True)
class AppealView:
    kind: str
    title: str
    published: TimeView
    updated: TimeView | None
    resolution: str | None
    blocks: tuple[BlockView, ...]


@dataclass(frozen=True)
class Card:
    """One appeal in an index list."""

    title: str
    href: str
    kind: str
    published: TimeView
    updated: TimeView | None
    summary: str
    resolved: bool
    area: str
    area_href: str


@dataclass(frozen=True)
class AreaLink:
    name: str
    href: str
    count: int


def _span_inline(span: Span, context_text: str, base: str) -> Inline:
    core = span.text.strip()
    before = span.text[: len(span.text) - len(span.text.lstrip())]
    after = span.text[len(span.text.rstrip()) :]
    if not core:
        return Inline(text=span.text)
    contact = span.contact
    if contact is not None and contact.is_number:
        text = core
        if _digits(text) and _digits(text) == _digits(contact.display):
            text = grouped(contact)
        note = None
        lowered = context_text.lower()
        if contact.kind is ContactKind.TEXTPHONE and not (
            "textphone" in lowered or "relay" in lowered
        ):
            note = "(textphone, Relay UK)"
        elif contact.kind is ContactKind.TEXT and "text" not in lowered:
            note = "(text message)"
        href = safe_href(contact.tel_uri)
        return Inline(text, href, note, "tel", before, after)
    if contact is not None:
        href = _contact_href(contact)
    elif span.hashtag:
        return Inline(core, None, None, "hashtag", before, after)
    else:
        href = None if span.href is None else safe_href(span.href, base)
    if href is None:
        return Inline(text=span.text)
    return Inline(_link_text(core, href), href, None, None, before, after)


def _link_text(text: str, href: str | None) -> str:
    """Link text that means something on its own.

    A bare URL shows the address itself, without the scheme; words that say nothing out of
    context ("click here", "this link") are replaced by the address they lead to.
    """
    if href is None:
        return text
    if text.strip(" .!:").casefold() in _VAGUE_LINK_TEXT:
        target = href.split(":", 1)[1] if href.lower().startswith("mailto:") else href
        return _without_scheme(target)
    if href.lower().startswith(("http://", "https://")):
        return _without_scheme(text) or _without_scheme(href)
    return text


def _contact_href(contact: Contact) -> str | None:
    if contact.is_number:
        return safe_href(contact.tel_uri)
    if contact.kind is ContactKind.EMAIL:
        value = contact.value.removeprefix("mailto:")
        return safe_href(f"mailto:{value}")
    href = safe_href(contact.value)
    if href is not None and href.lower().startswith(("http://", "https://")):
        return href
    return None


def _contact_view(contact: Contact) -> ContactView:
    href = _contact_href(contact)
    if contact.is_number:
        text = grouped(contact)
    elif contact.kind is ContactKind.WEB:
        text = _without_scheme(contact.display)
    else:
        text = contact.display
    return ContactView(
        name=contact.name,
        label=_CONTACT_LABELS[contact.kind],
        text=text,
        href=href,
        note=contact.note,
        number=contact.is_number,
    )


def _inlines(paragraph: Paragraph | CallToAction, base: str) -> tuple[Inline, ...]:
    """The paragraph's spans, joined as written (a span keeps its own spaces). Relative links
    are resolved against ``base``, the appeal's own URL, as the other channels do."""
    context_text = "".join(span.text for span in paragraph.spans)
    return tuple(_span_inline(s, context_text, base) for s in paragraph.spans if s.text)


def _blocks(appeal: Appeal) -> tuple[BlockView, ...]:
    contact_heading = (
        "Get help" if appeal.sensitive or appeal.kind is AppealKind.ADVICE else "How to contact us"
    )
    base = str(appeal.url)
    views: list[BlockView] = []
    previous: object = None
    for block in appeal.body:
        if isinstance(block, Paragraph):
            views.append(BlockView(type="paragraph", parts=_inlines(block, base)))
        elif isinstance(block, Heading):
            views.append(BlockView(type="heading", text=block.text))
        elif isinstance(block, Quote):
            caption = block.speaker + (f", {block.role}" if block.role else "")
            views.append(
                BlockView(
                    type="quote",
                    text=caption,
                    paragraphs=tuple(_inlines(p, base) for p in block.paragraphs),
                )
            )
        elif isinstance(block, ContactList):
            views.append(
                BlockView(
                    type="contacts",
                    heading=None if isinstance(previous, Heading) else contact_heading,
                    parts=_inlines(block.intro, base) if block.intro else (),
                    contacts=tuple(_contact_view(c) for c in block.contacts),
                )
            )
        elif isinstance(block, BulletList):
            views.append(
                BlockView(
                    type="bullets",
                    parts=_inlines(block.intro, base) if block.intro else (),
                    paragraphs=tuple(_inlines(p, base) for p in block.items),
                )
            )
        elif isinstance(block, CallToAction):
            views.append(BlockView(type="call-to-action", parts=_inlines(block, base)))
        previous = block
    return tuple(views)


def _paragraphs(appeal: Appeal) -> Iterable[Paragraph | CallToAction]:
    for block in appeal.body:
        if isinstance(block, Paragraph | CallToAction):
            yield block
        elif isinstance(block, Quote):
            yield from block.paragraphs
        elif isinstance(block, ContactList | BulletList) and block.intro is not None:
            yield block.intro
        if isinstance(block, BulletList):
            yield from block.items


def _link_warnings(appeal: Appeal) -> tuple[str, ...]:
    """What the page shows as plain text because the record's link could not be used."""
    base = str(appeal.url)
    warnings: list[str] = []
    for paragraph in _paragraphs(appeal):
        for span in paragraph.spans:
            if span.href is not None and safe_href(span.href, base) is None:
                warnings.append(f"link {span.href!r} on {span.text.strip()!r} is not a safe link")
    for contact in appeal.contacts:
        if _contact_href(contact) is None:
            warnings.append(
                f"contact {contact.name!r}: {contact.value!r} cannot be a {contact.kind} link"
            )
    return tuple(dict.fromkeys(warnings))


# Site structure -------------------------------------------------------------------------------


def _root_for(file_path: str) -> str:
    """The relative prefix from a file back to the site root: '' or '../../'."""
    depth = len(PurePosixPath(file_path).parent.parts)
    return "../" * depth


def _page_path(appeal: Appeal) -> str:
    return f"{appeal.path}index.html"


def _check_path(appeal: Appeal) -> str:
    path = _page_path(appeal)
    first = PurePosixPath(path).parts[0]
    if first in RESERVED_SEGMENTS:
        raise BuildError(
            f"appeal {appeal.id!r}: its URL path {appeal.path!r} is under '{first}/', "
            "which the site itself uses"
        )
    return path


def _area_path(slug: str) -> str:
    return f"areas/{slug}/index.html"


def _html_lang(locale: str, fallback: str) -> str:
    return locale.replace("_", "-") if _LOCALE_RE.match(locale) else fallback


def _jsonld(data: dict[str, Any]) -> Markup:
    """JSON for a ``<script>`` element: ``<``, ``>``, ``&`` and line separators escaped, so
    nothing inside a string can end the element. Safe by construction, hence ``Markup``."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return Markup(text)  # serialised and escaped above: never raw record text


def _clean(html: str) -> bytes:
    """Drop characters HTML forbids (a record's control characters) and encode."""
    return _FORBIDDEN_CHARS.sub("", html).encode("utf-8")


def _sorted(appeals: Iterable[Appeal]) -> list[Appeal]:
    by_id = sorted(appeals, key=lambda a: a.id)
    return sorted(by_id, key=lambda a: a.published_at, reverse=True)


def _safety_contacts() -> tuple[ContactView, ...]:
    contacts = (
        Contact(
            name="Police, if you are in danger now",
            kind=ContactKind.PHONE,
            value="999",
            display="999",
            note="If you call from a mobile and cannot speak, listen and press 55 when asked.",
        ),
        Contact(
            name="Police, when it is not an emergency",
            kind=ContactKind.PHONE,
            value="101",
            display="101",
        ),
        Contact(
            name="Police textphone, if you are deaf or cannot speak",
            kind=ContactKind.TEXTPHONE,
            value="18001101",
            display="18001 101",
        ),
        Contact(
            name="National Domestic Abuse Helpline",
            kind=ContactKind.PHONE,
            value="+448082000247",
            display="0808 2000 247",
            note="Free and confidential, 24 hours a day.",
        ),
    )
    return tuple(_contact_view(c) for c in contacts)


# The channel ------------------------------------------------------------------------------------


class WebChannel(ChannelBase):
    """Static, accessible HTML pages, the site's indexes, safety page and assets."""

    name = "web"
    idempotent = True
    writes_site_files = True
    can_delete = True

    def __init__(self, env: jinja2.Environment | None = None) -> None:
        self._env = env if env is not None else environment()

    # Rendering (pure) ---------------------------------------------------------------------

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """The appeal's page at ``<appeal.path>index.html``. A withdrawn appeal renders to no
        files and one removal: publishing it deletes the page."""
        path = _check_path(appeal)
        if appeal.status is AppealStatus.WITHDRAWN:
            return Rendition(
                channel=self.name,
                appeal_id=appeal.id,
                revision=appeal.revision,
                removals=(path,),
            )
        html = self._env.get_template("web/appeal.html").render(
            page=self._appeal_page(appeal, context, _root_for(path)),
            appeal=self._appeal_view(appeal),
        )
        return Rendition(
            channel=self.name,
            appeal_id=appeal.id,
            revision=appeal.revision,
            files=(OutputFile(path=path, content=_clean(html), media_type=HTML),),
            warnings=_link_warnings(appeal),
        )

    def render_site(self, appeals: Sequence[Appeal], context: RenderContext) -> Rendition:
        """Indexes (home, one per area), the safety page, the 404 page and the assets.
        Withdrawn appeals are left out; the same appeals give the same bytes."""
        seen: set[str] = set()
        for appeal in appeals:
            if appeal.id in seen:
                raise BuildError(f"appeal {appeal.id!r} appears more than once in the site")
            seen.add(appeal.id)
            _check_path(appeal)
        listed = _sorted(a for a in appeals if a.status is not AppealStatus.WITHDRAWN)
        areas: dict[str, list[Appeal]] = {}
        for appeal in listed:
            areas.setdefault(appeal.area_slug, []).append(appeal)
        area_names = {slug: items[0].area for slug, items in areas.items()}
        ordered_slugs = sorted(areas, key=lambda s: (area_names[s].casefold(), s))

        files = [self._index(listed, context, ordered_slugs, area_names, areas)]
        for slug in ordered_slugs:
            files.append(self._area_index(slug, area_names[slug], areas[slug], context))
        files.append(self._simple_page("safety/index.html", "web/safety.html", context))
        files.append(self._not_found(context))
        files.append(self._asset("assets/style.css", "web/style.css", "text/css; charset=utf-8"))
        files.append(
            self._asset(
                "assets/exit-this-page.js",
                "web/exit-this-page.js",
                "text/javascript; charset=utf-8",
            )
        )
        return Rendition(channel=self.name, appeal_id=None, revision=None, files=tuple(files))

    # Publishing (the only side effect) ----------------------------------------------------

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        """Write the files atomically (unchanged ones are left alone) and apply removals.

        Publishing the site rendition also deletes area indexes it no longer has (an area
        whose last appeal was withdrawn), so a withdrawn title never lingers in a stale list.
        """
        stale: list[str] = []
        root = target.output_dir
        if root is not None and rendition.channel == self.name:
            try:
                stale = _stale_area_pages(root, rendition)
            except OSError as exc:
                raise publish_error(self.name, exc, root / "areas", "list") from exc
        return publish_files(self.name, rendition, target, also_remove=stale)

    # Pages ----------------------------------------------------------------------------------

    def _appeal_view(self, appeal: Appeal) -> AppealView:
        resolved = appeal.status is AppealStatus.RESOLVED
        local_updated = appeal.local_updated
        return AppealView(
            kind=_KIND_LABELS[appeal.kind],
            title=appeal.title,
            published=TimeView.of(appeal.local_published, appeal.timezone),
            updated=None if local_updated is None else TimeView.of(local_updated, appeal.timezone),
            resolution=appeal.resolution if resolved else None,
            blocks=() if resolved else _blocks(appeal),
        )

    def _appeal_page(self, appeal: Appeal, context: RenderContext, root: str) -> Page:
        resolved = appeal.status is AppealStatus.RESOLVED
        organisation = appeal.organisation or context.site_name
        url = str(appeal.url)
        description = (appeal.resolution or appeal.summary) if resolved else appeal.summary
        image = None if resolved or appeal.image is None else safe_href(str(appeal.image.url))
        image_alt = appeal.image.alt if image is not None and appeal.image is not None else None
        published = appeal.local_published.isoformat(timespec="seconds")
        modified = appeal.modified_at.astimezone(appeal.zone).isoformat(timespec="seconds")

        meta = [
            Meta("property", "og:title", appeal.title),
            Meta("property", "og:description", description),
            Meta("property", "og:type", "article"),
            Meta("property", "og:url", url),
            Meta("property", "og:site_name", context.site_name),
            Meta("property", "og:locale", appeal.locale.replace("-", "_")),
        ]
        if image is not None:
            meta.append(Meta("property", "og:image", image))
            if image_alt:
                meta.append(Meta("property", "og:image:alt", image_alt))
        meta += [
            Meta("property", "article:published_time", published),
            Meta("property", "article:modified_time", modified),
            Meta("name", "twitter:card", "summary_large_image" if image else "summary"),
            Meta("name", "twitter:title", appeal.title),
            Meta("name", "twitter:description", description),
        ]
        if image is not None:
            meta.append(Meta("name", "twitter:image", image))
            if image_alt:
                meta.append(Meta("name", "twitter:image:alt", image_alt))

        organisation_ld = {"@type": "Organization", "name": organisation}
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": appeal.title,
            "description": description,
            "datePublished": published,
            "dateModified": modified,
            "inLanguage": _html_lang(appeal.locale, context.language),
            "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "author": organisation_ld,
            "publisher": organisation_ld,
        }
        if image is not None:
            data["image"] = [image]

        return Page(
            lang=_html_lang(appeal.locale, context.language),
            title=f"{appeal.title} – {organisation}",
            root=root,
            site_name=context.site_name,
            description=description,
            canonical=url,
            noindex=resolved,
            breadcrumbs=(
                Crumb("Home", f"{root}index.html"),
                Crumb(appeal.area, f"{root}{_area_path(appeal.area_slug)}"),
            ),
            meta=tuple(meta),
            jsonld=_jsonld(data),
            exit_url=_exit_url(context) if appeal.sensitive else None,
        )

    def _card(self, appeal: Appeal, root: str) -> Card:
        resolved = appeal.status is AppealStatus.RESOLVED
        local_updated = appeal.local_updated
        return Card(
            title=appeal.title,
            href=f"{root}{_page_path(appeal)}",
            kind=_KIND_LABELS[appeal.kind],
            published=TimeView.of(appeal.local_published, appeal.timezone),
            updated=None if local_updated is None else TimeView.of(local_updated, appeal.timezone),
            summary=(appeal.resolution or appeal.summary) if resolved else appeal.summary,
            resolved=resolved,
            area=appeal.area,
            area_href=f"{root}{_area_path(appeal.area_slug)}",
        )

    def _site_page(
        self,
        path: str,
        context: RenderContext,
        title: str,
        description: str,
        *,
        root: str | None = None,
        breadcrumbs: bool = True,
        feeds: tuple[FeedLink, ...] = (),
        exit_page: bool = False,
        canonical: bool = True,
        safety_link: bool = True,
    ) -> Page:
        base = _root_for(path) if root is None else root
        url = context.absolute(path.removesuffix("index.html"))
        meta: tuple[Meta, ...] = ()
        if canonical:
            meta = (
                Meta("property", "og:title", title),
                Meta("property", "og:description", description),
                Meta("property", "og:type", "website"),
                Meta("property", "og:url", url),
                Meta("property", "og:site_name", context.site_name),
                Meta("name", "twitter:card", "summary"),
            )
        page_title = title if title == context.site_name else f"{title} – {context.site_name}"
        return Page(
            lang=context.language,
            title=page_title,
            root=base,
            site_name=context.site_name,
            description=description,
            canonical=url if canonical else None,
            noindex=not canonical,
            breadcrumbs=(Crumb("Home", f"{base}index.html"),) if breadcrumbs else (),
            meta=meta,
            feeds=feeds,
            exit_url=_exit_url(context) if exit_page else None,
            safety_link=safety_link,
        )

    def _site_feeds(self, root: str, context: RenderContext) -> tuple[FeedLink, ...]:
        return (
            FeedLink("application/rss+xml", f"{root}feeds/rss.xml", f"{context.site_name} (RSS)"),
            FeedLink(
                "application/atom+xml", f"{root}feeds/atom.xml", f"{context.site_name} (Atom)"
            ),
        )

    def _index(
        self,
        listed: Sequence[Appeal],
        context: RenderContext,
        slugs: Sequence[str],
        area_names: dict[str, str],
        areas: dict[str, list[Appeal]],
    ) -> OutputFile:
        path = "index.html"
        page = self._site_page(
            path,
            context,
            context.site_name,
            f"Appeals, advice and news from {context.site_name}.",
            breadcrumbs=False,
            feeds=self._site_feeds("", context),
        )
        html = self._env.get_template("web/index.html").render(
            page=page,
            heading=context.site_name,
            cards=[self._card(a, "") for a in listed],
            areas=[AreaLink(area_names[s], _area_path(s), len(areas[s])) for s in slugs],
            feeds=page.feeds,
            show_area=True,
        )
        return OutputFile(path=path, content=_clean(html), media_type=HTML)

    def _area_index(
        self, slug: str, name: str, appeals: Sequence[Appeal], context: RenderContext
    ) -> OutputFile:
        path = _area_path(slug)
        root = _root_for(path)
        feeds = (
            FeedLink(
                "application/rss+xml",
                f"{root}feeds/areas/{slug}/rss.xml",
                f"{context.site_name}: {name} (RSS)",
            ),
            *self._site_feeds(root, context),
        )
        heading = f"Appeals in {name}"
        page = self._site_page(
            path,
            context,
            heading,
            f"Appeals, advice and news for {name} from {context.site_name}.",
            feeds=feeds,
        )
        html = self._env.get_template("web/index.html").render(
            page=page,
            heading=heading,
            cards=[self._card(a, root) for a in appeals],
            areas=[],
            feeds=feeds,
            show_area=False,
        )
        return OutputFile(path=path, content=_clean(html), media_type=HTML)

    def _simple_page(self, path: str, template: str, context: RenderContext) -> OutputFile:
        page = self._site_page(
            path,
            context,
            "How to browse more safely",
            "How to hide your visit to this site: what Exit this page does and does not do, "
            "private browsing, clearing your history, and who to call for help.",
            exit_page=True,
            safety_link=False,
        )
        html = self._env.get_template(template).render(page=page, contacts=_safety_contacts())
        return OutputFile(path=path, content=_clean(html), media_type=HTML)

    def _not_found(self, context: RenderContext) -> OutputFile:
        # A server shows 404.html at any depth, so links are rooted at the site's own path.
        site_path = urlsplit(context.site_url).path or "/"
        root = site_path if site_path.endswith("/") else f"{site_path}/"
        page = self._site_page(
            "404.html",
            context,
            "Page not found",
            "The page you were looking for was not found.",
            root=root,
            canonical=False,
        )
        html = self._env.get_template("web/404.html").render(page=page)
        return OutputFile(path="404.html", content=_clean(html), media_type=HTML)

    def _asset(self, path: str, template: str, media_type: str) -> OutputFile:
        loader = self._env.loader
        if loader is None:
            raise BuildError("the Jinja2 environment has no template loader")
        source, _filename, _uptodate = loader.get_source(self._env, template)
        return OutputFile(path=path, content=source.encode("utf-8"), media_type=media_type)


def _exit_url(context: RenderContext) -> str:
    url = safe_href(context.exit_url)
    if url is None or not url.lower().startswith(("http://", "https://")):
        raise BuildError(f"exit_url {context.exit_url!r} must be an absolute http(s) URL")
    return url


def _stale_area_pages(root: Path, rendition: Rendition) -> list[str]:
    """Area indexes on disk that a site rendition no longer includes."""
    written = {item.path for item in rendition.files}
    if rendition.appeal_id is not None or "index.html" not in written:
        return []
    areas = root / "areas"
    if not areas.is_dir():
        return []
    pages = (page.relative_to(root).as_posix() for page in areas.glob("*/index.html"))
    return sorted(page for page in pages if page not in written)
