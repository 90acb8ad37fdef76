"""A local server speaking GOV.UK Notify's API v2, for the real ``notifications-python-client``.

What it does as Notify does (docs.notifications.service.gov.uk/rest-api.html and
alphagov/notifications-api, read, not copied):

- **Authorisation**: ``Authorization: Bearer <JWT>``, HS256, ``iss`` the service id, ``iat``
  within 30 seconds of now, signed with the secret half of the API key. No header is a 401, a
  bad signature or an unknown service a 403, a stale ``iat`` a 403, each with Notify's error
  shape ``{"status_code": n, "errors": [{"error": ..., "message": ...}]}``.
- ``POST /v2/notifications/email`` and ``/v2/notifications/sms``: the template filled in with
  the personalisation (``((name))`` placeholders; a missing one is a 400), UK mobile numbers
  only for SMS, Notify's 918-character limit; 201 with Notify's answer (``id``, ``reference``,
  ``content``, ``uri``, ``template``).
- ``GET /v2/notifications?reference=`` and ``GET /v2/notifications/{id}``.
- Each SMS's fragment count worked out as Notify would (an implementation of its own here,
  written from notifications-utils' rules, so the channel's count is checked against another).
- Fault injection: :meth:`FakeNotify.fail_next` answers the next requests to a path with a
  status (429, 500...) or drops the connection, before or after accepting the message.
"""

from __future__ import annotations

import json
import math
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import jwt

from tests.support.fakehttp import FakeHandler, LocalFake

__all__ = ["FakeNotify", "Received", "notify_fragments"]

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"publisher_test-{SERVICE_ID}-{SECRET}"
EMAIL_TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SMS_TEMPLATE = "0ef0a9a8-6c1a-4c0f-bc5e-9f7c0d2b2c1a"

_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)
_WELSH = set("àèìòùẁỳÀÈÌÒÙẀỲáéíóúẃýÁÉÍÓÚẂÝäëïöüẅÿÄËÏÖÜẄŸâêîôûŵŷÂÊÎÔÛŴŶ")
_SWAPS = dict(zip("‑–—−‘’“”‚„\u00a0\u202f\tŁł", "----''\"\"'\"  \tLl", strict=True))
_SWAPS.update({"\t": " ", "…": "..."})
_SWAPS.update(dict.fromkeys("\u180e\u200b\u200c\u200d\u2060\ufeff\u2028\u2029", ""))


def _notify_char(char: str) -> str:
    if char in _GSM or char in _WELSH:
        return char
    parts = unicodedata.decomposition(char).split()
    if parts and not parts[0].startswith("<"):
        first = chr(int(parts[0], 16))
        return first if first in _GSM or first in _WELSH else "?"
    return _SWAPS.get(char, "?")


def notify_fragments(content: str) -> tuple[int, int]:
    """(characters, fragments) of a text message's content, as Notify counts them."""
    sent = "".join(_notify_char(c) for c in content)
    length = len(sent.encode("utf-16-le")) // 2
    if set(content) & (_WELSH - _GSM):
        return length, (1 if length <= 70 else math.ceil(length / 67))
    septets = length + sum(content.count(c) for c in "^{}\\[~]|€")
    return length, (1 if septets <= 160 else math.ceil(septets / 153))


@dataclass
class Received:
    """One message Notify accepted."""

    id: str
    kind: Literal["email", "sms"]
    to: str
    reference: str | None
    template_id: str
    personalisation: dict[str, str]
    subject: str | None
    body: str
    fragments: int | None
    created_at: str


@dataclass
class _Fault:
    path: str
    status: int | None
    mode: Literal["status", "drop", "accept-then-drop", "stall"]
    skip: int = 0
    seconds: float = 0.0
    """For ``stall``: how long the answer is held after the message was accepted."""
    """Requests to ``path`` to let through before this fault hits."""


