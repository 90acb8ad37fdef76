"""What a build remembers for the next one: each input's record and files, the output, and
the site as the site channels rendered it.

``publisher build`` keeps it in the data folder (``<data dir>/build-cache/<id of the output
folder>/``), never in the output, which a web server publishes: the cache holds the records of
every input, withdrawn ones too. A later build into the same folder reads an input again only
when it has changed, renders again only its appeal and what of the site shows it (the web and
feeds channels carry on from the site they rendered last: see
:meth:`publisher.channel.Channel.site_memory`), and rewrites only the files whose bytes change.

The state is read whole on every build, in two files: ``state.pickle``, the base (each
input's stat, digest, id, warnings and files; each output's digest and stat), and
``state-changes.pickle`` (the channels' memory of the site, whose records are references, and
the entries that differ from the base's), so that a rebuild after one change writes a few
entries, not the site's hundred thousand (see :func:`save`). The records are in
``records-*.bin``, each record pickled alone and read only when something looks at it
(:class:`Records`): a rebuild after one change reads back a handful of records, not the
site's thousands.

Nothing is trusted that could have changed unseen. The cache is used only when

- its *fingerprint* is the build's: the same Python, the same installed distributions and
  versions, the same bytes in every file of the publisher package (code and templates), the
  same channels (a plug-in channel's with the files of its factory's folder) and render
  context (whatever else a rendering depends on); so a channel's memory of the site is only
  ever given back to the code that made it, for the same context;
- the output folder's marker file is the one the cached build wrote (no other build has been
  there since);

an input counts as unchanged when its size, modification time, inode and change time are the
ones recorded (as git's index does: an edit that keeps the size and puts the modification time
back still moves the change time), unless those times are within :data:`RACY_NS` of when the
recording build looked (a file edited in the same tick of a coarse clock): then it is read and
its digest compared. Records are compared by content (input path and digest), never by place
or time. An input's cached files are reused only when each is on disk with the size and
modification time the cache recorded. Anything else renders again. ``--full`` ignores the cache.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import importlib.metadata
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import publisher
from publisher.channel.registry import Registry
from publisher.domain.record import Appeal
from publisher.errors import BuildError, Problem

__all__ = [
    "BuildState",
    "CachedInput",
    "InputEntry",
    "InputStat",
    "RecordKey",
    "Records",
    "Stat",
    "cache_folder",
    "fingerprint",
    "input_stat",
    "load",
    "locked",
    "save",
    "stat_of",
]

_VERSION = 3
_STATE = "state.pickle"
_CHANGES = "state-changes.pickle"

#: A new base file is written when more of the inputs' and outputs' entries than this share
#: differ from the base file's (see :func:`save`).
_REBASE_SHARE = 0.25

#: An input whose modification or change time is this close to (or after) the moment the
#: build that recorded it began looking at the inputs is read again: it may have been edited
#: within one tick of the file system's clock after it was looked at ("racy git": some file
#: systems keep times to the second or two).
RACY_NS = 3_000_000_000

#: The records file is written anew when fewer than half of its bytes are still in use.
_DEAD_SHARE = 0.5

Stat = tuple[int, int]
"""A file's size and modification time (ns): what says it is as a build left it."""

InputStat = tuple[int, int, int, int]
"""An input's size, modification time (ns), inode and change time (ns), as git's index keeps
them: an edit that keeps the size and puts the modification time back still changes the
change time, and a file replaced by another has another inode."""

RecordKey = tuple[str, bytes]
"""An input's record by (path, digest of the input's bytes)."""


def stat_of(path: Path | str) -> Stat | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_size, info.st_mtime_ns


def input_stat(path: Path | str) -> InputStat:
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns


@dataclass(frozen=True)
class CachedInput:
    """One input as a build read and rendered it: the record, the warnings met reading it,
    and each file its appeal rendered to, as (path, digest of the bytes, owner)."""

    appeal: Appeal
    warnings: tuple[Problem, ...]
    files: tuple[tuple[str, bytes, str], ...]


