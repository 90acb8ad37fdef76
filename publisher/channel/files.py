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


def atomic_write(path: Path, content: bytes) -> bool:
    """Write ``content`` to ``path`` via a temporary file and rename. Returns False when the file
    already held exactly these bytes (nothing is touched, so mtimes and ETags stay stable)."""
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
        return False
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
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
    written: list[str] = []
    for item in rendition.files:
        path = root / item.path
        try:
            if atomic_write(path, item.content):
                written.append(item.path)
        except OSError as exc:
            raise publish_error(channel, exc, path) from exc
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
