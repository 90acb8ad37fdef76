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

from publisher.domain.record import (
    DEFAULT_TIMEZONE,
    Appeal,
    AppealKind,
    AppealStatus,
    Topic,
    Translation,
)
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
from publisher.lint import Finding, language_name

__all__ = [
    "FIELDS",
    "KINDS",
    "SOURCE",
    "TOPICS",
    "WORD_FIELDS",
    "AppealForm",
    "ComposedDocument",
    "FieldProblem",
    "Reading",
    "ShownFinding",
    "TranslationForm",
    "form_field",
    "labels_for",
    "language_problems",
    "read_form",
    "shown_findings",
    "translation_field",
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
    "resolution": "Resolution",
    "text": "The whole appeal",
    "file": "Appeal file",
}
"""The form's fields (their ids and names) and how the page labels them, in page order."""

WORD_FIELDS: dict[str, str] = {
    "title": "Title",
    "summary": "Summary",
    "body": "Text of the appeal",
    "image_alt": "Image description",
    "hashtags": "Hashtags",
    "resolution": "Resolution",
}
"""The fields every language writes for itself, in the order the editor shows them side by
side; the others (times, area, web address, image address, topics) are shared, written once."""

_LOCALE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
_SECTION_LINE = re.compile(r"^---[ \t]+\S+[ \t]*$")
"""A line the native format reads as the start of another language (``--- cy``)."""
_TRANSLATION_FIELD = re.compile(r"^translations\.(\d+)(?:\.([a-z_]+))?")


def translation_field(locale: str, name: str) -> str:
    """The form field (its id and name) of ``name`` in the ``locale`` translation:
    ``cy_GB-title``; ``cy_GB-status`` is the column's own (where its findings are shown)."""
    return f"{locale}-{name}"


def labels_for(locales: Iterable[str]) -> dict[str, str]:
    """:data:`FIELDS` and the fields of each translation in ``locales``, labelled with their
    language: "Title (Welsh)"."""
    labels = dict(FIELDS)
    for locale in locales:
        language = language_name(locale)
        for name, label in WORD_FIELDS.items():
            labels[translation_field(locale, name)] = f"{label} ({language})"
        labels[translation_field(locale, "status")] = f"The {language} translation"
    return labels


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
    "resolution": "resolution",
}
_FORM_KEYS = frozenset(
    {"id", "title", "summary", "area", "url", "published", "kind", "image", "topics", "hashtags"}
)
"""The front matter keys the form writes; the others are kept from the current revision."""


def form_field(record_field: str | None, locales: Sequence[str] = ()) -> str | None:
    """The form field that shows the record field ``record_field`` (``image.alt``,
    ``body[2].items[0]``, ``hashtags.1``, ``translations.0.title``…), or None for one the form
    has no field for. ``locales``: the record's translations, in order (``translations.0`` is
    the first's column)."""
    if not record_field:
        return None
    tr = _TRANSLATION_FIELD.match(record_field)
    if tr is not None:
        index = int(tr.group(1))
        if index >= len(locales):
            return None
        key = tr.group(2) or "status"
        if key == "locale":
            key = "status"
        if key not in WORD_FIELDS and key != "status":
            return None
        return translation_field(locales[index], key)
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


def _section_lines(body: str, field: str, language: str | None) -> list[FieldProblem]:
    """A problem for each line of ``body`` that the native format would read as the start of
    another language's section."""
    whose = f"the {language} text" if language else "the text"
    return [
        FieldProblem(
            field,
            f"Line {number} of {whose}: a line of three hyphens and a word starts another "
            "language: write it otherwise, for example without the space after the hyphens",
        )
        for number, line in enumerate(body.split("\n"), start=1)
        if _SECTION_LINE.match(line.rstrip("\r"))
    ]


