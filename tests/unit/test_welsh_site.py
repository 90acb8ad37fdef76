"""The Welsh site is a whole site (issue 14): its home, area indexes, safety and 404 pages and
feeds, in Welsh, linked both ways with the English ones, whenever an appeal (or
PUBLISHER_LANGUAGES) is in Welsh."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest

from publisher.channel import OutputFile, RenderContext, Target
from publisher.channels.feeds import FeedsChannel
from publisher.channels.text import TextChannel
from publisher.channels.web import WebChannel
from publisher.domain.record import Appeal, AppealStatus
from publisher.entrypoints.site import _not_found_page
from publisher.errors import BuildError
from publisher.importers import load_appeal
from publisher.settings import Settings
from tests.support.feedcheck import check_feed
from tests.unit.test_web_languages import _english_words, _texts_outside_english

REPO = Path(__file__).resolve().parents[2]
OSIAN = REPO / "tests" / "fixtures" / "bilingual" / "missing-osian-example.md"
LEAH = REPO / "tests" / "fixtures" / "appeals" / "missing-leah-example.json"
CTX = RenderContext(site_url="https://appeals.example.org/", site_name="Example appeals")
OSIAN_CY = "cy/news/2025/march/missing-osian-example/index.html"
OSIAN_EN = "news/2025/march/missing-osian-example/index.html"
LEAH_EN = "news/2024/june/missing-leah-example/index.html"
ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _osian() -> Appeal:
    return load_appeal(OSIAN).appeal


def _leah() -> Appeal:
    return Appeal.from_json(LEAH.read_bytes())


def _site(appeals: list[Appeal], context: RenderContext = CTX) -> dict[str, OutputFile]:
    """Every file the file channels make of ``appeals``: pages, plain text, indexes, feeds."""
    files: dict[str, OutputFile] = {}
    web, feeds, text = WebChannel(), FeedsChannel(), TextChannel()
    for appeal in appeals:
        for channel in (web, feeds, text):
            files.update((f.path, f) for f in channel.render(appeal, context).files)
    for site_channel in (web, feeds):
        files.update((f.path, f) for f in site_channel.render_site(appeals, context).files)
    return files


def _doc(files: dict[str, OutputFile], path: str) -> Any:
    return lxml.html.document_fromstring(files[path].content.decode("utf-8"))


def _resolve(page: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href))


def _cards(doc: Any) -> list[Any]:
    return list(doc.xpath("//li[@class='appeal-card']"))


# The Welsh index pages ---------------------------------------------------------------------


def test_a_bilingual_site_has_a_welsh_home_area_indexes_safety_and_404_page() -> None:
    files = _site([_osian(), _leah()])
    for path in (
        "cy/index.html",
        "cy/areas/gwynedd/index.html",
        "cy/areas/derbyshire/index.html",
        "cy/safety/index.html",
        "cy/404.html",
    ):
        doc = _doc(files, path)
        assert doc.xpath("/html/@lang") == ["cy-GB"], path
        english = _english_words()
        leftovers = [
            t
            for t in _texts_outside_english(doc)
            if any(w == t or (" " in w and w in t) for w in english)
        ]
        assert leftovers == [], path
    assert "cy/assets/style.css" not in files  # one set of assets for every language
    home = _doc(files, "cy/index.html")
    assert home.xpath("//h2/text()")[0] == "Apeliadau diweddaraf"
    assert "Sut i bori’n fwy diogel" in files["cy/safety/index.html"].content.decode()
    assert "Heb ddod o hyd i’r dudalen" in files["cy/404.html"].content.decode()
    # The Welsh 404 page is served at any depth under cy/: its links are rooted.
    assert _doc(files, "cy/404.html").xpath("//main//a/@href") == ["/cy/index.html"]


def test_an_appeal_with_welsh_shows_its_welsh_card_linking_its_welsh_page() -> None:
    files = _site([_osian(), _leah()])
    osian, _ = _cards(_doc(files, "cy/index.html"))
    (title,) = osian.xpath(".//h3/a")
    assert title.text == "Dyn ar goll: ydych chi wedi gweld Osian?"
    assert _resolve("cy/index.html", title.get("href")) == OSIAN_CY
    assert osian.xpath(".//@lang") == [] and "Saesneg" not in lxml.html.tostring(osian).decode()
    assert "9 Mawrth 2025" in osian.text_content()
    (area,) = osian.xpath(".//p[@class='appeal-card__meta']/a/@href")
    assert _resolve("cy/index.html", area) == "cy/areas/gwynedd/index.html"
    # The English home keeps the English card.
    (english,) = [c for c in _cards(_doc(files, "index.html")) if "Osian" in c.text_content()]
    assert _resolve("index.html", english.xpath(".//h3/a/@href")[0]) == OSIAN_EN


def test_an_appeal_without_welsh_shows_its_english_card_marked_on_the_welsh_index() -> None:
    """Decision: every live appeal is on the Welsh index (a missing person is never left off
    for want of a translation). One with no Welsh shows its English words marked
    ``lang="en-GB"``, says so in Welsh ("Saesneg yn unig"), and links its English page with
    ``hreflang``; the card's own words (kind, dates, area link) are Welsh."""
    files = _site([_osian(), _leah()])
    _, leah = _cards(_doc(files, "cy/index.html"))
    assert leah.xpath(".//p[@class='caption']/text()") == ["Person ar goll (Saesneg yn unig)"]
    (h3,) = leah.xpath(".//h3")
    assert (
        h3.get("lang") == "en-GB" and h3.text_content() == "Missing teenager: have you seen Leah?"
    )
    (link,) = h3.xpath("./a")
    assert link.get("hreflang") == "en-GB"
    assert _resolve("cy/index.html", link.get("href")) == LEAH_EN
    assert leah.xpath(".//p[@class='appeal-card__summary']/@lang") == ["en-GB"]
    assert "12 Mehefin 2024" in leah.text_content()
    (area,) = leah.xpath(".//p[@class='appeal-card__meta']/a/@href")
    assert _resolve("cy/index.html", area) == "cy/areas/derbyshire/index.html"


