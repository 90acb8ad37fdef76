"""The JSON API under ``/api``: the same services as the pages, bearer tokens, the same roles.
OpenAPI is at ``/api/openapi.json``."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from publisher import services
from publisher.domain import campaign as rules
from publisher.domain.accounts import Role
from publisher.entrypoints.web import security
from publisher.entrypoints.web.security import wired
from publisher.entrypoints.web.views import previews
from publisher.errors import RecordInvalid, UsageError
from publisher.importers import Format, parse_appeal
from publisher.services.accounts import UserView

__all__ = ["MAX_UPLOAD", "router"]

MAX_UPLOAD = 1024 * 1024

router = APIRouter(prefix="/api", tags=["appeals"])
User = Annotated[UserView, Depends(security.api_user)]
Author = Annotated[UserView, Depends(security.role(Role.AUTHOR, api=True))]
Approver = Annotated[UserView, Depends(security.role(Role.APPROVER, api=True))]

_CREATE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The appeal record as JSON (as `publisher inspect` prints it), or a "
        "multipart form with one `file`: an appeal in the seed, native (Markdown) or JSON "
        "format. At most 1 MB.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


async def _appeal_text(request: Request) -> tuple[str, str, Format | None]:
    """(source name, text, format) of the appeal in the request body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt: Format | None
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=5, max_part_size=MAX_UPLOAD)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise UsageError("a multipart request needs one 'file' field")
        data = await upload.read(MAX_UPLOAD + 1)
        source, fmt = upload.filename or "upload", None
    elif kind in ("application/json", ""):
        data = await request.body()
        source, fmt = "api.json", "json"
    else:
        raise UsageError("send application/json or multipart/form-data")
    if len(data) > MAX_UPLOAD:
        raise UsageError("the appeal is larger than 1 MB")
    try:
        return source, data.decode("utf-8-sig"), fmt
    except UnicodeDecodeError as exc:
        raise RecordInvalid("the file is not UTF-8 text", file=source) from exc


@router.post("/appeals", status_code=201, openapi_extra=_CREATE_BODY)
async def create_appeal(request: Request, user: Author) -> JSONResponse:
    """Import an appeal (a new revision when its content changed): 201 with its id and
    revision; 422 with the file, line and field of the problem when it cannot be read."""
    source, text, fmt = await _appeal_text(request)
    result = parse_appeal(text, source=source, fmt=fmt)
    revision = services.import_appeal(wired(request).store, result.appeal, actor=user.name)
    return JSONResponse(
        {
            "id": result.appeal.id,
            "revision": revision,
            "warnings": [str(w) for w in result.warnings],
        },
        status_code=201,
    )


