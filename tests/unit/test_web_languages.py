"""The web channel's own words in the page's language (gettext catalogues, Babel dates).

English is the source; Welsh has a catalogue (``publisher/locale/cy/LC_MESSAGES/web.po``); a
new language is a new catalogue, which a test adds in a temporary folder.
"""

from __future__ import annotations

import json
import posixpath
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from babel.messages.pofile import read_po

from publisher.bootstrap import build_registry
from publisher.channel import RenderContext, i18n
from publisher.channels.web import WebChannel, human_time
from publisher.domain.record import AppealStatus
from publisher.errors import BuildError
from publisher.importers import load_appeal
from publisher.settings import Settings
from tests.unit.test_web_channel import CTX, page_of, sample, welsh

REPO = Path(__file__).resolve().parents[2]
LOCALE = REPO / "publisher" / "locale"
LONDON = ZoneInfo("Europe/London")


def _catalogue(language: str) -> dict[str, str]:
    with (LOCALE / language / "LC_MESSAGES" / "web.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str)}


def _english_words() -> set[str]:
    """Our English words that Welsh writes otherwise (not names such as "Atom" or "am")."""
    return {en for en, cy in _catalogue("cy").items() if en != cy and "%(" not in en}


def _texts_outside_english(doc: Any) -> list[str]:
    """Every visible text of the body (and the aria labels and alt text), leaving out any
    part marked ``lang="en"`` (a record's English words on a Welsh page)."""
    texts: list[str] = []
    for element in doc.xpath("//body//*[not(ancestor-or-self::*[starts-with(@lang, 'en')])]"):
        if element.tag in ("script", "style"):
            continue
        texts += [t.strip() for t in element.xpath("./text()") if t.strip()]
        texts += [str(v) for v in element.xpath("./@aria-label | ./@alt | ./@title")]
    return texts


def _record_words(appeal: Any) -> str:
    return appeal.to_json()


# Dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "english", "welsh"),
    [
        (
            datetime(2020, 4, 2, 13, 53, tzinfo=LONDON),
            "2 April 2020, 1:53pm",
            "2 Ebrill 2020, 1:53pm",
        ),
        (
            datetime(2021, 2, 1, 12, 0, tzinfo=LONDON),
            "1 February 2021, midday",
            "1 Chwefror 2021, canol dydd",
        ),
        (
            datetime(2022, 6, 9, 0, 0, tzinfo=LONDON),
            "9 June 2022, midnight",
            "9 Mehefin 2022, canol nos",
        ),
        (
            datetime(2023, 12, 25, 7, 0, tzinfo=LONDON),
            "25 December 2023, 7am",
            "25 Rhagfyr 2023, 7am",
        ),
    ],
)
def test_dates_are_in_the_pages_language(moment: datetime, english: str, welsh: str) -> None:
    assert human_time(moment) == english
    with i18n.chrome(i18n.chrome_for("cy-GB")):
        assert human_time(moment) == welsh
    assert human_time(moment) == english  # the language is the block's only


# The Welsh page -----------------------------------------------------------------------------


def test_a_welsh_page_is_welsh_with_no_english_words_of_ours() -> None:
    appeal = welsh()
    text, doc = page_of(appeal)
    assert doc.xpath("/html/@lang") == ["cy-GB"]
    assert ' lang="en"' not in text  # nothing of ours is left English
    english = _english_words()
    record = _record_words(appeal)
    found = [
        t
        for t in _texts_outside_english(doc)
        if t not in record and any(w == t or (" " in w and w in t) for w in english)
    ]
    assert found == []
    for welsh_words in ("Neidio i’r prif gynnwys", "Gadael y dudalen hon", "Cyhoeddwyd"):
        assert welsh_words in text
    assert "25 Hydref 2020" in text


def test_a_resolved_welsh_page_says_found_in_welsh() -> None:
    appeal = welsh(status="resolved", resolution="Mae Sam wedi cael ei chanfod yn ddiogel.")
    _, doc = page_of(appeal)
    assert doc.xpath("//h2[@class='panel__title']/text()") == ["Wedi’i ganfod"]


