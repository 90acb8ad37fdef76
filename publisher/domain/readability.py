"""Readability, offline: sentences, words, syllables, Flesch-Kincaid grade and reading age.

Syllables are counted with pyphen's bundled en_GB hyphenation dictionary (no download at run
time), corrected by a vowel-group count inside each hyphenation piece: hyphenation dictionaries
are conservative and leave many syllable breaks out ("co-ro-na-vi-rus" is one piece in en_GB), so
pyphen alone undercounts. The count is never below pyphen's.

    grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59   (Flesch-Kincaid)
    reading age = grade + 5                                               (UK school years)

URLs, e-mail addresses and hashtags are left out: they are not read as prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pyphen

__all__ = [
    "TextStats",
    "count_syllables",
    "flesch_kincaid_grade",
    "reading_age",
    "split_sentences",
    "split_words",
    "text_stats",
]

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b|"
    r"\b[\w-]+(?:\.[\w-]+)*\.(?:uk|com|org|net|gov|info|io)(?:/\S*)?",
    re.IGNORECASE,
)
_HASHTAG_RE = re.compile(r"(?<![\w&])#\w+")
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_VOWEL_RUN_RE = re.compile(r"[aeiouy]+")

# Dotted abbreviations after which a full stop does not end a sentence.
_NO_BREAK_AFTER = frozenset(
    {
        "mr", "mrs", "ms", "mx", "dr", "st", "no", "nos", "tel", "ext", "approx", "dept", "est",
        "insp", "ch", "supt", "sgt", "det", "con", "cllr", "rev", "prof", "gen", "col", "capt",
        "lt", "cpl", "pte", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
        "nov", "dec", "e.g", "i.e", "etc", "vs", "cf", "al",
    }
)  # fmt: skip
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+|$)")


@lru_cache(maxsize=1)
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_GB")


def _vowel_groups(piece: str, *, last: bool) -> int:
    """Syllables in one hyphenation piece (lower-case letters only) by counting vowel runs."""
    if not piece:
        return 0
    # A leading 'y' before a vowel is a consonant: "you", "yes".
    body = piece[1:] if piece[0] == "y" and len(piece) > 1 and piece[1] in "aeiou" else piece
    count = len(_VOWEL_RUN_RE.findall(body))
    # Vowel pairs usually said as two syllables: "cre-ate", "vi-o-lence", "ac-tu-al".
    count += len(re.findall(r"(?<![tcsx])i[ao](?!u)|[^gq]u[ao]|ea$|(?<!p)eo|ie(?=t)", body))
    if count > 1 and re.search(r"[^aeiouy]e$", body) and not re.search(r"[^aeiouylrw]le$", body):
        count -= 1  # silent final e: "fire", "move-ment"; but "ta-ble" keeps it
    elif last and count > 1:
        if re.search(r"[^aeiouy]ed$", body) and not re.search(r"[td]ed$", body):
            count -= 1  # "liked", "lived"; but "wanted" keeps it
        elif re.search(r"[^aeiouy]es$", body) and not re.search(
            r"(?:[sxz]|ch|sh|[cg]|[^aeiouylrw]l)es$", body
        ):
            count -= 1  # "lives", "homes"; but "buses", "places", "ta-bles" keep it
    return max(count, 1) if count or _VOWEL_RUN_RE.search(piece) else 0


@lru_cache(maxsize=8192)
def count_syllables(word: str) -> int:
    """Syllables in one word. Digits count one per number; a word always has at least one."""
    letters = word.lower().replace("’", "'")
    if not any(ch.isalpha() for ch in letters):
        return 1 if letters.strip() else 0
    pieces = _hyphenator().inserted(letters, hyphen="\x00").split("\x00")
    total = 0
    for index, piece in enumerate(pieces):
        clean = re.sub(r"[^a-z]", "", piece)
        total += _vowel_groups(clean, last=index == len(pieces) - 1) if clean else 0
    if re.search(r"[^aeiouy'’]n['’]t$", letters):
        total += 1  # "does-n't", "could-n't"; but "don't", "can't" are one
    with_vowels = sum(1 for piece in pieces if re.search(r"[aeiouy]", piece))
    return max(total, with_vowels, 1)


def _prose(text: str) -> str:
    return _HASHTAG_RE.sub(" ", _URL_RE.sub(" ", text))


def split_words(text: str) -> list[str]:
    """The words of prose (letters/digits with inner apostrophes); URLs and hashtags left out."""
    return _WORD_RE.findall(_prose(text))


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph. Text without a full stop is one sentence."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        before = text[start : match.start()].split()
        last_word = re.split(r"[/(\"'“‘]", before[-1])[-1].lower().rstrip(".") if before else ""
        if match.group().startswith(".") and (
            last_word in _NO_BREAK_AFTER or (len(last_word) == 1 and last_word.isalpha())
        ):
            continue
        rest = text[match.end() :].lstrip()
        if rest and rest[0].islower():
            continue  # "e.g. this" or a stray full stop: not a new sentence
        sentence = text[start : match.end()].strip()
        if sentence:
            sentences.append(sentence)
        start = match.end()
    tail = text[start:].strip()
    if tail and split_words(tail):
        sentences.append(tail)
    elif tail and sentences:
        sentences[-1] = f"{sentences[-1]} {tail}"
    return sentences


@dataclass(frozen=True)
class TextStats:
    """Counts for some prose, and the Flesch-Kincaid grade and reading age they give."""

    sentences: int
    words: int
    syllables: int

    @property
    def grade(self) -> float:
        return flesch_kincaid_grade(self.words, self.sentences, self.syllables)

    @property
    def reading_age(self) -> float:
        return self.grade + 5

    def __add__(self, other: TextStats) -> TextStats:
        return TextStats(
            self.sentences + other.sentences,
            self.words + other.words,
            self.syllables + other.syllables,
        )


def flesch_kincaid_grade(words: int, sentences: int, syllables: int) -> float:
    """The Flesch-Kincaid grade level; 0.0 for text without words."""
    if words == 0 or sentences == 0:
        return 0.0
    return 0.39 * words / sentences + 11.8 * syllables / words - 15.59


def text_stats(paragraphs: str | Iterable[str]) -> TextStats:
    """Counts over one paragraph or several (each paragraph is at least one sentence)."""
    items = [paragraphs] if isinstance(paragraphs, str) else list(paragraphs)
    total = TextStats(0, 0, 0)
    for paragraph in items:
        words = split_words(paragraph)
        if not words:
            continue
        sentences = sum(1 for s in split_sentences(paragraph) if split_words(s)) or 1
        syllables = sum(count_syllables(word) for word in words)
        total = total + TextStats(sentences, len(words), syllables)
    return total


def reading_age(paragraphs: str | Iterable[str]) -> float:
    """Flesch-Kincaid grade + 5, rounded to one decimal place."""
    return round(text_stats(paragraphs).reading_age, 1)
