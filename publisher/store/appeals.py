"""Appeals and their revisions: the current record of each appeal, and its history."""

from __future__ import annotations

import json
import threading
import weakref
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine, Select, and_, bindparam, func, select, tuple_
from sqlalchemy.orm import Session

from publisher.domain.delivery import DeliveryState
from publisher.domain.record import Appeal
from publisher.domain.site import SiteAppeals
from publisher.errors import UnknownAppeal, UnknownRevision
from publisher.store import site_log
from publisher.store.audit import audit
from publisher.store.models import AppealRevisionRow, AppealRow, AuditRow, DeliveryRow

__all__ = [
    "AppealSummary",
    "RevisionSummary",
    "cached_record",
    "list_current",
    "load_current",
    "load_revision",
    "revisions_of",
    "same_content",
    "site_appeals",
    "status_of",
    "store_revision",
]


def status_of(session: Session, appeal_id: str) -> str | None:
    """The appeal's current status, or None when there is no such appeal."""
    row = session.get(AppealRow, appeal_id)
    return None if row is None else row.status


def load_current(session: Session, appeal_id: str) -> tuple[int, Appeal]:
    """(current revision number, the appeal at that revision); :class:`UnknownAppeal` if none."""
    row = session.get(AppealRow, appeal_id)
    if row is None:
        raise UnknownAppeal(f"no appeal {appeal_id!r} in the store: import it first")
    revision = session.get(AppealRevisionRow, (appeal_id, row.current_revision))
    if revision is None:  # the foreign keys make this impossible short of manual edits
        raise UnknownAppeal(f"appeal {appeal_id!r} has lost revision {row.current_revision}")
    return row.current_revision, Appeal.from_json(revision.record_json)


def load_revision(session: Session, appeal_id: str, number: int) -> Appeal:
    """The appeal at revision ``number``: :class:`UnknownAppeal` if there is no such appeal,
    :class:`UnknownRevision` if it has no such revision."""
    revision = session.get(AppealRevisionRow, (appeal_id, number))
    if revision is not None:
        return Appeal.from_json(revision.record_json)
    if session.get(AppealRow, appeal_id) is None:
        raise UnknownAppeal(f"no appeal {appeal_id!r} in the store: import it first")
    raise UnknownRevision(f"appeal {appeal_id!r} has no revision {number}")


def same_content(a: Appeal, b: Appeal) -> bool:
    """Whether two records say the same: ``revision`` and ``source`` are not content."""
    skip = {"revision", "source"}
    return a.model_dump(mode="json", exclude=skip) == b.model_dump(mode="json", exclude=skip)


def store_revision(
    session: Session,
    appeal: Appeal,
    *,
    actor: str,
    at: datetime,
    action: str,
    announce: bool = False,
    note: Mapping[str, object] | None = None,
) -> tuple[int, bool]:
    """Store ``appeal`` as a new revision, by ``actor`` (its author), if its content differs
    from the current revision; (revision, changed). A new revision is not approved: it goes out
    once it is (see :mod:`publisher.store.approvals`). ``announce`` asks for an UPDATE reply on
    social channels when it is approved. ``note`` is added to the audit row's detail (what the
    change was, e.g. which translation was marked current)."""
    row = session.get(AppealRow, appeal.id, with_for_update=True)
    if row is None:
        number = 1
        session.add(
            AppealRow(
                id=appeal.id,
                current_revision=number,
                status=appeal.status.value,
                area=appeal.area,
                created_at=at,
                updated_at=at,
            )
        )
        session.flush()
        detail: dict[str, object] = {"revision": number, "source": appeal.source}
    else:
        _, current = load_current(session, appeal.id)
        if same_content(current, appeal):
            return row.current_revision, False
        number = row.current_revision + 1
        row.current_revision = number
        row.status = appeal.status.value
        row.area = appeal.area
        row.updated_at = at
        detail = {"revision": number, "status": appeal.status.value, "source": appeal.source}
    stored = appeal.model_copy(update={"revision": number})
    session.add(
        AppealRevisionRow(
            appeal_id=appeal.id,
            revision=number,
            record_json=stored.to_json(),
            source=appeal.source,
            created_at=at,
            author=actor,
            announce=announce,
        )
    )
    if note:
        detail.update(note)
    audit(session, at=at, actor=actor, action=action, subject=f"appeal:{appeal.id}", detail=detail)
    return number, True


