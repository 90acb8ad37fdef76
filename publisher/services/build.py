"""Build the whole static output from appeal files: validate everything, render, then swap in.

A build never leaves a half-written output: every input is imported and validated, and the
output is rendered into a staging folder beside the target, which is swapped in by rename only
when everything is valid and written. A failed build leaves the previous output exactly as it was.

Reading and rendering each appeal is independent of the others, so a build shares the appeals
out among worker processes (one per core, ``jobs``), each writing its appeals' files into the
staging folder and sending back the record and a digest of every file; the main process then
renders what needs every appeal (indexes and feeds) and checks that no two outputs want one path
with different bytes. The output is the same, byte for byte, whatever the number of processes.
The main process reads and renders the first appeal itself before forking, so what a first
rendering loads is in pages the workers share. A worker sends back with each record what the
site channels make of it (its index cards: ``site_fragments``), for the
main process's site rendering, and remembers only the last few of those itself (its records
reach the main process as other objects).
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from publisher.channel import OutputFile
from publisher.channel.memo import keep_few_site_fragments
from publisher.channel.registry import Registry
from publisher.domain.record import Appeal, AppealStatus
from publisher.errors import BuildError, InputsInvalid, Problem, RecordInvalid
from publisher.importers import find_inputs, linked_files_of, load_appeal
from publisher.services import build_cache
from publisher.services.build_cache import BuildState, CachedInput, InputEntry

__all__ = [
    "BUILD_MARKER",
    "BuildReport",
    "InputsInvalid",
    "build_site",
    "default_jobs",
]

#: A file every build writes at the root of its output, so a later build knows the folder is ours.
BUILD_MARKER = ".publisher-build"

Progress = Callable[[Iterable[Path]], Iterable[Path]]


@dataclass(frozen=True)
class BuildReport:
    out: Path
    appeals: list[Appeal] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    files: int = 0
    processes: int = 1
    """How many processes read and rendered the appeals."""
    rendered: int = 0
    """How many inputs were read and rendered (the others came from the build cache)."""
    written: int = 0
    """How many files were written (the others were left as they were)."""
    records_read: int = 0
    """How many records of unchanged inputs were read back from the build cache (for the
    site pages and feeds that show them and had to be made again): the others were not."""


def _identity(items: Iterable[Path]) -> Iterable[Path]:
    return items


def _input_paths(inputs: Sequence[Path]) -> list[Path]:
    paths = find_inputs(inputs)
    if not paths:
        shown = ", ".join(str(p) for p in inputs)
        raise BuildError(f"no appeal files (.txt, .md, .json) found in {shown}")
    return paths


def _check_loaded(inputs: Sequence[_Known], problems: list[Problem]) -> None:
    """Raise InputsInvalid for every file that failed and every appeal id used twice."""
    seen: dict[str, str] = {}
    for entry in inputs:
        if entry.appeal_id in seen:
            problems.append(
                Problem(
                    f"appeal id {entry.appeal_id!r} is also used by {seen[entry.appeal_id]}",
                    file=entry.source,
                    field="id",
                )
            )
        seen[entry.appeal_id] = entry.source
    if problems:
        raise InputsInvalid(problems)


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / BUILD_MARKER).exists():
        raise BuildError(
            f"{out} is not empty and was not made by 'publisher build'; "
            "choose an empty or new folder so nothing of yours is replaced"
        )


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` with ``staging`` by renames, so readers see the old or the new build."""
    if not out.exists():
        staging.rename(out)
        return
    previous = out.with_name(f".{out.name}.previous")
    if previous.exists():
        shutil.rmtree(previous)
    out.rename(previous)
    try:
        staging.rename(out)
    except OSError:
        previous.rename(out)
        raise
    shutil.rmtree(previous)


