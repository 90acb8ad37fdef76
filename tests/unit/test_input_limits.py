"""The limits on input (publisher/importers/limits.py, docs/record-format.md "Limits"): each one
refused with one RecordInvalid naming the file, the line or field and the numbers; what is just
within them imported; and the rewritten text scanners, linear now, finding what the regular
expressions they replace find."""

from __future__ import annotations

import contextlib
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.domain import phones
from publisher.entrypoints.cli import cli
from publisher.errors import RecordInvalid
from publisher.importers import ImportResult, load_appeal, native, parse_appeal
from publisher.importers.bounds import longest_word, read_bounded
from publisher.importers.inline import MARKDOWN_LINK, markdown_links
from publisher.importers.jsonfile import check_depth
from publisher.importers.limits import LIMITS, Limits, describe_size
from tests.support.complexity import assert_linear

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE = json.loads((FIXTURES / "sample.json").read_text(encoding="utf-8"))

SEED = "```yaml\narea: {area}\ntitle: T\nurl: {url}\n{meta}```\n\n13:53 02/04/2020\n\n{body}\n"
NATIVE = (
    "---\ntitle: T\narea: A\nurl: https://e.org/news/x/\npublished: 09:30 24/10/2020\n{meta}"
    "---\n\n{body}\n"
)


def seed(
    body: str = "Body.", *, area: str = "A", url: str = "https://e.org/news/x/", meta: str = ""
) -> str:
    return SEED.format(area=area, url=url, meta=meta, body=body)


def refused(text: str, *, source: str = "x.txt", fmt: Any = None) -> RecordInvalid:
    with pytest.raises(RecordInvalid) as info:
        parse_appeal(text, source=source, fmt=fmt)
    error = info.value
    assert error.file == source
    assert "\n" not in str(error)
    return error


def imported(text: str, *, source: str = "x.txt", fmt: Any = None) -> ImportResult:
    return parse_appeal(text, source=source, fmt=fmt)


def record(**changes: Any) -> str:
    return json.dumps({**SAMPLE, **changes}, indent=2)


def test_the_limits_are_one_frozen_set_of_numbers() -> None:
    assert isinstance(LIMITS, Limits)
    with pytest.raises(AttributeError):
        LIMITS.file_bytes = 2  # type: ignore[misc]
    assert LIMITS.file_bytes == 1_000_000 and LIMITS.depth == 20
    assert describe_size(3_221_225) == "3.2 MB (3,221,225 bytes)"


