"""A local Facebook Graph API server for tests: the Page endpoints the channel calls, in the
Graph API's own JSON shapes.

::

    with FakeFacebook() as fake:
        channel = FacebookChannel(settings=fake.settings())
        ...
        fake.posts        # every post (feed or photo) and comment made, in order
        fake.requests     # every request received, refused ones too

Endpoints (under ``/{version}/``, ``Authorization: Bearer <token>``, form-encoded bodies):

- ``POST /{page-id}/feed`` (``message``, ``link``) → ``{"id": "pageid_postid"}``;
- ``POST /{page-id}/photos`` (``url``, ``message`` or ``caption``, ``alt_text_custom``) →
  ``{"id": "photoid", "post_id": "pageid_postid"}``;
- ``POST /{post-id}/comments`` (``message``) → ``{"id": "postid_commentid"}``;
- ``DELETE /{object-id}`` → ``{"success": true}``; an unknown or deleted one is error 100 with
  subcode 33, as Facebook answers it.

Errors are ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id",
"is_transient"}}``. A missing or wrong token is 400 code 190 (``OAuthException``); a message over
63,206 characters is code 100. Every answer carries ``X-App-Usage`` and ``X-Page-Usage`` (and
``X-Business-Use-Case-Usage`` when set) from the config. The fake records whether a token ever
came in a query string (``tokens_in_urls``): it must not.

Faults, queued with :meth:`FakeFacebook.fail` for the next matching request (after ``skip``
good ones): Graph error codes ``"4"``, ``"17"``, ``"32"``, ``"613"``, ``"80001"`` (rate
limits), ``"190"``, ``"200"``, ``"100"``, ``"2"`` (``is_transient``), ``"500"``, ``"503"``,
``drop`` (make the post, close the connection without answering), ``stall`` (make it, answer
after ``seconds``), ``hang`` (make nothing, close after ``seconds``).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from publisher.channels.facebook import FacebookSettings
from publisher.domain.secret import Secret
from tests.support.fakehttp import FakeHandler, LocalFake

__all__ = ["FAULTS", "FakeFacebook", "FakeFacebookConfig"]

RATE_LIMITS = {
    "4": (400, "(#4) Application request limit reached", "OAuthException"),
    "17": (400, "(#17) User request limit reached", "OAuthException"),
    "32": (400, "(#32) Page request limit reached", "OAuthException"),
    "613": (400, "(#613) Calls to this api have exceeded the rate limit.", "OAuthException"),
    "80001": (
        400,
        "(#80001) There have been too many calls to this Page account.",
        "OAuthException",
    ),
}
OTHER_ERRORS = {
    "190": (400, "Error validating access token: Session has expired.", "OAuthException", None),
    "200": (403, "(#200) Permissions error", "OAuthException", None),
    "100": (400, "(#100) Invalid parameter", "OAuthException", None),
    "2": (
        500,
        "An unexpected error has occurred. Please retry your request later.",
        "OAuthException",
        None,
    ),
    "500": (500, "An unknown error has occurred.", "OAuthException", None),
    "503": (503, "Service temporarily unavailable", "FacebookApiException", None),
}
FAULTS = (*RATE_LIMITS, *OTHER_ERRORS, "drop", "stall", "hang")
MAX_MESSAGE = 63_206


@dataclass
class FakeFacebookConfig:
    """How the fake behaves (change it under the fake's lock between requests)."""

    page_id: str = "104000000000001"
    access_token: str = "fake-page-token-EAAB-secret"
    version: str = "v21.0"
    app_usage: dict[str, Any] = field(
        default_factory=lambda: {"call_count": 1, "total_cputime": 1, "total_time": 1}
    )
    page_usage: dict[str, Any] = field(
        default_factory=lambda: {
            "call_count": 1,
            "total_cputime": 1,
            "total_time": 1,
            "estimated_time_to_regain_access": 0,
        }
    )
    business_usage: dict[str, Any] | None = None
    stall_seconds: float = 2.0


@dataclass
class _Fault:
    endpoint: str
    fault: str
    skip: int = 0
    seconds: float | None = None


class FakeFacebook(LocalFake):
    """The fake Graph API. Thread-safe; a context manager, or ``start()``/``stop()``."""

    server_name = "fake-facebook"

    def __init__(self, config: FakeFacebookConfig | None = None, *, port: int = 0) -> None:
        super().__init__(port=port)
        self.config = config or FakeFacebookConfig()
        self.reset()

    def settings(self, **overrides: Any) -> FacebookSettings:
        values: dict[str, Any] = {
            "page_id": self.config.page_id,
            "access_token": Secret(self.config.access_token),
            "graph_url": self.base_url,
            "api_version": self.config.version,
        }
        values.update(overrides)
        return FacebookSettings(**values)

    def environment(self) -> dict[str, str]:
        """Environment variables that point publisher (settings, workers) at this fake."""
        return {
            "FACEBOOK_PAGE_ID": self.config.page_id,
            "FACEBOOK_PAGE_ACCESS_TOKEN": self.config.access_token,
            "FACEBOOK_GRAPH_URL": self.base_url,
            "FACEBOOK_API_VERSION": self.config.version,
        }

    # State -------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self._posts: list[dict[str, Any]] = []
            self._faults: list[_Fault] = []
            self._injected: list[dict[str, Any]] = []
            self._next = 1
            self.requests: list[dict[str, Any]] = []
            self.tokens_in_urls = 0
            self.held = threading.Event()
            """Set when a stalled answer is being held (the post exists)."""

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Every post and comment made (deleted ones too, marked ``deleted``), in order."""
        with self.lock:
            return [dict(post) for post in self._posts]

    @property
    def live_posts(self) -> list[dict[str, Any]]:
        return [post for post in self.posts if not post["deleted"]]

    @property
    def injected(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(item) for item in self._injected]

    def set_usage(
        self,
        *,
        app: Mapping[str, Any] | None = None,
        page: Mapping[str, Any] | None = None,
        business: Mapping[str, Any] | None = None,
    ) -> None:
        with self.lock:
            if app is not None:
                self.config.app_usage = dict(app)
            if page is not None:
                self.config.page_usage = dict(page)
            if business is not None:
                self.config.business_usage = dict(business)

    def fail(
        self, endpoint: str, fault: str, *, skip: int = 0, seconds: float | None = None
    ) -> None:
        """Answer the next ``endpoint`` request ("POST feed", "POST photos", "POST comments",
        "DELETE") after ``skip`` good ones with ``fault``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self.lock:
            self._faults.append(_Fault(endpoint, fault, skip, seconds))

    def _take_fault(self, endpoint: str) -> _Fault | None:
        for fault in self._faults:
            if fault.endpoint != endpoint:
                continue
            if fault.skip > 0:
                fault.skip -= 1
                return None
            self._faults.remove(fault)
            return fault
        return None

    def _new(self) -> str:
        self._next += 1
        return str(900_000_000_000 + self._next)

    # Requests ----------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        config = self.config
        headers = {
            "X-App-Usage": json.dumps(config.app_usage),
            "X-Page-Usage": json.dumps(config.page_usage),
            "x-fb-trace-id": "FakeTrace1",
        }
        if config.business_usage is not None:
            headers["X-Business-Use-Case-Usage"] = json.dumps(config.business_usage)
        return headers

    def _error(
        self,
        handler: FakeHandler,
        status: int,
        message: str,
        kind: str,
        code: int,
        *,
        subcode: int | None = None,
        transient: bool = False,
    ) -> None:
        error: dict[str, Any] = {
            "message": message,
            "type": kind,
            "code": code,
            "is_transient": transient,
            "fbtrace_id": "AbCdEfFakeTrace",
        }
        if subcode is not None:
            error["error_subcode"] = subcode
        handler.send_json(status, {"error": error}, self._headers())

    def route(self, handler: FakeHandler, method: str) -> None:
        split = urlsplit(handler.path)
        body = handler.read_body()
        if body is None:
            return
        query = parse_qs(split.query)
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        parts = [p for p in split.path.split("/") if p]
        with self.lock:
            if "access_token" in query:
                self.tokens_in_urls += 1
            self.requests.append(
                {"method": method, "path": split.path, "query": split.query, "form": form}
            )
        if not parts or parts[0] != self.config.version:
            self._error(handler, 400, "Unknown path components", "OAuthException", 2500)
            return
        if handler.headers.get("Authorization") != f"Bearer {self.config.access_token}":
            self._error(
                handler,
                400,
                "Invalid OAuth access token - Cannot parse access token",
                "OAuthException",
                190,
            )
            return
        rest = parts[1:]
        if method == "POST" and len(rest) == 2 and rest[1] in ("feed", "photos", "comments"):
            endpoint = f"POST {rest[1]}"
        elif method == "DELETE" and len(rest) == 1:
            endpoint = "DELETE"
        else:
            self._error(
                handler,
                400,
                f"Unsupported {method} request.",
                "GraphMethodException",
                100,
                subcode=33,
            )
            return
        with self.lock:
            fault = self._take_fault(endpoint)
            if fault is not None:
                self._injected.append({"endpoint": endpoint, "fault": fault.fault})
        if fault is not None and self._serve_fault(handler, fault, rest, form):
            return
        with self.lock:
            status, payload = self._act(rest, endpoint, form)
        if status != 200:
            message, kind, code, *subcode = payload
            self._error(handler, status, message, kind, code, subcode=next(iter(subcode), None))
            return
        handler.send_json(200, payload, self._headers())

    def _serve_fault(
        self, handler: FakeHandler, fault: _Fault, rest: list[str], form: dict[str, str]
    ) -> bool:
        name = fault.fault
        if name in RATE_LIMITS:
            status, message, kind = RATE_LIMITS[name]
            self._error(handler, status, message, kind, int(name))
            return True
        if name in OTHER_ERRORS:
            status, message, kind, _ = OTHER_ERRORS[name]
            code = {"500": 1, "503": 2}.get(name, int(name))
            self._error(handler, status, message, kind, code, transient=name == "2")
            return True
        wait = fault.seconds if fault.seconds is not None else self.config.stall_seconds
        if name == "hang":
            time.sleep(wait)
            handler.drop()
            return True
        with self.lock:
            made = self._act(rest, f"POST {rest[-1]}" if len(rest) == 2 else "DELETE", form)
            self._injected[-1]["made"] = made[1] if made[0] == 200 else None
        if name == "stall":
            self.held.set()
            time.sleep(wait)
            with contextlib.suppress(OSError):
                handler.send_json(200, made[1], self._headers())
            return True
        handler.drop()
        return True

    def _act(self, rest: list[str], endpoint: str, form: dict[str, str]) -> tuple[int, Any]:
        """Do what the request asks; (200, answer) or (status, error arguments)."""
        if endpoint == "DELETE":
            for post in self._posts:
                if rest[0] in (post["id"], post.get("photo_id")) and not post["deleted"]:
                    post["deleted"] = True
                    return 200, {"success": True}
            return 400, (
                f"Unsupported delete request. Object with ID '{rest[0]}' does not exist, cannot "
                "be loaded due to missing permissions, or does not support this operation.",
                "GraphMethodException",
                100,
                33,
            )
        owner, edge = rest
        message = form.get("message") or form.get("caption") or ""
        if len(message) > MAX_MESSAGE:
            return 400, (
                "(#100) Param message must be at most 63206 characters long.",
                "OAuthException",
                100,
            )
        if edge in ("feed", "photos") and owner != self.config.page_id:
            return 400, ("(#200) The user hasn't authorized the application", "OAuthException", 200)
        if edge == "comments":
            if not any(p["id"] == owner and not p["deleted"] for p in self._posts):
                return 400, (
                    f"Unsupported post request. Object with ID '{owner}' does not exist",
                    "GraphMethodException",
                    100,
                )
            comment = {
                "id": f"{owner.split('_')[-1]}_{self._new()}",
                "kind": "comment",
                "parent": owner,
                "message": message,
                "deleted": False,
            }
            self._posts.append(comment)
            return 200, {"id": comment["id"]}
        if not message.strip() and edge == "feed" and not form.get("link"):
            return 400, ("(#100) Missing message or attachment", "OAuthException", 100)
        post: dict[str, Any] = {
            "id": f"{self.config.page_id}_{self._new()}",
            "kind": "photo" if edge == "photos" else "post",
            "message": message,
            "link": form.get("link"),
            "deleted": False,
        }
        if edge == "photos":
            if not form.get("url"):
                return 400, ("(#324) Requires upload file", "OAuthException", 324)
            post["photo_id"] = self._new()
            post["url"] = form["url"]
            post["alt_text_custom"] = form.get("alt_text_custom")
            self._posts.append(post)
            return 200, {"id": post["photo_id"], "post_id": post["id"]}
        self._posts.append(post)
        return 200, {"id": post["id"]}