def default_jobs() -> int:
    """How many processes a build uses unless told: one per core this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - platforms without affinity


# A worker process reads and renders this many appeals at a time: enough that sending the
# results back costs little beside the work, few enough that the processes finish together.
_CHUNK = 24


# What reading and rendering one input gives: its record, warnings and files (all written under
# the staging folder), or the problem that refused it.
_Read = CachedInput | Problem

# What the site channels made of one appeal in a worker process for the site's rendering in the
# main process (Channel.site_fragments), by channel name.
_Fragments = tuple[tuple[str, object], ...]


def _digest(content: bytes) -> bytes:
    return hashlib.blake2b(content, digest_size=16).digest()


# How a staged file is opened: as ``Path.write_bytes`` opens it (created or emptied, mode 0o666
# less the umask, not inherited by child processes).
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


# The folders this process has made under the staging folder it writes into now.
_MADE: tuple[str, set[str]] = ("", set())


def _write(staging: Path, item: OutputFile) -> None:
    """Write ``item`` under ``staging``, making its folder the first time one is needed.

    A build writes some nine files per folder: each folder is made once (this process
    remembers which it made under this staging folder), not asked for before every file, and
    the file is written through its descriptor, without a ``Path`` or a buffered file object
    per file. A folder made by another process (a worker, or the main one before it forked)
    is simply found there.
    """
    global _MADE
    root = os.fspath(staging)
    if _MADE[0] != root:
        _MADE = (root, set())
    target = os.path.join(root, item.path)
    folder = os.path.dirname(target)
    made = _MADE[1]
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    try:
        descriptor = os.open(target, _CREATE, 0o666)
    except FileNotFoundError:  # a staging folder of the same name, made and removed before
        os.makedirs(folder, exist_ok=True)
        descriptor = os.open(target, _CREATE, 0o666)
    try:
        content = memoryview(item.content)
        while content:
            content = content[os.write(descriptor, content) :]
    finally:
        os.close(descriptor)


def _read_and_render(
    paths: Sequence[Path], staging: Path, registry: Registry, *, for_site: bool = False
) -> list[tuple[_Read, _Fragments]]:
    """Import each path and write its appeal's files (every channel) under ``staging``; with
    ``for_site`` (in a worker process), each site channel's fragments of the appeal too."""
    done: list[tuple[_Read, _Fragments]] = []
    context = registry.context
    site_channels = [name for name in registry.names if registry.get(name).writes_site_files]
    for path in paths:
        try:
            result = load_appeal(path)
        except RecordInvalid as exc:
            done.append((exc.problem, ()))
            continue
        appeal = result.appeal
        files: list[tuple[str, bytes, str]] = []
        if appeal.status is not AppealStatus.WITHDRAWN:
            for name in registry.names:
                for item in registry.get(name).render(appeal, context).files:
                    _write(staging, item)
                    files.append((item.path, _digest(item.content), f"{name}: {appeal.id}"))
        fragments: list[tuple[str, object]] = []
        if for_site:
            for name in site_channels:
                made = registry.get(name).site_fragments(appeal, context)
                if made is not None:
                    fragments.append((name, made))
        read = CachedInput(appeal=appeal, warnings=result.warnings, files=tuple(files))
        done.append((read, tuple(fragments)))
    return done


# The registry a forked worker renders with: set in the parent just before the workers start.
_WORKER_REGISTRY: Registry | None = None


def _worker_start() -> None:
    """In a worker, before its first chunk: its records go back to the main process pickled,
    as new objects there, with what the site channels made of them for the site's rendering
    (their site fragments), so only the last few of those are remembered here."""
    keep_few_site_fragments()


def _worker_chunk(paths: Sequence[Path], staging: Path) -> list[tuple[_Read, _Fragments]]:
    if _WORKER_REGISTRY is None:  # pragma: no cover - only if started other than by fork
        raise BuildError("build worker started without a registry")
    with _fewer_collections():
        return _read_and_render(paths, staging, _WORKER_REGISTRY, for_site=True)


