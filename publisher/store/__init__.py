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

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from publisher.errors import Unavailable
from publisher.store import site_log
from publisher.store.appeals import site_appeals
from publisher.store.db import READ_ONLY, DatabaseURLError, make_engine, migrate, normalize_url
from publisher.store.models import DeliveryState

__all__ = ["DatabaseURLError", "DeliveryState", "ReadOnlySession", "Store", "site_appeals"]


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
        options: dict[str, Any] = {READ_ONLY: True}
        if self.engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        self._readers = sessionmaker(
            self.engine.execution_options(**options), expire_on_commit=False
        )
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
        them wait; on PostgreSQL it is ``READ ONLY``. Asking it to write raises
        :class:`ReadOnlySession`.

        A database that cannot be reached (or answers that it cannot work) is
        :class:`~publisher.errors.Unavailable`, naming the database without its password.
        """
        session = self._readers() if read_only else self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            where = self.engine.url.render_as_string(hide_password=True)
            raise Unavailable(f"the database {where} is unavailable: {exc.orig}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (Alembic ``upgrade head``)."""
        migrate(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection (call before forking, and at the end of tests)."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"