@router.get("/appeals")
async def list_appeals(
    request: Request,
    user: User,
    status: str | None = None,
    area: str | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> list[dict[str, Any]]:
    """Every appeal at its current revision, most recently updated first."""
    return [
        {
            "id": a.id,
            "title": a.title,
            "area": a.area,
            "kind": a.kind,
            "status": a.status,
            "revision": a.revision,
            "updated_at": a.updated_at.isoformat(),
        }
        for a in services.list_appeals(
            wired(request).store, status=status, area=area, kind=kind, query=q
        )
    ]


@router.get("/appeals/{appeal_id}")
async def get_appeal(request: Request, appeal_id: str, user: User) -> dict[str, Any]:
    """The appeal record at its current revision, as `publisher inspect` prints it."""
    record: dict[str, Any] = json.loads(
        services.current_appeal(wired(request).store, appeal_id).to_json()
    )
    return record


@router.get("/appeals/{appeal_id}/previews")
async def get_previews(request: Request, appeal_id: str, user: User) -> dict[str, Any]:
    """What each channel makes of the appeal, and what the checks say of it."""
    app = wired(request)
    appeal = services.current_appeal(app.store, appeal_id)
    shown = previews(appeal, app.registry)
    return {
        "web": shown.web,
        "rss": shown.rss,
        "atom": shown.atom,
        "x": {
            "max_weight": shown.max_weight,
            "posts": [{"text": p.text, "weight": p.weight} for p in shown.posts],
        },
        "social": {
            s.channel: {
                "platform": s.platform,
                "max_weight": s.max_weight,
                "posts": [{"text": p.text, "weight": p.weight} for p in s.posts],
            }
            for s in shown.social
        },
        "text": {
            "text": shown.text,
            "sms_segments": shown.sms_segments,
            "sms_encoding": shown.sms_encoding,
        },
        "lint": [f.to_dict() for f in services.lint_findings(appeal, app.registry)],
    }


@router.post("/appeals/{appeal_id}/translations/{locale}/mark-current")
async def mark_translation_current(
    request: Request, appeal_id: str, locale: str, user: Author
) -> dict[str, Any]:
    """Mark the ``locale`` translation of the current revision as made from its primary words
    as they are now (its ``source_digest``), as the editor's "Mark as up to date" does: a new
    revision waiting for approval, unless it was already current (``changed`` false). 400 for
    a locale the appeal has no translation in, 409 for a withdrawn appeal."""
    edit = services.mark_translation_current(
        wired(request).store, appeal_id, locale, actor=user.name, now=datetime.now(UTC)
    )
    return {"id": appeal_id, "locale": locale, "revision": edit.revision, "changed": edit.changed}


class ApproveRequest(BaseModel):
    """Which revision the approver read; omitted, the current one."""

    revision: int | None = Field(default=None, ge=1)


def _approval(approval: services.approvals.Approval) -> dict[str, Any]:
    return {
        "revision": approval.revision,
        "kind": approval.kind.value,
        "approved_by": approval.approved_by,
        "reason": approval.reason,
        "at": approval.at.isoformat(),
    }


@router.get("/appeals/{appeal_id}/approval")
async def get_approval(request: Request, appeal_id: str, user: User) -> dict[str, Any]:
    """Where the appeal stands: its current revision and author, whether it is approved, and
    which revision goes out (the live one)."""
    standing = services.approval_status(wired(request).store, appeal_id)
    return {
        "id": appeal_id,
        "revision": standing.current,
        "author": standing.author,
        "waiting": standing.waiting,
        "approval": None if standing.approval is None else _approval(standing.approval),
        "live_revision": standing.live,
    }


@router.post("/appeals/{appeal_id}/approve")
async def approve(
    request: Request, appeal_id: str, user: Approver, body: ApproveRequest | None = None
) -> dict[str, Any]:
    """Approve the current revision (``revision``, when given, must be it: 409 otherwise).
    403 for the revision's own author or anyone without the approver role; 422 with the
    findings when it has accessibility or safety errors. Approving twice changes nothing."""
    app = wired(request)
    done = services.approve(
        app.store,
        app.registry,
        appeal_id,
        user=user,
        revision=None if body is None else body.revision,
        now=datetime.now(UTC),
    )
    return {
        "id": appeal_id,
        **_approval(done.approval),
        "newly": done.newly,
        "deliveries": list(done.deliveries),
    }


class ScheduleRequest(BaseModel):
    """When and where to publish, as on the command line."""

    channels: list[str] = Field(min_length=1, description='e.g. ["web", "x"]')
    at: str = Field(
        default="now",
        description='"now", "07:15 06/11/2030", "2030-11-06 07:15" or ISO 8601 with an offset',
    )
    every: str | None = Field(default=None, description="Repeat: 3d, 12h, 90m, 1w (with until)")
    until: str | None = Field(default=None, description="The last repeat (inclusive)")
    tz: str = Field(default=rules.DEFAULT_TZ, description="The zone of at and until")
    campaign: str | None = Field(default=None, description="A campaign slug to group them")
    target: str = "default"


@router.post("/appeals/{appeal_id}/schedule", status_code=201)
async def schedule(
    request: Request, appeal_id: str, user: Author, body: ScheduleRequest
) -> JSONResponse:
    """Schedule the current revision on channels (201 with the deliveries and their UTC
    times). 409 when it is not approved yet, or already scheduled at that time; 422 when it
    has accessibility or safety errors; 400 for a time, zone or rule that cannot be read,
    naming it."""
    app = wired(request)
    now = datetime.now(UTC)
    notes: list[str] = []
    times = rules.plan_times(
        body.at, every=body.every, until=body.until, tz=body.tz, now=now, warn=notes.append
    )
    if times:
        ids = services.schedule(
            app.store,
            app.registry,
            appeal_id,
            body.channels,
            times,
            target=body.target,
            campaign=body.campaign,
            actor=user.name,
            now=now,
            tz=body.tz,
        )
    else:
        ids = services.publish_now(
            app.store, app.registry, appeal_id, body.channels, target=body.target,
            actor=user.name, now=now,
        )  # fmt: skip
    return JSONResponse(
        {
            "id": appeal_id,
            "deliveries": ids,
            "times": [t.isoformat() for t in times] or [now.isoformat()],
            "notes": notes,
        },
        status_code=201,
    )


@router.get("/deliveries")
async def list_deliveries(
    request: Request,
    user: User,
    state: str | None = None,
    channel: str | None = None,
    appeal: str | None = None,
    campaign: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Deliveries by due time, filtered by state, channel, appeal and campaign slug."""
    found = services.find_deliveries(
        wired(request).store,
        states=[state] if state else None,
        channel=channel,
        appeal_id=appeal,
        campaign=campaign,
        limit=max(1, min(limit, 500)),
    )
    return [
        {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in dataclasses.asdict(d).items()
        }
        for d in found
    ]
