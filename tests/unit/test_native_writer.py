"""The native format, written (``publisher.importers.writer``): what the importers make reads back
the same, values cannot break out of the front matter, and the editor's composed file keeps
track of its lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from publisher.domain.record import Appeal, CallToAction, Paragraph, Span
from publisher.importers import load_appeal, parse_appeal
from publisher.importers.writer import (
    body_markdown,
    local_time_text,
    native_document,
    protect_entities,
    write_native,
)

TESTS = Path(__file__).resolve().parents[1]
SEEDS = sorted((TESTS / "fixtures" / "seeds").glob("*.txt"))
LONDON = ZoneInfo("Europe/London")
SKIP = {"revision", "source"}

RICH = """---
title: "Seen <script>alert(1)</script> this man? & more &amp;amp; #Tag"
area: Example <b>Shire</b>
url: https://www.example.police.uk/news/2020/october/rich-appeal/
published: 01:30 25/10/2020
summary: "yes"
image:
  url: https://www.example.police.uk/img/x.jpg
  alt: A man in a *red* coat
hashtags: [FindHim, "Derby_2020"]
topics: [stalking]
campaigns: [autumn-safety]
organisation: Example Constabulary
---

We want to speak to anyone who saw <script>alert(1)</script> on Example Road, **bold** words \
and snake_case_name or 5*3 and `code`.

## A heading with \\*stars\\*

1\\. Not a list, and \\#NotATag but #RealTag and [a link](https://example.org/a_b_) and \
www.example.org/path.

- first item with [text](mailto:someone@example.org)
- second: call Childline on 0800 1111 (free)

DCI Smith, from CID, added: "We need your help.

"Please call us on 101."

> Quoted words with a "mark" inside.

— PC Jones, from the Safer Neighbourhood Team

"A paragraph in quotes after the quote," said PC Jones.

In Derbyshire, the following services are available;

Derby City Domestic Abuse Service - 0800 085 3481
Victim Support - 0808 168 9111 or 0800 1111 (24 hours)
Sail Derbyshire - a variety of numbers are available via the website Sailderbyshire.org.uk
Email us - help@example.org

Fish & chips &copy; at 10:00 &mdash; done. Backslash \\\\ here. Call \
[0800 123 4567](tel:+448001234567) now.
"""


def _content(appeal: Appeal) -> dict[str, object]:
    return appeal.model_dump(mode="json", exclude=SKIP)


def _again(appeal: Appeal) -> Appeal:
    return parse_appeal(write_native(appeal), source="again.md", fmt="native").appeal


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_every_seed_reads_back_the_same_from_its_native_file(seed: Path) -> None:
    appeal = load_appeal(seed).appeal
    assert _content(_again(appeal)) == _content(appeal)


def test_a_native_file_with_every_construct_reads_back_the_same() -> None:
    appeal = parse_appeal(RICH, source="rich.md", fmt="native").appeal
    kinds = {block.type for block in appeal.body}
    assert kinds == {"paragraph", "heading", "bullets", "quote", "contacts"}
    written = write_native(appeal)
    again = parse_appeal(written, source="again.md", fmt="native").appeal
    assert _content(again) == _content(appeal)
    assert write_native(again) == written  # and writing is stable
    # Text the importer took literally stays literal: escaped, never markup.
    assert "\\#NotATag" in written and "1\\. Not a list" in written
    assert "&amp;amp;" in written  # the record holds "&amp;": decoded once, it comes back
    assert "Fish & chips ©" in written  # a plain ampersand is left alone
    assert 'DCI Smith, from CID, added: "We need your help.' in written  # the verb is kept
    assert "Victim Support - 0808 168 9111 (24 hours)" in written


def test_a_call_to_action_becomes_a_paragraph_and_nothing_else_changes() -> None:
    sample = Appeal.from_json((TESTS / "fixtures" / "sample.json").read_text(encoding="utf-8"))
    cta = CallToAction(
        spans=(Span(text="Share this appeal using "), Span(text="#FindSam", hashtag=True))
    )
    appeal = Appeal.model_validate({**sample.model_dump(), "body": (*sample.body[:1], cta)})
    again = _again(appeal)
    assert isinstance(again.body[-1], Paragraph)
    assert again.body[-1].text == cta.text
    assert again.body[0] == appeal.body[0]


def test_a_link_to_another_scheme_keeps_only_its_words() -> None:
    sample = Appeal.from_json((TESTS / "fixtures" / "sample.json").read_text(encoding="utf-8"))
    para = Paragraph(spans=(Span(text="Click "), Span(text="here", href="javascript:alert(1)")))
    appeal = Appeal.model_validate({**sample.model_dump(), "body": (para,)})
    assert "javascript" not in body_markdown(appeal.body)
    assert _again(appeal).body[0] == Paragraph(spans=(Span(text="Click here"),))


@pytest.mark.parametrize(
    "value", ["yes", "123", "2020-10-24", "a: b", "- item", "---", "line\n---\nkey: value", "#x"]
)
def test_no_value_can_become_markup_or_another_key(value: str) -> None:
    document = native_document(
        [
            ("title", value),
            ("area", "Example Shire"),
            ("url", "https://example.org/news/x/"),
            ("published", "09:30 24/10/2020"),
            ("summary", value),
        ],
        "Some text.\n",
    )
    appeal = parse_appeal(document.text, source="x.md", fmt="native").appeal
    assert appeal.title == " ".join(value.split())
    assert appeal.summary == appeal.title
    assert appeal.body[0] == Paragraph(spans=(Span(text="Some text."),))


def test_a_document_knows_the_line_of_each_key_and_of_the_body() -> None:
    document = native_document(
        [("title", "T"), ("image", {"url": "https://example.org/i.jpg", "alt": "A"}), ("x", None)],
        "First line\n\nthird line\n",
    )
    lines = document.text.split("\n")
    assert lines[0] == "---" and lines[1] == "title: T"
    assert document.keys == {"title": (2, 2), "image": (3, 5)}
    assert document.key_at(4) == "image" and document.key_at(1) is None
    assert lines[document.body_line - 1] == "First line"
    assert document.body_line_of(document.body_line + 2) == 3
    assert document.body_line_of(2) is None


def test_times_are_written_to_read_back_the_same_instant() -> None:
    plain = datetime(2020, 10, 24, 8, 30, tzinfo=UTC)
    assert local_time_text(plain, LONDON) == "09:30 24/10/2020"
    # 01:30 happened twice on 25 October 2020; the second one (GMT) needs its offset.
    second = datetime(2020, 10, 25, 1, 30, tzinfo=UTC)
    assert local_time_text(second, LONDON) == "2020-10-25T01:30:00+00:00"
    first = datetime(2020, 10, 25, 0, 30, tzinfo=UTC)
    assert local_time_text(first, LONDON) == "01:30 25/10/2020"
    seconds = datetime(2020, 10, 24, 8, 30, 15, tzinfo=UTC)
    assert local_time_text(seconds, LONDON) == "2020-10-24T09:30:15+01:00"


def test_entities_are_protected_only_where_they_would_be_decoded() -> None:
    assert protect_entities("Fish & chips, AT&T") == "Fish & chips, AT&T"
    assert protect_entities("&amp; &lt;b&gt; &#39;") == "&amp;amp; &amp;lt;b&amp;gt; &amp;#39;"
    assert protect_entities("&nosuchentity;") == "&nosuchentity;"
