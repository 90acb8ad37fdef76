"""The appeal editor: a form for a new appeal and for an edit, its previews, and what changed in
each revision.

- ``/appeals/new`` and ``/appeals/{id}/edit`` (role author): each field on its own, the body in
  the native Markdown; or a whole appeal file, pasted or uploaded. Errors are shown beside
  their fields; after saving, so are the checks' findings, with their fixes.
- Saving a new appeal stores revision 1 (:func:`publisher.services.create_appeal`: an id that
  is taken is refused). Saving an edit is :func:`publisher.services.edit_appeal`, which stores
  a new revision when something changed. Either waits for approval by someone other than its
  author; approving runs the checks and republishes an appeal that is already published.
  ``/appeals/{id}/update`` (the whole text again, behind a confirmation page, with the choice
  of an UPDATE reply on social media) still works.
- The Preview button shows every channel's rendition of the form without saving;
  ``…/preview`` answers the same checks and previews alone, for ``static/editor.js`` to show
  them as the author types (one template, ``app/_editor_preview.html``, for both).
- A bilingual appeal's words are edited side by side, one row per field (the primary language
  on the left, each translation on the right, stacked on narrow screens); the shared facts
  once. "Add a Welsh translation" (a language of ``PUBLISHER_LANGUAGES`` the appeal lacks)
  adds an empty column to the form; "Remove" asks first, then saves the appeal without it.
  Translations are read from the same composed native file as the primary words, so they are
  validated, stored and audited the same way, and an error names its language and field.
- ``/appeals/{id}/translations/{locale}/mark-current`` (role author, CSRF): the stored
  translation says what the stored primary words say now
  (:func:`publisher.services.mark_translation_current`), a new revision like an edit.
- ``/appeals/{id}/revisions/{n}`` (anyone signed in): what changed from revision n-1, or from
  revision ``?against=m``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from publisher import errors, services
from publisher.domain.accounts import Role
from publisher.domain.record import Appeal, AppealStatus, translatable_digest
from publisher.entrypoints.web import security
from publisher.entrypoints.web.appeal_form import (
    KINDS,
    TOPICS,
    WORD_FIELDS,
    AppealForm,
    FieldProblem,
    Reading,
    TranslationForm,
    labels_for,
    language_problems,
    read_form,
    shown_findings,
)
from publisher.entrypoints.web.pages import MAX_UPLOAD, page
from publisher.entrypoints.web.security import wired
from publisher.entrypoints.web.views import appeal_from_text, previews, read_upload
from publisher.lint import language_name
from publisher.services.accounts import CurrentSession
from publisher.store.appeals import same_content

__all__ = ["MAX_FORM", "router"]

MAX_FORM = 2 * MAX_UPLOAD
"""The largest editor form accepted, in bytes: a body or a file of 1 MB and the other fields."""
_MAX_FIELDS = 120

router = APIRouter(include_in_schema=False)
Session = Annotated[CurrentSession, Depends(security.page_session)]
Author = Annotated[CurrentSession, Depends(security.role(Role.AUTHOR))]


def _appeal_url(appeal_id: str, suffix: str = "") -> str:
    return f"/appeals/{quote(appeal_id, safe='')}{suffix}"


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _form(request: Request, current: CurrentSession) -> FormData:
    """The posted form, within the size limits, with its CSRF token checked."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FORM:
        raise errors.UsageError("The form is larger than 2 MB: an appeal is far smaller")
    form = await request.form(max_files=1, max_fields=_MAX_FIELDS, max_part_size=MAX_UPLOAD)
    security.check_csrf(current, form.get("csrf_token"))
    return form


@dataclass(frozen=True)
class _Saved:
    revision: int
    changed: bool
    live: bool


@dataclass(frozen=True)
class _Checked:
    """A reading with, when it became an appeal, its findings (by form field) and previews."""

    reading: Reading
    context: dict[str, Any]


def _checked(request: Request, reading: Reading) -> _Checked:
    appeal = reading.appeal
    context: dict[str, Any] = {
        "problems": list(reading.problems),
        "shown": {},
        "preview": None,
        "previewed": None,
        "errors": 0,
        "warnings": 0,
    }
    if appeal is not None:
        app = wired(request)
        lines, warnings = reading.lines()
        findings = services.lint_findings(
            appeal,
            app.registry,
            lines=lines,
            warnings=warnings,
            languages=app.settings.languages,
        )
        context.update(
            shown=shown_findings(findings, [tr.locale for tr in appeal.translations]),
            preview=previews(appeal, app.registry),
            previewed=appeal,
            errors=sum(1 for f in findings if f.severity == "error"),
            warnings=sum(1 for f in findings if f.severity != "error"),
        )
    return _Checked(reading, context)


