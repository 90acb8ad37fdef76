"""ImportResult.lines: where each record field came from, and `publisher check` naming it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import MappingProxyType

import pytest
from click.testing import CliRunner

from publisher.domain.record import Appeal, Block, BulletList, ContactList, Quote
from publisher.entrypoints.cli import cli
from publisher.importers import ImportResult, load_appeal, parse_appeal
from publisher.importers.structure import Line, RawBlock, build_body

FIXTURE = Path(__file__).parent.parent / "fixtures" / "lint" / "bad-appeal.md"

SEED = """```yaml
area: Exampleshire
title: Witnesses sought after burglary | Example Police
url: https://example.police.uk/news/witnesses-sought/
hashtags: WitnessAppeal
```

14:05 12/06/2024

Officers are investigating a burglary in Example Road.

Detective Constable Sam Jones, of the Burglary Team, said: "We believe someone saw the van.

"Please come forward, however small the detail."

Things to look out for:
* A white van with a roof rack
* Two men in dark clothing

You can contact us in these ways:

Example Police - 101
Crimestoppers - 0800 555 111
"""

NATIVE = """---
title: Missing teenager from Exampletown
area: Exampleshire
url: https://example.police.uk/news/missing-teen/
published: 09:30 12/06/2024
image:
  url: /img/teen.jpg
  alt: Alex, a teenager with short fair hair
---

Alex, 15, was last seen on Tuesday evening.

> We are worried about Alex and want to know they are safe.
>
> Alex, please get in touch.

— Inspector Pat Lee, Exampletown Police

Alex was wearing:

- a blue hoodie
- black trainers

If you can help, contact:

Example Police - 101
Missing People - 116 000
"""


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the only line of ``text`` containing ``needle``."""
    found = [n for n, line in enumerate(text.split("\n"), start=1) if needle in line]
    assert len(found) == 1, (needle, found)
    return found[0]


def index_of(appeal: Appeal, kind: type[Block]) -> int:
    (index,) = [i for i, block in enumerate(appeal.body) if isinstance(block, kind)]
    return index


def test_seed_lines() -> None:
    result = parse_appeal(SEED, source="seed.txt")
    lines, appeal = result.lines, result.appeal
    quote, bullets, contacts = (index_of(appeal, k) for k in (Quote, BulletList, ContactList))
    assert lines["title"] == line_of(SEED, "title: Witnesses sought") == 3
    assert lines["area"] == 2
    assert lines["url"] == 4
    assert lines["hashtags"] == 5
    assert lines["published_at"] == line_of(SEED, "14:05 12/06/2024") == 8
    assert lines["body[0]"] == line_of(SEED, "Officers are investigating") == 10
    # no summary written: it is the first sentence of the first paragraph, so that line
    assert lines["summary"] == lines["body[0]"]
    assert lines[f"body[{quote}]"] == line_of(SEED, "Sam Jones") == 12
    assert lines[f"body[{quote}].speaker"] == 12
    assert lines[f"body[{quote}].paragraphs[0]"] == 12
    assert lines[f"body[{quote}].paragraphs[1]"] == line_of(SEED, '"Please come forward') == 14
    assert lines[f"body[{bullets}]"] == lines[f"body[{bullets}].intro"] == 16
    assert lines[f"body[{bullets}].items[0]"] == line_of(SEED, "* A white van") == 17
    assert lines[f"body[{bullets}].items[1]"] == line_of(SEED, "* Two men") == 18
    assert lines[f"body[{contacts}].intro"] == line_of(SEED, "contact us in these ways") == 20
    assert lines[f"body[{contacts}].contacts[0]"] == line_of(SEED, "Example Police - 101") == 22
    assert lines[f"body[{contacts}].contacts[1]"] == line_of(SEED, "Crimestoppers") == 23