@dataclass(frozen=True)
class TranslationForm:
    """The words of one translation, as written in its column of the form."""

    locale: str
    title: str = ""
    summary: str = ""
    body: str = ""
    image_alt: str = ""
    hashtags: str = ""
    resolution: str | None = None
    """None: the form does not show it (the appeal is not resolved); the stored one is kept."""

    @property
    def language(self) -> str:
        """The language's name in English: "Welsh"."""
        return language_name(self.locale)

    @property
    def lang(self) -> str:
        """The BCP 47 tag for ``lang`` attributes: ``cy-GB``."""
        return self.locale.replace("_", "-")

    def field(self, name: str) -> str:
        return translation_field(self.locale, name)

    @classmethod
    def read(cls, form: FormData, locale: str) -> TranslationForm:
        def get(name: str) -> str:
            return _text(form, translation_field(locale, name))

        shown = translation_field(locale, "resolution") in form
        return cls(
            locale=locale,
            title=get("title"),
            summary=get("summary"),
            body=get("body"),
            image_alt=get("image_alt"),
            hashtags=get("hashtags"),
            resolution=get("resolution") if shown else None,
        )

    @classmethod
    def of(cls, translation: Translation, *, resolution: bool) -> TranslationForm:
        return cls(
            locale=translation.locale,
            title=translation.title,
            summary=translation.summary,
            body=body_markdown(translation.body),
            image_alt=translation.image_alt or "",
            hashtags=" ".join(f"#{tag}" for tag in translation.hashtags),
            resolution=(translation.resolution or "") if resolution else None,
        )

    def missing(self) -> list[FieldProblem]:
        """What must be written before this translation can be saved."""
        language = self.language
        problems = []
        if not self.title.strip():
            problems.append(FieldProblem(self.field("title"), f"Enter the {language} title"))
        if not self.body.strip():
            problems.append(
                FieldProblem(self.field("body"), f"Write the {language} text of the appeal")
            )
        return problems + _section_lines(self.body, self.field("body"), language)

    def section_values(self, stored: Translation | None) -> list[tuple[str, Any]]:
        """The front matter of this translation's section; what the form does not show (its
        page's address, which English it was made from, a resolution not shown) kept from
        ``stored``."""
        resolution = self.resolution
        if resolution is None:
            kept = stored.resolution if stored is not None else None
        else:
            kept = _one_line(resolution) or None
        tags = [tag for tag in re.split(r"[,\s]+", self.hashtags) if tag.strip("#")]
        return [
            ("title", _one_line(self.title) or None),
            ("summary", _one_line(self.summary) or None),
            ("image_alt", _one_line(self.image_alt) or None),
            ("resolution", kept),
            ("url", None if stored is None or stored.url is None else str(stored.url)),
            ("hashtags", tags or None),
            ("source_digest", None if stored is None else stored.source_digest),
        ]


def _shows_resolution(appeal: Appeal) -> bool:
    return (
        appeal.status is AppealStatus.RESOLVED
        or bool(appeal.resolution)
        or any(tr.resolution for tr in appeal.translations)
    )


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
    resolution: str | None = None
    """None: the form does not show it (the appeal is not resolved); the stored one is kept."""
    translations: tuple[TranslationForm, ...] = ()
    translations_shown: bool = False
    """Whether the form said which translations it holds (``translations_shown``): a form
    that does not (an older page) keeps the stored translations as they are."""

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(tr.locale for tr in self.translations)

    def translation(self, locale: str) -> TranslationForm | None:
        return next((tr for tr in self.translations if tr.locale == locale), None)

    def with_translations(self, translations: Iterable[TranslationForm]) -> AppealForm:
        return replace(self, translations=tuple(translations), translations_shown=True)

    @classmethod
    def read(cls, form: FormData) -> AppealForm:
        locales = dict.fromkeys(
            v.strip() for v in form.getlist("translations") if isinstance(v, str) and v.strip()
        )
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
            resolution=_text(form, "resolution") if "resolution" in form else None,
            translations=tuple(TranslationForm.read(form, locale) for locale in locales),
            translations_shown=_text(form, "translations_shown") == "yes",
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
            resolution=(appeal.resolution or "") if _shows_resolution(appeal) else None,
            translations=tuple(
                TranslationForm.of(tr, resolution=_shows_resolution(appeal))
                for tr in appeal.translations
            ),
            translations_shown=True,
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
        problems.extend(_section_lines(self.body, "body", None))
        problems.sort(key=lambda p: list(FIELDS).index(p.field))
        for translation in self.translations:
            problems.extend(translation.missing())
        return problems

    def hashtag_list(self) -> list[str]:
        return [tag for tag in re.split(r"[,\s]+", self.hashtags) if tag.strip("#")]

    def document(self, current: Appeal | None) -> ComposedDocument:
        """The native file of these values, each translation a section after the primary
        text; for an edit, with the fields the form does not show (organisation, updated time,
        status, resolution unless shown, campaigns, time zone, language) kept from ``current``,
        and its id unless another is given. A form that does not say which translations it
        holds keeps those of ``current``."""
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
        if self.resolution is not None:
            given["resolution"] = _one_line(self.resolution) or None
        values = {**kept, **given}
        primary = native_document(((key, values.get(key)) for key in FRONT_MATTER_KEYS), self.body)
        translations = self.translations
        if not self.translations_shown and current is not None:
            resolution = _shows_resolution(current)
            translations = tuple(
                TranslationForm.of(tr, resolution=resolution) for tr in current.translations
            )
        sections = []
        for translation in translations:
            stored = current.translation(translation.locale) if current is not None else None
            sections.append(
                (
                    translation.locale,
                    native_document(translation.section_values(stored), translation.body),
                )
            )
        return ComposedDocument.of(primary, sections)


@dataclass(frozen=True)
class _Section:
    locale: str
    offset: int
    """File lines before the section's ``--- cy_GB`` line."""
    document: NativeDocument
    """The section as its own native file, its first ``---`` being the ``--- cy_GB`` line."""
    last: int
    """The section's last file line."""


