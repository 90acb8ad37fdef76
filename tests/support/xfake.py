"""A local X API server for tests and benchmarks: the v2 wire format, as tweepy speaks it.

A real HTTP server on 127.0.0.1 (``ThreadingHTTPServer`` in a thread, or its own process)::

    with FakeX() as fake:                       # or: python -m tests.support.xfake --port 0 \\
        client = XClient(fake.settings())       #        --state-file posts.json
        ...
        self.posts                              # every accepted post, in order
        self.requests                           # every API request received, refused too

Endpoints (what :mod:`channels.x` and tweepy call):

- ``POST /2/tweets``: JSON ``text``, ``reply.in_reply_to_tweet_id``, ``media.media_ids`` →
  201 ``{"data": {"id", "text", "edit_history_tweet_ids"}}``. Like X it refuses text over 280
  (twitter-text v3 weighting) with 400, a reply to an unknown post with 403, unknown media ids
  with 400, and the same text twice with 403 "duplicate content".
- ``POST /2/media/upload``: one-shot JSON upload (base64 ``media``, ``media_category``,
  ``media_type``) → 200 ``{"data": {"id", "media_key", "size", "expires_after_secs", …}}``.
- ``POST /2/media/metadata``: ``{"id", "metadata": {"alt_text": {"text"}}}`` → 200.
- ``DELETE /2/tweets/:id`` → 200 ``{"data": {"deleted": true}}``; an id it does not have (never
  posted, or deleted already) → 404 with a ``resource-not-found`` problem. A deleted post can no
  longer be replied to. Faults are queued on the endpoint ``"DELETE /2/tweets/:id"``.

Every request must carry an OAuth 1.0a ``Authorization: OAuth oauth_consumer_key=…`` header;
when the fake is given the four credentials it also verifies the HMAC-SHA1 signature (so a
client that signs the wrong URL fails here as it would at X). Every response carries the rate
limit headers (``x-rate-limit-*`` per endpoint window; ``x-user-limit-24hour-*`` and
``x-app-limit-24hour-*`` on post creation); beyond the limit the answer is X's 429.

Faults for tests: :meth:`FakeX.fail` queues ``401``, ``403`` (duplicate), ``503``, ``429`` or
``"drop"`` (accept the post, then close the connection without answering: the client cannot
know whether it exists) for the next matching request, optionally after skipping some. Queued
faults are served in order: each waits for its ``skip`` good requests, then answers one. More:

- ``429`` with ``reset_in=S``: the ``x-rate-limit-reset`` header says S seconds from now (not
  the end of the window), as X does when a burst runs out;
- ``503`` with ``retry_after=S``: a ``retry-after: S`` header (without it, none);
- ``"stall"``: accept and record the post, then wait (``seconds=``, default
  ``FakeXConfig.stall_seconds``) before answering; longer than the client's read timeout, the
  post exists but the client never hears of it;
- ``"hang"``: take the request, record nothing, wait as long, then close the connection without
  answering: the client cannot know that no post exists.

:attr:`FakeX.injected` lists every fault served, with the post's text and, when the post was
recorded (``stall``, ``drop``), its id: which posts exist unknown to the client, and which
requests were left hanging without a post. :meth:`FakeX.clear_faults` drops those not served.

Test helpers: ``GET /_fake/posts``, ``GET /_fake/deleted``, ``GET /_fake/media``,
``GET /_fake/injected``, ``GET /_fake/image/<name>`` (a 1×1 PNG to use as an appeal's share
image), ``POST /_fake/reset``,
``POST /_fake/fail`` (JSON ``{"endpoint", "fault", "skip", "reset_in", "retry_after",
"seconds"}``) let tests in other processes (Celery workers) read and steer a standalone fake;
``--state-file`` also mirrors the posts.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.fakehttp import PNG_1X1, FakeHandler, LocalFake

__all__ = ["FAULTS", "PNG_1X1", "FakeX", "FakeXConfig", "main"]

FAULTS = ("401", "403", "403-duplicate", "429", "503", "drop", "stall", "hang")
_FIRST_ID = 1_860_000_000_000_000_000
_DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
#: A 1×1 PNG, served at ``GET /_fake/image/<any name>`` so appeals in tests can have a share image.


def _problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": "about:blank", "status": status}


def _invalid(message: str) -> dict[str, Any]:
    return {
        "errors": [{"message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }


@dataclass
class FakeXConfig:
    """How the fake behaves. Change it between requests (under the fake's lock) as needed."""

    window_limit: int = 300
    """Requests per endpoint per window (X: 15-minute windows)."""
    window_seconds: int = 900
    user_24h_limit: int = 1000
    app_24h_limit: int = 10000
    reject_duplicates: bool = True
    stall_seconds: float = 2.0
    credentials: tuple[str, str, str, str] | None = None
    """(api key, api secret, access token, access token secret): verify signatures with them."""
    clock: Callable[[], float] = field(default=time.time)


@dataclass
class _Window:
    start: float
    used: int = 0


@dataclass
class _Fault:
    endpoint: str
    fault: str
    skip: int = 0
    reset_in: float | None = None
    """For ``429``: ``x-rate-limit-reset`` this many seconds from now (default: the window's)."""
    seconds: float | None = None
    """For ``stall`` and ``hang``: how long to wait (default ``FakeXConfig.stall_seconds``)."""
    retry_after: int | None = None
    """For ``503``: send ``retry-after`` with this many seconds."""


class FakeX(LocalFake):
    """The fake X API. Thread-safe; use as a context manager or ``start()``/``stop()``."""

    server_name = "fake-x"

    def __init__(
        self,
        config: FakeXConfig | None = None,
        *,
        port: int = 0,
        state_file: Path | None = None,
    ) -> None:
        super().__init__(port=port)
        self.config = config or FakeXConfig()
        self.state_file = state_file
        self.reset()

    # Routing ---------------------------------------------------------------------------

    def route(self, handler: FakeHandler, method: str) -> None:
        if method == "GET":
            self._get(handler)
        elif method == "POST":
            self._post(handler)
        elif method == "DELETE" and urlsplit(handler.path).path.startswith("/2/tweets/"):
            self._delete_route(handler)
        else:
            path = urlsplit(handler.path).path
            handler.send_json(404, _problem(404, "Not Found", f"no route {method} {path}"))

    def _get(self, handler: FakeHandler) -> None:
        path = urlsplit(handler.path).path
        if path == "/_fake/posts":
            handler.send_json(200, {"posts": self.posts})
        elif path == "/_fake/media":
            handler.send_json(200, {"media": self.media})
        elif path == "/_fake/deleted":
            handler.send_json(200, {"deleted": self.deleted})
        elif path == "/_fake/injected":
            handler.send_json(200, {"injected": self.injected})
        elif path.startswith("/_fake/image/"):
            handler.send_png()
        else:
            handler.send_json(404, _problem(404, "Not Found", f"no route GET {path}"))

    def _post(self, handler: FakeHandler) -> None:
        path = urlsplit(handler.path).path
        body = handler.read_body()
        if body is None:
            return
        if path.startswith("/_fake/"):
            self._fake_control(handler, path, body)
            return
        endpoint = f"POST {path}"
        action = {
            "POST /2/tweets": self._create_tweet,
            "POST /2/media/upload": self._upload,
            "POST /2/media/metadata": self._metadata,
        }.get(endpoint)
        if action is None:
            handler.send_json(404, _problem(404, "Not Found", f"no route {endpoint}"))
            return
        problem: dict[str, Any] | None
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
            problem = _invalid("the request body is not JSON")
        else:
            problem = None
        with self.lock:  # every API request is recorded, refused ones too
            self.requests.append({"endpoint": endpoint, "body": payload})
        auth_problem = self._check_auth(handler, body)
        if auth_problem is not None:
            handler.send_json(401, _problem(401, "Unauthorized", auth_problem))
        elif problem is not None:
            handler.send_json(400, problem)
        else:
            self._dispatch(handler, endpoint, payload, action)

    def _delete_route(self, handler: FakeHandler) -> None:
        body = handler.read_body()
        if body is None:
            return
        endpoint = "DELETE /2/tweets/:id"
        post_id = urlsplit(handler.path).path.removeprefix("/2/tweets/")
        with self.lock:
            self.requests.append({"endpoint": endpoint, "body": {"id": post_id}})
        auth_problem = self._check_auth(handler, body)
        if auth_problem is not None:
            handler.send_json(401, _problem(401, "Unauthorized", auth_problem))
            return
        self._dispatch(handler, endpoint, post_id, self._delete_tweet)

    def _fake_control(self, handler: FakeHandler, path: str, body: bytes) -> None:
        if path == "/_fake/reset":
            self.reset()
            handler.send_json(200, {"ok": True})
        elif path == "/_fake/fail":
            request = json.loads(body or b"{}")
            reset_in, seconds = request.get("reset_in"), request.get("seconds")
            retry_after = request.get("retry_after")
            self.fail(
                str(request.get("endpoint", "POST /2/tweets")),
                str(request["fault"]),
                skip=int(request.get("skip", 0)),
                reset_in=None if reset_in is None else float(reset_in),
                seconds=None if seconds is None else float(seconds),
                retry_after=None if retry_after is None else int(retry_after),
            )
            handler.send_json(200, {"ok": True})
        else:
            handler.send_json(404, _problem(404, "Not Found", f"no route POST {path}"))

    def environment(self) -> dict[str, str]:
        """Environment variables that point ``publisher`` (settings, workers) at this fake."""
        key, secret, token, token_secret = self.config.credentials or (
            "fake-api-key",
            "fake-api-secret",
            "fake-access-token",
            "fake-access-token-secret",
        )
        return {
            "X_API_BASE_URL": self.base_url,
            "X_UPLOAD_BASE_URL": self.base_url,
            "X_API_KEY": key,
            "X_API_SECRET": secret,
            "X_ACCESS_TOKEN": token,
            "X_ACCESS_TOKEN_SECRET": token_secret,
        }

    # State -------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self._posts: list[dict[str, Any]] = []
            self._deleted: list[str] = []
            self._media: dict[str, dict[str, Any]] = {}
            self._faults: list[_Fault] = []
            self._injected: list[dict[str, Any]] = []
            self._windows: dict[str, _Window] = {}
            self._day: _Window | None = None
            self._next_id = _FIRST_ID
            self.requests: list[dict[str, Any]] = []
            self._save()

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Every accepted post, in order (copies)."""
        with self.lock:
            return [dict(post) for post in self._posts]

    @property
    def deleted(self) -> list[str]:
        """The ids of the posts deleted, in the order they were deleted."""
        with self.lock:
            return list(self._deleted)

    @property
    def live_posts(self) -> list[dict[str, Any]]:
        """The accepted posts not deleted since, in order (copies)."""
        with self.lock:
            return [dict(post) for post in self._posts if post["id"] not in self._deleted]

    @property
    def media(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(item) for item in self._media.values()]

    @property
    def injected(self) -> list[dict[str, Any]]:
        """Every fault served, in order (copies): ``fault``, ``endpoint``, ``text`` (of a post,
        else None), ``id`` (of the post recorded despite the fault, else None), ``at``, and the
        fault's options (``reset_in``, ``retry_after``, ``seconds``: None when not given)."""
        with self.lock:
            return [dict(item) for item in self._injected]

    def fail(
        self,
        endpoint: str,
        fault: str,
        *,
        skip: int = 0,
        reset_in: float | None = None,
        seconds: float | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``endpoint`` request (after ``skip`` good ones) with ``fault``;
        ``reset_in`` for a ``429``, ``retry_after`` for a ``503``, ``seconds`` for a ``stall``
        or ``hang`` (see the module)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        queued = _Fault(
            endpoint=endpoint,
            fault=fault,
            skip=skip,
            reset_in=reset_in,
            seconds=seconds,
            retry_after=retry_after,
        )
        with self.lock:
            self._faults.append(queued)

    def clear_faults(self, endpoint: str | None = None) -> int:
        """Drop the queued faults not served yet (of ``endpoint``, or all); how many."""
        with self.lock:
            kept = [f for f in self._faults if endpoint is not None and f.endpoint != endpoint]
            dropped = len(self._faults) - len(kept)
            self._faults = kept
            return dropped

    def window(self, endpoint: str) -> tuple[int, int]:
        """(remaining, reset epoch seconds) of ``endpoint``'s current window."""
        with self.lock:
            win = self._window(endpoint)
            return self.config.window_limit - win.used, self._reset_of(win)

    def _save(self) -> None:
        if self.state_file is None:
            return
        data = json.dumps({"posts": self._posts, "media": list(self._media.values())}, indent=2)
        tmp = self.state_file.with_name(f".{self.state_file.name}.tmp")
        tmp.write_text(data + "\n", encoding="utf-8")
        os.replace(tmp, self.state_file)

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    # Rate limits -----------------------------------------------------------------------

    def _window(self, endpoint: str) -> _Window:
        now = self.config.clock()
        win = self._windows.get(endpoint)
        if win is None or now >= win.start + self.config.window_seconds:
            win = _Window(start=now)
            self._windows[endpoint] = win
        return win

    def _reset_of(self, win: _Window, seconds: int | None = None) -> int:
        return math.ceil(win.start + (seconds or self.config.window_seconds))

    def _limit_headers(self, endpoint: str) -> dict[str, str]:
        win = self._window(endpoint)
        headers = {
            "x-rate-limit-limit": str(self.config.window_limit),
            "x-rate-limit-remaining": str(max(0, self.config.window_limit - win.used)),
            "x-rate-limit-reset": str(self._reset_of(win)),
        }
        if endpoint == "POST /2/tweets":
            day = self._day_window()
            reset = str(self._reset_of(day, 86400))
            headers.update(
                {
                    "x-user-limit-24hour-limit": str(self.config.user_24h_limit),
                    "x-user-limit-24hour-remaining": str(
                        max(0, self.config.user_24h_limit - day.used)
                    ),
                    "x-user-limit-24hour-reset": reset,
                    "x-app-limit-24hour-limit": str(self.config.app_24h_limit),
                    "x-app-limit-24hour-remaining": str(
                        max(0, self.config.app_24h_limit - day.used)
                    ),
                    "x-app-limit-24hour-reset": reset,
                }
            )
        return headers

    def _day_window(self) -> _Window:
        now = self.config.clock()
        if self._day is None or now >= self._day.start + 86400:
            self._day = _Window(start=now)
        return self._day

    # Authentication ----------------------------------------------------------------------

    def _check_auth(self, handler: FakeHandler, body: bytes) -> str | None:
        """None when the request is properly signed, else what is wrong."""
        header = handler.headers.get("Authorization", "")
        if not header.startswith("OAuth ") or "oauth_consumer_key=" not in header:
            return "Unauthorized"
        if self.config.credentials is None:
            return None
        from oauthlib.common import Request
        from oauthlib.oauth1.rfc5849 import signature

        key, secret, token, token_secret = self.config.credentials
        params = dict(
            signature.collect_parameters(
                headers={"Authorization": header}, exclude_oauth_signature=False
            )
        )
        if params.get("oauth_consumer_key") != key or params.get("oauth_token") != token:
            return "Unauthorized"
        host = handler.headers.get("Host", f"127.0.0.1:{self.port}")
        request = Request(f"http://{host}{handler.path}", http_method=handler.command)
        content_type = handler.headers.get("Content-Type", "")
        form_body = body.decode("utf-8") if "x-www-form-urlencoded" in content_type else None
        request.params = signature.collect_parameters(
            uri_query=urlsplit(handler.path).query,
            body=form_body,
            headers={"Authorization": header},
            exclude_oauth_signature=True,
        )
        request.signature = params.get("oauth_signature", "")
        if not signature.verify_hmac_sha1(request, secret, token_secret):
            return "Unauthorized"
        return None

    # Requests ----------------------------------------------------------------------------

    def _take_fault(self, endpoint: str) -> str | None:
        queued = self._next_fault(endpoint)
        return None if queued is None else queued.fault

    def _next_fault(self, endpoint: str) -> _Fault | None:
        for index, fault in enumerate(self._faults):
            if fault.endpoint != endpoint:
                continue
            if fault.skip > 0:
                fault.skip -= 1
                return None
            del self._faults[index]
            return fault
        return None

    def _note_fault(self, queued: _Fault, payload: Any, status: int, response: Any) -> None:
        text = payload.get("text") if isinstance(payload, dict) else None
        recorded = None
        if status in (200, 201) and isinstance(response, dict):
            recorded = (response.get("data") or {}).get("id")
        self._injected.append(
            {
                "fault": queued.fault,
                "endpoint": queued.endpoint,
                "text": text,
                "id": recorded,
                "at": self.config.clock(),
                "reset_in": queued.reset_in,
                "retry_after": queued.retry_after,
                "seconds": queued.seconds,
            }
        )

    def _dispatch(
        self,
        handler: FakeHandler,
        endpoint: str,
        payload: Any,
        action: Callable[[Any], tuple[int, dict[str, Any]]],
    ) -> None:
        stall = False
        with self.lock:
            queued = self._next_fault(endpoint)
            fault = None if queued is None else queued.fault
            win = self._window(endpoint)
            over_window = win.used >= self.config.window_limit
            over_day = endpoint == "POST /2/tweets" and (
                self._day_window().used
                >= min(self.config.user_24h_limit, self.config.app_24h_limit)
            )
            if fault == "429" or over_window or over_day:
                headers = self._limit_headers(endpoint)
                if fault == "429":
                    headers["x-rate-limit-remaining"] = "0"
                    if queued is not None and queued.reset_in is not None:
                        reset = math.ceil(self.config.clock() + queued.reset_in)
                        headers["x-rate-limit-reset"] = str(reset)
                status, response = 429, _problem(429, "Too Many Requests", "Too Many Requests")
            elif fault in ("401",):
                headers = self._limit_headers(endpoint)
                status, response = 401, _problem(401, "Unauthorized", "Unauthorized")
            elif fault in ("403", "403-duplicate"):
                win.used += 1
                headers = self._limit_headers(endpoint)
                status, response = 403, _problem(403, "Forbidden", _DUPLICATE)
            elif fault == "503":
                headers = self._limit_headers(endpoint)
                if queued is not None and queued.retry_after is not None:
                    headers["retry-after"] = str(queued.retry_after)
                status, response = 503, _problem(503, "Service Unavailable", "Service Unavailable")
            elif fault == "hang":
                headers, status, response = {}, 0, {}
                stall = True
            else:
                win.used += 1
                status, response = action(payload)
                if endpoint == "POST /2/tweets" and status == 201:
                    self._day_window().used += 1
                headers = self._limit_headers(endpoint)
                self._save()
                stall = fault == "stall"
                if fault == "drop":
                    assert queued is not None
                    self._note_fault(queued, payload, status, response)
                    handler.drop()
                    return
            if queued is not None:
                self._note_fault(queued, payload, status, response)
        if not stall:
            handler.send_json(status, response, headers)
            return
        assert queued is not None
        time.sleep(self.config.stall_seconds if queued.seconds is None else queued.seconds)
        if fault == "hang":
            handler.drop()
            return
        try:
            handler.send_json(status, response, headers)
        except OSError:  # the client gave up (its read timeout) and closed the connection
            handler.close_connection = True

    def _create_tweet(self, payload: Any) -> tuple[int, dict[str, Any]]:
        from publisher.channels.x.text import pkg_resources_stand_in

        with pkg_resources_stand_in():
            from twitter_text import parse_tweet

        if not isinstance(payload, dict):
            return 400, _invalid("the body must be a JSON object")
        text = payload.get("text")
        media_ids = (payload.get("media") or {}).get("media_ids") or []
        reply_to = (payload.get("reply") or {}).get("in_reply_to_tweet_id")
        if text is None and not media_ids:
            return 400, _invalid("text or media.media_ids is required")
        if text is not None:
            if not isinstance(text, str):
                return 400, _invalid("$.text must be a string")
            parsed = parse_tweet(text)
            if not parsed.valid:
                return 400, _invalid(f"text is too long (weighted length {parsed.weightedLength})")
        unknown = [m for m in media_ids if m not in self._media]
        if unknown:
            return 400, _invalid(f"unknown media ids: {', '.join(map(str, unknown))}")
        if reply_to is not None and not any(
            p["id"] == reply_to and p["id"] not in self._deleted for p in self._posts
        ):
            return 403, _problem(
                403,
                "Forbidden",
                "You attempted to reply to a Tweet that is deleted or not visible to you.",
            )
        if self.config.reject_duplicates and text and any(p["text"] == text for p in self._posts):
            return 403, _problem(403, "Forbidden", _DUPLICATE)
        post_id = self._new_id()
        self._posts.append(
            {
                "id": post_id,
                "text": text,
                "in_reply_to_tweet_id": reply_to,
                "media_ids": list(media_ids),
                "media": [
                    {
                        "id": m,
                        "alt_text": self._media[m].get("alt_text"),
                        "media_type": self._media[m]["media_type"],
                    }
                    for m in media_ids
                ],
                "created_at": self.config.clock(),
            }
        )
        return 201, {"data": {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}}

    def _delete_tweet(self, payload: Any) -> tuple[int, dict[str, Any]]:
        post_id = str(payload)
        if post_id in self._deleted or not any(p["id"] == post_id for p in self._posts):
            return 404, {
                "errors": [
                    {
                        "parameters": {"id": [post_id]},
                        "message": f"Could not find tweet with id: [{post_id}].",
                    }
                ],
                "title": "Not Found Error",
                "detail": f"Could not find tweet with id: [{post_id}].",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        self._deleted.append(post_id)
        return 200, {"data": {"deleted": True}}

    def _upload(self, payload: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(payload, dict) or not isinstance(payload.get("media"), str):
            return 400, _invalid("$.media (base64) is required")
        try:
            content = base64.b64decode(payload["media"], validate=True)
        except (binascii.Error, ValueError):
            return 400, _invalid("$.media is not valid base64")
        if not content:
            return 400, _invalid("$.media is empty")
        category = payload.get("media_category")
        if category not in ("tweet_image", "tweet_gif", "tweet_video", "dm_image"):
            return 400, _invalid("$.media_category is not a known category")
        media_id = self._new_id()
        media_type = str(payload.get("media_type") or "application/octet-stream")
        self._media[media_id] = {
            "id": media_id,
            "media_type": media_type,
            "size": len(content),
            "alt_text": None,
        }
        return 200, {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": len(content),
                "expires_after_secs": 86400,
                "image": {"image_type": media_type},
            }
        }

    def _metadata(self, payload: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(payload, dict):
            return 400, _invalid("the body must be a JSON object")
        media_id = payload.get("id")
        alt = ((payload.get("metadata") or {}).get("alt_text") or {}).get("text")
        if media_id not in self._media:
            return 400, _invalid(f"unknown media id {media_id!r}")
        if not isinstance(alt, str) or not alt or len(alt) > 1000:
            return 400, _invalid("$.metadata.alt_text.text must be 1 to 1000 characters")
        self._media[media_id]["alt_text"] = alt
        return 200, {"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": alt}}}}


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.support.xfake --port N --state-file F``: serve until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.xfake", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state-file", type=Path, default=None, help="mirror posts here (JSON)")
    parser.add_argument("--window-limit", type=int, default=FakeXConfig.window_limit)
    parser.add_argument("--window-seconds", type=int, default=FakeXConfig.window_seconds)
    parser.add_argument("--user-24h-limit", type=int, default=FakeXConfig.user_24h_limit)
    parser.add_argument(
        "--verify-credentials",
        action="store_true",
        help="verify OAuth signatures against X_API_KEY… from the environment",
    )
    args = parser.parse_args(argv)
    credentials = None
    if args.verify_credentials:
        names = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
        missing = [n for n in names if not os.environ.get(n)]
        if missing:
            parser.error(f"--verify-credentials needs {', '.join(missing)}")
        credentials = (
            os.environ["X_API_KEY"],
            os.environ["X_API_SECRET"],
            os.environ["X_ACCESS_TOKEN"],
            os.environ["X_ACCESS_TOKEN_SECRET"],
        )
    config = FakeXConfig(
        window_limit=args.window_limit,
        window_seconds=args.window_seconds,
        user_24h_limit=args.user_24h_limit,
        credentials=credentials,
    )
    from publisher.channels.x.text import pkg_resources_stand_in

    with pkg_resources_stand_in():  # slow to import: load it before saying we are ready
        import twitter_text  # noqa: F401

    fake = FakeX(config, port=args.port, state_file=args.state_file).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"fake X API listening on {fake.base_url}", flush=True)
    stop.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
