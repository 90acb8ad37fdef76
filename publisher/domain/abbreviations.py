"""Police ranks and other abbreviations: the table, a matcher, and first-use expansion.

Shared by the plain-text channel (which expands each abbreviation the first time it appears:
"Detective Chief Inspector (DCI) Brian Bilby", later "DCI Bilby" as written) and by the lint
checks (which report abbreviations a reader may not know).

Matching rules, built for unseen text rather than for the seeds:

- case-sensitive, whole tokens only: "PC" never matches inside "PCs" or "ePC", "DI" never
  inside "DIRECT" or "Di", "SMS" never inside "emergencySMSservice";
- the longest written form wins where forms overlap ("T/Ch. Insp." before "Ch. Insp." before
  "Insp.");
- a rank may carry a "T/" (temporary) or "A/" (acting) prefix, expanded as
  "Temporary …"/"Acting …"; "D/Sgt", "D/Insp", "D/Supt", "C/Insp" and "C/Supt" are ranks
  written with a slash of their own;
- abbreviations that are also ordinary words or place names elsewhere ("PC", "DC", "DI", "DS",
  "PS", "CC", "SC"…) count only directly before a capitalised name (optionally after a collar
  number: "PC 1234 Smith"), and not straight after another capitalised word ("Washington DC
  Smith") or before a word that names an organisation ("DC Police");
- nothing is matched inside a web or e-mail address written in the text;
- a form already followed by its expansion's brackets, "Detective Chief Inspector (DCI)", is
  reported as ``expanded`` and never expanded twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

__all__ = [
    "ABBREVIATIONS",
    "Abbreviation",
    "Match",
    "expand_first_use",
    "find_abbreviations",
]

Kind = Literal["rank", "term"]


@dataclass(frozen=True)
class Abbreviation:
    """One abbreviation: the canonical form, what it stands for, and how it may be written."""

    key: str
    """Canonical form, also the identity used for "seen" sets, e.g. "DCI", "Ch Insp"."""
    expansion: str
    """What it stands for, as it should read in running text."""
    forms: tuple[str, ...]
    """Regular expressions (case-sensitive) for the ways it is written, without boundaries."""
    kind: Kind = "term"
    needs_name: bool = False
    """Ambiguous outside policing: counts only directly before a capitalised name."""
    shown: str | None = None
    """How to show it in brackets when the written form is a known misspelling (LBGT+)."""


@dataclass(frozen=True)
class Match:
    """One abbreviation found in a text: ``text[start:end] == abbr``."""

    start: int
    end: int
    abbr: str
    """As written, e.g. "T/Ch. Insp."."""
    expansion: str
    """What it stands for, e.g. "Temporary Chief Inspector"."""
    key: str = ""
    """The canonical key (prefix included), e.g. "T/Ch Insp": one per abbreviation."""
    expanded: bool = False
    """True when the text already spells it out just before: "… Inspector (DCI)"."""

    @property
    def first_use(self) -> str:
        """How it reads the first time: "Detective Chief Inspector (DCI)"."""
        return f"{self.expansion} ({self.abbr})"


def _dotted(*words: str) -> str:
    """Words of a written abbreviation, each with an optional full stop, spaces optional."""
    return r"\s?".join(re.escape(word) + r"\.?" for word in words)


_RANKS: tuple[Abbreviation, ...] = (
    Abbreviation("PCSO", "Police Community Support Officer", ("PCSO",), "rank"),
    Abbreviation("PC", "Police Constable", ("PC",), "rank", needs_name=True),
    Abbreviation("SC", "Special Constable", ("SC",), "rank", needs_name=True),
    Abbreviation("DC", "Detective Constable", ("DC", _dotted("Det", "Con")), "rank", True),
    Abbreviation("PS", "Police Sergeant", ("PS",), "rank", needs_name=True),
    Abbreviation("Sgt", "Sergeant", (_dotted("Sgt"), _dotted("Sergt")), "rank"),
    Abbreviation("DS", "Detective Sergeant", ("DS",), "rank", needs_name=True),
    Abbreviation("Det Sgt", "Detective Sergeant", (_dotted("Det", "Sgt"), r"D/\s?Sgt\.?"), "rank"),
    Abbreviation("Insp", "Inspector", (_dotted("Insp"),), "rank"),
    Abbreviation("DI", "Detective Inspector", ("DI",), "rank", needs_name=True),
    Abbreviation(
        "Det Insp", "Detective Inspector", (_dotted("Det", "Insp"), r"D/\s?Insp\.?"), "rank"
    ),
    Abbreviation("DCI", "Detective Chief Inspector", ("DCI",), "rank"),
    Abbreviation(
        "Ch Insp",
        "Chief Inspector",
        (_dotted("Ch", "Insp"), _dotted("Chief", "Insp"), r"C/\s?Insp\.?"),
        "rank",
    ),
    Abbreviation(
        "Det Ch Insp", "Detective Chief Inspector", (_dotted("Det", "Ch", "Insp"),), "rank"
    ),
    Abbreviation("Supt", "Superintendent", (_dotted("Supt"),), "rank"),
    Abbreviation(
        "Det Supt",
        "Detective Superintendent",
        (_dotted("Det", "Supt"), r"D/\s?Supt\.?"),
        "rank",
    ),
    Abbreviation("DSupt", "Detective Superintendent", (_dotted("DSupt"),), "rank"),
    Abbreviation("DSU", "Detective Superintendent", ("DSU",), "rank", needs_name=True),
    Abbreviation(
        "Ch Supt",
        "Chief Superintendent",
        (_dotted("Ch", "Supt"), _dotted("Chief", "Supt"), _dotted("C", "Supt"), r"C/\s?Supt\.?"),
        "rank",
    ),
    Abbreviation(
        "Det Ch Supt",
        "Detective Chief Superintendent",
        (_dotted("Det", "Ch", "Supt"), _dotted("Det", "Chief", "Supt")),
        "rank",
    ),
    Abbreviation("DCS", "Detective Chief Superintendent", ("DCS",), "rank", needs_name=True),
    Abbreviation("ACC", "Assistant Chief Constable", ("ACC",), "rank"),
    Abbreviation("DCC", "Deputy Chief Constable", ("DCC",), "rank"),
    Abbreviation("CC", "Chief Constable", ("CC",), "rank", needs_name=True),
    Abbreviation("Cmdr", "Commander", (_dotted("Cmdr"), _dotted("Cdr")), "rank"),
    Abbreviation("Cllr", "Councillor", (_dotted("Cllr"),), "rank"),
)

_TERMS: tuple[Abbreviation, ...] = (
    Abbreviation("CID", "Criminal Investigation Department", ("CID",)),
    Abbreviation("LGBT+", "lesbian, gay, bisexual and trans", (r"LGBT\+", "LGBT")),
    Abbreviation("LGBT+", "lesbian, gay, bisexual and trans", (r"LBGT\+", "LBGT"), shown="LGBT+"),
    Abbreviation("LGBTQ+", "lesbian, gay, bisexual, trans and queer", (r"LGBTQ\+", "LGBTQ")),
    Abbreviation("SMS", "text message", ("SMS",)),
    Abbreviation("DA", "domestic abuse", ("DA",)),
    Abbreviation("ASB", "anti-social behaviour", ("ASB",)),
    Abbreviation("RTC", "road traffic collision", ("RTC",)),
    Abbreviation("CSE", "child sexual exploitation", ("CSE",)),
    Abbreviation("DVPN", "Domestic Violence Protection Notice", ("DVPN",)),
    Abbreviation("DVPO", "Domestic Violence Protection Order", ("DVPO",)),
    Abbreviation("CPS", "Crown Prosecution Service", ("CPS",)),
    Abbreviation("NCA", "National Crime Agency", ("NCA",)),
    # Teams, roles and terms forces use in appeals (their own capitals for names of units).
    Abbreviation("SIO", "senior investigating officer", ("SIO",)),
    Abbreviation("FLO", "family liaison officer", ("FLO",)),
    Abbreviation("PPU", "Public Protection Unit", ("PPU",)),
    Abbreviation("MASH", "Multi-Agency Safeguarding Hub", ("MASH",)),
    Abbreviation("MARAC", "Multi-Agency Risk Assessment Conference", ("MARAC",)),
    Abbreviation("IDVA", "Independent Domestic Violence Adviser", ("IDVA",)),
    Abbreviation("ISVA", "Independent Sexual Violence Adviser", ("ISVA",)),
    Abbreviation("SARC", "Sexual Assault Referral Centre", ("SARC",)),
    Abbreviation("CAIT", "Child Abuse Investigation Team", ("CAIT",)),
    Abbreviation("MIT", "Major Investigation Team", ("MIT",)),
    Abbreviation("RPU", "Roads Policing Unit", ("RPU",)),
    Abbreviation("PSD", "Professional Standards Department", ("PSD",)),
    Abbreviation("IOPC", "Independent Office for Police Conduct", ("IOPC",)),
    Abbreviation("DSI", "death or serious injury", ("DSI",)),
    Abbreviation("PCC", "Police and Crime Commissioner", ("PCC",)),
    Abbreviation("OPCC", "Office of the Police and Crime Commissioner", ("OPCC",)),
    Abbreviation("NPCC", "National Police Chiefs' Council", ("NPCC",)),
    Abbreviation("BTP", "British Transport Police", ("BTP",)),
    Abbreviation("ANPR", "automatic number plate recognition", ("ANPR",)),
    Abbreviation("OCG", "organised crime group", ("OCG",)),
    Abbreviation("CCE", "child criminal exploitation", ("CCE",)),
    Abbreviation("VAWG", "violence against women and girls", ("VAWG",)),
)

ABBREVIATIONS: tuple[Abbreviation, ...] = _RANKS + _TERMS
"""The table. CCTV, UK and the like are left out on purpose: commonly understood as written."""

_PREFIXES = {"T": "Temporary", "A": "Acting"}
# Words that follow an ambiguous form when it is part of an organisation's or place's name.
_NOT_NAMES = frozenset(
    {"Police", "Council", "Government", "Area", "City", "County", "Department", "Office",
     "Court", "Service", "Services", "Team", "Unit", "Station", "World"}
)  # fmt: skip
_NAME_AFTER = re.compile(r"\s+(?:\d+\s+)?([A-Z][\w'’-]*)")
_WORD_BEFORE = re.compile(r"([A-Za-z][\w'’-]*)\s+$")
_LOOK_BACK = 400
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(\n])\s*$")
# Web addresses and e-mail addresses written in the text: never matched inside.
_ADDRESS = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\S+@\S+", re.IGNORECASE)


@cache
def _matcher() -> tuple[re.Pattern[str], tuple[Abbreviation, ...]]:
    """One alternation over every form, longest first; each form is its own named group."""
    alternatives: list[tuple[str, Abbreviation]] = []
    # The characters a form can begin with, when every form begins with a plain letter or
    # digit: checked first, so that the alternation is tried only where one could start.
    firsts: set[str] | None = {"T", "A"}
    for entry in ABBREVIATIONS:
        for form in entry.forms:
            if firsts is not None and form[:1].isalnum() and form[:1].isascii():
                firsts.add(form[0])
            else:
                firsts = None
            if entry.kind == "rank":
                alternatives.append((rf"(?:[TA]/\s?)?(?:{form})", entry))
            else:
                alternatives.append((f"(?:{form})", entry))
    # Longer written forms first, so "Det Supt" is preferred to "Supt" at the same position.
    alternatives.sort(key=lambda item: -len(item[0]))
    parts = [f"(?P<g{index}>{pattern})" for index, (pattern, _) in enumerate(alternatives)]
    # Whole tokens: not after a letter, digit, slash, dot, '+' or hyphen-joined word;
    # not before a letter or digit (a trailing "+" or "." belongs to the form itself).
    start = "" if firsts is None else "(?=[" + "".join(sorted(firsts)) + "])"
    pattern = re.compile(r"(?<![\w/.+&-])" + start + "(?:" + "|".join(parts) + r")(?![\w+&]|-\w)")
    return pattern, tuple(entry for _, entry in alternatives)


def _is_before_name(text: str, end: int) -> bool:
    found = _NAME_AFTER.match(text, end)
    return found is not None and found.group(1) not in _NOT_NAMES


def _follows_proper_noun(text: str, start: int) -> bool:
    """True after a capitalised word that does not begin a sentence ("Washington DC")."""
    # Only the word before and what precedes it matter: look back a bounded window (a word is
    # at most a hundred characters), so a long text with many hits stays linear. ``^`` still
    # means the start of the text, not of the window.
    window = max(0, start - _LOOK_BACK)
    word = _WORD_BEFORE.search(text, window, start)
    if word is None or not word.group(1)[0].isupper():
        return False
    return _SENTENCE_START.search(text, max(0, word.start() - _LOOK_BACK), word.start()) is None


def find_abbreviations(text: str) -> list[Match]:
    """Every abbreviation in ``text``, in order of appearance."""
    pattern, entries = _matcher()
    addresses = (
        [(m.start(), m.end()) for m in _ADDRESS.finditer(text)]
        if "@" in text or "://" in text or "www." in text.casefold()  # what _ADDRESS needs
        else []
    )
    found: list[Match] = []
    for hit in pattern.finditer(text):
        group = hit.lastgroup
        if group is None:  # pragma: no cover - every alternative is a named group
            continue
        if any(start <= hit.start() < end for start, end in addresses):
            continue
        entry = entries[int(group[1:])]
        written = hit.group()
        prefix = ""
        if (
            entry.kind == "rank"
            and len(written) > 2
            and written[1] == "/"
            and (
                written[0] in _PREFIXES  # not the slash of "D/Sgt" or "C/Supt"
            )
        ):
            prefix = written[0]
        if (
            entry.needs_name
            and not prefix
            and (not _is_before_name(text, hit.end()) or _follows_proper_noun(text, hit.start()))
        ):
            continue
        expansion = entry.expansion
        key = entry.key
        if prefix:
            expansion = f"{_PREFIXES[prefix]} {expansion}"
            key = f"{prefix}/{key}"
        abbr = written
        if entry.shown is not None:
            abbr = entry.shown
        already = text[: hit.start()].endswith(f"{expansion} (") and text[hit.end() :].startswith(
            ")"
        )
        found.append(
            Match(
                start=hit.start(),
                end=hit.end(),
                abbr=abbr,
                expansion=expansion,
                key=key,
                expanded=already,
            )
        )
    return found


def expand_first_use(text: str, seen: set[str]) -> str:
    """``text`` with each abbreviation not yet in ``seen`` expanded at its first use.

    ``seen`` holds the keys of abbreviations already expanded earlier in the same document; it
    is updated in place, so call this on a document's texts in reading order with one set.
    """
    pieces: list[str] = []
    position = 0
    for match in find_abbreviations(text):
        if match.key in seen or match.expanded:
            seen.add(match.key)
            continue
        seen.add(match.key)
        pieces.append(text[position : match.start])
        pieces.append(match.first_use)
        if match.abbr.endswith(".") and text[match.end : match.end + 1] in ("", "\n"):
            pieces.append(".")  # the form's full stop also ended the sentence
        position = match.end
    pieces.append(text[position:])
    return "".join(pieces)
