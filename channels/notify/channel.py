"""The ``notify`` channel: an appeal as an email and a text message to the subscribers of its
area, sent through GOV.UK Notify with ``notifications-python-client``.

- **What is sent.** The email is the plain-text rendition (:func:`publisher.channels.text.
  render_text`, the same text the ``text`` channel writes) with the appeal's title as subject.
  The text message is short: the title, the area, the appeal's address and the first number to
  call, within Notify's limit (:mod:`publisher.channels.notify.sms`); the render leaves room for
  the subscriber's unsubscribe link, which every message carries.
- **Templates.** Notify sends templates: ``NOTIFY_EMAIL_TEMPLATE_ID`` has the subject
  ``((subject))`` and the body ``((body))`` followed by a line with ``((unsubscribe_url))``;
  ``NOTIFY_SMS_TEMPLATE_ID`` has the content ``((body))`` alone (the channel puts the
  unsubscribe link in it, so the count made here is Notify's), with the service-name prefix
  off.
- **Who receives it** is asked at publishing time from a :class:`SubscriberSource` (the
  confirmed subscribers of the appeal's area and topics).
- **In the subscriber's language.** The rendition holds the alert in each of the appeal's
  languages (:meth:`Appeal.in_language`: that language's words and its own page's address), and
  for each language of the force (``RenderContext.languages``) the appeal is not written in,
  the primary's words under a one-line note in that language that the appeal is not available
  in it. Each subscriber gets the version in the language they chose (``Recipient.language``;
  the primary's when it is ``""`` or has no version), and the message's own lines (how to stop
  the alerts) are in their language when the channel has words for it (English, Welsh).
- **No alert twice.** Each message's Notify ``reference`` is made of the delivery's key
  (``Target.idempotency_key``, the same on every attempt) and the subscriber. Before sending a
  message the channel asks Notify for notifications with that reference
  (``GET /v2/notifications?reference=``) and skips the message when Notify already has one. So
  a retry after a crash, a 5xx or a rate limit sends only what is still missing.
- **Errors**: 429 and 5xx are transient; 401/403 are the key (the channel is disabled); a
  400 refusing one subscriber's address is counted and the others still get theirs; any other
  400 is permanent, with Notify's message (never the key); a request sent without an answer is
  ambiguous (the delivery becomes unknown: a person confirms).

notifications-python-client and requests are imported only where the channel talks to Notify
(building the client, sending, looking up, translating their errors): rendering never loads
them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from publisher.channel import ChannelBase, OutputFile, Receipt, RenderContext, Rendition, Target
from publisher.channel.jsontext import indented_json
from publisher.channel.memo import in_language
from publisher.channel.recipients import Recipient, SubscriberSource
from publisher.channels._http import request_was_sent
from publisher.channels._social import append_outbox
from publisher.channels.notify import sms
from publisher.channels.text import clean_text, render_text
from publisher.domain.phones import grouped
from publisher.domain.record import Appeal, AppealStatus, ContactKind, language_code
from publisher.domain.secret import Secret
from publisher.errors import (
    AmbiguousPublishError,
    PermanentPublishError,
    PublishError,
    TransientPublishError,
)

if TYPE_CHECKING:
    from notifications_python_client.errors import APIError

__all__ = [
    "DEFAULT_BASE_URL",
    "OUTBOX_FILE",
    "SMS_UNSUBSCRIBE_ROOM",
    "NotifyChannel",
    "NotifySettings",
    "Recipient",
    "SubscriberSource",
    "email_with_link",
    "reference_for",
    "sms_with_link",
    "translate_error",
]

DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
OUTBOX_FILE = "notify.jsonl"
SMS_UNSUBSCRIBE_ROOM = 120
"""Characters an SMS render leaves for ``"\\nStop alerts: " + <unsubscribe URL>`` (or its
Welsh, ``"\\nAtal rhybuddion: "``)."""
_STOP = {"en": "\nStop alerts: ", "cy": "\nAtal rhybuddion: "}
"""An SMS's last line, before its unsubscribe link, in the subscriber's language."""
_UNSUBSCRIBE = {
    "en": "To stop these alerts, unsubscribe: ",
    "cy": "I roi'r gorau i'r rhybuddion hyn, dad-danysgrifiwch: ",
}
"""An email's last line, before its unsubscribe link, in the subscriber's language."""
_NOT_IN_LANGUAGE = {
    "en": "This appeal is not available in English.",
    "cy": "Nid yw'r wybodaeth hon ar gael yn Gymraeg.",
}
"""The first line of the primary's words sent to a subscriber of a language the appeal is not
written in (GSM characters only, so it does not make an English text message Unicode)."""
_CALL = {"cy": "Ffoniwch"}
"""The SMS's "Call <number>" in the appeal's language, where it is not English."""
_NOT_CONFIGURED = (
    "GOV.UK Notify is not configured: set NOTIFY_API_KEY (a live or team API key), "
    "NOTIFY_EMAIL_TEMPLATE_ID and NOTIFY_SMS_TEMPLATE_ID"
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NotifySettings:
    api_key: Secret | None = None
    base_url: str = DEFAULT_BASE_URL
    email_template_id: str = ""
    sms_template_id: str = ""
    timeout: float = 30.0

    @property
    def has_credentials(self) -> bool:
        return self.api_key is not None


def reference_for(key: str, recipient: Recipient) -> str:
    """The Notify reference of one message: the same for every attempt of one delivery to one
    subscriber, and only for it."""
    digest = hashlib.sha256(f"{key}\x00{recipient.kind}\x00{recipient.subscriber}".encode())
    return "publisher-" + digest.hexdigest()[:40]


def email_with_link(body: str, unsubscribe_url: str, language: str = "en") -> str:
    """The email's body with its unsubscribe line in ``language`` (a language code; English
    when the channel has no words in it)."""
    words = _UNSUBSCRIBE.get(language, _UNSUBSCRIBE["en"])
    return f"{body.rstrip()}\n\n{words}{unsubscribe_url}\n"


def sms_with_link(body: str, unsubscribe_url: str, language: str = "en") -> str:
    """The text message with its "Stop alerts" line in ``language`` (English when the channel
    has no words in it)."""
    return f"{body}{_STOP.get(language, _STOP['en'])}{unsubscribe_url}"


def _sms_body(appeal: Appeal, note: str = "") -> str:
    """Title, area, address, first number to call (after ``note``, when given, on a line of
    its own); the title shortened to keep the whole text (with room for the unsubscribe link)
    within Notify's limit."""
    title = clean_text(appeal.title)
    head = f"{note}\n" if note else ""
    lines = [clean_text(appeal.area), str(appeal.url)]
    phone = next((c for c in appeal.contacts if c.kind is ContactKind.PHONE), None)
    if phone is not None:
        call = _CALL.get(appeal.locale.partition("_")[0].lower(), "Call")
        lines.append(f"{call} {grouped(phone)}")
    rest = "\n" + "\n".join(lines)
    budget = sms.MAX_CHARACTERS - SMS_UNSUBSCRIBE_ROOM - sms.count(head + rest).characters
    if sms.count(title).characters > budget:
        while title and sms.count(title + "...").characters > budget:
            title = title[:-1]
        title = title.rstrip() + "..."
    return head + title + rest


