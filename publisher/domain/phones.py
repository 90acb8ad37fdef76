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

``leading_number(text) -> (ParsedNumber, end) | None``
    The valid number a text starts with, no cue word needed (for contact lines such as
    ``Police - 101``).

``well_known_name(value, kind)``
    Who answers a well-known short code: ``101`` → "Police non-emergency".

``grouped(contact) -> str``
    A contact's number as people read it, the one form every channel shows: the record's
    ``display``, regrouped (``0808 8024040`` → ``0808 802 4040``) when it runs five or more
    digits together and the value is a full number that says the same digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import shortnumberinfo

from publisher.domain.record import Contact, ContactKind

__all__ = [
    "FoundNumber",
    "ParsedNumber",
    "find_numbers",
    "grouped",
    "leading_number",
    "parse_number",
    "says_number",
    "well_known_name",
    "written_number",
]

RELAY_UK_PREFIX = "18001"

_LONG_DIGIT_RUN = re.compile(r"\d{5,}")

_WELL_KNOWN: dict[str, str] = {
    "999": "Emergency services",
    "112": "Emergency services",
    "101": "Police non-emergency",
    "111": "NHS 111",
    "119": "NHS 119",
    "105": "Power cut helpline",
    "159": "Stop Scams UK",
    "116000": "Missing People",
    "116006": "Victim Support",
    "116111": "Childline",
    "116117": "NHS out-of-hours",
    "116123": "Samaritans",
}


def well_known_name(value: str, kind: ContactKind = ContactKind.PHONE) -> str | None:
    """Who answers a well-known UK short code (``'101'`` → ``'Police non-emergency'``)."""
    if kind is ContactKind.TEXTPHONE and value.startswith(RELAY_UK_PREFIX):
        inner = _WELL_KNOWN.get(value[len(RELAY_UK_PREFIX) :])
        if inner == "Police non-emergency":
            return "Police textphone"
        return None if inner is None else f"{inner} (Relay UK)"
    if kind is ContactKind.TEXT and value in ("999", "112"):
        return "emergencySMS"
    return _WELL_KNOWN.get(value)


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
        self, name: str, *, kind: ContactKind | None = None, note: str | None = None
    ) -> Contact:
        """The record's Contact for this number; ``kind`` overrides (e.g. ``text``)."""
        if not self.valid:
            raise ValueError(f"{self.written!r} is not a phone number: {self.problem}")
        return Contact(
            name=name, kind=kind or self.kind, value=self.value, display=self.display, note=note
        )


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
    if not _LONG_DIGIT_RUN.search(display):
        return display
    try:
        parsed = phonenumbers.parse(contact.value, None)
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


