"""The native format: YAML front matter + a small Markdown body."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from publisher.domain.record import (
    AppealKind,
    AppealStatus,
    BulletList,
    ContactList,
    Heading,
    Paragraph,
    Quote,
)
from publisher.errors import RecordInvalid
from publisher.importers import parse_appeal

FRONT = """---
title: Have you seen Sam Example?
area: Example Shire
url: https://www.example.police.uk/news/2020/october/missing-sam/
published: 13:53 02/04/2020
organisation: Example Constabulary
image:
  url: https://www.example.police.uk/img/sam.jpg
  alt: Sam, smiling, with short dark hair.
hashtags: [FindSam]
---
"""


def native(body: str = "Sam is missing.", front: str = FRONT) -> str:
    return f"{front}\n{body}\n"


def _error(text: str) -> RecordInvalid:
    with pytest.raises(RecordInvalid) as info:
        parse_appeal(text, source="a.md", fmt="native")
    return info.value


def test_front_matter_fields() -> None:
    result = parse_appeal(native(), source="a.md")
    appeal = result.appeal
    assert appeal.title == "Have you seen Sam Example?"
    assert appeal.id == "missing-sam"
    assert appeal.published_at == datetime(2020, 4, 2, 12, 53, tzinfo=UTC)
    assert appeal.image is not None and appeal.image.alt == "Sam, smiling, with short dark hair."
    assert appeal.hashtags == ("FindSam",)
    assert appeal.summary == "Sam is missing."
    assert appeal.kind is AppealKind.MISSING_PERSON
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2020-04-02T13:53:00+01:00", datetime(2020, 4, 2, 12, 53, tzinfo=UTC)),
        ("'2020-04-02T13:53:00Z'", datetime(2020, 4, 2, 13, 53, tzinfo=UTC)),
        ("'2020-04-02 13:53'", datetime(2020, 4, 2, 12, 53, tzinfo=UTC)),  # naive = local
        ("2020-01-02T13:53:00", datetime(2020, 1, 2, 13, 53, tzinfo=UTC)),
    ],
)
def test_published_iso_with_or_without_offset(published: str, expected: datetime) -> None:
    front = FRONT.replace("published: 13:53 02/04/2020", f"published: {published}")
    assert parse_appeal(native(front=front), source="a.md").appeal.published_at == expected


def test_all_authoring_fields() -> None:
    front = FRONT.removesuffix("---\n") + (
        "id: sam\nkind: missing-person\nstatus: resolved\nresolution: Sam has been found.\n"
        "topics: [child-abuse]\ncampaigns: [autumn]\nsummary: Find Sam.\ntimezone: Europe/London\n"
        "updated: 2020-04-03T10:00:00+01:00\nlocale: en_GB\n---\n"
    )
    appeal = parse_appeal(native(front=front), source="a.md").appeal
    assert appeal.id == "sam" and appeal.status is AppealStatus.RESOLVED
    assert appeal.resolution == "Sam has been found."
    assert appeal.updated_at == datetime(2020, 4, 3, 9, 0, tzinfo=UTC)
    assert appeal.campaigns == ("autumn",) and appeal.summary == "Find Sam."


def test_markdown_body() -> None:
    body = """We are appealing for help. <b>Raw HTML</b> &amp; stays text.

## What we know

