"""Approving in the browser: an approver approves someone else's revision; an admin may publish
urgently, with a written reason. The rule is the services' (:mod:`publisher.services.approvals`):
these routes parse, call it and render, so an author approving their own revision is refused
here exactly as on the command line and in the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from publisher import errors, services
from publisher.domain.accounts import Role
from publisher.domain.approval import urgent_reason
from publisher.entrypoints.web import security
from publisher.entrypoints.web.comms import (
    Problem,
    appeal_url,
    form_field,
    render_page,
    see_other,
    sentence,
)
from publisher.entrypoints.web.security import wired
from publisher.services.accounts import CurrentSession

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Approver = Annotated[CurrentSession, Depends(security.role(Role.APPROVER))]
Admin = Annotated[CurrentSession, Depends(security.role(Role.ADMIN))]


@router.post("/appeals/{appeal_id}/approve")
async def approve(request: Request, appeal_id: str, current: Approver) -> Response:
    """Approve the revision the approver was shown (its number comes with the form): a newer
    one stored meanwhile is refused, so nobody approves a text they have not read."""
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    text = form_field(form, "revision")
    revision = int(text) if text.isdigit() else None
    app = wired(request)
    services.approve(
        app.store,
        app.registry,
        appeal_id,
        user=current.user,
        revision=revision,
        now=datetime.now(UTC),
    )
    return see_other(appeal_url(appeal_id, "#approval"))


@dataclass
class UrgentForm:
    reason: str = ""
    channels: list[str] = field(default_factory=list)


def _urgent_page(
    request: Request,
    current: CurrentSession,
    appeal_id: str,
    values: UrgentForm,
    *,
    problems: list[Problem] | None = None,
    lint: list[str] | None = None,
) -> HTMLResponse:
    app = wired(request)
    appeal = services.current_appeal(app.store, appeal_id)
    return render_page(
        request,
        "urgent.html",
        title=f"Publish urgently: {appeal.title}",
        current=current,
        appeal=appeal,
        standing=services.approval_status(app.store, appeal_id),
        values=values,
        channels=app.registry.names,
        problems=problems or [],
        lint=lint or [],
    )


@router.get("/appeals/{appeal_id}/urgent")
async def urgent_form(request: Request, appeal_id: str, current: Admin) -> HTMLResponse:
    names = list(wired(request).registry.names)
    return _urgent_page(request, current, appeal_id, UrgentForm(channels=names))


@router.post("/appeals/{appeal_id}/urgent")
async def urgent(request: Request, appeal_id: str, current: Admin) -> Response:
    """Approve the current revision without a second person, with the reason, and publish it
    now on the channels chosen. Both are recorded and audited."""
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    app = wired(request)
    values = UrgentForm(
        reason=form_field(form, "reason"),
        channels=[c for c in form.getlist("channels") if isinstance(c, str)],
    )
    problems: list[Problem] = []
    if not values.channels:
        problems.append(Problem("channels", "Choose at least one channel to publish on now"))
    unknown = [c for c in values.channels if c not in app.registry.names]
    if unknown:
        problems.append(Problem("channels", f"Unknown channel {unknown[0]!r}"))
    try:
        urgent_reason(values.reason)
    except ValueError as exc:
        problems.append(Problem("reason", sentence(exc)))
    if problems:
        return _urgent_page(request, current, appeal_id, values, problems=problems)
    text = form_field(form, "revision")
    revision = int(text) if text.isdigit() else None
    now = datetime.now(UTC)
    try:
        services.approve_urgently(
            app.store,
            app.registry,
            appeal_id,
            user=current.user,
            reason=values.reason,
            revision=revision,
            now=now,
        )
        services.publish_now(
            app.store,
            app.registry,
            appeal_id,
            values.channels,
            actor=current.user.name,
            now=now,
        )
    except errors.NotReadyToPublish as exc:
        found = [Problem("lint", "The appeal has errors to fix before it can be published")]
        return _urgent_page(
            request, current, appeal_id, values, problems=found, lint=list(exc.errors)
        )
    except errors.ScheduleConflict as exc:
        found = [Problem("channels", str(exc))]
        return _urgent_page(request, current, appeal_id, values, problems=found)
    return see_other(appeal_url(appeal_id, "/deliveries"))
