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
import importlib.util
import re
import sys
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import ftfy

__all__ = ["clean_inline", "clean_text", "ftfy_would_change", "repair_stray_a_circumflex"]


@cache
def _ftfy_config() -> ftfy.TextFixerConfig:
    """How ftfy is run (ftfy is imported on first use: :func:`ftfy_would_change` says when)."""
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
# Text no step of clean_text changes but the trimming of trailing spaces: printable ASCII and
# newlines, without "&" (no entity to unescape), so no mojibake, no "Â", no odd space (a tab is
# one), no zero-width or control character and no line ending but "\n".
_CLEAN_ASCII = re.compile(r"[\n\x20-\x25\x27-\x7e]*")

# Every character one of ftfy's character fixers (with the config above) acts on, and some more:
# C0 and C1 controls but tab and newline (remove_control_chars, fix_c1_controls,
# fix_line_breaks' CR and NEL, remove_terminal_escapes' ESC), the Latin ligatures, U+2028/2029,
# the invisible formatting controls U+206A-206F, the ideographic space, surrogates, the BOM,
# the halfwidth and fullwidth forms and the interlinear annotation characters U+FFF9-FFFC.
# tests/unit/test_cleaning.py runs each fixer over every code point to hold this to ftfy.
_FTFY_CHARACTERS = (
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3"
    "\u2028\u2029\u206a-\u206f\u3000\ud800-\udfff\ufb00-\ufb06\ufeff\uff00-\uffef"
    "\ufff9-\ufffc]"
)
# ftfy.fix_text fixes a text in segments: lines, cut at this many code points (its
# TextFixerConfig.max_decode_length, which the config above leaves as it is).
_FTFY_SEGMENT = 1_000_000


def _load_ftfy_badness() -> Callable[[str], bool]:
    """ftfy's own mojibake detector, :func:`ftfy.badness.is_bad`, loaded without the rest of ftfy.

    ``ftfy.badness`` needs nothing of ftfy (it imports ``re`` and ``warnings``), but importing
    it as ``ftfy.badness`` runs ``ftfy/__init__.py``, which imports every fixer, the codecs, the
    character tables and ``wcwidth``: three times the cost. So the installed file is loaded on
    its own: the same source, so the same regular expression (a test compares them).
    """
    package = importlib.util.find_spec("ftfy")
    source = None if package is None or package.origin is None else Path(package.origin)
    spec = None
    if source is not None and source.with_name("badness.py").is_file():
        spec = importlib.util.spec_from_file_location(
            "publisher.domain._ftfy_badness", source.with_name("badness.py")
        )
    if spec is None or spec.loader is None:  # not installed as files: import it as ftfy does
        import ftfy.badness

        return ftfy.badness.is_bad
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast("Callable[[str], bool]", module.is_bad)


@cache
def _ftfy_characters() -> re.Pattern[str]:
    """:data:`_FTFY_CHARACTERS`, compiled when first needed (printable ASCII never needs it)."""
    return re.compile(_FTFY_CHARACTERS)


@cache
def _ftfy_is_bad() -> Callable[[str], bool]:
    """ftfy's ``is_bad``: ftfy's module if ftfy is imported already, else loaded on its own."""
    loaded = sys.modules.get("ftfy.badness")
    if loaded is not None:
        return cast("Callable[[str], bool]", loaded.is_bad)
    return _load_ftfy_badness()


def ftfy_would_change(text: str) -> bool:
    """Whether ``ftfy.fix_text(text, config=_ftfy_config())`` could differ from ``text``.

    False only when it is certain not to: with the config above, fix_text fixes each segment
    (:data:`_FTFY_SEGMENT`) by changing its encoding only when ftfy's ``is_bad`` finds mojibake
    in it, then applies fixers that each act on characters of :data:`_FTFY_CHARACTERS` only, then
    NFC; a segment none of these touch comes back as it went in. So it answers True for anything
    ``is_bad`` flags in a segment, any of those characters and any text not in NFC.
    """
    if _PLAIN_ASCII.fullmatch(text):
        return False
    if _ftfy_characters().search(text):
        return True
    is_bad = _ftfy_is_bad()
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        if end - start > _FTFY_SEGMENT:
            return True
        segment = text[start:end]
        if not unicodedata.is_normalized("NFC", segment) or is_bad(segment):
            return True
        start = end
    return False


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
_SPACE_RUNS = re.compile(r"[ \n]+")


def repair_stray_a_circumflex(text: str) -> str:
    """Remove ``Â`` where it is the ghost of a lost non-breaking space (see module doc)."""
    if "\u00c2" not in text:
        return text

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
    if _CLEAN_ASCII.fullmatch(text):
        if " \n" not in text and not text.endswith(" "):
            return text
        return "\n".join(line.rstrip(" ") for line in text.split("\n"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if ftfy_would_change(text):  # ftfy is imported only for text it may change
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
    if "\n" in cleaned or "  " in cleaned:
        cleaned = _SPACE_RUNS.sub(" ", cleaned)
    return cleaned.strip()
