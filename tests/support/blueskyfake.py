"""A local Bluesky PDS for tests: XRPC over HTTP, as the ``atproto`` client speaks it.

A real HTTP server on 127.0.0.1 (:class:`tests.support.fakehttp.LocalFake`)::

    with FakeBluesky() as fake:
        channel = BlueskyChannel(settings=fake.settings())
        ...
        fake.posts                     # every post record created, in order
        fake.requests                  # every XRPC request received, refused ones too

Methods served (``/xrpc/<nsid>``), answered in the PDS's JSON shapes; errors are
``{"error": <name>, "message": <text>}`` with the PDS's statuses:

- ``com.atproto.server.createSession`` (``identifier``, ``password``) → ``accessJwt`` (expires
  after ``access_seconds``), ``refreshJwt``, ``handle``, ``did``; a wrong password is 401
  ``AuthenticationRequired``. Every call is counted (:attr:`FakeBluesky.sessions_created`);
- ``com.atproto.server.refreshSession`` (Bearer refresh token) → a new pair;
- ``com.atproto.repo.uploadBlob`` (raw bytes) → ``{"blob": {...}}``;
- ``com.atproto.repo.createRecord`` → ``{uri, cid, commit, validationStatus}``. The post is
  validated as the lexicon says: ``text`` at most 300 graphemes and 3000 bytes (400
  ``InvalidRequest``), every facet's byte range inside the text and on character boundaries,
  a ``#link`` facet's range showing some text, a ``#tag`` facet's range being ``#`` + its tag,
  at most 4 images, each with ``alt`` and a blob uploaded here of at most 1,000,000 bytes,
  ``reply.root``/``reply.parent`` naming records that exist with their cids, an ``rkey`` in TID
  form. A record key already used in the collection is refused as the PDS refuses it: its
  repository tree throws on adding an existing key, an error the XRPC server does not know, so
  the answer is 500 ``InternalServerError``;
- ``com.atproto.repo.getRecord`` (GET) → ``{uri, cid, value}``; 400 ``RecordNotFound``;
- ``com.atproto.repo.deleteRecord`` → 200 (also for a record already gone, as the PDS does).

Every authenticated call needs ``Authorization: Bearer <accessJwt>``: an expired one is 400
``ExpiredToken``, an unknown one 401 ``InvalidToken``. Answers carry ``ratelimit-limit``,
``-remaining``, ``-reset`` (epoch seconds) and ``-policy``.

Faults, queued with :meth:`FakeBluesky.fail` for the next call of a method (after ``skip``
good ones): ``400``, ``401``, ``429`` (``reset_in=S``), ``500``, ``503``, ``drop`` (do it, then
close the connection unanswered), ``stall`` (do it, answer after ``seconds``), ``hang`` (do
nothing, close after ``seconds``). :attr:`FakeBluesky.injected` lists every fault served.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import regex

from publisher.channels.bluesky import BlueskySettings
from publisher.domain.secret import Secret
from tests.support.fakehttp import PNG_1X1, FakeHandler, LocalFake

__all__ = ["FAULTS", "PNG_1X1", "FakeBluesky", "FakeBlueskyConfig"]

FAULTS = ("400", "401", "429", "500", "503", "drop", "stall", "hang")
POST = "app.bsky.feed.post"
_TID = regex.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_GRAPHEME = regex.compile(r"\X")
_B32 = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass
class FakeBlueskyConfig:
    handle: str = "police.bsky.example"
    did: str = "did:plc:fakepolice0000000000000"
    app_password: str = "abcd-efgh-ijkl-mnop"
    access_seconds: float = 7200.0
    """How long an access JWT lives (the PDS: two hours)."""
    window_limit: int = 5000
    stall_seconds: float = 2.0
    clock: Callable[[], float] = field(default=time.time)


@dataclass
class _Fault:
    method: str
    fault: str
    skip: int = 0
    reset_in: float | None = None
    seconds: float | None = None


class _Refused(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _cid(data: bytes) -> str:
    """A CIDv1 (dag-cbor, sha-256) string in base32, shaped as the PDS's are."""
    digest = b"\x01\x71\x12\x20" + hashlib.sha256(data).digest()
    bits = "".join(f"{byte:08b}" for byte in digest)
    bits += "0" * (-len(bits) % 5)
    return "b" + "".join(_B32[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


class FakeBluesky(LocalFake):
    """The fake PDS. Thread-safe; a context manager, or ``start()``/``stop()``."""

    server_name = "fake-bluesky"

    def __init__(self, config: FakeBlueskyConfig | None = None, *, port: int = 0) -> None:
        super().__init__(port=port)
        self.config = config or FakeBlueskyConfig()
        self._key = b"fake-bluesky-signing-key"
        self.reset()

    def settings(self, **overrides: Any) -> BlueskySettings:
        values: dict[str, Any] = {
            "service_url": self.base_url,
            "handle": self.config.handle,
            "app_password": Secret(self.config.app_password),
        }
        values.update(overrides)
        return BlueskySettings(**values)

    def environment(self) -> dict[str, str]:
        return {
            "BLUESKY_SERVICE_URL": self.base_url,
            "BLUESKY_HANDLE": self.config.handle,
            "BLUESKY_APP_PASSWORD": self.config.app_password,
        }

    # State -------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self._records: dict[str, dict[str, Any]] = {}
            self._order: list[str] = []
            self._blobs: dict[str, dict[str, Any]] = {}
            self._access: dict[str, float] = {}
            self._refresh: set[str] = set()
            self._faults: list[_Fault] = []
            self._injected: list[dict[str, Any]] = []
            self._serial = 0
            self.sessions_created = 0
            self.sessions_refreshed = 0
            self.requests: list[dict[str, Any]] = []

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Every post created (deleted ones too, ``deleted`` True), in order (copies)."""
        with self.lock:
            return [dict(self._records[uri]) for uri in self._order]

    @property
    def live_posts(self) -> list[dict[str, Any]]:
        return [post for post in self.posts if not post["deleted"]]

    @property
    def blobs(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(blob) for blob in self._blobs.values()]

    @property
    def injected(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(item) for item in self._injected]

    def expire_sessions(self) -> None:
        """Every access JWT handed out so far expires now (refresh tokens stay good)."""
        with self.lock:
            for token in self._access:
                self._access[token] = 0.0

    def fail(
        self,
        method: str,
        fault: str,
        *,
        skip: int = 0,
        reset_in: float | None = None,
        seconds: float | None = None,
    ) -> None:
        """Answer the next call of ``method`` (an NSID; after ``skip`` good ones) with ``fault``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self.lock:
            self._faults.append(_Fault(method, fault, skip, reset_in, seconds))

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method != method:
                continue
            if fault.skip > 0:
                fault.skip -= 1
                return None
            self._faults.remove(fault)
            return fault
        return None

    # Tokens ------------------------------------------------------------------------------

    def _jwt(self, scope: str, expires: float) -> str:
        self._serial += 1
        header = _b64(json.dumps({"typ": "at+jwt", "alg": "HS256"}).encode())
        payload = _b64(
            json.dumps(
                {
                    "scope": scope,
                    "sub": self.config.did,
                    "aud": "did:web:fake-bluesky.example",
                    "iat": int(self.config.clock()),
                    "exp": int(expires),
                    "jti": f"{scope}-{self._serial}",
                }
            ).encode()
        )
        signing = f"{header}.{payload}".encode()
        return f"{header}.{payload}.{_b64(hmac.new(self._key, signing, 'sha256').digest())}"

    def _session(self) -> dict[str, Any]:
        now = self.config.clock()
        access = self._jwt("com.atproto.appPass", now + self.config.access_seconds)
        refresh = self._jwt("com.atproto.refresh", now + 90 * 86400)
        self._access[access] = now + self.config.access_seconds
        self._refresh.add(refresh)
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": self.config.handle,
            "did": self.config.did,
            "active": True,
        }

    def _authorise(self, handler: FakeHandler, *, refresh: bool = False) -> None:
        header = handler.headers.get("Authorization") or ""
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        if refresh:
            if token not in self._refresh:
                raise _Refused(400, "InvalidToken", "Token could not be verified")
            self._refresh.discard(token)
            return
        if not token:
            raise _Refused(401, "AuthMissing", "Authentication Required")
        expires = self._access.get(token)
        if expires is None:
            raise _Refused(401, "InvalidToken", "Token could not be verified")
        if self.config.clock() >= expires:
            raise _Refused(400, "ExpiredToken", "Token has expired")

    # Requests ----------------------------------------------------------------------------

    def route(self, handler: FakeHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        body = handler.read_body()
        if body is None:
            return
        if parts.path.startswith("/_fake/image/") and method == "GET":
            if parts.path.endswith("big.png"):
                handler.send_bytes(200, PNG_1X1 + b"\0" * 1_000_001, "image/png")
            else:
                handler.send_png()
            return
        if not parts.path.startswith("/xrpc/"):
            handler.send_json(404, {"error": "NotFound", "message": "Not Found"})
            return
        nsid = parts.path.removeprefix("/xrpc/")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        content_type = handler.headers.get("Content-Type", "")
        data: Any = None
        if content_type.startswith("application/json") and body:
            data = json.loads(body)
        now = self.config.clock()
        with self.lock:
            self.requests.append(
                {
                    "method": nsid,
                    "http": method,
                    "query": query,
                    "json": data,
                    "bytes": len(body) if data is None else None,
                }
            )
            fault = self._take_fault(nsid)
            if fault is not None:
                self._injected.append({"method": nsid, "fault": fault.fault})
            headers = {
                "ratelimit-limit": str(self.config.window_limit),
                "ratelimit-remaining": str(self.config.window_limit - len(self.requests)),
                "ratelimit-reset": str(int(now) + 300),
                "ratelimit-policy": f"{self.config.window_limit};w=300",
            }
        if fault is not None and self._serve_fault(
            handler, fault, nsid, method, query, data, body, content_type, now
        ):
            return
        with self.lock:
            status, payload = self._answer(handler, nsid, method, query, data, body, content_type)
        handler.send_json(status, payload, headers)

    def _answer(
        self,
        handler: FakeHandler,
        nsid: str,
        method: str,
        query: dict[str, str],
        data: Any,
        body: bytes,
        content_type: str,
    ) -> tuple[int, Any]:
        routes: dict[tuple[str, str], Callable[[], tuple[int, Any]]] = {
            ("POST", "com.atproto.server.createSession"): lambda: self._create_session(data),
            ("POST", "com.atproto.server.refreshSession"): lambda: self._refresh_session(handler),
            ("POST", "com.atproto.repo.uploadBlob"): lambda: self._upload(
                handler, body, content_type
            ),
            ("POST", "com.atproto.repo.createRecord"): lambda: self._create(handler, data),
            ("GET", "com.atproto.repo.getRecord"): lambda: self._get(query),
            ("POST", "com.atproto.repo.deleteRecord"): lambda: self._delete(handler, data),
        }
        route = routes.get((method, nsid))
        if route is None:
            return 501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}
        try:
            return route()
        except _Refused as refused:
            return refused.status, {"error": refused.error, "message": refused.message}

    def _serve_fault(
        self,
        handler: FakeHandler,
        fault: _Fault,
        nsid: str,
        method: str,
        query: dict[str, str],
        data: Any,
        body: bytes,
        content_type: str,
        now: float,
    ) -> bool:
        name = fault.fault
        simple = {
            "400": (400, {"error": "InvalidRequest", "message": "Input/record is invalid"}),
            "401": (401, {"error": "AuthenticationRequired", "message": "Invalid password"}),
            "500": (500, {"error": "InternalServerError", "message": "Internal Server Error"}),
            "503": (503, {"error": "UpstreamFailure", "message": "Service Unavailable"}),
        }
        if name in simple:
            handler.send_json(*simple[name])
            return True
        if name == "429":
            reset = now + (fault.reset_in if fault.reset_in is not None else 60.0)
            handler.send_json(
                429,
                {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                {
                    "ratelimit-limit": "5000",
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(int(reset)),
                    "ratelimit-policy": "5000;w=3600",
                },
            )
            return True
        wait = fault.seconds if fault.seconds is not None else self.config.stall_seconds
        if name == "hang":
            time.sleep(wait)
            handler.drop()
            return True
        with self.lock:
            made = self._answer(handler, nsid, method, query, data, body, content_type)
            self._injected[-1]["answer"] = made
        if name == "stall":
            time.sleep(wait)
            with contextlib.suppress(OSError):
                handler.send_json(*made)
            return True
        handler.drop()
        return True

    # Methods -----------------------------------------------------------------------------

    def _create_session(self, data: Any) -> tuple[int, Any]:
        self.sessions_created += 1
        if not isinstance(data, dict) or not data.get("identifier") or not data.get("password"):
            raise _Refused(400, "InvalidRequest", 'Input must have the property "identifier"')
        if data["identifier"] not in (self.config.handle, self.config.did) or data["password"] != (
            self.config.app_password
        ):
            raise _Refused(401, "AuthenticationRequired", "Invalid identifier or password")
        return 200, self._session()

    def _refresh_session(self, handler: FakeHandler) -> tuple[int, Any]:
        self._authorise(handler, refresh=True)
        self.sessions_refreshed += 1
        return 200, self._session()

    def _upload(self, handler: FakeHandler, body: bytes, content_type: str) -> tuple[int, Any]:
        self._authorise(handler)
        cid = _cid(body)
        blob = {
            "$type": "blob",
            "ref": {"$link": cid},
            "mimeType": content_type or "application/octet-stream",
            "size": len(body),
        }
        self._blobs[cid] = blob
        return 200, {"blob": blob}

    def _uri(self, collection: str, rkey: str) -> str:
        return f"at://{self.config.did}/{collection}/{rkey}"

    def _strong_ref(self, ref: Any, what: str) -> None:
        if not isinstance(ref, dict) or not ref.get("uri") or not ref.get("cid"):
            raise _Refused(400, "InvalidRequest", f"Invalid app.bsky.feed.post record: {what}")
        found = self._records.get(str(ref["uri"]))
        if found is None or found["deleted"] or found["cid"] != ref["cid"]:
            raise _Refused(
                400, "InvalidRequest", f"{what} does not name a record that exists: {ref}"
            )

    def _validate_post(self, record: Any) -> None:
        if not isinstance(record, dict) or record.get("$type") != POST:
            raise _Refused(
                400, "InvalidRequest", "Invalid record: $type must be app.bsky.feed.post"
            )
        text = record.get("text")
        if not isinstance(text, str):
            raise _Refused(400, "InvalidRequest", "Record/text must be a string")
        if len(_GRAPHEME.findall(text)) > 300:
            raise _Refused(
                400,
                "InvalidRequest",
                "Invalid app.bsky.feed.post record: Record/text must not "
                "be longer than 300 graphemes",
            )
        encoded = text.encode("utf-8")
        if len(encoded) > 3000:
            raise _Refused(
                400,
                "InvalidRequest",
                "Invalid app.bsky.feed.post record: Record/text must not "
                "be longer than 3000 characters",
            )
        if not isinstance(record.get("createdAt"), str):
            raise _Refused(400, "InvalidRequest", 'Record must have the property "createdAt"')
        for number, facet in enumerate(record.get("facets") or []):
            index = facet.get("index") or {}
            start, end = index.get("byteStart"), index.get("byteEnd")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
                raise _Refused(400, "InvalidRequest", f"Record/facets/{number}/index is invalid")
            if end > len(encoded):
                raise _Refused(400, "InvalidRequest", f"Record/facets/{number} ends past the text")
            try:
                shown = encoded[start:end].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Refused(
                    400, "InvalidRequest", f"Record/facets/{number} cuts a character"
                ) from exc
            for feature in facet.get("features") or []:
                kind = feature.get("$type")
                if kind == "app.bsky.richtext.facet#tag":
                    tag = feature.get("tag")
                    if not isinstance(tag, str) or tag.startswith("#") or shown != f"#{tag}":
                        raise _Refused(
                            400,
                            "InvalidRequest",
                            f"Record/facets/{number} tag {tag!r} is not "
                            f"the text it covers ({shown!r})",
                        )
                elif kind == "app.bsky.richtext.facet#link":
                    uri = feature.get("uri")
                    if not isinstance(uri, str) or "://" not in uri:
                        raise _Refused(
                            400, "InvalidRequest", f"Record/facets/{number}/uri must be a uri"
                        )
                else:
                    raise _Refused(400, "InvalidRequest", f"unknown facet feature {kind!r}")
        embed = record.get("embed")
        if embed is not None:
            if embed.get("$type") != "app.bsky.embed.images":
                raise _Refused(400, "InvalidRequest", "only app.bsky.embed.images is served")
            images = embed.get("images") or []
            if not 1 <= len(images) <= 4:
                raise _Refused(
                    400, "InvalidRequest", "Record/embed/images must not have more than 4 elements"
                )
            for number, image in enumerate(images):
                if not isinstance(image.get("alt"), str):
                    raise _Refused(
                        400,
                        "InvalidRequest",
                        f'Record/embed/images/{number} must have the property "alt"',
                    )
                blob = image.get("image") or {}
                cid = (blob.get("ref") or {}).get("$link")
                if cid not in self._blobs:
                    raise _Refused(400, "InvalidRequest", f"Could not find blob: {cid}")
                if self._blobs[cid]["size"] > 1_000_000:
                    raise _Refused(
                        400,
                        "InvalidRequest",
                        f"Record/embed/images/{number}/image file too big (maximum 1000000 bytes)",
                    )
        reply = record.get("reply")
        if reply is not None:
            self._strong_ref(reply.get("root"), "reply.root")
            self._strong_ref(reply.get("parent"), "reply.parent")

    def _create(self, handler: FakeHandler, data: Any) -> tuple[int, Any]:
        self._authorise(handler)
        if not isinstance(data, dict):
            raise _Refused(400, "InvalidRequest", "Request body must be a JSON object")
        if data.get("repo") not in (self.config.did, self.config.handle):
            raise _Refused(400, "InvalidRequest", f"Could not find repo: {data.get('repo')}")
        collection = data.get("collection")
        record = data.get("record")
        if collection != POST:
            raise _Refused(400, "InvalidRequest", "only app.bsky.feed.post is served")
        rkey = data.get("rkey")
        if rkey is None:
            self._serial += 1
            rkey = "3l" + f"{self._serial:011d}".translate(str.maketrans("0189", "2345"))
        if not isinstance(rkey, str) or not _TID.match(rkey):
            raise _Refused(400, "InvalidRequest", f"Invalid TID: {rkey}")
        self._validate_post(record)
        uri = self._uri(collection, rkey)
        if uri in self._records:
            # The repository's tree refuses to add an existing key with a plain Error, which
            # the XRPC server answers as an internal error.
            raise _Refused(500, "InternalServerError", "Internal Server Error")
        encoded = json.dumps(record, sort_keys=True).encode("utf-8")
        cid = _cid(encoded)
        self._records[uri] = {
            "uri": uri,
            "cid": cid,
            "rkey": rkey,
            "record": record,
            "text": record["text"],
            "deleted": False,
        }
        self._order.append(uri)
        commit = {"cid": _cid(uri.encode()), "rev": f"3l{len(self._order):011d}"}
        return 200, {"uri": uri, "cid": cid, "commit": commit, "validationStatus": "valid"}

    def _get(self, query: dict[str, str]) -> tuple[int, Any]:
        uri = self._uri(query.get("collection", ""), query.get("rkey", ""))
        if query.get("repo") not in (self.config.did, self.config.handle):
            raise _Refused(400, "InvalidRequest", f"Could not find repo: {query.get('repo')}")
        found = self._records.get(uri)
        if found is None or found["deleted"]:
            raise _Refused(400, "RecordNotFound", f"Could not locate record: {uri}")
        return 200, {"uri": uri, "cid": found["cid"], "value": found["record"]}

    def _delete(self, handler: FakeHandler, data: Any) -> tuple[int, Any]:
        self._authorise(handler)
        if not isinstance(data, dict):
            raise _Refused(400, "InvalidRequest", "Request body must be a JSON object")
        uri = self._uri(str(data.get("collection")), str(data.get("rkey")))
        found = self._records.get(uri)
        if found is None or found["deleted"]:
            return 200, {}
        found["deleted"] = True
        return 200, {"commit": {"cid": _cid(b"delete" + uri.encode()), "rev": "3l0"}}
