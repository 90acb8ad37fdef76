"""What every check works on: the appeal's text in reading order, and where it came from."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from publisher.domain.record import (
    Appeal,
    BulletList,
    CallToAction,
    ContactList,
    Heading,
    Paragraph,
    Quote,
    Span,
)
from publisher.lint._finding import Finding, Severity

__all__ = ["Context", "Unit", "UnitKind", "quote", "units"]


class UnitKind(StrEnum):
    TITLE = "title"
    SUMMARY = "summary"
    HEADING = "heading"
    PROSE = "prose"
    """Running text: paragraphs, quote paragraphs, list items, calls to action."""
    LABEL = "label"
    """Short labels: a speaker and role, a contact's name, display and note, the image alt."""


@dataclass(frozen=True)
class Unit:
    """One piece of text as readers meet it, with the record field it lives in."""

    field: str
    kind: UnitKind
    text: str
    spans: tuple[Span, ...] = ()
    in_body: bool = True


def _paragraph(field: str, para: Paragraph | CallToAction) -> Unit:
    return Unit(field, UnitKind.PROSE, _join(para.spans), para.spans)


def _join(spans: tuple[Span, ...]) -> str:
    """Spans joined as a reader sees them: a space between spans unless punctuation follows."""
    out = ""
    for span in spans:
        text = span.text
        if (
            out
            and text
            and not out[-1].isspace()
            and not text[0].isspace()
            and not re.match(r"[.,;:!?)\]’”'\"…]", text)
            and out[-1] not in "([“‘/-"
        ):
            out += " "
        out += text
    return out


def units(appeal: Appeal) -> Iterator[Unit]:
    """Every piece of text in the appeal, in reading order."""
    yield Unit("title", UnitKind.TITLE, appeal.title, in_body=False)
    yield Unit("summary", UnitKind.SUMMARY, appeal.summary, in_body=False)
    if appeal.image is not None and appeal.image.alt:
        yield Unit("image.alt", UnitKind.LABEL, appeal.image.alt, in_body=False)
    for index, block in enumerate(appeal.body):
        field = f"body[{index}]"
        if isinstance(block, Paragraph | CallToAction):
            yield _paragraph(field, block)
        elif isinstance(block, Heading):
            yield Unit(field, UnitKind.HEADING, block.text)
        elif isinstance(block, Quote):
            attribution = ", ".join(part for part in (block.speaker, block.role) if part)
            yield Unit(f"{field}.speaker", UnitKind.LABEL, attribution)
            for number, para in enumerate(block.paragraphs):
                yield _paragraph(f"{field}.paragraphs[{number}]", para)
        elif isinstance(block, ContactList):
            if block.intro is not None:
                yield _paragraph(f"{field}.intro", block.intro)
            for number, contact in enumerate(block.contacts):
                where = f"{field}.contacts[{number}]"
                yield Unit(f"{where}.name", UnitKind.LABEL, contact.name)
                if contact.note:
                    yield Unit(f"{where}.note", UnitKind.LABEL, contact.note)
        elif isinstance(block, BulletList):
            if block.intro is not None:
                yield _paragraph(f"{field}.intro", block.intro)
            for number, item in enumerate(block.items):
                yield _paragraph(f"{field}.items[{number}]", item)


def quote(text: str, limit: int = 70) -> str:
    """``text`` in single quotes, shortened with an ellipsis past ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
        text = cut.rstrip(",;:") + "…"
    return f"'{text}'"


_INDEX_RE = re.compile(r"(?:\.[A-Za-z_]+|\[\d+\])$")


@dataclass(frozen=True)
class Context:
    """The appeal being checked, where it came from, and a factory for findings."""

    appeal: Appeal
    lines: Mapping[str, int] | None = None

    def line_of(self, field: str | None) -> int | None:
        """The source line of ``field`` or, failing that, of the nearest enclosing field."""
        if field is None or not self.lines:
            return None
        current = field
        while current:
            if current in self.lines:
                return self.lines[current]
            parent = _INDEX_RE.sub("", current)
            if parent == current:
                return None
            current = parent
        return None

    def finding(
        self, code: str, severity: Severity, message: str, fix: str, field: str | None
    ) -> Finding:
        return Finding(
            code=code,
            severity=severity,
            message=message,
            fix=fix,
            file=self.appeal.source,
            line=self.line_of(field),
            field=field,
        )
