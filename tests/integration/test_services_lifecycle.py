"""The life of an appeal through the services, with the real web, feeds and text channels
writing real files, and a fake social channel ("x", not idempotent) recording its posts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from publisher import errors, services
from publisher.bootstrap import Registry, build_registry
from publisher.domain.campaign import ScheduleError
from publisher.errors import RecordInvalid
from publisher.settings import Settings
from publisher.store import Store
from publisher.store.models import CampaignRow, DeliveryRow
from publisher.testing import FakeChannel, FixedClock
from tests.integration.db_fixtures import sample_appeal
from tests.support.approving import approve_current, import_approved

T0 = datetime(2020, 10, 25, 6, 0, tzinfo=UTC)
FILES = ("web", "feeds", "text")


@pytest.fixture()
def social() -> FakeChannel:
    return FakeChannel("x", False, posts=True)


@pytest.fixture()
def registry(tmp_path: Path, social: FakeChannel) -> Registry:
    settings = Settings(data_dir=tmp_path / "var", output_dir=tmp_path / "site")
    return build_registry(settings, extra={"x": lambda s: social})


def run_due(store: Store, registry: Registry, clock: FixedClock) -> dict[int, str]:
    """One dispatcher tick and the publishes it enqueues, as the worker would run them."""
    return {
        d: services.publish_delivery(store, registry, d, clock=clock)
        for d in services.dispatch_due(store, now=clock())
    }


def states(store: Store, appeal: str) -> dict[tuple[str, int, str], str]:
    return {
        (v.channel, v.part, v.slot): v.state
        for v in services.list_deliveries(store, appeal_id=appeal, now=T0)
    }


def test_import_stores_revisions_only_when_content_changes(store: Store) -> None:
    appeal = sample_appeal("rev-appeal")
    assert services.import_appeal(store, appeal, now=T0) == 1
    assert services.import_appeal(store, appeal, now=T0) == 1
    moved = appeal.model_copy(update={"source": "elsewhere.json", "revision": 7})
    assert services.import_appeal(store, moved, now=T0) == 1
    assert services.import_appeal(store, sample_appeal("rev-appeal", title="Found?"), now=T0) == 2
    current = services.current_appeal(store, "rev-appeal")
    assert (current.revision, current.title) == (2, "Found?")
    with pytest.raises(errors.UnknownAppeal, match="no-such-appeal"):
        services.current_appeal(store, "no-such-appeal")


def test_schedule_conflicts_and_refusals(registry: Registry, store: Store) -> None:
    import_approved(store, sample_appeal("sched"), registry=registry, now=T0)
    at = T0 + timedelta(hours=2)
    ids = services.schedule(store, registry, "sched", ["web", "x"], [at], now=T0)
    with pytest.raises(errors.ScheduleConflict, match=rf"delivery {ids[0]}, scheduled") as err:
        services.schedule(store, registry, "sched", ["web"], [at], now=T0)
    assert err.value.existing == ids[0]
    # Nothing of a conflicting request is kept.
    with pytest.raises(errors.ScheduleConflict):
        services.schedule(store, registry, "sched", ["text", "x"], [at], now=T0)
    assert len(services.list_deliveries(store, now=T0)) == 2
    # Another target is another key; the same instant written in another zone is not.
    services.schedule(store, registry, "sched", ["x"], [at], target="second-account", now=T0)
    with pytest.raises(errors.ScheduleConflict):
        services.schedule(store, registry, "sched", ["x"], [at.astimezone(UTC)], now=T0)
    with pytest.raises(ScheduleError, match="in the past"):
        services.schedule(store, registry, "sched", ["web"], [T0 - timedelta(hours=1)], now=T0)
    with pytest.raises(errors.UnknownAppeal):
        services.schedule(store, registry, "nope", ["web"], [at], now=T0)
    with pytest.raises(ScheduleError):
        services.schedule(store, registry, "sched", [], [at], now=T0)


def test_concurrent_scheduling_of_one_slot_keeps_one(
    registry: Registry, store: Store, make_store: Callable[[], Store]
) -> None:
    import_approved(store, sample_appeal("race"), registry=registry, now=T0)
    at = T0 + timedelta(hours=1)
    stores = [make_store() for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    outcomes: list[str] = []

    def run(s: Store) -> None:
        barrier.wait()
        try:
            services.schedule(s, registry, "race", ["web"], [at], now=T0)
            outcomes.append("ok")
        except errors.ScheduleConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert len(services.list_deliveries(store, now=T0)) == 1


def test_campaign_groups_deliveries(registry: Registry, store: Store) -> None:
    import_approved(store, sample_appeal("camp"), registry=registry, now=T0)
    times = [T0 + timedelta(days=d) for d in (1, 2)]
    ids = services.schedule(
        store, registry, "camp", ["x"], times, campaign="camp-2020", rule="--every 1d", now=T0
    )
    with store.session() as session:
        campaign = session.scalars(select(CampaignRow)).one()
        rows = session.scalars(select(DeliveryRow).where(DeliveryRow.id.in_(ids))).all()
        assert (campaign.slug, campaign.rule, campaign.channels) == ("camp-2020", "--every 1d", "x")
        assert {r.campaign_id for r in rows} == {campaign.id}
    import_approved(store, sample_appeal("other"), registry=registry, now=T0)
    with pytest.raises(errors.ScheduleConflict, match="camp-2020"):
        services.schedule(store, registry, "other", ["x"], times, campaign="camp-2020", now=T0)


def test_publish_update_resolve_withdraw(
    store: Store, registry: Registry, social: FakeChannel, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    clock = FixedClock(T0)
    keep = sample_appeal("keep-me", area="Other Shire")
    import_approved(store, keep, registry=registry, now=clock())
    services.publish_now(store, registry, "keep-me", ["web", "feeds"], now=clock())
    appeal = sample_appeal("the-appeal")
    import_approved(store, appeal, registry=registry, now=clock())
    services.publish_now(store, registry, "the-appeal", [*FILES, "x"], now=clock())
    later = services.schedule(
        store, registry, "the-appeal", ["x", "web"], [T0 + timedelta(days=3)], now=clock()
    )
    assert set(run_due(store, registry, clock).values()) == {"published"}
    page = site / "news" / "the-appeal" / "index.html"
    assert appeal.title in page.read_text()
    assert "the-appeal" in (site / "feeds" / "rss.xml").read_text()
    assert (site / "news" / "the-appeal" / "index.txt").is_file()
    assert "the-appeal" in (site / "index.html").read_text()
    assert social.published_appeals == [("the-appeal", 1)]

    # Update: nothing changes until someone approves it; then files republished at once, and
    # an UPDATE reply to the first x post.
    clock.advance(hours=1)
    updated = sample_appeal("the-appeal", title="Sam Example: new sighting")
    assert (
        services.update_appeal(store, updated, now=clock(), social_update=True, registry=registry)
        == 2
    )
    assert run_due(store, registry, clock) == {}
    assert "new sighting" not in page.read_text()
    approve_current(store, "the-appeal", registry=registry, now=clock())
    done = run_due(store, registry, clock)
    assert sorted(done.values()) == ["published"] * 4
    assert "Sam Example: new sighting" in page.read_text()
    assert "new sighting" in (site / "feeds" / "rss.xml").read_text()
    assert social.published_appeals[-1] == ("the-appeal", 2)
    assert social.targets[-1].reply_to == "x-1"
    update_part = states(store, "the-appeal")
    assert update_part[("x", services.PART_UPDATE, "update-r2")] == "published"

    # Resolve: pending x cancelled; files republished with the resolution line.
    clock.advance(hours=1)
    assert (
        services.resolve_appeal(
            store, "the-appeal", "Sam has been found.", now=clock(), registry=registry
        )
        == 3
    )
    current = states(store, "the-appeal")
    x_later = [k for k, v in current.items() if k[0] == "x" and v == "cancelled"]
    assert len(x_later) == 1
    assert services.list_deliveries(
        store, states=["scheduled"], appeal_id="the-appeal", now=clock()
    )
    done = run_due(store, registry, clock)
    assert sorted(done.values()) == ["published"] * 3
    assert "Sam has been found." in page.read_text()
    assert "Sam has been found." in (site / "news" / "the-appeal" / "index.txt").read_text()
    with pytest.raises(RecordInvalid, match="resolution"):
        services.resolve_appeal(store, "the-appeal", "  ", now=clock(), registry=registry)

    # Withdraw: every pending delivery cancelled; page gone; feeds and index without it; the
    # index of its area, where it was the only appeal, gone too (no title lingers there).
    area_page = site / "areas" / appeal.area_slug / "index.html"
    other_area = site / "areas" / keep.area_slug / "index.html"
    assert appeal.area_slug != keep.area_slug
    assert "news/the-appeal/" in area_page.read_text() and other_area.is_file()
    clock.advance(hours=1)
    services.withdraw_appeal(store, "the-appeal", now=clock(), registry=registry)
    cancelled = {v.id for v in services.list_deliveries(store, states=["cancelled"], now=T0)}
    assert set(later) <= cancelled
    done = run_due(store, registry, clock)
    assert sorted(done.values()) == ["published"] * 3
    assert not page.exists()
    assert not area_page.exists() and other_area.is_file()
    assert "the-appeal" not in (site / "feeds" / "rss.xml").read_text()
    assert "keep-me" in (site / "feeds" / "rss.xml").read_text()
    assert "the-appeal" not in (site / "index.html").read_text()
    assert "keep-me" in (site / "index.html").read_text()
    text = (site / "news" / "the-appeal" / "index.txt").read_text()
    assert "withdrawn" in text and "Sam" not in text
    # Withdrawing twice is harmless; a withdrawn appeal cannot be scheduled or updated.
    services.withdraw_appeal(store, "the-appeal", now=clock(), registry=registry)
    with pytest.raises(errors.InvalidTransition):
        services.publish_now(store, registry, "the-appeal", ["web"], now=clock())
    with pytest.raises(errors.InvalidTransition):
        services.update_appeal(store, updated, now=clock(), registry=registry)
    assert len(social.calls) == 2


def test_a_claimed_social_post_of_a_withdrawn_appeal_is_cancelled(
    store: Store, registry: Registry, social: FakeChannel
) -> None:
    import_approved(store, sample_appeal("gone"), registry=registry, now=T0)
    [d] = services.publish_now(store, registry, "gone", ["x"], now=T0)
    assert services.dispatch_due(store, now=T0) == [d]
    # The appeal is withdrawn between the claim and the publish (which cancels the claim).
    services.withdraw_appeal(store, "gone", now=T0, registry=registry)
    assert services.publish_delivery(store, registry, d, now=T0) == "cancelled"
    assert social.calls == []


def test_reconcile(registry: Registry, store: Store) -> None:
    import_approved(store, sample_appeal("stuck"), registry=registry, now=T0)
    ids = services.publish_now(store, registry, "stuck", ["web", "x", "text", "feeds"], now=T0)
    services.dispatch_due(store, now=T0)
    claimed_id, sending_social, sending_files, overdue = ids
    with store.session() as session:
        for delivery, idempotent in ((sending_social, False), (sending_files, True)):
            row = session.get(DeliveryRow, delivery)
            assert row is not None
            row.state, row.sending_at, row.idempotent = "sending", T0, idempotent
        row = session.get(DeliveryRow, overdue)
        assert row is not None
        row.state = "scheduled"
    report = services.reconcile(
        store, now=T0 + timedelta(seconds=100), claimed_timeout=300, sending_timeout=600
    )
    assert report == services.ReconcileReport(overdue=0)
    report = services.reconcile(
        store,
        now=T0 + timedelta(minutes=11),
        claimed_timeout=timedelta(minutes=5),
        sending_timeout=timedelta(minutes=10),
    )
    assert report.requeued == (claimed_id,)
    assert report.rerun == (sending_files,)
    assert report.unknown == (sending_social,)
    # The requeued one is overdue too: it was due 11 minutes ago.
    assert report.overdue_ids == (claimed_id, overdue)
    assert {v.id: v.state for v in services.list_deliveries(store, now=T0)} == {
        claimed_id: "scheduled",
        sending_social: "unknown",
        sending_files: "scheduled",
        overdue: "scheduled",
    }
    views = services.list_deliveries(store, now=T0 + timedelta(minutes=11))
    assert {v.id for v in views if v.overdue} == {claimed_id, overdue}


def test_operator_transitions(registry: Registry, store: Store) -> None:
    import_approved(store, sample_appeal("ops"), registry=registry, now=T0)
    [d] = services.schedule(store, registry, "ops", ["x"], [T0 + timedelta(hours=1)], now=T0)
    with pytest.raises(errors.InvalidTransition, match=f"delivery {d} is scheduled"):
        services.retry(store, d, now=T0)
    with pytest.raises(errors.InvalidTransition):
        services.confirm(store, d, published=True, now=T0)
    assert services.cancel(store, d, now=T0) == "cancelled"
    with pytest.raises(errors.InvalidTransition, match="cancelled"):
        services.cancel(store, d, now=T0)
    with pytest.raises(errors.UnknownDelivery):
        services.cancel(store, 999999, now=T0)
    with pytest.raises(errors.InvalidTransition, match="unknown state"):
        services.list_deliveries(store, states=["bogus"], now=T0)


def test_system_status(registry: Registry, store: Store) -> None:
    report = services.system_status(store, now=T0, broker_depth=None, workers_alive=None)
    assert not report.healthy
    assert "never ticked" in report.problems[0]
    services.record_heartbeat(store, services.DISPATCHER_HEARTBEAT, now=T0)
    services.record_heartbeat(store, services.DISPATCHER_HEARTBEAT, now=T0 + timedelta(seconds=2))
    report = services.system_status(
        store, now=T0 + timedelta(seconds=3), broker_depth=0, workers_alive=1
    )
    assert report.healthy, report.problems
    assert report.last_tick == T0 + timedelta(seconds=2)
    assert report.counts["scheduled"] == 0
    import_approved(store, sample_appeal("late"), registry=registry, now=T0)
    services.publish_now(store, registry, "late", ["web"], now=T0)
    report = services.system_status(
        store, now=T0 + timedelta(minutes=5), workers_alive=0, dispatch_interval=600
    )
    assert not report.healthy
    assert report.overdue == 1 and report.counts["scheduled"] == 1
    assert any("no worker" in p for p in report.problems)
    assert any("overdue" in p for p in report.problems)


def test_real_x_channel_dry_run_posts_the_thread_then_an_update(
    store: Store, tmp_path: Path
) -> None:
    """The built-in x channel without credentials writes to the outbox (a dry run): the
    resolution goes out as an "UPDATE" reply rendered by ``render_update``."""
    import json

    settings = Settings(data_dir=tmp_path / "var", output_dir=tmp_path / "site")
    registry = build_registry(settings)
    clock = FixedClock(T0)
    import_approved(store, sample_appeal("x-appeal"), registry=registry, now=clock())
    services.publish_now(store, registry, "x-appeal", ["x"], now=clock())
    [pending] = services.schedule(
        store, registry, "x-appeal", ["x"], [T0 + timedelta(days=1)], now=clock()
    )
    assert set(run_due(store, registry, clock).values()) == {"published"}
    outbox = settings.outbox_dir / "x.jsonl"
    first = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert first and first[0]["part"] == 1 and first[0]["revision"] == 1

    clock.advance(hours=2)
    services.resolve_appeal(
        store, "x-appeal", "Sam has been found.", now=clock(), social_update=True, registry=registry
    )
    assert {v.id: v.state for v in services.list_deliveries(store, now=clock())}[pending] == (
        "cancelled"
    )
    assert set(run_due(store, registry, clock).values()) == {"published"}
    records = [json.loads(line) for line in outbox.read_text().splitlines()]
    update = records[len(first) :]
    assert len(update) == 1
    assert update[0]["text"].startswith("UPDATE: Sam has been found.")
    assert update[0]["revision"] == 2


def test_concurrent_imports_of_a_new_appeal_make_one_revision(
    store: Store, make_store: Callable[[], Store]
) -> None:
    appeal = sample_appeal("imported-twice")
    stores = [make_store() for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    revisions: list[int] = []
    errors: list[BaseException] = []

    def run(s: Store) -> None:
        barrier.wait()
        try:
            revisions.append(services.import_appeal(s, appeal, now=T0))
        except BaseException as exc:
            errors.append(exc)
            raise

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert revisions == [1, 1, 1, 1]
    assert services.current_appeal(store, "imported-twice").revision == 1


def test_the_lint_gate_holds_for_every_entry_point(
    store: Store, registry: Registry, tmp_path: Path
) -> None:
    """No CLI here: the services themselves refuse an appeal with accessibility errors."""
    good = sample_appeal("gated")
    image = good.image.model_copy(update={"alt": "image"}) if good.image else None
    assert image is not None
    bad = good.model_copy(update={"image": image})
    services.import_appeal(store, bad, now=T0)  # importing is not publishing
    at = T0 + timedelta(hours=1)
    # Approving runs the checks: a revision with errors cannot be approved.
    with pytest.raises(errors.NotReadyToPublish, match=r"\[alt-text-meaningless\]") as refused:
        approve_current(store, "gated", registry=registry, now=T0)
    assert refused.value.exit_code == 1
    assert any("fix:" in line for line in refused.value.errors)
    assert services.approval_status(store, "gated").approval is None
    with pytest.raises(errors.NotReadyToPublish):
        services.schedule(store, registry, "gated", ["web", "x"], [at], now=T0)
    with pytest.raises(errors.NotReadyToPublish):
        services.publish_now(store, registry, "gated", ["web"], now=T0)
    with pytest.raises(errors.NotReadyToPublish):
        services.publish_everywhere(store, registry, [bad], approved_by="command line", now=T0)
    assert services.list_deliveries(store, appeal_id="gated", now=T0) == []

    # Fixed and approved, it goes through. A new revision with the error again is stored (a
    # draft can be saved and fixed) but cannot be approved: the good one stays live.
    services.import_appeal(store, good, now=T0)
    approve_current(store, "gated", registry=registry, now=T0)
    assert services.schedule(store, registry, "gated", ["web"], [at], now=T0)
    assert services.update_appeal(store, bad, registry, now=T0) == 3
    with pytest.raises(errors.NotReadyToPublish):
        approve_current(store, "gated", registry=registry, now=T0)
    standing = services.approval_status(store, "gated")
    assert (standing.current, standing.live, standing.waiting) == (3, 2, True)
    assert services.check_ready(good, registry).appeal_id == "gated"
