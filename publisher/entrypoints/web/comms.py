"""The comms pages: schedule an appeal, the calendar, cancel and move a delivery, update,
resolve and withdraw an appeal, and the audit trail. Every change goes through a confirmation
page; every check is the services' (the routes parse, call a service and render)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from publisher import errors, services
from publisher.domain import campaign as rules
from publisher.domain.accounts import Role, permits
from publisher.domain.delivery import PENDING_STATES
from publisher.entrypoints.web import security
from publisher.entrypoints.web.pages import MAX_UPLOAD, page, safe_next
from publisher.entrypoints.web.security import wired
from publisher.entrypoints.web.views import appeal_from_text, read_upload
from publisher.services.accounts import CurrentSession
from publisher.services.status import AuditPage

__all__ = [
    "Problem",
    "appeal_url",
    "form_field",
    "local_time",
    "render_page",
    "router",
    "see_other",
    "sentence",
]

LONDON = rules.zone(rules.DEFAULT_TZ)
router = APIRouter(include_in_schema=False)
Session = Annotated[CurrentSession, Depends(security.page_session)]
Author = Annotated[CurrentSession, Depends(security.role(Role.AUTHOR))]
UNITS = {"hours": timedelta(hours=1), "days": timedelta(days=1), "weeks": timedelta(weeks=1)}
AUDIT_ROLES = (Role.APPROVER, Role.OPERATOR, Role.ADMIN)


def local_time(moment: datetime | None) -> str:
    """``Sat 31 Oct 2026 07:15 GMT``: UK local time with its zone."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).strftime("%a %d %b %Y %H:%M %Z")


def render_page(
    request: Request, template: str, *, title: str, current: CurrentSession, **context: Any
) -> HTMLResponse:
    status = 422 if context.get("problems") else 200
    return page(
        request,
        template,
        title=("Error: " if context.get("problems") else "") + title,
        current=current,
        local_time=local_time,
        quote=quote,
        nav=context.pop("nav", ""),
        status_code=context.pop("status_code", status),
        **context,
    )


def form_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:]


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@dataclass(frozen=True)
class Problem:
    """One entry of a GOV.UK error summary: the message and the field it links to."""

    field: str
    message: str


def appeal_url(appeal_id: str, suffix: str = "") -> str:
    return f"/appeals/{quote(appeal_id, safe='')}{suffix}"


# ------------------------------------------------------------------------------- scheduling


@dataclass(frozen=True)
class ScheduleForm:
    channels: tuple[str, ...] = ()
    when: str = "later"
    at: str = ""
    every_n: str = ""
    every_unit: str = "days"
    until: str = ""
    campaign: str = ""
    tz: str = rules.DEFAULT_TZ

    @classmethod
    def read(cls, form: FormData) -> ScheduleForm:
        return cls(
            channels=tuple(v for v in form.getlist("channels") if isinstance(v, str)),
            when=form_field(form, "when") or "later",
            at=form_field(form, "at"),
            every_n=form_field(form, "every_n"),
            every_unit=form_field(form, "every_unit") or "days",
            until=form_field(form, "until"),
            campaign=form_field(form, "campaign"),
            tz=form_field(form, "tz") or rules.DEFAULT_TZ,
        )


def _times(
    values: ScheduleForm, now: datetime, notes: list[str]
) -> tuple[list[datetime], list[Problem]]:
    """The times the form asks for (empty: now), or the problems with it, each on its field.
    The reading and the checks are the campaign rules'; ambiguous times become notes."""
    problems: list[Problem] = []
    if not values.channels:
        problems.append(Problem("channels", "Choose at least one channel"))
    if values.when == "now":
        return [], problems
    try:
        zone = rules.zone(values.tz)
    except errors.ScheduleError as exc:
        return [], [*problems, Problem("tz", sentence(exc))]
    if not values.at:
        return [], [*problems, Problem("at", "Enter the date and time, e.g. 07:15 31/10/2026")]
    try:
        start = rules.parse_when(values.at, tz=zone, now=now, warn=notes.append)
    except errors.ScheduleError as exc:
        return [], [*problems, Problem("at", sentence(exc))]
    every = until = None
    if values.every_n:
        unit = UNITS.get(values.every_unit)
        if not values.every_n.isdigit() or int(values.every_n) < 1 or unit is None:
            problems.append(Problem("every_n", "Enter how often as a whole number, e.g. 1"))
        else:
            every = int(values.every_n) * unit
        if not values.until:
            problems.append(Problem("until", "Enter the date of the last repeat"))
        else:
            try:
                until = rules.parse_until(values.until, tz=zone, now=now, warn=notes.append)
            except errors.ScheduleError as exc:
                problems.append(Problem("until", sentence(exc)))
    if problems:
        return [], problems
    try:
        return rules.expand_rule(start, every=every, until=until, tz=zone, warn=notes.append), []
    except errors.ScheduleError as exc:
        return [], [Problem("until" if values.every_n else "at", sentence(exc))]