def test_an_area_with_no_welsh_appeal_still_has_its_welsh_index() -> None:
    """Every area has its Welsh index (the Welsh home links them all), listing its English
    cards, marked."""
    files = _site([_osian(), _leah()])
    doc = _doc(files, "cy/areas/derbyshire/index.html")
    assert doc.xpath("//h1/text()") == ["Apeliadau yn ardal Derbyshire"]
    (card,) = _cards(doc)
    assert card.xpath(".//h3/@lang") == ["en-GB"]
    assert _resolve("cy/areas/derbyshire/index.html", card.xpath(".//h3/a/@href")[0]) == LEAH_EN


def test_the_indexes_link_each_other_with_hreflang_and_a_language_switch() -> None:
    files = _site([_osian(), _leah()])
    for en_path, cy_path, en_url, cy_url in (
        (
            "index.html",
            "cy/index.html",
            "https://appeals.example.org/",
            "https://appeals.example.org/cy/",
        ),
        (
            "areas/gwynedd/index.html",
            "cy/areas/gwynedd/index.html",
            "https://appeals.example.org/areas/gwynedd/",
            "https://appeals.example.org/cy/areas/gwynedd/",
        ),
        (
            "safety/index.html",
            "cy/safety/index.html",
            "https://appeals.example.org/safety/",
            "https://appeals.example.org/cy/safety/",
        ),
    ):
        for path, other, own_url, lang, name in (
            (en_path, cy_path, en_url, "cy-GB", "Cymraeg"),
            (cy_path, en_path, cy_url, "en-GB", "English"),
        ):
            doc = _doc(files, path)
            alternates = {
                str(link.get("hreflang")): str(link.get("href"))
                for link in doc.xpath("//head/link[@rel='alternate'][@hreflang]")
            }
            assert alternates == {"en-GB": en_url, "cy-GB": cy_url, "x-default": en_url}, path
            assert doc.xpath("//link[@rel='canonical']/@href") == [own_url], path
            (switch,) = doc.xpath("//nav[@class='language-switch']//a")
            assert (switch.text, switch.get("lang"), switch.get("hreflang")) == (name, lang, lang)
            assert _resolve(path, switch.get("href")) == other, path