def site_appeals(
    session: Session, *, channel: str, target: str, including: str | None = None
) -> SiteAppeals:
    """The appeals a site channel's indexes and feeds are built from, at their live (newest
    approved) revision: every appeal with a published delivery on ``channel``/``target``, plus
    ``including`` (the appeal being published now). A revision waiting for approval never
    reaches the site, not even through another appeal's indexes. Withdrawn appeals are
    included so that site channels can account for them (a feed's ``updated`` moves when an
    entry leaves); the built-in channels list only live ones. Ordered by appeal id.

    The engine (one per :class:`~publisher.store.Store`) remembers each site it has read
    (:class:`_KnownSite`): the first call reads which revision of each appeal is live, and
    the records of those it has not met before (:class:`_RecordCache`); every later call
    reads the site change log (:mod:`publisher.store.site_log`) after the last change it saw,
    and reads again only the appeals those changes name. So a delivery into a site of
    thousands reads and validates only what changed since the last one, and gets the very
    same record objects as before for the rest (which lets the channels remember what they
    made of each), in a :class:`~publisher.domain.site.SiteAppeals` made from the one
    before it (which tells the channels which ids changed, without comparing every record).
    The site returned is never older than the one returned before it by this engine."""
    known = _KnownSite.of(session, channel, target)
    site = known.refresh(session)
    if including is not None and site.get(including) is None:
        extra = _live_records(session, [including])
        if extra:
            site = site.with_changes(extra)
    return site


def _live_records(session: Session, ids: list[str]) -> dict[str, Appeal]:
    """The live records of those of ``ids`` that have one."""
    rows = session.connection().execute(
        select(AppealRow.id, AppealRow.live_revision).where(
            AppealRow.id.in_(ids), AppealRow.live_revision.is_not(None)
        )
    )
    keys: list[_RecordKey] = [(a, r) for a, r in rows if r is not None]
    return {key[0]: appeal for key, appeal in zip(keys, _records(session, keys), strict=True)}


def _records(session: Session, keys: list[_RecordKey]) -> list[Appeal]:
    """The records of ``keys`` (each must exist), from the engine's cache where it has them."""
    cache = _RecordCache.of(session)
    found = cache.get_many(keys)
    missing = [key for key, appeal in zip(keys, found, strict=True) if appeal is None]
    if missing:
        read = _read_records(session, missing)
        for index, key in enumerate(keys):
            if found[index] is None:
                found[index] = cache.put(key, read[key])
    return [appeal for appeal in found if appeal is not None]


_SITE_MEMBERS = select(AppealRow.id, AppealRow.live_revision).where(
    AppealRow.id.in_(bindparam("b_ids", expanding=True)),
    AppealRow.live_revision.is_not(None),
    AppealRow.id.in_(
        select(DeliveryRow.appeal_id).where(
            DeliveryRow.appeal_id.in_(bindparam("b_ids", expanding=True)),
            DeliveryRow.channel == bindparam("b_channel"),
            DeliveryRow.target == bindparam("b_target"),
            DeliveryRow.state == DeliveryState.PUBLISHED.value,
        )
    ),
)
"""Of some appeals (``b_ids``), those in a site (``b_channel``, ``b_target``): their live
revisions."""


_RECENT_SITES = 8
"""Snapshots of each site an engine keeps (each a few hundred kilobytes for 10,000 appeals:
lists and a dictionary of references to records held anyway)."""


def _engine_of(session: Session) -> Engine:
    """The engine a session's caches belong to: a session bound to one connection
    (``Store.reading``) shares its engine's caches, instead of starting empty caches of its own
    (that re-read, and leaked, every record at every delivery)."""
    return session.get_bind().engine