@dataclass(frozen=True)
class InputEntry:
    """What the cache knows of one input without reading its record: how the file looked,
    its digest, the record's id, source and whether it is withdrawn, the warnings met reading
    it, and its files as (path, digest, owner). The record itself is in the records file."""

    stat: InputStat
    digest: bytes
    appeal_id: str
    source: str
    withdrawn: bool
    warnings: tuple[Problem, ...]
    files: tuple[tuple[str, bytes, str], ...]


@dataclass
class BuildState:
    fingerprint: str
    marker: Stat | None
    """The output's marker file as the build left it."""
    scanned_at: int = 0
    """When (ns since 1970) the build began looking at its inputs: see :data:`RACY_NS`."""
    inputs: dict[str, InputEntry] = field(default_factory=dict)
    """By input path."""
    outputs: dict[str, tuple[bytes, Stat]] = field(default_factory=dict)
    """Every file of the output (but the marker): its digest and its stat."""
    records_file: str = ""
    """The name, in the cache folder, of the file the records are in."""
    records: dict[RecordKey, tuple[int, int]] = field(default_factory=dict)
    """Where each record is in that file: (offset, length)."""
    sites: dict[str, object] = field(default_factory=dict)
    """Each site channel's memory of the site (:meth:`publisher.channel.Channel.site_memory`),
    its records by reference."""
    site_channels: tuple[str, ...] = ()
    """The channels that write site files."""
    base: str = ""
    """The base file this state was read from or saved on (see :func:`save`); not saved."""
    since_base: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    """The inputs and the outputs whose entries differ from the base file's; not saved."""

    def intact(self, out: Path, path: str) -> bool:
        """Whether the output file ``path`` is on disk as this state recorded it."""
        known = self.outputs.get(path)
        return known is not None and stat_of(f"{out}/{path}") == known[1]

    def unchanged(self, path: str, stat: InputStat) -> InputEntry | None:
        """The entry of an input that cannot have changed since: the same size, times and
        inode, and no time within :data:`RACY_NS` of when the build looked; else None (read
        it and compare digests)."""
        entry = self.inputs.get(path)
        if entry is None or entry.stat != stat:
            return None
        if max(stat[1], stat[3]) >= self.scanned_at - RACY_NS:
            return None
        return entry


class _Unread(Appeal):
    """A record of the cache, not read yet: the first look at any of its fields reads it from
    the records file, and from then on it *is* that :class:`Appeal` (its class too), the
    same object. A site of thousands is rendered again from the few records that changed,
    and only those the channels look at are read.

    It has no fields until read (``__getattr__`` is only called for what an object does not
    have); the records file and the key are kept where no field can be."""

    __slots__ = ()

    def __getattr__(self, name: str) -> object:
        pending = object.__getattribute__(self, "__dict__").get(_PENDING)
        if pending is None:  # pragma: no cover - a read record has every field
            raise AttributeError(name)
        store, key = pending
        read = store.read(key)
        object.__setattr__(self, "__dict__", dict(read.__dict__))
        for slot in ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
            object.__setattr__(self, slot, object.__getattribute__(read, slot))
        object.__setattr__(self, "__class__", Appeal)
        return getattr(self, name)


_PENDING = "\x00publisher:unread"


