"""Small helpers shared by the file channels (feeds, text): text hygiene, the page's URL.

Links are checked by :func:`publisher.domain.links.safe_href` and files are published by
:func:`publisher.channel.files.publish_files`, the same for every channel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from publisher.channel import RenderContext
from publisher.domain.record import Appeal, Block, Paragraph

__all__ = [
    "join_texts",
    "needs_space",
    "opening_text",
    "page_url",
    "same_words",
    "strip_control",
]

# C0 controls except tab and newline (CR is folded to a newline first), DEL, C1 controls,
# lone surrogates and the two non-characters XML 1.0 forbids.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NO_SPACE_BEFORE = re.compile(r"^[.,;:!?)\]}%…’”]")
_NO_SPACE_AFTER = re.compile(r"[(\[{£$‘“]$")
_CLOSES = re.compile(r"\s|[.,;:!?)\]}…]")


def strip_control(text: str) -> str:
    """``text`` without control characters (illegal in XML, invisible and risky elsewhere)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def needs_space(before: str, after: str) -> bool:
    """Whether two inline runs (spans) need a space between them.

    Spans keep their spaces as written, but the channels clean each run on its own (which
    trims it), so the space between "call" and "999" has to be put back: never before closing
    punctuation or after an opening bracket or quote, and never twice. A straight double
    quote opens or closes by count: after an odd number of them in ``before`` a quote is still
    open, so ``Call "`` + ``101`` + ``" now.`` reads ``Call "101" now.``, not
    ``Call " 101 " now.``; a single quote by its place.
    """
    if not before or not after or before[-1].isspace() or after[0].isspace():
        return False
    if _NO_SPACE_BEFORE.match(after) or _NO_SPACE_AFTER.search(before):
        return False
    quote_open = before.count('"') % 2 == 1
    if quote_open and (before.endswith('"') or after.startswith('"')):
        return False
    # A single quote opens after a space or an opening bracket, and closes before a space or
    # closing punctuation; otherwise it may be an apostrophe, and the rules above apply.
    if before.endswith("'") and (len(before) == 1 or before[-2].isspace() or before[-2] in "([{"):
        return False
    return not (after.startswith("'") and (len(after) == 1 or _CLOSES.match(after[1:])))


def join_texts(texts: Iterable[str]) -> str:
    """Join inline runs with :func:`needs_space` spacing."""
    out = ""
    for text in texts:
        if needs_space(out, text):
            out += " "
        out += text
    return out


def same_words(a: str, b: str) -> bool:
    """Whether two texts say the same words (case, punctuation and spacing aside)."""

    def norm(text: str) -> str:
        return re.sub(r"[\W_]+", " ", text.casefold()).strip()

    return norm(a) == norm(b)


def opening_text(body: Sequence[Block]) -> str:
    """The words of the body's first block when it is a paragraph (else ""): a summary that
    only repeats them is not shown twice."""
    first = body[0] if body else None
    if not isinstance(first, Paragraph):
        return ""
    return join_texts(span.text for span in first.spans)


def page_url(appeal: Appeal, context: RenderContext) -> str:
    """The absolute URL of the appeal's page as we publish it: the web channel writes it at
    ``<appeal.path>index.html`` under the output folder, which is served at ``SITE_URL``."""
    return context.absolute(appeal.path)
