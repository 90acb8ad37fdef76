"""Kind and sensitive-topic inference (publisher.domain.topics)."""

from __future__ import annotations

import pytest

from publisher.domain.record import AppealKind, Topic
from publisher.domain.topics import infer_kind, infer_topics


@pytest.mark.parametrize(
    ("headline", "body", "kind"),
    [
        ("Concern for missing Exampletown man", "", AppealKind.MISSING_PERSON),
        ("Witness appeal after crash", "", AppealKind.WITNESS_APPEAL),
        ("Appeal for information after burglary", "", AppealKind.WITNESS_APPEAL),
        ("Man wanted on recall to prison", "", AppealKind.WANTED),
        ("Domestic abuse victims urged to seek support", "", AppealKind.ADVICE),
        ("Police remind drivers about ice", "", AppealKind.ADVICE),
        ("Advice for when staying home is not safe", "", AppealKind.ADVICE),
        ("Police appeal after shed fire", "", AppealKind.APPEAL),
        ("New station opens", "", AppealKind.NEWS),
        ("Can you help?", "Sam was reported missing on Friday.", AppealKind.MISSING_PERSON),
        ("Can you help?", "We would like to hear from witnesses.", AppealKind.WITNESS_APPEAL),
        ("Do you know this man?", "He is wanted in connection with a theft.", AppealKind.WANTED),
        ("New station opens", "We were urged to attend.", AppealKind.NEWS),  # body: no advice
        ("Dismissing claims", "", AppealKind.NEWS),  # whole words only
    ],
)
def test_infer_kind(headline: str, body: str, kind: AppealKind) -> None:
    assert infer_kind(headline, body) is kind


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("Support for victims of domestic abuse.", (Topic.DOMESTIC_ABUSE,)),
        ("Domestic violence and coercive control.", (Topic.DOMESTIC_ABUSE,)),
        ("Rape and Sexual Violence Services", (Topic.SEXUAL_VIOLENCE,)),
        ("A woman was sexually assaulted.", (Topic.SEXUAL_VIOLENCE,)),
        ("Report stalking to us.", (Topic.STALKING,)),
        ("Harassment is a crime.", ()),  # harassment alone is not stalking
        ("Child sexual exploitation and child abuse.", (Topic.CHILD_ABUSE,)),
        ("Grapes and rapeseed oil were stolen from a domestic kitchen.", ()),
        (
            "Stalking, rape and domestic abuse.",
            (Topic.DOMESTIC_ABUSE, Topic.SEXUAL_VIOLENCE, Topic.STALKING),
        ),
    ],
)
def test_infer_topics(text: str, topics: tuple[Topic, ...]) -> None:
    assert infer_topics([text]) == topics


def test_topic_words_start_every_wording() -> None:
    """Each topic is looked for only in texts holding one of its words: every wording of the
    topic must start with one, or the topic would be missed."""
    from publisher.domain.topics import _TOPIC_WORDS, _TOPICS

    for topic, pattern in _TOPICS:
        inner = pattern.pattern.removeprefix(r"\b(?:").removesuffix(r")\b")
        for wording in inner.split("|"):
            assert wording.startswith(_TOPIC_WORDS[topic]), (topic, wording)


def test_unlowered_characters_are_all_of_them() -> None:
    """A text is lowered to look for a topic's words: the characters a case-insensitive pattern
    matches with an ASCII letter that lowering does not make that letter are searched in full."""
    import re
    import string
    import sys

    from publisher.domain.topics import _UNLOWERED

    odd = {
        char
        for char in map(chr, range(sys.maxunicode + 1))
        if char.lower() not in string.ascii_lowercase
        and re.match(f"[{string.ascii_lowercase}]", char, re.IGNORECASE)
    }
    assert odd == set(_UNLOWERED)


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("Report \u017ftalking to us.", (Topic.STALKING,)),  # long s
        ("CH\u0130LD ABUSE", (Topic.CHILD_ABUSE,)),  # capital I with a dot
        ("STALKING", (Topic.STALKING,)),
        ("DOMESTIC ABUSE", (Topic.DOMESTIC_ABUSE,)),
        ("Child\u00a0abuse", ()),  # the pattern's space is a space
    ],
)
def test_infer_topics_any_case(text: str, topics: tuple[Topic, ...]) -> None:
    assert infer_topics([text]) == topics
