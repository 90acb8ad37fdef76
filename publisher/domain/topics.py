"""What kind of item an appeal is, and which sensitive topics it touches, inferred from its words.

Both are only used when the author did not say (``kind:`` and ``topics:`` in the metadata win).
Inferred topics are stored in ``Appeal.inferred_topics``, apart from the author's ``topics``, so
``publisher inspect`` shows what was guessed.

Kind, first rule that matches the title and summary; then, for the first three rules only, the
body:

=================  ========================================================================
missing-person     "missing" (in the body: "reported missing", "missing from", "gone missing")
witness-appeal     "witness(es)", "appeal for information", "appealing for information"
                   (in the body: "witnesses", "witnessed", "appeal(ing) for information")
wanted             "wanted" (in the body: "wanted in connection with", "wanted on recall")
advice             "advice", "advise", "support", "urge(d)", "urging", "remind(s/ed/er)", "tips"
appeal             "appeal" / "appealing" (a general appeal)
news               anything else
=================  ========================================================================

Topics, anywhere in the title, summary or body (whole words, any case):

=================  ========================================================================
domestic-abuse     domestic abuse, domestic violence, coercive control
sexual-violence    sexual violence, rape, sexual assault, sexually assaulted, sexual offence
stalking           stalking, stalker (harassment alone is not stalking)
child-abuse        child abuse, child sexual abuse, child sexual exploitation, child cruelty
=================  ========================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from publisher.domain.record import AppealKind, Topic

__all__ = ["infer_kind", "infer_topics"]


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


_KIND_HEADLINE: tuple[tuple[AppealKind, re.Pattern[str]], ...] = (
    (AppealKind.MISSING_PERSON, _words("missing")),
    (
        AppealKind.WITNESS_APPEAL,
        _words("witness", "witnesses", r"appeal(?:ing|s)? for information"),
    ),
    (AppealKind.WANTED, _words("wanted")),
    (
        AppealKind.ADVICE,
        _words("advice", "advise", "support", "urged?", "urging", "remind(?:s|ed|er)?", "tips"),
    ),
    (AppealKind.APPEAL, _words("appeal", "appeals", "appealing")),
)
_KIND_BODY: tuple[tuple[AppealKind, re.Pattern[str]], ...] = (
    (
        AppealKind.MISSING_PERSON,
        _words("reported missing", "missing from", "gone missing", "been missing"),
    ),
    (
        AppealKind.WITNESS_APPEAL,
        _words("witnesses", "witnessed", r"appeal(?:ing|s)? for information"),
    ),
    (AppealKind.WANTED, _words("wanted in connection with", "wanted on recall")),
)
_TOPICS: tuple[tuple[Topic, re.Pattern[str]], ...] = (
    (
        Topic.DOMESTIC_ABUSE,
        _words("domestic abuse", "domestic violence", "coercive control(?:ling)?"),
    ),
    (
        Topic.SEXUAL_VIOLENCE,
        _words(
            "sexual violence",
            "rape",
            "raped",
            "sexual assaults?",
            "sexually assaulted",
            "sexual offen[cs]es?",
        ),
    ),
    (Topic.STALKING, _words("stalking", "stalkers?", "stalked")),
    (
        Topic.CHILD_ABUSE,
        _words(
            "child abuse",
            "child sexual abuse",
            "child sexual exploitation",
            "child cruelty",
        ),
    ),
)


def infer_kind(headline: str, body: str = "") -> AppealKind:
    """The kind of an appeal from its title and summary (``headline``) and its ``body``."""
    for kind, pattern in _KIND_HEADLINE:
        if pattern.search(headline):
            return kind
    for kind, pattern in _KIND_BODY:
        if pattern.search(body):
            return kind
    return AppealKind.NEWS


_TOPIC_WORDS: dict[Topic, tuple[str, ...]] = {
    Topic.DOMESTIC_ABUSE: ("domestic ", "coercive control"),
    Topic.SEXUAL_VIOLENCE: ("sexual", "rape"),
    Topic.STALKING: ("stalk",),
    Topic.CHILD_ABUSE: ("child ",),  # not "Childline"
}
"""Words every wording of a topic in :data:`_TOPICS` starts with (a test holds them to it): a
text without one, in lower case, cannot match, so its pattern is not run (a case-insensitive
search tries every position of the text)."""
_UNLOWERED = ("\u0130", "\u0131", "\u017f")
"""The characters a case-insensitive pattern matches with an ASCII letter that lower case does
not make that one letter: capital I with a dot and dotless i (i), long s (s); a test finds them
among every code point. A text with one is searched in full."""


def infer_topics(texts: Iterable[str]) -> tuple[Topic, ...]:
    """The sensitive topics the texts mention, in a fixed order."""
    joined = "\n".join(texts)
    if any(char in joined for char in _UNLOWERED):
        return tuple(topic for topic, pattern in _TOPICS if pattern.search(joined))
    lowered = joined.lower()
    return tuple(
        topic
        for topic, pattern in _TOPICS
        if any(word in lowered for word in _TOPIC_WORDS[topic]) and pattern.search(joined)
    )
