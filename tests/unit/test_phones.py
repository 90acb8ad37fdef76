"""Phone numbers: parse_number, find_numbers and grouped."""

from __future__ import annotations

import pickle

import pytest

from publisher.domain.phones import (
    find_numbers,
    grouped,
    leading_number,
    parse_number,
    well_known_name,
)
from publisher.domain.record import Contact, ContactKind


@pytest.mark.parametrize(
    ("written", "value", "display"),
    [
        ("0800 085 3481", "+448000853481", "0800 085 3481"),
        ("0808 8024040", "+448088024040", "0808 802 4040"),
        ("01773 746 115", "+441773746115", "01773 746115"),
        ("0800 1111", "+448001111", "0800 1111"),
        ("0800-085-3481", "+448000853481", "0800 085 3481"),
        ("(01332) 746115", "+441332746115", "01332 746115"),
        ("+44 (0)1332 746115", "+441332746115", "01332 746115"),
        ("+44 1332 746115", "+441332746115", "01332 746115"),
        ("+33 1 23 45 67 89", "+33123456789", "+33 1 23 45 67 89"),
    ],
)
def test_full_numbers_parse_to_e164_and_uk_display(written: str, value: str, display: str) -> None:
    parsed = parse_number(written)
    assert parsed.valid, parsed.problem
    assert (parsed.value, parsed.display, parsed.kind) == (value, display, ContactKind.PHONE)
    assert not parsed.short


@pytest.mark.parametrize(
    ("written", "value", "display"),
    [
        ("999", "999", "999"),
        ("101", "101", "101"),
        ("111", "111", "111"),
        ("112", "112", "112"),
        ("116 000", "116000", "116 000"),
        ("116123", "116123", "116 123"),
    ],
)
def test_short_codes_use_phonenumbers_short_number_data(
    written: str, value: str, display: str
) -> None:
    parsed = parse_number(written)
    assert parsed.valid and parsed.short
    assert (parsed.value, parsed.display) == (value, display)


def test_relay_uk_prefix_makes_a_textphone_number() -> None:
    short = parse_number("18001 101")
    assert (short.kind, short.value, short.display) == (
        ContactKind.TEXTPHONE,
        "18001101",
        "18001 101",
    )
    full = parse_number("18001 0800 085 3481")
    assert (full.kind, full.value, full.display) == (
        ContactKind.TEXTPHONE,
        "1800108000853481",
        "18001 0800 085 3481",
    )
    assert not parse_number("18001 12").valid


@pytest.mark.parametrize("written", ["746115", "07700 900123", "0800 085", "12", "abc", ""])
def test_numbers_that_do_not_parse_are_flagged_not_raised(written: str) -> None:
    parsed = parse_number(written)
    assert not parsed.valid
    assert parsed.problem
    with pytest.raises(ValueError, match="not a phone number"):
        parsed.contact("Someone")


def test_contact_from_a_parsed_number() -> None:
    contact = parse_number("0808 200 0247").contact("National Domestic Abuse Helpline", note="24h")
    assert contact.kind is ContactKind.PHONE
    assert contact.tel_uri == "tel:+448082000247"
    assert contact.note == "24h"
    assert parse_number("999").contact("x", kind=ContactKind.TEXT).tel_uri == "sms:999"


def _found(text: str) -> list[tuple[str, str, str, bool]]:
    return [(text[f.start : f.end], f.value, f.kind.value, f.valid) for f in find_numbers(text)]


def test_find_numbers_in_sentences() -> None:
    text = (
        "If you're in danger call 999. Text REGISTER to 999. Report it by calling 101 or use "
        "our textphone service on 18001 101. Call Childline on 0800 1111, or the Respect "
        "Phoneline, 0808 8024040."
    )
    assert _found(text) == [
        ("999", "999", "phone", True),
        ("999", "999", "text", True),
        ("101", "101", "phone", True),
        ("18001 101", "18001101", "textphone", True),
        ("0800 1111", "+448001111", "phone", True),
        ("0808 8024040", "+448088024040", "phone", True),
    ]


def test_find_numbers_returns_four_tuples_with_extra_attributes() -> None:
    (found,) = find_numbers("Call 0800 085 3481 now.")
    start, end, value, display = found
    assert (start, end, value, display) == (5, 18, "+448000853481", "0800 085 3481")
    assert found.written == "0800 085 3481" and found.valid and found.problem is None
    assert found.kind is ContactKind.PHONE
    assert pickle.loads(pickle.dumps(found)) == found


def test_numbers_that_look_like_numbers_but_do_not_parse_are_flagged() -> None:
    found = find_numbers("Call 07700 900123 or call 7461150 or ring 01773 746.")
    assert [(f.written, f.valid) for f in found] == [
        ("07700 900123", False),
        ("7461150", False),
        ("01773 746", False),
    ]
    assert all(f.problem for f in found)


@pytest.mark.parametrize(
    "text",
    [
        "13:53 02/04/2020",
        "It happened on 5 November 2020 at 11.30pm.",
        "A reward of £1,000 or 0.5 per cent.",
        "On the A38 near junction 28.",
        "Incident 123 of 23 October; crime number 0145/20.",
        "There were 100 people there and 150 cars.",
        "See https://example.org/news/0800123456?id=01332746115 for more.",
        "Between 2019-2020 crime fell.",
    ],
)
def test_things_that_are_not_phone_numbers(text: str) -> None:
    assert find_numbers(text) == []