def test_the_welsh_appeal_page_goes_home_to_the_welsh_home() -> None:
    files = _site([_osian(), _leah()])
    doc = _doc(files, OSIAN_CY)
    crumbs = [_resolve(OSIAN_CY, h) for h in doc.xpath("//nav[@class='breadcrumbs']//a/@href")]
    assert crumbs == ["cy/index.html", "cy/areas/gwynedd/index.html"]
    (home,) = doc.xpath("//a[@class='site-header__name']/@href")
    assert _resolve(OSIAN_CY, home) == "cy/index.html"
    footer = [
        _resolve(OSIAN_CY, h)
        for h in doc.xpath("//footer//a[not(starts-with(@href, 'tel:'))]/@href")
    ]
    assert footer == [
        "cy/index.html",
        "cy/safety/index.html",
        "feeds/cy/rss.xml",
        "feeds/cy/atom.xml",
    ]
    feeds = [_resolve(OSIAN_CY, h) for h in doc.xpath("//head/link[@type]/@href")]
    assert feeds == [
        "feeds/cy/areas/gwynedd/rss.xml",
        "feeds/cy/areas/gwynedd/atom.xml",
        "feeds/cy/rss.xml",
        "feeds/cy/atom.xml",
    ]
    # The English page keeps the English ones.
    en = _doc(files, OSIAN_EN)
    assert [_resolve(OSIAN_EN, h) for h in en.xpath("//nav[@class='breadcrumbs']//a/@href")] == [
        "index.html",
        "areas/gwynedd/index.html",
    ]


@pytest.mark.parametrize("own_url", [False, True], ids=["derived", "own-url"])
def test_every_link_between_the_files_of_a_bilingual_site_resolves(own_url: bool) -> None:
    """Every relative link in every page (indexes, appeal pages in both languages, plain text
    links, feeds in <head>) leads to a file the channels wrote."""
    osian = _osian()
    if own_url:
        (tr,) = osian.translations
        url = type(osian.url)("https://www.example.police.uk/newyddion/osian/")
        osian = osian.model_copy(update={"translations": (tr.model_copy(update={"url": url}),)})
    files = _site([osian, _leah()])
    if own_url:
        assert "newyddion/osian/index.html" in files and "newyddion/osian/index.txt" in files
        (card, _) = _cards(_doc(files, "cy/index.html"))
        href = card.xpath(".//h3/a/@href")[0]
        assert _resolve("cy/index.html", href) == "newyddion/osian/index.html"
    broken: list[tuple[str, str]] = []
    checked: set[str] = set()
    for path in files:
        if not path.endswith(".html") or path.endswith("404.html"):
            continue
        doc = _doc(files, path)
        for href in doc.xpath("//a/@href | //link[not(@rel='canonical')][not(@hreflang)]/@href"):
            if href.startswith(("http:", "https:", "tel:", "sms:", "mailto:", "#")):
                continue
            target = _resolve(path, href)
            checked.add(target)
            if target not in files and not target.startswith("assets/"):
                broken.append((path, href))
    assert broken == []
    # Both languages' pages of the site's own, and the plain text beside each appeal page.
    assert {
        "cy/index.html",
        "cy/safety/index.html",
        "cy/areas/gwynedd/index.html",
        "feeds/cy/areas/gwynedd/rss.xml",
        "index.html",
        "feeds/areas/gwynedd/atom.xml",
        "news/2024/june/missing-leah-example/index.txt",
    } <= checked
    welsh_text = "newyddion/osian/" if own_url else "cy/news/2025/march/missing-osian-example/"
    assert f"{welsh_text}index.txt" in checked


# PUBLISHER_LANGUAGES ---------------------------------------------------------------------------


def test_the_settings_languages_make_the_welsh_site_before_any_appeal_is_in_welsh() -> None:
    context = replace(CTX, languages=("en_GB", "cy_GB"))
    files = _site([_leah()], context)
    assert {"cy/index.html", "cy/areas/derbyshire/index.html", "feeds/cy/rss.xml"} <= files.keys()
    (card,) = _cards(_doc(files, "cy/index.html"))
    assert card.xpath(".//h3/@lang") == ["en-GB"]
    # Without the setting, a site with no Welsh has no Welsh pages, alternates or switch.
    plain = _site([_leah()])
    assert not any(p.startswith(("cy/", "feeds/cy/")) for p in plain)
    assert "language-switch" not in plain["index.html"].content.decode()
    assert b"hreflang" not in plain["index.html"].content


def test_an_empty_bilingual_site_has_empty_indexes_in_both_languages() -> None:
    files = _site([], replace(CTX, languages=("en_GB", "cy_GB")))
    assert "Does dim apeliadau ar hyn o bryd." in files["cy/index.html"].content.decode()
    assert {"feeds/cy/rss.xml", "feeds/cy/atom.xml"} <= files.keys()


# Publishing: no stale Welsh index ---------------------------------------------------------------


