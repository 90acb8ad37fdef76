"""The site change log: which appeals changed what the sites are made of, in commit order.

A site channel's indexes and feeds are made from every appeal with a published delivery on
its channel and target, at its live revision (:func:`publisher.store.appeals.site_appeals`).
Two things change that: a revision going live (an approval) and a delivery being published
(by a worker, or confirmed by a person). Each such transaction notes the appeal here
(:func:`note_change`); when it commits, it takes the next change number from the one
``site_counter`` row and writes one ``site_changes`` row per appeal it touched with that
number. A process that already holds a site then reads only the appeals of the changes
numbered after the last one it saw (:func:`changes_since`).

Why no change is ever missed, on PostgreSQL as on SQLite: the number is taken by an UPDATE of
the counter row, whose row lock is held until the transaction ends, so a second transaction
cannot take a number before the first has committed (or rolled back, which gives its number
back). So committed numbers have no gaps that fill in later: when a reader's statement sees a
change numbered N, every change numbered below N is committed and visible to it too. (A
sequence would not do: PostgreSQL hands out sequence numbers in the order they are asked for,
not the order their transactions commit.) On SQLite, writers are one at a time (``BEGIN
IMMEDIATE``) anyway. The number is taken at commit (a ``before_commit`` hook of the
:class:`~publisher.store.Store`'s sessions), after everything else the transaction does, so
the lock is held for as short a time as possible, and its holder then only inserts into the
log: it never waits for another lock while holding it.

The log is only ever added to (a row is a number and an id); nothing prunes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, bindparam, cast, insert, null, select, union_all, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from publisher.store.models import SiteChangeRow, SiteCounterRow

__all__ = [
    "ARMED",
    "changes_since",
    "forget_changes",
    "latest",
    "note_change",
    "write_changes",
]

ARMED = "publisher.site_log.armed"
"""Set in ``Session.info`` by sessions whose commit runs :func:`write_changes` (the Store's)."""
_NOTED = "publisher.site_log.noted"
_COUNTER_ID = 1


def note_change(session: Session, appeal_ids: Iterable[str]) -> None:
    """Record, in this transaction, that these appeals' place in the sites may have changed.
    In a Store session the change is numbered when the transaction commits; in any other
    session, now."""
    ids = set(appeal_ids)
    if not ids:
        return
    if session.info.get(ARMED):
        noted: set[str] = session.info.setdefault(_NOTED, set())
        noted |= ids
    else:
        _write(session, ids)


def write_changes(session: Session) -> None:
    """The ``before_commit`` hook: number the changes noted in this transaction."""
    noted: set[str] | None = session.info.pop(_NOTED, None)
    if noted:
        _write(session, noted)


def forget_changes(session: Session) -> None:
    """The ``after_soft_rollback`` hook: a transaction rolled back changed nothing."""
    session.info.pop(_NOTED, None)


_BUMP = (
    update(SiteCounterRow)
    .where(SiteCounterRow.id == _COUNTER_ID)
    .values(value=SiteCounterRow.value + 1)
    .returning(SiteCounterRow.value)
)
_LATEST = select(SiteCounterRow.value).where(SiteCounterRow.id == _COUNTER_ID)
_SINCE = union_all(
    select(SiteChangeRow.seq, SiteChangeRow.appeal_id).where(
        SiteChangeRow.seq > bindparam("b_seq")
    ),
    # The counter, in the same statement (so the same snapshot): the row with no appeal.
    select(SiteCounterRow.value, cast(null(), String(200))).where(SiteCounterRow.id == _COUNTER_ID),
)
_LOG = insert(SiteChangeRow)


def _write(session: Session, ids: set[str]) -> None:
    # The UPDATE takes the counter row's lock until the transaction ends (see the module's
    # docstring).
    seq = session.execute(_BUMP, execution_options={"synchronize_session": False}).scalar()
    if seq is None:
        # A database made without the migrations' first row: start the count.
        seq = 1
        session.execute(insert(SiteCounterRow).values(id=_COUNTER_ID, value=seq))
    session.execute(_LOG, [{"seq": seq, "appeal_id": appeal_id} for appeal_id in sorted(ids)])


def latest(session: Session | Connection) -> int:
    """The number of the newest committed change (0 before the first)."""
    value = session.execute(_LATEST).scalar_one_or_none()
    return 0 if value is None else int(value)


def changes_since(session: Session, seq: int) -> tuple[int, set[str]] | None:
    """(the newest change number seen, the appeals changed) of the changes numbered after
    ``seq``, read in one statement; ``(seq, set())`` when there are none. None when the count
    is below ``seq``: the database is not the one ``seq`` was read from (restored from a
    backup, say), and whoever holds a site must read it whole again."""
    newest, ids = seq, set()
    counter = 0
    rows = session.connection().execute(_SINCE, {"b_seq": seq})
    for number, appeal_id in rows:
        if appeal_id is None:
            counter = int(number)
            continue
        ids.add(appeal_id)
        newest = max(newest, int(number))
    if counter < seq:
        return None
    return newest, ids