# --------------------------------------------------------------------------------------------
# The file


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(10_000_000_000)  # 10 GB, sparse: reading it would take minutes
    tracemalloc.start()
    try:
        with pytest.raises(RecordInvalid) as info:
            load_appeal(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, f"{peak:,} bytes held: the file was read"
    assert info.value.file == str(huge)
    assert "the file is 10000.0 MB (10,000,000,000 bytes); the limit is 1 MB" in str(info.value)


def test_the_size_limit_is_inclusive(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"x" * LIMITS.file_bytes)
    assert len(read_bounded(path)) == LIMITS.file_bytes
    path.write_bytes(b"x" * (LIMITS.file_bytes + 1))
    with pytest.raises(RecordInvalid, match=r"1\.0 MB"):
        read_bounded(path)


def test_a_file_longer_than_its_size_is_read_to_the_end() -> None:
    """A file is read at the size it reports, then on to the limit if there is more (a file
    that grows, or one that is not a regular file and reports no size)."""
    proc = Path("/proc/self/status")
    if not proc.is_file() or proc.stat().st_size != 0:
        pytest.skip("needs a file that reports size 0 and has content")
    data = read_bounded(proc)
    assert data.startswith(b"Name:") and data.endswith(b"\n")


def test_text_over_the_size_limit_is_refused() -> None:
    error = refused(seed("é" * 600_000))  # 600,000 characters, 1.2 MB as UTF-8
    assert "the file is 1.2 MB" in str(error)


def test_text_that_cannot_be_written_as_utf8_is_refused() -> None:
    error = refused(seed("a \ud800 b"))
    assert error.line == 9 and "U+D800" in str(error)


def test_too_many_lines() -> None:
    error = refused(seed("\n" * LIMITS.lines))
    assert error.line == LIMITS.lines + 1
    assert f"the file has {LIMITS.lines + 10:,} lines; the limit is 10,000" in str(error)


def test_a_line_too_long() -> None:
    error = refused(seed(meta=f"summary: {'a ' * 2_600}\n"))
    assert error.line == 5 and "the line is 5,209 characters long; the limit is 5,000" in str(error)


def test_a_word_too_long_but_a_long_address_is_fine() -> None:
    error = refused(seed("a-" * 60))
    assert error.line == 9 and "run of 120 characters without a space" in str(error)
    address = "https://e.org/" + "a-" * 500
    assert imported(seed(f"See {address} now.")).appeal.body
    assert longest_word(f"ab (www.e.org/{'a' * 500}) c") == "ab"
    error = refused(seed(f"See https://e.org/{'a' * 2_000} now."))
    assert "web address of 2,014 characters" in str(error)


# --------------------------------------------------------------------------------------------
# The body


def test_too_many_blocks() -> None:
    assert imported(seed("\n\n".join(["P."] * LIMITS.body_blocks)))
    error = refused(seed("\n\n".join(["P."] * (LIMITS.body_blocks + 1))))
    assert error.line == 9 + 2 * LIMITS.body_blocks and error.field == "body"
    assert "more than 500 blocks" in str(error)
    items = "\n".join(["- item"] * (LIMITS.body_blocks + 1))
    assert "more than 500 blocks" in str(refused(NATIVE.format(meta="", body=items), fmt="native"))


def test_too_many_blocks_in_a_record() -> None:
    items = [{"type": "paragraph", "spans": [{"text": "i"}]}] * (LIMITS.body_blocks + 1)
    error = refused(record(body=[{"type": "bullets", "items": items}]), fmt="json")
    assert error.field == "body.0" and error.line is not None


def test_a_paragraph_too_long() -> None:
    lines = "\n".join(["word " * 100] * 6)  # six lines of 500, one paragraph of 3,000
    error = refused(seed(lines))
    assert error.line == 9 and error.field == "body.0"
    assert "the text is 2,999 characters long; the limit is 2,500" in str(error)
    error = refused(NATIVE.format(meta="", body="- " + "word " * 600), fmt="native")
    assert "the list item is" in str(error) and error.line == 8


def test_the_body_too_long() -> None:
    paragraph = "word " * 400
    assert imported(seed("\n\n".join([paragraph] * 9)))  # 18,000 characters
    error = refused(seed("\n\n".join([paragraph] * 11)))
    assert error.line == 29 and "the text of the body is over 20,000 characters" in str(error)


def test_too_many_contacts_and_phone_numbers() -> None:
    contacts = "\n".join(f"Service {i} - 0800 085 {3000 + i}" for i in range(LIMITS.contacts + 1))
    error = refused(seed(contacts))
    assert error.line == 9 + LIMITS.contacts and "more than 100 contacts" in str(error)
    numbers = "\n\n".join(f"Call 0800 085 {3000 + i} now." for i in range(LIMITS.phone_numbers + 1))
    error = refused(seed(numbers))
    assert error.field == "body.100.spans.1" and "more than 100 phone numbers" in str(error)
    within = "\n\n".join(f"Call 0800 085 {3000 + i} now." for i in range(LIMITS.phone_numbers))
    assert imported(seed(within))


def test_too_many_hashtags() -> None:
    tags = " ".join(f"#Tag{i}" for i in range(LIMITS.hashtags + 1))
    error = refused(seed(f"Share {tags}."))
    assert "31 hashtags; the limit is 30" in str(error) and error.field == "hashtags"
    spans = [{"text": f"#T{i}", "hashtag": True} for i in range(LIMITS.hashtags + 1)]
    spans = [part for span in spans for part in (span, {"text": " "})]
    error = refused(record(body=[{"type": "paragraph", "spans": spans}], hashtags=[]), fmt="json")
    assert "more than 30 different hashtags" in str(error)


# --------------------------------------------------------------------------------------------
# Names that become paths


@pytest.mark.parametrize(
    ("make", "field", "words"),
    [
        (lambda: seed(area="a" * 101), "area", "the area's name is 101 characters"),
        (lambda: seed(area="ⅷ" * 30), "area", "the area's short name is 120 characters"),
        (lambda: seed(meta=f"id: {'a' * 101}\n"), "id", "the id is 101 characters"),
        (
            lambda: seed(url=f"https://e.org/{'a' * 101}/news/"),
            "url",
            "a part of the page's path is 101 characters",
        ),
        (
            lambda: seed(url="https://e.org/" + "/".join(["a" * 99] * 11) + "/"),
            "url",
            "the page's path is 1,100 characters",
        ),
        (
            lambda: seed(meta=f"campaigns: [{'a' * 101}]\n"),
            "campaigns.0",
            "the campaign's name is 101 characters",
        ),
        (
            lambda: seed(meta=f"hashtags: [{'a' * 101}]\n"),
            "hashtags.0",
            "the hashtag is 101 characters",
        ),
    ],
)
def test_names_that_become_file_names_are_bounded(
    make: Callable[[], str], field: str, words: str
) -> None:
    error = refused(make())
    assert error.field == field and words in str(error) and error.line is not None


def test_names_in_a_record_are_bounded_too() -> None:
    error = refused(record(id="a" * 101), fmt="json")
    assert error.field == "id" and error.line == 2
    error = refused(record(area="A" * 101), fmt="json")
    assert error.field == "area" and error.line == 9


def test_names_at_the_limits_are_fine(tmp_path: Path) -> None:
    text = seed(area="a" * 100, url=f"https://e.org/news/{'b' * 100}/", meta=f"id: {'c' * 100}\n")
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "areas" / ("a" * 100) / "index.html").is_file()