def test_short_codes_need_a_cue_but_999_and_116_do_not() -> None:
    assert _found("Room 101 is closed.") == []
    assert [f[0] for f in _found("In danger? 999. Samaritans 116 123.")] == ["999", "116 123"]
    assert [f[0] for f in _found("Call 999 or 101.")] == ["999", "101"]


def test_a_number_followed_by_more_digits_is_cut_at_a_group_boundary() -> None:
    assert _found("Call 0800 085 3481 2 times.")[0][:2] == ("0800 085 3481", "+448000853481")


def test_leading_number_for_contact_lines() -> None:
    assert leading_number("101") is not None
    parsed, end = leading_number("0800 085 3481 (24 hours)") or (None, 0)
    assert parsed is not None and parsed.value == "+448000853481" and end == 13
    assert leading_number("a variety of numbers") is None
    assert leading_number("0800 085 3481x") is None


def test_well_known_names() -> None:
    assert well_known_name("101") == "Police non-emergency"
    assert well_known_name("999", ContactKind.TEXT) == "emergencySMS"
    assert well_known_name("18001101", ContactKind.TEXTPHONE) == "Police textphone"
    assert well_known_name("+448000853481") is None


def test_numbers_after_labels_and_dashes() -> None:
    for text in ("Tel:0800 085 3481", "Tel: 0800 085 3481", "Helpline -0800 085 3481"):
        assert [f.value for f in find_numbers(text)] == ["+448000853481"], text


def test_a_number_after_other_digits_is_still_found() -> None:
    assert [f.written for f in find_numbers("In 2019-2020 0800 085 3481 took calls.")] == [
        "0800 085 3481"
    ]
    assert [f.written for f in find_numbers("Aged 34 0800 085 3481")] == ["0800 085 3481"]


def test_unknown_short_codes_need_a_calling_word_right_before_them() -> None:
    assert _found("We called at 100 houses on 100 streets.") == []
    assert [f[0] for f in _found("If in doubt, call 100.")] == ["100"]
    assert [f[0] for f in _found("Please call us on 101.")] == ["101"]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Call 101 quoting crime number 13210632145.", ["101"]),
        ("Call us quoting incident 1234567 of 4 May.", []),
        ("Phone us with your reference number: 45678901.", []),
        ("Call and give log 101 of today.", []),
    ],
)
def test_reference_numbers_are_not_phone_numbers(text: str, numbers: list[str]) -> None:
    assert [f.written for f in find_numbers(text)] == numbers


@pytest.mark.parametrize(
    ("kind", "value", "display", "shown"),
    [
        # Run-together digits are regrouped as people read them...
        ("phone", "+448088024040", "0808 8024040", "0808 802 4040"),
        ("phone", "+448088024040", "08088024040", "0808 802 4040"),
        ("text", "+447700900123", "07700900123", "07700 900123"),
        # ...and a display that already reads well, or that we cannot vouch for, is kept.
        ("phone", "+448000853481", "0800 085 3481", "0800 085 3481"),
        ("phone", "+448000853481", "0800-085-3481", "0800-085-3481"),
        ("phone", "+448001111", "0800 1111", "0800 1111"),
        ("phone", "+448088024040", "0800 0853481", "0800 0853481"),  # other digits
        ("phone", "+33123456789", "+33123456789", "+33123456789"),  # national form drops 33
        ("phone", "+12", "12345", "12345"),  # does not parse
        ("phone", "999", "999", "999"),
        ("phone", "116123", "116 123", "116 123"),
        ("textphone", "18001101", "18001 101", "18001 101"),
        ("textphone", "1800108088024040", "18001 08088024040", "18001 08088024040"),
        ("web", "https://example.org/12345", "example.org/12345", "example.org/12345"),
    ],
)
def test_grouped_is_the_number_as_people_read_it(
    kind: str, value: str, display: str, shown: str
) -> None:
    contact = Contact(name="Someone", kind=ContactKind(kind), value=value, display=display)
    assert grouped(contact) == shown


def test_a_number_in_a_sentence_reads_the_same_on_every_file_channel() -> None:
    """The seed writes the Respect Phoneline as "0808 8024040" in a sentence: web, feeds and
    plain text all show it grouped as people read it, through the one function."""
    from pathlib import Path

    from publisher.bootstrap import build_registry
    from publisher.importers import load_appeal
    from publisher.settings import Settings

    seed = Path(__file__).resolve().parents[1] / "fixtures" / "seeds" / "000_5b8f5bd9f8757259.txt"
    appeal = load_appeal(seed).appeal
    registry = build_registry(Settings.from_env({}))
    shown = {
        name: b"".join(f.content for f in registry.get(name).render(appeal, registry.context).files)
        for name in ("web", "feeds", "text")
    }
    for name, content in shown.items():
        assert b"0808 802 4040" in content, name
        assert b"0808 8024040" not in content, name
