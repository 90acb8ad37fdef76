"""Counting text messages as GOV.UK Notify does.

The vectors in ``NOTIFY_FRAGMENTS`` and ``NOTIFY_EXTENDED`` are taken from alphagov/
notifications-utils ``tests/test_template_types.py``
(``test_sms_fragment_count_accounts_for_unicode_and_welsh_characters`` and
``test_sms_fragment_count_accounts_for_extended_gsm_characters``); those in ``NOTIFY_SANITISED``
from the behaviour ``notifications_utils/sanitise_text.py`` documents. notifications-utils is
(c) Crown Copyright (Government Digital Service), MIT licence; only the test data (inputs and
expected counts) is reused here, the code under test is our own. The fake Notify server counts
with a second, independent implementation, checked against the same vectors.
"""

from __future__ import annotations

import pytest

from publisher.channels.notify import sms
from tests.support.notifyfake import notify_fragments

NOTIFY_FRAGMENTS = [
    ("à" * 71, 1),  # a Welsh letter that is in GSM
    ("à" * 160, 1),
    ("à" * 161, 2),
    ("à" * 306, 2),
    ("à" * 307, 3),
    ("à" * 612, 4),
    ("à" * 613, 5),
    ("à" * 765, 5),
    ("à" * 766, 6),
    ("à" * 918, 6),
    ("à" * 919, 7),
    ("ÿ" * 70, 1),  # a Welsh letter not in GSM: the message goes as Unicode
    ("ÿ" * 71, 2),
    ("ÿ" * 134, 2),
    ("ÿ" * 135, 3),
    ("ÿ" * 268, 4),
    ("ÿ" * 269, 5),
    ("ÿ" * 402, 6),
    ("ÿ" * 403, 7),
    ("à" * 70 + "ÿ", 2),  # one such letter makes all of it Unicode
    ("🚀" * 160, 1),  # other Unicode is downgraded to "?", a GSM character
    ("🚀" * 161, 2),
]
NOTIFY_EXTENDED = [
    ("^" * 80, 1),
    ("^" * 81, 2),
    ("a" * 158 + "|", 1),
    ("a" * 159 + "|", 2),
    ("a" * 304 + "[", 2),
    ("a" * 304 + "[]", 3),
    ("â" * 69 + "{", 1),  # Unicode: the extension character counts once
    ("â" * 70 + "{", 2),
    ("â" * 133 + "}", 2),
    ("â" * 134 + "}", 3),
]
NOTIFY_SANITISED = [
    ("Café – “quoted” … ok", 'Café - "quoted" ... ok'),
    ("Łódź", "Lódz"),  # Ł from Notify's list, ó is Welsh (kept), ź decomposes to z
    ("Ŵyn ŷ", "Ŵyn ŷ"),  # Welsh letters stay
    ("zero\u200bwidth\u00a0space\ttab", "zerowidth space tab"),
    ("Привет 🚀", "?????? ?"),
]


@pytest.mark.parametrize(("content", "fragments"), NOTIFY_FRAGMENTS + NOTIFY_EXTENDED)
def test_fragments_match_notifys_own_tests(content: str, fragments: int) -> None:
    assert sms.count(content).fragments == fragments
    assert notify_fragments(content)[1] == fragments


@pytest.mark.parametrize(("content", "sent"), NOTIFY_SANITISED)
def test_characters_are_replaced_as_notify_replaces_them(content: str, sent: str) -> None:
    assert sms.sanitise(content) == sent


def test_the_limit_is_918_characters_after_sanitising() -> None:
    assert not sms.count("a" * 918).too_long
    assert sms.count("a" * 919).too_long
    # an ellipsis becomes three full stops, and counts three
    assert sms.count("…" * 306).characters == 918
    assert sms.count("…" * 307).too_long


def test_welsh_decides_the_encoding() -> None:
    assert sms.count("Diolch yn fawr").encoding == "GSM"
    assert sms.count("Pwy sy'n gŵr?").encoding == "Unicode"
    assert sms.count("é à ü").encoding == "GSM"  # in GSM 03.38 already


def test_both_counters_agree_on_mixed_text() -> None:
    samples = [
        "Missing: Sam Example\nExample Shire\nhttps://example.org/a/1\nCall 101",
        "Ar goll: Siân ŵyr — ffoniwch 101 {urgent} €5",
        "~" * 100 + "x" * 100,
        "\u2026" * 400,
    ]
    for text in samples:
        counted = sms.count(text)
        assert (counted.characters, counted.fragments) == notify_fragments(text)