class Records:
    """The records file of a cache folder: each record pickled alone, appended; the state
    says where each is. :meth:`get` gives one record object per key, read when first used."""

    def __init__(self, folder: Path, state: BuildState | None) -> None:
        self.folder = folder
        self.name = state.records_file if state is not None else ""
        self.where = dict(state.records) if state is not None else {}
        self._objects: dict[RecordKey, Appeal] = {}
        self._file: BinaryIO | None = None
        self.reads = 0
        """How many records were read (by something looking at them)."""

    def get(self, key: RecordKey) -> Appeal:
        """The record for ``key``, the same object each time, read when first looked at."""
        found = self._objects.get(key)
        if found is None:
            if key not in self.where:
                raise KeyError(key)
            found = _Unread.__new__(_Unread)
            object.__getattribute__(found, "__dict__")[_PENDING] = (self, key)
            self._objects[key] = found
        return found

    def adopt(self, key: RecordKey, record: Appeal) -> None:
        """Use ``record`` (read from the state) as the object for ``key``."""
        self._objects.setdefault(key, record)

    def _blob(self, key: RecordKey) -> bytes:
        offset, length = self.where[key]
        if self._file is None:
            self._file = open(self.folder / self.name, "rb")  # noqa: SIM115 - closed in close()
        self._file.seek(offset)
        data = self._file.read(length)
        if len(data) != length:
            raise BuildError(
                f"the build cache's records file {self.folder / self.name} is cut short; "
                "build with --full"
            )
        return data

    def read(self, key: RecordKey) -> Appeal:
        self.reads += 1
        record = pickle.loads(self._blob(key))
        if not isinstance(record, Appeal):
            raise BuildError(
                f"the build cache's records file {self.folder / self.name} is damaged; "
                "build with --full"
            )
        return record

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def keep(
        self, records: Mapping[RecordKey, Appeal]
    ) -> tuple[str, dict[RecordKey, tuple[int, int]]]:
        """Make the file hold ``records`` (those it has are kept, the others appended, or
        all written to a new file when most of the old one is no longer used); returns the
        file's name and where each record is (records not read yet are read from there
        from now on, so a build's records can be read after it). The old file is removed by
        :meth:`tidy`."""
        live = {key: self.where[key] for key in records if key in self.where}
        new = {key: record for key, record in records.items() if key not in live}
        path = self.folder / self.name if self.name else None
        size = path.stat().st_size if path is not None and path.exists() else 0
        used = sum(length for _, length in live.values())
        self.close()  # appending, or reading the kept ones below, from the start
        if path is None or size == 0 or used < size * _DEAD_SHARE:
            # Write a new file with every record (those kept are read from the old one).
            blobs = [(key, self._blob(key)) for key in live]
            name = f"records-{os.getpid()}-{time.time_ns()}.bin"
            where: dict[RecordKey, tuple[int, int]] = {}
            with open(self.folder / name, "wb") as handle:
                for key, blob in blobs:
                    where[key] = (handle.tell(), len(blob))
                    handle.write(blob)
                for key, record in new.items():
                    blob = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
                    where[key] = (handle.tell(), len(blob))
                    handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
            self.name, self.where = name, where
            return name, dict(where)
        with open(path, "ab") as handle:
            end = handle.seek(0, os.SEEK_END)
            for key, record in new.items():
                blob = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
                live[key] = (end, len(blob))
                handle.write(blob)
                end += len(blob)
            handle.flush()
            os.fsync(handle.fileno())
        self.where = live
        return self.name, dict(live)

    def tidy(self, current: str) -> None:
        """Remove every records file but ``current``."""
        self.close()
        for path in self.folder.glob("records-*.bin"):
            if path.name != current:
                path.unlink(missing_ok=True)


class _Foreign(Exception):
    """A channel's memory holds a record this build does not know."""


def _record(path: str, digest: bytes) -> Appeal:  # pragma: no cover - never called
    """What a record in a memory is pickled as a call of; :class:`_StateUnpickler` gives its
    own function for this name, which hands out the cache's record (one object per key)."""
    raise BuildError("a build cache state is read with its own unpickler")