def test_publishing_removes_the_welsh_indexes_the_site_no_longer_has(tmp_path: Path) -> None:
    web = WebChannel()
    target = Target(output_dir=tmp_path)
    osian, leah = _osian(), _leah()
    web.publish(web.render_site([osian, leah], CTX), target)
    assert (tmp_path / "cy" / "areas" / "gwynedd" / "index.html").is_file()
    # Osian withdrawn: Gwynedd loses its indexes in both languages; Welsh stays (Leah has
    # none, so the Welsh site goes too).
    withdrawn = osian.model_copy(update={"status": AppealStatus.WITHDRAWN})
    web.publish(web.render_site([withdrawn, leah], CTX), target)
    assert not (tmp_path / "areas" / "gwynedd" / "index.html").exists()
    for gone in (
        "index.html",
        "areas/gwynedd/index.html",
        "areas/derbyshire/index.html",
        "safety/index.html",
        "404.html",
    ):
        assert not (tmp_path / "cy" / gone).exists(), gone
    assert (tmp_path / "index.html").is_file() and (tmp_path / "areas" / "derbyshire").is_dir()


def test_publishing_removes_a_welsh_area_index_whose_last_appeal_went(tmp_path: Path) -> None:
    web = WebChannel()
    target = Target(output_dir=tmp_path)
    osian, leah = _osian(), _leah()
    web.publish(web.render_site([osian, leah], CTX), target)
    web.publish(web.render_site([osian], CTX), target)
    assert not (tmp_path / "cy" / "areas" / "derbyshire" / "index.html").exists()
    assert (tmp_path / "cy" / "areas" / "gwynedd" / "index.html").is_file()
    assert (tmp_path / "cy" / "index.html").is_file()


# Feeds ---------------------------------------------------------------------------------------


def _feed(files: dict[str, OutputFile], path: str) -> Any:
    return lxml.etree.fromstring(files[path].content)


def test_the_welsh_feeds_overall_and_per_area_are_welsh_and_link_the_welsh_pages() -> None:
    files = _site([_osian(), _leah()])
    rss = _feed(files, "feeds/cy/rss.xml")
    assert rss.findtext("channel/language") == "cy-GB"
    assert rss.findtext("channel/title") == "Example appeals (Cymraeg)"
    assert (
        rss.findtext("channel/description") == "Apeliadau, cyngor a newyddion gan Example appeals."
    )
    assert rss.findtext("channel/link") == "https://appeals.example.org/cy/"
    items = rss.findall("channel/item")
    assert [i.findtext("link") for i in items] == [
        "https://appeals.example.org/cy/news/2025/march/missing-osian-example/",
        "https://appeals.example.org/news/2024/june/missing-leah-example/",
    ]
    assert items[0].findtext("title") == "Dyn ar goll: ydych chi wedi gweld Osian?"
    atom = _feed(files, "feeds/cy/atom.xml")
    assert atom.get(XML_LANG) == "cy-GB"
    entries = atom.findall(f"{ATOM}entry")
    # The entry with no Welsh says it is English; the Welsh one is in the feed's language.
    assert [e.get(XML_LANG) for e in entries] == [None, "en-GB"]
    area = _feed(files, "feeds/cy/areas/gwynedd/rss.xml")
    assert area.findtext("channel/title") == "Example appeals: Gwynedd (Cymraeg)"
    assert area.findtext("channel/link") == "https://appeals.example.org/cy/areas/gwynedd/"
    assert area.findtext("channel/description") == (
        "Apeliadau, cyngor a newyddion ar gyfer ardal Gwynedd gan Example appeals."
    )
    # An area with no Welsh appeal has its Welsh feed too, of its English entries.
    derbyshire = _feed(files, "feeds/cy/areas/derbyshire/atom.xml")
    assert [e.get(XML_LANG) for e in derbyshire.findall(f"{ATOM}entry")] == ["en-GB"]
    # The English feeds are as they were: English entries, English pages.
    english = _feed(files, "feeds/rss.xml")
    assert english.findtext("channel/language") == "en-GB"
    assert [i.findtext("link") for i in english.findall("channel/item")] == [
        "https://appeals.example.org/news/2025/march/missing-osian-example/",
        "https://appeals.example.org/news/2024/june/missing-leah-example/",
    ]
    # The Welsh index links its feeds for feed readers.
    links = _doc(files, "cy/index.html").xpath("//head/link[@type]/@href")
    assert [_resolve("cy/index.html", h) for h in links] == [
        "feeds/cy/rss.xml",
        "feeds/cy/atom.xml",
    ]


