"""publish_delivery: assert the world, claimed → sending → outcome, one channel call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher import errors, services
from publisher.bootstrap import Registry, build_registry
from publisher.errors import AmbiguousPublishError, PermanentPublishError, TransientPublishError
from publisher.settings import Settings
from publisher.store import Store
from publisher.store.models import AttemptRow, AuditRow, ChannelStatusRow
from publisher.testing import FakeChannel, FakeSiteChannel, FixedClock
from tests.integration.conftest import wait_until
from tests.integration.db_fixtures import sample_appeal
from tests.support.approving import import_approved
from tests.support.sqlcount import counting

T0 = datetime(2020, 10, 20, 6, 0, tzinfo=UTC)


def registry_with(tmp_path: Path, *channels: FakeChannel) -> Registry:
    settings = Settings(data_dir=tmp_path / "var", output_dir=tmp_path / "site")
    return build_registry(settings, extra={c.name: (lambda s, c=c: c) for c in channels})


def claimed(store: Store, channel: str, appeal: str = "appeal-one", at: datetime = T0) -> int:
    if services.list_deliveries(store, appeal_id=appeal, now=at) == []:
        import_approved(store, sample_appeal(appeal), now=at)
    registry = build_registry(Settings(), extra={channel: lambda s: FakeChannel(channel)})
    [delivery] = services.publish_now(store, registry, appeal, [channel], now=at)
    assert services.dispatch_due(store, now=at) == [delivery]
    return delivery


def view(store: Store, delivery: int) -> services.DeliveryView:
    [found] = [v for v in services.list_deliveries(store, now=T0) if v.id == delivery]
    return found


def attempts(store: Store, delivery: int) -> list[AttemptRow]:
    with store.session() as session:
        from sqlalchemy import select

        return list(
            session.scalars(
                select(AttemptRow).where(AttemptRow.delivery_id == delivery).order_by(AttemptRow.id)
            )
        )


def test_success_publishes_the_current_revision(store: Store, tmp_path: Path) -> None:
    fake = FakeChannel("fake")
    registry = registry_with(tmp_path, fake)
    delivery = claimed(store, "fake")
    # A new revision after scheduling: the current one is what goes out.
    import_approved(store, sample_appeal("appeal-one", title="New title"), now=T0)
    clock = FixedClock(T0 + timedelta(seconds=5))
    assert services.publish_delivery(store, registry, delivery, clock=clock) == "published"
    assert fake.published_appeals == [("appeal-one", 2)]
    v = view(store, delivery)
    assert (v.state, v.attempts, v.remote_id) == ("published", 1, "fake-1")
    assert v.remote_url == "https://fake.invalid/fake/fake-1"
    assert v.published_at == clock()
    [attempt] = attempts(store, delivery)
    assert attempt.outcome == "published"
    assert attempt.finished_at == clock()
    assert attempt.response_summary is not None and "revision 2" in attempt.response_summary
    # Published is final: publishing again does nothing.
    assert services.publish_delivery(store, registry, delivery, clock=clock) == "published"
    assert len(fake.calls) == 1


def test_only_claimed_deliveries_are_published(store: Store, tmp_path: Path) -> None:
    fake = FakeChannel("fake")
    registry = registry_with(tmp_path, fake)
    import_approved(store, sample_appeal("appeal-one"), now=T0)
    [delivery] = services.schedule(
        store, registry, "appeal-one", ["fake"], [T0 + timedelta(hours=1)], now=T0
    )
    assert services.publish_delivery(store, registry, delivery, now=T0) == "scheduled"
    assert fake.calls == []
    with pytest.raises(errors.UnknownDelivery, match="12345"):
        services.publish_delivery(store, registry, 12345, now=T0)


def test_transient_error_backs_off_and_honours_the_reset_time(store: Store, tmp_path: Path) -> None:
    reset = T0 + timedelta(minutes=15)
    fake = FakeChannel(
        "fake",
        False,
        [TransientPublishError("503"), TransientPublishError("429", retry_at=reset)],
    )
    registry = registry_with(tmp_path, fake)
    delivery = claimed(store, "fake")
    assert services.publish_delivery(store, registry, delivery, now=T0) == "scheduled"
    v = view(store, delivery)
    assert v.next_attempt_at == T0 + timedelta(seconds=30)
    assert v.last_error is not None and "503" in v.last_error
    assert services.dispatch_due(store, now=T0 + timedelta(seconds=29)) == []
    t1 = T0 + timedelta(seconds=30)
    assert services.dispatch_due(store, now=t1) == [delivery]
    assert services.publish_delivery(store, registry, delivery, now=t1) == "scheduled"
    assert view(store, delivery).next_attempt_at == reset  # later than 30 s · 2
    with store.session() as session:
        status = session.get(ChannelStatusRow, ("fake", "default"))
        assert (
            status is not None and status.rate_limit is not None and "retry_at" in status.rate_limit
        )
    assert services.dispatch_due(store, now=reset) == [delivery]
    assert services.publish_delivery(store, registry, delivery, now=reset) == "published"
    assert [a.outcome for a in attempts(store, delivery)] == [
        "transient",
        "rate-limited",
        "published",
    ]
    assert view(store, delivery).attempts == 3


def test_rate_limit_waits_add_nothing_to_the_backoff_of_a_later_failure(
    store: Store, tmp_path: Path
) -> None:
    """Two 429s with their reset times, then a 503: the 503 is the first real failure, so the
    wait is the first backoff (30 s), not the third (2 min)."""
    fake = FakeChannel(
        "fake",
        False,
        [
            TransientPublishError("429", retry_at=T0 + timedelta(seconds=10)),
            TransientPublishError("429", retry_at=T0 + timedelta(seconds=20)),
            TransientPublishError("503"),
        ],
    )
    registry = registry_with(tmp_path, fake)
    delivery = claimed(store, "fake")
    at = T0
    for reset in (T0 + timedelta(seconds=10), T0 + timedelta(seconds=20)):
        assert services.publish_delivery(store, registry, delivery, now=at) == "scheduled"
        assert view(store, delivery).next_attempt_at == reset
        at = reset
        assert services.dispatch_due(store, now=at) == [delivery]
    assert services.publish_delivery(store, registry, delivery, now=at) == "scheduled"
    assert view(store, delivery).next_attempt_at == at + timedelta(seconds=30)
    assert [a.outcome for a in attempts(store, delivery)] == [
        "rate-limited",
        "rate-limited",
        "transient",
    ]


def test_a_reset_sooner_than_the_backoff_is_honoured(store: Store, tmp_path: Path) -> None:
    """X says when it will take us again; we go then, not after our own longer backoff."""
    reset = T0 + timedelta(seconds=5)
    fake = FakeChannel("fake", False, [TransientPublishError("429", retry_at=reset)])
    registry = registry_with(tmp_path, fake)
    delivery = claimed(store, "fake")
    assert services.publish_delivery(store, registry, delivery, now=T0) == "scheduled"
    assert view(store, delivery).next_attempt_at == reset
    assert services.dispatch_due(store, now=reset) == [delivery]


def test_backoff_doubles_and_is_capped() -> None:
    assert [services.backoff(n).total_seconds() for n in range(1, 9)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]
    assert services.backoff(500) == timedelta(hours=1)


def test_permanent_error_fails_and_credentials_disable_the_channel(
    store: Store, tmp_path: Path
) -> None:
    fake = FakeChannel(
        "fake",
        False,
        [PermanentPublishError("too long"), PermanentPublishError("401", credentials=True)],
    )
    registry = registry_with(tmp_path, fake)
    first = claimed(store, "fake")
    assert services.publish_delivery(store, registry, first, now=T0) == "failed"
    second = claimed(store, "fake")
    assert services.publish_delivery(store, registry, second, now=T0) == "failed"
    third = claimed(store, "fake")
    # Disabled: not even tried.
    assert services.publish_delivery(store, registry, third, now=T0) == "failed"
    assert len(fake.calls) == 2
    assert "disabled" in (view(store, third).last_error or "")
    report = services.system_status(store, now=T0)
    assert report.disabled_channels and "fake/default" in report.disabled_channels[0]
    services.enable_channel(store, "fake", now=T0)
    assert services.retry(store, third, now=T0) == "scheduled"
    assert services.dispatch_due(store, now=T0) == [third]
    assert services.publish_delivery(store, registry, third, now=T0) == "published"


def test_ambiguous_error_needs_a_person_on_a_non_idempotent_channel(
    store: Store, tmp_path: Path
) -> None:
    social = FakeChannel("social", False, [AmbiguousPublishError("timeout after send")])
    files = FakeChannel("files", True, [AmbiguousPublishError("odd"), RuntimeError("boom")])
    registry = registry_with(tmp_path, social, files)
    d_social = claimed(store, "social")
    assert services.publish_delivery(store, registry, d_social, now=T0) == "unknown"
    # Never resent automatically.
    assert services.dispatch_due(store, now=T0 + timedelta(days=1)) == []
    d_files = claimed(store, "files")
    assert services.publish_delivery(store, registry, d_files, now=T0) == "scheduled"
    t1 = T0 + timedelta(minutes=1)
    assert services.dispatch_due(store, now=t1) == [d_files]
    assert services.publish_delivery(store, registry, d_files, now=t1) == "scheduled"
    assert "RuntimeError: boom" in (view(store, d_files).last_error or "")
    # A person confirms: it did go out.
    assert services.confirm(store, d_social, published=True, remote_id="99", now=t1) == "published"
    assert view(store, d_social).remote_id == "99"


def test_unexpected_error_is_ambiguous_on_a_non_idempotent_channel(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    social = FakeChannel("social", False, [KeyError("surprise")])
    registry = registry_with(tmp_path, social)
    delivery = claimed(store, "social")
    assert services.publish_delivery(store, registry, delivery, now=T0) == "unknown"
    assert "Traceback" in caplog.text and "surprise" in caplog.text
    assert services.confirm(store, delivery, published=False, now=T0) == "scheduled"
    assert services.dispatch_due(store, now=T0) == [delivery]
    assert services.publish_delivery(store, registry, delivery, now=T0) == "published"


def test_unknown_channel_fails_the_delivery(store: Store, tmp_path: Path) -> None:
    registry = registry_with(tmp_path)
    delivery = claimed(store, "nonesuch")
    assert services.publish_delivery(store, registry, delivery, now=T0) == "failed"
    assert "nonesuch" in (view(store, delivery).last_error or "")


def test_concurrent_publishes_of_one_delivery_call_the_channel_once(
    store: Store, make_store: Callable[[], Store], tmp_path: Path
) -> None:
    fake = FakeChannel("fake", False, delay=0.2)
    registry = registry_with(tmp_path, fake)
    delivery = claimed(store, "fake")
    stores = [make_store() for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    results: list[str] = []
    lock = threading.Lock()

    def run(s: Store) -> None:
        barrier.wait()
        state = services.publish_delivery(s, registry, delivery, now=T0)
        with lock:
            results.append(state)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(fake.calls) == 1
    assert len(results) == 4
    assert "published" in results
    assert set(results) <= {"published", "sending"}
    assert len(attempts(store, delivery)) == 1
    assert view(store, delivery).state == "published"


def test_the_sending_state_is_committed_before_the_channel_is_called(
    store: Store, tmp_path: Path
) -> None:
    seen: list[str] = []

    class Peeking(FakeChannel):
        def publish(self, rendition, target):  # type: ignore[no-untyped-def]
            seen.append(view(store, delivery).state)
            seen.append(str(len(attempts(store, delivery))))
            return super().publish(rendition, target)

    registry = registry_with(tmp_path, Peeking("peek", False))
    delivery = claimed(store, "peek")
    assert services.publish_delivery(store, registry, delivery, now=T0) == "published"
    assert seen == ["sending", "1"]


def test_site_channel_publishes_the_page_and_the_site(store: Store, tmp_path: Path) -> None:
    site = FakeSiteChannel("site", write=True)
    registry = registry_with(tmp_path, site)
    for name in ("b-appeal", "a-appeal"):
        d = claimed(store, "site", appeal=name)
        assert services.publish_delivery(store, registry, d, now=T0) == "published"
    # c-appeal is imported but never published on "site": not in the index.
    import_approved(store, sample_appeal("c-appeal"), now=T0)
    assert site.site_calls == [("b-appeal",), ("a-appeal", "b-appeal")]
    index = (tmp_path / "site" / "site" / "index.txt").read_text()
    assert index.splitlines() == ["a-appeal r1 active", "b-appeal r1 active"]
    assert (tmp_path / "site" / "site" / "a-appeal.txt").is_file()
    last = site.published[-1]
    assert {f.path for f in last.files} == {"site/a-appeal.txt", "site/index.txt"}


def test_audit_log_records_the_story(store: Store, tmp_path: Path) -> None:
    registry = registry_with(tmp_path, FakeChannel("fake"))
    delivery = claimed(store, "fake")
    services.publish_delivery(store, registry, delivery, now=T0)
    with store.session() as session:
        from sqlalchemy import select

        actions = list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))
    assert actions == [
        "import",
        "add-user",
        "approve",
        "publish-now",
        "claim",
        "sending",
        "published",
    ]


def _partial(error: TransientPublishError, *ids: str) -> TransientPublishError:
    error.posted_ids = ids
    return error


def test_a_thread_that_failed_half_way_resumes_after_the_posted_parts(
    store: Store, tmp_path: Path
) -> None:
    thread = FakeChannel("thread", False, [_partial(TransientPublishError("503"), "p1", "p2")])
    registry = registry_with(tmp_path, thread)
    delivery = claimed(store, "thread")
    assert thread.resumes_threads
    assert services.publish_delivery(store, registry, delivery, now=T0) == "scheduled"
    assert view(store, delivery).remote_id == "p1,p2"
    t1 = T0 + timedelta(minutes=1)
    assert services.dispatch_due(store, now=t1) == [delivery]
    assert services.publish_delivery(store, registry, delivery, now=t1) == "published"
    assert thread.calls[-1].already_posted == ("p1", "p2")
    assert view(store, delivery).remote_id == "p1,p2,thread-2"


def test_a_thread_that_cannot_resume_is_left_to_a_person(store: Store, tmp_path: Path) -> None:
    thread = FakeChannel(
        "thread", False, [_partial(TransientPublishError("503"), "p1")], resumes_threads=False
    )
    registry = registry_with(tmp_path, thread)
    delivery = claimed(store, "thread")
    assert not thread.resumes_threads
    assert services.publish_delivery(store, registry, delivery, now=T0) == "unknown"
    assert view(store, delivery).remote_id == "p1"


def test_two_workers_recording_a_rate_limit_at_once_both_succeed(
    store: Store, make_store: Callable[[], Store]
) -> None:
    """Two rate-limited posts finishing together both record the channel's status: the first
    write of a channel's status row must not make the second fail (it used to: a duplicate key,
    and the delivery was left 'sending' until the reconciler judged it unknown)."""
    from publisher.store import ledger

    stores = [make_store() for _ in range(2)]
    barrier = threading.Barrier(len(stores))
    failures: list[BaseException] = []

    def record(s: Store, seconds: int) -> None:
        try:
            for attempt in range(20):
                barrier.wait()  # both write the same new row at the same moment
                with s.session() as session:
                    ledger.set_channel_status(
                        session,
                        s.dialect,
                        f"x{attempt}",
                        "default",
                        T0,
                        rate_limit={"retry_at": (T0 + timedelta(seconds=seconds)).isoformat()},
                    )
        except Exception as exc:  # noqa: BLE001  (recorded for the assertion below)
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=record, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with store.session() as session:
        rows = session.query(ChannelStatusRow).all()
        assert len(rows) == 20
        assert all(not row.disabled and row.rate_limit for row in rows)
        ledger.set_channel_status(session, store.dialect, "x0", "default", T0, disabled=True)
    with store.session() as session:
        row = session.get(ChannelStatusRow, ("x0", "default"))
        assert row is not None and row.disabled and row.rate_limit  # only what was given changed


def _state(store: Store, delivery: int) -> str:
    return view(store, delivery).state


def test_a_slow_live_send_is_never_judged_unknown_nor_sent_twice(
    store: Store, make_store: Callable[[], Store], tmp_path: Path
) -> None:
    """Defect 1 of the 'nothing twice' issue: a send slower than SENDING_TIMEOUT, with its
    worker alive. The reconciler runs meanwhile (late, as a starved one does) and must leave it
    alone; an operator's retry is refused; the send's result is recorded; one post."""
    slow = FakeChannel("x", False, delay=2.5)  # a thread publisher, slower than the lease
    registry = registry_with(tmp_path, slow)
    delivery = claimed(store, "x")
    results: list[str] = []
    sender = threading.Thread(
        target=lambda: results.append(
            services.publish_delivery(make_store(), registry, delivery, lease=0.6)
        )
    )
    sender.start()
    try:
        wait_until(
            lambda: _state(store, delivery) == "sending", timeout=10, interval=0.02, what="the send"
        )
        stop = datetime.now(UTC) + timedelta(seconds=2)
        while datetime.now(UTC) < stop:  # the reconciler, well past the lease's first length
            report = services.reconcile(
                store, now=datetime.now(UTC), claimed_timeout=300, sending_timeout=0.6
            )
            assert report.unknown == () and report.rerun == ()
            assert _state(store, delivery) == "sending"
            with pytest.raises(errors.InvalidTransition):
                services.retry(store, delivery)
            time.sleep(0.1)
    finally:
        sender.join()
    assert results == ["published"]
    assert len(slow.calls) == 1
    done = view(store, delivery)
    assert done.state == "published" and done.remote_id == "x-1"


def test_a_delivery_judged_unknown_while_its_lease_is_live_waits_for_the_result(
    store: Store, make_store: Callable[[], Store], tmp_path: Path
) -> None:
    """Even when something judged a live send unknown (an older reconciler, a person), retry
    and confirm are refused until its lease lapses, and the late result is still recorded:
    ids kept, published, the conflict in the audit log."""
    from sqlalchemy import select, update

    from publisher.store.models import DeliveryRow

    slow = FakeChannel("x", False, delay=1.5)
    registry = registry_with(tmp_path, slow)
    delivery = claimed(store, "x")
    sender = threading.Thread(
        target=services.publish_delivery,
        args=(make_store(), registry, delivery),
        kwargs={"lease": 30.0},
    )
    sender.start()
    try:
        wait_until(
            lambda: _state(store, delivery) == "sending", timeout=10, interval=0.02, what="the send"
        )
        with store.session() as session:
            session.execute(
                update(DeliveryRow).where(DeliveryRow.id == delivery).values(state="unknown")
            )
        with pytest.raises(errors.InvalidTransition, match="may still be being sent"):
            services.retry(store, delivery)
        with pytest.raises(errors.InvalidTransition, match="may still be being sent"):
            services.confirm(store, delivery, published=False)
    finally:
        sender.join()
    done = view(store, delivery)
    assert (done.state, done.remote_id) == ("published", "x-1")
    assert len(slow.calls) == 1
    with store.session() as session:
        details = list(
            session.scalars(
                select(AuditRow.detail).where(
                    AuditRow.subject == f"delivery:{delivery}", AuditRow.action == "published"
                )
            )
        )
    assert details and "judged unknown" in (details[0] or "")


def test_a_lapsed_lease_means_the_worker_died(store: Store, tmp_path: Path) -> None:
    """A send whose lease nobody renewed (its worker was killed) is unknown for a person, or
    run again on an idempotent channel."""
    from sqlalchemy import update

    from publisher.store.models import DeliveryRow

    social = claimed(store, "x", appeal="died-social")
    files = claimed(store, "files", appeal="died-files")
    past = T0 - timedelta(seconds=1)
    with store.session() as session:
        for delivery, idempotent in ((social, False), (files, True)):
            session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery)
                .values(
                    state="sending",
                    sending_at=T0,
                    idempotent=idempotent,
                    lease_owner="host:1:dead",
                    lease_expires_at=past,
                )
            )
    report = services.reconcile(store, now=T0, claimed_timeout=300, sending_timeout=600)
    assert (report.unknown, report.rerun) == ((social,), (files,))
    assert services.retry(store, social, now=T0) == "scheduled"


# ------------------------------------------------------------------ what a delivery costs


@pytest.mark.parametrize("site", [False, True], ids=["channel", "site-channel"])
def test_a_delivery_is_one_read_only_and_two_write_transactions(
    store: Store, tmp_path: Path, site: bool
) -> None:
    """Issue 11: the checks read outside the write lock (a read-only transaction: on SQLite a
    deferred BEGIN; on PostgreSQL one autocommit SELECT on a read-only connection), then
    claimed → sending and the outcome are one write transaction each (on PostgreSQL one
    statement each, but the site channel's outcome, which the site change log numbers in a
    transaction). Counted with SQLAlchemy's events on the real engines, so a change that adds
    a write, a statement or a round trip (or makes the checks write) fails here."""
    fake = FakeSiteChannel("fake") if site else FakeChannel("fake")
    registry = registry_with(tmp_path, fake)
    delivery = claimed(store, "fake")
    with counting(store) as count:
        assert services.publish_delivery(store, registry, delivery, now=T0) == "published"
    assert (count.writes, count.reads) == (2, 1)
    if not site:
        # No site change log: a channel that writes no site files changes no site.
        if store.dialect == "postgresql":
            # the read; sending (move, attempt, audit); outcome (attempt, move, audit): one
            # statement each, no BEGIN or COMMIT.
            assert (count.statements, count.round_trips) == (3, 3)
        else:
            # the read: one SELECT; sending: move, attempt, audit; outcome: attempt, move,
            # audit; each in BEGIN … COMMIT.
            assert (count.statements, count.round_trips) == (7, 13)


def test_the_dispatcher_claims_a_batch_in_one_write_transaction(
    store: Store, tmp_path: Path
) -> None:
    registry = registry_with(tmp_path, FakeChannel("fake"))
    import_approved(store, sample_appeal("appeal-one"), now=T0)
    times = [T0 + timedelta(minutes=i) for i in range(40)]
    planned = services.schedule(store, registry, "appeal-one", ["fake"], times, now=T0)
    with counting(store) as count:
        assert services.dispatch_due(store, now=T0 + timedelta(hours=1)) == planned
    assert count.writes == 1 and count.reads == 0


def test_a_batch_publishes_each_and_one_error_does_not_stop_the_others(
    store: Store, tmp_path: Path
) -> None:
    fake = FakeChannel("fake")
    registry = registry_with(tmp_path, fake)
    first = claimed(store, "fake")
    second = claimed(store, "fake")
    with pytest.raises(errors.UnknownDelivery):
        services.publish_deliveries(store, registry, [first, 12345, second])
    assert (_state(store, first), _state(store, second)) == ("published", "published")
    assert services.publish_deliveries(store, registry, [first, second]) == [
        (first, "published"),
        (second, "published"),
    ]  # a duplicate batch is harmless: nothing is sent again
    assert len(fake.calls) == 2
