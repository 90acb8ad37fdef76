"""The appeal editor's form: its fields, filled from a record, and read back into one.

What the author writes is composed into a native file (:func:`~publisher.importers.writer.
native_document`: every value through the YAML dumper, the body as written) and read by the
native importer, so a form and a file are read by one set of rules. Each importer error and each
finding of the checks is put back on the form field it concerns: by the record field it names
(``image.alt`` → the image description), or else by the line of the composed file it names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from publisher.domain.record import DEFAULT_TIMEZONE, Appeal, AppealKind, Topic
from publisher.errors import Problem, RecordInvalid
from publisher.importers import ImportResult, parse_appeal
from publisher.importers.common import parse_local_time
from publisher.importers.writer import (
    FRONT_MATTER_KEYS,
    NativeDocument,
    body_markdown,
    native_document,
    record_values,
)
from publisher.lint import Finding

__all__ = [
    "FIELDS",
    "KINDS",
    "SOURCE",
    "TOPICS",
    "AppealForm",
    "FieldProblem",
    "Reading",
    "ShownFinding",
    "form_field",
    "read_form",
    "shown_findings",
]

SOURCE = "editor"
"""The source of a revision stored from the form (shown in the appeal's revisions)."""

FIELDS: dict[str, str] = {
    "title": "Title",
    "summary": "Summary",
    "area": "Area",
    "kind": "Kind",
    "url": "Web address",
    "appeal_id": "Short name",
    "published": "Published",
    "image_url": "Image address",
    "image_alt": "Image description",
    "hashtags": "Hashtags",
    "topics": "Sensitive topics",
    "body": "Text of the appeal",
    "text": "The whole appeal",
    "file": "Appeal file",
}
"""The form's fields (their ids and names) and how the page labels them, in page order."""

KINDS = tuple(kind.value for kind in AppealKind)
TOPICS = tuple(topic.value for topic in Topic)

_BY_RECORD_FIELD = {
    "id": "appeal_id",
    "title": "title",
    "summary": "summary",
    "area": "area",
    "kind": "kind",
    "url": "url",
    "published": "published",
    "published_at": "published",
    "image": "image_url",
    "hashtags": "hashtags",
    "topics": "topics",
    "inferred_topics": "body",
    "body": "body",
}
_FORM_KEYS = frozenset(
    {"id", "title", "summary", "area", "url", "published", "kind", "image", "topics", "hashtags"}
)
"""The front matter keys the form writes; the others are kept from the current revision."""


def form_field(record_field: str | None) -> str | None:
    """The form field that shows the record field ``record_field`` (``image.alt``,
    ``body[2].items[0]``, ``hashtags.1``…), or None for one the form has no field for."""
    if not record_field:
        return None
    if record_field.startswith("image.alt"):
        return "image_alt"
    top = re.split(r"[.\[]", record_field, maxsplit=1)[0]
    return _BY_RECORD_FIELD.get(top)


@dataclass(frozen=True)
class FieldProblem:
    """One entry of the error summary, shown again beside its field (``""``: the form as a
    whole)."""

    field: str
    message: str


@dataclass(frozen=True)
class ShownFinding:
    """A finding of the checks as the form shows it beside its field."""

    code: str
    severity: str
    message: str
    fix: str
    where: str = ""
    """Where in the field, for the text: "Line 3 of the text"."""


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class AppealForm:
    """The values of the form, as written."""

    title: str = ""
    summary: str = ""
    area: str = ""
    kind: str = ""
    url: str = ""
    appeal_id: str = ""
    published: str = ""
    image_url: str = ""
    image_alt: str = ""
    hashtags: str = ""
    topics: tuple[str, ...] = ()
    body: str = ""

    @classmethod
    def read(cls, form: FormData) -> AppealForm:
        return cls(
            title=_text(form, "title"),
            summary=_text(form, "summary"),
            area=_text(form, "area"),
            kind=_text(form, "kind").strip(),
            url=_text(form, "url").strip(),
            appeal_id=_text(form, "appeal_id").strip(),
            published=_text(form, "published"),
            image_url=_text(form, "image_url").strip(),
            image_alt=_text(form, "image_alt"),
            hashtags=_text(form, "hashtags"),
            topics=tuple(v for v in form.getlist("topics") if isinstance(v, str)),
            body=_text(form, "body"),
        )

    @classmethod
    def of(cls, appeal: Appeal) -> AppealForm:
        """The form filled from ``appeal``: saved again unchanged, it is the same record."""
        values = dict(record_values(appeal))
        image: dict[str, str] = values["image"] or {}
        return cls(
            title=values["title"],
            summary=values["summary"],
            area=values["area"],
            kind=values["kind"],
            url=values["url"],
            appeal_id=values["id"],
            published=values["published"],
            image_url=image.get("url", ""),
            image_alt=image.get("alt", ""),
            hashtags=" ".join(f"#{tag}" for tag in appeal.hashtags),
            topics=tuple(values["topics"] or ()),
            body=body_markdown(appeal.body),
        )

    def missing(self, zone: ZoneInfo) -> list[FieldProblem]:
        """What must be filled in, or written otherwise, before the form can become an appeal
        (the published time read in ``zone`` the importer's way, so that its error shows with
        those of the empty fields)."""
        needed = (
            ("title", self.title, "Enter a title"),
            ("area", self.area, "Enter the area the appeal is about, for example Derbyshire"),
            ("url", self.url, "Enter the web address of the appeal's page"),
            (
                "published",
                self.published,
                "Enter when the appeal was published, for example 09:30 24/10/2020",
            ),
            ("body", self.body, "Write the text of the appeal"),
        )
        problems = [FieldProblem(name, text) for name, value, text in needed if not value.strip()]
        if problems and self.published.strip():
            try:
                parse_local_time(
                    _one_line(self.published), zone, source=None, line=None, field="published"
                )
            except RecordInvalid as exc:
                problems.append(FieldProblem("published", _sentence(exc.problem.message)))
        if self.image_alt.strip() and not self.image_url:
            problems.append(
                FieldProblem("image_url", "Enter the image's address, or delete its description")
            )
        problems.sort(key=lambda p: list(FIELDS).index(p.field))
        return problems

    def hashtag_list(self) -> list[str]:
        return [tag for tag in re.split(r"[,\s]+", self.hashtags) if tag.strip("#")]

    def document(self, current: Appeal | None) -> NativeDocument:
        """The native file of these values; for an edit, with the fields the form does not
        show (organisation, updated time, status, resolution, campaigns, time zone, language)
        kept from ``current``, and its id unless another is given."""
        kept = {k: v for k, v in record_values(current) if k not in _FORM_KEYS} if current else {}
        image: dict[str, str] | None = None
        if self.image_url:
            image = {"url": self.image_url}
            if self.image_alt.strip():
                image["alt"] = _one_line(self.image_alt)
        given: dict[str, Any] = {
            "id": self.appeal_id or (current.id if current else None),
            "title": _one_line(self.title) or None,
            "summary": _one_line(self.summary) or None,
            "area": _one_line(self.area) or None,
            "url": self.url or None,
            "published": _one_line(self.published) or None,
            "kind": self.kind or None,
            "image": image,
            "topics": list(self.topics) or None,
            "hashtags": self.hashtag_list() or None,
        }
        values = {**kept, **given}
        return native_document(((key, values.get(key)) for key in FRONT_MATTER_KEYS), self.body)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _problem(exc: RecordInvalid, document: NativeDocument) -> FieldProblem:
    """An importer error on the field it concerns: by its field, else by its line."""
    name = form_field(exc.field) or form_field(document.key_at(exc.line))
    body_line = document.body_line_of(exc.line)
    if name is None and body_line is not None:
        name = "body"
    message = _sentence(exc.problem.message)
    if name == "body" and body_line is not None:
        message = f"Line {body_line} of the text: {message}"
    return FieldProblem(name or "", message)


def _where(finding: Finding, name: str) -> str:
    if name == "body" and finding.line is not None:
        return f"Line {finding.line} of the text"
    posts = re.search(r"^(\w+)\.posts\[(\d+)\]", finding.field or "")
    if posts:
        return f"{posts.group(1)} post {int(posts.group(2)) + 1}"
    return ""


def shown_findings(findings: Iterable[Finding]) -> dict[str, list[ShownFinding]]:
    """Findings by the form field they concern (lines are lines of the text: see
    :meth:`Reading.lines`); those of no field (the renditions') under ``""``."""
    shown: dict[str, list[ShownFinding]] = {}
    for finding in findings:
        name = form_field(finding.field)
        if name is None and finding.field is None and finding.line is not None:
            name = "body"
        key = name or ""
        shown.setdefault(key, []).append(
            ShownFinding(
                code=finding.code,
                severity=finding.severity,
                message=finding.message,
                fix=finding.fix,
                where=_where(finding, key),
            )
        )
    return shown


@dataclass(frozen=True)
class Reading:
    """The form read as an appeal: the problems that stop it, or the import's result and the
    composed file it was read from (whose lines the findings are put back with)."""

    values: AppealForm
    problems: Sequence[FieldProblem] = ()
    result: ImportResult | None = None
    document: NativeDocument | None = None

    @property
    def appeal(self) -> Appeal | None:
        return None if self.result is None else self.result.appeal

    def lines(self) -> tuple[dict[str, int], tuple[Problem, ...]]:
        """The import's record lines and warnings, with lines of the text the author wrote in
        place of lines of the composed file: the checks then name "line 3" as the author sees
        it, and a warning about a field of the form names no line."""
        if self.result is None or self.document is None:
            return {}, ()
        document = self.document
        lines: dict[str, int] = {}
        for key, line in self.result.lines.items():
            in_body = document.body_line_of(line)
            if key.startswith("body") and in_body is not None:
                lines[key] = in_body
        warnings = tuple(
            replace(w, line=document.body_line_of(w.line), file=None) for w in self.result.warnings
        )
        return lines, warnings


def read_form(values: AppealForm, current: Appeal | None) -> Reading:
    """Read ``values`` into an appeal with the native importer; for an edit of ``current``,
    refuse another id."""
    problems = values.missing(ZoneInfo(current.timezone if current else DEFAULT_TIMEZONE))
    if problems:
        return Reading(values, problems)
    if current is not None and values.appeal_id and values.appeal_id != current.id:
        return Reading(
            values,
            [
                FieldProblem(
                    "appeal_id",
                    f"The short name of this appeal is {current.id} and cannot change: to use "
                    "another, create a new appeal",
                )
            ],
        )
    document = values.document(current)
    try:
        result = parse_appeal(document.text, source=SOURCE, fmt="native")
    except RecordInvalid as exc:
        return Reading(values, [_problem(exc, document)], document=document)
    return Reading(values, (), result, document)
