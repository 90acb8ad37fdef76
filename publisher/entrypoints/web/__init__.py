"""The comms web app: server-rendered pages in the GOV.UK Design System's look, and the same
actions as JSON under ``/api``. Every form works without JavaScript.

:func:`create_app` builds the FastAPI application on a composition root
(:func:`publisher.bootstrap.bootstrap`); ``publisher web`` serves it with uvicorn
(:mod:`publisher.entrypoints.web.server`).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from publisher import errors
from publisher.bootstrap import App
from publisher.entrypoints.web import (
    alerts,
    api,
    approvals,
    comms,
    editor,
    monitoring,
    operators,
    pages,
    security,
)

__all__ = ["STATIC_DIR", "create_app", "status_of"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

_STATUSES: tuple[tuple[type[errors.PublisherError], int], ...] = (
    (errors.NotSignedIn, 401),
    (errors.Forbidden, 403),
    (errors.AccessDenied, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.ContentError, 422),
    (errors.UsageError, 400),
    (errors.Unavailable, 503),
)

_TITLES = {
    400: "There is a problem with the request",
    403: "You cannot do this",
    404: "Page not found",
    405: "Page not found",
    409: "This cannot be done now",
    422: "There is a problem with the appeal",
    429: "Too many attempts",
    503: "Sorry, the service is unavailable",
}


def status_of(exc: errors.PublisherError) -> int:
    """The HTTP status of one of the project's errors (by family)."""
    for family, status in _STATUSES:
        if isinstance(exc, family):
            return status
    return 500


def _is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def _problem(status: int, message: str, **extra: object) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"status": status, "message": message, **extra}, status, headers=headers)


def _error_page(request: Request, status: int, message: str) -> Response:
    current = None
    if status != 401:
        try:
            current = security.page_session(request)
        except errors.PublisherError:
            current = None
    response = pages.page(
        request,
        "error.html",
        title=_TITLES.get(status, "Sorry, there is a problem with the service"),
        current=current,
        message=message,
        status_code=status,
    )
    return response


async def _publisher_error(request: Request, exc: Exception) -> Response:
    """The one mapping of the project's errors to HTTP: JSON under /api, a page elsewhere (and
    a redirect to the sign-in page when a page needs a session)."""
    assert isinstance(exc, errors.PublisherError)
    status = status_of(exc)
    if _is_api(request):
        extra: dict[str, object] = {"error": type(exc).__name__}
        if isinstance(exc, errors.RecordInvalid):
            problems = getattr(exc, "problems", (exc.problem,))
            extra["problems"] = [
                {"message": p.message, "file": p.file, "line": p.line, "field": p.field}
                for p in problems
            ]
        if isinstance(exc, errors.NotReadyToPublish):
            extra["errors"] = list(exc.errors)
        return _problem(status, exc.format_message(), **extra)
    if isinstance(exc, errors.NotSignedIn):
        if request.url.path.startswith("/sign-in/link/"):
            return _error_page(request, 401, str(exc).capitalize() + ".")
        target = request.url.path if request.method == "GET" else "/"
        if request.url.query and request.method == "GET":
            target += "?" + request.url.query
        suffix = "" if target == "/" else "?next=" + quote(target, safe="")
        response = RedirectResponse("/sign-in" + suffix, status_code=303)
        if security.SESSION_COOKIE in request.cookies:
            security.clear_session_cookie(request, response)
        return response
    return _error_page(request, status, exc.format_message())


async def _too_many(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, security.TooManyAttempts)
    message = f"Too many sign-in attempts from your address. Wait {exc.retry_after} seconds."
    response = _problem(429, message) if _is_api(request) else _error_page(request, 429, message)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_api(request):
        return _problem(exc.status_code, str(exc.detail))
    message = {
        404: "If you typed the web address, check it is correct.",
        405: "If you typed the web address, check it is correct.",
    }.get(exc.status_code, str(exc.detail))
    return _error_page(request, exc.status_code, message)


def create_app(app: App) -> FastAPI:
    """The web application over ``app`` (its settings, store, channels and templates)."""
    web = FastAPI(
        title="publisher",
        summary="Import appeals and preview every channel's rendition.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    web.state.publisher = app
    web.state.throttle = security.SignInThrottle()
    web.state.signup_throttle = security.SignInThrottle(
        limit=alerts.SIGN_UPS_PER_MINUTE, window=60.0
    )
    web.add_middleware(security.SecurityHeaders)
    web.add_exception_handler(errors.PublisherError, _publisher_error)
    web.add_exception_handler(security.TooManyAttempts, _too_many)
    web.add_exception_handler(HTTPException, _http_error)

    @web.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """The process answers (public)."""
        return {"status": "ok"}

    web.include_router(api.router)
    web.include_router(alerts.router)
    web.include_router(approvals.router)
    # The editor's /appeals/new and /appeals/{id}/edit before comms' /appeals/{id}/{action}.
    web.include_router(editor.router)
    web.include_router(comms.router)
    web.include_router(pages.router)
    web.include_router(monitoring.router)
    web.include_router(operators.router)
    web.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return web