def test_a_long_area_is_refused_by_check_as_by_build(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(seed(area="a" * 1_000), encoding="utf-8")
    for args in (["check", str(path)], ["build", str(path), "--out", str(tmp_path / "out")]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: {path}:2: [area] the area's name is 1,000")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# YAML and JSON


def test_yaml_aliases_and_anchors_are_refused() -> None:
    error = refused(seed(meta="summary: &s Text\norganisation: *s\n"))
    assert error.line == 5 and "anchors ('&s') are not allowed" in str(error)
    error = refused(NATIVE.format(meta="summary: *s\n", body="B."), fmt="native")
    assert error.line == 6 and "aliases ('*s') are not allowed" in str(error)


def test_yaml_nesting_is_bounded() -> None:
    inside = "[" * (LIMITS.depth - 1) + "x" + "]" * (LIMITS.depth - 1)
    assert imported(seed(meta=f"other: {inside}\n"))  # an unknown key: ignored, with a warning
    error = refused(seed(meta=f"other: [{inside}]\n"))
    assert error.line == 5 and "nested more than 20 deep; the limit is 20" in str(error)
    deep = "\n".join(["[" * 2_000] * 3) + "\n" + "\n".join(["]" * 2_000] * 3)
    assert "nested more than 20 deep" in str(refused(seed(meta=f"other: {deep}\n")))


def test_yaml_values_python_cannot_make_are_yaml_errors() -> None:
    error = refused(NATIVE.format(meta="updated: 2020-02-31T10:00:00\n", body="B."), fmt="native")
    assert error.line == 6 and "day is out of range for month" in str(error)
    error = refused(seed(meta=f"summary: {'9' * 4_400}\n"))
    assert error.line == 5 and "YAML error" in str(error)


def test_json_nesting_is_bounded() -> None:
    check_depth("[" * LIMITS.depth + "]" * LIMITS.depth)
    check_depth('["' + "[" * 100 + '\\"' + "[" * 100 + '"]')  # brackets in strings do not count
    with pytest.raises(RecordInvalid, match="nested more than 20 deep") as info:
        check_depth("{\n" + '"a":' * 0 + "[" * 21 + "]" * 21 + "}", source="x.json")
    assert info.value.line == 2
    error = refused("[" * 100_000 + "]" * 100_000, source="x.json", fmt="json")
    assert error.line == 1


def test_json_numbers_python_cannot_make_are_refused() -> None:
    error = refused(record(revision=int("9" * 100)).replace("9" * 100, "9" * 5_000), fmt="json")
    assert "not valid JSON" in str(error)


# --------------------------------------------------------------------------------------------
# What used to run without bound, now within it


def _fill(unit: str, size: int) -> str:
    text = (unit * (size // len(unit) + 1))[:size]
    return " ".join(text[i : i + 90] for i in range(0, len(text), 90))


_HOSTILE_UNITS = [
    "1 ",
    "1 2 3 4 5 6 7 8, ",
    "0-",
    "a@b.",
    "#a ",
    "*a ",
    "_a ",
    "[",
    "[a](b",
    "a.",
    "PC ",
]


def _hostile_body(unit: str, size: int = 2_400) -> str:
    return "\n\n".join([_fill(unit, size)] * 8)


def _import(body: str, fmt: str) -> None:
    text = seed(body) if fmt == "seed" else NATIVE.format(meta="", body=body)
    with contextlib.suppress(RecordInvalid):  # refused (too many numbers...) is fine too
        parse_appeal(text, source="x", fmt=fmt)


@pytest.mark.parametrize("unit", _HOSTILE_UNITS)
@pytest.mark.parametrize("fmt", ["seed", "native"])
def test_hostile_text_within_the_limits_imports_in_linear_time(unit: str, fmt: str) -> None:
    # Paragraphs at the size limit, made of what once made a scanner quadratic, cost what a
    # quarter of their size costs, four times over: not sixteen.
    assert_linear(
        lambda: _import(_hostile_body(unit, 600), fmt),
        lambda: _import(_hostile_body(unit, 2_400), fmt),
        factor=4,
        what=f"{unit!r} ({fmt})",
    )


def test_relay_uk_prefixes_no_longer_recurse() -> None:
    assert phones.parse_number("(18001) 101").display == "18001 101"
    assert phones.parse_number("1-8001 0800 085 3481").value == "1800108000853481"
    many = phones.parse_number("18001 " * 2_000 + "101")
    assert many.valid and many.value == "18001" * 2_000 + "101"
    bad = phones.parse_number("18001 " * 2_000 + "7")
    assert not bad.valid and bad.problem is not None
    assert bad.problem.count("Relay UK 18001 must be followed by a number") == 2_000


def test_a_number_starts_within_the_first_groups_of_a_run() -> None:
    near = "1234 " * (phones.MAX_RUN_STARTS - 1) + "0800 085 3481"  # 1234… is no number
    assert [f.value for f in phones.find_numbers(near)] == ["+448000853481"]
    far = "1234 " * (phones.MAX_RUN_STARTS + 5) + "0800 085 3481"
    assert phones.find_numbers(far) == []


# --------------------------------------------------------------------------------------------
# The scanners rewritten to run in linear time find what the regular expressions found

EQUIVALENCE = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                *("[", "]", "(", ")", "](", "<", ">", "*", "**", "_", "__", "`", " ", "\n", '"'),
                *("https://", "www.", "a@b.org", "@", ".", "+", "-", "call ", "text ", "on "),
                *("incident ", "crime number ", "ref no. ", "case: ", ". ", "! ", "0800 085 3481"),
                *("101", "999", "18001 ", "x", "Jo", "#t"),
            ]
        ),
        st.text(alphabet='[]()<>*_`"@.+- x0189\n:#', max_size=6),
    ),
    max_size=30,
).map("".join)