Sam was last seen on [Example Road](https://maps.example.org/road) at 11pm.

You can help:

- Call 101 quoting incident 123.
- If you are deaf, use 18001 101.

> We are worried about Sam.
>
> Please call 999 if you see her.
— DCI Jane Doe, from the Major Crime Unit

> Every share helps.

-- PC Jo Jones

Support is available:

Victim Support - 0808 168 9111

Share with \\#FindSam or #FindSam."""
    appeal = parse_appeal(native(body), source="a.md").appeal
    kinds = [type(b).__name__ for b in appeal.body]
    assert kinds == [
        "Paragraph",
        "Heading",
        "Paragraph",
        "BulletList",
        "Quote",
        "Quote",
        "ContactList",
        "Paragraph",
    ]
    first, heading, link, bullets, quote, quote2, contacts, last = appeal.body
    assert isinstance(first, Paragraph)
    assert first.text == "We are appealing for help. <b>Raw HTML</b> & stays text."
    assert isinstance(heading, Heading) and heading.text == "What we know"
    assert isinstance(link, Paragraph)
    assert [s.href for s in link.spans if s.href] == ["https://maps.example.org/road"]
    assert isinstance(bullets, BulletList) and bullets.intro is not None
    assert [s.contact.value for i in bullets.items for s in i.spans if s.contact] == [
        "101",
        "18001101",
    ]
    assert isinstance(quote, Quote)
    assert (quote.speaker, quote.role) == ("DCI Jane Doe", "from the Major Crime Unit")
    assert [p.text for p in quote.paragraphs] == [
        "We are worried about Sam.",
        "Please call 999 if you see her.",
    ]
    assert isinstance(quote2, Quote) and (quote2.speaker, quote2.role) == ("PC Jo Jones", None)
    assert isinstance(contacts, ContactList) and contacts.intro is not None
    assert isinstance(last, Paragraph) and last.text == "Share with #FindSam or #FindSam."
    assert appeal.hashtags == ("FindSam",)


def test_blockquote_without_attribution_is_an_error_with_its_line() -> None:
    error = _error(native("Intro.\n\n> Words nobody said."))
    assert error.line == 15 and "attribution" in str(error)


def test_hostile_link_scheme_is_an_error() -> None:
    error = _error(native("Click [here](javascript:alert(1)) now."))
    assert error.line == 13 and error.field == "body"


def test_unclosed_front_matter() -> None:
    error = _error("---\ntitle: T\narea: A\n\nBody.\n")
    assert error.line == 1 and "never closed" in str(error)


def test_no_front_matter() -> None:
    assert "front matter" in str(_error("Just a body.\n"))


def test_unknown_field_is_an_error_with_its_line() -> None:
    error = _error(native(front=FRONT.replace("area:", "aera:")))
    assert (error.field, error.line) == ("aera", 3)


def test_missing_fields() -> None:
    assert _error(native(front=FRONT.replace("title: Have you seen Sam Example?\n", ""))).field == (
        "title"
    )
    assert _error(native(front=FRONT.replace("published: 13:53 02/04/2020\n", ""))).field == (
        "published"
    )
    assert _error(native(front=FRONT.replace("area: Example Shire\n", ""))).field == "area"


def test_bad_published_values() -> None:
    error = _error(native(front=FRONT.replace("13:53 02/04/2020", "13:53 31/02/2020")))
    assert (error.line, error.field) == (5, "published")
    assert "31/02/2020 is not a real date" in str(error)
    error = _error(native(front=FRONT.replace("13:53 02/04/2020", "2020-04-02")))
    assert "no time of day" in str(error)
    error = _error(native(front=FRONT.replace("13:53 02/04/2020", "'2020-02-31T10:00'")))
    assert error.line == 5


def test_clock_changes() -> None:
    error = _error(native(front=FRONT.replace("13:53 02/04/2020", "01:30 29/03/2020")))
    assert "does not exist" in str(error)
    result = parse_appeal(
        native(front=FRONT.replace("13:53 02/04/2020", "01:30 25/10/2020")), source="a.md"
    )
    assert result.appeal.published_at == datetime(2020, 10, 25, 0, 30, tzinfo=UTC)
    (warning,) = result.warnings
    assert warning.line == 5 and warning.field == "published"


def test_image_as_a_plain_url_and_bad_image() -> None:
    front = FRONT.replace(
        "image:\n  url: https://www.example.police.uk/img/sam.jpg\n"
        "  alt: Sam, smiling, with short dark hair.\n",
        "image: https://www.example.police.uk/img/sam.jpg\n",
    )
    image = parse_appeal(native(front=front), source="a.md").appeal.image
    assert image is not None and image.alt is None
    front = FRONT.replace("  url: https://www.example.police.uk/img/sam.jpg\n", "  link: x\n")
    assert _error(native(front=front)).field == "image"
    front = FRONT.replace("https://www.example.police.uk/img/sam.jpg", "ftp://e.org/sam.jpg")
    error = _error(native(front=front))
    assert error.field == "image.url" and error.line == 8


def test_yaml_error_line() -> None:
    error = _error(native(front=FRONT.replace("area: Example Shire", "area: [Example")))
    assert error.line in (3, 4) and "YAML" in str(error)


def test_the_documented_examples_import() -> None:
    """docs/record-format.md's examples are real: they import as the page says."""
    doc = (Path(__file__).parents[2] / "docs" / "record-format.md").read_text(encoding="utf-8")
    native_example = re.search(r"```markdown\n(.*?)\n```\n", doc, re.S)
    assert native_example is not None
    appeal = parse_appeal(native_example.group(1), source="doc.md", fmt="native").appeal
    kinds = [type(b).__name__ for b in appeal.body]
    assert kinds == ["Paragraph", "Heading", "Paragraph", "BulletList", "Quote", "ContactList"]
    assert appeal.kind is AppealKind.MISSING_PERSON
    contacts = appeal.body[-1]
    assert isinstance(contacts, ContactList)
    assert [c.value for c in contacts.contacts] == [
        "116000",
        "https://www.example.police.uk/missing/",
    ]
    seed_example = re.search(r"````\n(```yaml\n.*?)\n````\n", doc, re.S)
    assert seed_example is not None
    seed = parse_appeal(seed_example.group(1), source="doc.txt", fmt="seed").appeal
    assert seed.published_at == datetime(2020, 4, 2, 12, 53, tzinfo=UTC)
    assert seed.image is not None and str(seed.image.url).endswith("?w=600&h=300")


def test_escapes_and_emphasis() -> None:
    body = (
        "\\[not a link\\](x), \\#NotATag, \\*stars\\*, **Call 999** now, _please_, `code`, "
        "5 * 3 * 2, a_b_c@e.org, [the page](https://e.org/_a_) and https://e.org/_b_/.\n\n"
        '\\"Not a quote," said PC Smith.'
    )
    appeal = parse_appeal(native(body), source="a.md").appeal
    first, second = appeal.body
    assert isinstance(first, Paragraph) and isinstance(second, Paragraph)
    assert first.text == (
        "[not a link](x), #NotATag, *stars*, Call 999 now, please, code, 5 * 3 * 2, "
        "a_b_c@e.org, the page and https://e.org/_b_/."
    )
    assert [s.href for s in first.spans if s.href] == [
        "mailto:a_b_c@e.org",
        "https://e.org/_a_",
        "https://e.org/_b_/",
    ]
    assert not any(s.hashtag for s in first.spans)
    assert appeal.hashtags == ("FindSam",)
    assert second.text == '"Not a quote," said PC Smith.'
