"""Hashtags and URLs as X finds them: twitter-text's conformance cases, and posts that never
change a URL from the record.

The cases are read from twitter-text's own ``extract.yml`` (vendored, unchanged, with its
licence, under ``tests/conformance/twitter-text/``), as the suite asks: not copied into tests.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.channel import RenderContext
from publisher.channels._common import drop_tags
from publisher.channels.x import XChannel, entities
from publisher.channels.x._twitter_text import extract_urls_with_indices, scheme_url_spans
from publisher.channels.x.entities import (
    extract_hashtags,
    extract_urls,
    hashtags_in,
    is_hashtag,
    limit_hashtags,
)
from publisher.channels.x.render import render_posts, render_update_posts
from publisher.channels.x.text import (
    ELLIPSIS,
    _clean_keeping_urls,
    _defuse_tag_openers,
    clean_inline,
    truncate,
    weigh,
)
from publisher.domain import _hashtag_ranges
from publisher.domain.hashtags import (
    HASH_SIGNS,
    SCANNED,
    SPECIAL,
    VARIATION_SELECTORS,
    Ranges,
    hashtag_pattern,
    is_valid_tag,
    scan_unicode,
    unicode_ranges,
)
from publisher.domain.record import Appeal, ContactKind

TESTS = Path(__file__).resolve().parents[1]
CONFORMANCE = TESTS / "conformance" / "twitter-text"
SUITE: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (CONFORMANCE / "extract.yml").read_text(encoding="utf-8")
)["tests"]
SAMPLE = TESTS / "fixtures" / "sample.json"

HASHTAG_SECTIONS = ("hashtags", "hashtags_from_astral", "hashtags_with_indices")
URL_SECTIONS = (
    "urls",
    "urls_with_indices",
    "urls_with_directional_markers",
    "tco_urls_with_params",
)


def _cases(sections: tuple[str, ...]) -> list[Any]:
    return [
        pytest.param(section, case, id=f"{section}-{number}")
        for section in sections
        for number, case in enumerate(SUITE[section])
    ]


# The conformance suite -------------------------------------------------------------------------


def test_the_vendored_suite_is_whole_and_licensed() -> None:
    licence = (CONFORMANCE / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0" in licence
    for section in (*HASHTAG_SECTIONS, *URL_SECTIONS):
        assert SUITE[section], section
    assert sum(len(SUITE[s]) for s in HASHTAG_SECTIONS) >= 70
    assert sum(len(SUITE[s]) for s in URL_SECTIONS) >= 100


@pytest.mark.parametrize(("section", "case"), _cases(HASHTAG_SECTIONS))
def test_hashtags_are_extracted_as_twitter_text_does(section: str, case: dict[str, Any]) -> None:
    found = extract_hashtags(case["text"])
    if section == "hashtags_with_indices":
        got: list[Any] = [{"hashtag": t.text, "indices": [t.start, t.end]} for t in found]
    else:
        got = [t.text for t in found]
    assert got == case["expected"], case["description"]


@pytest.mark.parametrize(("section", "case"), _cases(URL_SECTIONS))
def test_urls_are_extracted_as_twitter_text_does(section: str, case: dict[str, Any]) -> None:
    found = extract_urls(case["text"])
    if section in ("urls_with_indices", "urls_with_directional_markers"):
        got: list[Any] = [{"url": u.text, "indices": [u.start, u.end]} for u in found]
    else:
        got = [u.text for u in found]
    assert got == case["expected"], case["description"]


def test_the_unscanned_planes_hold_no_letter_mark_or_digit() -> None:
    scanned = {code for block in SCANNED for code in block}
    for code in range(0x110000):
        if code in scanned:
            continue
        category = unicodedata.category(chr(code))
        assert category[0] not in "LM" and category != "Nd", hex(code)


STORED = Path(_hashtag_ranges.__file__)


def _stored_module_text(letters: Ranges, numerals: Ranges) -> str:
    """The source of ``publisher/domain/_hashtag_ranges.py`` for these ranges."""

    def table(name: str, runs: Ranges) -> str:
        lines, row = [f"{name}: Ranges = ("], ""
        for first, last in runs:
            item = f"(0x{first:X}, 0x{last:X}), "
            if len(row) + len(item) > 95:
                lines.append("    " + row.rstrip())
                row = ""
            row += item
        lines.append("    " + row.rstrip())
        return "\n".join([*lines, ")"])

    return (
        '"""Hashtag letters and numerals for one Unicode version, as\n'
        ":func:`publisher.domain.hashtags.scan_unicode` finds them (generated: do not edit).\n\n"
        "Scanning Unicode takes a noticeable part of a second, which every process that reads or\n"
        "renders a hashtag would pay. ``tests/unit/test_x_entities.py`` checks this table\n"
        "against a scan; to write it again (another Python's Unicode, or new rules), run\n"
        "``PUBLISHER_REGEN_GOLDEN=1 .venv/bin/pytest tests/unit/test_x_entities.py -k stored``.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        "from typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n"
        "    from publisher.domain.hashtags import Ranges\n\n"
        f'UNIDATA_VERSION = "{unicodedata.unidata_version}"\n\n'
        "# fmt: off\n"
        f"{table('LETTERS', letters)}\n"
        f"{table('NUMERALS', numerals)}\n"
        "# fmt: on\n"
    )