@EQUIVALENCE
@given(_TEXT)
def test_markdown_links_are_the_patterns_matches(text: str) -> None:
    def spans(matches: Any) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
        return [(m.span(), m.groupdict()) for m in matches]

    assert spans(markdown_links(text)) == spans(MARKDOWN_LINK.finditer(text))


@EQUIVALENCE
@given(_TEXT)
def test_emphasis_marks_are_dropped_as_the_patterns_drop_them(text: str) -> None:
    expected = text
    for pattern in native._EMPHASIS:
        expected = pattern.sub(r"\1", expected)
    assert native._plain(text) == expected


@EQUIVALENCE
@given(_TEXT)
def test_number_lookups_are_the_patterns(text: str) -> None:
    assert phones._mask_addresses(text) == phones._URLISH.sub(
        lambda m: "\x00" * len(m.group(0)), text
    )
    words = phones._Words(text)
    for start in range(len(text) + 1):
        begin = words.sentence_start(start)
        assert text[begin:start] == phones._sentence_before(text, start)
        if start < len(text) and (text[start].isdigit() or text[start] in "+("):
            sentence = phones._sentence_before(text, start)
            assert words._is_reference(begin, start) == bool(phones._REFERENCE.search(sentence))


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, "[a](b" * 20_000, "*a " * 30_000, "_a " * 30_000, "a" * 200_000 + "@"],
)
def test_the_scanners_are_linear(text: str) -> None:
    def scan(part: str) -> None:
        markdown_links(part)
        native._plain(part)
        phones._mask_addresses(part)

    quarter = text[: len(text) // 4] if not text.endswith("@") else "a" * 50_000 + "@"
    assert_linear(lambda: scan(quarter), lambda: scan(text), factor=4, what=text[:8])


@pytest.mark.parametrize(
    "text",
    [
        "a: 1",
        "a:\n  b:\n    c: [1, {d: [2]}]\n  e: 3",
        "- - - x\n- y",
        "? [a, [b]]\n: {c: {d: e}}",
        "[" * 5 + "]" * 5,
        "",
    ],
)
def test_yaml_nesting_measured_on_nodes_as_on_events(text: str) -> None:
    """A block without anchors or aliases is measured on its composed nodes, not its events:
    the two must agree."""
    import yaml

    from publisher.importers.common import _Loader, _nesting

    depth = deepest = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
    node = yaml.compose(text, Loader=_Loader)
    assert (0 if node is None else _nesting(node)) == deepest


@pytest.mark.parametrize(
    ("text", "texts_only"),
    [
        ("a: b\nc:\n  d: e\n  f: [g, h, {i: j}]", True),
        ("a: b\na: c\nd: e", True),  # a repeated key: its first place, its last value
        ("'1': x\n\"yes\": !!str 5", True),
        ("a: []\nb: {}\nc: ''", True),
        ("a: 1", False),
        ("a: [b, 2020-01-01]", False),
        ("<<: {a: b}\nc: d", False),
        ("a: ~", False),
        ("a: yes", False),
    ],
)
def test_yaml_of_texts_made_as_the_constructor_makes_it(text: str, texts_only: bool) -> None:
    """A block of text, mappings and lists only is made without PyYAML's constructor, with the
    same values; anything else is left to the constructor."""
    import yaml

    from publisher.importers.common import _Loader, _texts_only

    made = _texts_only(yaml.compose(text, Loader=_Loader))
    assert (made is not None) is texts_only
    if made is not None:
        expected = yaml.load(text, Loader=_Loader)
        assert made == expected and list(made) == list(expected)
