"""What the system says about itself: each channel's status (disabled, rate limited), the
heartbeats of the dispatcher, and the count of deliveries in each state."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from publisher.domain.delivery import DeliveryState
from publisher.store.alerts import record_channel_alert
from publisher.store.dialect import insert_missing, upsert
from publisher.store.models import ChannelStatusRow, DeliveryRow, HeartbeatRow

__all__ = [
    "channel_status",
    "disabled_channels",
    "heartbeat",
    "record_heartbeat",
    "set_channel_status",
    "state_counts",
]


def channel_status(session: Session, channel: str, target: str) -> ChannelStatusRow | None:
    return session.get(ChannelStatusRow, (channel, target))


def set_channel_status(
    session: Session,
    dialect: str,
    channel: str,
    target: str,
    at: datetime,
    *,
    disabled: bool | None = None,
    reason: str | None = None,
    rate_limit: Mapping[str, Any] | None = None,
    delivery_id: int | None = None,
) -> bool:
    """Record a channel's status in one INSERT … ON CONFLICT UPDATE, so that two workers
    recording at once (two rate-limited posts, say) cannot both insert the row; only the
    fields given change.

    Disabling is a conditional UPDATE of an enabled row, so of two workers whose credentials
    were refused at once exactly one disables the channel, writes its alert (in this
    transaction; ``delivery_id`` is the delivery whose outcome disabled it) and sets its reason
    and since; True for that one."""
    values: dict[str, Any] = {"channel": channel, "target": target, "updated_at": at}
    if disabled is False:
        values.update(disabled=False, reason=reason)
    if rate_limit is not None:
        values["rate_limit"] = json.dumps(dict(rate_limit), sort_keys=True)
    if disabled is not True:
        upsert(session, dialect, ChannelStatusRow, values, key=["channel", "target"])
        return False
    insert_missing(
        session, dialect, ChannelStatusRow, {**values, "disabled": False}, key=["channel", "target"]
    )
    if rate_limit is not None:
        upsert(session, dialect, ChannelStatusRow, values, key=["channel", "target"])
    moved = session.execute(
        update(ChannelStatusRow)
        .where(
            ChannelStatusRow.channel == channel,
            ChannelStatusRow.target == target,
            ChannelStatusRow.disabled.is_(False),
        )
        .values(disabled=True, reason=reason, updated_at=at),
        execution_options={"synchronize_session": False},
    )
    if int(cast(Any, moved).rowcount) != 1:
        return False  # already disabled: its reason and since stay those of the first refusal
    record_channel_alert(session, channel, target, reason, at=at, delivery_id=delivery_id)
    return True


def disabled_channels(session: Session) -> tuple[str, ...]:
    return tuple(
        f"{r.channel}/{r.target}: {r.reason or 'disabled'}"
        for r in session.scalars(
            select(ChannelStatusRow)
            .where(ChannelStatusRow.disabled.is_(True))
            .order_by(ChannelStatusRow.channel, ChannelStatusRow.target)
        )
    )


def record_heartbeat(
    session: Session, dialect: str, name: str, *, at: datetime, detail: Mapping[str, Any] | None
) -> None:
    text = None if detail is None else json.dumps(dict(detail), sort_keys=True, default=str)
    upsert(session, dialect, HeartbeatRow, {"name": name, "at": at, "detail": text}, key=["name"])


def heartbeat(session: Session, name: str) -> datetime | None:
    beat = session.get(HeartbeatRow, name)
    return None if beat is None else beat.at


def state_counts(session: Session) -> dict[str, int]:
    counts = {s.value: 0 for s in DeliveryState}
    for state, count in session.execute(
        select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state)
    ):
        counts[state] = int(count)
    return counts
