"""The web channel's view models: what the templates lay out, built from an appeal with every
URL checked, every time localised and every number linked; and the site's structure (paths,
languages, JSON-LD)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from markupsafe import Markup, escape

from publisher.channel import RenderContext
from publisher.channel.i18n import N_, contact_name, current, gettext
from publisher.channel.jsontext import indented_json
from publisher.channel.memo import in_language
from publisher.channels._common import SiteLanguage, site_language, site_languages, version_in
from publisher.domain.links import safe_href
from publisher.domain.phones import grouped, written_number
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
    language_code,
)
from publisher.errors import BuildError

__all__ = [
    "HTML",
    "KIND_LABELS",
    "RESERVED_SEGMENTS",
    "AppealView",
    "AreaLink",
    "Card",
    "Crumb",
    "FeedLink",
    "Meta",
    "Page",
    "PhotoView",
    "SiteLanguage",
    "TimeView",
    "area_feeds",
    "area_path",
    "blocks",
    "check_path",
    "clean",
    "html_lang",
    "human_time",
    "image_meta",
    "inline_html",
    "jsonld",
    "language_name",
    "language_versions",
    "link_warnings",
    "newest_first",
    "page_path",
    "photo",
    "photo_warnings",
    "resolution_heading",
    "root_for",
    "safety_contacts",
    "share_image",
    "site_feeds",
    "site_language",
    "site_languages",
    "version_in",
    "with_languages",
    "with_site_languages",
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
KIND_LABELS = {
    AppealKind.APPEAL: N_("Appeal"),
    AppealKind.MISSING_PERSON: N_("Missing person"),
    AppealKind.WITNESS_APPEAL: N_("Witness appeal"),
    AppealKind.WANTED: N_("Wanted"),
    AppealKind.ADVICE: N_("Advice"),
    AppealKind.NEWS: N_("News"),
}
PHOTO_KINDS = frozenset({AppealKind.MISSING_PERSON, AppealKind.WANTED})
"""Kinds whose share image is the person the appeal is about, so the page shows it: for the
other kinds it is usually the force's generic card, which only social sites need."""
_RESOLUTION_HEADINGS = {AppealKind.MISSING_PERSON: N_("Found")}
_CONTACT_LABELS = {
    ContactKind.PHONE: N_("Telephone"),
    ContactKind.TEXT: N_("Text"),
    ContactKind.TEXTPHONE: N_("Textphone (Relay UK)"),
    ContactKind.WEB: N_("Website"),
    ContactKind.EMAIL: N_("Email"),
}

_SAYS_KIND = {
    ContactKind.TEXTPHONE: (N_("textphone"), "Relay"),
    ContactKind.TEXT: (N_("text"),),
}
"""Words that, in the page's language, already say what kind of number a sentence gives, so
it needs no "(textphone, Relay UK)" or "(text message)" after the number."""

_NO_MARKUP = Markup("")
"""An empty piece of HTML: no paragraph, or no attribute."""

# URLs, numbers and times ---------------------------------------------------------------------


def human_time(moment: datetime) -> str:
    """GOV.UK style: '2 April 2020, 1:53pm', '7am', 'midday', 'midnight'.

    In the language of the words being rendered (:mod:`publisher.channel.i18n`): English as
    written here; another language's month names from Babel's data for it ("2 Ebrill 2020")
    and its words for midday, midnight, am and pm from its catalogue."""
    chrome = current()
    if chrome.language == "en":
        day = f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
    else:
        day = format_date(moment.date(), "d MMMM y", locale=chrome.locale)
    if moment.hour == 0 and moment.minute == 0:
        clock = gettext("midnight")
    elif moment.hour == 12 and moment.minute == 0:
        clock = gettext("midday")
    else:
        hour = moment.hour % 12 or 12
        minutes = f":{moment.minute:02d}" if moment.minute else ""
        suffix = gettext("am") if moment.hour < 12 else gettext("pm")
        clock = f"{hour}{minutes}{suffix}"
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
    parts: Markup = _NO_MARKUP
    """The block's own paragraph (or a list's or contacts' intro) as HTML: see
    :func:`inline_html`."""
    text: str = ""
    paragraphs: tuple[Markup, ...] = ()
    """A quote's paragraphs, a list's items, each as HTML (:func:`inline_html`)."""
    heading: str | None = None
    contacts: tuple[ContactView, ...] = ()


