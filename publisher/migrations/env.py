"""Alembic environment, used only from code (``publisher.store.db.migrate``).

The caller passes an open connection in ``config.attributes["connection"]``; with a URL in
``sqlalchemy.url`` instead, an engine with the project's settings is built here.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from publisher.store.db import make_engine
from publisher.store.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to the migrations")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; use publisher migrate")
run_migrations_online()
