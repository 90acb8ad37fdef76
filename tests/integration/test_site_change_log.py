"""Issue 11: a worker that holds a site reads only what changed since it last looked (the site
change log, :mod:`publisher.store.site_log`), and still never misses a change another process
made: two workers (two Stores and two sets of channels on one database, as two processes)
publish in turn, and the site they leave is byte for byte the one a fresh worker renders from
the database. SQLite and PostgreSQL in turn."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from publisher import services
from publisher.bootstrap import build_registry
from publisher.channel.registry import Registry
from publisher.settings import Settings
from publisher.store import Store, ledger, site_appeals, site_log
from publisher.store.models import SiteChangeRow
from publisher.testing import FakeChannel
from tests.integration.db_fixtures import sample_appeal
from tests.support.approving import approve_current

T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
SITE_CHANNELS = ("web", "feeds")
AREAS = ("Derbyshire", "High Peak", "Erewash")


def _registry(root: Path, name: str) -> Registry:
    return build_registry(Settings(data_dir=root / f"var-{name}", output_dir=root / "site"))


def _changes(store: Store) -> list[tuple[int, str]]:
    with store.session(read_only=True) as session:
        rows = session.execute(
            select(SiteChangeRow.seq, SiteChangeRow.appeal_id).order_by(SiteChangeRow.seq)
        )
        return [(seq, appeal_id) for seq, appeal_id in rows]


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _fresh_site(
    store_url: str, registry: Registry, *, pages: bool, channels: Sequence[str] = SITE_CHANNELS
) -> dict[str, bytes]:
    """What a fresh worker renders from the database: every site file of ``channels`` (and
    with ``pages``, the pages of every appeal in the site), by channels that remember
    nothing."""
    fresh = Store(store_url)
    try:
        expected: dict[str, bytes] = {}
        for name in channels:
            channel = registry.get(name)
            with fresh.session(read_only=True) as session:
                appeals = list(site_appeals(session, channel=name, target="default"))
            for appeal in appeals if pages else ():
                for item in channel.render(appeal, registry.context).files:
                    expected[item.path] = item.content
            for item in channel.render_site(appeals, registry.context).files:
                expected[item.path] = item.content
        return expected
    finally:
        fresh.dispose()


def test_two_workers_publishing_in_turn_leave_the_site_a_fresh_render_makes(
    store: Store, make_store: Callable[[], Store], store_url: str, tmp_path: Path
) -> None:
    rng = random.Random(11)
    workers = [(store, _registry(tmp_path, "a")), (make_store(), _registry(tmp_path, "b"))]
    editor = make_store()  # the web app: imports, approves, withdraws
    plan_registry = _registry(tmp_path, "editor")
    fresh_registry = _registry(tmp_path, "fresh")
    live: list[str] = []
    withdrawn: set[str] = set()
    at = T0
    for step in range(36):
        at += timedelta(minutes=1)
        action = rng.choice(["new", "new", "revise", "revise", "revise", "withdraw"])
        if action == "new" or not live:
            appeal_id = f"appeal-{step:02d}"
            services.import_appeal(
                editor,
                sample_appeal(appeal_id, title=f"Appeal {step}", area=rng.choice(AREAS)),
                now=at,
            )
            approve_current(editor, appeal_id, registry=plan_registry, now=at)
            services.publish_now(editor, plan_registry, appeal_id, list(SITE_CHANNELS), now=at)
            live.append(appeal_id)
        elif action == "revise":
            appeal_id = rng.choice(live)
            current = services.current_appeal(editor, appeal_id)
            changed = current.model_copy(update={"summary": f"{current.summary} Step {step}."})
            services.import_appeal(editor, changed, now=at)
            approve_current(editor, appeal_id, registry=plan_registry, now=at)
        else:
            appeal_id = live.pop(rng.randrange(len(live)))
            services.withdraw_appeal(editor, appeal_id, plan_registry, now=at)
            withdrawn.add(appeal_id)
        if rng.random() < 0.3 and step < 35:
            # Not yet: the revision is live, and the next delivery of another appeal shows it
            # in the indexes and feeds before its own delivery goes out.
            continue
        for delivery in services.dispatch_due(editor, now=at):
            worker, registry = rng.choice(workers)
            state = services.publish_delivery(worker, registry, delivery, now=at)
            assert state in ("published", "cancelled"), (step, action, delivery, state)
            # Every delivery leaves its channel's site files as a fresh worker makes them.
            with editor.session(read_only=True) as session:
                channel = ledger.get(session, delivery).channel
            on_disk = _files(tmp_path / "site")
            expected = _fresh_site(store_url, fresh_registry, pages=False, channels=[channel])
            assert {p: on_disk.get(p) for p in expected} == expected, (step, action)
    assert withdrawn and len(live) > 5  # the walk did what it is meant to

    on_disk = _files(tmp_path / "site")
    expected = _fresh_site(store_url, fresh_registry, pages=True)
    assert {p: on_disk.get(p) for p in expected} == expected
    # The sites the two workers hold are the ones a fresh store reads.
    fresh = Store(store_url)
    try:
        for name in SITE_CHANNELS:
            with fresh.session(read_only=True) as session:
                want = [
                    (a.id, a.revision)
                    for a in site_appeals(session, channel=name, target="default")
                ]
            for worker, _ in workers:
                with worker.session(read_only=True) as session:
                    got = site_appeals(session, channel=name, target="default")
                assert [(a.id, a.revision) for a in got] == want
    finally:
        fresh.dispose()


def test_a_change_numbered_first_but_committed_last_is_not_missed(
    store: Store, make_store: Callable[[], Store], tmp_path: Path
) -> None:
    """Two transactions change the site at once: the one that takes the first number must
    commit before the other can take the second (the counter row's lock), so a worker that
    reads the log between the commits can never see the second without the first."""
    registry = _registry(tmp_path, "a")
    for appeal_id in ("first", "second"):
        services.import_appeal(store, sample_appeal(appeal_id), now=T0)
    with store.session(read_only=True) as session:
        start = site_log.latest(session)

    first, second = make_store(), make_store()
    entered = threading.Event()
    release = threading.Event()
    outcome: list[BaseException] = []

    def slow_first() -> None:
        try:
            with first.session() as session:
                site_log.note_change(session, ["first"])
                session.flush()
                # Number the change now, as the commit would, then hold the transaction open.
                site_log.write_changes(session)
                entered.set()
                release.wait(10)
        except Exception as exc:  # noqa: BLE001 (reported by the test's thread below)
            outcome.append(exc)

    holder = threading.Thread(target=slow_first)
    holder.start()
    assert entered.wait(10)
    later = threading.Thread(target=lambda: approve_current(second, "second", registry=registry))
    later.start()
    later.join(0.5)
    # The second is held back (PostgreSQL: the counter's row lock; SQLite: the write lock).
    assert later.is_alive()
    with make_store().session(read_only=True) as session:
        assert site_log.changes_since(session, start) == (start, set())
    release.set()
    holder.join(10)
    later.join(20)
    assert not outcome and not later.is_alive()
    with make_store().session(read_only=True) as session:
        assert site_log.changes_since(session, start) == (start + 2, {"first", "second"})
        rows = session.execute(
            select(SiteChangeRow.seq, SiteChangeRow.appeal_id).where(SiteChangeRow.seq > start)
        )
        numbers = {appeal_id: seq for seq, appeal_id in rows}
    assert numbers == {"first": start + 1, "second": start + 2}  # in the order they committed


def test_a_database_that_counts_from_lower_is_read_whole_again(
    store: Store, make_store: Callable[[], Store], tmp_path: Path
) -> None:
    """A database restored from a backup counts from an earlier number than a worker saw: the
    worker reads the whole site again rather than wait for changes it would never see."""
    registry = _registry(tmp_path, "a")
    for appeal_id in ("kept", "lost"):
        services.import_appeal(store, sample_appeal(appeal_id), now=T0)
        approve_current(store, appeal_id, registry=registry, now=T0)
        services.publish_now(store, registry, appeal_id, ["web"], now=T0)
    for delivery in services.dispatch_due(store, now=T0):
        assert services.publish_delivery(store, registry, delivery, now=T0) == "published"
    with store.session(read_only=True) as session:
        assert [a.id for a in site_appeals(session, channel="web", target="default")] == [
            "kept",
            "lost",
        ]
    # "The backup": from before "lost" was published, and before the changes were numbered.
    with make_store().engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM attempts")
        conn.exec_driver_sql("DELETE FROM deliveries WHERE appeal_id = 'lost'")
        conn.exec_driver_sql("DELETE FROM site_changes")
        conn.exec_driver_sql("UPDATE site_counter SET value = 0")
    with store.session(read_only=True) as session:
        assert [a.id for a in site_appeals(session, channel="web", target="default")] == ["kept"]


def test_a_session_older_than_the_site_held_gets_the_newer_site(
    store: Store, make_store: Callable[[], Store], tmp_path: Path
) -> None:
    """On SQLite a read transaction sees the database as it was when it began: one that began
    before another thread brought the site up to date gets that newer site, and the site is
    not read whole again (nor goes back)."""
    registry = _registry(tmp_path, "a")

    def publish(appeal_id: str) -> None:
        services.import_appeal(make_store(), sample_appeal(appeal_id), now=T0)
        approve_current(make_store(), appeal_id, registry=registry, now=T0)
        services.publish_now(make_store(), registry, appeal_id, ["web"], now=T0)
        for delivery in services.dispatch_due(make_store(), now=T0):
            assert services.publish_delivery(make_store(), registry, delivery, now=T0) == (
                "published"
            )

    publish("first")
    with store.session(read_only=True) as old:
        assert [a.id for a in site_appeals(old, channel="web", target="default")] == ["first"]
        publish("second")
        with store.session(read_only=True) as new:
            newer = site_appeals(new, channel="web", target="default")
        assert [a.id for a in newer] == ["first", "second"]
        assert site_appeals(old, channel="web", target="default") is newer


def test_a_snapshot_tells_what_changed_since_one_a_few_changes_back(
    store: Store, make_store: Callable[[], Store], tmp_path: Path
) -> None:
    """A channel that rendered the site a few changes ago (or that snapshot plus the appeal it
    published) learns from the newest snapshot which ids changed: the store keeps the last
    few alive, so the chain between them holds."""
    import gc

    registry = _registry(tmp_path, "a")
    editor = make_store()

    def publish(appeal_id: str) -> None:
        services.import_appeal(editor, sample_appeal(appeal_id), now=T0)
        approve_current(editor, appeal_id, registry=registry, now=T0)
        services.publish_now(editor, registry, appeal_id, ["web"], now=T0)
        for delivery in services.dispatch_due(editor, now=T0):
            assert services.publish_delivery(editor, registry, delivery, now=T0) == "published"

    publish("one")
    services.import_appeal(editor, sample_appeal("two"), now=T0)
    approve_current(editor, "two", registry=registry, now=T0)
    with store.session(read_only=True) as session:
        rendered = site_appeals(session, channel="web", target="default", including="two")
    assert [a.id for a in rendered] == ["one", "two"]
    publish("two")
    with store.session(read_only=True) as session:
        site_appeals(session, channel="web", target="default")
    publish("three")
    publish("four")
    gc.collect()
    with store.session(read_only=True) as session:
        newest = site_appeals(session, channel="web", target="default")
    assert [a.id for a in newest] == ["four", "one", "three", "two"]
    assert newest.changed_since(rendered) == {"two", "three", "four"}


def test_only_a_site_channel_s_publication_is_a_site_change(
    store: Store, make_store: Callable[[], Store], tmp_path: Path
) -> None:
    """A delivery published on a channel that writes no site files (a social post) changes no
    site (a site is the appeals published on its own channel and target), so it writes no
    change row and takes no number: the deliveries of every other channel never queue for
    the counter row's lock. One on a site channel (web) does, once."""
    social = FakeChannel("social")
    registry = build_registry(
        Settings(data_dir=tmp_path / "var", output_dir=tmp_path / "site"),
        extra={"social": lambda settings: social},
    )
    assert not social.writes_site_files and registry.get("web").writes_site_files
    worker = make_store()  # holds the web site throughout, as a worker process would
    services.import_appeal(store, sample_appeal("on-the-web"), now=T0)
    approve_current(store, "on-the-web", registry=registry, now=T0)
    services.import_appeal(store, sample_appeal("social-only"), now=T0)
    approve_current(store, "social-only", registry=registry, now=T0)
    with worker.session(read_only=True) as session:
        assert list(site_appeals(session, channel="web", target="default")) == []
    before = _changes(store)
    with store.session(read_only=True) as session:
        counted = site_log.latest(session)

    services.publish_now(store, registry, "social-only", ["social"], now=T0)
    services.publish_now(store, registry, "on-the-web", ["social"], now=T0)
    for delivery in services.dispatch_due(store, now=T0):
        assert services.publish_delivery(store, registry, delivery, now=T0) == "published"
    assert len(social.published) == 2
    assert _changes(store) == before
    with store.session(read_only=True) as session:
        assert site_log.latest(session) == counted

    services.publish_now(store, registry, "on-the-web", ["web"], now=T0)
    [web] = services.dispatch_due(store, now=T0)
    assert services.publish_delivery(store, registry, web, now=T0) == "published"
    assert _changes(store) == [*before, (counted + 1, "on-the-web")]
    # The worker holding the web site reads that one change, and the site is what a fresh
    # store reads: the appeal published only on the social channel is not in it.
    with worker.session(read_only=True) as session:
        held = [a.id for a in site_appeals(session, channel="web", target="default")]
    fresh = make_store()
    with fresh.session(read_only=True) as session:
        assert [a.id for a in site_appeals(session, channel="web", target="default")] == held
    assert held == ["on-the-web"]
