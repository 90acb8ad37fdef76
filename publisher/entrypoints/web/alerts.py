"""The public alert pages (sign up, confirm, unsubscribe) and the staff's subscriber counts.

Public on purpose: ``/alerts/sign-up``, ``/alerts/confirm/{token}``,
``/alerts/unsubscribe/{token}``. Their forms carry a double-submit CSRF token (the pre-session
cookie), sign-ups are rate-limited per client address, and the answer to a sign-up is the same
whether the address was known or not. Following a link never changes anything by itself: the
page shows a button, and only its POST confirms or unsubscribes (link scanners GET links).
``/alerts/subscribers``: counts (by area and topic, and by language) for authors and
approvers, addresses for admins only. A force publishing in several languages
(PUBLISHER_LANGUAGES) asks at sign-up which language the alerts go in.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from publisher.channels.notify import NotifyChannel
from publisher.domain.accounts import Role, permits
from publisher.domain.record import Topic
from publisher.entrypoints.web import security
from publisher.entrypoints.web.pages import page
from publisher.entrypoints.web.security import wired
from publisher.errors import Forbidden, NotFound, PublishError, Unavailable
from publisher.services import subscriptions
from publisher.services.accounts import CurrentSession
from publisher.store import subscriptions as rows

__all__ = ["PUBLIC_PATHS", "SIGN_UPS_PER_MINUTE", "router"]

PUBLIC_PATHS = (
    "/alerts/sign-up",
    "/alerts/confirm/{token}",
    "/alerts/unsubscribe/{token}",
)
router = APIRouter(include_in_schema=False)
Session = Annotated[CurrentSession, Depends(security.page_session)]


SIGN_UPS_PER_MINUTE = 5
"""Sign-ups accepted per client address per minute (per web process)."""


def _throttle(request: Request) -> security.SignInThrottle:
    found: security.SignInThrottle = request.app.state.signup_throttle
    return found


def _public(
    request: Request, template: str, *, title: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    token = security.pre_session_token(request)
    response = page(
        request, template, title=title, csrf_token=token, status_code=status_code, **context
    )
    security.set_pre_session_cookie(request, response, token)
    return response


def _sign_up_page(
    request: Request,
    *,
    error: str = "",
    field: str = "",
    address: str = "",
    language: str = "",
    status: int = 200,
) -> HTMLResponse:
    return _public(
        request,
        "alerts_sign_up.html",
        title=("Error: " if error else "") + "Get police appeal alerts",
        areas=subscriptions.areas(wired(request).store),
        topics=[t.value for t in Topic],
        languages=subscriptions.alert_languages(wired(request).settings.languages),
        error=error,
        field=field,
        address=address,
        language=language,
        status_code=status,
    )


@router.get("/alerts/sign-up")
async def sign_up_form(request: Request) -> HTMLResponse:
    return _sign_up_page(request)


@router.post("/alerts/sign-up")
async def sign_up(request: Request) -> Response:
    form = await request.form()
    security.check_pre_session(request, form.get("csrf_token"))
    _throttle(request).attempt(request.client.host if request.client else "unknown")
    address = str(form.get("address") or "")
    language = str(form.get("language") or "")
    app = wired(request)
    channel = app.registry.get("notify")
    if not isinstance(channel, NotifyChannel):
        raise Unavailable("alerts are not available: the notify channel is not the built-in one")

    def send(kind: Literal["email", "sms"], to: str, subject: str, body: str) -> None:
        channel.send_message(kind, to, subject, body)

    try:
        subscriptions.sign_up(
            app.store,
            address=address,
            area=str(form.get("area") or ""),
            topic=str(form.get("topic") or ""),
            app_url=app.settings.app_url,
            send=send,
            language=language,
            languages=app.settings.languages,
        )
    except subscriptions.InvalidSubscription as exc:
        return _sign_up_page(
            request,
            error=str(exc),
            field=exc.field,
            address=address,
            language=language,
            status=422,
        )
    except PublishError as exc:
        raise Unavailable(
            "the confirmation could not be sent just now; try again in a few minutes"
        ) from exc
    return page(request, "alerts_done.html", title="Check your email or phone", kind="sign-up")


def _link_page(request: Request, action: str, token: str) -> HTMLResponse:
    store = wired(request).store
    if action == "unsubscribe":
        details = subscriptions.unsubscribe_details(store, token)
        if details is None:
            return page(request, "alerts_done.html", title="You are not subscribed", kind="gone")
    return _public(
        request,
        "alerts_link.html",
        title="Confirm your alerts" if action == "confirm" else "Stop these alerts",
        action=action,
        token=token,
    )


@router.get("/alerts/confirm/{token}")
async def confirm_form(request: Request, token: str) -> HTMLResponse:
    return _link_page(request, "confirm", token)


@router.post("/alerts/confirm/{token}")
async def confirm(request: Request, token: str) -> HTMLResponse:
    form = await request.form()
    security.check_pre_session(request, form.get("csrf_token"))
    if not subscriptions.confirm(wired(request).store, token):
        raise NotFound("this confirmation link is not valid: it may have been used already")
    return page(request, "alerts_done.html", title="Your alerts are on", kind="confirmed")


@router.get("/alerts/unsubscribe/{token}")
async def unsubscribe_form(request: Request, token: str) -> HTMLResponse:
    return _link_page(request, "unsubscribe", token)


@router.post("/alerts/unsubscribe/{token}")
async def unsubscribe(request: Request, token: str) -> HTMLResponse:
    form = await request.form()
    security.check_pre_session(request, form.get("csrf_token"))
    subscriptions.unsubscribe(wired(request).store, token)  # already gone: the same answer
    return page(request, "alerts_done.html", title="You are unsubscribed", kind="unsubscribed")


@router.get("/alerts/subscribers")
async def subscribers(request: Request, current: Session) -> HTMLResponse:
    user = current.user
    if not (permits(user.roles, Role.AUTHOR) or permits(user.roles, Role.APPROVER)):
        raise Forbidden("the subscriber counts are for comms staff (author or approver)")
    admin = Role.ADMIN in set(user.roles)
    app = wired(request)
    with app.store.session(read_only=True) as session:
        counts = rows.counts(session)
        people = rows.addresses(session) if admin else []
    languages = subscriptions.language_counts(app.store, app.settings.languages)
    return page(
        request,
        "alerts_subscribers.html",
        title="Alert subscribers",
        current=current,
        counts=counts,
        languages=languages,
        people=people,
        admin=admin,
    )