def _editor(
    request: Request,
    current: CurrentSession,
    checked: _Checked,
    *,
    appeal: Appeal | None,
    extra_problems: list[FieldProblem] | None = None,
    whole_text: str = "",
    whole_open: bool = False,
    saved: _Saved | None = None,
    changes: dict[str, list[services.DiffLine]] | None = None,
    existing: str | None = None,
    stored: bool = False,
    status_code: int | None = None,
    confirm_remove: str | None = None,
    marked: str | None = None,
) -> HTMLResponse:
    """The editor page; ``stored``: the form holds the current revision as it is stored;
    ``confirm_remove``: the translation whose removal is to be confirmed; ``marked``: the one
    just marked up to date."""
    context = dict(checked.context)
    problems: list[FieldProblem] = [*(extra_problems or []), *context.pop("problems")]
    if appeal is None:
        action, title = "/appeals/new", "New appeal"
    else:
        action, title = _appeal_url(appeal.id, "/edit"), f"Edit: {appeal.title}"
    values = checked.reading.values
    primary = appeal.locale if appeal is not None else "en_GB"
    languages = wired(request).settings.languages
    addable = [
        (locale, language_name(locale))
        for locale in languages
        if locale != primary and values.translation(locale) is None
    ]
    return page(
        request,
        "editor.html",
        title=("Error: " if problems else "") + title,
        current=current,
        appeal=appeal,
        action=action,
        preview_url=action + "/preview",
        values=values,
        problems=problems,
        labels=labels_for(values.locales),
        word_labels=WORD_FIELDS,
        primary_language=language_name(primary),
        primary_lang=primary.replace("_", "-"),
        addable=addable,
        states=_states(appeal),
        confirm_remove=confirm_remove,
        marked=None if marked is None else language_name(marked),
        kinds=KINDS,
        topics=TOPICS,
        whole={"text": whole_text, "open": whole_open},
        saved=saved,
        saved_form=stored,
        changes=changes,
        existing=existing,
        live=False,
        status_code=status_code or (422 if problems else 200),
        **context,
    )


def _states(appeal: Appeal | None) -> dict[str, str]:
    """Each stored translation's standing against the stored primary words: ``current``,
    ``out-of-date`` (the primary words changed after it was marked) or ``not-marked``."""
    if appeal is None or not appeal.translations:
        return {}
    digest = translatable_digest(appeal)
    return {
        tr.locale: "current"
        if tr.source_digest == digest
        else ("out-of-date" if tr.source_digest else "not-marked")
        for tr in appeal.translations
    }


def _preview_partial(request: Request, checked: _Checked) -> HTMLResponse:
    """The checks and previews alone, for static/editor.js (422 when the form cannot be read
    yet: its problems are listed instead)."""
    html = (
        wired(request)
        .templates.get_template("app/_editor_preview.html")
        .render(
            labels=labels_for(checked.reading.values.locales),
            live=True,
            saved_form=False,
            **checked.context,
        )
    )
    return HTMLResponse(html, status_code=422 if checked.context["problems"] else 200)


def _saved_url(appeal_id: str, saved: _Saved) -> str:
    changed = "yes" if saved.changed else "no"
    live = "yes" if saved.live else "no"
    return _appeal_url(appeal_id, f"/edit?saved={saved.revision}&changed={changed}&live={live}")


def _store(
    request: Request,
    current: CurrentSession,
    appeal: Appeal,
    editing: Appeal | None,
    *,
    keep_translations: bool = False,
) -> _Saved:
    """Save ``appeal``: new (revision 1) or an edit of ``editing``; with
    ``keep_translations`` (a whole file with no translation sections), the stored translations
    are kept."""
    app = wired(request)
    actor, now = current.user.name, datetime.now(UTC)
    if editing is None:
        number = services.create_appeal(app.store, appeal, actor=actor, now=now)
        return _Saved(number, True, False)
    if keep_translations and editing.translations and not appeal.translations:
        # A file in the primary language only: the translations are kept as they are (never
        # dropped by a replacement), and the check says when the English moved on from them.
        appeal = Appeal.model_validate(
            {**appeal.model_dump(), "translations": editing.model_dump()["translations"]}
        )
    edit = services.edit_appeal(app.store, appeal, app.registry, actor=actor, now=now)
    return _Saved(edit.revision, edit.changed, edit.live)