@dataclass
class FakeNotify(LocalFake):
    """Notify's API v2 for one service (:data:`API_KEY`), with an email template (subject
    ``((subject))``, body ``((body))``) and an SMS template
    ``((body))``."""

    server_name = "fake-notify"
    email_template: tuple[str, str] = ("((subject))", "((body))")
    sms_template: str = "((body))"
    received: list[Received] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    """(method, path with query) of every authorised request, in order."""
    refused_auth: list[str] = field(default_factory=list)
    stalled: list[str] = field(default_factory=list)
    """Ids of messages accepted whose answer was held (``stall``)."""
    _faults: list[_Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    # Test controls ----------------------------------------------------------------------

    def fail_next(
        self,
        path: str,
        status: int | None = None,
        *,
        mode: Literal["status", "drop", "accept-then-drop", "stall"] = "status",
        times: int = 1,
        after: int = 0,
        seconds: float = 0.0,
    ) -> None:
        """Fault the next ``times`` requests to ``path``, after letting ``after`` through:
        answer ``status``, drop the connection (before or after accepting the message), or
        accept it and hold the answer ``seconds``."""
        with self.lock:
            self._faults.extend(_Fault(path, status, mode, after, seconds) for _ in range(times))

    def environment(self) -> dict[str, str]:
        """The NOTIFY_* settings of a publisher pointed at this fake."""
        return {
            "NOTIFY_API_KEY": API_KEY,
            "NOTIFY_BASE_URL": self.base_url,
            "NOTIFY_EMAIL_TEMPLATE_ID": EMAIL_TEMPLATE,
            "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE,
        }

    def messages_to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.received if m.to == address]

    # Serving ----------------------------------------------------------------------------

    def _error(self, handler: FakeHandler, status: int, error: str, message: str) -> None:
        handler.send_json(
            status, {"status_code": status, "errors": [{"error": error, "message": message}]}
        )

    def _authorised(self, handler: FakeHandler) -> bool:
        header = handler.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            self.refused_auth.append("no token")
            self._error(
                handler, 401, "AuthError", "Unauthorized: authentication token must be provided"
            )
            return False
        token = header.removeprefix("Bearer ")
        try:
            claims = jwt.decode(
                token, key=SECRET, algorithms=["HS256"], options={"verify_iat": False}
            )
        except jwt.InvalidTokenError:
            self.refused_auth.append("signature")
            self._error(handler, 403, "AuthError", "Invalid token: signature, api token not found")
            return False
        if claims.get("iss") != SERVICE_ID:
            self.refused_auth.append("issuer")
            self._error(handler, 403, "AuthError", "Invalid token: service not found")
            return False
        iat = claims.get("iat")
        if not isinstance(iat, int) or abs(time.time() - iat) > 30:
            self.refused_auth.append("iat")
            self._error(
                handler,
                403,
                "AuthError",
                "Error: Your system clock must be accurate to within 30 seconds",
            )
            return False
        return True

    def _fault(self, path: str) -> _Fault | None:
        with self.lock:
            for index, fault in enumerate(self._faults):
                if fault.path == path:
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    return self._faults.pop(index)
        return None

    def route(self, handler: FakeHandler, method: str) -> None:
        url = urlsplit(handler.path)
        body = handler.read_body()
        if body is None:
            return
        if not self._authorised(handler):
            return
        with self.lock:
            self.requests.append((method, handler.path))
        fault = self._fault(url.path)
        if fault is not None and fault.mode == "drop":
            handler.drop()
            return
        if fault is not None and fault.mode == "status" and fault.status is not None:
            kinds = {429: "RateLimitError", 500: "Exception"}
            messages = {
                429: "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
                500: "Internal server error",
            }
            self._error(
                handler,
                fault.status,
                kinds.get(fault.status, "BadRequestError"),
                messages.get(fault.status, "Injected fault"),
            )
            return
        if method == "POST" and url.path in ("/v2/notifications/email", "/v2/notifications/sms"):
            kind: Literal["email", "sms"] = "email" if url.path.endswith("email") else "sms"
            self._create(handler, kind, body, fault=fault)
        elif method == "GET" and url.path == "/v2/notifications":
            query = parse_qs(url.query)
            reference = query.get("reference", [None])[0]
            with self.lock:
                found = [
                    self._notification(m)
                    for m in reversed(self.received)
                    if reference is None or m.reference == reference
                ]
            handler.send_json(
                200,
                {"notifications": found, "links": {"current": f"{self.base_url}{handler.path}"}},
            )
        elif method == "GET" and url.path.startswith("/v2/notifications/"):
            wanted = url.path.rsplit("/", 1)[-1]
            with self.lock:
                match = [m for m in self.received if m.id == wanted]
            if not match:
                self._error(handler, 404, "NoResultFound", "No result found")
                return
            handler.send_json(200, self._notification(match[0]))
        else:
            self._error(handler, 404, "NotFound", "Not found")

    def _notification(self, message: Received) -> dict[str, Any]:
        return {
            "id": message.id,
            "reference": message.reference,
            "email_address": message.to if message.kind == "email" else None,
            "phone_number": message.to if message.kind == "sms" else None,
            "type": message.kind,
            "status": "created",
            "template": {
                "id": message.template_id,
                "version": 1,
                "uri": f"{self.base_url}/v2/template/{message.template_id}/version/1",
            },
            "body": message.body,
            "subject": message.subject,
            "created_at": message.created_at,
            "created_by_name": None,
            "sent_at": None,
            "completed_at": None,
            "scheduled_for": None,
        }

    def _create(
        self,
        handler: FakeHandler,
        kind: Literal["email", "sms"],
        raw: bytes,
        *,
        fault: _Fault | None,
    ) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            self._error(handler, 400, "BadRequestError", "Invalid JSON supplied in POST data")
            return
        template_id = data.get("template_id")
        wanted = EMAIL_TEMPLATE if kind == "email" else SMS_TEMPLATE
        if template_id != wanted:
            self._error(handler, 400, "BadRequestError", "Template not found")
            return
        values = data.get("personalisation") or {}
        subject_t, body_t = self.email_template if kind == "email" else (None, self.sms_template)

        def fill(text: str) -> str | None:
            missing = [n for n in re.findall(r"\(\(([^()]+)\)\)", text) if n not in values]
            if missing:
                return None
            return re.sub(r"\(\(([^()]+)\)\)", lambda m: str(values[m.group(1)]), text)

        for text in (subject_t, body_t):
            if text is not None and fill(text) is None:
                names = [n for n in re.findall(r"\(\(([^()]+)\)\)", text) if n not in values]
                self._error(
                    handler, 400, "BadRequestError", f"Missing personalisation: {', '.join(names)}"
                )
                return
        body = fill(body_t) or ""
        subject = fill(subject_t) if subject_t is not None else None
        fragments: int | None = None
        if kind == "sms":
            to = str(data.get("phone_number", ""))
            digits = re.sub(r"[\s()+-]", "", to)
            if not re.fullmatch(r"(44|0)7\d{9}", digits):
                self._error(handler, 400, "ValidationError", "phone_number Not a UK mobile number")
                return
            characters, fragments = notify_fragments(body.strip())
            if characters > 918:
                self._error(
                    handler,
                    400,
                    "BadRequestError",
                    f"Text messages cannot be longer than 918 characters. Your message is "
                    f"{characters} characters long.",
                )
                return
        else:
            to = str(data.get("email_address", ""))
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", to):
                self._error(
                    handler, 400, "ValidationError", "email_address Not a valid email address"
                )
                return
        message = Received(
            id=str(uuid.uuid4()),
            kind=kind,
            to=to,
            reference=data.get("reference"),
            template_id=str(template_id),
            personalisation={k: str(v) for k, v in values.items()},
            subject=subject,
            body=body,
            fragments=fragments,
            created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )
        with self.lock:
            self.received.append(message)
        if fault is not None and fault.mode == "accept-then-drop":
            handler.drop()
            return
        if fault is not None and fault.mode == "stall":
            with self.lock:
                self.stalled.append(message.id)
            time.sleep(fault.seconds)
        content: dict[str, Any] = {"body": body}
        if kind == "email":
            content.update(
                {"subject": subject, "from_email": "alerts@notifications.service.gov.uk"}
            )
        else:
            content["from_number"] = "GOVUK"
        handler.send_json(
            201,
            {
                "id": message.id,
                "reference": message.reference,
                "content": content,
                "uri": f"{self.base_url}/v2/notifications/{message.id}",
                "template": {
                    "id": message.template_id,
                    "version": 1,
                    "uri": f"{self.base_url}/services/{SERVICE_ID}/templates/{message.template_id}",
                },
                "scheduled_for": None,
            },
        )
