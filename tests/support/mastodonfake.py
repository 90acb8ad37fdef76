"""A local Mastodon server for tests: the REST wire format, as Mastodon.py speaks it.

A real HTTP server on 127.0.0.1 (``ThreadingHTTPServer`` in a thread)::

    with FakeMastodon(FakeMastodonConfig(max_characters=280)) as fake:
        channel = MastodonChannel(settings=fake.settings())
        ...
        fake.statuses                  # every status it created, in order
        fake.requests                  # every API request received, refused ones too

Endpoints (what :mod:`channels.mastodon` and Mastodon.py call), answered in Mastodon's own JSON
shapes (https://docs.joinmastodon.org/methods/):

- ``GET /api/v2/instance`` → the Instance entity; ``configuration.statuses``
  (``max_characters``, ``max_media_attachments``, ``characters_reserved_per_url``) and
  ``configuration.media_attachments.description_limit`` come from the config, so a test can
  serve an instance with limits of its own;
- ``POST /api/v2/media`` (multipart ``file``, ``description``) → 200 MediaAttachment; a
  description over the limit is 422, as Mastodon answers it;
- ``POST /api/v1/statuses`` (form ``status``, ``in_reply_to_id``, ``media_ids[]``,
  ``visibility``; header ``Idempotency-Key``) → 200 Status. Like Mastodon it counts the text as
  ``StatusLengthValidator`` does (graphemes; URLs as ``characters_reserved_per_url``) and
  answers 422 over the limit, 404 for an unknown ``in_reply_to_id``, 422 for unknown media or
  too many, and, for an ``Idempotency-Key`` it has seen from this account within the hour, the
  status it made then (200, nothing new created);
- ``DELETE /api/v1/statuses/:id`` → 200 the deleted Status (404 if unknown).

Every request must carry ``Authorization: Bearer <token>`` (else 401 ``{"error": "The access
token is invalid"}``). Responses carry ``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (reset as
an ISO 8601 time, as Mastodon sends it); past the limit the answer is 429.

Faults, queued with :meth:`FakeMastodon.fail` for the next matching request (after ``skip``
good ones): ``401``, ``403``, ``422``, ``429`` (``reset_in=S``: the reset S seconds ahead),
``500``, ``503``, ``drop`` (create the status, then close the connection without answering),
``stall`` (create it, answer only after ``seconds``), ``hang`` (create nothing, close after
``seconds``). :attr:`FakeMastodon.injected` lists every fault served.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, urlsplit

from publisher.channels.mastodon import MastodonSettings, weigh
from publisher.domain.secret import Secret
from tests.support.fakehttp import PNG_1X1, FakeHandler, LocalFake

__all__ = ["FAULTS", "PNG_1X1", "FakeMastodon", "FakeMastodonConfig"]

FAULTS = ("401", "403", "422", "429", "500", "503", "drop", "stall", "hang")
_FIRST_ID = 112_000_000_000_000_000
IDEMPOTENCY_SECONDS = 3600
"""Mastodon keeps an Idempotency-Key for an hour (``PostStatusService``)."""


@dataclass
class FakeMastodonConfig:
    """How the fake behaves (change it under the fake's lock between requests)."""

    max_characters: int = 500
    max_media_attachments: int = 4
    characters_reserved_per_url: int = 23
    description_limit: int = 1500
    access_token: str = "fake-mastodon-token"
    account: str = "police"
    domain: str = "mastodon.example"
    window_limit: int = 300
    window_seconds: int = 10_800
    """Mastodon: 300 statuses per account per 3 hours."""
    stall_seconds: float = 2.0
    clock: Callable[[], float] = field(default=time.time)


@dataclass
class _Fault:
    endpoint: str
    fault: str
    skip: int = 0
    reset_in: float | None = None
    seconds: float | None = None


def _iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


class FakeMastodon(LocalFake):
    """The fake Mastodon instance. Thread-safe; a context manager, or ``start()``/``stop()``."""

    server_name = "fake-mastodon"

    def __init__(self, config: FakeMastodonConfig | None = None, *, port: int = 0) -> None:
        super().__init__(port=port)
        self.config = config or FakeMastodonConfig()
        self.reset()

    def route(self, handler: FakeHandler, method: str) -> None:
        path = urlsplit(handler.path).path.rstrip("/")
        body = handler.read_body()
        if body is None:
            return
        if path.startswith("/_fake/image/") and method == "GET":
            handler.send_png()
            return
        if method == "DELETE" and path.startswith("/api/v1/statuses/"):
            endpoint = "DELETE /api/v1/statuses/:id"
        else:
            endpoint = f"{method} {path}"
        self.handle(handler, endpoint, path, body)

    def settings(self, **overrides: Any) -> MastodonSettings:
        values: dict[str, Any] = {
            "base_url": self.base_url,
            "access_token": Secret(self.config.access_token),
        }
        values.update(overrides)
        return MastodonSettings(**values)

    def environment(self) -> dict[str, str]:
        """Environment variables that point publisher (settings, workers) at this fake."""
        return {
            "MASTODON_BASE_URL": self.base_url,
            "MASTODON_ACCESS_TOKEN": self.config.access_token,
        }

    # State -------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self._statuses: list[dict[str, Any]] = []
            self._media: dict[str, dict[str, Any]] = {}
            self._keys: dict[str, tuple[str, float]] = {}
            self._faults: list[_Fault] = []
            self._injected: list[dict[str, Any]] = []
            self._window: tuple[float, int] | None = None
            self._next_id = _FIRST_ID
            self.requests: list[dict[str, Any]] = []

    @property
    def statuses(self) -> list[dict[str, Any]]:
        """Every status created (deleted ones too, marked ``deleted``), in order (copies)."""
        with self.lock:
            return [dict(status) for status in self._statuses]

    @property
    def live_statuses(self) -> list[dict[str, Any]]:
        return [status for status in self.statuses if not status["deleted"]]

    @property
    def media(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(item) for item in self._media.values()]

    @property
    def injected(self) -> list[dict[str, Any]]:
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
    ) -> None:
        """Answer the next ``endpoint`` request (after ``skip`` good ones) with ``fault``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self.lock:
            self._faults.append(_Fault(endpoint, fault, skip, reset_in, seconds))

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

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

    # Requests ----------------------------------------------------------------------------

    def _rate_headers(self, now: float, *, count: bool) -> tuple[dict[str, str], bool]:
        """The rate-limit headers, and whether this request is over the limit."""
        config = self.config
        start, used = self._window or (now, 0)
        if now >= start + config.window_seconds:
            start, used = now, 0
        over = count and used >= config.window_limit
        if count and not over:
            used += 1
        self._window = (start, used)
        headers = {
            "X-RateLimit-Limit": str(config.window_limit),
            "X-RateLimit-Remaining": str(max(0, config.window_limit - used)),
            "X-RateLimit-Reset": _iso(start + config.window_seconds),
        }
        return headers, over

    def handle(self, handler: FakeHandler, endpoint: str, path: str, body: bytes) -> None:
        routes: dict[str, Callable[[str, Any], tuple[int, Any]]] = {
            "GET /api/v2/instance": self._instance,
            "POST /api/v2/media": self._upload,
            "POST /api/v1/statuses": self._create,
            "DELETE /api/v1/statuses/:id": self._delete,
        }
        route = routes.get(endpoint)
        content_type = handler.headers.get("Content-Type", "")
        form = _parse_form(content_type, body)
        key = handler.headers.get("Idempotency-Key")
        with self.lock:
            self.requests.append(
                {
                    "endpoint": endpoint,
                    "path": path,
                    "form": {k: v for k, v in form.items() if k != "file"},
                    "files": sorted(k for k, v in form.items() if isinstance(v, bytes)),
                    "idempotency_key": key,
                }
            )
        if route is None:
            handler.send_json(404, {"error": "Not found"})
            return
        if handler.headers.get("Authorization") != f"Bearer {self.config.access_token}":
            handler.send_json(401, {"error": "The access token is invalid"})
            return
        now = self.config.clock()
        with self.lock:
            fault = self._take_fault(endpoint)
            creates = endpoint != "GET /api/v2/instance"
            headers, over = self._rate_headers(now, count=creates)
            if fault is not None:
                self._injected.append(
                    {"endpoint": endpoint, "fault": fault.fault, "text": form.get("status")}
                )
        if fault is not None and self._serve_fault(handler, fault, endpoint, form, key, now):
            return
        if over:
            handler.send_json(429, {"error": "Too many requests"}, headers)
            return
        with self.lock:
            status, payload = route(path, {**form, "_key": key, "_now": now})
        handler.send_json(status, payload, headers)

    def _serve_fault(
        self,
        handler: FakeHandler,
        fault: _Fault,
        endpoint: str,
        form: dict[str, Any],
        key: str | None,
        now: float,
    ) -> bool:
        """Answer with ``fault``; True when the request is done."""
        name = fault.fault
        simple = {
            "401": (401, {"error": "The access token is invalid"}),
            "403": (403, {"error": "This action is outside the authorized scopes"}),
            "422": (422, {"error": "Validation failed: Text can't be blank"}),
            "500": (500, {"error": "We're sorry, but something went wrong on our end."}),
            "503": (503, {"error": "Service Unavailable"}),
        }
        if name in simple:
            handler.send_json(*simple[name])
            return True
        if name == "429":
            reset = now + (fault.reset_in if fault.reset_in is not None else 60.0)
            headers = {
                "X-RateLimit-Limit": str(self.config.window_limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": _iso(reset),
            }
            handler.send_json(429, {"error": "Too many requests"}, headers)
            return True
        wait = fault.seconds if fault.seconds is not None else self.config.stall_seconds
        if name == "hang":
            time.sleep(wait)
            handler.drop()
            return True
        # drop, stall: the request takes effect, the answer never arrives (or arrives late).
        route = {"POST /api/v1/statuses": self._create, "POST /api/v2/media": self._upload}
        with self.lock:
            made = (
                route[endpoint]("", {**form, "_key": key, "_now": now})
                if endpoint in route
                else (0, {})
            )
            self._injected[-1]["id"] = (made[1] or {}).get("id") if made[0] == 200 else None
        if name == "stall":
            time.sleep(wait)
            with contextlib.suppress(OSError):
                handler.send_json(*made)
            return True
        handler.drop()
        return True

    def _instance(self, path: str, form: Mapping[str, Any]) -> tuple[int, Any]:
        config = self.config
        return 200, {
            "domain": config.domain,
            "title": "Fake Mastodon",
            "version": "4.3.0",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A local Mastodon-compatible server for tests.",
            "usage": {"users": {"active_month": 1}},
            "thumbnail": {"url": f"https://{config.domain}/thumbnail.png"},
            "languages": ["en"],
            "configuration": {
                "urls": {"streaming": f"wss://{config.domain}"},
                "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                "statuses": {
                    "max_characters": config.max_characters,
                    "max_media_attachments": config.max_media_attachments,
                    "characters_reserved_per_url": config.characters_reserved_per_url,
                },
                "media_attachments": {
                    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                    "description_limit": config.description_limit,
                    "image_size_limit": 16_777_216,
                    "image_matrix_limit": 33_177_600,
                    "video_size_limit": 103_809_024,
                    "video_frame_rate_limit": 120,
                    "video_matrix_limit": 8_294_400,
                },
                "polls": {
                    "max_options": 4,
                    "max_characters_per_option": 50,
                    "min_expiration": 300,
                    "max_expiration": 2_629_746,
                },
                "translation": {"enabled": False},
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "api_versions": {"mastodon": 2},
            "contact": {"email": f"admin@{config.domain}", "account": None},
            "rules": [],
        }

    def _upload(self, path: str, form: Mapping[str, Any]) -> tuple[int, Any]:
        content = form.get("file")
        if not isinstance(content, bytes) or not content:
            return 422, {"error": "Validation failed: File can't be blank"}
        description = form.get("description")
        if isinstance(description, str) and len(description) > self.config.description_limit:
            return 422, {
                "error": "Validation failed: Description is too long (maximum is "
                f"{self.config.description_limit} characters)"
            }
        media_id = self._new_id()
        base = f"https://files.{self.config.domain}/media_attachments/files/{media_id}"
        entity = {
            "id": media_id,
            "type": "image",
            "url": f"{base}/original/share.png",
            "preview_url": f"{base}/small/share.png",
            "remote_url": None,
            "preview_remote_url": None,
            "text_url": None,
            "meta": {"original": {"width": 1, "height": 1, "size": "1x1", "aspect": 1.0}},
            "description": description if isinstance(description, str) else None,
            "blurhash": "UCA,%4-;M{fQ~qofRjfQ_3WBt7of-;j[M{fQ",
        }
        self._media[media_id] = {**entity, "bytes": len(content), "attached_to": None}
        return 200, entity

    def _status_entity(self, status: Mapping[str, Any]) -> dict[str, Any]:
        config = self.config
        return {
            "id": status["id"],
            "created_at": _iso(status["created_at"]),
            "in_reply_to_id": status["in_reply_to_id"],
            "in_reply_to_account_id": "1" if status["in_reply_to_id"] else None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": status["visibility"],
            "language": "en",
            "uri": f"https://{config.domain}/users/{config.account}/statuses/{status['id']}",
            "url": f"https://{config.domain}/@{config.account}/{status['id']}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "content": "<p>" + status["text"].replace("\n", "<br />") + "</p>",
            "reblog": None,
            "application": {"name": "publisher", "website": None},
            "account": {
                "id": "1",
                "username": config.account,
                "acct": config.account,
                "display_name": "Police",
                "url": f"https://{config.domain}/@{config.account}",
            },
            "media_attachments": [
                {k: v for k, v in self._media[m].items() if k not in ("bytes", "attached_to")}
                for m in status["media_ids"]
            ],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }

    def _create(self, path: str, form: Mapping[str, Any]) -> tuple[int, Any]:
        now: float = form["_now"]
        key = form.get("_key")
        if key:
            seen = self._keys.get(key)
            if seen is not None and now - seen[1] < IDEMPOTENCY_SECONDS:
                original = next(s for s in self._statuses if s["id"] == seen[0])
                return 200, self._status_entity(original)
        text = form.get("status") or ""
        media_ids = list(form.get("media_ids[]") or [])
        if not text.strip() and not media_ids:
            return 422, {"error": "Validation failed: Text can't be blank"}
        counted = weigh(text, self.config.characters_reserved_per_url) if text.strip() else 0
        if counted > self.config.max_characters:
            return 422, {
                "error": "Validation failed: Text character limit of "
                f"{self.config.max_characters} exceeded"
            }
        if len(media_ids) > self.config.max_media_attachments:
            return 422, {"error": "Validation failed: Media attachments limit exceeded"}
        unknown = [m for m in media_ids if m not in self._media]
        if unknown:
            return 422, {"error": "Validation failed: Media attachments are not valid"}
        reply_to = form.get("in_reply_to_id") or None
        if reply_to is not None and not any(
            s["id"] == reply_to and not s["deleted"] for s in self._statuses
        ):
            return 404, {"error": "Record not found"}
        status_id = self._new_id()
        status = {
            "id": status_id,
            "text": text,
            "weight": counted,
            "in_reply_to_id": reply_to,
            "media_ids": media_ids,
            "media": [{"id": m, "description": self._media[m]["description"]} for m in media_ids],
            "visibility": form.get("visibility") or "public",
            "idempotency_key": key,
            "created_at": now,
            "deleted": False,
        }
        for m in media_ids:
            self._media[m]["attached_to"] = status_id
        self._statuses.append(status)
        if key:
            self._keys[key] = (status_id, now)
        return 200, self._status_entity(status)

    def _delete(self, path: str, form: Mapping[str, Any]) -> tuple[int, Any]:
        status_id = path.rsplit("/", 1)[-1]
        for status in self._statuses:
            if status["id"] == status_id and not status["deleted"]:
                status["deleted"] = True
                return 200, {**self._status_entity(status), "text": status["text"]}
        return 404, {"error": "Record not found"}


def _parse_form(content_type: str, body: bytes) -> dict[str, Any]:
    """A form body, urlencoded or multipart: lists for ``name[]`` fields, bytes for files."""
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        form: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(payload, bytes):
                continue
            form[name] = payload if part.get_filename() else payload.decode("utf-8")
        return form
    if content_type.startswith("application/json"):
        loaded = json.loads(body or b"{}")
        return loaded if isinstance(loaded, dict) else {}
    fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    return {k: (v if k.endswith("[]") else v[-1]) for k, v in fields.items()}
