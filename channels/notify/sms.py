"""Text messages as GOV.UK Notify counts and sends them.

Notify does not send a text as given: it first makes it fit GSM 03.38 (see ``SanitiseSMS`` and
``BaseSMSTemplate`` in alphagov/notifications-utils, MIT licence; this module follows the rules
they describe, in code of its own):

- a character of the GSM 03.38 basic or extension table is kept, and so are the Welsh letters
  with a grave, acute, diaeresis or circumflex (ŵ, ŷ, â, ê, ...), GSM or not;
- any other character is downgraded when it can be: a letter with a mark becomes its base letter
  (its Unicode canonical decomposition starts with a kept character: ``ł`` has none, so Notify
  lists it with the dashes, typographic quotes, ellipsis, zero-width and no-break spaces);
- what is left (emoji, Chinese, Cyrillic...) becomes ``?``.

The length is the number of UTF-16 code units of that sanitised text. When the text holds a Welsh
letter that is not in GSM (``â``, ``ŵ``...), the whole message goes as Unicode: 70 characters in
one message, else 67 per fragment. Otherwise it goes as GSM: each extension character (``^ { }
\\ [ ~ ] | €``) counts 2, 160 in one message, else 153 per fragment. Notify refuses a message
longer than 918 characters (:data:`MAX_CHARACTERS`, 6 GSM fragments).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MAX_CHARACTERS",
    "MAX_FRAGMENTS",
    "SmsCount",
    "count",
    "sanitise",
]

MAX_CHARACTERS = 918
"""Notify's ``SMS_CHAR_COUNT_LIMIT``: 153 × 6."""
MAX_FRAGMENTS = 6
"""What a message within :data:`MAX_CHARACTERS` takes at most when it goes as GSM."""

_EXTENSION = frozenset("^{}\\[~]|€")
_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM = _BASIC | _EXTENSION
_WELSH = frozenset("àèìòùẁỳÀÈÌÒÙẀỲáéíóúẃýÁÉÍÓÚẂÝäëïöüẅÿÄËÏÖÜẄŸâêîôûŵŷÂÊÎÔÛŴŶ")
_KEPT = _GSM | _WELSH
_WELSH_NOT_GSM = _WELSH - _GSM
_REPLACED = {
    "\u2011": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201a": "'",
    "\u201e": '"',
    "\u180e": "",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    "\u2028": "",
    "\u2029": "",
    "\u00a0": " ",
    "\u202f": " ",
    "\t": " ",
    "\u0141": "L",
    "\u0142": "l",
}


def _downgraded(char: str) -> str | None:
    decomposition = unicodedata.decomposition(char)
    if decomposition and not decomposition.startswith("<"):
        base = chr(int(decomposition.split()[0], 16))
        return base if base in _KEPT else None
    return _REPLACED.get(char)


def sanitise(text: str) -> str:
    """The text as Notify sends it (see the module docstring)."""
    if _KEPT.issuperset(text):  # the common case: nothing to replace
        return text
    out: list[str] = []
    for char in text:
        if char in _KEPT:
            out.append(char)
            continue
        replacement = _downgraded(char)
        out.append("?" if replacement is None else replacement)
    return "".join(out)


@dataclass(frozen=True)
class SmsCount:
    """How Notify counts one text message."""

    encoding: Literal["GSM", "Unicode"]
    characters: int
    """Notify's ``content_count``: UTF-16 code units of the sanitised text (what its 918-character
    limit is about; extension characters count once here)."""
    fragments: int
    sent: str
    """The text as Notify sends it."""

    @property
    def too_long(self) -> bool:
        return self.characters > MAX_CHARACTERS


def count(text: str) -> SmsCount:
    """Notify's count of ``text`` sent with an SMS template whose content is one placeholder
    and with no service-name prefix. The text should already be Notify's shape: stripped, no
    space before punctuation, at most one blank line in a row (Notify normalises those)."""
    sent = sanitise(text)
    characters = len(sent.encode("utf-16-le")) // 2
    if not _WELSH_NOT_GSM.isdisjoint(text):
        fragments = 1 if characters <= 70 else -(-characters // 67)
        return SmsCount("Unicode", characters, fragments, sent)
    septets = characters + sum(map(text.count, _EXTENSION))
    fragments = 1 if septets <= 160 else -(-septets // 153)
    return SmsCount("GSM", characters, fragments, sent)