def parse_number(text: str, region: str = "GB") -> ParsedNumber:
    """Parse one written number (see the module doc). Never raises."""
    written = text
    compact = re.sub(r"[\s\-().]", "", text)
    if compact.startswith("+44") and "(0)" in text:
        compact = "+44" + compact[3:].removeprefix("0")
    if not compact or not re.fullmatch(r"\+?\d+", compact):
        return _invalid(written, "not a number: only digits, spaces, hyphens and brackets")
    if compact.startswith(RELAY_UK_PREFIX) and len(compact) > len(RELAY_UK_PREFIX):
        rest_written = re.sub(r"^\s*1\s*8\s*0\s*0\s*1", "", text, count=1)
        rest = parse_number(rest_written, region)
        if not rest.valid:
            return _invalid(
                written,
                f"Relay UK 18001 must be followed by a number: {rest.problem}",
                ContactKind.TEXTPHONE,
            )
        dialled = rest.value
        if dialled.startswith("+44"):
            dialled = "0" + dialled[3:]
        return ParsedNumber(
            written=written,
            kind=ContactKind.TEXTPHONE,
            value=RELAY_UK_PREFIX + dialled.lstrip("+"),
            display=f"{RELAY_UK_PREFIX} {rest.display}",
            valid=True,
            short=rest.short,
        )
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
_STRONG_CUE = re.compile(
    # present forms only: "police were called at 1am" does not introduce a number
    r"\b(?:call(?:s|ing)?|ring(?:s|ing)?|phon(?:e|es|ing)|dial(?:s|ling)?|text(?:s|"
    r"ing)?|sms|contact(?:ing)?|number|line|helpline|phoneline|freephone|tel|telephone|"
    r"textphone|minicom|whatsapp)\b[^.!?\d]{0,40}$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\b(?:incident|crime|reference|ref|log|occurrence|case|report|order|badge|collar)"
    r"(?:\s+(?:number|no\.?|ref\.?))?[\s:#.]*$",
    re.IGNORECASE,
)
_WEAK_CUE = re.compile(r"\b(?:on|via|to|or|and)\W{0,3}$", re.IGNORECASE)
_TEXT_VERB = re.compile(
    r"\b(?:(?P<text>text(?:s|ed|ing)?|sms)|(?P<call>call(?:s|ed|ing)?|ring|phone|dial|"
    r"textphone))\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _sentence_before(text: str, start: int) -> str:
    before = text[:start]
    ends = list(_SENTENCE_END.finditer(before))
    return before[ends[-1].end() :] if ends else before


def _has_cue(text: str, start: int, previous_end: int | None, *, weak: bool = True) -> bool:
    """Whether words just before ``start`` introduce a number: "call", "ring"... (strong), or,
    if ``weak``, "on", "or", "to"... after another number or a calling word. Never after
    "incident", "crime number", "reference"...: those are reference numbers."""
    sentence = _sentence_before(text, start)
    if _REFERENCE.search(sentence):
        return False
    if _STRONG_CUE.search(sentence):
        return True
    if weak and _WEAK_CUE.search(sentence):
        if previous_end is not None and start - previous_end <= 12:
            return True  # "call 999 or 101"
        return bool(re.search(r"\b(?:call|ring|phone|dial|text|contact)", sentence, re.I))
    return False


def _kind_from_words(text: str, start: int, parsed: ParsedNumber) -> ContactKind:
    if parsed.kind is ContactKind.TEXTPHONE:
        return parsed.kind
    verbs = list(_TEXT_VERB.finditer(_sentence_before(text, start)))
    if verbs and verbs[-1].group("text"):
        return ContactKind.TEXT
    return parsed.kind


def _group_ends(candidate: str) -> list[int]:
    """Offsets where a shorter reading of the candidate could end (between digit groups)."""
    return [m.start() for m in re.finditer(r"[ -](?=\(?\d)", candidate)]


def _phone_shaped(candidate: str, digits: str) -> bool:
    head = candidate.lstrip("(")
    return (head.startswith(("0", "+")) and len(digits) >= 6) or (
        head.startswith(RELAY_UK_PREFIX) and len(digits) > len(RELAY_UK_PREFIX)
    )


def _accept(
    text: str, start: int, candidate: str, parsed: ParsedNumber, previous_end: int | None
) -> bool:
    if not parsed.valid:
        return False
    if not parsed.short or parsed.kind is ContactKind.TEXTPHONE:
        return True
    if parsed.value in ("999", "112") or parsed.value.startswith("116"):
        return True
    # "call us on 101" but not "on 100 occasions": a short code nobody has heard of needs a
    # calling word right before it.
    return _has_cue(text, start, previous_end, weak=parsed.value in _WELL_KNOWN)


def find_numbers(text: str, region: str = "GB") -> list[FoundNumber]:
    """Every phone number in ``text`` (see the module doc), valid or not, in order."""
    masked = _URLISH.sub(lambda m: "\x00" * len(m.group(0)), text)
    found: list[FoundNumber] = []
    previous_end: int | None = None
    position = 0
    while True:
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
            tail = re.match(r"[\w/:@.,\x00-]*", masked[end:])
            position = end + (tail.end() if tail else 0) + 1
            continue
        candidate = masked[start:end]
        accepted: FoundNumber | None = None
        for cut in [len(candidate), *reversed(_group_ends(candidate))]:
            piece = candidate[:cut]
            parsed = parse_number(piece, region)
            if _accept(text, start, piece, parsed, previous_end):
                accepted = FoundNumber(
                    start, start + cut, parsed, _kind_from_words(text, start, parsed)
                )
                break
        if accepted is not None:
            found.append(accepted)
            previous_end = accepted.end
            position = accepted.end
            continue
        digits = _digits(candidate)
        if _phone_shaped(candidate, digits) or (
            len(digits) >= 7 and _has_cue(text, start, previous_end)
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
            continue
        # not a number from its first group: a number may still start at a later group
        # ("2019-2020 0800 085 3481")
        groups = _group_ends(candidate)
        position = start + groups[0] + 1 if groups else end
    return found


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
    for cut in [len(candidate), *reversed(_group_ends(candidate))]:
        parsed = parse_number(candidate[:cut].strip(), region)
        if parsed.valid:
            return parsed, cut
    return None