def _schedule_page(
    request: Request,
    current: CurrentSession,
    appeal_id: str,
    values: ScheduleForm,
    *,
    problems: Sequence[Problem] = (),
    lint: Sequence[str] = (),
    times: Sequence[datetime] = (),
    notes: Sequence[str] = (),
    confirm: bool = False,
) -> HTMLResponse:
    app = wired(request)
    appeal = services.current_appeal(app.store, appeal_id)
    return render_page(
        request,
        "schedule_confirm.html" if confirm else "schedule.html",
        title=("Check the schedule" if confirm else "Schedule") + f": {appeal.title}",
        current=current,
        appeal=appeal,
        values=values,
        channels=app.registry.names,
        problems=list(problems),
        lint=list(lint),
        times=list(times),
        notes=list(notes),
        units=list(UNITS),
    )


@router.get("/appeals/{appeal_id}/schedule")
async def schedule_form(request: Request, appeal_id: str, current: Author) -> HTMLResponse:
    return _schedule_page(request, current, appeal_id, ScheduleForm())


@router.post("/appeals/{appeal_id}/schedule")
async def schedule(request: Request, appeal_id: str, current: Author) -> Response:
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    app = wired(request)
    values = ScheduleForm.read(form)
    now = datetime.now(UTC)
    notes: list[str] = []
    times, problems = _times(values, now, notes)
    if problems:
        return _schedule_page(request, current, appeal_id, values, problems=problems)
    confirmed = form_field(form, "confirm") == "yes"
    try:
        if not confirmed:
            services.check_schedulable(app.store, app.registry, appeal_id)
            return _schedule_page(
                request, current, appeal_id, values, times=times, notes=notes, confirm=True
            )
        if not times:
            services.publish_now(
                app.store,
                app.registry,
                appeal_id,
                values.channels,
                actor=current.user.name,
                now=now,
            )
        else:
            services.schedule(
                app.store,
                app.registry,
                appeal_id,
                values.channels,
                times,
                campaign=values.campaign or None,
                actor=current.user.name,
                now=now,
                tz=values.tz,
            )
    except errors.NotReadyToPublish as exc:
        found = [Problem("lint", "The appeal has errors to fix before it can be scheduled")]
        return _schedule_page(request, current, appeal_id, values, problems=found, lint=exc.errors)
    except errors.ScheduleConflict as exc:
        return _schedule_page(
            request, current, appeal_id, values, problems=[Problem("at", str(exc))]
        )
    except errors.NotApproved as exc:
        found = [Problem("channels", sentence(exc))]
        return _schedule_page(request, current, appeal_id, values, problems=found)
    except (errors.UsageError, errors.InvalidTransition) as exc:
        field = "channels" if isinstance(exc, errors.UnknownChannel) else "at"
        found = [Problem(field, sentence(exc))]
        return _schedule_page(request, current, appeal_id, values, problems=found)
    first = times[0] if times else now
    return see_other(f"/calendar?week={first.astimezone(LONDON).date().isoformat()}")