class _StatePickler(pickle.Pickler):
    """Pickles every record (a channel's memory holds thousands) as a reference to the
    records file: a call of :func:`_record` with its key. Only records meet Python code here
    (the pickler's dispatch table, by type), and each record once (the pickler's memo keeps
    the others' references), so the rest pickles at the C pickler's pace."""

    def __init__(self, handle: BinaryIO, keys: Mapping[int, RecordKey]) -> None:
        super().__init__(handle, protocol=pickle.HIGHEST_PROTOCOL)
        self._keys = keys
        self.dispatch_table = {Appeal: self._reduce, _Unread: self._reduce}

    def _reduce(self, record: Appeal) -> tuple[Callable[[str, bytes], Appeal], RecordKey]:
        key = self._keys.get(id(record))
        if key is None:
            raise _Foreign(record)
        return _record, key


class _StateUnpickler(pickle.Unpickler):
    def __init__(self, handle: BinaryIO, records: Callable[[BuildState], Records]) -> None:
        super().__init__(handle)
        self._make = records
        self._pending: dict[RecordKey, Appeal] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_record":
            return self._unread
        return super().find_class(module, name)

    def _unread(self, path: str, digest: bytes) -> Appeal:
        # The state (which says where the records are) is read after the memories that
        # refer to them: hand out unread records now (one object per record), tied to their
        # file once it is known.
        key = (path, digest)
        record = self._pending.get(key)
        if record is None:
            record = self._pending[key] = _Unread.__new__(_Unread)
        return record

    def tie(self, state: BuildState) -> Records:
        records = self._make(state)
        for key, record in self._pending.items():
            if key not in records.where:
                raise pickle.UnpicklingError(f"no record {key[0]} in the records file")
            object.__getattribute__(record, "__dict__")[_PENDING] = (records, key)
            records.adopt(key, record)
        return records


def cache_folder(data_dir: Path, out: Path) -> Path:
    """Where builds into ``out`` keep their cache."""
    name = hashlib.blake2b(str(out.resolve()).encode(), digest_size=8).hexdigest()
    return data_dir / "build-cache" / name


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One build at a time per output folder: a second one waits for the first."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class _Changes:
    """The changes file: everything of a state but its inputs and outputs, and those of its
    inputs and outputs whose entries differ from the base file's (None: not there now)."""

    base: str
    fingerprint: str
    marker: Stat | None
    scanned_at: int
    records_file: str
    records: dict[RecordKey, tuple[int, int]]
    sites: dict[str, object]
    site_channels: tuple[str, ...]
    inputs: dict[str, InputEntry | None]
    outputs: dict[str, tuple[bytes, Stat] | None]


def _apply(entries: dict[str, Any], changes: Mapping[str, object | None]) -> None:
    for key, value in changes.items():
        if value is None:
            entries.pop(key, None)
        else:
            entries[key] = value


def load(folder: Path, expected: str) -> tuple[BuildState, Records] | None:
    """The cached state and its records, or None when there is none, it cannot be read, or
    it is stale. The records are read only when something looks at them."""
    try:
        with open(folder / _STATE, "rb") as handle, _no_collections():
            # Its own unpickler, so that an older version's state (whose records are
            # references) is read as one, and refused.
            base = _StateUnpickler(handle, lambda state: Records(folder, state)).load()
        if not (isinstance(base, tuple) and len(base) == 5 and base[0] == _VERSION):
            return None
        _, token, fingerprint, inputs, outputs = base
        if fingerprint != expected or not isinstance(inputs, dict) or not isinstance(outputs, dict):
            return None
        with open(folder / _CHANGES, "rb") as handle, _no_collections():
            unpickler = _StateUnpickler(handle, lambda state: Records(folder, state))
            version, changes = unpickler.load()
        if version != _VERSION or not isinstance(changes, _Changes):
            return None
        if changes.base != token or changes.fingerprint != expected:
            return None  # a base written since (and the build stopped before its changes)
        with _no_collections():
            _apply(inputs, changes.inputs)
            _apply(outputs, changes.outputs)
        state = BuildState(
            fingerprint=fingerprint,
            marker=changes.marker,
            scanned_at=changes.scanned_at,
            inputs=inputs,
            outputs=outputs,
            records_file=changes.records_file,
            records=changes.records,
            sites=changes.sites,
            site_channels=changes.site_channels,
            base=token,
            since_base=(frozenset(changes.inputs), frozenset(changes.outputs)),
        )
        end = max((o + n for o, n in state.records.values()), default=0)
        if end and os.stat(folder / state.records_file).st_size < end:
            return None  # the records file is cut short: build in full
        return state, unpickler.tie(state)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None  # written by another version, or damaged: build in full, write it anew


