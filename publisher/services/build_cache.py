"""What a build remembers for the next one: each input's record and files, and the output.

``publisher build`` keeps it in the data folder (``<data dir>/build-cache/<id of the output
folder>/``), never in the output, which a web server publishes: the cache holds the records of
every input, withdrawn ones too. A later build into the same folder reads an input again only
when its bytes have changed, renders again only its appeal and the pages of the whole site, and
rewrites only the files whose bytes change.

Nothing is trusted that could have changed unseen. The cache is used only when

- its *fingerprint* is the build's: the same Python, the same installed distributions and
  versions, the same bytes in every file of the publisher package (code and templates), the
  same channels and render context (whatever else a rendering depends on);
- the output folder's marker file is the one the cached build wrote (no other build has been
  there since);

and an input's cached files are reused only when each is on disk with the size and
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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import publisher
from publisher.channel.registry import Registry
from publisher.domain.record import Appeal
from publisher.errors import Problem

__all__ = [
    "BuildState",
    "CachedInput",
    "Stat",
    "cache_folder",
    "fingerprint",
    "load",
    "locked",
    "save",
    "stat_of",
]

_VERSION = 1
_STATE = "state.pickle"

Stat = tuple[int, int]
"""A file's size and modification time (ns): what says it is as a build left it."""


def stat_of(path: Path) -> Stat | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_size, info.st_mtime_ns


@dataclass(frozen=True)
class CachedInput:
    """One input as a build read and rendered it: the record, the warnings met reading it,
    and each file its appeal rendered to, as (path, digest of the bytes, owner)."""

    appeal: Appeal
    warnings: tuple[Problem, ...]
    files: tuple[tuple[str, bytes, str], ...]


@dataclass
class BuildState:
    fingerprint: str
    marker: Stat | None
    """The output's marker file as the build left it."""
    inputs: dict[tuple[str, bytes], CachedInput] = field(default_factory=dict)
    """By (input path, digest of its bytes)."""
    outputs: dict[str, tuple[bytes, Stat]] = field(default_factory=dict)
    """Every file of the output (but the marker): its digest and its stat."""

    def intact(self, out: Path, path: str) -> bool:
        """Whether the output file ``path`` is on disk as this state recorded it."""
        known = self.outputs.get(path)
        return known is not None and stat_of(out / path) == known[1]


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


def load(folder: Path, expected: str) -> BuildState | None:
    """The cached state, or None when there is none, it cannot be read, or it is stale."""
    try:
        with open(folder / _STATE, "rb") as handle, _no_collections():
            version, state = pickle.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None  # written by another version, or damaged: build in full, write it anew
    if version != _VERSION or not isinstance(state, BuildState):
        return None
    return state if state.fingerprint == expected else None


def save(folder: Path, state: BuildState) -> None:
    """Write the state atomically: a crash leaves the old state or the new one."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".state.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle, _no_collections():
            pickle.dump((_VERSION, state), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / _STATE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def _distributions() -> list[str]:
    found = {
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()
    }
    return sorted(found)


def _factory_names(factories: Mapping[str, object]) -> list[str]:
    names = []
    for name, factory in factories.items():
        target = getattr(factory, "func", factory)  # functools.partial: its function
        module = getattr(target, "__module__", type(target).__module__)
        qualname = getattr(target, "__qualname__", type(target).__qualname__)
        names.append(f"{name}={module}.{qualname}")
    return names


def fingerprint(registry: Registry) -> str:
    """What every rendering depends on besides the inputs, as one digest (see the module doc).

    Only names and versions, file bytes and the render context go in: no setting, so no secret,
    is read."""
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
    for name in registry.factories:
        module = sys.modules.get(type(registry.get(name)).__module__)
        source = getattr(module, "__file__", None)
        if source and not Path(source).resolve().is_relative_to(root):
            digest.update(Path(source).read_bytes())  # a plug-in channel's own code
    add(repr(registry.context))
    return digest.hexdigest()