def test_the_welsh_feeds_pass_the_feed_checks_and_their_bytes_are_stable() -> None:
    appeals = [_osian(), _leah()]
    one = FeedsChannel().render_site(appeals, CTX).files
    two = FeedsChannel().render_site(list(reversed(appeals)), CTX).files
    assert [(f.path, f.content) for f in one] == [(f.path, f.content) for f in two]
    welsh = [f for f in one if f.path.startswith("feeds/cy/")]
    assert len(welsh) == 6
    for item in welsh:
        assert check_feed(item.content, location=CTX.absolute(item.path)) == [], item.path


# The site server ------------------------------------------------------------------------------


def test_the_site_server_answers_an_address_under_cy_with_the_welsh_404_page(
    tmp_path: Path,
) -> None:
    (tmp_path / "404.html").write_text("English", encoding="utf-8")
    assert _not_found_page(tmp_path, "/cy/news/gone/") == tmp_path / "404.html"  # none yet
    (tmp_path / "cy").mkdir()
    (tmp_path / "cy" / "404.html").write_text("Cymraeg", encoding="utf-8")
    assert _not_found_page(tmp_path, "/cy/news/gone/?a=1") == tmp_path / "cy" / "404.html"
    assert _not_found_page(tmp_path, "/cy") == tmp_path / "cy" / "404.html"
    assert _not_found_page(tmp_path, "/news/gone/") == tmp_path / "404.html"
    assert _not_found_page(tmp_path, "/../cy/x") == tmp_path / "404.html"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.police.uk/cy/",
        "https://www.example.police.uk/cy/areas/gwynedd/",
        "https://www.example.police.uk/cy/safety/",
        "https://www.example.police.uk/cy/feeds/x/",
    ],
)
def test_a_welsh_page_where_the_welsh_sites_own_pages_are_is_refused(url: str) -> None:
    osian = _osian()
    (tr,) = osian.translations
    at = osian.model_copy(
        update={"translations": (tr.model_copy(update={"url": type(osian.url)(url)}),)}
    )
    with pytest.raises(BuildError, match="where the site's 'cy' pages are"):
        WebChannel().render(at, CTX)
    # Elsewhere under cy/ is the page's own business.
    fine = type(osian.url)("https://www.example.police.uk/cy/newyddion/osian/")
    ok = osian.model_copy(update={"translations": (tr.model_copy(update={"url": fine}),)})
    assert [f.path for f in WebChannel().render(ok, CTX).files][
        1
    ] == "cy/newyddion/osian/index.html"


# Appeals in one language other than the site's ----------------------------------------------


def test_an_appeal_written_only_in_welsh_is_on_both_homes_and_goes_home_in_welsh() -> None:
    welsh_only = _osian().in_language("cy_GB")
    welsh_only = welsh_only.model_copy(
        update={"url": type(welsh_only.url)("https://www.example.police.uk/newyddion/osian/")}
    )
    files = _site([welsh_only, _leah()])
    assert {"newyddion/osian/index.html", "cy/index.html"} <= files.keys()
    page = _doc(files, "newyddion/osian/index.html")
    crumbs = page.xpath("//nav[@class='breadcrumbs']//a/@href")
    assert [_resolve("newyddion/osian/index.html", h) for h in crumbs] == [
        "cy/index.html",
        "cy/areas/gwynedd/index.html",
    ]
    (on_english, _) = _cards(_doc(files, "index.html"))
    assert on_english.xpath(".//h3/@lang") == ["cy-GB"]
    assert on_english.xpath(".//p[@class='caption']/text()") == ["Missing person (Welsh only)"]
    (on_welsh, _) = _cards(_doc(files, "cy/index.html"))
    assert on_welsh.xpath(".//h3/@lang") == []


@pytest.mark.parametrize("locale", ["x", "zz_ZZ", "en"])
def test_a_locale_naming_no_other_language_makes_no_site_of_its_own(locale: str) -> None:
    """A record's free-form ``locale`` that is no language Babel knows (or the site's own,
    written otherwise) is shown as the site's language, as its page's ``lang`` is."""
    odd = _leah().model_copy(update={"locale": locale})
    files = _site([odd])
    assert not any(p.startswith(f"{locale.lower()}/") for p in files if p != LEAH_EN)
    assert "language-switch" not in files["index.html"].content.decode()
    (card,) = _cards(_doc(files, "index.html"))
    assert card.xpath(".//@lang") == []


def test_publisher_languages_reach_the_render_context() -> None:
    env = {"PUBLISHER_DATA_DIR": "var", "PUBLISHER_LANGUAGES": "en_GB,cy_GB"}
    assert Settings.from_env(env).render_context().languages == ("en_GB", "cy_GB")
    assert Settings.from_env({"PUBLISHER_DATA_DIR": "var"}).render_context().languages == ()