def test_native_lines() -> None:
    result = parse_appeal(NATIVE, source="native.md")
    lines, appeal = result.lines, result.appeal
    quote, bullets, contacts = (index_of(appeal, k) for k in (Quote, BulletList, ContactList))
    assert lines["title"] == line_of(NATIVE, "title: Missing teenager") == 2
    assert lines["published_at"] == line_of(NATIVE, "published:") == 5
    assert lines["image"] == 6
    assert lines["image.url"] == 7
    assert lines["image.alt"] == line_of(NATIVE, "alt: Alex") == 8
    assert lines["body[0]"] == lines["summary"] == line_of(NATIVE, "was last seen") == 11
    assert lines[f"body[{quote}].paragraphs[0]"] == line_of(NATIVE, "We are worried") == 13
    assert lines[f"body[{quote}].paragraphs[1]"] == line_of(NATIVE, "please get in touch") == 15
    assert lines[f"body[{quote}].speaker"] == line_of(NATIVE, "Pat Lee") == 17
    assert lines[f"body[{bullets}].intro"] == line_of(NATIVE, "Alex was wearing:") == 19
    assert lines[f"body[{bullets}].items[0]"] == line_of(NATIVE, "- a blue hoodie") == 21
    assert lines[f"body[{bullets}].items[1]"] == line_of(NATIVE, "- black trainers") == 22
    assert lines[f"body[{contacts}].contacts[0]"] == line_of(NATIVE, "Example Police") == 26
    assert lines[f"body[{contacts}].contacts[1]"] == line_of(NATIVE, "Missing People") == 27


def test_every_block_and_part_has_a_line() -> None:
    for text in (SEED, NATIVE):
        result = parse_appeal(text, source="x")
        for index, block in enumerate(result.appeal.body):
            key = f"body[{index}]"
            assert key in result.lines
            parts: list[str] = []
            if isinstance(block, Quote):
                parts += [f"paragraphs[{n}]" for n in range(len(block.paragraphs))]
            if isinstance(block, BulletList):
                parts += [f"items[{n}]" for n in range(len(block.items))]
            if isinstance(block, ContactList):
                parts += [f"contacts[{n}]" for n in range(len(block.contacts))]
            if isinstance(block, BulletList | ContactList) and block.intro is not None:
                parts.append("intro")
            for part in parts:
                assert f"{key}.{part}" in result.lines, (key, part)


def test_written_summary_and_seed_quote_continued_after_a_reverse_quote() -> None:
    text = SEED.replace("hashtags: WitnessAppeal\n", "summary: Help us find a van\n").replace(
        "Officers are investigating a burglary in Example Road.",
        '"We need your help," said PC Ann Lee.\n\n"The van was white."',
    )
    result = parse_appeal(text, source="seed.txt")
    assert result.lines["summary"] == line_of(text, "summary:")
    first = result.appeal.body[0]
    assert isinstance(first, Quote)
    assert len(first.paragraphs) == 2
    assert result.lines["body[0].paragraphs[0]"] == line_of(text, "said PC Ann Lee")
    assert result.lines["body[0].paragraphs[1]"] == line_of(text, "The van was white")


def test_lines_are_read_only_and_not_in_the_record() -> None:
    result = parse_appeal(SEED, source="seed.txt")
    assert isinstance(result.lines, MappingProxyType)
    with pytest.raises(TypeError):
        result.lines["title"] = 1  # type: ignore[index]
    given = {"title": 3}
    made = ImportResult(result.appeal, (), given)
    given["title"] = 99
    assert made.lines == {"title": 3}
    assert "lines" not in json.loads(result.appeal.to_json())
    assert ImportResult(result.appeal, ()).lines == {}


def test_json_has_no_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(parse_appeal(SEED, source="seed.txt").appeal.to_json(), encoding="utf-8")
    assert load_appeal(path).lines == {}


def test_load_appeal_keeps_the_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(NATIVE, encoding="utf-8")
    assert load_appeal(path).lines == parse_appeal(NATIVE, source=str(path)).lines


