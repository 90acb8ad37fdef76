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