@dataclass(frozen=True)
class Crumb:
    text: str
    href: str
    lang: str | None = None
    """The language of ``text`` when it is the record's words (an area's name) on a page whose
    chrome is marked English."""


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
class Alternate:
    hreflang: str
    href: str


@dataclass(frozen=True)
class LanguageLink:
    name: str
    """The language's own name for itself: "Cymraeg", "English"."""
    lang: str
    href: str


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
    alternates: tuple[Alternate, ...] = ()
    """The same page in every language it is in (``hreflang``), and ``x-default``."""
    languages: tuple[LanguageLink, ...] = ()
    """The language switch: a link to the page in each other language."""
    prefix: str = ""
    """The folder of the page's language's site under the root: "" for the site's primary
    language, ``cy/`` for Welsh. The home, safety page and site feeds the page links to are
    its language's (``cy/index.html``, ``feeds/cy/rss.xml``)."""

    @property
    def exit(self) -> bool:
        return self.exit_url is not None

    chrome_lang: str = "en"
    """The language our own words on the page (header, breadcrumbs, dates, labels, footer)
    are in: the page's own when it has a catalogue, else English."""

    @property
    def english_chrome(self) -> bool:
        """The page is in another language (one with no catalogue) but our own words on it are
        English: they carry ``lang="en"`` so that screen readers and translators read them as
        English."""
        return self.lang.split("-")[0].lower() != self.chrome_lang

    @property
    def english(self) -> Markup:
        """The attribute our own words carry: `` lang="en"`` where :attr:`english_chrome`, else
        nothing (the language is escaped like any attribute value)."""
        if self.english_chrome:
            return Markup(' lang="%s"') % self.chrome_lang
        return _NO_MARKUP


@dataclass(frozen=True)
class PhotoView:
    """The person's photo near the top of the page: a checked http(s) URL and its alt text."""

    src: str
    alt: str


@dataclass(frozen=True)
class AppealView:
    kind: str
    title: str
    published: TimeView
    updated: TimeView | None
    resolution: str | None
    blocks: tuple[BlockView, ...]
    photo: PhotoView | None = None
    resolution_heading: str = N_("Resolved")
    danger_warning: bool = False
    """A sensitive topic: "If you are in danger, call 999" as a warning under the heading."""
    plain_text: bool = True
    """Whether the page links to its plain text (``index.txt`` beside it, which the text
    channel writes beside every language's page)."""


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
    lang: str | None = None
    """The language of the appeal's words (title, summary) when it is not the index's: an
    appeal with no Welsh on the Welsh index shows its English words, marked ``lang="en-GB"``,
    and links its English page (``hreflang``)."""
    only_in: str | None = None
    """Then, in the index's language, which language it is only in: "yn Saesneg yn unig"."""


@dataclass(frozen=True)
class AreaLink:
    name: str
    href: str
    count: int


def _span_inline(span: Span, paragraph: Paragraph | CallToAction, base: str) -> Inline:
    contact = span.contact
    if span.plain:
        return Inline(text=span.text)  # words as written (most spans)
    core = span.text.strip()
    if not core:
        return Inline(text=span.text)
    before = span.text[: len(span.text) - len(span.text.lstrip())]
    after = span.text[len(span.text.rstrip()) :]
    if contact is not None and contact.is_number:
        text = written_number(core, contact)
        note = None
        says = _SAYS_KIND.get(contact.kind, ())
        # Whether the sentence already says what kind of number it is (only a text or
        # textphone number would get a note).
        lowered = paragraph.text.lower() if says else ""
        said = any(gettext(word).lower() in lowered for word in says)
        if contact.kind is ContactKind.TEXTPHONE and not said:
            note = gettext("(textphone, Relay UK)")
        elif contact.kind is ContactKind.TEXT and not said:
            note = gettext("(text message)")
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
        name=contact_name(contact),
        label=gettext(_CONTACT_LABELS[contact.kind]),
        text=text,
        href=href,
        note=contact.note,
        number=contact.is_number,
    )


