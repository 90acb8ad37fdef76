"""Revision history side by side: what changed in an appeal from one stored revision to another.

A record is compared as text, field by field and then its body as the editor writes it
(:func:`revision_text`), line by line with :mod:`difflib`; a changed line also says which of its
words changed. Unchanged runs longer than a few lines are folded, so that one changed word in a
long appeal is easy to find.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from publisher.domain.record import Appeal
from publisher.errors import UnknownRevision
from publisher.importers.writer import body_markdown
from publisher.store import Store, appeals
from publisher.store.appeals import RevisionSummary

__all__ = ["CONTEXT", "DiffLine", "RevisionDiff", "diff_lines", "revision_diff", "revision_text"]

CONTEXT = 3
"""Unchanged lines shown around each change; longer unchanged runs are folded."""

Change = Literal["same", "added", "removed", "folded"]


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: unchanged, added or removed (with its line number in the older and
    the newer text), or a fold standing for ``folded`` unchanged lines.

    ``parts`` is the line's text in pieces, each marked True where its words changed (on an
    added or removed line that replaces another; a wholly new line has one unmarked piece).
    """

    change: Change
    before: int | None
    after: int | None
    parts: tuple[tuple[str, bool], ...] = ()
    folded: int = 0

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.parts)


@dataclass(frozen=True)
class RevisionDiff:
    """What changed in revision ``number`` of an appeal since revision ``against`` (None: it is
    the first revision, and every line is new)."""

    appeal_id: str
    title: str
    number: int
    against: int | None
    revision: RevisionSummary | None
    base: RevisionSummary | None
    lines: tuple[DiffLine, ...]
    numbers: tuple[int, ...]
    """Every revision number of the appeal, oldest first."""
    unseen: bool = False
    """The two records differ only where their text does not show (a phone number's name, a
    call to action written as a paragraph): the diff has no lines, yet they are not the same."""

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.change == "added")

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.change == "removed")


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "(none)"
    local = moment.astimezone(zone)
    shape = "%H:%M:%S %d/%m/%Y %Z" if local.second or local.microsecond else "%H:%M %d/%m/%Y %Z"
    return local.strftime(shape)


def _listed(items: Sequence[str], prefix: str = "") -> str:
    return " ".join(prefix + item for item in items) or "(none)"


def revision_text(appeal: Appeal) -> list[str]:
    """``appeal`` as the lines a diff compares: one line for each field (empty ones too, so
    that a field that appears or goes shows as a change), then ``Text:`` and the body in the
    native Markdown, one paragraph, list item or contact a line."""
    zone = appeal.zone
    image = appeal.image
    lines = [
        f"Title: {appeal.title}",
        f"Summary: {appeal.summary}",
        f"Kind: {appeal.kind.value}",
        f"Status: {appeal.status.value}",
        f"Resolution: {appeal.resolution or '(none)'}",
        f"Area: {appeal.area}",
        f"Organisation: {appeal.organisation or '(none)'}",
        f"Web address: {appeal.url}",
        f"Published: {_when(appeal.published_at, zone)}",
        f"Updated: {_when(appeal.updated_at, zone)}",
        f"Image: {image.url if image else '(none)'}",
        f"Image description: {(image.alt if image else None) or '(none)'}",
        f"Hashtags: {_listed(appeal.hashtags, '#')}",
        f"Sensitive topics: {_listed([t.value for t in appeal.topics])}",
        f"Topics found in the text: {_listed([t.value for t in appeal.inferred_topics])}",
        f"Campaigns: {_listed(appeal.campaigns)}",
        f"Time zone: {appeal.timezone}",
        f"Language: {appeal.locale}",
        "Text:",
    ]
    lines.extend(line for line in body_markdown(appeal.body).split("\n") if line.strip())
    return lines


_WORDS = re.compile(r"\s+|[^\s]+")


def _word_parts(
    old: str, new: str
) -> tuple[tuple[tuple[str, bool], ...], tuple[tuple[str, bool], ...]]:
    """The pieces of ``old`` and of ``new``, each marked where the words differ."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    removed: list[tuple[str, bool]] = []
    added: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            removed.append(("".join(a[i1:i2]), tag != "equal"))
        if j2 > j1:
            added.append(("".join(b[j1:j2]), tag != "equal"))
    return _merged(removed), _merged(added)


def _merged(parts: list[tuple[str, bool]]) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for text, changed in parts:
        if out and out[-1][1] == changed:
            out[-1] = (out[-1][0] + text, changed)
        else:
            out.append((text, changed))
    return tuple(out)


def _same(old: Sequence[str], i1: int, j1: int, offset: int) -> DiffLine:
    return DiffLine("same", i1 + offset + 1, j1 + offset + 1, ((old[i1 + offset], False),))


def diff_lines(old: Sequence[str], new: Sequence[str], *, context: int = CONTEXT) -> list[DiffLine]:
    """The line diff of ``old`` → ``new``: every change, ``context`` unchanged lines around
    each, and a fold for each longer unchanged run. Empty when nothing changed."""
    matcher = difflib.SequenceMatcher(None, list(old), list(new), autojunk=False)
    out: list[DiffLine] = []
    opcodes = matcher.get_opcodes()
    if all(tag == "equal" for tag, *_ in opcodes):
        return []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            # Keep ``context`` lines after the change before and before the change after.
            length = i2 - i1
            head = context if index > 0 else 0
            tail = context if index < len(opcodes) - 1 else 0
            if length <= head + tail + 1:
                out.extend(_same(old, i1, j1, k) for k in range(length))
            else:
                out.extend(_same(old, i1, j1, k) for k in range(head))
                out.append(DiffLine("folded", None, None, folded=length - head - tail))
                out.extend(_same(old, i1, j1, k) for k in range(length - tail, length))
            continue
        removed = list(range(i1, i2))
        added = list(range(j1, j2))
        pairs = min(len(removed), len(added)) if tag == "replace" else 0
        marked_old: dict[int, tuple[tuple[str, bool], ...]] = {}
        marked_new: dict[int, tuple[tuple[str, bool], ...]] = {}
        for k in range(pairs):
            marked_old[removed[k]], marked_new[added[k]] = _word_parts(
                old[removed[k]], new[added[k]]
            )
        for i in removed:
            out.append(DiffLine("removed", i + 1, None, marked_old.get(i, ((old[i], False),))))
        for j in added:
            out.append(DiffLine("added", None, j + 1, marked_new.get(j, ((new[j], False),))))
    return out


def revision_diff(
    store: Store, appeal_id: str, number: int, *, against: int | None = None
) -> RevisionDiff:
    """What changed in revision ``number`` of the appeal since revision ``against`` (default:
    the one before; for revision 1, nothing: every line is new). :class:`UnknownAppeal` or
    :class:`UnknownRevision` when either is not stored."""
    with store.session() as session:
        newer = appeals.load_revision(session, appeal_id, number)
        base_number = number - 1 if against is None else against
        if against is not None and against < 1:
            raise UnknownRevision(f"appeal {appeal_id!r} has no revision {against}")
        older = appeals.load_revision(session, appeal_id, base_number) if base_number else None
        summaries = {r.number: r for r in appeals.revisions_of(session, appeal_id)}
    lines = diff_lines(revision_text(older) if older else [], revision_text(newer))
    unseen = older is not None and not lines and not appeals.same_content(older, newer)
    return RevisionDiff(
        appeal_id=appeal_id,
        title=newer.title,
        number=number,
        against=base_number or None,
        revision=summaries.get(number),
        base=summaries.get(base_number),
        lines=tuple(lines),
        numbers=tuple(sorted(summaries)),
        unseen=unseen,
    )
