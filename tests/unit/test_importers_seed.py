"""The seed format, on small inline examples: metadata, the date line, errors, clock changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publisher.domain.record import AppealKind, BulletList, ContactList, Paragraph, Quote, Topic
from publisher.errors import RecordInvalid
from publisher.importers import parse_appeal
from publisher.importers.seed import title_and_organisation

META = """```yaml
area: Exampleshire
og:
  description: We are appealing for witnesses after a burglary in Exampletown.
  image: https://www.example.police.uk/img/a.jpg?w=600&amp;h=300
  title: Witness appeal after burglary
  url: https://www.example.police.uk/news/2021/may/witness-appeal-after-burglary/
title: Witness appeal after burglary | Example Police
url: https://www.example.police.uk/news/2021/may/witness-appeal-after-burglary/
```
"""


def seed(body: str = "Officers are investigating.", *, meta: str = META, when: str = "") -> str:
    return f"{meta}\n{when or '13:53 02/04/2020'}\n\n{body}\n"


def test_metadata_title_organisation_url_image_and_id() -> None:
    result = parse_appeal(seed(), source="seeds/x.txt")
    appeal = result.appeal
    assert appeal.title == "Witness appeal after burglary"
    assert appeal.organisation == "Example Police"
    assert appeal.area == "Exampleshire"
    assert str(appeal.url).endswith("/witness-appeal-after-burglary/")
    assert appeal.id == "witness-appeal-after-burglary"
    assert appeal.image is not None
    assert str(appeal.image.url) == "https://www.example.police.uk/img/a.jpg?w=600&h=300"
    assert appeal.image.alt is None  # never invented
    assert appeal.summary == "We are appealing for witnesses after a burglary in Exampletown."
    assert appeal.kind is AppealKind.WITNESS_APPEAL
    assert appeal.source == "seeds/x.txt"
    assert result.warnings == ()


def test_title_from_page_title_when_there_is_no_og_title() -> None:
    meta = "```yaml\narea: A\ntitle: Missing man found | Some Police\nurl: https://e.org/a/b\n```\n"
    appeal = parse_appeal(seed(meta=meta), source="s.txt").appeal
    assert (appeal.title, appeal.organisation, appeal.id) == (
        "Missing man found",
        "Some Police",
        "b",
    )
    assert appeal.summary == "Officers are investigating."
    assert appeal.kind is AppealKind.MISSING_PERSON


def test_id_falls_back_to_the_title_slug() -> None:
    meta = "```yaml\narea: A\ntitle: Café closed — for now\nurl: https://e.org/\n```\n"
    assert parse_appeal(seed(meta=meta), source="s.txt").appeal.id == "cafe-closed-for-now"


def test_optional_authoring_keys() -> None:
    meta = (
        META.removesuffix("```\n")
        + "id: my-id\nkind: wanted\ntopics: [stalking]\nhashtags: [FindHim]\n"
        "image_alt: A red door.\ncampaigns: spring\nsummary: Short.\n"
        "timezone: Europe/Dublin\nupdated: 09:00 03/04/2020\n```\n"
    )
    appeal = parse_appeal(seed(meta=meta), source="s.txt").appeal
    assert appeal.id == "my-id"
    assert appeal.kind is AppealKind.WANTED
    assert appeal.topics == (Topic.STALKING,)
    assert appeal.hashtags == ("FindHim",)
    assert appeal.image is not None and appeal.image.alt == "A red door."
    assert appeal.campaigns == ("spring",)
    assert appeal.summary == "Short."
    assert appeal.timezone == "Europe/Dublin"
    assert appeal.updated_at == datetime(2020, 4, 3, 8, 0, tzinfo=UTC)


def test_bst_date_line_is_stored_in_utc() -> None:
    appeal = parse_appeal(seed(when="13:53 02/04/2020"), source="s.txt").appeal
    assert appeal.published_at == datetime(2020, 4, 2, 12, 53, tzinfo=UTC)
    assert '"published_at": "2020-04-02T12:53:00Z"' in appeal.to_json()


def test_gmt_date_line_and_single_digit_parts() -> None:
    appeal = parse_appeal(seed(when="7:05 6/1/2021"), source="s.txt").appeal
    assert appeal.published_at == datetime(2021, 1, 6, 7, 5, tzinfo=UTC)


def _error(text: str) -> RecordInvalid:
    with pytest.raises(RecordInvalid) as info:
        parse_appeal(text, source="seeds/x.txt", fmt="seed")
    return info.value


def test_impossible_date_names_the_line_and_field() -> None:
    error = _error(seed(when="13:53 31/02/2020"))
    assert str(error) == "seeds/x.txt:12: [published_at] 31/02/2020 is not a real date"
    assert (error.file, error.line, error.field) == ("seeds/x.txt", 12, "published_at")


def test_impossible_time() -> None:
    error = _error(seed(when="25:10 02/04/2020"))
    assert error.line == 12 and "25:10 is not a real time" in str(error)


def test_a_date_line_that_is_not_a_date() -> None:
    error = _error(seed(when="Officers were called at 1am."))
    assert error.line == 12 and error.field == "published_at"
    assert "expected the date line 'HH:MM DD/MM/YYYY'" in str(error)
    error = _error(seed(when="13:53 2020-04-02"))
    assert error.line == 12 and "is not a date and time" in str(error)


def test_missing_date_line() -> None:
    error = _error(META + "\n\n")
    assert error.field == "published_at" and "no date line" in str(error)


def test_unclosed_metadata_block_names_the_line_it_opened_on() -> None:
    error = _error("\n```yaml\narea: A\ntitle: T\n\n13:53 02/04/2020\n\nBody.\n")
    assert error.line == 2
    assert "the ```yaml block opened on line 2 is never closed" in str(error)


def test_a_file_that_does_not_start_with_the_block() -> None:
    error = _error("Just text.\n")
    assert error.line == 1 and "starts with a ```yaml" in str(error)


def test_yaml_syntax_error_names_the_yaml_line() -> None:
    error = _error(
        "```yaml\narea: A\ntitle: [unclosed\nurl: https://e.org/x\n```\n\n13:53 02/04/2020\n\nB."
    )
    assert error.file == "seeds/x.txt"
    assert error.line in (3, 4) and "YAML error" in str(error)


def test_missing_title_names_the_field() -> None:
    meta = "```yaml\narea: A\nurl: https://e.org/x\nog:\n  description: D\n```\n"
    error = _error(seed(meta=meta))
    assert error.field == "title" and error.line == 1 and "no title" in str(error)


def test_missing_area_and_url_name_the_field() -> None:
    assert _error(seed(meta="```yaml\ntitle: T\nurl: https://e.org/x\n```\n")).field == "area"
    assert _error(seed(meta="```yaml\ntitle: T\narea: A\n```\n")).field == "url"


def test_invalid_values_are_translated_with_the_key_line() -> None:
    meta = "```yaml\narea: A\ntitle: T\nurl: not a url\n```\n"
    error = _error(seed(meta=meta))
    assert (error.field, error.line) == ("url", 4)
    meta = "```yaml\narea: A\ntitle: T\nurl: https://e.org/x\nkind: alien\n```\n"
    error = _error(seed(meta=meta))
    assert (error.field, error.line) == ("kind", 5) and "'alien'" in str(error)
    meta = "```yaml\narea: A\ntitle: T\nurl: https://e.org/x\ntopics: [knitting]\n```\n"
    error = _error(seed(meta=meta))
    assert error.field == "topics.0" and error.line == 5
    meta = "```yaml\narea: A\ntitle: T\nurl: https://e.org/x\ntimezone: Mars/Base\n```\n"
    error = _error(seed(meta=meta))
    assert (error.field, error.line) == ("timezone", 5)


def test_metadata_that_is_not_a_mapping() -> None:
    error = _error("```yaml\n- a\n- b\n```\n\n13:53 02/04/2020\n\nBody.")
    assert error.line == 2 and "mapping" in str(error)


def test_unknown_metadata_keys_are_warned_about() -> None:
    meta = META.removesuffix("```\n") + "colour: blue\n```\n"
    result = parse_appeal(seed(meta=meta), source="s.txt")
    (warning,) = result.warnings
    assert warning.field == "colour" and warning.line == 10


def test_empty_body_is_an_error() -> None:
    error = _error(META + "\n13:53 02/04/2020\n\n\n")
    assert error.field == "body"


def test_nonexistent_march_hour_is_an_error() -> None:
    error = _error(seed(when="01:30 29/03/2020"))
    assert error.line == 12 and error.field == "published_at"
    assert "does not exist in Europe/London" in str(error)


def test_ambiguous_october_hour_takes_bst_and_warns() -> None:
    result = parse_appeal(seed(when="01:30 25/10/2020"), source="seeds/x.txt")
    assert result.appeal.published_at == datetime(2020, 10, 25, 0, 30, tzinfo=UTC)
    (warning,) = result.warnings
    assert (warning.file, warning.line, warning.field) == ("seeds/x.txt", 12, "published_at")
    assert "happened twice" in warning.message and "BST" in warning.message


def test_record_timezone_is_used_for_the_date_line() -> None:
    meta = META.removesuffix("```\n") + "timezone: America/New_York\n```\n"
    appeal = parse_appeal(seed(meta=meta, when="13:53 02/04/2020"), source="s.txt").appeal
    assert appeal.published_at == datetime(2020, 4, 2, 17, 53, tzinfo=UTC)


def test_body_lines_are_tracked_in_warnings() -> None:
    body = 'First.\n\nPC Smith said: "It was\n\nquite late.'
    result = parse_appeal(seed(body), source="s.txt")
    (warning,) = result.warnings
    assert warning.line == 16 and "never closed" in warning.message


def test_duplicate_headline_is_dropped_but_its_hashtags_are_kept() -> None:
    meta = (
        "```yaml\narea: A\nog:\n  title: 'Stay safe - #StaySafe'\n  description: Standfirst.\n"
        "url: https://e.org/x\n```\n"
    )
    body = "Standfirst.\n\nStay safe - #StaySafe\n\nMore text #Extra."
    appeal = parse_appeal(seed(body, meta=meta), source="s.txt").appeal
    texts = [b.text for b in appeal.body if isinstance(b, Paragraph)]
    assert texts == ["Standfirst.", "More text #Extra."]
    assert appeal.hashtags == ("StaySafe", "Extra")


def test_entities_and_mojibake_in_body_are_cleaned_once() -> None:
    body = "Fish &amp;amp; chips &amp; more: donâ€™t panic about Âcoronavirus."
    appeal = parse_appeal(seed(body), source="s.txt").appeal
    (para,) = appeal.body
    assert isinstance(para, Paragraph)
    assert para.text == "Fish &amp; chips & more: don’t panic about coronavirus."


def test_crlf_files() -> None:
    text = seed("One.\n\nTwo.").replace("\n", "\r\n")
    appeal = parse_appeal(text, source="s.txt").appeal
    assert [b.text for b in appeal.body if isinstance(b, Paragraph)] == ["One.", "Two."]


def test_soft_wrapped_paragraph_lines_are_joined() -> None:
    appeal = parse_appeal(seed("A sentence that\nwraps here."), source="s.txt").appeal
    (para,) = appeal.body
    assert isinstance(para, Paragraph) and para.text == "A sentence that wraps here."


def test_structure_recovery_in_the_seed_format() -> None:
    body = (
        'DCI Jo Bloggs, from CID, said: "We need help.\n\n"Please call 101."\n\n'
        "Support is available from:\n\nVictim Support - 0808 168 9111\n\n"
        "Childline - 0800 1111\n\nYou can:\n\n * call 999\n * visit www.example.org.\n"
    )
    appeal = parse_appeal(seed(body), source="s.txt").appeal
    kinds = [type(b) for b in appeal.body]
    assert kinds == [Quote, ContactList, BulletList]


def test_inferred_topics_are_a_field() -> None:
    body = "Support for victims of domestic abuse, stalking and rape is available."
    appeal = parse_appeal(seed(body), source="s.txt").appeal
    assert appeal.topics == ()
    assert appeal.inferred_topics == (
        Topic.DOMESTIC_ABUSE,
        Topic.SEXUAL_VIOLENCE,
        Topic.STALKING,
    )
    assert '"inferred_topics": [' in appeal.to_json()
    assert appeal.sensitive


def test_relative_image_address_is_made_absolute() -> None:
    meta = META.replace("https://www.example.police.uk/img/a.jpg?w=600&amp;h=300", "/img/a.jpg")
    appeal = parse_appeal(seed(meta=meta), source="s.txt").appeal
    assert appeal.image is not None
    assert str(appeal.image.url) == "https://www.example.police.uk/img/a.jpg"


def test_numbered_lines_are_a_list_but_a_single_numbered_line_is_not() -> None:
    body = "Steps:\n1. Call 101.\n2) Give the reference.\n\n1. Not a list on its own."
    appeal = parse_appeal(seed(body), source="s.txt").appeal
    bullets, para = appeal.body
    assert isinstance(bullets, BulletList) and bullets.intro is not None
    assert [i.text for i in bullets.items] == ["Call 101.", "Give the reference."]
    assert isinstance(para, Paragraph) and para.text == "1. Not a list on its own."


def test_title_and_organisation() -> None:
    assert title_and_organisation("A | B | Org", None, None) == ("A | B", "Org")
    assert title_and_organisation("A | Org", "Better A", None) == ("Better A", "Org")
    assert title_and_organisation("Plain", None, None) == ("Plain", None)
    assert title_and_organisation(None, "T | Org", "Org") == ("T", "Org")
    assert title_and_organisation(None, None, None) == (None, None)


def test_bullet_marks_are_every_mark_the_pattern_takes() -> None:
    """A line is tried as a bullet item only if it starts (after its spaces) with one of the
    marks: every character the pattern takes as a mark must be one."""
    import sys

    from publisher.importers.seed import _BULLET, _BULLET_MARKS

    taken = {chr(c) for c in range(sys.maxunicode + 1) if _BULLET.match(f" {chr(c)} item")}
    assert taken == set(_BULLET_MARKS)