# --------------------------------------------------------------------------------- calendar


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@router.get("/calendar")
async def calendar(
    request: Request,
    current: Session,
    week: str = "",
    view: str = "week",
    month: str = "",
) -> HTMLResponse:
    app = wired(request)
    today = datetime.now(UTC).astimezone(LONDON).date()
    deliveries = services.list_deliveries(app.store)
    titles = {a.id: a.title for a in services.list_appeals(app.store)}
    if view == "month":
        first = _parse_day(month + "-01") or today.replace(day=1)
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        counts: dict[date, int] = {}
        for d in deliveries:
            day = _local_day(d.due_at)
            if first <= day < following:
                counts[day] = counts.get(day, 0) + 1
        start = _monday(first)
        weeks: list[list[date]] = []
        while start < following:
            weeks.append([start + timedelta(days=n) for n in range(7)])
            start += timedelta(days=7)
        previous = (first - timedelta(days=1)).replace(day=1)
        return render_page(
            request,
            "calendar_month.html",
            title=f"Calendar: {first:%B %Y}",
            current=current,
            first=first,
            weeks=weeks,
            counts=counts,
            total=sum(counts.values()),
            previous=f"{previous:%Y-%m}",
            following=f"{following:%Y-%m}",
        )
    monday = _monday(_parse_day(week) or today)
    days = [monday + timedelta(days=n) for n in range(7)]
    by_day: dict[date, list[services.DeliveryView]] = {day: [] for day in days}
    for d in deliveries:
        day = _local_day(d.due_at)
        if day in by_day:
            by_day[day].append(d)
    return render_page(
        request,
        "calendar.html",
        title=f"Calendar: week of {monday:%a %d %b %Y}",
        current=current,
        nav="calendar",
        days=days,
        by_day=by_day,
        total=sum(len(v) for v in by_day.values()),
        titles=titles,
        previous=(monday - timedelta(days=7)).isoformat(),
        following=(monday + timedelta(days=7)).isoformat(),
        month=f"{monday:%Y-%m}",
        pending=PENDING_STATES,
        can_change=permits(current.user.roles, Role.AUTHOR),
    )


# ------------------------------------------------------------------------ cancel and move


def _delivery(request: Request, delivery_id: int) -> services.DeliveryView:
    for d in services.list_deliveries(wired(request).store):
        if d.id == delivery_id:
            return d
    raise errors.UnknownDelivery(f"no delivery {delivery_id}")


@router.get("/deliveries/{delivery_id}/cancel")
async def cancel_form(
    request: Request, delivery_id: int, current: Author, next: str = "/calendar"
) -> HTMLResponse:
    d = _delivery(request, delivery_id)
    return render_page(
        request,
        "delivery_cancel.html",
        title=f"Cancel delivery {d.id}",
        current=current,
        delivery=d,
        next=safe_next(next),
    )


@router.post("/deliveries/{delivery_id}/cancel")
async def cancel(request: Request, delivery_id: int, current: Author) -> Response:
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    services.cancel(wired(request).store, delivery_id, actor=current.user.name)
    return see_other(safe_next(form.get("next")))


def _move_page(
    request: Request,
    current: CurrentSession,
    d: services.DeliveryView,
    *,
    at: str = "",
    problems: Sequence[Problem] = (),
    notes: Sequence[str] = (),
) -> HTMLResponse:
    return render_page(
        request,
        "delivery_move.html",
        title=f"Move delivery {d.id}",
        current=current,
        delivery=d,
        at=at,
        problems=list(problems),
        notes=list(notes),
    )


@router.get("/deliveries/{delivery_id}/move")
async def move_form(request: Request, delivery_id: int, current: Author) -> HTMLResponse:
    return _move_page(request, current, _delivery(request, delivery_id))


@router.post("/deliveries/{delivery_id}/move")
async def move(request: Request, delivery_id: int, current: Author) -> Response:
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    app = wired(request)
    d = _delivery(request, delivery_id)
    at = form_field(form, "at")
    now = datetime.now(UTC)
    notes: list[str] = []
    try:
        new_time = rules.parse_when(at, tz=LONDON, now=now, warn=notes.append)
        services.reschedule(
            app.store, app.registry, delivery_id, new_time, actor=current.user.name, now=now
        )
    except (errors.UsageError, errors.Conflict, errors.ContentError) as exc:
        problems = [Problem("at", sentence(exc))]
        return _move_page(request, current, d, at=at, problems=problems, notes=notes)
    return see_other(f"/calendar?week={new_time.astimezone(LONDON).date().isoformat()}")


