"""Phone numbers in appeals: parse one, or find every one in a text.

Two entry points, both pure:

``parse_number(text, region="GB") -> ParsedNumber``
    Parses what a person wrote as a number: a full UK number (``0800 085 3481``, ``01773 746
    115``, ``+44 (0)1332 123456``), a number from elsewhere with its ``+`` country code, a UK short
    code (``999``, ``101``, ``111``, ``116 123``) or a Relay UK textphone number (``18001 101``,
    ``18001 0800 085 3481``). Never raises: a number that does not parse comes back with
    ``valid=False`` and a ``problem`` saying why, so the lint can warn about it.

    * ``value``: E.164 (``+448000853481``) for full numbers; the digits for short codes
      (``999``, ``116123``); ``18001`` followed by the digits as dialled in the UK for Relay UK
      (``18001101``, ``1800108000853481``).
    * ``display``: as people expect to read it: phonenumbers' NATIONAL format for UK numbers
      (``0800 085 3481``, ``01773 746115``), INTERNATIONAL for others (``+33 1 23 45 67 89``),
      ``116 123`` for the six-digit 116 codes, ``18001 `` + the display of the rest for Relay UK.
    * ``kind``: ``textphone`` for Relay UK, else ``phone``. (Whether a number is one to *text*
      depends on the words around it: :func:`find_numbers` decides that.)
    * ``contact(name)`` makes the :class:`~publisher.domain.record.Contact` (raises
      ``ValueError`` if the number is not valid).

``find_numbers(text, region="GB") -> list[FoundNumber]``
    Every number in running text, in order. A ``FoundNumber`` unpacks as the 4-tuple
    ``(start, end, value, display)`` (offsets into ``text``; ``text[start:end]`` is the number as
    written) and also has ``.kind`` (phone, text or textphone), ``.valid``, ``.written``,
    ``.problem`` and ``.number`` (the :class:`ParsedNumber`). What is looked for:

    * anything that starts with ``0`` or ``+`` and has six or more digits, in groups separated by
      single spaces or hyphens (``0808 8024040``, ``0800-085-3481``, ``(01332) 123456``);
      if it does not parse it is returned with ``valid=False`` (the lint warns);
    * Relay UK: ``18001`` and a number (kind ``textphone``);
    * UK short codes that phonenumbers' short-number data says are valid: ``999`` and ``112``
      anywhere, ``116`` codes anywhere, other codes (``101``, ``111``, ``105``...) only after a
      word that introduces a number (call, calling, ring, phone, dial, text, contact, on, via,
      number, line, helpline, freephone...) so that "Room 101" is not a phone number; "on",
      "or", "to" and "via" only count for the well-known codes (``on 101``), after a calling word
      in the same sentence, so that "called at 100 houses on 100 streets" has none;
    * seven or more digits not starting with ``0`` only after such a word (then flagged invalid:
      ``call 7461150``).

    Times (``13:53``), dates (``02/04/2020``), money (``£1,000``), decimals, digits glued to
    letters (``A38``), and digits inside web addresses are never numbers. A number is of kind
    ``text`` when the nearest verb before it in its sentence is "text" or "SMS" (``Text REGISTER
    to 999``).

    Bounded, so that hostile text is read in linear time: a reading has at most
    ``MAX_NUMBER_DIGITS`` (40) digits, and a number may start at any of the first
    ``MAX_RUN_STARTS`` (12) groups of a run of digit groups, not further.

``leading_number(text) -> (ParsedNumber, end) | None``
    The valid number a text starts with, no cue word needed (for contact lines such as
    ``Police - 101``).

``well_known_key(value, kind)``, ``known_name(key, translate)``, ``well_known_name(value, kind)``
    Who answers a well-known short code: ``101`` → ``police-non-emergency`` → "Police
    non-emergency" (or the name a catalogue gives it). The importer records the key on the
    contact (``Contact.known``), so every language shows its own name for it.

``grouped(contact) -> str``
    A contact's number as people read it, the one form every channel shows: the record's
    ``display``, regrouped (``0808 8024040`` → ``0808 802 4040``) when it runs five or more
    digits together and the value is a full number that says the same digits.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import shortnumberinfo

from publisher.domain.record import Contact, ContactKind

__all__ = [
    "RELAY_UK",
    "WELL_KNOWN_NAMES",
    "FoundNumber",
    "ParsedNumber",
    "find_numbers",
    "grouped",
    "known_name",
    "leading_number",
    "parse_number",
    "says_number",
    "well_known_key",
    "well_known_name",
    "written_number",
]

RELAY_UK_PREFIX = "18001"

_LONG_DIGIT_RUN = re.compile(r"\d{5,}")


def N_(message: str) -> str:
    """Marks a name for the web catalogue's extraction (``babel.cfg``); returns it as is."""
    return message


