"""What a channel made of a record, remembered for the next rendering of the site.

A site channel renders every appeal of the site into its indexes and feeds on every delivery,
and a site of thousands changes by one appeal at a time. :class:`FragmentMemo` remembers a
fragment (a list item's HTML, a feed entry's body) by the identity of the record it was made
from and a key for everything else it depends on. Records are frozen and the store hands out
the same record object for an unchanged revision, so the identity of a record stands for its
content: an entry is only ever found again for that very object, which the memo keeps alive
while it holds the entry (so its identity cannot be reused by another). A changed appeal is a
new object, so nothing stale is ever returned.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from publisher.domain.record import Appeal
from publisher.domain.site import SiteAppeals

__all__ = [
    "FragmentMemo",
    "OrderedGroup",
    "SiteChanges",
    "SiteMemory",
    "in_language",
    "instant",
    "keep_few_site_fragments",
    "newest_key",
]

V = TypeVar("V")

# How many entries each memo for a later rendering of the site holds at most in this process
# (None: its own limit; see keep_few_site_fragments).
_SITE_FRAGMENTS_KEPT: int | None = None

# What a process that keeps few site fragments keeps of each memo: about the last appeal's
# (what a channel's ``site_fragments`` made of it, right after its ``render``).
_FEW = 8


def keep_few_site_fragments() -> None:
    """From now on, remember only the last few entries in this process's memos for a later
    rendering of the site (those made with ``for_site=True``); the others still work.

    For a process that renders appeals whose records reach the site's rendering in another
    process, as other objects (a build's worker: its records are pickled and sent back, with
    what the channels' :meth:`~publisher.channel.Channel.site_fragments` made of them right
    after their rendering): what it remembered of them would never be found again, only kept
    alive with the records until the end of the build (a feed entry's HTML and its record,
    tens of KiB an appeal)."""
    global _SITE_FRAGMENTS_KEPT
    _SITE_FRAGMENTS_KEPT = _FEW


class FragmentMemo(Generic[V]):
    """Values by (a record's identity, a key), at most ``limit`` of them (the least recently
    used are forgotten). Safe to share between threads.

    ``for_site``: what it holds is for a later rendering of the site (a feed entry's HTML, an
    index card), not for the rest of one appeal's rendering; such a memo remembers nothing in
    a process that keeps few site fragments (:func:`keep_few_site_fragments`) holds only the
    last few."""

    def __init__(self, limit: int, *, for_site: bool = False) -> None:
        if limit < 1:
            raise ValueError(f"a memo must hold at least one entry, not {limit}")
        self.limit = limit
        self.for_site = for_site
        self._entries: OrderedDict[tuple[int, Hashable], tuple[object, V]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, record: object, key: Hashable) -> V | None:
        """The value remembered for this very ``record`` object and ``key``, else None."""
        with self._lock:
            found = self._entries.get((id(record), key))
            if found is None or found[0] is not record:
                return None
            self._entries.move_to_end((id(record), key))
            return found[1]

    def put(self, record: object, key: Hashable, value: V) -> V:
        """Remember ``value`` for ``record`` and ``key``; returns ``value``."""
        limit = self.limit
        if self.for_site and _SITE_FRAGMENTS_KEPT is not None:
            limit = min(limit, _SITE_FRAGMENTS_KEPT)
        with self._lock:
            self._entries[(id(record), key)] = (record, value)
            self._entries.move_to_end((id(record), key))
            while len(self._entries) > limit:
                self._entries.popitem(last=False)
            return value


# A build renders every channel of one appeal in turn, and each asks for the appeal in each of
# its languages: the versions are made once per record object, so that the memos keyed by a
# record's identity (the social lines, the plain text, the site's cards) find each other's.
_VERSIONS: FragmentMemo[Appeal] = FragmentMemo(256)


def in_language(appeal: Appeal, locale: str) -> Appeal:
    """``appeal.in_language(locale)``, the very same object each time for this very record
    object (records are frozen, so a version made once stands for every later one); raises
    ``KeyError`` as :meth:`~publisher.domain.record.Appeal.in_language` does."""
    if locale == appeal.locale and not appeal.translations:
        return appeal
    found = _VERSIONS.get(appeal, locale)
    if found is None:
        found = _VERSIONS.put(appeal, locale, appeal.in_language(locale))
    return found


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def instant(moment: datetime) -> int:
    """An aware datetime as microseconds since 1970: ordered as the datetimes are (by the
    instant, whatever their zones), and exact (datetimes hold whole microseconds)."""
    return (moment - _EPOCH) // _MICROSECOND


def newest_key(appeal: Appeal) -> tuple[int, str]:
    """The order of index lists and feeds, as one sortable key: published, newest first,
    then by id."""
    return -instant(appeal.published_at), appeal.id


class OrderedGroup(Generic[V]):
    """Records kept in the order of their keys, each with a value (say, its card's bytes):
    adding or removing one costs a search and a move, not a sort of the group."""

    def __init__(self) -> None:
        self._keys: list[tuple[int, str]] = []
        self.records: list[Appeal] = []
        self.values: list[V] = []

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: tuple[int, str], record: Appeal, value: V) -> None:
        at = bisect_left(self._keys, key)
        if at < len(self._keys) and self._keys[at] == key:
            raise ValueError(f"{key!r} is already in the group")
        self._keys.insert(at, key)
        self.records.insert(at, record)
        self.values.insert(at, value)

    def remove(self, key: tuple[int, str]) -> None:
        at = bisect_left(self._keys, key)
        if at == len(self._keys) or self._keys[at] != key:
            raise KeyError(key)
        del self._keys[at], self.records[at], self.values[at]

    @property
    def last(self) -> Appeal:
        return self.records[-1]


class SiteChanges:
    """The appeals of a site as last rendered, to tell what a new set changed: the records
    that left it (or were replaced by a new revision) and those that came. Records are
    compared by identity (see the module docstring): the store hands out the same object for
    an unchanged revision, so a site of thousands differs by the few that changed. A record
    held is recognised by its identity alone, without reading it (a build cache's records are
    read from disk only when something reads them).

    When the new set is a :class:`~publisher.domain.site.SiteAppeals` made from the one last
    committed (as the store's are), only the ids it says changed are looked at: the cost is
    what changed, not the size of the site."""

    def __init__(self) -> None:
        self._by_id: dict[str, Appeal] = {}
        self._ids: dict[int, str] = {}
        """Each held record's id, by the record's identity."""
        self._snapshot: SiteAppeals | None = None
        """The set last committed, when it was a :class:`SiteAppeals` (then ``_by_id`` holds
        exactly its records)."""

    def __getstate__(self) -> dict[str, Appeal]:
        return self._by_id

    def __setstate__(self, state: dict[str, Appeal]) -> None:
        self._by_id = state
        self._ids = {id(appeal): key for key, appeal in state.items()}
        self._snapshot = None

    def diff(self, appeals: Sequence[Appeal]) -> tuple[list[Appeal], list[Appeal]] | None:
        """(gone, came) from the last set to ``appeals``, or None when an id appears twice
        (the caller reports that). Nothing is remembered until :meth:`commit`."""
        if isinstance(appeals, SiteAppeals) and self._snapshot is not None:
            changed = appeals.changed_since(self._snapshot)
            if changed is not None:
                return self._diff_ids(appeals, changed)
        last, held = self._by_id, self._ids
        ids_in_order: list[str] = []
        came: list[Appeal] = []
        for appeal in appeals:
            key = held.get(id(appeal))
            if key is None or last.get(key) is not appeal:
                key = appeal.id
                came.append(appeal)
            ids_in_order.append(key)
        ids = set(ids_in_order)
        if len(ids) != len(appeals):
            return None
        gone = [last[a.id] for a in came if a.id in last]
        if len(appeals) - len(came) + len(gone) != len(last):  # some left the site
            gone.extend(last[i] for i in last.keys() - ids)
        return gone, came

    def _diff_ids(
        self, appeals: SiteAppeals, changed: frozenset[str]
    ) -> tuple[list[Appeal], list[Appeal]]:
        gone: list[Appeal] = []
        came: list[Appeal] = []
        for appeal_id in sorted(changed):
            before, after = self._by_id.get(appeal_id), appeals.get(appeal_id)
            if before is after:
                continue
            if before is not None:
                gone.append(before)
            if after is not None:
                came.append(after)
        return gone, came

    def commit(
        self, gone: Sequence[Appeal], came: Sequence[Appeal], appeals: Sequence[Appeal] = ()
    ) -> None:
        """Remember the set :meth:`diff` was given (``appeals``) as the last one: ``gone``
        and ``came`` are what ``diff`` made of it."""
        for appeal in gone:
            if self._by_id.get(appeal.id) is appeal:
                del self._by_id[appeal.id]
                del self._ids[id(appeal)]
        for appeal in came:
            self._by_id[appeal.id] = appeal
            self._ids[id(appeal)] = appeal.id
        self._snapshot = appeals if isinstance(appeals, SiteAppeals) else None

    def __iter__(self) -> Iterator[Appeal]:
        return iter(self._by_id.values())


S = TypeVar("S")


class SiteMemory(Generic[S]):
    """The sites a site channel rendered last, one per rendering context, the ``limit`` most
    recently used: what :meth:`~publisher.channel.Channel.site_memory` hands the build cache
    and :meth:`~publisher.channel.Channel.recall_site` takes back. Thread-safe."""

    def __init__(self, kind: type[S], limit: int) -> None:
        self._kind = kind
        self._limit = limit
        self._sites: dict[Hashable, S] = {}
        self._lock = threading.Lock()

    @contextmanager
    def using(self, context: Hashable) -> Iterator[S]:
        """The site remembered for ``context`` (a new one if none), to bring up to date, held
        alone until the block ends. It is taken out while it changes: if the block fails,
        it is forgotten, and the next rendering starts from nothing."""
        with self._lock:
            site = self._sites.pop(context, None) or self._kind()
            yield site
            self._keep(context, site)

    def get(self, context: Hashable) -> S | None:
        with self._lock:
            return self._sites.get(context)

    def recall(self, context: Hashable, site: object) -> None:
        """Carry on from ``site``, which another process remembered; a ``TypeError`` for
        anything but one of this memory's sites."""
        if not isinstance(site, self._kind):
            raise TypeError(f"not a remembered {self._kind.__name__}: {type(site).__name__}")
        with self._lock:
            self._sites.pop(context, None)
            self._keep(context, site)

    def _keep(self, context: Hashable, site: S) -> None:
        self._sites[context] = site  # the most recently used last
        while len(self._sites) > self._limit:
            del self._sites[next(iter(self._sites))]