def _can_fork() -> bool:
    """Forking is safe only from a process with one thread (no lock held by another)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _chunks(paths: Sequence[Path]) -> list[list[Path]]:
    return [list(paths[i : i + _CHUNK]) for i in range(0, len(paths), _CHUNK)]


def _render_appeals(
    paths: Sequence[Path], staging: Path, registry: Registry, processes: int
) -> Iterator[tuple[Path, tuple[_Read, _Fragments]]]:
    """Read and render every path in ``processes`` processes (:func:`_processes`), yielding
    each path with its result and, when a worker process rendered it, what the site channels
    made of it there (for this process's site rendering), in input order."""
    chunks = _chunks(paths)
    if processes <= 1:
        for chunk in chunks:
            yield from zip(chunk, _read_and_render(chunk, staging, registry), strict=True)
        return
    # Every worker renders every channel: build them (and import their code) once, here,
    # for the workers to inherit, instead of once in each worker. Building a channel starts
    # no thread; if one ever did, the appeals are rendered here rather than forked.
    registry.channels()
    # The first appeal is read and rendered here, before the workers start: what a first
    # rendering loads (importers, twitter-text, phone number data, templates, caches: a
    # quarter of a second and 13 MiB) is then loaded once, in pages the workers share,
    # instead of once in each worker.
    first, rest = paths[:1], paths[1:]
    yield from zip(first, _read_and_render(first, staging, registry), strict=True)
    chunks = _chunks(rest)
    if not _can_fork():
        for chunk in chunks:
            yield from zip(chunk, _read_and_render(chunk, staging, registry), strict=True)
        return
    global _WORKER_REGISTRY
    _WORKER_REGISTRY = registry
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        with ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_worker_start,
        ) as pool:
            futures = [pool.submit(_worker_chunk, chunk, staging) for chunk in chunks]
            for chunk, future in zip(chunks, futures, strict=True):
                yield from zip(chunk, future.result(), strict=True)
    finally:
        _WORKER_REGISTRY = None


