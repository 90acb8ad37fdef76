"""Every difference between SQLite and PostgreSQL that the queries care about, in one place."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from publisher.store.models import Base, DeliveryRow

__all__ = ["insert_missing", "move_deliveries", "move_rows", "supports_returning", "upsert"]


def supports_returning(dialect: str) -> bool:
    """``UPDATE … RETURNING``: PostgreSQL always, SQLite from 3.35."""
    if dialect == "sqlite":
        return sqlite3.sqlite_version_info >= (3, 35)
    return True


def move_deliveries(
    session: Session,
    dialect: str,
    where: ColumnElement[bool],
    values: Mapping[str, Any],
    *,
    order: Sequence[Any] = (),
    limit: int | None = None,
) -> list[int]:
    """Move every delivery matching ``where`` (at most ``limit``, in ``order``) by one UPDATE;
    return the ids that moved. See :func:`move_rows`."""
    return move_rows(
        session, dialect, DeliveryRow, DeliveryRow.id, where, values, order=order, limit=limit
    )


def move_rows(
    session: Session,
    dialect: str,
    model: type[Base],
    id_column: InstrumentedAttribute[int],
    where: ColumnElement[bool],
    values: Mapping[str, Any],
    *,
    order: Sequence[Any] = (),
    limit: int | None = None,
) -> list[int]:
    """Move every row of ``model`` matching ``where`` (at most ``limit``, in ``order``) by one
    UPDATE; return the ids (``id_column``) that moved. PostgreSQL locks the chosen rows with FOR
    UPDATE SKIP LOCKED so concurrent callers pick disjoint rows; SQLite runs one conditional
    UPDATE … RETURNING inside the BEGIN IMMEDIATE transaction (writers are serialised, so no row
    is taken twice)."""
    chosen = select(id_column).where(where).order_by(*order)
    if limit is not None:
        chosen = chosen.limit(limit)
    if dialect == "postgresql":
        ids = list(session.scalars(chosen.with_for_update(skip_locked=True)))
    elif supports_returning(dialect):
        statement = (
            update(model).where(id_column.in_(chosen), where).values(**values).returning(id_column)
        )
        moved = list(session.scalars(statement, execution_options={"synchronize_session": False}))
        return sorted(moved)
    else:
        ids = list(session.scalars(chosen))
    if ids:
        session.execute(
            update(model).where(id_column.in_(ids), where).values(**values),
            execution_options={"synchronize_session": False},
        )
    return ids


def upsert(
    session: Session,
    dialect: str,
    model: type[Base],
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
) -> None:
    """INSERT ``values`` into ``model``'s table, or UPDATE the other columns where ``key``
    already exists, in one statement."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(model).values(**values)
        changed = {name: pg.excluded[name] for name in values if name not in key}
        statement: Any = pg.on_conflict_do_update(index_elements=list(key), set_=changed)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(model).values(**values)
        changed = {name: lite.excluded[name] for name in values if name not in key}
        statement = lite.on_conflict_do_update(index_elements=list(key), set_=changed)
    session.execute(statement)


def insert_missing(
    session: Session,
    dialect: str,
    model: type[Base],
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
) -> None:
    """INSERT ``values`` into ``model``'s table unless a row with the same ``key`` exists (then
    nothing changes), in one statement."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = (
            pg_insert(model).values(**values).on_conflict_do_nothing(index_elements=list(key))
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = (
            sqlite_insert(model).values(**values).on_conflict_do_nothing(index_elements=list(key))
        )
    session.execute(statement)
