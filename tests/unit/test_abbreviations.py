"""Ranks and abbreviations: the matcher finds real uses, ignores look-alikes, expands once."""

from __future__ import annotations

import pytest

from publisher.domain.abbreviations import ABBREVIATIONS, expand_first_use, find_abbreviations


def _expand(text: str) -> str:
    return expand_first_use(text, set())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DCI Brian Bilby said", "Detective Chief Inspector (DCI) Brian Bilby said"),
        ("T/Ch. Insp. Bilby added", "Temporary Chief Inspector (T/Ch. Insp.) Bilby added"),
        ("T/DCI Bilby", "Temporary Detective Chief Inspector (T/DCI) Bilby"),
        ("A/Sgt Ann Lee", "Acting Sergeant (A/Sgt) Ann Lee"),
        ("PC Smith", "Police Constable (PC) Smith"),
        ("PC 1234 Smith", "Police Constable (PC) 1234 Smith"),
        ("said DC Jones", "said Detective Constable (DC) Jones"),
        ("DS Patel", "Detective Sergeant (DS) Patel"),
        ("Sgt Ali", "Sergeant (Sgt) Ali"),
        ("Insp. Kaur", "Inspector (Insp.) Kaur"),
        ("Insp Kaur", "Inspector (Insp) Kaur"),
        ("Det Insp Moss", "Detective Inspector (Det Insp) Moss"),
        ("DI Moss", "Detective Inspector (DI) Moss"),
        ("Ch Insp Reed", "Chief Inspector (Ch Insp) Reed"),
        ("Ch. Insp. Reed", "Chief Inspector (Ch. Insp.) Reed"),
        ("Supt Hale", "Superintendent (Supt) Hale"),
        ("Ch Supt Hale", "Chief Superintendent (Ch Supt) Hale"),
        ("Det Supt Hale", "Detective Superintendent (Det Supt) Hale"),
        ("ACC Rowe", "Assistant Chief Constable (ACC) Rowe"),
        ("DCC Rowe", "Deputy Chief Constable (DCC) Rowe"),
        ("our PCSO team", "our Police Community Support Officer (PCSO) team"),
        ("contact CID", "contact Criminal Investigation Department (CID)"),
        ("the LGBT+ Helpline", "the lesbian, gay, bisexual and trans (LGBT+) Helpline"),
        # The seed's typo is expanded, and shown corrected.
        ("National LBGT+ Abuse", "National lesbian, gay, bisexual and trans (LGBT+) Abuse"),
        ("an emergency SMS service", "an emergency text message (SMS) service"),
    ],
)  # fmt: skip
def test_expands_each_rank_and_term(text: str, expected: str) -> None:
    assert _expand(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Our PCs were stolen.",  # inside a longer token
        "a new PC for the office",  # ambiguous rank not before a name
        "in Washington DC Smith met",  # after a proper noun
        "DC Police said",  # before an organisation's name
        "DIRECT action, Di and Dina",  # inside words, other case
        "the emergencySMSservice",  # glued to other letters
        "see https://example.org/news?rank=DCI for more",  # inside an address
        "mail dci@example.org or DCI@example.org",  # inside an e-mail address
        "call 999 on the PS5",
        "ps and dci in lower case",
    ],
)
def test_leaves_look_alikes_alone(text: str) -> None:
    assert find_abbreviations(text) == []
    assert _expand(text) == text


def test_first_use_only_across_texts_sharing_a_seen_set() -> None:
    seen: set[str] = set()
    first = expand_first_use("DCI Brian Bilby, from the Public Protection Unit", seen)
    second = expand_first_use("DCI Bilby said that DCI work continues", seen)
    assert first == "Detective Chief Inspector (DCI) Brian Bilby, from the Public Protection Unit"
    assert second == "DCI Bilby said that DCI work continues"
    assert seen == {"DCI"}


def test_spelt_out_rank_does_not_count_as_expanding_the_abbreviation() -> None:
    text = "Temporary Detective Chief Inspector Brian Bilby said. T/Ch. Insp. Bilby added."
    assert _expand(text) == (
        "Temporary Detective Chief Inspector Brian Bilby said. "
        "Temporary Chief Inspector (T/Ch. Insp.) Bilby added."
    )


def test_already_expanded_is_not_expanded_again() -> None:
    text = "Detective Chief Inspector (DCI) Jane Doe. Later DCI Doe."
    [first, second] = find_abbreviations(text)
    assert first.expanded and not second.expanded
    assert _expand(text) == text


def test_typo_and_correct_form_share_one_first_use() -> None:
    seen: set[str] = set()
    expand_first_use("National LBGT+ Helpline", seen)
    assert expand_first_use("LGBT+ people", seen) == "LGBT+ people"


def test_match_reports_positions_and_expansion() -> None:
    text = "Thanks to PC Ann Lee and T/DCI Bilby."
    matches = find_abbreviations(text)
    assert [(m.abbr, m.expansion, m.key) for m in matches] == [
        ("PC", "Police Constable", "PC"),
        ("T/DCI", "Temporary Detective Chief Inspector", "T/DCI"),
    ]
    for match in matches:
        assert text[match.start : match.end] == match.abbr


def test_longest_form_wins() -> None:
    [match] = find_abbreviations("Det Supt Hale")
    assert (match.abbr, match.expansion) == ("Det Supt", "Detective Superintendent")


def test_sentence_final_full_stop_is_kept() -> None:
    assert _expand("We spoke to Supt.") == "We spoke to Superintendent (Supt.)."


def test_every_table_form_is_found_before_a_name() -> None:
    for entry in ABBREVIATIONS:
        written = entry.key
        matches = find_abbreviations(f"said {written} Smith")
        assert [m.expansion for m in matches] == [entry.expansion], written
