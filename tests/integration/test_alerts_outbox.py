"""The alert outbox on SQLite and PostgreSQL: an alert is written in the same transaction as
every move of a delivery to failed or unknown, and as a channel's disabling; the sender's
retries, backoff, giving up and not-configured; what status and the audit trail say."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from publisher import services
from publisher.bootstrap import Registry, build_registry
from publisher.domain.alerts import AlertStatus, WebhookAnswer
from publisher.domain.delivery import Decision, DeliveryState
from publisher.errors import (
    AmbiguousPublishError,
    PermanentPublishError,
    TransientPublishError,
)
from publisher.services import alerts
from publisher.services.alerts import AlertPolicy
from publisher.services.status import TICK_GRACE_SECONDS
from publisher.settings import Settings
from publisher.store import Store, health, ledger
from publisher.store.models import AlertRow, DeliveryRow
from publisher.testing import FakeChannel, FixedClock
from tests.integration.db_fixtures import sample_appeal
from tests.support.approving import import_approved

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 5, 7, 0, tzinfo=UTC)
APPEAL = "alert-appeal"


def _registry(tmp_path: Path, *channels: FakeChannel) -> Registry:
    settings = Settings(data_dir=tmp_path / "var", output_dir=tmp_path / "site")
    return build_registry(settings, extra={c.name: (lambda s, c=c: c) for c in channels})


def _claimed(store: Store, registry: Registry, channel: str, at: datetime = T0) -> int:
    if not services.list_deliveries(store, appeal_id=APPEAL, now=at):
        import_approved(store, sample_appeal(APPEAL), registry=registry, now=at)
    [delivery] = services.publish_now(store, registry, APPEAL, [channel], now=at)
    assert services.dispatch_due(store, now=at) == [delivery]
    return delivery


def _alerts(store: Store) -> list[AlertRow]:
    with store.session() as session:
        return list(session.scalars(select(AlertRow).order_by(AlertRow.id)))


def _events(store: Store) -> list[tuple[str, int | None, str]]:
    return [(a.event, a.delivery_id, a.subject_state) for a in _alerts(store)]


def test_a_failed_and_an_unknown_delivery_each_raise_one_alert(
    store: Store, tmp_path: Path
) -> None:
    social = FakeChannel(
        "social",
        False,
        [PermanentPublishError("refused: bad content"), AmbiguousPublishError("timed out")],
    )
    registry = _registry(tmp_path, social)
    failed = _claimed(store, registry, "social")
    assert services.publish_delivery(store, registry, failed, now=T0) == "failed"
    unknown = _claimed(store, registry, "social")
    assert services.publish_delivery(store, registry, unknown, now=T0) == "unknown"
    assert _events(store) == [
        ("delivery.failed", failed, "failed"),
        ("delivery.unknown", unknown, "unknown"),
    ]
    first, second = _alerts(store)
    assert first.error == "PermanentPublishError: refused: bad content"
    assert second.error is not None and second.error.startswith("AmbiguousPublishError: timed out")
    assert (first.channel, first.target, first.appeal_id) == ("social", "default", APPEAL)
    assert {a.status for a in (first, second)} == {AlertStatus.PENDING.value}
    assert first.uid != second.uid


def test_what_needs_nobody_raises_no_alert(store: Store, tmp_path: Path) -> None:
    files = FakeChannel("files", True, [TransientPublishError("busy"), AmbiguousPublishError("?")])
    registry = _registry(tmp_path, files)
    delivery = _claimed(store, registry, "files")
    # transient, then ambiguous on an idempotent channel (a transient too), then published
    assert services.publish_delivery(store, registry, delivery, now=T0) == "scheduled"
    later = T0 + timedelta(hours=2)
    assert services.dispatch_due(store, now=later) == [delivery]
    assert services.publish_delivery(store, registry, delivery, now=later) == "scheduled"
    latest = later + timedelta(hours=2)
    assert services.dispatch_due(store, now=latest) == [delivery]
    assert services.publish_delivery(store, registry, delivery, now=latest) == "published"
    other = _claimed(store, registry, "files", at=latest)
    services.cancel(store, other, now=latest)
    assert _alerts(store) == []


def test_refused_credentials_disable_the_channel_with_one_alert_of_their_own(
    store: Store, tmp_path: Path
) -> None:
    social = FakeChannel("social", False, [PermanentPublishError("401", credentials=True)] * 2)
    registry = _registry(tmp_path, social)
    first = _claimed(store, registry, "social")
    second = _claimed(store, registry, "social")
    assert services.publish_delivery(store, registry, first, now=T0) == "failed"
    later = T0 + timedelta(minutes=1)
    # The channel is disabled now: the next delivery fails without being tried.
    assert services.publish_delivery(store, registry, second, now=later) == "failed"
    assert len(social.calls) == 1
    assert _events(store) == [
        ("channel.disabled", first, "disabled"),
        ("delivery.failed", first, "failed"),
        ("delivery.failed", second, "failed"),
    ]
    disabled = _alerts(store)[0]
    assert (disabled.appeal_id, disabled.error) == (APPEAL, "PermanentPublishError: 401")
    # Disabling it again (another worker's refusal) neither alerts again nor moves "since".
    with store.session() as session:
        again = health.set_channel_status(
            session, store.dialect, "social", "default", later, disabled=True, reason="again"
        )
    assert again is False
    (status,) = services.channel_statuses(store)
    assert (status.disabled, status.reason, status.since) == (
        True,
        "PermanentPublishError: 401",
        T0,
    )
    assert len(_alerts(store)) == 3
    # Re-enabled, then refused again: that is news, and alerts again.
    services.enable_channel(store, "social", now=later)
    with store.session() as session:
        assert health.set_channel_status(
            session, store.dialect, "social", "default", later, disabled=True, reason="401 again"
        )
    assert [e for e, _, _ in _events(store)].count("channel.disabled") == 2


def test_the_reconciler_alerts_for_each_send_it_judges_unknown(
    store: Store, tmp_path: Path
) -> None:
    registry = _registry(tmp_path, FakeChannel("social", False), FakeChannel("files", True))
    social = _claimed(store, registry, "social")
    files = _claimed(store, registry, "files")
    with store.session() as session:
        for delivery, idempotent in ((social, False), (files, True)):
            assert ledger.start_sending(
                session,
                delivery,
                at=T0,
                idempotent=idempotent,
                actor="worker",
                detail={},
                lease_owner="dead-worker",
                lease_until=T0 + timedelta(seconds=10),
            )
    report = services.reconcile(
        store, now=T0 + timedelta(minutes=1), claimed_timeout=300, sending_timeout=10
    )
    assert (report.unknown, report.rerun) == ((social,), (files,))
    assert _events(store) == [("delivery.unknown", social, "unknown")]
    assert "may have gone out" in (_alerts(store)[0].error or "")


def test_the_alert_is_written_in_the_transaction_of_the_change(
    store: Store, tmp_path: Path
) -> None:
    registry = _registry(tmp_path, FakeChannel("social", False))
    delivery = _claimed(store, registry, "social")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.session() as session:
        assert ledger.fail_claimed(
            session, delivery, DeliveryState.FAILED, "no", at=T0, actor="worker"
        )
        assert len(list(session.scalars(select(AlertRow)))) == 1
        raise Boom
    assert services.delivery_detail(store, delivery).delivery.state == "claimed"
    assert _alerts(store) == []
    with store.session() as session:
        attempt = ledger.start_sending(
            session,
            delivery,
            at=T0,
            idempotent=False,
            actor="worker",
            detail={},
            lease_owner="w",
            lease_until=T0 + timedelta(minutes=5),
        )
        assert attempt is not None
    with pytest.raises(Boom), store.session() as session:
        ledger.record_outcome(
            session,
            store.dialect,
            delivery,
            attempt,
            Decision(outcome="ambiguous", state=DeliveryState.UNKNOWN, last_error="?"),
            at=T0,
            actor="worker",
            message="?",
            summary=None,
            changes_site=False,
        )
        raise Boom
    assert services.delivery_detail(store, delivery).delivery.state == "sending"
    assert _alerts(store) == []


# ----------------------------------------------------------------------------------- sending


@dataclass
class FakeSender:
    """The AlertSender port, scripted: each send takes the next answer (True: 2xx)."""

    answers: list[bool | int]
    where: str = "https://alerts.example"
    timeout: float = 5.0
    sent: list[tuple[str, str, bytes]] = field(default_factory=list)

    def send(self, *, alert_id: str, event: str, body: bytes) -> WebhookAnswer:
        self.sent.append((alert_id, event, body))
        answer = self.answers.pop(0) if self.answers else True
        if answer is True:
            return WebhookAnswer(True, status=200)
        status = 500 if answer is False else int(answer)
        return WebhookAnswer(False, status=status, error=f"HTTP {status} from {self.where}")


def _one_unknown(store: Store, tmp_path: Path) -> int:
    registry = _registry(tmp_path, FakeChannel("social", False, [AmbiguousPublishError("?")]))
    delivery = _claimed(store, registry, "social")
    assert services.publish_delivery(store, registry, delivery, now=T0) == "unknown"
    return delivery


def test_an_alert_that_fails_is_tried_again_after_its_backoff_then_delivered_once(
    store: Store, tmp_path: Path
) -> None:
    delivery = _one_unknown(store, tmp_path)
    sender = FakeSender([500, True])
    policy = AlertPolicy(max_attempts=5, backoff=timedelta(seconds=30), app_url="https://c/")
    clock = FixedClock(T0)
    run = alerts.deliver_alerts(store, sender, policy, clock=clock, redact=str)
    (row,) = _alerts(store)
    assert run.retrying == (row.id,) and not run.delivered
    assert (row.status, row.attempts, row.last_status) == ("pending", 1, 500)
    assert row.next_attempt_at == T0 + timedelta(seconds=30)
    assert [a.id for a in alerts.undelivered_alerts(store)] == [row.id]
    clock.advance(seconds=29)
    assert not alerts.deliver_alerts(store, sender, policy, clock=clock).busy  # not yet due
    clock.advance(seconds=1)
    run = alerts.deliver_alerts(store, sender, policy, clock=clock, redact=str)
    assert run.delivered == (row.id,)
    (row,) = _alerts(store)
    assert (row.status, row.attempts, row.delivered_at) == ("delivered", 2, clock())
    assert not alerts.deliver_alerts(store, sender, policy, clock=clock).busy
    # Both tries were the same alert, byte for byte: the receiver can deduplicate.
    assert len(sender.sent) == 2 and sender.sent[0] == sender.sent[1]
    assert sender.sent[0][1] == "delivery.unknown"
    assert f'"link":"https://c/deliveries/{delivery}"'.encode() in sender.sent[0][2]
    assert alerts.undelivered_alerts(store) == []
    actions = [e.action for e in services.audit_log(store, subject=f"alert:{row.id}").entries]
    assert actions == ["alert-delivered"]
    [shown] = services.delivery_detail(store, delivery).alerts
    assert (shown.status, shown.attempts) == ("delivered", 2)


def test_after_its_last_try_an_alert_is_given_up_and_shown(store: Store, tmp_path: Path) -> None:
    _one_unknown(store, tmp_path)
    sender = FakeSender([503, 503, 503])
    policy = AlertPolicy(max_attempts=3, backoff=timedelta(seconds=10))
    clock = FixedClock(T0)
    for _ in range(3):
        alerts.deliver_alerts(store, sender, policy, clock=clock, redact=str)
        clock.advance(minutes=5)
    (row,) = _alerts(store)
    assert (row.status, row.attempts, row.next_attempt_at) == ("gave-up", 3, None)
    assert row.last_error == "HTTP 503 from https://alerts.example"
    assert not alerts.deliver_alerts(store, sender, policy, clock=clock).busy
    assert len(sender.sent) == 3
    assert [a.status for a in alerts.undelivered_alerts(store)] == ["gave-up"]
    assert services.system_status(store, now=clock()).undelivered_alerts == 1
    assert alerts.alert_counts(store)["gave-up"] == 1


def test_without_a_webhook_alerts_are_kept_as_not_configured_and_never_sent(
    store: Store, tmp_path: Path
) -> None:
    _one_unknown(store, tmp_path)
    run = alerts.deliver_alerts(store, None, AlertPolicy(), clock=FixedClock(T0))
    assert run.not_configured == 1
    (row,) = _alerts(store)
    assert row.status == "not-configured"
    sender = FakeSender([])
    assert not alerts.deliver_alerts(store, sender, AlertPolicy(), clock=FixedClock(T0)).busy
    assert sender.sent == []


def test_a_claimed_alert_is_held_from_other_senders_until_its_try_could_have_ended(
    store: Store, tmp_path: Path
) -> None:
    from publisher.store import alerts as outbox

    _one_unknown(store, tmp_path)
    hold = timedelta(seconds=40)
    with store.session() as session:
        mine = outbox.claim_next(session, store.dialect, at=T0, hold=hold)
    with store.session() as session:
        assert (
            outbox.claim_next(session, store.dialect, at=T0 + timedelta(seconds=39), hold=hold)
            is None
        )
    assert mine is not None and mine.attempt == 1
    # Its sender died: after the hold another takes it, and the first's late word is ignored.
    with store.session() as session:
        theirs = outbox.claim_next(session, store.dialect, at=T0 + hold, hold=hold)
    assert theirs is not None and (theirs.row_id, theirs.attempt) == (mine.row_id, 2)
    with store.session() as session:
        late = outbox.mark_failed(
            session,
            mine.row_id,
            attempt=1,
            at=T0 + hold,
            error="late",
            status_code=500,
            retry_at=T0 + 2 * hold,
            actor="alerts",
        )
    assert late is None
    with store.session() as session:
        assert outbox.mark_delivered(
            session, theirs.row_id, at=T0 + hold, status_code=204, actor="alerts"
        )
    (row,) = _alerts(store)
    assert (row.status, row.attempts, row.last_status) == ("delivered", 2, 204)


# ------------------------------------------------------------------------ status and audit


def test_status_says_down_or_needs_a_person_and_why(store: Store, tmp_path: Path) -> None:
    services.record_heartbeat(store, services.DISPATCHER_HEARTBEAT, now=T0)
    ok = services.system_status(store, now=T0 + timedelta(seconds=1), workers_alive=1)
    assert (ok.status, ok.exit_code, ok.healthy, ok.problems) == ("ok", 0, True, ())
    delivery = _one_unknown(store, tmp_path)
    with store.session() as session:
        health.set_channel_status(
            session, store.dialect, "social", "default", T0, disabled=True, reason="401"
        )
    attention = services.system_status(store, now=T0 + timedelta(seconds=1), workers_alive=1)
    assert (attention.status, attention.exit_code, attention.down) == ("attention", 1, ())
    assert attention.attention[0].startswith("1 delivery(ies) unknown")
    assert "channel social/default is disabled: 401; re-enable it once fixed" in (
        attention.attention
    )
    services.retry(store, delivery, now=T0)
    with store.session() as session:
        session.execute(update(DeliveryRow).values(state="failed"))
    failed = services.system_status(store, now=T0 + timedelta(seconds=1), workers_alive=1)
    assert any(p.startswith("1 delivery(ies) failed") for p in failed.attention)
    down = services.system_status(
        store, now=T0 + timedelta(seconds=1), workers_alive=0, broker_error="broker unreachable"
    )
    assert (down.status, down.exit_code) == ("down", 2)
    assert down.down == ("broker unreachable", "no worker answered")
    assert down.problems[:2] == down.down and down.attention  # both are said
    late = services.system_status(store, now=T0 + timedelta(minutes=1), workers_alive=1)
    assert late.status == "down" and "last ticked 60 s ago" in late.down[0]


def test_a_late_tick_is_down_only_past_the_grace_however_short_the_interval(
    store: Store,
) -> None:
    """A sub-second dispatcher tick delayed a second or two by a busy host is jitter: status
    says "down" only once the tick is both three intervals and the grace late."""
    services.record_heartbeat(store, services.DISPATCHER_HEARTBEAT, now=T0)
    grace = TICK_GRACE_SECONDS

    def at(seconds: float) -> tuple[str, ...]:
        return services.system_status(
            store, now=T0 + timedelta(seconds=seconds), workers_alive=1, dispatch_interval=0.5
        ).down

    assert at(2.0) == ()
    assert at(grace - 0.1) == ()
    assert at(grace + 0.1) and "last ticked" in at(grace + 0.1)[0]
    slow = services.system_status(
        store, now=T0 + timedelta(seconds=grace + 1), workers_alive=1, dispatch_interval=60
    )
    assert slow.down == ()  # three intervals of a slow dispatcher are not yet up


def test_status_with_the_database_unreachable_is_down_not_an_error() -> None:
    from tests.integration.conftest import free_port

    unreachable = Store(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing")
    try:
        report = services.system_status(unreachable, now=T0, workers_alive=1)
    finally:
        unreachable.dispose()
    assert (report.status, report.exit_code) == ("down", 2)
    assert report.database_error is not None and "unavailable" in report.database_error
    assert report.down == (report.database_error,)  # not also "never ticked"


def test_the_audit_trail_of_an_appeal_is_its_own_and_its_deliveries(
    store: Store, tmp_path: Path
) -> None:
    registry = _registry(tmp_path, FakeChannel("files", True))
    mine = _claimed(store, registry, "files")
    import_approved(store, sample_appeal("someone-else"), registry=registry, now=T0)
    [theirs] = services.publish_now(store, registry, "someone-else", ["files"], now=T0)
    services.cancel(store, theirs, now=T0)
    assert services.publish_delivery(store, registry, mine, now=T0) == "published"
    page = services.audit_log(store, appeal_id=APPEAL)
    subjects = [e.subject for e in page.entries]
    assert subjects and set(subjects) == {f"appeal:{APPEAL}", f"delivery:{mine}"}
    assert [e.id for e in page.entries] == sorted((e.id for e in page.entries), reverse=True)
    assert [e.action for e in page.entries][:2] == ["published", "sending"]
    other = services.audit_log(store, appeal_id="someone-else")
    assert {e.subject for e in other.entries} == {"appeal:someone-else", f"delivery:{theirs}"}
    assert services.audit_log(store, appeal_id="nobody").entries == ()
