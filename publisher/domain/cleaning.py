"""Text cleaning for imported appeals: done once, here, and nowhere else.

Every string an importer takes from a source file goes through :func:`clean_text` (many lines)
or :func:`clean_inline` (one line of running text) exactly once, in this order:

1. mojibake repaired with ftfy (``donâ€™t`` → ``don’t``), with curly quotes, HTML entities
   and everything else ftfy could "helpfully" change left alone;
2. HTML entities unescaped exactly once (``&amp;`` → ``&``; ``&amp;amp;`` → ``&amp;``);
3. a stray ``Â`` left where a non-breaking space was lost (``that Âcoronavirus``) removed;
4. non-breaking and other odd spaces made plain spaces; zero-width characters and control
   characters removed (a zero-width joiner inside an emoji sequence is kept);
5. line endings made ``\\n``; trailing spaces trimmed from every line.

:func:`clean_inline` also turns newlines and tabs into spaces, collapses runs of spaces and
strips the ends.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ftfy

__all__ = ["clean_inline", "clean_text", "repair_stray_a_circumflex"]


@cache
def _ftfy_config() -> ftfy.TextFixerConfig:
    """How ftfy is run (ftfy is imported on first use: printable ASCII never needs it)."""
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,  # we unescape exactly once ourselves; ftfy's "auto" would do it twice
        uncurl_quotes=False,  # curly quotes are correct typography: keep them
        fix_character_width=True,
        fix_line_breaks=True,
        normalization="NFC",
        explain=False,
    )


# Text ftfy has nothing to fix in: printable ASCII, tabs and newlines (mojibake, odd widths,
# ligatures and C1 controls all need characters outside ASCII; tests/unit compare the two).
_PLAIN_ASCII = re.compile(r"[\t\n\x20-\x7e]*")

# "Â" is what U+00A0 (NBSP, bytes C2 A0) leaves behind when read as Windows-1252 and the NBSP
# itself is then lost or turned into a space. Remove it when it stands at the start of a word
# (after the start of the text or a space) and is followed by a space or directly by a lower-case
# letter. Words that really start with "Â" and a lower-case letter (French "Âge", "Âme"...) are
# kept.
_STRAY_A = re.compile(r"(?:^|(?<=[ \t\u00a0\n]))\u00c2(?=[ \u00a0]|[a-z])")
_REAL_A_WORDS = frozenset({"âge", "âges", "âme", "âmes", "âne", "ânes", "âpre", "âtre", "âcre"})
_WORD_AFTER = re.compile(r"[a-z]+")

# Spaces other than U+0020 and U+000A: NBSP, narrow NBSP, en/em/thin/hair spaces, ideographic.
_ODD_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Zero-width characters (ZWJ handled separately), soft hyphen, BOM, word joiner, bidi marks.
_ZERO_WIDTH = re.compile(r"[\u00ad\u200b\u200c\u200e\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_ZWJ = "\u200d"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def repair_stray_a_circumflex(text: str) -> str:
    """Remove ``Â`` where it is the ghost of a lost non-breaking space (see module doc)."""

    def replace(match: re.Match[str]) -> str:
        word = _WORD_AFTER.match(text, match.end())
        if word is not None and ("â" + word.group(0)) in _REAL_A_WORDS:
            return match.group(0)
        return ""

    return _STRAY_A.sub(replace, text)


def _keep_zwj(text: str, index: int) -> bool:
    """A zero-width joiner between two symbols is part of an emoji sequence: keep it."""
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""

    def symbol(char: str) -> bool:
        return bool(char) and (
            unicodedata.category(char) == "So" or char in "\ufe0f" or ord(char) >= 0x1F000
        )

    return symbol(before) and symbol(after)


def _drop_zero_width(text: str) -> str:
    text = _ZERO_WIDTH.sub("", text)
    if _ZWJ not in text:
        return text
    return "".join(char for i, char in enumerate(text) if char != _ZWJ or _keep_zwj(text, i))


def clean_text(text: str) -> str:
    """Clean a multi-line text (see the module doc). Keeps line structure."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _PLAIN_ASCII.fullmatch(text):  # ftfy leaves printable ASCII as it is: skip it
        import ftfy

        text = ftfy.fix_text(text, config=_ftfy_config())
    text = html.unescape(text)
    text = repair_stray_a_circumflex(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n").replace("\x85", "\n")
    text = _ODD_SPACES.sub(" ", text)
    text = _drop_zero_width(text)
    text = _CONTROL.sub("", text)
    return "\n".join(line.rstrip(" ") for line in text.split("\n"))


def clean_inline(text: str) -> str:
    """Clean one run of text: as :func:`clean_text`, then one line, single spaces, stripped."""
    cleaned = clean_text(text)
    return re.sub(r"[ \n]+", " ", cleaned).strip()