def _differing(
    now: Mapping[str, object], before: Mapping[str, object], since_base: frozenset[str]
) -> dict[str, Any]:
    """The entries of ``now`` that differ from the base file's, whose entries were ``before``
    but for ``since_base``: those, and each one not the very object it was before (None for
    one no longer there). An unchanged entry is the object the state was read with."""
    differ: dict[str, Any] = {key: now.get(key) for key in since_base}
    for key, value in now.items():
        if before.get(key) is not value:
            differ[key] = value
    for key in before.keys() - now.keys():
        differ[key] = None
    return differ


def _write_atomically(folder: Path, name: str, write: Callable[[BinaryIO], None]) -> None:
    """Write ``folder / name`` by a temporary file renamed into place: a crash leaves the old
    file or the new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle, _no_collections():
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(
    folder: Path,
    state: BuildState,
    records: Records,
    current: Mapping[RecordKey, Appeal],
    previous: BuildState | None = None,
) -> None:
    """Write the state and the ``current`` records atomically: a crash leaves the old state
    (with its records file) or the new one (or, while a new base is written, none: the next
    build is then a full one). A channel's memory that holds a record the state does not
    name is left out (the next build renders that channel's site from nothing).

    The inputs' and outputs' entries (most of the state, and few of them change from one
    build to the next) are kept in a base file, written only when ``previous`` (the state
    this build read, whose unchanged entries are the same objects in ``state``) has none or
    when more than :data:`_REBASE_SHARE` of them differ from it; the changes file holds the
    rest of the state and the entries that differ from the base's."""
    folder.mkdir(parents=True, exist_ok=True)
    state.records_file, state.records = records.keep(current)
    keys = {id(record): key for key, record in current.items()}
    token = previous.base if previous is not None else ""
    changed_inputs: dict[str, Any] = {}
    changed_outputs: dict[str, Any] = {}
    if previous is not None and token:
        with _no_collections():
            changed_inputs = _differing(state.inputs, previous.inputs, previous.since_base[0])
            changed_outputs = _differing(state.outputs, previous.outputs, previous.since_base[1])
        if len(changed_inputs) + len(changed_outputs) > _REBASE_SHARE * (
            len(state.inputs) + len(state.outputs)
        ):
            token = ""
    if not token:
        token = f"{os.getpid()}-{time.time_ns()}"
        base = (_VERSION, token, state.fingerprint, state.inputs, state.outputs)
        _write_atomically(
            folder,
            _STATE,
            lambda handle: pickle.dump(base, handle, protocol=pickle.HIGHEST_PROTOCOL),
        )
        changed_inputs, changed_outputs = {}, {}
    state.base = token
    state.since_base = (frozenset(changed_inputs), frozenset(changed_outputs))
    changes = _Changes(
        base=token,
        fingerprint=state.fingerprint,
        marker=state.marker,
        scanned_at=state.scanned_at,
        records_file=state.records_file,
        records=state.records,
        sites=state.sites,
        site_channels=state.site_channels,
        inputs=changed_inputs,
        outputs=changed_outputs,
    )

    def write(handle: BinaryIO) -> None:
        try:
            _StatePickler(handle, keys).dump((_VERSION, changes))
        except _Foreign:
            handle.seek(0)
            handle.truncate()
            state.sites = changes.sites = {}
            _StatePickler(handle, keys).dump((_VERSION, changes))

    _write_atomically(folder, _CHANGES, write)
    records.tidy(state.records_file)


@contextmanager
def _no_collections() -> Iterator[None]:
    """No cyclic garbage collection while a state of many thousand records is read or written:
    nothing there is garbage, and walking it again and again would triple the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _package_files(root: Path) -> Iterator[Path]:
    for directory, folders, files in os.walk(root, followlinks=True):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                yield Path(directory, name)


def _name_and_version(dist: importlib.metadata.Distribution) -> str:
    """``Name==Version`` of ``dist``, as ``dist.metadata['Name']`` and ``dist.version`` give
    them, read from the metadata file's header lines alone: parsing the whole file as an email
    message (what ``dist.metadata`` does) for every installed distribution took a fifth of a
    second of every build; the headers end at the first empty line."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line:
            break
        key, colon, value = line.partition(":")
        if colon and key in ("Name", "Version"):
            headers.setdefault(key, value.strip())
    return f"{headers.get('Name')}=={headers.get('Version')}"


#: The distribution of this package: left out of the fingerprint's distributions, as its
#: files are in it byte for byte. Its metadata says no more, and a ``publisher.egg-info`` left
#: in a source tree (found by a build run from the tree's root, the working directory being on
#: ``sys.path``) would make the fingerprint depend on where a build runs and on how stale that
#: folder is.
_OWN_DISTRIBUTION = "publisher"


def _distributions() -> list[str]:
    found = {_name_and_version(dist) for dist in importlib.metadata.distributions()}
    return sorted(
        line
        for line in found
        if line.partition("==")[0].lower().replace("_", "-") != _OWN_DISTRIBUTION
    )


def _factory_names(factories: Mapping[str, object]) -> list[str]:
    names = []
    for name, factory in factories.items():
        target = getattr(factory, "func", factory)  # functools.partial: its function
        module = getattr(target, "__module__", type(target).__module__)
        qualname = getattr(target, "__qualname__", type(target).__qualname__)
        names.append(f"{name}={module}.{qualname}")
    return names


def _plugin_sources(factories: Mapping[str, object], root: Path) -> list[Path]:
    """The source of the channels whose factories live outside the publisher package (at
    ``root``), found without building a channel: the files of the folder of each factory's
    module (the module, its sibling modules, where a plug-in's channel class and templates are
    as a rule, and their sub-folders); only the module itself when it is a top-level module
    (then its folder is ``site-packages`` or another's)."""
    found: set[Path] = set()
    for factory in factories.values():
        target = getattr(factory, "func", factory)  # functools.partial: its function
        module = sys.modules.get(getattr(target, "__module__", None) or type(target).__module__)
        source = getattr(module, "__file__", None)
        if not source:
            continue
        path = Path(source).resolve()
        if path.is_relative_to(root):
            continue
        if getattr(module, "__package__", None):
            found.update(_package_files(path.parent))
        else:
            found.add(path)
    return sorted(found)


def fingerprint(registry: Registry) -> str:
    """What every rendering depends on besides the inputs, as one digest (see the module doc).

    Only names and versions, file bytes and the render context go in: no setting, so no secret,
    is read, and no channel is built (a plug-in channel's code is found from its factory: see
    :func:`_plugin_sources`)."""
    digest = hashlib.blake2b(digest_size=20)

    def add(text: str) -> None:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")

    add(sys.version)
    for line in _distributions():
        add(line)
    root = Path(publisher.__file__).resolve().parent
    for path in _package_files(root):
        add(str(path.relative_to(root)))
        digest.update(path.read_bytes())
    for line in _factory_names(registry.factories):
        add(line)
    for path in _plugin_sources(registry.factories, root):
        add(str(path))
        digest.update(path.read_bytes())  # a plug-in channel's own code
    add(repr(registry.context))
    return digest.hexdigest()
