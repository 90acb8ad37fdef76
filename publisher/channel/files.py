"""File output for the file channels (web, feeds, text): a reader never sees a half-written file.

:func:`publish_files` is the one way a file channel publishes: it writes a rendition's files
atomically, leaves unchanged files alone, applies the removals, and turns file-system errors into
the project's own with one policy (:func:`publish_error`).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from publisher.channel import OutputFile, Receipt, Rendition, Target
from publisher.errors import PermanentPublishError, TransientPublishError

__all__ = [
    "TRANSIENT_ERRNOS",
    "atomic_write",
    "publish_error",
    "publish_files",
    "write_files",
]

TRANSIENT_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EIO,
        errno.EAGAIN,
        errno.EBUSY,
        errno.EINTR,
        errno.EMFILE,
        errno.ENFILE,
        errno.ETIMEDOUT,
        errno.ESTALE,
        errno.ETXTBSY,
    }
)
"""Disk errors worth retrying: the condition can clear without anyone changing anything (a full
disk is emptied, a busy file is let go). Every other error needs a person."""


def _staged_write(path: Path, content: bytes) -> str | None:
    """Write ``content`` to a new temporary file beside ``path`` (flushed, not yet synced);
    its name, or None when ``path`` already holds exactly these bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        held = path.stat()
    except FileNotFoundError:
        held = None
    # The bytes are read only when the sizes agree (a site index of thousands of appeals is
    # megabytes, and a changed one usually changes its size).
    if (
        held is not None
        and stat.S_ISREG(held.st_mode)
        and held.st_size == len(content)
        and path.read_bytes() == content
    ):
        return None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _sync(tmp: str) -> None:
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_SYNCING_AT_ONCE = 8


def _sync_all(staged: Sequence[tuple[str, Path]]) -> None:
    """fsync every staged file, at the same time: the file system commits its journal once
    for all of them rather than once each (a delivery writes several files). Raises the
    first error, as :func:`publish_error`'s ``OSError`` with the file's name."""
    if len(staged) == 1:
        _sync(staged[0][0])
        return
    with ThreadPoolExecutor(max_workers=min(_SYNCING_AT_ONCE, len(staged))) as pool:
        futures = [pool.submit(_sync, tmp) for tmp, _ in staged]
    for future, (_, path) in zip(futures, staged, strict=True):
        error = future.exception()
        if isinstance(error, OSError):
            if error.filename is None:
                error.filename = str(path)
            raise error
        if error is not None:
            raise error


def atomic_write(path: Path, content: bytes) -> bool:
    """Write ``content`` to ``path`` via a temporary file and rename. Returns False when the file
    already held exactly these bytes (nothing is touched, so mtimes and ETags stay stable)."""
    tmp = _staged_write(path, content)
    if tmp is None:
        return False
    try:
        _sync(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_files(root: Path, files: Iterable[OutputFile]) -> list[str]:
    """Write each file under ``root`` atomically; return the paths that changed."""
    changed = []
    for item in files:
        if atomic_write(root / item.path, item.content):
            changed.append(item.path)
    return changed


def publish_error(
    channel: str, exc: OSError, path: Path, action: str = "write"
) -> TransientPublishError | PermanentPublishError:
    """The project's error for a file-system error met while publishing ``path``.

    Transient when the errno is one of :data:`TRANSIENT_ERRNOS` (retrying is safe: writes are
    idempotent); permanent otherwise (permissions, a read-only disk, a file where a folder must
    go: a person must fix it). The message names the file, or the one the system named.
    """
    where = exc.filename or path
    reason = exc.strerror or str(exc)
    if exc.errno in TRANSIENT_ERRNOS:
        return TransientPublishError(f"{channel}: could not {action} {where}: {reason}")
    return PermanentPublishError(f"{channel}: cannot {action} {where}: {reason}")


def _inside(root: Path, relative: str) -> Path:
    """``root`` joined with a POSIX path that must stay inside it (no ``..``, not absolute)."""
    pure = PurePosixPath(relative)
    if not relative or pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise PermanentPublishError(f"refusing to remove {relative!r}: not inside the output")
    return root.joinpath(*pure.parts)


def publish_files(
    channel: str, rendition: Rendition, target: Target, *, also_remove: Sequence[str] = ()
) -> Receipt:
    """Publish a file rendition under ``target.output_dir``.

    The files are written atomically (a file that already holds the same bytes is not touched),
    then ``rendition.removals`` and ``also_remove`` are deleted; a file already gone is fine.
    Removal paths are checked before anything is written: one outside the output root refuses
    the whole rendition. The receipt's ``paths`` are the files written, then the files removed;
    its details count the files ``written``, ``unchanged`` and ``removed``.

    Raises :class:`PermanentPublishError` for a rendition of another channel, a target without
    an output folder or a removal outside it, and file-system errors as :func:`publish_error`.
    """
    if rendition.channel != channel:
        raise PermanentPublishError(
            f"the {channel} channel cannot publish a {rendition.channel!r} rendition"
        )
    root = target.output_dir
    if root is None:
        raise PermanentPublishError(
            f"the {channel} channel needs a target with an output folder ({target.name!r} has none)"
        )
    doomed = {
        relative: _inside(root, relative)
        for relative in dict.fromkeys((*rendition.removals, *also_remove))
    }
    # Every changed file is written beside its place first, then all are synced to disk
    # together, then each is renamed into place in the rendition's order: a reader sees each
    # file whole, old or new, and no file is renamed before its bytes are on disk.
    written: list[str] = []
    staged: list[tuple[str, Path]] = []
    try:
        for item in rendition.files:
            path = root / item.path
            try:
                tmp = _staged_write(path, item.content)
            except OSError as exc:
                raise publish_error(channel, exc, path) from exc
            if tmp is not None:
                staged.append((tmp, path))
                written.append(item.path)
        if staged:
            try:
                _sync_all(staged)
            except OSError as exc:
                raise publish_error(channel, exc, root) from exc
        while staged:
            tmp, path = staged[0]
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise publish_error(channel, exc, path) from exc
            staged.pop(0)
    finally:
        for tmp, _ in staged:  # not renamed into place: nothing is left behind
            Path(tmp).unlink(missing_ok=True)
    removed: list[str] = []
    for relative, path in doomed.items():
        try:
            if path.is_file():
                path.unlink(missing_ok=True)
                removed.append(relative)
        except OSError as exc:
            raise publish_error(channel, exc, path, "remove") from exc
    return Receipt(
        channel=channel,
        url=rendition.url,
        paths=(*written, *removed),
        published_at=datetime.now(UTC),
        details={
            "written": str(len(written)),
            "unchanged": str(len(rendition.files) - len(written)),
            "removed": str(len(removed)),
        },
    )