def _version(appeal: Appeal, language: str, note: str = "") -> dict[str, Any]:
    """One language's alert (its email and text message) in the rendition."""
    body = _sms_body(appeal, note)
    counted = sms.count(body)
    text = render_text(appeal)
    return {
        "language": language,
        "email": {
            "subject": clean_text(appeal.title),
            "body": f"{note}\n\n{text}" if note else text,
        },
        "sms": {
            "body": body,
            "characters": counted.characters,
            "fragments": counted.fragments,
            "encoding": counted.encoding,
        },
    }


def _versions(appeal: Appeal, languages: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The alert in every other language than the primary: each translation's, then, for
    each of the force's ``languages`` the appeal is not written in, the primary's words under
    a note in that language (when the channel has its words)."""
    primary = language_code(appeal.locale)
    versions: dict[str, dict[str, Any]] = {}
    for locale in appeal.languages[1:]:
        code = language_code(locale)
        if code != primary and code not in versions:
            versions[code] = _version(in_language(appeal, locale), code)
    for locale in languages:
        code = language_code(locale)
        note = _NOT_IN_LANGUAGE.get(code)
        if code != primary and code not in versions and note is not None:
            versions[code] = _version(in_language(appeal, appeal.locale), code, note)
    return versions


def _api_message(exc: APIError) -> str:
    message = exc.message
    if isinstance(message, list):
        parts = [
            f"{item.get('error', '')}: {item.get('message', '')}".strip(": ")
            for item in message
            if isinstance(item, dict)
        ]
        return "; ".join(parts) or "no message"
    return str(message)


def translate_error(exc: APIError, what: str, *, creates: bool) -> PublishError:
    """The project's error for what notifications-python-client raised while doing ``what``."""
    import requests
    from notifications_python_client.errors import InvalidResponse

    if isinstance(exc, InvalidResponse):
        text = f"Notify answered {what} with something that is not JSON"
        if creates:
            return AmbiguousPublishError(f"{text}: the message may have been accepted")
        return TransientPublishError(text)
    if exc.response is None:
        cause = exc.__cause__
        sent = not isinstance(cause, requests.RequestException) or request_was_sent(cause)
        if isinstance(
            cause,
            requests.exceptions.InvalidURL
            | requests.exceptions.MissingSchema
            | requests.exceptions.InvalidSchema,
        ):
            return PermanentPublishError(f"the Notify address is not usable ({what}): {cause}")
        name = type(cause).__name__ if cause is not None else "no answer"
        if creates and sent:
            return AmbiguousPublishError(
                f"no answer from Notify after sending {what} ({name}): the message may have "
                "been accepted; confirm before sending again"
            )
        return TransientPublishError(f"could not reach Notify ({what}): {name}")
    status = exc.status_code
    detail = _api_message(exc)
    if status == 429:
        return TransientPublishError(f"Notify rate limit reached ({what}): {detail}")
    if status >= 500:
        return TransientPublishError(f"Notify is unavailable ({what}, {status}): {detail}")
    if status in (401, 403):
        return PermanentPublishError(
            f"Notify refused the API key ({what}, {status}): {detail}", credentials=True
        )
    return PermanentPublishError(f"Notify rejected {what} ({status}): {detail}")


def _refuses_address(exc: APIError) -> bool:
    """A 400 about this recipient's address only (others may still be sent to)."""
    if exc.response is None or exc.status_code != 400:
        return False
    text = _api_message(exc)
    return "phone_number" in text or "email_address" in text


@dataclass(frozen=True)
class _Version:
    """The alert in one language: what a subscriber of that language receives."""

    language: str
    """Its language code (``""`` when the rendition predates languages)."""
    subject: str
    email_body: str
    sms_body: str


@dataclass(frozen=True)
class _Alert:
    appeal: str
    revision: int
    area: str
    topics: tuple[str, ...]
    primary: _Version
    others: dict[str, _Version]

    def version_for(self, recipient: Recipient) -> _Version:
        """The version in the subscriber's language, or the primary's."""
        return self.others.get(recipient.language, self.primary)


def _version_of(data: dict[str, Any], language: str) -> _Version:
    return _Version(
        language=language,
        subject=str(data["email"]["subject"]),
        email_body=str(data["email"]["body"]),
        sms_body=str(data["sms"]["body"]),
    )


def _alert_of(rendition: Rendition) -> _Alert:
    try:
        data = json.loads(rendition.file(".notify.json").content)
        return _Alert(
            appeal=str(data["appeal"]),
            revision=int(data["revision"]),
            area=str(data["area"]),
            topics=tuple(str(t) for t in data["topics"]),
            primary=_version_of(data, str(data.get("language", ""))),
            others={
                str(code): _version_of(version, str(code))
                for code, version in dict(data.get("languages", {})).items()
            },
        )
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise PermanentPublishError(f"the notify rendition is not usable: {exc}") from exc


def _lines_language(version: _Version, recipient: Recipient) -> str:
    """The language of a message's own lines: the subscriber's when the channel has words in
    it, else the version's."""
    if recipient.language in _STOP:
        return recipient.language
    return version.language or "en"


class NotifyChannel(ChannelBase):
    """Email and SMS alerts through GOV.UK Notify. ``render`` is pure; ``publish`` sends.

    ``client``: a ``NotificationsAPIClient`` (tests pass one pointed at a local
    Notify-compatible server); ``None`` builds one from ``settings``. With no API key and an
    ``outbox``, publishing is a dry run appended to ``outbox/notify.jsonl`` (no addresses in
    it); with neither, it is refused as a credentials error.
    """

    name = "notify"
    idempotent = False
    writes_site_files = False

    def __init__(
        self,
        client: Any | None = None,
        *,
        settings: NotifySettings | None = None,
        subscribers: SubscriberSource | None = None,
        outbox: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._client: Any = client
        self._settings = settings if settings is not None else NotifySettings()
        self._subscribers = subscribers
        self._outbox = outbox
        self._clock = clock or _utcnow
        self._lock = threading.Lock()  # the Notify client is not thread-safe

    def __repr__(self) -> str:
        return f"NotifyChannel(base_url={self._settings.base_url!r}, outbox={self._outbox!r})"

    # Rendering ---------------------------------------------------------------------------

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        path = f"alerts/notify/{appeal.id}.notify.json"
        if appeal.status in (AppealStatus.RESOLVED, AppealStatus.WITHDRAWN):
            # Nothing to alert about: a resolved or withdrawn appeal is not sent to people.
            return Rendition(
                channel=self.name,
                appeal_id=appeal.id,
                revision=appeal.revision,
                warnings=(f"appeal {appeal.id} is {appeal.status.value}: no alert is sent",),
            )
        primary = _version(appeal, language_code(appeal.locale))
        payload: dict[str, Any] = {
            "appeal": appeal.id,
            "revision": appeal.revision,
            "area": appeal.area,
            "topics": sorted(t.value for t in appeal.all_topics),
            **primary,
        }
        others = _versions(appeal, context.languages)
        if others:
            payload["languages"] = others
        content = (indented_json(payload) + "\n").encode("utf-8")
        return Rendition(
            channel=self.name,
            appeal_id=appeal.id,
            revision=appeal.revision,
            files=(OutputFile(path=path, content=content, media_type="application/json"),),
        )

    # Publishing --------------------------------------------------------------------------

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        if rendition.channel != self.name:
            raise PermanentPublishError(f"notify cannot publish a {rendition.channel!r} rendition")
        if not rendition.files:
            return Receipt(channel=self.name, published_at=self._clock(), details={"messages": "0"})
        alert = _alert_of(rendition)
        if self._subscribers is None:
            raise PermanentPublishError(
                "the notify channel has no subscriber list (the composition root gives it one)"
            )
        recipients = list(self._subscribers.recipients(alert.area, alert.topics))
        key = target.idempotency_key or _content_key(alert, target)
        client = self._get_client()
        if client is None:
            if self._outbox is None:
                raise PermanentPublishError(_NOT_CONFIGURED, credentials=True)
            return self._dry_run(alert, recipients, key)
        from notifications_python_client.errors import APIError

        ids: list[str] = []
        counts = {"sent": 0, "already_sent": 0, "refused": 0, "sms_fragments": 0}
        refusals: list[str] = []
        languages: dict[str, int] = {}
        with self._lock:
            for recipient in recipients:
                language = alert.version_for(recipient).language
                languages[language] = languages.get(language, 0) + 1
                reference = reference_for(key, recipient)
                found = self._already_sent(client, reference)
                if found is not None:
                    ids.append(found)
                    counts["already_sent"] += 1
                    continue
                try:
                    ids.append(self._send(client, alert, recipient, reference, counts))
                except APIError as exc:
                    if _refuses_address(exc):
                        counts["refused"] += 1
                        refusals.append(f"{recipient.subscriber}: {_api_message(exc)}")
                        continue
                    err = translate_error(exc, f"the {recipient.kind} alert", creates=True)
                    raise err from exc
        if recipients and counts["refused"] == len(recipients):
            raise PermanentPublishError(
                "Notify refused every subscriber's address: " + "; ".join(refusals[:3])
            )
        details = {name: str(value) for name, value in counts.items()}
        details["recipients"] = str(len(recipients))
        details["languages"] = " ".join(f"{k or '-'}={v}" for k, v in sorted(languages.items()))
        details["reference_key"] = key
        return Receipt(
            channel=self.name,
            remote_ids=tuple(ids),
            published_at=self._clock(),
            details=details,
        )

    def send_message(
        self, kind: Literal["email", "sms"], address: str, subject: str, body: str
    ) -> None:
        """Send one message outside the ledger (a subscription's confirmation link). Raises a
        PublishError; with no API key and an outbox, the message is written to the outbox
        (its address left out)."""
        client = self._get_client()
        if client is None:
            if self._outbox is None:
                raise PermanentPublishError(_NOT_CONFIGURED, credentials=True)
            record = {"dry_run": True, "channel": self.name, "kind": kind, "body": body}
            self._append_outbox([record])
            return
        from notifications_python_client.errors import APIError

        with self._lock:
            try:
                if kind == "email":
                    client.send_email_notification(
                        email_address=address,
                        template_id=self._settings.email_template_id,
                        personalisation={"subject": subject, "body": body},
                    )
                else:
                    client.send_sms_notification(
                        phone_number=address,
                        template_id=self._settings.sms_template_id,
                        personalisation={"body": body},
                    )
            except APIError as exc:
                raise translate_error(exc, f"the {kind} confirmation", creates=True) from exc

    def _already_sent(self, client: Any, reference: str) -> str | None:
        from notifications_python_client.errors import APIError

        try:
            answer = client.get_all_notifications(reference=reference)
        except APIError as exc:
            raise translate_error(exc, "the look-up of earlier alerts", creates=False) from exc
        try:
            notifications = answer["notifications"]
            for item in notifications:
                if item.get("reference") == reference:
                    return str(item["id"])
        except (KeyError, TypeError, AttributeError) as exc:
            raise TransientPublishError(
                "Notify answered the look-up of earlier alerts without a notifications list"
            ) from exc
        return None

    def _send(
        self,
        client: Any,
        alert: _Alert,
        recipient: Recipient,
        reference: str,
        counts: dict[str, int],
    ) -> str:
        version = alert.version_for(recipient)
        lines = _lines_language(version, recipient)
        if recipient.kind == "email":
            answer = client.send_email_notification(
                email_address=recipient.address,
                template_id=self._settings.email_template_id,
                personalisation={
                    "subject": version.subject,
                    "body": email_with_link(version.email_body, recipient.unsubscribe_url, lines),
                },
                reference=reference,
            )
        else:
            text = sms_with_link(version.sms_body, recipient.unsubscribe_url, lines)
            counted = sms.count(text)
            if counted.too_long:
                raise PermanentPublishError(
                    f"the text message counts {counted.characters} characters; Notify takes "
                    f"{sms.MAX_CHARACTERS}"
                )
            answer = client.send_sms_notification(
                phone_number=recipient.address,
                template_id=self._settings.sms_template_id,
                personalisation={"body": text},
                reference=reference,
            )
            counts["sms_fragments"] += counted.fragments
        counts["sent"] += 1
        try:
            return str(answer["id"])
        except (KeyError, TypeError) as exc:
            raise AmbiguousPublishError(
                f"Notify accepted the {recipient.kind} alert but gave no id: it may be sent"
            ) from exc

    def _get_client(self) -> Any:
        with self._lock:
            if self._client is None:
                key = self._settings.api_key
                if key is None:
                    return None
                from notifications_python_client.notifications import NotificationsAPIClient

                self._client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
                    key.reveal(),
                    base_url=self._settings.base_url,
                    timeout=self._settings.timeout,
                )
            return self._client

    def _append_outbox(self, records: Sequence[dict[str, Any]]) -> Path:
        assert self._outbox is not None
        return append_outbox(self._outbox, OUTBOX_FILE, records)

    def _dry_run(self, alert: _Alert, recipients: Sequence[Recipient], key: str) -> Receipt:
        assert self._outbox is not None
        now = self._clock()
        records = []
        for recipient in recipients:
            version = alert.version_for(recipient)
            lines = _lines_language(version, recipient)
            record: dict[str, Any] = {
                "dry_run": True,
                "channel": self.name,
                "appeal": alert.appeal,
                "revision": alert.revision,
                "kind": recipient.kind,
                "subscriber": recipient.subscriber,
                "language": version.language,
                "reference": reference_for(key, recipient),
                "at": now.isoformat(),
            }
            if recipient.kind == "email":
                record["subject"] = version.subject
                record["body"] = email_with_link(
                    version.email_body, recipient.unsubscribe_url, lines
                )
            else:
                text = sms_with_link(version.sms_body, recipient.unsubscribe_url, lines)
                record["body"] = text
                record["fragments"] = sms.count(text).fragments
            records.append(record)
        path = self._append_outbox(records)
        return Receipt(
            channel=self.name,
            paths=(str(path),),
            published_at=now,
            details={"dry_run": "true", "messages": str(len(records)), "outbox": str(path)},
        )


def _content_key(alert: _Alert, target: Target) -> str:
    identity = json.dumps([alert.appeal, alert.revision, target.name], ensure_ascii=False)
    return "content-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