@router.get("/appeals/{appeal_id}/deliveries")
async def appeal_deliveries(request: Request, appeal_id: str, current: Session) -> HTMLResponse:
    app = wired(request)
    appeal = services.current_appeal(app.store, appeal_id)
    return render_page(
        request,
        "appeal_deliveries.html",
        title=f"Deliveries: {appeal.title}",
        current=current,
        appeal=appeal,
        deliveries=services.list_deliveries(app.store, appeal_id=appeal_id),
        pending=PENDING_STATES,
        can_change=permits(current.user.roles, Role.AUTHOR),
    )


# ----------------------------------------------------------------------------------- audit


def _audit_page(
    request: Request,
    current: CurrentSession,
    found: AuditPage,
    *,
    title: str,
    base: str,
    appeal: Any = None,
    nav: str = "",
) -> HTMLResponse:
    return render_page(
        request,
        "audit.html",
        title=title,
        current=current,
        entries=found.entries,
        next_url=None if found.next_before is None else f"{base}?before={found.next_before}",
        appeal=appeal,
        nav=nav,
    )


@router.get("/audit")
async def audit(request: Request, current: Session, before: int | None = None) -> HTMLResponse:
    if not any(permits(current.user.roles, r) for r in AUDIT_ROLES):
        raise errors.Forbidden(
            "the audit trail needs the approver, operator or admin role; "
            f"{current.user.name} has " + (", ".join(current.user.role_names) or "none")
        )
    found = services.audit_log(wired(request).store, limit=50, before_id=before)
    return _audit_page(request, current, found, title="Audit trail", base="/audit", nav="audit")


@router.get("/appeals/{appeal_id}/history")
async def appeal_history(
    request: Request, appeal_id: str, current: Session, before: int | None = None
) -> HTMLResponse:
    app = wired(request)
    appeal = services.current_appeal(app.store, appeal_id)
    found = services.audit_log(app.store, subject=f"appeal:{appeal_id}", limit=50, before_id=before)
    return _audit_page(
        request,
        current,
        found,
        title=f"History: {appeal.title}",
        base=appeal_url(appeal_id, "/history"),
        appeal=appeal,
    )


# ------------------------------------------------------------------------------- lifecycle


def _changes(request: Request, appeal_id: str, action: str) -> dict[str, Any]:
    """What ``action`` would do on each channel, from the appeal's deliveries."""
    app = wired(request)
    deliveries = services.list_deliveries(app.store, appeal_id=appeal_id)
    published = sorted({d.channel for d in deliveries if d.state == "published"})
    pending = [d for d in deliveries if d.state in PENDING_STATES]
    idempotent = {n for n in app.registry.names if app.registry.get(n).idempotent}
    can_update = {n for n in app.registry.names if app.registry.get(n).can_update}
    lifecycle = [d for d in pending if d.part != services.PART_DELETE]  # deletions go on
    deletions: list[tuple[str, str, tuple[str, ...]]] = []
    if action == "withdraw":
        cancelled = lifecycle
    elif action == "resolve":
        cancelled = [d for d in lifecycle if d.channel not in idempotent]
    else:
        cancelled = []
    if action in ("resolve", "withdraw"):
        deletions = services.planned_deletions(
            app.store, appeal_id, app.registry, withdraw=action == "withdraw"
        )
    deleting = {channel for channel, _, _ in deletions}
    return {
        "published": published,
        "republished": [c for c in published if c in idempotent],
        "social": [
            c for c in published if c not in idempotent and c in can_update and c not in deleting
        ],
        "deletions": deletions,
        "cancelled": cancelled,
        "kept": [d for d in pending if d not in cancelled],
    }


