"""The web channel's own words in the page's language (gettext catalogues, Babel dates).

English is the source; Welsh has a catalogue (``publisher/locale/cy/LC_MESSAGES/web.po``); a
new language is a new catalogue, which a test adds in a temporary folder.
"""

from __future__ import annotations

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

from publisher.channel import RenderContext, i18n
from publisher.channels.web import WebChannel, human_time
from publisher.errors import BuildError
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
