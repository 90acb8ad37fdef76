"""Who is asking, and may they: the session cookie, API bearer tokens, roles, CSRF, the sign-in
throttle and the security headers. The rules themselves are in
:mod:`publisher.services.accounts`; this module only carries them over HTTP."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from publisher.bootstrap import App
from publisher.domain.accounts import Role
from publisher.errors import Forbidden, NotSignedIn
from publisher.services import accounts
from publisher.services.accounts import CurrentSession, UserView

__all__ = [
    "CSP",
    "PREVIEW_CSP",
    "PRE_SESSION_COOKIE",
    "SESSION_COOKIE",
    "SecurityHeaders",
    "SignInThrottle",
    "TooManyAttempts",
    "api_user",
    "check_csrf",
    "check_pre_session",
    "clear_session_cookie",
    "page_session",
    "pre_session_token",
    "role",
    "set_pre_session_cookie",
    "set_session_cookie",
    "wired",
]

SESSION_COOKIE = "publisher_session"
PRE_SESSION_COOKIE = "publisher_pre_session"
CSP = (
    "default-src 'self'; img-src 'self' data: https:; frame-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
PREVIEW_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline' 'self'; img-src data: https:; "
    "frame-ancestors 'self'"
)
_REFUSED_FORM = (
    "This form could not be accepted: it has expired, or it was not sent from this site. "
    "Go back, reload the page and try again."
)


def wired(request: Request) -> App:
    """The composition root this web app was created with."""
    app: App = request.app.state.publisher
    return app


def _secure(request: Request) -> bool:
    return wired(request).settings.app_url.startswith("https://")


# ---------------------------------------------------------------------------------- sessions


def page_session(request: Request) -> CurrentSession:
    """The signed-in user of the session cookie; :class:`NotSignedIn` otherwise (the pages turn
    that into a redirect to the sign-in page)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotSignedIn("please sign in")
    return accounts.session_user(wired(request).store, token)


def api_user(request: Request) -> UserView:
    """The user of the ``Authorization: Bearer`` token; :class:`NotSignedIn` otherwise."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedIn("an API token is needed: Authorization: Bearer TOKEN")
    return accounts.user_for_token(wired(request).store, token.strip())


def role(needed: Role, *, api: bool = False) -> Callable[[Request], CurrentSession | UserView]:
    """A dependency: the session (or, with ``api``, the token's user) if it holds ``needed``;
    :class:`Forbidden` otherwise."""

    def check(request: Request) -> CurrentSession | UserView:
        if api:
            user = api_user(request)
            accounts.require(user, needed)
            return user
        current = page_session(request)
        accounts.require(current.user, needed)
        return current

    return check


def set_session_cookie(request: Request, response: Response, signed: accounts.SignedIn) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        expires=signed.expires_at,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(PRE_SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request)
    )


# -------------------------------------------------------------------------------------- CSRF


def check_csrf(current: CurrentSession, given: object) -> None:
    """Refuse (403) a form whose ``csrf_token`` is not the session's."""
    if not isinstance(given, str) or not accounts.csrf_matches(current.csrf_token, given):
        raise Forbidden(_REFUSED_FORM)


def pre_session_token(request: Request) -> str:
    """The sign-in forms' CSRF token: the pre-session cookie's, or a new one."""
    return request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)


def set_pre_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        PRE_SESSION_COOKIE,
        token,
        max_age=3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def check_pre_session(request: Request, given: object) -> None:
    """Refuse (403) a sign-in form whose ``csrf_token`` is not its pre-session cookie's
    (double submit: a page on another site can neither read nor set that cookie)."""
    expected = request.cookies.get(PRE_SESSION_COOKIE)
    if not expected or not isinstance(given, str) or not accounts.csrf_matches(expected, given):
        raise Forbidden(_REFUSED_FORM)


# ---------------------------------------------------------------------------------- throttle


class TooManyAttempts(Exception):
    """A client address tried to sign in too often (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts: wait {retry_after} seconds")
        self.retry_after = retry_after


@dataclass
class SignInThrottle:
    """At most ``limit`` sign-in attempts per client address in ``window`` seconds, in memory
    (per process), on top of the per-account lockout of the accounts service."""

    limit: int = 10
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _attempts: dict[str, deque[float]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def attempt(self, address: str) -> None:
        """Count one attempt from ``address``; :class:`TooManyAttempts` when over the limit."""
        now = self.clock()
        with self._lock:
            if len(self._attempts) > 10_000:  # forget idle addresses
                for key in [k for k, v in self._attempts.items() if not v or v[-1] < now - 60]:
                    del self._attempts[key]
            seen = self._attempts.setdefault(address, deque())
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                raise TooManyAttempts(max(1, int(seen[0] + self.window - now) + 1))
            seen.append(now)


# ------------------------------------------------------------------------------------ headers


class SecurityHeaders:
    """ASGI middleware: the security headers on every response; ``no-store`` on all but the
    static files. A response that sets its own Content-Security-Policy keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                if not static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