def test_a_welsh_site_has_welsh_indexes_safety_and_404_pages() -> None:
    ctx = variant_context(language="cy-GB")
    site = WebChannel().render_site([welsh()], ctx)
    english = _english_words()
    pages = {f.path: f.content.decode("utf-8") for f in site.files if f.path.endswith(".html")}
    assert {"index.html", "safety/index.html", "404.html"} <= pages.keys()
    for path, text in pages.items():
        doc = lxml.html.document_fromstring(text)
        assert doc.xpath("/html/@lang") == ["cy-GB"], path
        leftovers = [
            t
            for t in _texts_outside_english(doc)
            if any(w == t or (" " in w and w in t) for w in english)
            and "Sam" not in t  # the appeals' own words, on their cards
        ]
        assert leftovers == [], path
    assert "Sut i bori’n fwy diogel" in pages["safety/index.html"]
    assert "Heb ddod o hyd i’r dudalen" in pages["404.html"]


def variant_context(**changes: Any) -> RenderContext:
    return replace(CTX, **changes)


def test_an_english_page_is_unchanged_by_the_welsh_catalogue() -> None:
    text, _ = page_of(sample())
    for welsh_words in _catalogue("cy").values():
        if " " in welsh_words:
            assert welsh_words not in text


# A new language is a catalogue ---------------------------------------------------------------


GAELIC = """\
msgid ""
msgstr ""
"Language: gd\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=4; plural=(n==1 || n==11) ? 0 : (n==2 || n==12) ? 1 : "
"(n > 2 && n < 20) ? 2 : 3;\\n"

msgid "Exit this page"
msgstr "Fàg an duilleag seo"

msgid "Skip to main content"
msgstr "Leum chun a’ phrìomh-shusbaint"
"""


def test_a_new_catalogue_in_a_folder_changes_the_chrome_with_no_code(tmp_path: Path) -> None:
    po = tmp_path / "gd" / "LC_MESSAGES" / "web.po"
    po.parent.mkdir(parents=True)
    po.write_text(GAELIC, encoding="utf-8")
    appeal = welsh(locale="gd_GB")
    before = WebChannel().render(appeal, CTX).files[0].content.decode("utf-8")
    after = WebChannel(locale_dir=tmp_path).render(appeal, CTX).files[0].content.decode("utf-8")
    assert "Fàg an duilleag seo" not in before and "Exit this page" in before
    assert "Fàg an duilleag seo" in after and "Leum chun a’ phrìomh-shusbaint" in after
    assert ">Exit this page<" not in after
    # The month comes from Babel's data for the language, not from the catalogue.
    assert "Dàmhair 2020" in after


def test_a_broken_catalogue_is_an_error_naming_its_file(tmp_path: Path) -> None:
    po = tmp_path / "gd" / "LC_MESSAGES" / "web.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "Exit this page"\nnot a keyword\nmsgstr "x"\n', encoding="utf-8")
    with pytest.raises(BuildError, match=r"gd/LC_MESSAGES/web\.po"):
        WebChannel(locale_dir=tmp_path).render(welsh(locale="gd_GB"), CTX)


def test_a_translation_that_loses_a_placeholder_is_an_error(tmp_path: Path) -> None:
    po = tmp_path / "gd" / "LC_MESSAGES" / "web.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        '#, python-format\nmsgid "Appeals in %(area)s"\nmsgstr "Ath-thagradh %(sgire)s"\n',
        encoding="utf-8",
    )
    with pytest.raises(BuildError, match=r"web\.po: the translation of 'Appeals in %\(area\)s'"):
        WebChannel(locale_dir=tmp_path).render_site([welsh()], variant_context(language="gd-GB"))


# The catalogues are up to date ----------------------------------------------------------------