WELL_KNOWN_NAMES: Mapping[str, str] = {
    "emergency-services": N_("Emergency services"),
    "police-non-emergency": N_("Police non-emergency"),
    "police-textphone": N_("Police textphone"),
    "nhs-111": N_("NHS 111"),
    "nhs-119": N_("NHS 119"),
    "power-cut": N_("Power cut helpline"),
    "stop-scams": "Stop Scams UK",
    "missing-people": "Missing People",
    "victim-support": N_("Victim Support"),
    "childline": "Childline",
    "nhs-out-of-hours": N_("NHS out-of-hours"),
    "samaritans": N_("Samaritans"),
    "emergency-sms": "emergencySMS",
    "phone-number": N_("Phone number"),
    "text-number": N_("Text number"),
    "textphone": N_("Textphone (Relay UK)"),
}
"""The names the importer gives contacts it recognises, in English, by key (a contact's
``known``). The ones marked ``N_`` are messages of the web catalogue, where each language has
its own name for them; the others (services' own names) are the same in every language."""

RELAY_UK = "+relay-uk"
"""A key's suffix for a well-known number called through Relay UK (``samaritans+relay-uk``):
the service's name, then "(Relay UK)"."""

_SHORT_CODES: dict[str, str] = {
    "999": "emergency-services",
    "112": "emergency-services",
    "101": "police-non-emergency",
    "111": "nhs-111",
    "119": "nhs-119",
    "105": "power-cut",
    "159": "stop-scams",
    "116000": "missing-people",
    "116006": "victim-support",
    "116111": "childline",
    "116117": "nhs-out-of-hours",
    "116123": "samaritans",
}


def well_known_key(value: str, kind: ContactKind = ContactKind.PHONE) -> str | None:
    """The key of a well-known UK short code (``'101'`` → ``'police-non-emergency'``), for
    :data:`WELL_KNOWN_NAMES`; None for any other number."""
    if kind is ContactKind.TEXTPHONE and value.startswith(RELAY_UK_PREFIX):
        inner = _SHORT_CODES.get(value[len(RELAY_UK_PREFIX) :])
        if inner == "police-non-emergency":
            return "police-textphone"
        return None if inner is None else f"{inner}{RELAY_UK}"
    if kind is ContactKind.TEXT and value in ("999", "112"):
        return "emergency-sms"
    return _SHORT_CODES.get(value)


def known_name(key: str, translate: Callable[[str], str] = str) -> str | None:
    """The name of the well-known contact ``key``, each English name passed through
    ``translate`` (a catalogue's ``gettext``); None for a key this table does not have."""
    base, relay, _ = key.partition(RELAY_UK)
    name = WELL_KNOWN_NAMES.get(base)
    if name is None:
        return None
    return f"{translate(name)} (Relay UK)" if relay else translate(name)


def well_known_name(value: str, kind: ContactKind = ContactKind.PHONE) -> str | None:
    """Who answers a well-known UK short code (``'101'`` → ``'Police non-emergency'``), in
    English."""
    key = well_known_key(value, kind)
    return None if key is None else known_name(key)


@dataclass(frozen=True)
class ParsedNumber:
    """What :func:`parse_number` made of a written number. See the module doc."""

    written: str
    kind: ContactKind
    value: str
    display: str
    valid: bool
    short: bool = False
    problem: str | None = None

    def contact(
        self,
        name: str,
        *,
        kind: ContactKind | None = None,
        note: str | None = None,
        known: str | None = None,
    ) -> Contact:
        """The record's Contact for this number; ``kind`` overrides (e.g. ``text``); ``known``
        is the well-known contact's key when ``name`` is the name we gave it."""
        if not self.valid:
            raise ValueError(f"{self.written!r} is not a phone number: {self.problem}")
        return Contact(
            name=name,
            kind=kind or self.kind,
            value=self.value,
            display=self.display,
            note=note,
            known=known,
        )