def _processes(jobs: int, count: int) -> int:
    """How many processes share ``count`` inputs: up to ``jobs``, when there is enough to
    share and this process can fork safely."""
    chunks = -(-count // _CHUNK)
    return min(jobs, chunks) if jobs > 1 and chunks >= 2 and _can_fork() else 1


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while a build makes (and keeps) millions
    of small objects: with the default thresholds it walks them again and again (a third of
    the time of reading records back from worker processes)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 50_000), max(before[1], 20), max(before[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*before)


def build_site(
    inputs: Sequence[Path],
    out: Path,
    registry: Registry,
    *,
    progress: Progress = _identity,
    jobs: int | None = None,
    cache: Path | None = None,
) -> BuildReport:
    """Validate every input, render every channel, then put the result in ``out``.

    ``jobs`` processes read and render the appeals (default :func:`default_jobs`; 1 for this
    process only); the result is the same whatever their number.

    With a ``cache`` folder (:func:`build_cache.cache_folder`), a build into a folder an earlier
    build made renders only what changed and rewrites only the files whose bytes change (see
    :mod:`publisher.services.build_cache`); the result is the same, byte for byte, as a build
    from nothing. Without one, or when the cache cannot be used, the whole output is built in a
    staging folder and swapped in by rename.
    """
    out = out.resolve()
    _check_target(out)
    paths = _input_paths(inputs)
    jobs = default_jobs() if jobs is None else jobs
    if cache is None:
        return _build(paths, out, registry, progress, jobs, None)
    # The state read back is millions of objects, none of them garbage: collections that
    # walk them (with the default thresholds, in every step of the build) are put off.
    with build_cache.locked(cache), _fewer_collections():
        expected = build_cache.fingerprint(registry)
        loaded = build_cache.load(cache, expected)
        if loaded is not None and loaded[0].marker != build_cache.stat_of(out / BUILD_MARKER):
            loaded[1].close()
            loaded = None  # another build has been there since
        records = loaded[1] if loaded is not None else build_cache.Records(cache, None)
        state = loaded[0] if loaded is not None else None
        try:
            return _build(
                paths, out, registry, progress, jobs, _Cached(cache, expected, state, records)
            )
        finally:
            records.close()


@dataclass
class _Cached:
    folder: Path
    fingerprint: str
    state: BuildState | None
    records: build_cache.Records


@dataclass(frozen=True)
class _Known:
    """One input ready for the site: its record (perhaps not read yet, from the cache), what
    the build needs to know of it without reading it, and its files."""

    appeal: Appeal
    appeal_id: str
    source: str
    withdrawn: bool
    warnings: tuple[Problem, ...]
    files: tuple[tuple[str, bytes, str], ...]

    @classmethod
    def read(cls, entry: CachedInput) -> _Known:
        appeal = entry.appeal
        return cls(
            appeal=appeal,
            appeal_id=appeal.id,
            source=appeal.source or appeal.id,
            withdrawn=appeal.status is AppealStatus.WITHDRAWN,
            warnings=entry.warnings,
            files=entry.files,
        )

    @classmethod
    def cached(cls, entry: InputEntry, appeal: Appeal, source: str) -> _Known:
        """The input of ``entry``, named ``source`` in this build's problems (the same file
        may have been named otherwise, relative or absolute, when it was read: its record
        keeps that name)."""
        warnings = entry.warnings
        if source != entry.source:
            warnings = tuple(
                replace(w, file=source) if w.file == entry.source else w for w in warnings
            )
        return cls(
            appeal=appeal,
            appeal_id=entry.appeal_id,
            source=source,
            withdrawn=entry.withdrawn,
            warnings=warnings,
            files=entry.files,
        )


def _unchanged(
    paths: Sequence[Path], names: Sequence[str], state: BuildState | None, out: Path
) -> tuple[dict[str, InputEntry], dict[str, tuple[build_cache.InputStat, bytes]], set[str]]:
    """Which inputs have not changed since the cached build (and whose files are on disk as
    it left them), how every input looks now (stat and digest), and the output files found
    intact, by the inputs' ``names`` in the cache. An input is read and hashed only when its
    stat says it may have changed."""
    same: dict[str, InputEntry] = {}
    seen: dict[str, tuple[build_cache.InputStat, bytes]] = {}
    intact: set[str] = set()
    # An appeal with linked translation files (osian.cy.md beside osian.md) is unchanged only
    # if they are too: its digest covers them, and it is hashed every time.
    companions = linked_files_of(paths)
    if state is None:
        for path, name in zip(paths, names, strict=True):
            stat = build_cache.input_stat(path)
            seen[name] = (stat, _digest(_input_bytes(path, companions.get(path, ()))))
        return same, seen, intact
    outputs = state.outputs
    with _folder(out) as folder:
        for path, name in zip(paths, names, strict=True):
            stat = build_cache.input_stat(path)
            linked = companions.get(path, ())
            entry = None if linked else state.unchanged(name, stat)
            if entry is None:
                digest = _digest(_input_bytes(path, linked))
                known = state.inputs.get(name)
                if known is not None and known.digest == digest:
                    entry = known
            else:
                digest = entry.digest
            seen[name] = (stat, digest)
            if entry is not None and folder is not None and _as_recorded(entry, outputs, folder):
                same[name] = entry
    for entry in same.values():
        intact.update([file for file, _, _ in entry.files])
    return same, seen, intact


def _cache_names(paths: Sequence[Path]) -> list[str]:
    """Each input's name in the build cache: its path with its folder resolved (absolute, no
    symbolic link), so that the same file named relative or absolute, or through a linked
    folder, is the same input; the file's own name is kept (a link to another input is an
    input of its own). One resolution per folder."""
    folders: dict[str, str] = {}
    names = []
    for path in paths:
        folder, _, file = os.fspath(path).rpartition(os.sep)
        real = folders.get(folder)
        if real is None:
            resolved = os.path.realpath(folder or os.curdir)
            real = folders[folder] = resolved.rstrip(os.sep) + os.sep
        names.append(real + file)
    return names


def _input_bytes(path: Path, linked: Sequence[Path]) -> bytes:
    """What an input's digest is of: its bytes, and each linked file's name and bytes."""
    content = path.read_bytes()
    for other in linked:
        content += b"\0" + other.name.encode() + b"\0" + other.read_bytes()
    return content


@contextmanager
def _folder(path: Path) -> Iterator[int | None]:
    """The folder open (for looking up files in it by relative path), or None if it is not
    there."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        yield None
        return
    try:
        yield descriptor
    finally:
        os.close(descriptor)


def _as_recorded(
    entry: InputEntry, outputs: dict[str, tuple[bytes, build_cache.Stat]], folder: int
) -> bool:
    """Whether each of the input's files is in the output ``folder`` (a descriptor) with the
    size and modification time the cache recorded (one stat each, relative to the folder:
    a rebuild looks at every file of the site)."""
    stat = os.stat
    for file, _, _ in entry.files:
        recorded = outputs.get(file)
        if recorded is None:
            return False
        try:
            info = stat(file, dir_fd=folder)
        except (FileNotFoundError, NotADirectoryError):
            return False
        if info.st_size != recorded[1][0] or info.st_mtime_ns != recorded[1][1]:
            return False
    return True


def _build(
    paths: Sequence[Path],
    out: Path,
    registry: Registry,
    progress: Progress,
    jobs: int,
    cached: _Cached | None,
) -> BuildReport:
    """The build; ``cached`` is the cache folder, the fingerprint, the usable state and its
    records."""
    state = None if cached is None else cached.state
    # An input is read again unless the cache has it, with these bytes, and its files are on
    # disk as the cached build left them.
    scanned_at = time.time_ns()
    reuse: dict[str, _Known] = {}
    seen: dict[str, tuple[build_cache.InputStat, bytes]] = {}
    intact: set[str] = set()
    names = _cache_names(paths)
    if cached is not None:
        same, seen, intact = _unchanged(paths, names, state, out)
        for path, name in zip(paths, names, strict=True):
            entry = same.get(name)
            if entry is not None:
                record = cached.records.get((name, entry.digest))
                reuse[name] = _Known.cached(entry, record, str(path))
    todo = [(path, name) for path, name in zip(paths, names, strict=True) if name not in reuse]
    processes = _processes(jobs, len(todo))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        with _fewer_collections():
            read: dict[str, _Known | Problem] = dict(reuse)

            def everything() -> Iterator[Path]:
                for path, name in zip(paths, names, strict=True):
                    if name in reuse:
                        yield path
                rendered = _render_appeals([p for p, _ in todo], staging, registry, processes)
                for (path, (result, fragments)), (_, name) in zip(rendered, todo, strict=True):
                    if isinstance(result, Problem):
                        read[name] = result
                    else:
                        read[name] = _Known.read(result)
                        for channel, made in fragments:
                            registry.get(channel).recall_site_fragments(
                                result.appeal, registry.context, made
                            )
                    yield path

            for _ in progress(everything()):
                pass
            entries = [read[name] for name in names]
            if state is not None:
                _recall_sites(registry, state)
            known, warnings, outputs, sites = _finish(entries, staging, registry)
        if state is None:
            (staging / BUILD_MARKER).write_text(MARKER_TEXT, encoding="utf-8")
            staging.chmod(0o755)
            _swap_in(staging, out)
            written = set(outputs)
        else:
            written = _update_in_place(staging, out, outputs, state, intact)
            shutil.rmtree(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if cached is not None:
        _remember(cached, out, names, seen, known, outputs, written, sites, scanned_at)
    return BuildReport(
        appeals=[k.appeal for k in known],
        warnings=warnings,
        files=len(outputs),
        out=out,
        processes=processes,
        rendered=len(todo),
        written=len(written),
        records_read=0 if cached is None else cached.records.reads,
    )


MARKER_TEXT = "Built by publisher. This whole folder is replaced by the next build.\n"


def _recall_sites(registry: Registry, state: BuildState) -> None:
    """Give each site channel the site it rendered last (the cached records are the very
    objects this build passes for the appeals that have not changed)."""
    for name in state.site_channels:
        memory = state.sites.get(name)
        if memory is not None and name in registry.factories:
            registry.get(name).recall_site(registry.context, memory)


def _finish(
    entries: Sequence[_Known | Problem], staging: Path, registry: Registry
) -> tuple[list[_Known], list[Problem], dict[str, bytes], dict[str, object | None]]:
    """Check every input, then render the files of the whole site into ``staging``.

    Returns the inputs, the warnings, every output file's digest, and each site channel's
    memory of the site."""
    known: list[_Known] = []
    warnings: list[Problem] = []
    problems: list[Problem] = []
    for entry in entries:
        if isinstance(entry, Problem):
            problems.append(entry)
        else:
            known.append(entry)
            warnings.extend(entry.warnings)
    _check_loaded(known, problems)
    # Each output's digest, by path: the first to claim a path has it; another claim of it
    # with other bytes is an error (named by the later claimant). One C call per file: a site
    # of ten thousand appeals has ninety thousand.
    digests: dict[str, bytes] = {}
    claim = digests.setdefault
    for entry in known:
        for path, digest, owner in entry.files:
            if claim(path, digest) != digest:
                raise BuildError(f"two outputs want the same path {path!r} ({owner})")
    live = [k.appeal for k in known if not k.withdrawn]
    context = registry.context
    sites: dict[str, object | None] = {}
    for name in registry.names:
        channel = registry.get(name)
        if channel.writes_site_files:
            for item in channel.render_site(live, context).files:
                digest = _digest(item.content)
                if item.path not in digests:
                    digests[item.path] = digest
                    _write(staging, item)
                elif digests[item.path] != digest:
                    raise BuildError(f"two outputs want the same path {item.path!r} ({name}: site)")
            sites[name] = channel.site_memory(context)
    return known, warnings, digests, sites


def _update_in_place(
    staging: Path, out: Path, outputs: dict[str, bytes], state: BuildState, intact: set[str]
) -> set[str]:
    """Bring ``out`` to ``outputs``: move in each staged file whose bytes differ from what is
    there, delete what is no longer built. Each file is replaced atomically; unchanged files
    are not touched (their modification times stay). ``intact``: files already found on disk
    as the state recorded them (an unchanged input's, with the recorded digest: it claimed
    them with those bytes), looked at no further. Returns the paths written."""
    written: set[str] = set()
    for path in outputs.keys() - intact:
        digest = outputs[path]
        known = state.outputs.get(path)
        if known is not None and known[0] == digest and state.intact(out, path):
            continue
        staged = staging / path
        if not staged.exists():  # pragma: no cover - a reused input's file is intact by choice
            raise BuildError(f"{path} was neither built nor found as the last build left it")
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.chmod(0o644)
        os.replace(staged, target)
        written.add(path)
    for path in state.outputs.keys() - outputs.keys():
        gone = out / path
        gone.unlink(missing_ok=True)
        folder = gone.parent
        while folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return written


def _remember(
    cached: _Cached,
    out: Path,
    names: Sequence[str],
    seen: dict[str, tuple[build_cache.InputStat, bytes]],
    known: Sequence[_Known],
    outputs: dict[str, bytes],
    written: set[str],
    sites: dict[str, object | None],
    scanned_at: int,
) -> None:
    """Save what this build read and wrote, for the next one."""
    state = cached.state
    # A file not written is as the state recorded it (its entry is kept, the very object,
    # which tells the cache it has not changed); a file written is looked at. Only the
    # files written and those no longer built are gone through, not the whole site.
    files: dict[str, tuple[bytes, build_cache.Stat]] = {}
    fresh: Iterable[str] = outputs
    if state is not None:
        files = state.outputs.copy()
        for file in files.keys() - outputs.keys():
            del files[file]
        fresh = sorted(written)
    for file in fresh:
        stat = build_cache.stat_of(out / file)
        if stat is None:
            files.pop(file, None)
        else:
            files[file] = (outputs[file], stat)
    inputs: dict[str, InputEntry] = {}
    records: dict[build_cache.RecordKey, Appeal] = {}
    before = state.inputs if state is not None else {}
    for name, entry in zip(names, known, strict=True):
        looked, digest = seen[name]
        recorded = before.get(name)
        if (
            recorded is not None
            and recorded.files is entry.files
            and recorded.source == entry.source
            and recorded.digest == digest
            and recorded.stat == looked
        ):
            # Kept as the very object read, which tells the cache it has not changed.
            inputs[name] = recorded
            records[(name, digest)] = entry.appeal
            continue
        inputs[name] = InputEntry(
            stat=looked,
            digest=digest,
            appeal_id=entry.appeal_id,
            source=entry.source,
            withdrawn=entry.withdrawn,
            warnings=entry.warnings,
            files=entry.files,
        )
        records[(name, digest)] = entry.appeal
    build_cache.save(
        cached.folder,
        BuildState(
            fingerprint=cached.fingerprint,
            marker=build_cache.stat_of(out / BUILD_MARKER),
            scanned_at=scanned_at,
            inputs=inputs,
            outputs=files,
            sites={name: memory for name, memory in sites.items() if memory is not None},
            site_channels=tuple(sites),
        ),
        cached.records,
        records,
        state,
    )
