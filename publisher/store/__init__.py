"""The store: appeals, their revisions and the delivery ledger, in SQLite or PostgreSQL.

``Store(url)`` builds an engine and a session factory (nothing happens at import time);
``store.session()`` is a unit of work that commits on success and rolls back on error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, and_, exists, or_, select
from sqlalchemy.orm import Session, sessionmaker

from publisher.domain.record import Appeal
from publisher.store.db import DatabaseURLError, make_engine, migrate, normalize_url
from publisher.store.models import AppealRevisionRow, AppealRow, DeliveryRow, DeliveryState

__all__ = ["DatabaseURLError", "DeliveryState", "Store", "site_appeals"]


class Store:
    """One database: an engine, a session factory, and its migrations."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine: Engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: commit when the block ends normally, roll back when it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
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


def site_appeals(
    session: Session, *, channel: str, target: str, including: str | None = None
) -> list[Appeal]:
    """The appeals a site channel's indexes and feeds are built from, at their current revision,
    in one query: every appeal with a published delivery on ``channel``/``target``, plus
    ``including`` (the appeal being published now). Withdrawn appeals are included so that
    site channels can account for them (a feed's ``updated`` moves when an entry leaves); the
    built-in channels list only live ones. Ordered by appeal id."""
    published = exists().where(
        DeliveryRow.appeal_id == AppealRow.id,
        DeliveryRow.channel == channel,
        DeliveryRow.target == target,
        DeliveryRow.state == DeliveryState.PUBLISHED.value,
    )
    wanted = published if including is None else or_(published, AppealRow.id == including)
    query = (
        select(AppealRevisionRow.record_json)
        .join(
            AppealRow,
            and_(
                AppealRow.id == AppealRevisionRow.appeal_id,
                AppealRow.current_revision == AppealRevisionRow.revision,
            ),
        )
        .where(wanted)
        .order_by(AppealRow.id)
    )
    return [Appeal.from_json(text) for text in session.scalars(query)]
