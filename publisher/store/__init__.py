"""The store: appeals, their revisions and the delivery ledger, in SQLite or PostgreSQL.

Every query lives in this package: :mod:`~publisher.store.appeals` (records and revisions),
:mod:`~publisher.store.ledger` (every move of a delivery and its attempts),
:mod:`~publisher.store.views` (deliveries as operators see them),
:mod:`~publisher.store.health` (channel status, heartbeats, counts),
:mod:`~publisher.store.audit` (the audit trail), :mod:`~publisher.store.dialect` (the SQLite
and PostgreSQL differences), :mod:`~publisher.store.models` (the schema) and
:mod:`~publisher.store.db` (engines and migrations).

``Store(url)`` builds an engine and a session factory (nothing happens at import time);
``store.session()`` is a unit of work that commits on success and rolls back on error, and
``store.session(read_only=True)`` one that only reads (outside SQLite's write lock).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from publisher.errors import Unavailable
from publisher.store import site_log
from publisher.store.appeals import site_appeals
from publisher.store.db import (
    READ_ONLY,
    DatabaseURLError,
    make_engine,
    migrate,
    normalize_url,
)
from publisher.store.models import DeliveryState

__all__ = [
    "DatabaseURLError",
    "DeliveryState",
    "ReadOnlySession",
    "Reading",
    "Store",
    "site_appeals",
]


class ReadOnlySession(RuntimeError):
    """A read-only session was asked to write: a bug in the caller, never a runtime state."""


def _refuse_writes(state: ORMExecuteState) -> None:
    if not state.is_select:
        raise ReadOnlySession(f"a read-only session cannot run {state.statement!s:.80}")


def _refuse_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySession("a read-only session cannot write changed objects")


def _forget_changes(session: Session, previous_transaction: Any) -> None:
    site_log.forget_changes(session)


class Reading:
    """One read-only unit of work (``Store.reading``): a connection, and a session on it
    built only if asked for."""

    def __init__(self, connection: Connection, sessions: sessionmaker[Session]) -> None:
        self.connection = connection
        self._sessions = sessions
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._sessions(bind=self.connection)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


class Store:
    """One database: an engine, a session factory, and its migrations."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine: Engine = make_engine(self.url)
        # Writing sessions number the site changes they made when they commit (see
        # publisher.store.site_log).
        self._sessions = sessionmaker(
            self.engine, expire_on_commit=False, info={site_log.ARMED: True}
        )
        event.listen(self._sessions, "before_commit", site_log.write_changes)
        event.listen(self._sessions, "after_soft_rollback", _forget_changes)
        # PostgreSQL's readers have an engine of their own, read-only at the server and in
        # autocommit (see publisher.store.db); SQLite's share the writers' engine, each
        # transaction a deferred BEGIN.
        if self.engine.dialect.name == "postgresql":
            self.reader_engine: Engine = make_engine(self.url, read_only=True)
            # A pool of its own: a connection that stays in autocommit costs nothing to hand
            # out, where switching a writer's connection in and out of it at every checkout
            # cost about as much as the statement.
            self._autocommit: Engine | None = make_engine(self.url, autocommit=True)
        else:
            self.reader_engine = self.engine.execution_options(**{READ_ONLY: True})
            self._autocommit = None
        self._readers = sessionmaker(self.reader_engine, expire_on_commit=False)
        event.listen(self._readers, "do_orm_execute", _refuse_writes)
        event.listen(self._readers, "before_flush", _refuse_flush)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A transaction: commit when the block ends normally, roll back when it raises.

        ``read_only``: a transaction that only reads. On SQLite it takes no write lock (a
        deferred ``BEGIN``, reading a WAL snapshot), so it neither waits for writers nor makes
        them wait; on PostgreSQL it runs on a connection the server keeps read-only, each
        statement in autocommit (a snapshot of its own, as at READ COMMITTED in a
        transaction). Asking it to write raises :class:`ReadOnlySession` (the ORM's writes, here;
        any write, at PostgreSQL's server).

        A database that cannot be reached (or answers that it cannot work) is
        :class:`~publisher.errors.Unavailable`, naming the database without its password.
        """
        session = self._readers() if read_only else self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise self._unavailable(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine of this store, each once: the writers', and on PostgreSQL the
        readers' and the autocommit statements' (SQLite's readers share the writers')."""
        if self._autocommit is None:
            return (self.engine,)
        return (self.engine, self.reader_engine, self._autocommit)

    @contextmanager
    def reading(self) -> Iterator[Reading]:
        """A read-only unit of work as in ``session(read_only=True)``, for a hot path: its
        ``connection`` runs Core statements without building an ORM session; its ``session``
        (built on first use, on the same connection, so in the same snapshot on SQLite) serves
        the queries that need one. Errors as in :meth:`session`."""
        try:
            with self.reader_engine.connect() as connection:
                reading = Reading(connection, self._readers)
                try:
                    yield reading
                finally:
                    reading.close()
        except OperationalError as exc:
            raise self._unavailable(exc) from exc

    @property
    def autocommits(self) -> bool:
        """Whether :meth:`autocommit` is available (PostgreSQL)."""
        return self._autocommit is not None

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A connection whose every statement is a transaction of its own (PostgreSQL only:
        see :attr:`autocommits`): no BEGIN or COMMIT is sent, so a step that is one statement
        (a conditional UPDATE with the rows it implies, in data-modifying CTEs) is one round
        trip, and as atomic as in a transaction. Errors as in :meth:`session`."""
        if self._autocommit is None:
            raise RuntimeError(f"{self.dialect} has no autocommit connections in this store")
        try:
            with self._autocommit.connect() as connection:
                yield connection
        except OperationalError as exc:
            raise self._unavailable(exc) from exc

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (Alembic ``upgrade head``)."""
        migrate(self.engine)

    def _unavailable(self, exc: OperationalError) -> Unavailable:
        where = self.engine.url.render_as_string(hide_password=True)
        return Unavailable(f"the database {where} is unavailable: {exc.orig}")

    def dispose(self, *, close: bool = True) -> None:
        """Close every pooled connection (call before forking, and at the end of tests);
        ``close=False`` in a forked child drops the parent's without closing them."""
        for engine in self.engines:
            engine.dispose(close=close)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"