@lru_cache(maxsize=4096)
def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def grouped(contact: Contact) -> str:
    """The number as people read it: the author's display, regrouped when it runs digits on.

    ``display`` is kept as written unless it has a run of five or more digits and ``value`` is
    a full number (``+`` and the country code); then it is phonenumbers' NATIONAL format of the
    value (``0808 802 4040``), provided that says exactly the same digits. Short codes, Relay UK
    numbers, anything that does not parse, and web and email contacts keep their display.
    """
    display = contact.display
    if not contact.is_number or not contact.value.startswith("+"):
        return display
    return _regrouped(contact.value, display)


@lru_cache(maxsize=1024)
def _regrouped(value: str, display: str) -> str:
    """:func:`grouped` of a number with a full ``value``: every channel shows each contact of
    an appeal, and a force's numbers recur across its appeals, so each is parsed once."""
    if not _LONG_DIGIT_RUN.search(display):
        return display
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return display
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return national if _digits(national) == _digits(display) else display


def says_number(text: str, contact: Contact) -> bool:
    """Whether words in a sentence are the contact's number itself (the same digits as its
    display or its value), not words linked to it ("call the helpline")."""
    digits = _digits(text)
    return bool(digits) and digits in (_digits(contact.display), _digits(contact.value))


def written_number(text: str, contact: Contact) -> str:
    """A number as a sentence shows it, on every channel: :func:`grouped` when the words are
    the number (:func:`says_number`), else the words as written."""
    return grouped(contact) if says_number(text, contact) else text


def _display_short(digits: str) -> str:
    if len(digits) == 6 and digits.startswith("116"):
        return f"{digits[:3]} {digits[3:]}"
    return digits


def _tidy(written: str) -> str:
    return re.sub(r"\s+", " ", written.strip())


def _invalid(written: str, problem: str, kind: ContactKind = ContactKind.PHONE) -> ParsedNumber:
    digits = _digits(written)
    value = ("+" + digits) if written.strip().startswith("+") else digits
    return ParsedNumber(
        written=written,
        kind=kind,
        value=value or written.strip(),
        display=_tidy(written) or written,
        valid=False,
        problem=problem,
    )


def _is_short(digits: str, region: str) -> bool:
    if not digits or digits.startswith("0") or len(digits) > 6:
        return False
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(shortnumberinfo.is_valid_short_number_for_region(number, region))


# The Relay UK prefix as written, with anything the compact form leaves out between its digits,
# so that taking it off always shortens the number ("(18001) 101", "1-8001 101").
_RELAY_WRITTEN = re.compile(r"^[\s\-().]*1[\s\-().]*8[\s\-().]*0[\s\-().]*0[\s\-().]*1")


def _is_relay(text: str) -> bool:
    compact = _COMPACT_OUT.sub("", text)
    return (
        compact.startswith(RELAY_UK_PREFIX)
        and len(compact) > len(RELAY_UK_PREFIX)
        and _ALL_DIGITS.fullmatch(compact) is not None
    )


def _relay(text: str, region: str) -> ParsedNumber:
    """``18001`` and a number: a textphone number if the rest is a number. Written "18001 18001
    101" it is read from the inside out, in a loop (a hostile text of many prefixes must not
    recurse)."""
    layers = [text]
    rest = _RELAY_WRITTEN.sub("", text, count=1)
    while _is_relay(rest):
        layers.append(rest)
        rest = _RELAY_WRITTEN.sub("", rest, count=1)
    inner = parse_number(rest, region)
    if not inner.valid:
        wrapped = "Relay UK 18001 must be followed by a number: " * len(layers)
        return _invalid(text, f"{wrapped}{inner.problem}", ContactKind.TEXTPHONE)
    result = inner
    for written in reversed(layers):
        dialled = result.value
        if dialled.startswith("+44"):
            dialled = "0" + dialled[3:]
        result = ParsedNumber(
            written=written,
            kind=ContactKind.TEXTPHONE,
            value=RELAY_UK_PREFIX + dialled.lstrip("+"),
            display=f"{RELAY_UK_PREFIX} {result.display}",
            valid=True,
            short=result.short,
        )
    return result


_COMPACT_OUT = re.compile(r"[\s\-().]")
_ALL_DIGITS = re.compile(r"\+?\d+")


