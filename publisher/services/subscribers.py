"""The Notify channel's subscriber source, :class:`StoreSubscribers`, apart from the rest of
:mod:`publisher.services.subscriptions` (which re-exports it): building the channel, as every
``publisher build`` does, loads neither the store nor SQLAlchemy; the first message sent does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from publisher.channel.recipients import Recipient
from publisher.domain.record import language_code

if TYPE_CHECKING:
    from publisher.settings import Settings
    from publisher.store import Store

__all__ = ["StoreSubscribers"]


class StoreSubscribers:
    """The Notify channel's subscriber source: the database's confirmed subscriptions, each
    message with its own unsubscribe link on the web app (PUBLISHER_APP_URL)."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self._settings = settings
        self._store = store

    def _get_store(self) -> Store:
        if self._store is None:
            from publisher.store import Store

            self._store = Store(self._settings.database_url)
        return self._store

    def recipients(self, area: str, topics: Sequence[str]) -> Sequence[Recipient]:
        from publisher.store import subscriptions as rows

        base = self._settings.app_url.rstrip("/")
        languages = self._settings.languages
        primary = language_code(languages[0]) if languages else ""
        with self._get_store().session() as session:
            found = rows.recipients(session, area, topics, at=datetime.now(UTC))
        return [
            Recipient(
                subscriber=s.uid,
                kind="email" if s.kind == "email" else "sms",
                address=s.address,
                unsubscribe_url=f"{base}/alerts/unsubscribe/{s.token}",
                language=s.language or primary,
            )
            for s in found
        ]
