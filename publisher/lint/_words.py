"""English word frequencies, offline: wordsegment's bundled unigram counts, loaded once."""

from __future__ import annotations

from functools import cache

import wordsegment

__all__ = ["common_words"]


@cache
def common_words() -> dict[str, float]:
    """Word → count in wordsegment's corpus (about 333,000 words). Loads on first use."""
    wordsegment.load()
    unigrams: dict[str, float] = wordsegment.UNIGRAMS
    return unigrams
