"""Link text: it must say where the link goes, because screen reader users jump from link to
link, and "click here" means nothing out of context (or on paper, or in a text message)."""

from __future__ import annotations

import re

from publisher.lint._context import Context, UnitKind, quote, units
from publisher.lint._finding import Finding

__all__ = ["check_link_text", "is_vague_link_text", "looks_like_url"]

_VAGUE = frozenset(
    {"here", "click here", "click", "read more", "more", "this link", "link", "this page",
     "click this link", "more info", "more information", "find out more", "learn more",
     "see more", "go", "this", "website", "this website", "page", "tap here", "press here"}
)  # fmt: skip
_CLICK_HERE_RE = re.compile(r"\b(?:click|tap|press)\s+here\b", re.IGNORECASE)
_URL_TEXT_RE = re.compile(
    r"^(?:https?://|www\.)\S+$|^[\w-]+(?:\.[\w-]+)+\.(?:uk|com|org|net|gov|info|io)(?:/\S*)?$",
    re.IGNORECASE,
)


def is_vague_link_text(text: str) -> bool:
    """'here', 'click here', 'read more'…: link text that does not say where it goes."""
    normal = " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())
    return normal in _VAGUE


def looks_like_url(text: str) -> bool:
    return bool(_URL_TEXT_RE.match(text.strip().rstrip(".,;:")))


def check_link_text(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for unit in units(ctx.appeal):
        if unit.kind is not UnitKind.PROSE:
            continue
        linked_click_here = False
        for span in unit.spans:
            if span.href is None:
                continue  # contacts (tel:, sms:) show the number itself: that is the point
            if is_vague_link_text(span.text):
                linked_click_here = linked_click_here or bool(_CLICK_HERE_RE.search(span.text))
                findings.append(
                    ctx.finding(
                        "link-text",
                        "warning",
                        f"The link text {quote(span.text)} does not say where the link goes. "
                        "People using screen readers often hear links on their own, out of "
                        "context.",
                        "Make the words of the link describe where it goes, e.g. 'read our "
                        "advice on domestic abuse', not 'click here'.",
                        unit.field,
                    )
                )
            elif looks_like_url(span.text):
                findings.append(
                    ctx.finding(
                        "link-text",
                        "warning",
                        f"The link text is a bare web address, {quote(span.text)}: screen "
                        "readers read it out character by character.",
                        "Link a few words that describe the page instead, e.g. 'advice and "
                        "support on our website'. Keep the address itself short, if you show "
                        "it at all.",
                        unit.field,
                    )
                )
        if not linked_click_here and (match := _CLICK_HERE_RE.search(unit.text)):
            findings.append(
                ctx.finding(
                    "link-text",
                    "warning",
                    f"{quote(match.group())} means nothing on paper, in a text message or to a "
                    f"screen reader: {quote(unit.text)}.",
                    "Say what the reader will find, e.g. 'Read our advice on domestic abuse "
                    "on our website'.",
                    unit.field,
                )
            )
    return findings