def inline_html(parts: Iterable[Inline], en: Markup = _NO_MARKUP) -> Markup:
    """A paragraph's runs as HTML: each run's text (a link's, with its checked ``href``; a
    number's or hashtag's in an element of its class), its note after it (in an element
    carrying ``en``, :attr:`Page.english`, when that is set) and the spaces around it.

    Everything that comes from a record or a catalogue (text, note, address, spaces) is
    escaped here, and so is the class; the only markup is the elements written below, so no
    record's text ever runs as markup."""
    out: list[str] = []
    add = out.append
    for part in parts:
        if part.before:
            add(escape(part.before))
        if part.href:
            if part.css:
                add(f'<a href="{escape(part.href)}" class="{escape(part.css)}">')
            else:
                add(f'<a href="{escape(part.href)}">')
            add(escape(part.text))
            add("</a>")
        elif part.css:
            add(f'<span class="{escape(part.css)}">{escape(part.text)}</span>')
        else:
            add(escape(part.text))
        if part.note:
            if en:
                add(f" <span{escape(en)}>{escape(part.note)}</span>")
            else:
                add(f" {escape(part.note)}")
        if part.after:
            add(escape(part.after))
    return Markup("".join(out))  # every piece from a record escaped above


def _paragraph_html(paragraph: Paragraph | CallToAction, base: str, en: Markup) -> Markup:
    """The paragraph's spans as HTML (:func:`inline_html` of each span's run), joined as
    written: a span keeps its own spaces. Relative links are resolved against ``base``, the
    appeal's own URL, as the other channels do. A span of plain words, which is most of them,
    is its escaped text: what its run would come to."""
    out: list[str] = []
    for span in paragraph.spans:
        if not span.text:
            continue
        if span.plain:
            out.append(escape(span.text))
        else:
            out.append(inline_html((_span_inline(span, paragraph, base),), en))
    return Markup("".join(out))  # each piece escaped (inline_html escapes every value)


def blocks(appeal: Appeal, en: Markup = _NO_MARKUP) -> tuple[BlockView, ...]:
    contact_heading = (
        gettext("Get help")
        if appeal.sensitive or appeal.kind is AppealKind.ADVICE
        else gettext("How to contact us")
    )
    base = str(appeal.url)
    views: list[BlockView] = []
    previous: object = None
    for block in appeal.body:
        if isinstance(block, Paragraph):
            views.append(BlockView(type="paragraph", parts=_paragraph_html(block, base, en)))
        elif isinstance(block, Heading):
            views.append(BlockView(type="heading", text=block.text))
        elif isinstance(block, Quote):
            caption = block.speaker + (f", {block.role}" if block.role else "")
            views.append(
                BlockView(
                    type="quote",
                    text=caption,
                    paragraphs=tuple(_paragraph_html(p, base, en) for p in block.paragraphs),
                )
            )
        elif isinstance(block, ContactList):
            views.append(
                BlockView(
                    type="contacts",
                    heading=None if isinstance(previous, Heading) else contact_heading,
                    parts=_paragraph_html(block.intro, base, en) if block.intro else _NO_MARKUP,
                    contacts=tuple(_contact_view(c) for c in block.contacts),
                )
            )
        elif isinstance(block, BulletList):
            views.append(
                BlockView(
                    type="bullets",
                    parts=_paragraph_html(block.intro, base, en) if block.intro else _NO_MARKUP,
                    paragraphs=tuple(_paragraph_html(p, base, en) for p in block.items),
                )
            )
        elif isinstance(block, CallToAction):
            views.append(BlockView(type="call-to-action", parts=_paragraph_html(block, base, en)))
        previous = block
    return tuple(views)


def _photo_source(appeal: Appeal) -> str | None:
    """The share image's URL when the page shows it (see :func:`photo`), alt text aside."""
    if appeal.kind not in PHOTO_KINDS or appeal.image is None:
        return None
    if appeal.status in (AppealStatus.RESOLVED, AppealStatus.WITHDRAWN):
        return None
    src = safe_href(str(appeal.image.url))
    if src is None or not src.lower().startswith(("http://", "https://")):
        return None
    return src


def photo(appeal: Appeal) -> PhotoView | None:
    """The photo a missing-person or wanted appeal's page shows under its heading: the share
    image, with the record's alt text. Never for a resolved or withdrawn appeal (the photo is
    personal), never without alt text (a photo nobody can describe is not shown, as on the
    other channels), and only from an http(s) address."""
    src = _photo_source(appeal)
    alt = appeal.image.alt or "" if appeal.image is not None else ""
    alt = " ".join(_FORBIDDEN_CHARS.sub("", alt).split())
    if src is None or not alt:
        return None
    return PhotoView(src=src, alt=alt)


