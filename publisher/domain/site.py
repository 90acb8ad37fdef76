"""The appeals of a site at one moment, and what changed since an earlier moment.

The store hands a site channel every appeal of its site on every delivery. A site of
thousands changes by one appeal at a time, so :class:`SiteAppeals` is made from the one
before it with the few records that changed, and remembers which ids those were: a channel
that rendered the earlier snapshot learns what changed by asking
:meth:`SiteAppeals.changed_since`, without comparing thousands of records. The chain back to
earlier snapshots is held by weak references only, so no history is kept alive by it; when
the earlier snapshot is gone (or too far back) the answer is None and the caller compares the
records itself.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import overload

from publisher.domain.record import Appeal

__all__ = ["SiteAppeals"]

_CHAIN_LIMIT = 16
"""How many snapshots back :meth:`SiteAppeals.changed_since` looks."""


def _none() -> None:
    return None


class SiteAppeals(Sequence[Appeal]):
    """The appeals of a site, ordered by id, each id once; immutable.

    Made whole (``SiteAppeals(appeals)``), or from another snapshot by
    :meth:`with_changes`, which records the ids whose record is not the same object as
    before (came, left, or replaced by another revision)."""

    __slots__ = ("__weakref__", "_base", "_by_id", "_changed", "_ids", "_records")

    def __init__(self, appeals: Iterable[Appeal] = ()) -> None:
        ordered = sorted(appeals, key=lambda appeal: appeal.id)
        self._records: list[Appeal] = ordered
        self._ids: list[str] = [appeal.id for appeal in ordered]
        self._by_id: dict[str, Appeal] = dict(zip(self._ids, ordered, strict=True))
        if len(self._by_id) != len(ordered):
            twice = sorted({i for i in self._ids if self._ids.count(i) > 1})
            raise ValueError(f"appeals appear more than once in the site: {', '.join(twice)}")
        self._base: Callable[[], SiteAppeals | None] = _none
        """The snapshot this one was made from, while it is alive (a weak reference)."""
        self._changed: frozenset[str] = frozenset()

    # Sequence ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> Appeal: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Appeal]: ...

    def __getitem__(self, index: int | slice) -> Appeal | Sequence[Appeal]:
        if isinstance(index, slice):
            return tuple(self._records[index])
        return self._records[index]

    def __iter__(self) -> Iterator[Appeal]:
        return iter(self._records)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, Appeal):
            return False
        return self._by_id.get(value.id) is value

    def __eq__(self, other: object) -> bool:
        """Equal to another snapshot, list or tuple of equal records in the same order."""
        if isinstance(other, SiteAppeals):
            return self._records == other._records
        if isinstance(other, list | tuple):
            return self._records == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared by content, and not immutable-hashable

    def __repr__(self) -> str:
        return f"<SiteAppeals of {len(self)} appeals>"

    # Lookups and changes ----------------------------------------------------------------

    def get(self, appeal_id: str) -> Appeal | None:
        """The record of ``appeal_id`` in this snapshot, else None."""
        return self._by_id.get(appeal_id)

    def with_changes(self, changes: Mapping[str, Appeal | None]) -> SiteAppeals:
        """A new snapshot: this one with each id of ``changes`` set to its record (None: the
        appeal leaves the site). Returns this very snapshot when nothing differs."""
        effective: dict[str, Appeal | None] = {}
        for appeal_id, appeal in changes.items():
            if appeal is not None and appeal.id != appeal_id:
                raise ValueError(f"record {appeal.id!r} given for appeal {appeal_id!r}")
            if self._by_id.get(appeal_id) is not appeal:
                effective[appeal_id] = appeal
        if not effective:
            return self
        made = SiteAppeals.__new__(SiteAppeals)
        ids, records, by_id = list(self._ids), list(self._records), dict(self._by_id)
        for appeal_id, appeal in effective.items():
            at = bisect_left(ids, appeal_id)
            present = at < len(ids) and ids[at] == appeal_id
            if appeal is None:
                del ids[at], records[at], by_id[appeal_id]
            elif present:
                records[at] = by_id[appeal_id] = appeal
            else:
                ids.insert(at, appeal_id)
                records.insert(at, appeal)
                by_id[appeal_id] = appeal
        made._ids, made._records, made._by_id = ids, records, by_id
        made._base = weakref.ref(self)
        made._changed = frozenset(effective)
        return made

    def changed_since(self, earlier: SiteAppeals) -> frozenset[str] | None:
        """The ids whose record may differ between ``earlier`` and this snapshot (every id
        that does differ is in it), when both were made through :meth:`with_changes` from a
        common snapshot a few steps back (``earlier`` itself, or one ``earlier`` was made
        from: a snapshot of the site plus the appeal being published); None when that is not
        known (then compare the records)."""
        ancestors: list[tuple[SiteAppeals, frozenset[str]]] = []
        changed: frozenset[str] = frozenset()
        here: SiteAppeals | None = earlier
        for _ in range(_CHAIN_LIMIT):
            if here is None:
                break
            ancestors.append((here, changed))
            changed = changed | here._changed
            here = here._base()
        changed = frozenset()
        here = self
        for _ in range(_CHAIN_LIMIT):
            if here is None:
                return None
            for ancestor, since in ancestors:
                if ancestor is here:
                    return changed | since
            changed = changed | here._changed
            here = here._base()
        return None