def parse_number(text: str, region: str = "GB") -> ParsedNumber:
    """Parse one written number (see the module doc). Never raises. The last numbers parsed
    are remembered (a long text tries many readings, and the checks read it again)."""
    if len(text) <= _REMEMBERED_LENGTH:
        return _parse_remembered(text, region)
    return _parse_number(text, region)


_REMEMBERED_LENGTH = 100


@lru_cache(maxsize=4096)
def _parse_remembered(text: str, region: str) -> ParsedNumber:
    return _parse_number(text, region)


def _parse_number(text: str, region: str) -> ParsedNumber:
    written = text
    compact = _COMPACT_OUT.sub("", text)
    if compact.startswith("+44") and "(0)" in text:
        compact = "+44" + compact[3:].removeprefix("0")
    if not compact or not _ALL_DIGITS.fullmatch(compact):
        return _invalid(written, "not a number: only digits, spaces, hyphens and brackets")
    if compact.startswith(RELAY_UK_PREFIX) and len(compact) > len(RELAY_UK_PREFIX):
        return _relay(text, region)
    if not compact.startswith("+") and _is_short(compact, region):
        return ParsedNumber(
            written=written,
            kind=ContactKind.PHONE,
            value=compact,
            display=_display_short(compact),
            valid=True,
            short=True,
        )
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException as exc:
        return _invalid(written, f"does not parse as a phone number ({exc._msg})")
    if not phonenumbers.is_valid_number(number):
        where = "UK" if region == "GB" else region
        too_short = phonenumbers.is_possible_number_with_reason(number)
        reason = (
            "too short"
            if too_short == phonenumbers.ValidationResult.TOO_SHORT
            else "too long"
            if too_short == phonenumbers.ValidationResult.TOO_LONG
            else "no such number range"
        )
        return _invalid(written, f"not a valid {where} phone number ({reason})")
    home = phonenumbers.region_code_for_number(number) == region
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else (phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    )
    return ParsedNumber(
        written=written,
        kind=ContactKind.PHONE,
        value=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        display=phonenumbers.format_number(number, style),
        valid=True,
    )