def test_the_stored_hashtag_ranges_are_this_pythons_scan() -> None:
    scanned = scan_unicode()
    if os.environ.get("PUBLISHER_REGEN_GOLDEN") == "1":
        STORED.write_text(_stored_module_text(*scanned), encoding="utf-8")
    if unicodedata.unidata_version == _hashtag_ranges.UNIDATA_VERSION:
        assert STORED.read_text(encoding="utf-8") == _stored_module_text(*scanned)
        assert scanned == (_hashtag_ranges.LETTERS, _hashtag_ranges.NUMERALS)
    # stored or (for another Unicode version) scanned now, the answer is this Python's
    assert unicode_ranges() == scanned


def _pattern_in_one_pass() -> str:
    """The hashtag pattern as it was first built: one pass over the code points, adding each
    to the class bodies it belongs to (an independent oracle for :func:`hashtag_pattern`)."""
    bodies: dict[str, list[str]] = {"letter": [], "numeral": [], "before": []}
    runs: dict[str, list[int]] = {name: [] for name in bodies}

    def close(name: str) -> None:
        if runs[name]:
            first, last = re.escape(chr(runs[name][0])), re.escape(chr(runs[name][-1]))
            bodies[name].append(first if len(runs[name]) == 1 else f"{first}-{last}")
            runs[name] = []

    def add(name: str, code: int) -> None:
        if runs[name] and runs[name][-1] != code - 1:
            close(name)
        runs[name].append(code)

    for code in itertools.chain(*SCANNED):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        category = unicodedata.category(char)
        if category[0] in "LM":
            add("letter", code)
        elif category == "Nd" or char in SPECIAL:
            add("numeral", code)
        else:
            continue
        if char not in VARIATION_SELECTORS:
            add("before", code)
    for name in bodies:
        close(name)
    letter, numeral, before = ("".join(bodies[name]) for name in ("letter", "numeral", "before"))
    return (
        rf"(?<![&{before}])[{HASH_SIGNS}](?![\ufe0f\u20e3])"
        rf"([{numeral}]*[{letter}][{letter}{numeral}]*)"
    )


def test_the_hashtag_pattern_is_the_one_pass_pattern() -> None:
    assert hashtag_pattern().pattern == _pattern_in_one_pass()


# What the issue reported -------------------------------------------------------------------------


def test_cleaning_a_line_never_changes_a_url() -> None:
    assert clean_inline("see https://example.org/cafe\u0301 now") == (
        "see https://example.org/cafe\u0301 now"
    )
    assert clean_inline("cafe\u0301 https://example.org/a\u200bbc") == (
        "caf\u00e9 https://example.org/a bc"
    )
    assert clean_inline("a\u202e b") == "a b"


_ASCII_LINE = st.lists(
    st.one_of(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12),
        st.sampled_from(
            ["https://example.org/a-", "www.x.co.uk/p?q=1", "derbyshire.police.uk", " ", "#Tag"]
        ),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_ASCII_LINE)
def test_the_ascii_shortcut_cleans_a_line_as_the_url_keeping_path_does(line: str) -> None:
    single = re.sub(r"\s+", " ", drop_tags(line))
    assert clean_inline(line) == _defuse_tag_openers(_clean_keeping_urls(single))


@pytest.mark.parametrize(
    "url", ["http://example.org/a-", "http://example.org/view/slug-url-?foo=bar", "https://x.org/b"]
)
def test_a_shortened_line_never_trims_the_end_of_a_url(url: str) -> None:
    kept = f"Find out more at {url}"  # twitter-text keeps a URL's final "-"
    text = f"{kept} and share this appeal with your friends and family, please."
    shortened = truncate(text, weigh(kept + ELLIPSIS))
    assert shortened == kept + ELLIPSIS
    assert [u.text for u in extract_urls(shortened)] == [url]
    # Words, not URLs, still lose a trailing comma.
    assert truncate("Call us, today or tomorrow", weigh("Call us,…")) == "Call us…"