def test_the_template_holds_every_string_of_the_sources_and_welsh_translates_them(
    tmp_path: Path,
) -> None:
    """A string added to a template or a view must be extracted (``pybabel extract``, see the
    README) and translated: the committed template matches a fresh extraction, and the Welsh
    catalogue has a translation for each of its messages."""
    fresh = tmp_path / "web.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "--omit-header",
            "--no-location",
            "--sort-output",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=REPO,
        check=True,
    )
    with fresh.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with (LOCALE / "web.pot").open("rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    assert extracted == committed
    with (LOCALE / "cy" / "LC_MESSAGES" / "web.po").open("rb") as handle:
        welsh_catalogue = read_po(handle, locale="cy")
    ids = {m.id for m in welsh_catalogue if m.id}
    assert ids == committed
    untranslated = [
        m.id
        for m in welsh_catalogue
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert untranslated == []
    assert not any(m.fuzzy for m in welsh_catalogue if m.id)


# A bilingual appeal: a page per language ------------------------------------------------------

BILINGUAL = REPO / "tests" / "fixtures" / "bilingual" / "missing-osian-example.md"
EN_PATH = "news/2025/march/missing-osian-example/index.html"
CY_PATH = "cy/news/2025/march/missing-osian-example/index.html"


def _bilingual_pages() -> dict[str, str]:
    registry = build_registry(Settings.from_env({"PUBLISHER_DATA_DIR": "var"}))
    appeal = load_appeal(BILINGUAL).appeal
    rendition = registry.get("web").render(appeal, registry.context)
    return {f.path: f.content.decode("utf-8") for f in rendition.files}


def test_a_bilingual_appeal_builds_a_page_per_language_linked_both_ways() -> None:
    pages = _bilingual_pages()
    assert list(pages) == [EN_PATH, CY_PATH]
    en = lxml.html.document_fromstring(pages[EN_PATH])
    cy = lxml.html.document_fromstring(pages[CY_PATH])
    assert en.xpath("/html/@lang") == ["en-GB"] and cy.xpath("/html/@lang") == ["cy-GB"]
    en_url = "https://www.example.police.uk/news/2025/march/missing-osian-example/"
    cy_url = "https://www.example.police.uk/cy/news/2025/march/missing-osian-example/"
    for doc in (en, cy):
        alternates = {
            str(link.get("hreflang")): str(link.get("href"))
            for link in doc.xpath("//head/link[@rel='alternate'][@hreflang]")
        }
        assert alternates == {"en-GB": en_url, "cy-GB": cy_url, "x-default": en_url}
    assert en.xpath("//link[@rel='canonical']/@href") == [en_url]
    assert cy.xpath("//link[@rel='canonical']/@href") == [cy_url]
    # The visible switch: the other language, named in itself, marked with its language.
    (to_cy,) = en.xpath("//nav[@class='language-switch']//a")
    assert (to_cy.text, to_cy.get("lang"), to_cy.get("hreflang")) == ("Cymraeg", "cy-GB", "cy-GB")
    assert posixpath.normpath(posixpath.join(posixpath.dirname(EN_PATH), to_cy.get("href"))) == (
        CY_PATH
    )
    (to_en,) = cy.xpath("//nav[@class='language-switch']//a")
    assert (to_en.text, to_en.get("lang"), to_en.get("hreflang")) == ("English", "en-GB", "en-GB")
    assert posixpath.normpath(posixpath.join(posixpath.dirname(CY_PATH), to_en.get("href"))) == (
        EN_PATH
    )
    assert cy.xpath("//nav[@class='language-switch']/@aria-label") == ["Iaith"]
    # Open Graph and JSON-LD say which language each page is in.
    for doc, own, other in ((en, "en_GB", "cy_GB"), (cy, "cy_GB", "en_GB")):
        assert doc.xpath("//meta[@property='og:locale']/@content") == [own]
        assert doc.xpath("//meta[@property='og:locale:alternate']/@content") == [other]
        (ld,) = doc.xpath("//script[@type='application/ld+json']/text()")
        assert json.loads(ld)["inLanguage"] == own.replace("_", "-")
    assert "Dyn ar goll: ydych chi wedi gweld Osian?" in pages[CY_PATH]
    assert "9 Mawrth 2025" in pages[CY_PATH] and "9 March 2025" in pages[EN_PATH]
    # The text channel writes each language's plain text beside its page: both link to it.
    assert en.xpath("//a[@href='index.txt']") != []
    assert cy.xpath("//a[@href='index.txt']") != []


def test_the_welsh_page_of_the_bilingual_appeal_has_no_english_words_of_ours() -> None:
    cy = lxml.html.document_fromstring(_bilingual_pages()[CY_PATH])
    english = _english_words()
    found = [
        t
        for t in _texts_outside_english(cy)
        if any(w == t or (" " in w and w in t) for w in english)
    ]
    assert found == []


def test_a_monolingual_page_has_no_language_switch_or_alternates() -> None:
    text, doc = page_of(sample())
    assert "language-switch" not in text
    assert doc.xpath("//link[@hreflang]") == []
    assert doc.xpath("//meta[@property='og:locale:alternate']") == []


def test_a_withdrawn_bilingual_appeal_removes_both_pages() -> None:
    appeal = load_appeal(BILINGUAL).appeal.model_copy(update={"status": AppealStatus.WITHDRAWN})
    rendition = WebChannel().render(appeal, CTX)
    assert rendition.files == ()
    assert rendition.removals == (EN_PATH, CY_PATH)