@dataclass(frozen=True)
class ComposedDocument:
    """The native file the form is read as: the primary language's front matter and text,
    then a ``--- cy_GB`` section for each translation; and where each part of it is, so that an
    error or a finding naming a line is put back on its field."""

    text: str
    primary: NativeDocument
    primary_end: int
    """The last file line of the primary language's text."""
    sections: tuple[_Section, ...] = ()

    @classmethod
    def of(
        cls, primary: NativeDocument, sections: Sequence[tuple[str, NativeDocument]]
    ) -> ComposedDocument:
        text = primary.text if primary.text.endswith("\n") else primary.text + "\n"
        primary_end = text.count("\n")
        placed = []
        for locale, section in sections:
            offset = text.count("\n") + 1  # a blank line before the section
            written = f"--- {locale}" + section.text.removeprefix("---")
            if not written.endswith("\n"):
                written += "\n"
            text += "\n" + written
            placed.append(_Section(locale, offset, section, text.count("\n")))
        return cls(text, primary, primary_end, tuple(placed))

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(section.locale for section in self.sections)

    def key_at(self, line: int | None) -> str | None:
        """The primary front matter key written on file line ``line``, or None."""
        return self.primary.key_at(line)

    def body_line_of(self, line: int | None) -> int | None:
        """The line of the primary text (1-based) that is file line ``line``, or None."""
        if line is None or line > self.primary_end:
            return None
        return self.primary.body_line_of(line)

    def place(self, line: int | None) -> tuple[str, str, int | None] | None:
        """(locale, word field or ``status``, line of its text or None) of a file line in a
        translation's section; None for a line of the primary language's part."""
        if line is None:
            return None
        for section in self.sections:
            if section.offset < line <= section.last:
                inner = line - section.offset
                key = section.document.key_at(inner)
                if key is not None:
                    return section.locale, key, None
                body = section.document.body_line_of(inner)
                if body is not None:
                    return section.locale, "body", body
                return section.locale, "status", None
        return None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _problem(exc: RecordInvalid, document: ComposedDocument) -> FieldProblem:
    """An importer error on the field it concerns: by its field, else by its line; one in a
    translation names its language and field ("Welsh title: …")."""
    locales = document.locales
    placed = document.place(exc.line)
    tr = _TRANSLATION_FIELD.match(exc.field or "")
    if tr is not None and int(tr.group(1)) < len(locales):
        key = tr.group(2) or "status"
        locale, text_line = locales[int(tr.group(1))], None
        if placed is not None and placed[0] == locale and placed[1] == key:
            text_line = placed[2]
    elif placed is not None:
        locale, key, text_line = placed
    else:
        return _primary_problem(exc, document)
    if key not in WORD_FIELDS:
        key = "status"
    where = f"{language_name(locale)} {WORD_FIELDS.get(key, 'translation').lower()}"
    if text_line is not None:
        where += f", line {text_line}"
    return FieldProblem(translation_field(locale, key), f"{where}: {exc.problem.message}")


def _primary_problem(exc: RecordInvalid, document: ComposedDocument) -> FieldProblem:
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


def shown_findings(
    findings: Iterable[Finding], locales: Sequence[str] = ()
) -> dict[str, list[ShownFinding]]:
    """Findings by the form field they concern (lines are lines of the text: see
    :meth:`Reading.lines`); a translation's beside its column (``cy_GB-status``) or its field
    (``locales``: the record's translations, in order); those of no field (the renditions')
    under ``""``."""
    shown: dict[str, list[ShownFinding]] = {}
    for finding in findings:
        name = form_field(finding.field, locales)
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
    document: ComposedDocument | None = None

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


def _named(locale: str) -> str:
    """``Welsh (cy_GB)``; a locale without a known name as written."""
    name = language_name(locale)
    return locale if name == locale else f"{name} ({locale})"


def language_problems(
    values: AppealForm, current: Appeal | None, languages: Sequence[str]
) -> list[FieldProblem]:
    """What is wrong with the translations the form holds: a locale that is not one, the
    appeal's own language, or one the force does not publish in (``languages``) that the appeal
    did not already have."""
    primary = current.locale if current is not None else "en_GB"
    had = set(current.languages) if current is not None else set()
    problems = []
    for locale in values.locales:
        if not _LOCALE.match(locale):
            problems.append(
                FieldProblem("", f"{locale!r} is not a language code like cy_GB: reload the page")
            )
        elif locale == primary:
            problems.append(
                FieldProblem(
                    "",
                    f"{_named(locale)} is the appeal's own language: its words "
                    "go in the first column, and a translation is another language",
                )
            )
        elif locale not in languages and locale not in had:
            problems.append(
                FieldProblem(
                    "",
                    f"This force does not publish in {_named(locale)}: it publishes in "
                    f"{', '.join(_named(lang) for lang in languages) or 'one language'}",
                )
            )
    return problems


def read_form(values: AppealForm, current: Appeal | None, languages: Sequence[str] = ()) -> Reading:
    """Read ``values`` into an appeal with the native importer; for an edit of ``current``,
    refuse another id. ``languages``: those the force publishes in (``PUBLISHER_LANGUAGES``),
    the only ones a translation can be added in."""
    refused = language_problems(values, current, languages)
    if refused:
        return Reading(values, refused)
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
