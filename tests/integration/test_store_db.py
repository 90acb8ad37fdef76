"""The schema, its migrations and the UTC time type, on SQLite and PostgreSQL."""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from publisher.channel.registry import Registry
from publisher.store import DatabaseURLError, ReadOnlySession, Store
from publisher.store.db import (
    MIGRATIONS_DIR,
    alembic_config,
    make_engine,
    migrate,
    normalize_url,
)
from publisher.store.models import AppealRow, Base, DeliveryRow, HeartbeatRow

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2020, 10, 20, 6, 15, tzinfo=UTC)


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    names = set(inspect(store.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= names


def _head() -> str:
    """The newest migration, as Alembic reads the scripts shipped in the package."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_migrate_is_idempotent_and_reversible(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate(url)
    migrate(url)
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == _head()
        with store.engine.connect() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
            conn.commit()
        assert "deliveries" not in inspect(store.engine).get_table_names()
        store.migrate()
        assert "deliveries" in inspect(store.engine).get_table_names()
    finally:
        store.dispose()


def test_migrations_are_package_data() -> None:
    """The migrations ship in the wheel: every file is matched by a package-data pattern."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["publisher"]
    files = [
        p.relative_to(REPO / "publisher").as_posix()
        for p in MIGRATIONS_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert "migrations/env.py" in files
    assert any(f.startswith("migrations/versions/") for f in files)
    for name in files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


def test_times_come_back_aware_utc(store: Store) -> None:
    summer = datetime(2020, 10, 20, 7, 15, tzinfo=timezone(timedelta(hours=1)))
    with store.session() as session:
        session.add(HeartbeatRow(name="t", at=summer, detail=None))
    with store.session() as session:
        row = session.get(HeartbeatRow, "t")
        assert row is not None
        assert row.at == summer
        assert row.at.utcoffset() == timedelta(0)
        assert row.at.hour == 6
    # Comparisons in SQL use UTC too.
    with store.session() as session:
        found = session.scalars(
            select(HeartbeatRow.name).where(HeartbeatRow.at < T0 + timedelta(seconds=1))
        ).all()
        assert found == ["t"]


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"), store.session() as session:
        session.add(HeartbeatRow(name="n", at=datetime(2020, 1, 1), detail=None))
        session.flush()


def _delivery(slot: str) -> DeliveryRow:
    return DeliveryRow(
        appeal_id="a",
        revision=1,
        channel="web",
        target="default",
        part=0,
        slot=slot,
        due_at=T0,
        state="scheduled",
        attempts=0,
        created_at=T0,
        updated_at=T0,
    )


def test_unique_key_is_enforced_by_the_database(store: Store) -> None:
    with store.session() as session:
        session.add(
            AppealRow(
                id="a", current_revision=1, status="active", area="X", created_at=T0, updated_at=T0
            )
        )
        session.flush()
        session.add(_delivery(T0.isoformat()))
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(_delivery(T0.isoformat()))
        session.flush()
    with store.session() as session:
        session.add(_delivery((T0 + timedelta(days=1)).isoformat()))


def test_foreign_keys_are_on(store: Store) -> None:
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(_delivery("x"))
        session.flush()


def test_sqlite_runs_in_wal_with_a_busy_timeout(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'deep' / 'w.db'}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert store.dialect == "sqlite"
    finally:
        store.dispose()


def test_urls() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    for bad in ("", "mysql://h/db", "postgresql+psycopg2://h/db", "not a url"):
        with pytest.raises(DatabaseURLError):
            normalize_url(bad)


def test_postgres_url_without_driver_works(migrated_postgres_url: str) -> None:
    plain = migrated_postgres_url.replace("postgresql+psycopg://", "postgresql://")
    store = Store(plain)
    try:
        assert store.dialect == "postgresql"
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
    finally:
        store.dispose()


def _backend_pid(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    killer = make_engine(url)
    try:
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    finally:
        killer.dispose()


def test_a_pooled_postgres_connection_idle_too_long_is_checked_and_replaced(
    migrated_postgres_url: str,
) -> None:
    """A connection the server cut while it sat in the pool (a restart, a proxy's idle
    timeout) is found dead at checkout and replaced: the caller never sees it. Here every
    connection counts as idle (``ping_idle_after=0``)."""
    engine = make_engine(migrated_postgres_url, ping_idle_after=0.0)
    try:
        first = _backend_pid(engine)
        _terminate(migrated_postgres_url, first)
        second = _backend_pid(engine)  # the pool's connection was dead: a new one answers
        assert second != first
    finally:
        engine.dispose()


def test_a_postgres_connection_used_a_moment_ago_is_handed_out_without_a_ping(
    migrated_postgres_url: str,
) -> None:
    """The other side of the rule: within ``ping_idle_after`` of its last use a connection is
    handed out unchecked (no round trip before each of a worker's transactions), so one cut
    in that window fails its statement, as it would were it cut mid-transaction."""
    engine = make_engine(migrated_postgres_url, ping_idle_after=3600.0)
    try:
        first = _backend_pid(engine)
        _terminate(migrated_postgres_url, first)
        with pytest.raises(OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != first  # the dead one was discarded
    finally:
        engine.dispose()


def test_site_appeals_reads_only_records_it_has_not_met(registry: Registry, store: Store) -> None:
    from sqlalchemy import event

    from publisher import services
    from publisher.store import site_appeals
    from publisher.store.models import DeliveryRow
    from tests.integration.db_fixtures import sample_appeal
    from tests.support.approving import approve_current

    for name in ("on-web", "on-feeds", "pending", "withdrawn-one", "other-target"):
        services.import_appeal(store, sample_appeal(name), now=T0)
        approve_current(store, name, registry=registry, now=T0)
    services.import_appeal(store, sample_appeal("on-web", title="Second"), now=T0)
    approve_current(store, "on-web", registry=registry, now=T0)
    # A third revision nobody has approved: it must not reach the site.
    services.import_appeal(store, sample_appeal("on-web", title="<b>Draft</b>"), now=T0)
    plan = {
        "on-web": ("web", "default", "published"),
        "on-feeds": ("feeds", "default", "published"),
        "pending": ("web", "default", "scheduled"),
        "withdrawn-one": ("web", "default", "published"),
        "other-target": ("web", "elsewhere", "published"),
    }
    with store.session() as session:
        for appeal_id, (channel, target, state) in plan.items():
            row = _delivery(f"{appeal_id}-slot")
            row.appeal_id, row.channel, row.target, row.state = appeal_id, channel, target, state
            session.add(row)
        session.flush()
        assert session.query(DeliveryRow).count() == 5
    services.withdraw_appeal(store, "withdrawn-one", now=T0, registry=registry)

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        with store.session() as session:
            statements.clear()
            found = site_appeals(session, channel="web", target="default", including="pending")
            # The newest site change, which revisions are live, the records of those not met
            # before; then the same for the appeal being published (not in the site yet).
            assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 5
            statements.clear()
            site_appeals(session, channel="web", target="default", including="pending")
            # The changes since (none), and the live revision of the appeal being published.
            [changes, pending] = statements
            assert "site_changes" in changes and "appeals.live_revision" in pending
            assert "record_json" not in changes + pending  # no record text read again
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert [(a.id, a.revision, a.status.value) for a in found] == [
        ("on-web", 2, "active"),
        ("pending", 1, "active"),
        ("withdrawn-one", 2, "withdrawn"),
    ]
    assert found[0].title == "Second"

    # The next delivery reads the same records without validating any of them again.
    from publisher.domain.record import Appeal

    calls: list[str] = []
    validate = Appeal.from_json

    def counting(text: str | bytes) -> Appeal:
        calls.append(str(text))
        return validate(text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Appeal, "from_json", counting)
        with store.session() as session:
            again = site_appeals(session, channel="web", target="default", including="pending")
    assert again == found and not calls
    assert all(a is b for a, b in zip(again, found, strict=True))  # the same objects

    # A new live revision: only its record is read and validated.
    services.import_appeal(store, sample_appeal("pending", title="Pending, changed"), now=T0)
    approve_current(store, "pending", registry=registry, now=T0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Appeal, "from_json", counting)
        with store.session() as session:
            changed = site_appeals(session, channel="web", target="default", including="pending")
    assert len(calls) == 1 and "Pending, changed" in calls[0]
    assert [(a.id, a.revision) for a in changed] == [
        ("on-web", 2),
        ("pending", 2),
        ("withdrawn-one", 2),
    ]
    assert changed[0] is found[0] and changed[2] is found[2]

    # The worker's checks (Store.reading: a session bound to one connection, a new one each
    # time) share their engine's records and site: the readers' engine meets each record
    # once (on PostgreSQL it is an engine of its own), and never again.
    validated = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Appeal, "from_json", counting)
        for _ in range(3):
            with store.reading() as reading:
                again = site_appeals(
                    reading.session, channel="web", target="default", including="pending"
                )
            assert [(a.id, a.revision) for a in again] == [(a.id, a.revision) for a in changed]
            validated.append(len(calls))
    assert validated[0] <= 1 + 3 and validated[1] == validated[2] == validated[0]
    del calls[1:]

    # Another database (its own engine) never shares the records of this one.
    other = Store(store.url)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Appeal, "from_json", counting)
            with other.session() as session:
                site_appeals(session, channel="web", target="default", including="pending")
        assert len(calls) == 4
    finally:
        other.dispose()


def test_a_read_only_session_takes_no_write_lock_and_refuses_writes(
    store: Store, make_store: Callable[[], Store]
) -> None:
    """Issue 11: checks that only read must not queue for SQLite's write lock. Another store
    holds the write lock (BEGIN IMMEDIATE) while a read-only session reads: were it to ask for
    the lock it would wait out the busy timeout and fail as unavailable. Writing in one is a
    bug, refused whatever the statement."""
    with store.session() as session:
        session.add(HeartbeatRow(name="dispatcher", at=T0))
    other = make_store()
    with other.session() as holder:
        holder.execute(update(HeartbeatRow).values(at=T0 + timedelta(seconds=1)))  # lock held
        with store.session(read_only=True) as session:
            assert session.scalars(select(HeartbeatRow.at)).one() == T0
    with pytest.raises(ReadOnlySession), store.session(read_only=True) as session:
        session.execute(update(HeartbeatRow).values(at=T0))
    with pytest.raises(ReadOnlySession), store.session(read_only=True) as session:
        session.add(HeartbeatRow(name="worker", at=T0))
    with pytest.raises(ReadOnlySession), store.session(read_only=True) as session:
        session.execute(text("DELETE FROM heartbeats"))
    with store.session(read_only=True) as session:
        assert session.scalars(select(HeartbeatRow.name)).all() == ["dispatcher"]


def test_postgresql_readers_are_read_only_at_the_server_and_writers_are_not(
    migrated_postgres_url: str,
) -> None:
    """Issue 11: PostgreSQL's readers autocommit (a read is one round trip), on connections the
    server itself keeps read-only: a write sent past the ORM's guard, on the connection, is
    refused by the server, on every connection the readers' pool hands out, and an autocommit
    write rolls nothing back that it did not do. The writers' connections stay writable."""
    store = Store(migrated_postgres_url)
    try:
        assert store.autocommits and len(store.engines) == 3
        for _ in range(2):  # the pooled connection again: the setting outlives a checkin
            with (
                pytest.raises(DBAPIError, match="read-only transaction"),
                store.session(read_only=True) as session,
            ):
                session.connection().execute(text("DELETE FROM heartbeats"))
        with store.session(read_only=True) as session:
            assert session.connection().execute(text("SHOW transaction_read_only")).scalar() == (
                "on"
            )
        with store.autocommit() as connection:
            connection.execute(insert(HeartbeatRow).values(name="autocommitted", at=T0))
            assert connection.execute(text("SHOW transaction_read_only")).scalar() == "off"
        with store.session() as session:  # committed by the statement itself
            assert "autocommitted" in session.scalars(select(HeartbeatRow.name)).all()
            session.execute(delete(HeartbeatRow).where(HeartbeatRow.name == "autocommitted"))
    finally:
        store.dispose()


def test_sqlite_has_no_autocommit_connections(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        assert not store.autocommits and store.engines == (store.engine,)
        with pytest.raises(RuntimeError, match="no autocommit"), store.autocommit():
            pass
    finally:
        store.dispose()