def _taken(exc: errors.AppealExists, values: AppealForm) -> FieldProblem:
    field = "appeal_id" if values.appeal_id else "url"
    return FieldProblem(
        field,
        f"An appeal with the short name {exc.appeal_id} already exists: edit that appeal, or "
        "give this one another short name",
    )


async def _whole_file(
    request: Request, current: CurrentSession, form: FormData, editing: Appeal | None
) -> Response:
    """The second form: a whole appeal file, pasted or uploaded, saved like the fields."""
    text = _text(form, "text")
    values = AppealForm() if editing is None else AppealForm.of(editing)
    blank = _checked(request, Reading(values))

    def again(problem: FieldProblem, existing: str | None = None) -> HTMLResponse:
        return _editor(
            request,
            current,
            blank,
            appeal=editing,
            extra_problems=[problem],
            whole_text=text,
            whole_open=True,
            existing=existing,
        )

    try:
        upload = await read_upload(form.get("file"), max_bytes=MAX_UPLOAD)
    except errors.UsageError as exc:
        return again(FieldProblem("file", str(exc)))
    where = "file" if upload else "text"
    try:
        result = appeal_from_text(text, upload, max_bytes=MAX_UPLOAD)
    except errors.RecordInvalid as exc:
        place = f"Line {exc.line}" if exc.line else ""
        if exc.field:
            place += (", field " if place else "Field ") + exc.field
        return again(FieldProblem(where, (place + ": " if place else "") + exc.problem.message))
    except errors.UsageError as exc:
        return again(FieldProblem(where, str(exc)))
    appeal = result.appeal
    if editing is not None and appeal.id != editing.id:
        return again(
            FieldProblem(
                where,
                f"This file is the appeal {appeal.id}, not {editing.id}: an edit keeps the "
                "appeal's short name",
            )
        )
    try:
        saved = _store(request, current, appeal, editing, keep_translations=True)
    except errors.AppealExists as exc:
        message = f"An appeal with the short name {exc.appeal_id} already exists: edit it instead"
        return again(FieldProblem(where, message), exc.appeal_id)
    except errors.InvalidTransition as exc:
        return again(FieldProblem(where, exc.format_message().capitalize()))
    return RedirectResponse(_saved_url(appeal.id, saved), status_code=303)


def _languages(request: Request) -> tuple[str, ...]:
    return wired(request).settings.languages


async def _submit(request: Request, current: CurrentSession, editing: Appeal | None) -> Response:
    form = await _form(request, current)
    if _text(form, "whole") == "yes" or "text" in form:
        return await _whole_file(request, current, form, editing)
    values = AppealForm.read(form)
    languages = _languages(request)
    verb, _, locale = _text(form, "action").partition(":")
    if verb == "add":
        # An empty column for the language: nothing is saved, and the checks and previews
        # stay those of the form as it was, until the translation is written.
        added = values.with_translations([*values.translations, TranslationForm(locale)])
        refused = language_problems(added, editing, languages)
        if values.translation(locale) is not None:
            refused.append(
                FieldProblem("", f"The form already has a {language_name(locale)} translation")
            )
        checked = _checked(request, read_form(values, editing, languages))
        if refused:
            return _editor(request, current, checked, appeal=editing, extra_problems=refused)
        shown = _Checked(replace(checked.reading, values=added), checked.context)
        return _editor(request, current, shown, appeal=editing, status_code=200)
    if verb == "remove" and values.translation(locale) is not None:
        checked = _checked(request, read_form(values, editing, languages))
        return _editor(
            request, current, checked, appeal=editing, confirm_remove=locale, status_code=200
        )
    confirmed_removal = verb == "confirm-remove" and values.translation(locale) is not None
    if confirmed_removal:
        values = values.with_translations(tr for tr in values.translations if tr.locale != locale)
    checked = _checked(request, read_form(values, editing, languages))
    reading = checked.reading
    # Saved: "Save" (or a form without the button's value) and a confirmed removal from a
    # stored appeal; anything else (Preview, "No, keep it", an action for a language the form
    # does not hold) shows the form again.
    saving = _text(form, "action") in ("save", "") or (confirmed_removal and editing is not None)
    previewing = not saving
    if reading.problems or reading.appeal is None or previewing:
        return _editor(request, current, checked, appeal=editing)
    try:
        saved = _store(request, current, reading.appeal, editing)
    except errors.AppealExists as exc:
        return _editor(
            request,
            current,
            checked,
            appeal=editing,
            extra_problems=[_taken(exc, values)],
            existing=exc.appeal_id,
        )
    except errors.InvalidTransition as exc:
        problem = FieldProblem("", exc.format_message().capitalize())
        return _editor(request, current, checked, appeal=editing, extra_problems=[problem])
    return RedirectResponse(_saved_url(reading.appeal.id, saved), status_code=303)