class _KnownSite:
    """One site (a channel and target) as this engine last read it: the change number it is
    up to date with, each appeal's live revision, and the snapshot of their records."""

    def __init__(self, channel: str, target: str) -> None:
        self.channel = channel
        self.target = target
        self._seq: int | None = None
        """The newest change (:mod:`publisher.store.site_log`) the site holds; None: unread."""
        self._revisions: dict[str, int] = {}
        self._site = SiteAppeals()
        self._recent: deque[SiteAppeals] = deque(maxlen=_RECENT_SITES)
        """The last few snapshots, kept alive so that a channel that rendered one of them
        learns what changed since from the newest (their chain holds them only weakly)."""
        self._lock = threading.Lock()

    @classmethod
    def of(cls, session: Session, channel: str, target: str) -> _KnownSite:
        engine = _engine_of(session)
        with _CACHES_LOCK:
            sites = _SITES.get(engine)
            if sites is None:
                sites = _SITES[engine] = {}
            known = sites.get((channel, target))
            if known is None:
                known = sites[(channel, target)] = cls(channel, target)
            return known

    def refresh(self, session: Session) -> SiteAppeals:
        """The site as of this session's view of the change log, or a newer one."""
        with self._lock:
            if self._seq is None:
                self._load(session)
                return self._site
            found = site_log.changes_since(session, self._seq)
            if found is None:
                # The database counts from lower than we saw: this session's snapshot is older
                # than one another thread read (SQLite), and the site we hold is newer than
                # it (which is fine); or the database was restored from a backup, which a
                # connection of its own confirms: then the site is read whole again.
                bind = session.get_bind()
                restored = True
                if isinstance(bind, Engine):
                    with bind.connect() as connection:
                        restored = site_log.latest(connection) < self._seq
                if restored:
                    self._load(session)
                return self._site
            newest, ids = found
            if ids:
                self._apply(session, sorted(ids))
            self._seq = max(self._seq, newest)
            return self._site

    def _load(self, session: Session) -> None:
        # The change number first: on PostgreSQL each statement has its own snapshot, and a
        # change committed between the two is then read in the rows and again later (which
        # is harmless), never missed.
        seq = site_log.latest(session)
        query = (
            select(AppealRow.id, AppealRow.live_revision)
            .where(AppealRow.live_revision.is_not(None), AppealRow.id.in_(self._published()))
            .order_by(AppealRow.id)
        )
        # Through the connection: plain rows, none of the ORM's loading for 10,000 of them.
        rows = session.connection().execute(query)
        keys: list[_RecordKey] = [(a, r) for a, r in rows if r is not None]
        self._site = SiteAppeals(_records(session, keys))
        self._recent.clear()
        self._recent.append(self._site)
        self._revisions = dict(keys)
        self._seq = seq

    def _published(self) -> Select[str]:
        return select(DeliveryRow.appeal_id).where(
            DeliveryRow.channel == self.channel,
            DeliveryRow.target == self.target,
            DeliveryRow.state == DeliveryState.PUBLISHED.value,
        )

    def _apply(self, session: Session, ids: list[str]) -> None:
        """Read again the appeals of ``ids`` (named by changes after the last one seen)."""
        now: dict[str, int] = {}
        for first in range(0, len(ids), _READ_AT_ONCE):
            chunk = ids[first : first + _READ_AT_ONCE]
            rows = session.connection().execute(
                _SITE_MEMBERS, {"b_ids": chunk, "b_channel": self.channel, "b_target": self.target}
            )
            for appeal_id, revision in rows:
                if revision is not None:
                    now[appeal_id] = revision
        changed = [i for i in ids if self._revisions.get(i) != now.get(i)]
        if not changed:
            return
        keys: list[_RecordKey] = [(i, now[i]) for i in changed if i in now]
        records = dict(zip((k[0] for k in keys), _records(session, keys), strict=True))
        for appeal_id in changed:
            if appeal_id in now:
                self._revisions[appeal_id] = now[appeal_id]
            else:
                self._revisions.pop(appeal_id, None)
        self._site = self._site.with_changes({i: records.get(i) for i in changed})
        self._recent.append(self._site)


_RecordKey = tuple[str, int]
"""(appeal id, revision)."""

_READ_AT_ONCE = 400  # revisions per query (well under every database's parameter limit)


def _read_records(session: Session, keys: list[_RecordKey]) -> dict[_RecordKey, Appeal]:
    """The records of ``keys``, validated."""
    read: dict[_RecordKey, Appeal] = {}
    for first in range(0, len(keys), _READ_AT_ONCE):
        pairs = keys[first : first + _READ_AT_ONCE]
        query = select(
            AppealRevisionRow.appeal_id, AppealRevisionRow.revision, AppealRevisionRow.record_json
        ).where(tuple_(AppealRevisionRow.appeal_id, AppealRevisionRow.revision).in_(pairs))
        for appeal_id, revision, record_json in session.execute(query):
            read[(appeal_id, revision)] = Appeal.from_json(record_json)
    return read


