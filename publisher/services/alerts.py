"""Alerts: send what the outbox holds to the alert webhook, and say what could not be sent.

The ledger writes an alert in the same transaction as the change it tells of (a delivery became
``failed`` or ``unknown``, a channel was disabled); nothing here runs while a delivery is being
sent. :func:`deliver_alerts`, run from the control queue, takes due alerts one at a time, POSTs
each through an :class:`AlertSender` (:class:`publisher.webhook.WebhookSender`), and records
the answer: delivered; tried again after :func:`publisher.domain.alerts.alert_backoff`; or,
after ``max_attempts`` tries, given up (the operators' console lists those). Without a sender
(no ALERT_WEBHOOK_URL) every pending alert is marked ``not-configured``: kept, never sent.

The payload is built when it is sent: the error text is redacted by the process's log filter
(:mod:`publisher.logsafe`: configured credentials and secret-shaped text), and the link to the
delivery's console page is given only when PUBLISHER_APP_URL is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from publisher import logsafe
from publisher.domain.alerts import (
    AlertFacts,
    WebhookAnswer,
    alert_backoff,
    alert_body,
    alert_payload,
)
from publisher.services._common import Clock, utc
from publisher.store import Store
from publisher.store import alerts as outbox
from publisher.store.alerts import AlertView

__all__ = [
    "ACTOR",
    "AlertPolicy",
    "AlertRun",
    "AlertSender",
    "AlertView",
    "alert_counts",
    "alert_link",
    "deliver_alerts",
    "render_alert",
    "undelivered_alerts",
]

log = logging.getLogger(__name__)

ACTOR = "alerts"


class AlertSender(Protocol):
    """The port: sends one alert body once and says what came of it, never raising for the
    network (:class:`publisher.webhook.WebhookSender`)."""

    where: str
    """The receiver, for messages (scheme, host and port: nothing secret)."""
    timeout: float
    """Seconds a try may wait to connect, and again for an answer."""

    def send(self, *, alert_id: str, event: str, body: bytes) -> WebhookAnswer: ...


@dataclass(frozen=True)
class AlertPolicy:
    """How hard to try (ALERT_WEBHOOK_MAX_ATTEMPTS, ALERT_WEBHOOK_BACKOFF) and where the
    console is (PUBLISHER_APP_URL, when set)."""

    max_attempts: int = 8
    backoff: timedelta = timedelta(seconds=15)
    app_url: str | None = None


@dataclass(frozen=True)
class AlertRun:
    """What one run of :func:`deliver_alerts` did, by alert row id."""

    delivered: tuple[int, ...] = ()
    retrying: tuple[int, ...] = ()
    gave_up: tuple[int, ...] = ()
    not_configured: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.delivered or self.retrying or self.gave_up or self.not_configured)


def alert_link(facts: AlertFacts, app_url: str | None) -> str | None:
    """The console page an alert points to: its delivery's, else the dashboard."""
    if not app_url:
        return None
    base = app_url if app_url.endswith("/") else app_url + "/"
    if facts.delivery_id is not None:
        return f"{base}deliveries/{facts.delivery_id}"
    return f"{base}operations"


def render_alert(
    facts: AlertFacts, *, app_url: str | None, redact: Callable[[str], str] | None = None
) -> bytes:
    """The exact body POSTed for ``facts``: its error redacted (by ``redact``, default this
    process's log filter), with the console link when ``app_url`` is given."""
    scrub = redact if redact is not None else logsafe.active_filter().redact
    error = None if facts.error is None else scrub(facts.error)
    return alert_body(alert_payload(facts, error=error, link=alert_link(facts, app_url)))


def _hold(sender: AlertSender) -> timedelta:
    """How long a try keeps an alert from other senders: its connect and read timeouts, and a
    margin. A sender that died mid-try leaves it to be tried again after that."""
    return timedelta(seconds=2 * sender.timeout + 30)


def deliver_alerts(
    store: Store,
    sender: AlertSender | None,
    policy: AlertPolicy,
    *,
    clock: Clock | None = None,
    limit: int = 50,
    redact: Callable[[str], str] | None = None,
) -> AlertRun:
    """Send up to ``limit`` due alerts, one at a time, each try recorded as it ends.

    Each alert is claimed in a transaction of its own before the POST (so two senders never
    send it at once, and none is sent while a database transaction is open), and its outcome
    recorded in another. Without a ``sender``, every pending alert is marked not-configured.
    """
    now = clock if clock is not None else (lambda: utc(None))
    if sender is None:
        with store.session() as session:
            count = outbox.mark_not_configured(session, at=utc(now()))
        if count:
            log.info("%d alert(s) not sent: ALERT_WEBHOOK_URL is not set", count)
        return AlertRun(not_configured=count)
    delivered: list[int] = []
    retrying: list[int] = []
    gave_up: list[int] = []
    hold = _hold(sender)
    for _ in range(max(0, limit)):
        with store.session() as session:
            claimed = outbox.claim_next(session, store.dialect, at=utc(now()), hold=hold)
        if claimed is None:
            break
        body = render_alert(claimed.facts, app_url=policy.app_url, redact=redact)
        answer = sender.send(alert_id=claimed.facts.id, event=claimed.facts.event.value, body=body)
        at = utc(now())
        with store.session() as session:
            if answer.delivered:
                outbox.mark_delivered(
                    session, claimed.row_id, at=at, status_code=answer.status or 200, actor=ACTOR
                )
                delivered.append(claimed.row_id)
                continue
            error = answer.error or "not delivered"
            retry_at = (
                at + alert_backoff(claimed.attempt, policy.backoff)
                if claimed.attempt < policy.max_attempts
                else None
            )
            status = outbox.mark_failed(
                session,
                claimed.row_id,
                attempt=claimed.attempt,
                at=at,
                error=error,
                status_code=answer.status,
                retry_at=retry_at,
                actor=ACTOR,
            )
        if status is None:
            log.info("alert %d: a newer try was recorded meanwhile", claimed.row_id)
        elif retry_at is None:
            gave_up.append(claimed.row_id)
            log.warning(
                "alert %d (%s): gave up after %d tries: %s",
                claimed.row_id,
                claimed.facts.event.value,
                claimed.attempt,
                error,
            )
        else:
            retrying.append(claimed.row_id)
            log.info(
                "alert %d: try %d failed (%s); next at %s",
                claimed.row_id,
                claimed.attempt,
                error,
                retry_at.isoformat(),
            )
    return AlertRun(tuple(delivered), tuple(retrying), tuple(gave_up))


def undelivered_alerts(store: Store, *, limit: int = 20) -> list[AlertView]:
    """The alerts that could not be delivered, newest first: given up, or still being tried
    after a failed try."""
    with store.session() as session:
        return outbox.alert_views(session, failing_only=True, limit=limit)


def alert_counts(store: Store) -> dict[str, int]:
    """How many alerts are pending, delivered, given up and not configured."""
    with store.session() as session:
        return outbox.alert_counts(session)
