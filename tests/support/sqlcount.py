"""Counting what a store does: transactions (write and read-only) and SQL round trips, with
SQLAlchemy's own events on a real engine. A count, not a timing: tests may assert it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from publisher.store import Store
from publisher.store.db import READ_ONLY

__all__ = ["SQLCount", "counting"]


@dataclass
class SQLCount:
    """What one store did while :func:`counting` watched it."""

    writes: int = 0
    """Transactions that may write (on SQLite each takes the write lock: BEGIN IMMEDIATE)."""
    reads: int = 0
    """Read-only transactions (SQLite: a deferred BEGIN, no write lock; PostgreSQL: READ
    ONLY)."""
    statements: int = 0
    """SQL statements sent, BEGIN, COMMIT and ROLLBACK not included."""
    ends: int = 0
    """COMMITs and ROLLBACKs."""

    @property
    def round_trips(self) -> int:
        """Everything sent to the database: each statement, each BEGIN, each COMMIT."""
        return self.statements + self.writes + self.reads + self.ends


@contextmanager
def counting(store: Store) -> Iterator[SQLCount]:
    """Count the transactions and statements of ``store``'s engine (every thread) in the block."""
    count = SQLCount()
    engine = store.engine

    def begun(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            count.reads += 1
        else:
            count.writes += 1

    def executed(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            count.statements += 1

    def ended(connection: Any) -> None:
        count.ends += 1

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("begin", begun),
        ("before_cursor_execute", executed),
        ("commit", ended),
        ("rollback", ended),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield count
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
