"""Engines and migrations.

SQLite (the embedded default) runs in WAL mode with a 30 s busy timeout and foreign keys on;
every transaction that may write starts with ``BEGIN IMMEDIATE`` so that two processes never
discover half-way through a transaction that they cannot write (SQLite's
``SQLITE_BUSY_SNAPSHOT``): writers queue on the busy timeout instead. A read-only transaction
(a connection with the :data:`READ_ONLY` execution option, see ``Store.session``) starts with a
plain deferred ``BEGIN``: in WAL mode it reads a snapshot and takes no write lock, so checks
never queue behind, or hold up, the writers. PostgreSQL is reached through psycopg 3, and its
read-only transactions are ``BEGIN READ ONLY`` (the server refuses a write in one). A pooled
PostgreSQL connection is checked (``SELECT 1``) before it is handed out only if it sat in the
pool for more than :data:`PING_IDLE_AFTER` seconds: a connection this process used a moment
ago needs no round trip to prove it is alive (a worker's delivery is three transactions, and a
ping before each was a fifth of its round trips), while one left idle, that a server restart
or a proxy's idle timeout may have cut, is checked and replaced, as ``pool_pre_ping`` would.

Migrations are Alembic's, shipped inside the package (``publisher/migrations``) and run from
code: no ``alembic.ini`` is needed, so they work from an installed wheel.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

from publisher.errors import DatabaseURLError

__all__ = [
    "AUTOCOMMIT",
    "MIGRATIONS_DIR",
    "PING_IDLE_AFTER",
    "READ_ONLY",
    "DatabaseURLError",
    "alembic_config",
    "make_engine",
    "migrate",
    "normalize_url",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "publisher_read_only"
"""The execution option that marks a connection's transactions read-only."""
AUTOCOMMIT = "publisher_autocommit"
"""The execution option that marks a connection whose every statement commits by itself (no
BEGIN or COMMIT is sent: PostgreSQL's readers, and ``Store.autocommit``)."""
PING_IDLE_AFTER = 0.2
"""Seconds a pooled PostgreSQL connection may sit unused and still be handed out unchecked.

Short on purpose. A worker draining a backlog takes a connection every few milliseconds, so it
never pings; a worker whose channel call lasted longer than this (a real network call) has the
connection for the outcome checked first, as ``pool_pre_ping`` did, so a server restart
during the call does not cost the outcome (which, for a social post, would leave the delivery
``unknown`` for a person to confirm). What remains is a restart in the last fraction of a
second before a checkout, about as likely as one during the transaction itself, which no ping
can prevent."""
_LAST_USED = "publisher_last_used"


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` become ``postgresql+psycopg://``; SQLite as given."""
    text = url.strip()
    if not text:
        raise DatabaseURLError("the database URL is empty")
    for prefix in ("postgres://", "postgresql://"):
        if text.startswith(prefix):
            text = "postgresql+psycopg://" + text[len(prefix) :]
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseURLError(f"cannot parse database URL {url!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseURLError(
            f"database URL {parsed.render_as_string(hide_password=True)!r}: only sqlite and "
            "postgresql are supported"
        )
    if backend == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise DatabaseURLError(
            "PostgreSQL is reached through psycopg 3: use postgresql+psycopg:// or postgresql://"
        )
    return text


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Take transaction control away from the sqlite3 module: SQLAlchemy's "begin" event below
    # issues BEGIN IMMEDIATE itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _read_only_session(dbapi_connection: Any, connection_record: Any) -> None:
    # Every transaction on this connection is read-only, at the server, autocommit ones too.
    # Sent outside a transaction, so that no rollback can undo it.
    was = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    finally:
        dbapi_connection.autocommit = was


def make_engine(
    url: str, *, read_only: bool = False, autocommit: bool = False, **kwargs: Any
) -> Engine:
    """An engine for ``url`` with this project's connection settings.

    PostgreSQL only (SQLite's readers share the writers' engine, and it has no autocommit
    engine): ``read_only``, an engine for readers, whose connections the server keeps
    read-only, in autocommit (see the module doc), carrying the :data:`READ_ONLY` and
    :data:`AUTOCOMMIT` execution options; ``autocommit``, one whose connections are always in
    autocommit, carrying :data:`AUTOCOMMIT`."""
    normalized = normalize_url(url)
    parsed = make_url(normalized)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(normalized, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    ping_idle_after = float(kwargs.pop("ping_idle_after", PING_IDLE_AFTER))
    if read_only or autocommit:
        kwargs["isolation_level"] = "AUTOCOMMIT"
        kwargs["execution_options"] = {
            **kwargs.get("execution_options", {}),
            AUTOCOMMIT: True,
            **({READ_ONLY: True} if read_only else {}),
        }
    engine = create_engine(normalized, **kwargs)
    if read_only:
        event.listen(engine, "connect", _read_only_session)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine, ping_idle_after)
    return engine


def _ping_when_idle(engine: Engine, idle_after: float) -> None:
    """Check a pooled connection at checkout if it was last used more than ``idle_after``
    seconds ago; one that does not answer is discarded and the pool hands out another (a
    checkout listener's :class:`~sqlalchemy.exc.DisconnectionError`, SQLAlchemy's documented
    "pessimistic" disconnect handling)."""
    dialect = engine.dialect

    def used(dbapi_connection: Any, connection_record: Any, *args: Any) -> None:
        connection_record.info[_LAST_USED] = time.monotonic()

    def checkout(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
        last = connection_record.info.get(_LAST_USED)
        if last is not None and time.monotonic() - last <= idle_after:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection did not answer: {exc}") from exc
        connection_record.info[_LAST_USED] = time.monotonic()

    event.listen(engine, "connect", used)
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", used)


def alembic_config(url: str | None = None) -> Any:
    """An Alembic ``Config`` built in code, pointing at the migrations inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # '%' must be doubled for configparser interpolation.
        config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def migrate(url: str | Engine, revision: str = "head") -> None:
    """Upgrade the database at ``url`` (or behind ``engine``) to ``revision`` (default head)."""
    from alembic import command

    engine = make_engine(url) if isinstance(url, str) else url
    try:
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    finally:
        if isinstance(url, str):
            engine.dispose()