async def _preview(request: Request, current: CurrentSession, editing: Appeal | None) -> Response:
    form = await _form(request, current)
    reading = read_form(AppealForm.read(form), editing, _languages(request))
    return _preview_partial(request, _checked(request, reading))


def _editable(request: Request, appeal_id: str) -> Appeal:
    appeal = services.current_appeal(wired(request).store, appeal_id)
    if appeal.status is AppealStatus.WITHDRAWN:
        raise errors.InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be edited")
    return appeal


# --------------------------------------------------------------------------------- routes


@router.get("/appeals/new")
async def new_form(request: Request, current: Author) -> HTMLResponse:
    return _editor(request, current, _checked(request, Reading(AppealForm())), appeal=None)


@router.post("/appeals/new")
async def new_appeal(request: Request, current: Author) -> Response:
    return await _submit(request, current, None)


@router.post("/appeals/new/preview")
async def new_preview(request: Request, current: Author) -> Response:
    return await _preview(request, current, None)


def _flag(value: str) -> bool:
    return value == "yes"


@router.get("/appeals/{appeal_id}/edit")
async def edit_form(
    request: Request,
    appeal_id: str,
    current: Author,
    saved: str = "",
    changed: str = "",
    live: str = "",
    marked: str = "",
) -> HTMLResponse:
    """The form filled from the current revision, with its findings and previews; after a
    save, a banner says what was stored (and which translation was marked up to date)."""
    appeal = _editable(request, appeal_id)
    checked = _checked(request, read_form(AppealForm.of(appeal), appeal, _languages(request)))
    again = checked.reading.appeal
    changes = None
    if again is not None and not same_content(appeal, again):
        # The form cannot say everything this record says (e.g. a JSON record's call to
        # action): show what saving it unchanged would change.
        old, new = services.revision_text(appeal), services.revision_text(again)
        changes = {"lines": services.diff_lines(old, new)}
    done = None
    if saved.isdigit():
        done = _Saved(int(saved), _flag(changed), _flag(live))
    return _editor(
        request,
        current,
        checked,
        appeal=appeal,
        saved=done,
        changes=changes,
        stored=True,
        status_code=200,
        marked=marked if done is not None and marked in appeal.languages[1:] else None,
    )


@router.post("/appeals/{appeal_id}/edit")
async def edit(request: Request, appeal_id: str, current: Author) -> Response:
    return await _submit(request, current, _editable(request, appeal_id))


@router.post("/appeals/{appeal_id}/edit/preview")
async def edit_preview(request: Request, appeal_id: str, current: Author) -> Response:
    return await _preview(request, current, _editable(request, appeal_id))


@router.post("/appeals/{appeal_id}/translations/{locale}/mark-current")
async def mark_current(request: Request, appeal_id: str, locale: str, current: Author) -> Response:
    """Mark the stored ``locale`` translation as made from the stored primary words: a new
    revision, waiting for approval like any edit, and a row in the audit trail."""
    await _form(request, current)
    _editable(request, appeal_id)
    edit = services.mark_translation_current(
        wired(request).store,
        appeal_id,
        locale,
        actor=current.user.name,
        now=datetime.now(UTC),
    )
    saved = _Saved(edit.revision, edit.changed, edit.live)
    return RedirectResponse(
        _saved_url(appeal_id, saved) + "&marked=" + quote(locale, safe=""), status_code=303
    )


# ------------------------------------------------------------------------------ revisions


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise HTTPException(404)
    return int(text)


@router.get("/appeals/{appeal_id}/revisions/{number}")
async def revision(
    request: Request, appeal_id: str, number: str, current: Session, against: str = ""
) -> HTMLResponse:
    """What changed in revision ``number``: from the one before, or from ``?against=m``."""
    store = wired(request).store
    diff = services.revision_diff(
        store, appeal_id, _number(number), against=_number(against) if against else None
    )
    return page(
        request,
        "revision.html",
        title=f"Revision {diff.number}: {diff.title}",
        current=current,
        appeal=services.current_appeal(store, appeal_id),
        diff=diff,
    )
