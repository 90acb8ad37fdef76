"""The HTML pages. Each route parses the request, calls the services and renders a template;
the services decide (roles, lockout, the checks)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from publisher import services
from publisher.domain.accounts import Role
from publisher.domain.record import AppealKind, AppealStatus
from publisher.entrypoints.web import security
from publisher.entrypoints.web.security import wired
from publisher.entrypoints.web.views import (
    findings_by_field,
    previews,
)
from publisher.errors import NotSignedIn, UsageError
from publisher.services import accounts
from publisher.services.accounts import CurrentSession

__all__ = ["MAX_UPLOAD", "PUBLIC_PATHS", "page", "router", "safe_next"]

MAX_UPLOAD = 1024 * 1024
"""The largest appeal file (or text) accepted, in bytes."""
PUBLIC_PATHS = ("/sign-in", "/sign-in/link/{token}")
LONDON = ZoneInfo("Europe/London")

router = APIRouter(include_in_schema=False)
Session = Annotated[CurrentSession, Depends(security.page_session)]


def when(moment: datetime | None) -> str:
    """A time as people here read it: UK local time, day first."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).strftime("%H:%M %d/%m/%Y")


def page(
    request: Request,
    template: str,
    *,
    title: str,
    current: CurrentSession | None = None,
    csrf_token: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``templates/app/TEMPLATE`` in the base layout."""
    html = (
        wired(request)
        .templates.get_template(f"app/{template}")
        .render(
            title=title,
            user=None if current is None else current.user,
            csrf_token=csrf_token or ("" if current is None else current.csrf_token),
            when=when,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)


def safe_next(value: object) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# ----------------------------------------------------------------------------------- signing in


def _sign_in_page(
    request: Request, *, name: str = "", next_: str = "/", error: str = "", status_code: int = 200
) -> HTMLResponse:
    token = security.pre_session_token(request)
    response = page(
        request,
        "sign_in.html",
        title="Sign in" if not error else "Error: Sign in",
        csrf_token=token,
        name=name,
        next=next_,
        error=error,
        status_code=status_code,
    )
    security.set_pre_session_cookie(request, response, token)
    return response


@router.get("/sign-in")
async def sign_in_form(request: Request, next: str = "/") -> HTMLResponse:
    return _sign_in_page(request, next_=safe_next(next))


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    security.check_pre_session(request, form.get("csrf_token"))
    throttle: security.SignInThrottle = request.app.state.throttle
    throttle.attempt(_client(request))
    name, password = _field(form, "name"), _field(form, "password")
    next_ = safe_next(form.get("next"))
    try:
        signed = accounts.sign_in(wired(request).store, name, password)
    except NotSignedIn as exc:
        return _sign_in_page(
            request, name=name, next_=next_, error=str(exc).capitalize() + ".", status_code=401
        )
    response = _see_other(next_)
    security.set_session_cookie(request, response, signed)
    return response


@router.get("/sign-in/link/{token}")
async def sign_in_link_form(request: Request, token: str) -> HTMLResponse:
    """A page with a button: following the link signs nobody in, so a link previewer cannot use
    it up."""
    csrf = security.pre_session_token(request)
    response = page(
        request,
        "sign_in_link.html",
        title="Sign in with your link",
        csrf_token=csrf,
        action=f"/sign-in/link/{quote(token, safe='')}",
    )
    security.set_pre_session_cookie(request, response, csrf)
    return response


@router.post("/sign-in/link/{token}")
async def sign_in_link(request: Request, token: str) -> Response:
    form = await request.form()
    security.check_pre_session(request, form.get("csrf_token"))
    throttle: security.SignInThrottle = request.app.state.throttle
    throttle.attempt(_client(request))
    signed = accounts.sign_in_with_link(wired(request).store, token)
    response = _see_other("/" if signed.user.has_password else "/account/password")
    security.set_session_cookie(request, response, signed)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, current: Session) -> Response:
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    token = request.cookies.get(security.SESSION_COOKIE, "")
    accounts.sign_out(wired(request).store, token)
    response = _see_other("/sign-in")
    security.clear_session_cookie(request, response)
    return response


# -------------------------------------------------------------------------------------- account


@router.get("/account/password")
async def password_form(request: Request, current: Session) -> HTMLResponse:
    return page(request, "password.html", title="Set your password", current=current, errors={})


@router.post("/account/password")
async def set_password(request: Request, current: Session) -> Response:
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    store = wired(request).store
    name = current.user.name
    password, confirm = _field(form, "password"), _field(form, "confirm")
    errors: dict[str, str] = {}
    if current.user.has_password:
        try:  # the current password, checked (and counted) like a sign-in
            accounts.sign_in(store, name, _field(form, "current"))
        except NotSignedIn:
            errors["current"] = "Your current password is wrong"
    if password != confirm:
        errors["confirm"] = "The two new passwords are not the same"
    if not errors:
        try:
            accounts.set_password(store, name, password, actor=name)
        except UsageError as exc:
            errors["password"] = str(exc).capitalize()
    if errors:
        return page(
            request,
            "password.html",
            title="Error: Set your password",
            current=current,
            errors=errors,
            status_code=422,
        )
    # Setting a password ends every session of the user: open a new one with it.
    signed = accounts.sign_in(store, name, password)
    response = _see_other("/")
    security.set_session_cookie(request, response, signed)
    return response


# -------------------------------------------------------------------------------------- appeals


@router.get("/")
async def appeals_list(
    request: Request,
    current: Session,
    status: str = "",
    area: str = "",
    kind: str = "",
    q: str = "",
) -> HTMLResponse:
    found = services.list_appeals(
        wired(request).store,
        status=status or None,
        area=area or None,
        kind=kind or None,
        query=q or None,
    )
    return page(
        request,
        "appeals.html",
        title="Appeals",
        current=current,
        appeals=found,
        filters={"status": status, "area": area, "kind": kind, "q": q},
        filtered=any((status, area, kind, q)),
        statuses=[s.value for s in AppealStatus],
        kinds=[k.value for k in AppealKind],
    )


@router.get("/appeals/{appeal_id}")
async def appeal_page(request: Request, appeal_id: str, current: Session) -> HTMLResponse:
    app = wired(request)
    appeal = services.current_appeal(app.store, appeal_id)
    history = services.revisions(app.store, appeal_id)
    findings = services.lint_findings(appeal, app.registry)
    grouped = findings_by_field(findings)
    fields = [
        ("id", "Id", appeal.id),
        ("title", "Title", appeal.title),
        ("summary", "Summary", appeal.summary),
        ("area", "Area", appeal.area),
        ("kind", "Kind", appeal.kind.value),
        ("status", "Status", appeal.status.value),
        ("revision", "Revision", str(appeal.revision)),
        ("published_at", "Published", when(appeal.published_at)),
        (
            "image",
            "Image description",
            (appeal.image.alt or "No description") if appeal.image else "No image",
        ),
        ("hashtags", "Hashtags", " ".join(f"#{tag}" for tag in appeal.hashtags) or "None"),
        ("body", "Text", f"{len(appeal.body)} block(s)"),
    ]
    shown = {key for key, _, _ in fields}
    standing = services.approval_status(app.store, appeal_id)
    return page(
        request,
        "appeal.html",
        title=appeal.title,
        current=current,
        appeal=appeal,
        fields=fields,
        grouped=grouped,
        other=[f for key, items in grouped.items() if key not in shown for f in items],
        errors=sum(1 for f in findings if f.severity == "error"),
        warnings=sum(1 for f in findings if f.severity != "error"),
        history=history,
        standing=standing,
        may_approve=standing.may_approve(current.user),
        wrote_it=standing.author == current.user.name,
        is_admin=Role.ADMIN in current.user.roles,
        preview=previews(appeal, app.registry),
        preview_url=f"/appeals/{quote(appeal.id, safe='')}/preview/web",
        record_json=json.dumps(json.loads(appeal.to_json()), indent=2, ensure_ascii=False),
    )


@router.get("/appeals/{appeal_id}/preview/web")
async def web_preview(request: Request, appeal_id: str, current: Session) -> Response:
    """The web channel's page as it will be published, in a sandbox: no scripts, no forms, no
    same-origin access, whatever the record holds."""
    app = wired(request)
    appeal = services.current_appeal(app.store, appeal_id)
    html = previews(appeal, app.registry).web
    return HTMLResponse(html, headers={"Content-Security-Policy": security.PREVIEW_CSP})
