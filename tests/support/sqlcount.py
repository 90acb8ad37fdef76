"""Counting what a store does: transactions (write and read-only) and SQL round trips, with
SQLAlchemy's own events on a real engine. A count, not a timing: tests may assert it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from publisher.store import Store
from publisher.store.db import AUTOCOMMIT, READ_ONLY

__all__ = ["SQLCount", "counting"]


@dataclass
class SQLCount:
    """What one store did while :func:`counting` watched it."""

    writes: int = 0
    """Transactions that may write (on SQLite each takes the write lock: BEGIN IMMEDIATE); on
    an autocommit connection (PostgreSQL), each statement is one."""
    reads: int = 0
    """Read-only transactions (SQLite: a deferred BEGIN, no write lock); on PostgreSQL's
    readers, which autocommit on a read-only connection, each ``store.session(read_only=True)``
    block (each statement in it reads a snapshot of its own, as it would at READ COMMITTED
    inside a transaction)."""
    statements: int = 0
    """SQL statements sent, BEGIN, COMMIT and ROLLBACK not included."""
    begins: int = 0
    """BEGINs sent (none on an autocommit connection)."""
    ends: int = 0
    """COMMITs and ROLLBACKs sent (none on an autocommit connection)."""

    @property
    def round_trips(self) -> int:
        """Everything sent to the database: each statement, each BEGIN, each COMMIT."""
        return self.statements + self.begins + self.ends


@contextmanager
def counting(store: Store) -> Iterator[SQLCount]:
    """Count the transactions and statements of ``store``'s engine (every thread) in the block."""
    count = SQLCount()

    def autocommits(connection: Any) -> bool:
        return bool(connection.get_execution_options().get(AUTOCOMMIT))

    def reads_only(connection: Any) -> bool:
        return bool(connection.get_execution_options().get(READ_ONLY))

    def begun(connection: Any) -> None:
        if reads_only(connection):
            count.reads += 1
        elif not autocommits(connection):
            count.writes += 1
        if not autocommits(connection):
            count.begins += 1

    def executed(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            count.statements += 1
            if autocommits(conn) and not reads_only(conn):
                count.writes += 1

    def ended(connection: Any) -> None:
        if not autocommits(connection):
            count.ends += 1

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("begin", begun),
        ("before_cursor_execute", executed),
        ("commit", ended),
        ("rollback", ended),
    ]
    for engine in store.engines:
        for name, listener in listeners:
            event.listen(engine, name, listener)
    try:
        yield count
    finally:
        for engine in store.engines:
            for name, listener in listeners:
                event.remove(engine, name, listener)