def _lifecycle_page(
    request: Request,
    current: CurrentSession,
    appeal_id: str,
    action: str,
    *,
    confirm: bool = False,
    problems: Sequence[Problem] = (),
    lint: Sequence[str] = (),
    **values: Any,
) -> HTMLResponse:
    appeal = services.current_appeal(wired(request).store, appeal_id)
    verb = {"update": "Update", "resolve": "Resolve", "withdraw": "Withdraw"}[action]
    return render_page(
        request,
        "lifecycle.html",
        title=("Check: " if confirm else "") + f"{verb} {appeal.title}",
        current=current,
        appeal=appeal,
        action=action,
        verb=verb,
        confirm=confirm,
        problems=list(problems),
        lint=list(lint),
        changes=_changes(request, appeal_id, action),
        standing=services.approval_status(wired(request).store, appeal_id),
        values={"announce": False, "resolution": "", "text": "", **values},
    )


@router.get("/appeals/{appeal_id}/{action}")
async def lifecycle_form(
    request: Request, appeal_id: str, action: str, current: Author
) -> HTMLResponse:
    if action not in ("update", "resolve", "withdraw"):
        raise HTTPException(404)
    return _lifecycle_page(request, current, appeal_id, action, confirm=action == "withdraw")


@router.post("/appeals/{appeal_id}/{action}")
async def lifecycle(request: Request, appeal_id: str, action: str, current: Author) -> Response:
    if action not in ("update", "resolve", "withdraw"):
        raise HTTPException(404)
    form = await request.form(max_files=1, max_fields=10, max_part_size=MAX_UPLOAD)
    security.check_csrf(current, form.get("csrf_token"))
    app = wired(request)
    confirmed = form_field(form, "confirm") == "yes"
    announce = form_field(form, "announce") == "yes"
    actor, now = current.user.name, datetime.now(UTC)
    values: dict[str, Any] = {"announce": announce}
    try:
        if action == "withdraw":
            services.withdraw_appeal(app.store, appeal_id, app.registry, actor=actor, now=now)
        elif action == "resolve":
            resolution = " ".join(form_field(form, "resolution").split())
            values["resolution"] = resolution
            if not resolution:
                problem = Problem("resolution", "Enter the resolution, e.g. Sam has been found")
                return _lifecycle_page(
                    request, current, appeal_id, action, problems=[problem], **values
                )
            if not confirmed:
                return _lifecycle_page(request, current, appeal_id, action, confirm=True, **values)
            services.resolve_appeal(
                app.store,
                appeal_id,
                resolution,
                app.registry,
                actor=actor,
                now=now,
                social_update=announce,
            )
        else:
            text = form.get("text")
            values["text"] = text if isinstance(text, str) else ""
            try:
                upload = await read_upload(form.get("file"), max_bytes=MAX_UPLOAD)
                result = appeal_from_text(values["text"], upload, max_bytes=MAX_UPLOAD)
            except errors.RecordInvalid as exc:
                where = f"Line {exc.line}: " if exc.line else ""
                problem = Problem("text", where + exc.format_message())
                return _lifecycle_page(
                    request, current, appeal_id, action, problems=[problem], **values
                )
            except errors.UsageError as exc:
                problem = Problem("text", str(exc))
                return _lifecycle_page(
                    request, current, appeal_id, action, problems=[problem], **values
                )
            if result.appeal.id != appeal_id:
                problem = Problem(
                    "text", f"This text is appeal {result.appeal.id!r}, not {appeal_id!r}"
                )
                return _lifecycle_page(
                    request, current, appeal_id, action, problems=[problem], **values
                )
            if upload is not None:
                values["text"] = upload[1]
            if not confirmed:
                return _lifecycle_page(request, current, appeal_id, action, confirm=True, **values)
            services.update_appeal(
                app.store,
                result.appeal,
                app.registry,
                actor=actor,
                now=now,
                social_update=announce,
            )
    except errors.NotReadyToPublish as exc:
        problem = Problem("text", "The new text has errors to fix first")
        return _lifecycle_page(
            request, current, appeal_id, action, problems=[problem], lint=exc.errors, **values
        )
    except (errors.InvalidTransition, errors.RecordInvalid) as exc:
        problem = Problem("resolution" if action == "resolve" else "text", exc.format_message())
        return _lifecycle_page(request, current, appeal_id, action, problems=[problem], **values)
    return see_other(appeal_url(appeal_id, "/deliveries"))
