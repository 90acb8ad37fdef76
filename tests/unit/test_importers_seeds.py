"""The two real seed appeals, end to end, and their golden records.

The seeds are copied from ``../shared/seeds`` into ``tests/fixtures/seeds`` so the suite does
not depend on ``../shared``. The golden records ``tests/golden/seeds/<stem>.record.json`` are
``Appeal.to_json()`` of each seed imported with ``source="seeds/<file name>"``. To regenerate
them after a deliberate change, run::

    PUBLISHER_REGEN_GOLDEN=1 .venv/bin/pytest tests/unit/test_importers_seeds.py

and review the diff (``git diff tests/golden/seeds``) block by block before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher.domain.record import (
    Appeal,
    BulletList,
    Contact,
    ContactKind,
    ContactList,
    Paragraph,
    Quote,
    Span,
    Topic,
)
from publisher.importers import ImportResult, parse_appeal

TESTS = Path(__file__).parents[1]
SEEDS = TESTS / "fixtures" / "seeds"
GOLDEN = TESTS / "golden" / "seeds"
SHARED_SEEDS = Path(__file__).parents[2].parent / "shared" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def _load(stem_prefix: str) -> ImportResult:
    (path,) = [p for p in SEED_FILES if p.name.startswith(stem_prefix)]
    return parse_appeal(path.read_text(encoding="utf-8"), source=f"seeds/{path.name}")


def _spans(appeal: Appeal) -> list[Span]:
    found: list[Span] = []
    for block in appeal.body:
        paragraphs: list[Paragraph] = []
        if isinstance(block, Paragraph):
            paragraphs = [block]
        elif isinstance(block, Quote):
            paragraphs = list(block.paragraphs)
        elif isinstance(block, BulletList | ContactList):
            paragraphs = [*([block.intro] if block.intro else []), *getattr(block, "items", ())]
        for para in paragraphs:
            found.extend(para.spans)
    return found


def _numbers(appeal: Appeal) -> list[tuple[str, str, str]]:
    """Every number in the record, in order: (kind, value, display)."""
    out: list[tuple[str, str, str]] = []
    for block in appeal.body:
        if isinstance(block, ContactList):
            out.extend((c.kind.value, c.value, c.display) for c in block.contacts if c.is_number)
        else:
            out.extend(
                (s.contact.kind.value, s.contact.value, s.contact.display)
                for s in _spans(appeal.model_copy(update={"body": (block,)}))
                if s.contact is not None
            )
    return out


def test_the_fixture_copies_match_shared_seeds() -> None:
    assert len(SEED_FILES) >= 2
    if not SHARED_SEEDS.is_dir():
        pytest.skip(f"{SHARED_SEEDS} is not beside the repository")
    for path in sorted(SHARED_SEEDS.glob("*.txt")):
        assert (SEEDS / path.name).read_bytes() == path.read_bytes(), path.name


def test_seed_000_domestic_abuse_support() -> None:
    result = _load("000_")
    appeal = result.appeal
    assert result.warnings == ()
    assert appeal.title == "Domestic abuse victims urged to seek support"
    assert appeal.organisation == "Derbyshire Constabulary"
    assert appeal.published_at.isoformat() == "2020-04-02T12:53:00+00:00"
    assert '"published_at": "2020-04-02T12:53:00Z"' in appeal.to_json()
    assert appeal.kind.value == "advice"
    assert Topic.DOMESTIC_ABUSE in appeal.inferred_topics
    assert appeal.image is not None and "&w=600&h=300&scale=both" in str(appeal.image.url)
    assert appeal.image.alt is None

    quotes = [b for b in appeal.body if isinstance(b, Quote)]
    (quote,) = quotes
    assert quote.speaker == "DCI Brian Bilby"
    assert quote.role == "from the force's Public Protection Unit"
    assert quote.verb == "said"
    assert len(quote.paragraphs) == 5
    assert quote.paragraphs[0].text.startswith("We know that coronavirus will")
    assert quote.paragraphs[-1].text.endswith("if you or someone else is in danger.")
    after = appeal.body[appeal.body.index(quote) + 1]
    assert isinstance(after, Paragraph) and after.text.startswith("DCI Bilby said that while")

    (contacts,) = [b for b in appeal.body if isinstance(b, ContactList)]
    assert contacts.intro is not None
    assert contacts.intro.text == "In Derbyshire, the following services are available;"
    assert [(c.name, c.value, c.display) for c in contacts.contacts] == [
        ("Derby City Domestic Abuse Service", "+448000853481", "0800 085 3481"),
        ("Derbyshire Domestic Abuse Service", "+448000198668", "0800 019 8668"),
        ("National Domestic Abuse Helpline", "+448082000247", "0808 200 0247"),
        ("Men's Advice Line", "+448088010327", "0808 801 0327"),
        ("National LBGT+ Domestic Abuse Helpline", "+448009995428", "0800 999 5428"),
        ("Rape and Sexual Violence Services", "+441773746115", "01773 746115"),
        ("Sail Derbyshire", "https://sailderbyshire.org.uk", "Sailderbyshire.org.uk"),
    ]
    sail = contacts.contacts[-1]
    assert sail.kind is ContactKind.WEB
    assert sail.note == "a variety of numbers are available via the website Sailderbyshire.org.uk"

    assert _numbers(appeal) == [
        ("phone", "999", "999"),
        ("phone", "+448000853481", "0800 085 3481"),
        ("phone", "+448000198668", "0800 019 8668"),
        ("phone", "+448082000247", "0808 200 0247"),
        ("phone", "+448088010327", "0808 801 0327"),
        ("phone", "+448009995428", "0800 999 5428"),
        ("phone", "+441773746115", "01773 746115"),
        ("phone", "+448001111", "0800 1111"),
        ("phone", "+448088024040", "0808 802 4040"),
    ]
    named = {s.contact.value: s.contact.name for s in _spans(appeal) if s.contact}
    assert named["+448001111"] == "Childline"
    assert named["+448088024040"] == "Respect Phoneline"


def test_seed_001_staying_home_is_not_safe() -> None:
    result = _load("001_")
    appeal = result.appeal
    assert result.warnings == ()
    assert appeal.title == "Advice for when staying home is not safe- #YouAreNotAlone"
    assert appeal.hashtags == ("YouAreNotAlone",)
    assert appeal.published_at.isoformat() == "2020-11-06T07:15:00+00:00"  # GMT in November
    assert appeal.id == "advice-for-when-staying-home-is-not-safe-youarenotalone"
    texts = [b.text for b in appeal.body if isinstance(b, Paragraph)]
    # the standfirst (= og:description) stays; the repeated headline is dropped
    assert texts[0] == appeal.summary
    assert "Advice for when staying home is not safe- #YouAreNotAlone" not in texts

    first, second = [b for b in appeal.body if isinstance(b, Quote)]
    assert (first.speaker, first.role, first.verb) == (
        "Temporary Detective Chief Inspector Brian Bilby",
        "from our Public Protection Unit",
        "said",
    )
    assert len(first.paragraphs) == 2
    assert (second.speaker, second.role, second.verb) == ("T/Ch. Insp. Bilby", None, "added")
    assert second.paragraphs[0].text.endswith("You are not alone.")

    (bullets,) = [b for b in appeal.body if isinstance(b, BulletList)]
    assert bullets.intro is not None and bullets.intro.text.endswith("report this to us:")
    assert len(bullets.items) == 4
    contacts: list[Contact] = [s.contact for i in bullets.items for s in i.spans if s.contact]
    assert [(c.kind.value, c.value, c.display) for c in contacts] == [
        ("phone", "999", "999"),
        ("text", "999", "999"),
        ("phone", "101", "101"),
        ("textphone", "18001101", "18001 101"),
    ]
    assert contacts[3].tel_uri == "tel:18001101"
    assert contacts[1].tel_uri == "sms:999"

    last = appeal.body[-1]
    assert isinstance(last, Paragraph)
    (link,) = [s for s in last.spans if s.href]
    assert link.text == "www.derbyshire.police.uk/advice/advice-and-information/daa/domestic-abuse/"
    assert link.href == "https://" + link.text


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_no_mojibake_or_entities_left(path: Path) -> None:
    record = parse_appeal(path.read_text(encoding="utf-8"), source=path.name).appeal.to_json()
    for bad in ("Â", "&amp;", "&quot;", "&#", "\u00a0", "\u200b", "â€"):
        assert bad not in record, bad


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_golden_record(path: Path) -> None:
    result = parse_appeal(path.read_text(encoding="utf-8"), source=f"seeds/{path.name}")
    actual = result.appeal.to_json()
    golden = GOLDEN / f"{path.stem}.record.json"
    if os.environ.get("PUBLISHER_REGEN_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing: run with PUBLISHER_REGEN_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8")
    # and the golden record reads back as the same appeal
    assert parse_appeal(actual, source="golden.json").appeal == result.appeal