_FINDING = re.compile(
    r"^(?P<file>[^:\n]+):(?:(?P<line>\d+):| \[(?P<field>[^\]]+)\]) "
    r"(?:error|warning): \[(?P<code>[\w-]+)\]"
)


def test_check_names_the_line_of_each_finding() -> None:
    result = CliRunner().invoke(cli, ["check", str(FIXTURE)], catch_exceptions=False)
    text = FIXTURE.read_text(encoding="utf-8")
    found: set[tuple[int, str]] = set()
    for output_line in result.output.splitlines():
        match = _FINDING.match(output_line)
        if match and match.group("line"):
            assert match.group("file").endswith("bad-appeal.md")
            found.add((int(match.group("line")), match.group("code")))
    expected = {
        (line_of(text, "title: URGENT APPEAL"), "block-capitals"),
        (line_of(text, "WE NEED YOUR HELP"), "block-capitals"),
        (line_of(text, "📞"), "emoji"),
        (line_of(text, "summary: We are appealing"), "long-sentence"),
        (line_of(text, "A man in his 40s"), "long-sentence"),
        (line_of(text, "alt: IMG_1234"), "alt-text-meaningless"),
        (line_of(text, "[click here]"), "link-text"),
        (line_of(text, "— DCI Jane Doe"), "abbreviation"),
    }
    assert expected <= found, expected - found
    assert result.exit_code == 1  # the meaningless alt text is an error


def test_check_names_the_field_when_there_is_no_line() -> None:
    result = CliRunner().invoke(cli, ["check", str(FIXTURE)], catch_exceptions=False)
    # the X post is a rendition, not a line of the file: its field is named instead
    assert re.search(r"bad-appeal\.md: \[x\.posts\[0\]\] warning: \[emoji\]", result.output)


def test_check_json_findings_carry_lines() -> None:
    result = CliRunner().invoke(
        cli, ["check", "--format", "json", str(FIXTURE)], catch_exceptions=False
    )
    payload = json.loads(result.output)
    by_field = {f["field"]: f["line"] for f in payload["findings"] if f["code"] != "emoji"}
    text = FIXTURE.read_text(encoding="utf-8")
    assert by_field["title"] == line_of(text, "title: URGENT")
    assert by_field["body[1].paragraphs[0]"] == line_of(text, "WE NEED YOUR HELP")


def test_check_json_input_has_fields_not_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(load_appeal(FIXTURE).appeal.to_json(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)], catch_exceptions=False)
    # findings name the record's own source; a JSON record has no lines, so fields are named
    assert "bad-appeal.md: [title] warning: [block-capitals]" in result.output
    assert "bad-appeal.md: [body[2]] warning: [emoji]" in result.output
    assert not re.search(r"bad-appeal\.md:\d+:", result.output)


def test_build_body_lines_for_merged_lists_and_an_intro_on_the_first_line() -> None:
    raw = [
        RawBlock("paragraph", (Line("Look out for:", 30),)),
        RawBlock("bullets", (Line("a van", 31), Line("a car", 32))),
        RawBlock("bullets", (Line("a bike", 34),)),
        RawBlock(
            "paragraph",
            (
                Line("The following services can help:", 40),
                Line("Example Police - 101", 41),
                Line("Crimestoppers - 0800 555 111", 42),
            ),
        ),
        RawBlock("paragraph", (Line("Victim Support - 0808 16 89 111", 44),)),
    ]
    result = build_body(raw, title="T")
    bullets, contacts = result.blocks
    assert isinstance(bullets, BulletList) and len(bullets.items) == 3
    assert isinstance(contacts, ContactList) and len(contacts.contacts) == 3
    assert dict(result.lines) == {
        "body[0]": 30,
        "body[0].intro": 30,
        "body[0].items[0]": 31,
        "body[0].items[1]": 32,
        "body[0].items[2]": 34,
        "body[1]": 40,
        "body[1].intro": 40,
        "body[1].contacts[0]": 41,
        "body[1].contacts[1]": 42,
        "body[1].contacts[2]": 44,
    }
