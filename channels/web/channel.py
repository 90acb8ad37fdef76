"""The ``web`` channel: accessible, static HTML pages with no third-party requests but one: a
missing or wanted person's photo is shown from where the force publishes it (the share image's
own address, the one ``og:image`` names), requested without a referrer.

``render`` turns one appeal into its page (``<appeal.path>index.html``), and one per translation
(at its own address, ``cy/<appeal.path>`` unless it gives one); ``render_site`` makes the
site-wide files (home and area indexes, the safety page, the 404 page and the assets), and the
same pages in each other language the site is in, under its code (``cy/index.html``). Python
builds small view models (every URL checked, every time localised, every number linked); the
Jinja2 templates in ``templates/web/`` only lay them out, with autoescaping on. Nothing from a
record is ever marked safe: the only ``Markup`` is the JSON-LD, which is serialised here with
``<``, ``>`` and ``&`` escaped so that no string can close its ``<script>`` element.

Links between pages and to the assets are relative (``../../assets/style.css``), computed from
each page's depth, so the site works served at its root and opened from disk. The 404 page is
the exception: a server shows it at any depth, so its links are rooted at the site's path.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from publisher.channel import ChannelBase, OutputFile, Receipt, RenderContext, Rendition, Target
from publisher.channel.files import publish_error, publish_files
from publisher.channel.i18n import (
    LOCALE_DIR,
    Chrome,
    chrome,
    chrome_for,
    current,
    gettext,
    site_name,
)
from publisher.channel.memo import FragmentMemo, OrderedGroup, SiteChanges, SiteMemory, newest_key
from publisher.channel.templates import environment
from publisher.channels._common import page_code
from publisher.channels.web.views import (
    HTML,
    KIND_LABELS,
    AppealView,
    AreaLink,
    Card,
    Crumb,
    FeedLink,
    Meta,
    Page,
    SiteLanguage,
    TimeView,
    area_feeds,
    area_path,
    blocks,
    check_path,
    clean,
    html_lang,
    image_meta,
    jsonld,
    language_name,
    language_versions,
    link_warnings,
    page_path,
    photo,
    photo_warnings,
    resolution_heading,
    root_for,
    safety_contacts,
    share_image,
    site_feeds,
    site_language,
    site_languages,
    version_in,
    with_languages,
    with_site_languages,
)
from publisher.domain.links import safe_href
from publisher.domain.record import (
    Appeal,
    AppealStatus,
)
from publisher.errors import BuildError

__all__ = ["WebChannel"]

# Where an index's list of cards goes in the page around it, which is rendered (and cleaned)
# apart from the cards. A record's text could hold it only by containing NUL characters, and
# then the page is made in one piece instead (see WebChannel._list_page).
_CARDS_HERE = "\x00publisher:cards\x00"

# A top-level folder that may hold a language's site (cy/index.html, cy/areas/...).
_LANGUAGE_FOLDER = re.compile(r"^[a-z]{2,3}$")

# Each appeal is a card on the home page and on its area's page.
_CARD_MEMO_LIMIT = 50_000
# Sites remembered, one per render context (a process renders one; tests render several).
_SITES_REMEMBERED = 4


@dataclass
class _LanguageSite:
    """One language's indexes as last rendered: the cards of the live appeals in index order
    (all, and by area; every live appeal, in that language's words where it has them), and the
    pages made from them (paths under the language's prefix)."""

    home: OrderedGroup[bytes] = field(default_factory=OrderedGroup)
    areas: dict[str, OrderedGroup[bytes]] = field(default_factory=dict)
    pages: dict[str, OutputFile] = field(default_factory=dict)
    fixed: tuple[OutputFile, ...] | None = None


@dataclass
class _WebSite:
    """The site as the channel last rendered it for one context: its appeals, how many live
    ones are written in each locale (which makes the site's languages), each language's
    indexes, and the languages the pages were made for (their alternates and switch)."""

    changes: SiteChanges = field(default_factory=SiteChanges)
    written_in: Counter[str] = field(default_factory=Counter)
    languages: dict[str, _LanguageSite] = field(default_factory=dict)
    """By language code, the primary's included."""
    made_for: tuple[SiteLanguage, ...] = ()


def _named(context: RenderContext, words: Chrome) -> RenderContext:
    """``context`` with the site's name in the language of ``words`` (the built-in name has a
    translation; a configured one stays as configured): ``context`` itself when the name is
    the same in that language (a configured name, or English)."""
    name = site_name(context.site_name, words)
    return context if name == context.site_name else replace(context, site_name=name)


def _card_key(
    root: str, language: SiteLanguage, context: RenderContext, *, show_area: bool
) -> tuple[object, ...]:
    """What a card depends on besides its record: where it is shown (the page's root, whether
    it names the area) and its words, in the index's language (the catalogue in use, and the
    site it links in)."""
    return (root, show_area, current().language, language, context.language)


class WebChannel(ChannelBase):
    """Static, accessible HTML pages, the site's indexes, safety page and assets."""

    name = "web"
    idempotent = True
    writes_site_files = True
    can_delete = True

    def __init__(
        self, env: jinja2.Environment | None = None, locale_dir: Path | None = None
    ) -> None:
        self._env = env if env is not None else environment()
        # The site's words in other languages: a gettext catalogue per language under
        # <locale_dir>/<language>/LC_MESSAGES/web.po (see publisher.channel.i18n).
        self._locale_dir = LOCALE_DIR if locale_dir is None else locale_dir
        # Each card's bytes, by the record and where the card is shown (the page's root, and
        # whether it names the area): an index is re-assembled from them, and only a changed
        # appeal's cards are rendered again (see publisher.channel.memo).
        self._cards: FragmentMemo[bytes] = FragmentMemo(_CARD_MEMO_LIMIT, for_site=True)
        self._sites: SiteMemory[_WebSite] = SiteMemory(_WebSite, _SITES_REMEMBERED)

    # Rendering (pure) ---------------------------------------------------------------------

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """The appeal's page at ``<appeal.path>index.html`` (its ``url``: SITE_URL + the
        appeal's path), and one page per translation: at the translation's ``url``, else under
        the language's code (``cy/<appeal.path>``). Each page links to the others (``hreflang``
        alternates and a visible language switch). A withdrawn appeal renders to no files and
        a removal per language: publishing it deletes the pages."""
        versions = language_versions(appeal)
        paths = [check_path(version) for version in versions]
        if appeal.status is AppealStatus.WITHDRAWN:
            return Rendition(
                channel=self.name,
                appeal_id=appeal.id,
                revision=appeal.revision,
                removals=tuple(paths),
            )
        files: list[OutputFile] = []
        warnings: list[str] = []
        for version, path in zip(versions, paths, strict=True):
            words = self._chrome(html_lang(version.locale, context.language))
            with chrome(words):
                # The site's name in the page's language (the built-in one has a translation).
                page = self._appeal_page(version, _named(context, words), root_for(path), words)
                if len(versions) > 1:
                    page = with_languages(page, version, versions, root_for(path))
                view = self._appeal_view(version, page.english)
                html = self._env.get_template("web/appeal.html").render(page=page, appeal=view)
            files.append(OutputFile(path=path, content=clean(html), media_type=HTML))
            warnings += link_warnings(version) + photo_warnings(version)
        return Rendition(
            channel=self.name,
            appeal_id=appeal.id,
            revision=appeal.revision,
            files=tuple(files),
            warnings=tuple(dict.fromkeys(warnings)),
            url=context.absolute(appeal.path),
        )

    def render_site(self, appeals: Sequence[Appeal], context: RenderContext) -> Rendition:
        """Indexes (home, one per area), the safety page, the 404 page and the assets; and the
        same pages for each other language the site is in (any appeal's, and the context's
        ``languages``), under its code: ``cy/index.html``, ``cy/areas/<slug>/index.html``,
        ``cy/safety/index.html``, ``cy/404.html``, with that language's words. A language's
        index lists every live appeal: in its words where the appeal has them, linking that
        page; else in the appeal's own language, marked as such (``lang``, "Saesneg yn
        unig"), linking the page there is. Each index links the same index in the other
        languages (``hreflang`` alternates, the language switch). Withdrawn appeals are left
        out; the same appeals give the same bytes.

        The channel remembers the site it rendered last (for each of a few contexts), so a
        rendering costs what changed since: the cards of new or changed records are made and
        put in their place, and only the pages they are on are made again (see
        :mod:`publisher.channel.memo`)."""
        with self._sites.using(context) as site:
            files = self._render_site(site, appeals, context)
        return Rendition(channel=self.name, appeal_id=None, revision=None, files=files)

    def _render_site(
        self, site: _WebSite, appeals: Sequence[Appeal], context: RenderContext
    ) -> tuple[OutputFile, ...]:
        diff = site.changes.diff(appeals)
        if diff is None:
            seen: set[str] = set()
            for appeal in appeals:
                if appeal.id in seen:
                    raise BuildError(f"appeal {appeal.id!r} appears more than once in the site")
                seen.add(appeal.id)
            raise AssertionError("unreachable: SiteChanges found an id twice")
        gone, came = diff
        for appeal in came:
            check_path(appeal)
        live_gone = [a for a in gone if a.status is not AppealStatus.WITHDRAWN]
        live_came = [a for a in came if a.status is not AppealStatus.WITHDRAWN]
        for appeal in live_gone:
            for locale in appeal.languages:
                site.written_in[locale] -= 1
        for appeal in live_came:
            for locale in appeal.languages:
                site.written_in[locale] += 1
        site.written_in = +site.written_in  # drop the locales no live appeal is written in
        languages = site_languages(site.written_in, context)
        codes = {language.code for language in languages}
        for code in list(site.languages):
            if code not in codes:
                del site.languages[code]
        dirty: dict[str, set[str]] = {}
        for language in languages:
            if language.code in site.languages:
                with chrome(self._chrome(language.lang)) as words:
                    dirty[language.code] = self._change_cards(
                        site.languages[language.code],
                        language,
                        live_gone,
                        live_came,
                        _named(context, words),
                    )
        site.changes.commit(gone, came, appeals)
        for language in languages:
            if language.code not in site.languages:
                # A language new to the site: its indexes are made of every live appeal.
                live = [a for a in site.changes if a.status is not AppealStatus.WITHDRAWN]
                site.languages[language.code] = _LanguageSite()
                with chrome(self._chrome(language.lang)) as words:
                    dirty[language.code] = self._change_cards(
                        site.languages[language.code], language, (), live, _named(context, words)
                    )
        if languages != site.made_for:
            # Every page links the others languages' (alternates, switch): all made again.
            for language in languages:
                made = site.languages[language.code]
                made.pages.clear()
                made.fixed = None
                dirty[language.code] = set(made.areas)
            site.made_for = languages
        files: list[OutputFile] = []
        for language in languages:
            with chrome(self._chrome(language.lang)) as words:
                files += self._language_files(
                    site.languages[language.code],
                    language,
                    languages,
                    dirty[language.code],
                    _named(context, words),
                )
        return tuple(files)

    def _change_cards(
        self,
        made: _LanguageSite,
        language: SiteLanguage,
        gone: Iterable[Appeal],
        came: Iterable[Appeal],
        context: RenderContext,
    ) -> set[str]:
        """Take the cards of ``gone`` out of one language's indexes and put those of ``came``
        in (live appeals only); the slugs of the areas changed."""
        dirty: set[str] = set()
        for appeal in gone:
            key, slug = newest_key(appeal), appeal.area_slug
            made.home.remove(key)
            made.areas[slug].remove(key)
            dirty.add(slug)
        for appeal in came:
            key, slug = newest_key(appeal), appeal.area_slug
            home_root = root_for(f"{language.prefix}index.html")
            made.home.add(
                key, appeal, self._card_html(appeal, home_root, language, context, show_area=True)
            )
            group = made.areas.get(slug)
            if group is None:
                group = made.areas[slug] = OrderedGroup()
            root = root_for(f"{language.prefix}{area_path(slug)}")
            group.add(
                key, appeal, self._card_html(appeal, root, language, context, show_area=False)
            )
            dirty.add(slug)
        return dirty

    def _language_files(
        self,
        made: _LanguageSite,
        language: SiteLanguage,
        languages: tuple[SiteLanguage, ...],
        dirty: set[str],
        context: RenderContext,
    ) -> list[OutputFile]:
        """One language's index pages, safety and 404 pages (and, for the primary, the
        assets), made again where they changed."""
        prefix = language.prefix
        for slug in dirty:
            if not made.areas[slug]:
                del made.areas[slug]
                made.pages.pop(f"{prefix}{area_path(slug)}", None)
        # The area's name as its newest appeal writes it.
        area_names = {slug: group.records[0].area for slug, group in made.areas.items()}
        ordered_slugs = sorted(made.areas, key=lambda s: (area_names[s].casefold(), s))
        home = f"{prefix}index.html"
        if dirty or home not in made.pages:
            made.pages[home] = self._index(
                made.home.values,
                context,
                ordered_slugs,
                area_names,
                made.areas,
                language,
                languages,
            )
        for slug in dirty & made.areas.keys():
            page = self._area_index(
                slug, area_names[slug], made.areas[slug].values, context, language, languages
            )
            made.pages[page.path] = page
        if made.fixed is None:
            fixed = [
                self._simple_page(
                    "safety/index.html", "web/safety.html", context, language, languages
                ),
                self._not_found(context, language),
            ]
            if not prefix:
                fixed += [
                    self._asset("assets/style.css", "web/style.css", "text/css; charset=utf-8"),
                    self._asset(
                        "assets/exit-this-page.js",
                        "web/exit-this-page.js",
                        "text/javascript; charset=utf-8",
                    ),
                ]
            made.fixed = tuple(fixed)
        return [
            made.pages[home],
            *(made.pages[f"{prefix}{area_path(slug)}"] for slug in ordered_slugs),
            *made.fixed,
        ]

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

    def site_fragments(self, appeal: Appeal, context: RenderContext) -> object | None:
        """The appeal's cards, as ``render_site`` makes them, on the indexes of the languages
        the site is in whatever its other appeals (the primary, the context's ``languages``
        and the appeal's own), each with the key it is remembered by: home and area (none
        for a withdrawn appeal)."""
        if appeal.status is AppealStatus.WITHDRAWN:
            return None
        cards: list[tuple[tuple[object, ...], bytes]] = []
        for language in site_languages(appeal.languages, context):
            with chrome(self._chrome(language.lang)) as words:
                named = _named(context, words)
                for path, show_area in (
                    (f"{language.prefix}index.html", True),
                    (f"{language.prefix}{area_path(appeal.area_slug)}", False),
                ):
                    root = root_for(path)
                    card = self._card_html(appeal, root, language, named, show_area=show_area)
                    cards.append((_card_key(root, language, named, show_area=show_area), card))
        return tuple(cards)

    def recall_site_fragments(
        self, appeal: Appeal, context: RenderContext, fragments: object
    ) -> None:
        """Remember the cards :meth:`site_fragments` made of this record in another process
        for ``appeal``."""
        if not isinstance(fragments, tuple):
            raise BuildError(f"not the {self.name} channel's cards: {type(fragments).__name__}")
        for key, card in fragments:
            self._cards.put(appeal, key, card)

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

    def _chrome(self, lang: str) -> Chrome:
        """Our words for a page in ``lang``: its language's catalogue, else English."""
        return chrome_for(lang, self._locale_dir)

    def _appeal_view(self, appeal: Appeal, en: Markup) -> AppealView:
        resolved = appeal.status is AppealStatus.RESOLVED
        local_updated = appeal.local_updated
        return AppealView(
            kind=gettext(KIND_LABELS[appeal.kind]),
            title=appeal.title,
            published=TimeView.of(appeal.local_published, appeal.timezone),
            updated=None if local_updated is None else TimeView.of(local_updated, appeal.timezone),
            resolution=appeal.resolution if resolved else None,
            blocks=() if resolved else blocks(appeal, en),
            photo=photo(appeal),
            resolution_heading=resolution_heading(appeal),
            danger_warning=appeal.sensitive,
        )

    def _appeal_page(
        self, appeal: Appeal, context: RenderContext, root: str, words: Chrome
    ) -> Page:
        resolved = appeal.status is AppealStatus.RESOLVED
        organisation = appeal.organisation or context.site_name
        url = str(appeal.url)
        description = (appeal.resolution or appeal.summary) if resolved else appeal.summary
        image = None if resolved or appeal.image is None else safe_href(str(appeal.image.url))
        image_alt = appeal.image.alt if image is not None and appeal.image is not None else None
        # The appeal's own image, else the site's share image (a card: a summary, not large).
        og_image: list[Meta] = []
        twitter_image: list[Meta] = []
        if image:
            og_image, twitter_image = image_meta(image, image_alt)
        elif (shared := share_image(context)) is not None:
            og_image, twitter_image = image_meta(*shared)
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
        meta += og_image
        meta += [
            Meta("property", "article:published_time", published),
            Meta("property", "article:modified_time", modified),
            Meta("name", "twitter:card", "summary_large_image" if image else "summary"),
            Meta("name", "twitter:title", appeal.title),
            Meta("name", "twitter:description", description),
            *twitter_image,
        ]

        organisation_ld = {"@type": "Organization", "name": organisation}
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": appeal.title,
            "description": description,
            "datePublished": published,
            "dateModified": modified,
            "inLanguage": html_lang(appeal.locale, context.language),
            "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "author": organisation_ld,
            "publisher": organisation_ld,
        }
        if image is not None:
            data["image"] = [image]

        lang = html_lang(appeal.locale, context.language)
        # Its language's home, area index and feeds (the Welsh page's are the Welsh ones).
        prefix = site_language(appeal.locale, context).prefix
        return Page(
            lang=lang,
            title=f"{appeal.title} – {organisation}",
            root=root,
            site_name=context.site_name,
            description=description,
            canonical=url,
            noindex=resolved,
            breadcrumbs=(
                Crumb(gettext("Home"), f"{root}{prefix}index.html"),
                Crumb(appeal.area, f"{root}{prefix}{area_path(appeal.area_slug)}", lang=lang),
            ),
            meta=tuple(meta),
            feeds=area_feeds(appeal.area_slug, appeal.area, root, context.site_name, prefix),
            jsonld=jsonld(data),
            exit_url=_exit_url(context) if appeal.sensitive else None,
            chrome_lang=words.language,
            prefix=prefix,
        )

    def _card(
        self, appeal: Appeal, root: str, language: SiteLanguage, context: RenderContext
    ) -> Card:
        """The card of ``appeal`` on an index of ``language`` at ``root``: its words in that
        language where it has them, else in its own, marked."""
        version = version_in(appeal, language, context)
        resolved = version.status is AppealStatus.RESOLVED
        local_updated = version.local_updated
        code = page_code(version.locale, context)
        lang = only_in = None
        if code != language.code:
            lang = html_lang(version.locale, code)
            name = current().locale.languages.get(code) or language_name(version.locale)
            only_in = gettext("%(language)s only") % {"language": name}
        return Card(
            title=version.title,
            href=f"{root}{page_path(version)}",
            kind=gettext(KIND_LABELS[version.kind]),
            published=TimeView.of(version.local_published, version.timezone),
            updated=None if local_updated is None else TimeView.of(local_updated, version.timezone),
            summary=(version.resolution or version.summary) if resolved else version.summary,
            resolved=resolved,
            area=version.area,
            area_href=f"{root}{language.prefix}{area_path(version.area_slug)}",
            lang=lang,
            only_in=only_in,
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
        language: SiteLanguage | None = None,
    ) -> Page:
        """A page of the site's own at ``path`` (in ``language``'s folder, which ``path``
        includes)."""
        language = language or site_language(context.language, context)
        base = root_for(path) if root is None else root
        url = context.absolute(path.removesuffix("index.html"))
        meta: tuple[Meta, ...] = ()
        if canonical:
            shared = share_image(context)
            og_image, twitter_image = image_meta(*shared) if shared else ([], [])
            meta = (
                Meta("property", "og:title", title),
                Meta("property", "og:description", description),
                Meta("property", "og:type", "website"),
                Meta("property", "og:url", url),
                Meta("property", "og:site_name", context.site_name),
                *og_image,
                Meta("name", "twitter:card", "summary"),
                *twitter_image,
            )
        page_title = title if title == context.site_name else f"{title} – {context.site_name}"
        lang = context.language if not language.prefix else language.lang
        return Page(
            lang=lang,
            title=page_title,
            root=base,
            site_name=context.site_name,
            description=description,
            canonical=url if canonical else None,
            noindex=not canonical,
            breadcrumbs=(
                (Crumb(gettext("Home"), f"{base}{language.prefix}index.html"),)
                if breadcrumbs
                else ()
            ),
            meta=meta,
            feeds=feeds,
            exit_url=_exit_url(context) if exit_page else None,
            safety_link=safety_link,
            chrome_lang=self._chrome(lang).language,
            prefix=language.prefix,
        )

    def _index(
        self,
        cards: Sequence[bytes],
        context: RenderContext,
        slugs: Sequence[str],
        area_names: dict[str, str],
        areas: dict[str, OrderedGroup[bytes]],
        language: SiteLanguage,
        languages: tuple[SiteLanguage, ...],
    ) -> OutputFile:
        prefix = language.prefix
        path = f"{prefix}index.html"
        root = root_for(path)
        page = self._site_page(
            path,
            context,
            context.site_name,
            gettext("Appeals, advice and news from %(site)s.") % {"site": context.site_name},
            breadcrumbs=False,
            feeds=site_feeds(root, context.site_name, prefix),
            language=language,
        )
        page = with_site_languages(page, "index.html", language, languages, context)
        content = self._list_page(
            cards,
            page=page,
            heading=context.site_name,
            areas=[
                AreaLink(area_names[s], f"{root}{prefix}{area_path(s)}", len(areas[s]))
                for s in slugs
            ],
            feeds=page.feeds,
        )
        return OutputFile(path=path, content=content, media_type=HTML)

    def _area_index(
        self,
        slug: str,
        name: str,
        cards: Sequence[bytes],
        context: RenderContext,
        language: SiteLanguage,
        languages: tuple[SiteLanguage, ...],
    ) -> OutputFile:
        path = f"{language.prefix}{area_path(slug)}"
        root = root_for(path)
        feeds = area_feeds(slug, name, root, context.site_name, language.prefix)
        heading = gettext("Appeals in %(area)s") % {"area": name}
        page = self._site_page(
            path,
            context,
            heading,
            gettext("Appeals, advice and news for %(area)s from %(site)s.")
            % {"area": name, "site": context.site_name},
            feeds=feeds,
            language=language,
        )
        page = with_site_languages(page, area_path(slug), language, languages, context)
        content = self._list_page(
            cards,
            page=page,
            heading=heading,
            areas=[],
            feeds=feeds,
        )
        return OutputFile(path=path, content=content, media_type=HTML)

    def _card_html(
        self,
        appeal: Appeal,
        root: str,
        language: SiteLanguage,
        context: RenderContext,
        *,
        show_area: bool,
    ) -> bytes:
        """One appeal's card in an index, cleaned and encoded; made once per record."""
        key = _card_key(root, language, context, show_area=show_area)
        made = self._cards.get(appeal, key)
        if made is None:
            html = self._env.get_template("web/_card.html").render(
                card=self._card(appeal, root, language, context), show_area=show_area
            )
            made = self._cards.put(appeal, key, clean(html))
        return made

    def _list_page(self, cards: Sequence[bytes], **values: Any) -> bytes:
        """An index page (``web/index.html``) holding ``cards``. The page around the cards is
        rendered with a placeholder where they go, cleaned, and the cards' bytes put in its
        place: the same bytes as one rendering of the whole (cleaning drops single
        characters, so cleaning the parts apart gives what cleaning them together would)."""
        template = self._env.get_template("web/index.html")
        if not cards:
            return clean(template.render(cards=Markup(""), **values))
        html = template.render(cards=Markup(_CARDS_HERE), **values)
        if html.count(_CARDS_HERE) != 1:  # the placeholder's characters are in a record
            joined = b"".join(cards).decode("utf-8")
            return clean(template.render(cards=Markup(joined), **values))
        before, _, after = html.partition(_CARDS_HERE)
        return b"".join((clean(before), *cards, clean(after)))

    def _simple_page(
        self,
        path: str,
        template: str,
        context: RenderContext,
        language: SiteLanguage,
        languages: tuple[SiteLanguage, ...],
    ) -> OutputFile:
        """A page at ``path`` in each language's folder (``cy/safety/index.html``)."""
        in_site = path
        path = f"{language.prefix}{path}"
        page = self._site_page(
            path,
            context,
            gettext("How to browse more safely"),
            gettext(
                "How to hide your visit to this site: what Exit this page does and does not "
                "do, private browsing, clearing your history, and who to call for help."
            ),
            exit_page=True,
            safety_link=False,
            language=language,
        )
        page = with_site_languages(page, in_site, language, languages, context)
        html = self._env.get_template(template).render(page=page, contacts=safety_contacts())
        return OutputFile(path=path, content=clean(html), media_type=HTML)

    def _not_found(self, context: RenderContext, language: SiteLanguage) -> OutputFile:
        # A server shows 404.html at any depth, so links are rooted at the site's own path.
        # Each language has its own (cy/404.html), for the pages under its folder.
        site_path = urlsplit(context.site_url).path or "/"
        root = site_path if site_path.endswith("/") else f"{site_path}/"
        path = f"{language.prefix}404.html"
        page = self._site_page(
            path,
            context,
            gettext("Page not found"),
            gettext("The page you were looking for was not found."),
            root=root,
            canonical=False,
            language=language,
        )
        html = self._env.get_template("web/404.html").render(page=page)
        return OutputFile(path=path, content=clean(html), media_type=HTML)

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
    """Area indexes on disk that a rendition with the site's index no longer includes: the site
    rendition of a build, or an appeal's page published with the site (as the services do), so
    an area whose last appeal was withdrawn loses its index and no withdrawn title lingers.

    The same for each other language's folder (``cy/areas/…``); and a language folder the
    site no longer has (its last appeal in that language gone) loses its index, area
    indexes, safety and 404 pages. A language folder is a top-level folder named like a
    language code (``cy``) that holds ``index.html`` and ``safety/index.html``."""
    written = {item.path for item in rendition.files}
    if "index.html" not in written:
        return []
    stale: list[str] = []
    folders = [root]
    for child in sorted(root.iterdir()) if root.is_dir() else ():
        if _LANGUAGE_FOLDER.match(child.name) and (child / "safety" / "index.html").is_file():
            if f"{child.name}/index.html" in written:
                folders.append(child)
                continue
            # The site is no longer in this language: its pages of the site's own go.
            for page in ("index.html", "safety/index.html", "404.html"):
                if (child / page).is_file():
                    stale.append(f"{child.name}/{page}")
            folders.append(child)
    for folder in folders:
        areas = folder / "areas"
        if areas.is_dir():
            pages = (page.relative_to(root).as_posix() for page in areas.glob("*/index.html"))
            stale += sorted(page for page in pages if page not in written)
    return stale
