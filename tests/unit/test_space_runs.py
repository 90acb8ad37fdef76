"""The cleaning shortcuts give the text the plain rules give: a run of spaces (and tabs, or of
any whitespace) becomes one space, a space before punctuation goes, typography is folded."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.channels import text as text_channel
from publisher.channels._common import drop_tags, strip_control
from publisher.channels.x import text as x_text

_PIECES = [" ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u00a0", "\u2028"]
_PIECES += ["\u3000", "a", "é", ".", ",", ")", "?", "’", "—", "…", "*", "_", "<b>", "x y"]
_PIECES += ["- ", "# ", "> ", "[a](b)", "😀", "\u200b", "`", "<", ">"]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=16).map("".join)


@settings(max_examples=3_000, deadline=None, derandomize=True, database=None)
@given(_TEXTS)
def test_space_runs_become_one_space(text: str) -> None:
    assert text_channel._SPACES.sub(" ", text) == re.sub(r"[ \t]+", " ", text)
    assert x_text._WHITESPACE.sub(" ", text) == re.sub(r"\s+", " ", text)


def _clean_text_as_it_was(text: str) -> str:
    """clean_text before its shortcuts: every step on every text."""
    t = text_channel
    text = unicodedata.normalize("NFC", strip_control(text))
    text = drop_tags(text)
    text = text.replace("<", " less than ").replace(">", " greater than ")
    if not text.isascii():
        text = t._INVISIBLE.sub("", t._no_emoji(text))
    text = text.translate(t._FOLD)
    if "](" in text:
        text = t._MD_LINK.sub(r"\1: \2", text)
    if "*" in text or "_" in text:
        text = t._MD_STRONG.sub(r"\2", text)
        text = t._MD_EM.sub(r"\2", text)
    text = text.replace("`", "").replace("~~", "")
    text = t._MD_LINE_START.sub("", text)
    text = re.sub(r"[ \t]+", " ", text).strip()
    return t._SPACE_BEFORE_PUNCT.sub(r"\1", text)


@settings(max_examples=3_000, deadline=None, derandomize=True, database=None)
@given(_TEXTS)
def test_clean_text_is_as_it_was(text: str) -> None:
    assert text_channel.clean_text(text) == _clean_text_as_it_was(text)