class FoundNumber(tuple[int, int, str, str]):
    """``(start, end, value, display)`` plus ``kind``, ``valid``, ``written``, ``problem`` and
    ``number``. See the module doc."""

    number: ParsedNumber
    kind: ContactKind

    def __new__(cls, start: int, end: int, number: ParsedNumber, kind: ContactKind) -> FoundNumber:
        found = super().__new__(cls, (start, end, number.value, number.display))
        found.number = number
        found.kind = kind
        return found

    @property
    def start(self) -> int:
        return self[0]

    @property
    def end(self) -> int:
        return self[1]

    @property
    def value(self) -> str:
        return self[2]

    @property
    def display(self) -> str:
        return self[3]

    @property
    def valid(self) -> bool:
        return self.number.valid

    @property
    def written(self) -> str:
        return self.number.written

    @property
    def problem(self) -> str | None:
        return self.number.problem

    def __repr__(self) -> str:
        return (
            f"FoundNumber({self.start}, {self.end}, {self.value!r}, {self.display!r}, "
            f"kind={self.kind.value!r}, valid={self.valid})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (FoundNumber, (self.start, self.end, self.number, self.kind))


# A run of digit groups, optionally after "+" (with an optional "(0)") or in brackets.
_CANDIDATE = re.compile(
    r"""
    (?<![\w+/£$€#@=&?%*])(?<!\d[.,:-])
    (?:
        \+\d{1,3}(?:[ -]?\(0\))?(?:[ -]?\(?\d+\)?)+
      | \(0\d+\)(?:[ -]?\d+)+
      | \d+(?:[ -]\d+)*
    )
    """,
    re.VERBOSE,
)
_URLISH = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# The same, but an email address only where a run of [\w.+-] starts: an address cannot start
# inside such a run unless one starting at the run's start does (the run ends at the same "@"),
# so this finds what _URLISH finds, without reading each run again from every one of its
# characters (which took quadratic time on long runs with no "@").
_URLISH_AT_RUN_START = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE
)
_EMAIL_CHAR = re.compile(r"[\w.+-]")
_STRONG_CUE = re.compile(
    # present forms only: "police were called at 1am" does not introduce a number
    r"\b(?:call(?:s|ing)?|ring(?:s|ing)?|phon(?:e|es|ing)|dial(?:s|ling)?|text(?:s|"
    r"ing)?|sms|contact(?:ing)?|number|line|helpline|phoneline|freephone|tel|telephone|"
    r"textphone|minicom|whatsapp|"
    # Welsh: ffoniwch (call), ffonio, ffôn, rhif (number), llinell (line), tecstiwch (text),
    # cysylltwch (contact)
    r"ffoniwch|ffonio|ffôn|rhif|llinell|tecstiwch|tecstio|cysylltwch)\b[^.!?\d]{0,40}$",
    re.IGNORECASE,
)
_STRONG_CUE_REACH = 60
"""A strong cue ends at most 40 characters before the number and is at most 10 long."""
_REFERENCE_WORDS = (
    r"incident|crime|reference|ref|log|occurrence|case|report|order|badge|collar|"
    r"cyfeirnod|digwyddiad"  # Welsh: reference, incident
)
_REFERENCE = re.compile(
    rf"\b(?:{_REFERENCE_WORDS})(?:\s+(?:number|no\.?|ref\.?))?[\s:#.]*$",
    re.IGNORECASE,
)
# _REFERENCE in parts, each matched against the few characters where it can end
_REFERENCE_WORD_END = re.compile(rf"\b(?:{_REFERENCE_WORDS})$", re.IGNORECASE)
_REFERENCE_SUFFIX_END = re.compile(r"(?:number|no|ref)$", re.IGNORECASE)
_REFERENCE_REACH = 12
_WEAK_CUE = re.compile(r"\b(?:on|via|to|or|and)\W{0,3}$", re.IGNORECASE)
_WEAK_CUE_REACH = 12
_CALLING_WORD = re.compile(
    r"\b(?:call|ring|phone|dial|text|contact|ffoni|tecst|cysyllt)", re.IGNORECASE
)
_TEXT_VERB = re.compile(
    r"\b(?:(?P<text>text(?:s|ed|ing)?|sms|tecstiwch|tecstio)|(?P<call>call(?:s|ed|ing)?|ring|"
    r"phone|dial|textphone|ffoniwch|ffonio))\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_GROUP_END = re.compile(r"[ -](?=\(?\d)")
_GLUED_TAIL = re.compile(r"[\w/:@.,\x00-]*")

MAX_NUMBER_DIGITS = 40
"""No phone number has more digits (the longest valid, Relay UK with an international number,
has about 25): longer readings of a run of digits are not parsed, since they never parse."""


def _sentence_before(text: str, start: int) -> str:
    before = text[:start]
    ends = list(_SENTENCE_END.finditer(before))
    return before[ends[-1].end() :] if ends else before


def _mask_addresses(text: str) -> str:
    """``text`` with web and email addresses blanked out (``\x00``), as
    ``_URLISH.sub(...)`` would, in linear time."""
    pieces: list[str] = []
    position = 0
    while True:
        match = None
        if position and _EMAIL_CHAR.match(text, position - 1):
            # straight after an address, a new one may start inside a run
            match = _URLISH.match(text, position)
        if match is None:
            match = _URLISH_AT_RUN_START.search(text, position)
        if match is None:
            break
        pieces += [text[position : match.start()], "\x00" * (match.end() - match.start())]
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces)


class _Words:
    """The words around each number of one text, looked up without reading the text before
    each number again (which took quadratic time on long texts with many numbers)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._sentence_ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        self._calling_starts = [m.start() for m in _CALLING_WORD.finditer(text)]
        self._verbs = list(_TEXT_VERB.finditer(text))
        self._verb_ends = [m.end() for m in self._verbs]
        self._cues: dict[tuple[int, int | None, bool], bool] = {}

    def sentence_start(self, start: int) -> int:
        """Where the sentence holding ``text[start]`` starts: ``_sentence_before`` as an index."""
        if start and self.text[start - 1] in ".!?":
            return start
        index = bisect_right(self._sentence_ends, start)
        return self._sentence_ends[index - 1] if index else 0

    def _is_reference(self, begin: int, start: int) -> bool:
        """``_REFERENCE.search(text[begin:start])``: "incident", "crime number"... just before."""
        text = self.text
        end = start
        while end > begin and (text[end - 1] in ":#." or text[end - 1].isspace()):
            end -= 1
        if _REFERENCE_WORD_END.search(text, max(begin, end - _REFERENCE_REACH), end):
            return True
        suffix = _REFERENCE_SUFFIX_END.search(text, max(begin, end - _REFERENCE_REACH), end)
        if suffix is None:
            return False
        word_end = suffix.start()
        while word_end > begin and text[word_end - 1].isspace():
            word_end -= 1
        if word_end == suffix.start():
            return False
        found = _REFERENCE_WORD_END.search(text, max(begin, word_end - _REFERENCE_REACH), word_end)
        return found is not None

    def has_cue(self, start: int, previous_end: int | None, *, weak: bool = True) -> bool:
        """Whether words just before ``start`` introduce a number: "call", "ring"... (strong),
        or, if ``weak``, "on", "or", "to"... after another number or a calling word. Never after
        "incident", "crime number", "reference"...: those are reference numbers."""
        key = (start, previous_end, weak)
        if key not in self._cues:
            self._cues[key] = self._has_cue(start, previous_end, weak=weak)
        return self._cues[key]

    def _has_cue(self, start: int, previous_end: int | None, *, weak: bool) -> bool:
        text = self.text
        begin = self.sentence_start(start)
        if self._is_reference(begin, start):
            return False
        if _STRONG_CUE.search(text, max(begin, start - _STRONG_CUE_REACH), start):
            return True
        if weak and _WEAK_CUE.search(text, max(begin, start - _WEAK_CUE_REACH), start):
            if previous_end is not None and start - previous_end <= 12:
                return True  # "call 999 or 101"
            index = bisect_left(self._calling_starts, begin)
            return index < len(self._calling_starts) and self._calling_starts[index] < start
        return False

    def kind(self, start: int, parsed: ParsedNumber) -> ContactKind:
        """Text when the nearest verb before ``start`` in its sentence is "text" or "SMS"."""
        if parsed.kind is ContactKind.TEXTPHONE:
            return parsed.kind
        index = bisect_right(self._verb_ends, start)
        if index:
            verb = self._verbs[index - 1]
            if verb.start() >= self.sentence_start(start) and verb.group("text"):
                return ContactKind.TEXT
        return parsed.kind


def _group_ends(candidate: str) -> list[int]:
    """Offsets where a shorter reading of the candidate could end (between digit groups)."""
    return [m.start() for m in _GROUP_END.finditer(candidate)]


def _cuts(candidate: str) -> list[int]:
    """Where the readings of a candidate end, longest first: the whole of it, then between its
    digit groups; readings with more than :data:`MAX_NUMBER_DIGITS` digits are left out (they
    never parse), so a long run of digits costs no more than a short one."""
    digits = 0
    limit = len(candidate)
    for index, char in enumerate(candidate):
        if char.isdigit():
            digits += 1
            if digits > MAX_NUMBER_DIGITS:
                limit = index
                break
    ends = [m.start() for m in _GROUP_END.finditer(candidate, 0, limit + 2)]
    whole = [len(candidate)] if limit == len(candidate) else []
    return whole + [end for end in reversed(ends) if end <= limit]


def _digit_count(text: str, enough: int) -> int:
    """How many digits ``text`` has, counting no further than ``enough``."""
    count = 0
    for char in text:
        if char.isdigit():
            count += 1
            if count >= enough:
                break
    return count


def _phone_shaped(candidate: str, digits: int) -> bool:
    head = candidate.lstrip("(")
    return (head.startswith(("0", "+")) and digits >= 6) or (
        head.startswith(RELAY_UK_PREFIX) and digits > len(RELAY_UK_PREFIX)
    )


def _accept(words: _Words, start: int, parsed: ParsedNumber, previous_end: int | None) -> bool:
    if not parsed.valid:
        return False
    if not parsed.short or parsed.kind is ContactKind.TEXTPHONE:
        return True
    if parsed.value in ("999", "112") or parsed.value.startswith("116"):
        return True
    # "call us on 101" but not "on 100 occasions": a short code nobody has heard of needs a
    # calling word right before it.
    return words.has_cue(start, previous_end, weak=parsed.value in _SHORT_CODES)


MAX_RUN_STARTS = 12
"""How many groups of one run of digit groups a number may start at ("2019-2020 0800 085 3481"
starts at the third); a number is never written after a dozen others joined to it by spaces,
and trying every group of a long run, each with every reading, took minutes."""


def find_numbers(text: str, region: str = "GB") -> list[FoundNumber]:
    """Every phone number in ``text`` (see the module doc), valid or not, in order.

    Bounded: at most :data:`MAX_NUMBER_DIGITS` digits in a reading and :data:`MAX_RUN_STARTS`
    starts in a run of digit groups. The last texts read are remembered (the importer and the
    checks read the same paragraphs).
    """
    if len(text) <= _REMEMBERED_TEXT:
        return list(_find_remembered(text, region))
    return list(_find_numbers(text, region))


_REMEMBERED_TEXT = 10_000


@lru_cache(maxsize=256)
def _find_remembered(text: str, region: str) -> tuple[FoundNumber, ...]:
    return _find_numbers(text, region)


def _find_numbers(text: str, region: str) -> tuple[FoundNumber, ...]:
    masked = _mask_addresses(text)
    words = _Words(text)
    found: list[FoundNumber] = []
    previous_end: int | None = None
    position = 0
    while True:
        starts = 0
        match = _CANDIDATE.search(masked, position)
        if match is None:
            break
        start, end = match.span()
        after = masked[end : end + 2]
        if after[:1] and (
            after[0].isalnum()
            or after[0] in "_/:@\x00"
            or (after[0] in ".," and after[1:2].isdigit())
        ):
            # glued to something: a reference, a time, a decimal; skip the whole token
            tail = _GLUED_TAIL.match(masked, end)
            position = end + (tail.end() - end if tail else 0) + 1
            continue
        # The candidate, then (if no number starts at its first group) the same run from a
        # later group: exactly what searching again from that group would find.
        while True:
            starts += 1
            candidate = masked[start:end]
            accepted: FoundNumber | None = None
            for cut in _cuts(candidate):
                parsed = parse_number(candidate[:cut], region)
                if _accept(words, start, parsed, previous_end):
                    accepted = FoundNumber(start, start + cut, parsed, words.kind(start, parsed))
                    break
            if accepted is not None:
                found.append(accepted)
                previous_end = accepted.end
                position = accepted.end
                break
            digits = _digit_count(candidate, 7)
            if _phone_shaped(candidate, digits) or (
                digits >= 7 and words.has_cue(start, previous_end)
            ):
                parsed = parse_number(candidate, region)
                kind = (
                    ContactKind.TEXTPHONE
                    if candidate.startswith(RELAY_UK_PREFIX)
                    else ContactKind.PHONE
                )
                found.append(FoundNumber(start, end, parsed, kind))
                previous_end = end
                position = end
                break
            # not a number from its first group: a number may still start at a later group
            # ("2019-2020 0800 085 3481")
            first = _GROUP_END.search(candidate)
            if first is None:
                position = end
                break
            if candidate[0] in "+(":
                position = start + first.start() + 1
                break
            # A run of plain digit groups: searching again would find this run's tail, from
            # the first group that follows a space (a group after "1-" is not a start).
            space = masked.find(" ", start + first.start(), end)
            if space == -1 or starts == MAX_RUN_STARTS:
                position = end
                break
            start = space + 1
    return tuple(found)


_LEADING = re.compile(
    r"\s*(?:\+\d{1,3}(?:[ -]?\(0\))?(?:[ -]?\(?\d+\)?)+|\(0\d+\)(?:[ -]?\d+)+|\d+(?:[ -]\d+)*)"
)


def leading_number(text: str, region: str = "GB") -> tuple[ParsedNumber, int] | None:
    """The valid number ``text`` starts with (after spaces) and where it ends, or None.

    Unlike :func:`find_numbers` no cue word is needed: ``"101"`` alone is the police
    non-emergency number. Used for contact lines such as ``Men's Advice Line - 0808 801 0327``.
    """
    match = _LEADING.match(text)
    if match is None:
        return None
    end = match.end()
    after = text[end : end + 2]
    if after[:1] and (
        after[0].isalnum() or after[0] in "_/:@" or (after[0] in ".," and after[1:2].isdigit())
    ):
        return None
    candidate = text[: match.end()]
    for cut in _cuts(candidate):
        parsed = parse_number(candidate[:cut].strip(), region)
        if parsed.valid:
            return parsed, cut
    return None