def photo_warnings(appeal: Appeal) -> tuple[str, ...]:
    """Why a photo the page would show is left out."""
    if _photo_source(appeal) is not None and photo(appeal) is None:
        return (
            "web: the photo has no alt text, so the page does not show it; add a description "
            "of the image to show it",
        )
    return ()


def resolution_heading(appeal: Appeal) -> str:
    """What the panel of a resolved appeal says: "Found" for a missing person."""
    return gettext(_RESOLUTION_HEADINGS.get(appeal.kind, N_("Resolved")))


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


def link_warnings(appeal: Appeal) -> tuple[str, ...]:
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


def root_for(file_path: str) -> str:
    """The relative prefix from a file back to the site root: '' or '../../'."""
    depth = len(PurePosixPath(file_path).parent.parts)
    return "../" * depth


def page_path(appeal: Appeal) -> str:
    return f"{appeal.path}index.html"


def check_path(appeal: Appeal) -> str:
    """The appeal's page path, refused where the site's own pages are: under ``assets/``,
    ``areas/``, ``feeds/`` or ``safety/``, and, for a page in another language, the same in
    its language's folder or that folder's home (``cy/index.html``, ``cy/areas/…``)."""
    path = page_path(appeal)
    parts = PurePosixPath(path).parts
    first = parts[0]
    if first in RESERVED_SEGMENTS:
        raise BuildError(
            f"appeal {appeal.id!r}: its URL path {appeal.path!r} is under '{first}/', "
            "which the site itself uses"
        )
    code = language_code(appeal.locale)
    if len(parts) > 1 and first == code and (len(parts) == 2 or parts[1] in RESERVED_SEGMENTS):
        raise BuildError(
            f"appeal {appeal.id!r}: its {appeal.locale} URL path {appeal.path!r} is where the "
            f"site's {code!r} pages are ('{code}/index.html', '{code}/areas/', "
            f"'{code}/safety/'); give the translation another url"
        )
    return path


def area_path(slug: str) -> str:
    return f"areas/{slug}/index.html"


def share_image(context: RenderContext) -> tuple[str, str] | None:
    """The site's share image and its alt text (settings SHARE_IMAGE_URL, SHARE_IMAGE_ALT), for
    pages with no image of their own; None unless both are set and the URL is a safe http(s)
    one."""
    url = safe_href(context.share_image_url) if context.share_image_url else None
    alt = " ".join((context.share_image_alt or "").split())
    if url is None or not url.lower().startswith(("http://", "https://")) or not alt:
        return None
    return url, alt


def image_meta(url: str, alt: str | None) -> tuple[list[Meta], list[Meta]]:
    """Open Graph and X (Twitter) tags for a page's share image: (og, twitter)."""
    og = [Meta("property", "og:image", url)]
    twitter = [Meta("name", "twitter:image", url)]
    if alt:
        og.append(Meta("property", "og:image:alt", alt))
        twitter.append(Meta("name", "twitter:image:alt", alt))
    return og, twitter


def site_feeds(root: str, site_name: str, prefix: str = "") -> tuple[FeedLink, ...]:
    """The whole site's feeds (the feeds channel writes them), linked from ``root``: in the
    language whose site is under ``prefix`` (``feeds/cy/rss.xml``)."""
    folder = f"{root}feeds/{prefix}"
    return (
        FeedLink("application/rss+xml", f"{folder}rss.xml", f"{site_name} (RSS)"),
        FeedLink("application/atom+xml", f"{folder}atom.xml", f"{site_name} (Atom)"),
    )


def area_feeds(
    slug: str, name: str, root: str, site_name: str, prefix: str = ""
) -> tuple[FeedLink, ...]:
    """An area's feeds, then the whole site's: what its pages announce for feed readers."""
    folder = f"{root}feeds/{prefix}areas/{slug}/"
    return (
        FeedLink("application/rss+xml", f"{folder}rss.xml", f"{site_name}: {name} (RSS)"),
        FeedLink("application/atom+xml", f"{folder}atom.xml", f"{site_name}: {name} (Atom)"),
        *site_feeds(root, site_name, prefix),
    )


def html_lang(locale: str, fallback: str) -> str:
    return locale.replace("_", "-") if _LOCALE_RE.match(locale) else fallback