class _RecordCache:
    """Validated records of one database, by (appeal id, revision).

    A revision is never changed once stored (a change is a new revision: revisions are only
    ever added, by :func:`store_revision`), so that key names one record for the life of a
    database. The cache belongs to the engine (one per :class:`~publisher.store.Store`), so
    another database, or a test's fresh one that reuses ids, never shares it; records are
    frozen, so handing one out again is safe. It holds at most :attr:`LIMIT` records, and
    forgets them all when it would hold more."""

    LIMIT = 40_000

    def __init__(self) -> None:
        self._records: dict[_RecordKey, Appeal] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, session: Session) -> _RecordCache:
        engine = _engine_of(session)
        with _CACHES_LOCK:
            cache = _CACHES.get(engine)
            if cache is None:
                cache = _CACHES[engine] = cls()
            return cache

    def get_many(self, keys: list[_RecordKey]) -> list[Appeal | None]:
        get = self._records.get
        return [get(key) for key in keys]

    def put(self, key: _RecordKey, appeal: Appeal) -> Appeal:
        with self._lock:
            if len(self._records) >= self.LIMIT:
                # Rare (the site's records and their replaced revisions, many times over):
                # start again rather than keep an order on every read.
                self._records.clear()
            self._records[key] = appeal
            return appeal


_CACHES: weakref.WeakKeyDictionary[object, _RecordCache] = weakref.WeakKeyDictionary()
_SITES: weakref.WeakKeyDictionary[object, dict[tuple[str, str], _KnownSite]] = (
    weakref.WeakKeyDictionary()
)
_CACHES_LOCK = threading.Lock()


@lru_cache(maxsize=20_000)
def cached_record(record_json: str) -> Appeal:
    """An appeal from its stored JSON, validated once per text in a process: every web and
    feeds delivery reads every appeal of the site, and every delivery its own appeal, and
    validating them again each time was most of their cost. Keyed by the text itself, so a
    different record is never mistaken for a remembered one; records are frozen, so sharing
    one is safe."""
    return Appeal.from_json(record_json)


@dataclass(frozen=True)
class AppealSummary:
    """One appeal at its current revision, for lists."""

    id: str
    title: str
    area: str
    kind: str
    status: str
    revision: int
    updated_at: datetime


@dataclass(frozen=True)
class RevisionSummary:
    """One revision of an appeal: when, from which source, and who stored it."""

    number: int
    created_at: datetime
    source: str | None
    actor: str | None


def _contains(text: str, needle: str) -> bool:
    return needle.casefold() in text.casefold()


def list_current(
    session: Session,
    *,
    status: str | None = None,
    area: str | None = None,
    kind: str | None = None,
    query: str | None = None,
) -> list[AppealSummary]:
    """Every appeal at its current revision, most recently updated first. ``status`` and
    ``area`` filter in the query; ``kind`` and ``query`` (a case-insensitive search in the id,
    title, summary and area) on the records read."""
    stmt = (
        select(AppealRow, AppealRevisionRow.record_json)
        .join(
            AppealRevisionRow,
            and_(
                AppealRow.id == AppealRevisionRow.appeal_id,
                AppealRow.current_revision == AppealRevisionRow.revision,
            ),
        )
        .order_by(AppealRow.updated_at.desc(), AppealRow.id)
    )
    if status:
        stmt = stmt.where(AppealRow.status == status)
    if area:
        stmt = stmt.where(func.lower(AppealRow.area) == area.strip().lower())
    found: list[AppealSummary] = []
    for row, record_json in session.execute(stmt):
        appeal = Appeal.from_json(record_json)
        if kind and appeal.kind.value != kind:
            continue
        if query and not any(
            _contains(text, query.strip())
            for text in (appeal.id, appeal.title, appeal.summary, appeal.area)
        ):
            continue
        found.append(
            AppealSummary(
                id=row.id,
                title=appeal.title,
                area=row.area,
                kind=appeal.kind.value,
                status=row.status,
                revision=row.current_revision,
                updated_at=row.updated_at,
            )
        )
    return found


def revisions_of(session: Session, appeal_id: str) -> list[RevisionSummary]:
    """The revisions of an appeal, newest first, each with the actor the audit log names;
    :class:`UnknownAppeal` if there is no such appeal."""
    if session.get(AppealRow, appeal_id) is None:
        raise UnknownAppeal(f"no appeal {appeal_id!r} in the store: import it first")
    actors: dict[int, str] = {}
    audits = select(AuditRow.actor, AuditRow.detail).where(
        AuditRow.subject == f"appeal:{appeal_id}"
    )
    for actor, detail in session.execute(audits):
        if not detail:
            continue
        number = json.loads(detail).get("revision")
        if isinstance(number, int):
            actors.setdefault(number, actor)
    rows = session.scalars(
        select(AppealRevisionRow)
        .where(AppealRevisionRow.appeal_id == appeal_id)
        .order_by(AppealRevisionRow.revision.desc())
    )
    return [
        RevisionSummary(
            number=row.revision,
            created_at=row.created_at,
            source=row.source,
            actor=actors.get(row.revision),
        )
        for row in rows
    ]