def test_a_hash_inside_a_url_is_not_a_hashtag_and_the_url_is_never_changed() -> None:
    text = (
        "Help us find Sam #FindSam #Exampletown #MissingPerson, read "
        "https://www.example.police.uk/missing/#how-to-help and share."
    )
    assert hashtags_in(text) == ["FindSam", "Exampletown", "MissingPerson"]
    limited, demoted = limit_hashtags(text, 2)
    assert demoted == ["MissingPerson"]
    assert "https://www.example.police.uk/missing/#how-to-help" in limited
    assert " MissingPerson," in limited


@pytest.mark.parametrize(
    "tag",
    [
        "ਪੰਜਾਬੀ",  # Gurmukhi (Indic): vowel signs are marks
        "தமிழ்",  # Tamil, with a virama
        "ශ්‍රීලංකා",  # Sinhala, with a zero-width joiner
        "עַל־יְדֵי",  # Hebrew, points and maqaf
        "il·lusió",  # Catalan middle dot
        "Ċaoiṁín",
    ],
)
def test_hashtags_in_every_script_are_whole(tag: str) -> None:
    assert hashtags_in(f"Share #{tag} today") == [tag]
    limited, demoted = limit_hashtags(f"#A #B #{tag} end", 2)
    assert demoted == [tag]
    assert limited == f"#A #B {tag} end"  # the whole tag kept, only its '#' gone


@pytest.mark.parametrize("text", ["#_", "#122", "#1_2", "#〃", "A#B", "&#39", "#tag#more"])
def test_what_is_not_a_hashtag(text: str) -> None:
    assert hashtags_in(text) == []
    assert not is_hashtag(text.lstrip("#"))


def test_record_hashtags_x_would_not_link_are_refused_and_good_ones_posted() -> None:
    from pydantic import ValidationError

    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["hashtags"] = ["122", "_", "Exampletown"]
    with pytest.raises(ValidationError, match="'122' is not one X would link"):
        Appeal.model_validate(data)
    data["hashtags"] = ["Exampletown"]
    posts = render_posts(Appeal.model_validate(data)).posts
    assert "#Exampletown" in posts[0].text


# No post ever changes a URL from the record ------------------------------------------------------

URLS = [
    "https://www.example.police.uk/missing/#how-to-help",
    "https://www.example.police.uk/appeal?ref=412&day=11#top",
    "http://example.org/a-",
    "https://example.org/path,with,commas",
    "https://en.wikipedia.org/wiki/Primer_(film)",
    "www.example.police.uk/report/#form",
    "https://t.co/abcde12345",
    "https://example.org/caf\u0065\u0301",  # decomposed é: kept as written
]
WORDS = ["Sam", "#FindSam", "#Exampletown", "#More", "call", "101", "now,", "seen", "—", "#122"]


def _texts(appeal: Appeal) -> list[str]:
    texts = [appeal.title, appeal.summary]
    for block in appeal.body:
        dumped = block.model_dump()
        texts.extend(str(v) for v in _strings(dumped))
    return texts


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _record_urls(appeal: Appeal) -> set[str]:
    found = {str(appeal.url)}
    for text in _texts(appeal):
        found.update(url.text for url in extract_urls(text))
    found.update(c.value for c in appeal.contacts if c.kind is ContactKind.WEB)
    return found


def _words(most: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS + URLS), min_size=1, max_size=most).map(" ".join)


@settings(
    max_examples=30,
    deadline=None,  # no timed tests on a shared machine
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    title=_words(5),
    summary=_words(10),
    paragraphs=st.lists(_words(10), min_size=1, max_size=4),
    resolution=_words(24),  # long enough to be shortened to fit one post
)
def test_no_post_ever_changes_a_url_from_the_record(
    title: str, summary: str, paragraphs: list[str], resolution: str
) -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data.update(title=title, summary=summary)
    data["body"] = [{"type": "paragraph", "spans": [{"text": text}]} for text in paragraphs] + data[
        "body"
    ]
    appeal = Appeal.model_validate(data)
    allowed = _record_urls(appeal)
    rendition = XChannel().render(appeal, RenderContext())
    resolved = Appeal.model_validate(
        {**appeal.model_dump(), "status": "resolved", "resolution": resolution}
    )
    allowed |= {url.text for url in extract_urls(resolution)}
    for posts in (
        rendition.posts,
        render_update_posts(appeal).posts,
        render_posts(resolved).posts,
        render_update_posts(resolved).posts,
    ):
        for post in posts:
            for url in extract_urls(post.text):
                assert url.text in allowed, (url.text, post.text)


@pytest.mark.parametrize(
    "tag",
    ["FindSam", "מצאו_את_שרה", "खोजें", "Catalunya·Sí", "👨\u200d👩", "Sam2020", "_Sam"],
)
def test_the_record_and_the_importers_take_the_hashtags_x_links(tag: str) -> None:
    """One rule everywhere: a hashtag X links is one the record accepts and the importers find."""
    from publisher.importers.inline import find_hashtags

    x_links = is_hashtag(tag)
    assert is_valid_tag(tag) == x_links
    if x_links:
        assert find_hashtags(f"Share this: #{tag} now") == [tag]