def jsonld(data: dict[str, Any]) -> Markup:
    """JSON for a ``<script>`` element: ``<``, ``>``, ``&`` and line separators escaped, so
    nothing inside a string can end the element. Safe by construction, hence ``Markup``."""
    text = indented_json(data)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return Markup(text)  # serialised and escaped above: never raw record text


def clean(html: str) -> bytes:
    """Drop characters HTML forbids (a record's control characters) and encode."""
    return _FORBIDDEN_CHARS.sub("", html).encode("utf-8")


def newest_first(appeals: Iterable[Appeal]) -> list[Appeal]:
    by_id = sorted(appeals, key=lambda a: a.id)
    return sorted(by_id, key=lambda a: a.published_at, reverse=True)


def safety_contacts() -> tuple[ContactView, ...]:
    contacts = (
        Contact(
            name=gettext("Police, if you are in danger now"),
            kind=ContactKind.PHONE,
            value="999",
            display="999",
            note=gettext(
                "If you call from a mobile and cannot speak, listen and press 55 when asked."
            ),
        ),
        Contact(
            name=gettext("Police, when it is not an emergency"),
            kind=ContactKind.PHONE,
            value="101",
            display="101",
        ),
        Contact(
            name=gettext("Police textphone, if you are deaf or cannot speak"),
            kind=ContactKind.TEXTPHONE,
            value="18001101",
            display="18001 101",
        ),
        Contact(
            name=gettext("National Domestic Abuse Helpline"),
            kind=ContactKind.PHONE,
            value="+448082000247",
            display="0808 2000 247",
            note=gettext("Free and confidential, 24 hours a day."),
        ),
    )
    return tuple(_contact_view(c) for c in contacts)


# Languages ------------------------------------------------------------------------------------


def language_versions(appeal: Appeal) -> tuple[Appeal, ...]:
    """The appeal in each of its languages, the primary first, each with the URL of its own
    page (:meth:`Appeal.in_language`: the translation's ``url``, else the primary's with the
    language's code in front of its path, ``https://force.example/cy/news/.../``)."""
    return tuple(in_language(appeal, locale) for locale in appeal.languages)


def language_name(locale: str) -> str:
    """What a language calls itself (Babel's data): 'Cymraeg', 'English'."""
    try:
        name = Locale.parse(locale).get_language_name()
    except (UnknownLocaleError, ValueError) as exc:
        raise BuildError(f"locale {locale!r} is not a language Babel knows") from exc
    if not name:
        raise BuildError(f"Babel has no name for the language of {locale!r}")
    return name[:1].upper() + name[1:]


def with_site_languages(
    page: Page,
    path: str,
    language: SiteLanguage,
    languages: tuple[SiteLanguage, ...],
    context: RenderContext,
) -> Page:
    """A page of the site's own (``path`` in every language's folder: ``index.html``,
    ``areas/<slug>/index.html``) with its alternates in every language of the site (the
    primary's as ``x-default``) and the switch to the others; unchanged for a site in one
    language."""
    if len(languages) < 2:
        return page

    def url(other: SiteLanguage) -> str:
        return context.absolute(f"{other.prefix}{path}".removesuffix("index.html"))

    alternates = tuple(Alternate(other.lang, url(other)) for other in languages)
    alternates += (Alternate("x-default", url(languages[0])),)
    switch = tuple(
        LanguageLink(language_name(other.locale), other.lang, f"{page.root}{other.prefix}{path}")
        for other in languages
        if other.code != language.code
    )
    return replace(page, alternates=alternates, languages=switch)


def with_languages(page: Page, version: Appeal, versions: tuple[Appeal, ...], root: str) -> Page:
    """``page`` with its alternates in every language (the primary as ``x-default``), the
    language switch to the others, and ``og:locale:alternate``."""
    alternates = tuple(Alternate(html_lang(v.locale, "en"), str(v.url)) for v in versions)
    alternates += (Alternate("x-default", str(versions[0].url)),)
    switch = tuple(
        LanguageLink(language_name(v.locale), html_lang(v.locale, "en"), f"{root}{page_path(v)}")
        for v in versions
        if v.locale != version.locale
    )
    og_alternates = tuple(
        Meta("property", "og:locale:alternate", v.locale.replace("-", "_"))
        for v in versions
        if v.locale != version.locale
    )
    meta = list(page.meta)
    at = next(i for i, m in enumerate(meta) if m.key == "og:locale") + 1
    meta[at:at] = og_alternates
    return replace(page, alternates=alternates, languages=switch, meta=tuple(meta))
