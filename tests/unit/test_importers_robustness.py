"""Hostile and odd input: everything either imports or raises RecordInvalid; nothing is lost."""

from __future__ import annotations

import random

import pytest

from publisher.domain.record import ContactList, Paragraph, Quote
from publisher.errors import RecordInvalid
from publisher.importers import parse_appeal
from publisher.importers.structure import Line, RawBlock, build_body, parse_contact_line

META = """```yaml
area: A
title: '{title}'
url: https://e.org/news/x/
```

13:53 02/04/2020

{body}
"""

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "]]> & <![CDATA[",
    "bell\x07 null\x00 esc\x1b[31m",
    "&lt;b&gt;bold&lt;/b&gt;",
    "javascript:alert(1)",
    "‮reversed",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_titles_and_bodies_are_kept_as_text(hostile: str) -> None:
    text = META.format(title=hostile.replace("'", "''"), body=f"Body {hostile} end.")
    appeal = parse_appeal(text, source="h.txt").appeal
    assert appeal.title
    (para,) = appeal.body
    assert isinstance(para, Paragraph)
    assert para.text.startswith("Body ") and para.text.endswith(" end.")
    for char in "\x00\x07\x1b":
        assert char not in appeal.to_json()
    assert all(s.href is None or s.href.startswith("https://") for s in para.spans)


@pytest.mark.parametrize(
    "body",
    [
        '"',
        'PC Smith said: "',
        'PC Smith said: ""',
        "- ",
        " * ",
        "Name - ",
        "#",
        "0",
        "+",
        "Call +44",
        "www.",
        "@",
        "((((",
        '"Only a quote mark at the start',
        "Line one\n - item\n   continued\nLine after",
        "A - 0800 085 3481\n\nB - 0800 085 3481 or\n\nC: www.example.org/x).",
    ],
)
def test_odd_bodies_import_or_fail_cleanly(body: str) -> None:
    try:
        result = parse_appeal(META.format(title="T", body=body), source="o.txt")
    except RecordInvalid as error:
        assert error.file == "o.txt"
        return
    assert result.appeal.body


def test_paragraph_text_is_preserved_through_spans() -> None:
    body = (
        "Call 999, text 07860 022 956, email a@b.org, visit https://e.org/a_(b), "
        "www.e.org or e.org.uk; #Tag #Tag2 (0800 085 3481)."
    )
    appeal = parse_appeal(META.format(title="T", body=body), source="p.txt").appeal
    (para,) = appeal.body
    assert isinstance(para, Paragraph) and para.text == body


def test_reported_speech_with_a_colon_is_not_a_quote() -> None:
    raw = [RawBlock("paragraph", (Line('The court heard that he said: "Go away."', 1),))]
    (block,) = build_body(raw, title="T").blocks
    assert isinstance(block, Paragraph)


def test_a_standfirst_equal_to_the_title_is_kept_once() -> None:
    raw = [
        RawBlock("paragraph", (Line("Stay safe", 1),)),
        RawBlock("paragraph", (Line("Stay safe", 2),)),
        RawBlock("paragraph", (Line("Text.", 3),)),
    ]
    blocks = build_body(raw, title="Stay safe", standfirst="Stay safe").blocks
    assert [b.text for b in blocks if isinstance(b, Paragraph)] == ["Stay safe", "Text."]


def test_several_numbers_on_one_contact_line() -> None:
    contacts = parse_contact_line("Victim Support - 0808 168 9111 or 0800 1111 (24 hours)")
    assert contacts is not None
    assert [(c.name, c.value, c.note) for c in contacts] == [
        ("Victim Support", "+448081689111", "24 hours"),
        ("Victim Support", "+448001111", "24 hours"),
    ]


def test_contact_list_and_quote_line_numbers_in_warnings() -> None:
    body = 'Intro:\n\nA - 0800 085 3481\n\nPC Lee said: "One.\n\nTwo.'
    result = parse_appeal(META.format(title="T", body=body), source="l.txt")
    kinds = [type(b) for b in result.appeal.body]
    assert kinds == [ContactList, Quote, Paragraph]
    (warning,) = result.warnings
    assert warning.line == 13


_TOKENS = (
    '"',
    "“",
    "”",
    "said:",
    "added",
    " ",
    "\n",
    "\n\n",
    " - ",
    ":",
    ";",
    "0800 085 3481",
    "999",
    "101",
    "18001",
    "+44",
    "(0)",
    "#Tag",
    "#",
    "www.",
    "x.org.uk",
    "https://e.org/(a)",
    "a@b.org",
    " * ",
    "- ",
    "• ",
    "1. ",
    ">",
    "— ",
    "--",
    "[x](",
    ")",
    "]",
    "\\",
    "&amp;",
    "Â",
    "\u00a0",
    "\u200b",
    "PC Smith",
    ", of CID,",
    "following",
    "`",
    "_",
    "**",
    "<b>",
    "\t",
    "\r",
    "---",
    "```",
    "{",
    "01:30 25/10/2020",
)


@pytest.mark.parametrize("fmt", ["seed", "native", None])
def test_random_junk_imports_or_raises_record_invalid(fmt: str | None) -> None:
    """A fixed-seed fuzz: whatever the text, the importer answers with an appeal or with
    RecordInvalid, never with another exception."""
    heads = {
        "seed": "```yaml\narea: A\ntitle: T | O\nurl: https://e.org/x/\n```\n\n"
        "13:53 02/04/2020\n\n",
        "native": "---\ntitle: T\narea: A\nurl: https://e.org/x/\npublished: 09:00 01/02/2021\n"
        "---\n\n",
        None: "",
    }
    rnd = random.Random(20201106)
    for _ in range(150):
        body = "".join(rnd.choice(_TOKENS) for _ in range(rnd.randint(1, 30)))
        try:
            result = parse_appeal(heads[fmt] + body, source="f", fmt=fmt)  # type: ignore[arg-type]
        except RecordInvalid as error:
            assert error.file == "f"
        else:
            assert result.appeal.body