@pytest.mark.parametrize("tag", ["122", "_", "Find Sam", "Find-Sam", ""])
def test_the_record_refuses_what_x_would_not_link(tag: str) -> None:
    from pydantic import ValidationError

    sample = json.loads((TESTS / "fixtures" / "sample.json").read_text(encoding="utf-8"))
    assert not is_valid_tag(tag)
    with pytest.raises(ValidationError, match="not one X would link"):
        Appeal.model_validate({**sample, "hashtags": [tag]})


def test_the_importers_keep_a_hash_in_an_address_out_of_the_hashtags() -> None:
    from publisher.importers.inline import find_hashtags

    text = "See https://www.example.police.uk/missing/#how-to-help and #FindSam, #122 or #_."
    assert find_hashtags(text) == ["FindSam"]


def _hashtags_after_every_url(text: str) -> list[str]:
    """twitter-text's rule done the long way: every hashtag and every URL found, overlapping
    entities removed by start (hashtags first when both start together)."""
    from publisher.domain.hashtags import END_OF_HASHTAG, hashtag_pattern

    tags = [
        (m.start(), m.end(), m.group(1), 0)
        for m in hashtag_pattern().finditer(text)
        if not END_OF_HASHTAG.match(text, m.end())
    ]
    urls = [(u.start, u.end, u.text, 1) for u in extract_urls(text)]
    kept: list[tuple[int, int, str, int]] = []
    for entity in sorted([*tags, *urls], key=lambda e: (e[0], e[3])):
        if kept and entity[0] < kept[-1][1]:
            continue
        kept.append(entity)
    return [e[2] for e in kept if e[3] == 0]


_PIECES = [
    "#FindSam",
    "#FindSam.",
    "＃KeepSafe",
    "#how-to-help",
    "#tag#more",
    "https://www.example.police.uk/missing/#how-to-help",
    "example.police.uk/#FindSam",
    "police.uk#FindSam",
    "http://x.org/a#b.c",
    "www.example.com",
    "call 101.",
    "Sam",
    "&#39",
    "a.b",
    "#1",
    "é",
    "://",
]
_GLUE = ["", " ", "\n", "\t", ".", ",", "/", "\u00a0", "\u3000", "#", "(", ")"]


@settings(max_examples=3_000, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_GLUE)), max_size=8))
def test_hashtags_found_without_a_url_search_are_twitter_texts(
    parts: list[tuple[str, str]],
) -> None:
    """extract_hashtags skips the URL search when no hashtag has a "." near it: the same
    hashtags, in the same places, as with every URL found and overlaps removed."""
    text = "".join(piece + glue for piece, glue in parts)
    assert hashtags_in(text) == _hashtags_after_every_url(text)
    _, demoted = limit_hashtags(text, 1)
    assert demoted == _hashtags_after_every_url(text)[1:]


_URL_PIECES = [
    "https://www.example.police.uk/news/a/",
    "http://a.co",
    "HTTPS://EXAMPLE.COM/X?y=1",
    "https://t.co/abcdefghij",
    "https://t.co/" + "a" * 45,
    "https://例え.jp/",
    "police.uk/x",
    "www.example.police.uk",
    "@sam",
    "#tag",
    "(",
    ")",
    "/",
    ":",
    ".",
    "-",
    "\u202a",
    "é",
    "\r",
    "\t",
    " ",
    "",
    "word",
]


@settings(max_examples=2_000, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_URL_PIECES), st.sampled_from(["", " ", "\n", "\n\n"])),
        max_size=10,
    ).map(lambda parts: "".join(piece + glue for piece, glue in parts))
)
def test_scheme_url_spans_are_the_librarys(text: str) -> None:
    expected = [tuple(url["indices"]) for url in extract_urls_with_indices(text, False)]
    assert scheme_url_spans(text) == expected


_TAG_PIECES = [
    "#tag",
    "#Find_Sam",
    "＃全角",
    "#122",
    "&#39;",
    "a#b",
    "✌\ufe0f#tag",
    "#tag#more",
    "#http://x.co",
    "https://example.police.uk/a#how-to-help",
    "example.police.uk/#frag",
    "x.co#tag",
    "é",
    ".",
    "\r",
    "",
]


@settings(max_examples=2_000, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_TAG_PIECES), st.sampled_from(["", " ", "\n", "\n\n", "\t"])),
        max_size=10,
    ).map(lambda parts: "".join(piece + glue for piece, glue in parts))
)
def test_hashtags_found_line_by_line_are_those_of_the_whole_text(text: str) -> None:
    whole = list(entities._line_hashtags.__wrapped__(text))  # one search over the whole text
    assert extract_hashtags(text) == whole
