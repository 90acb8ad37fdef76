"""Atomic file output: a reader never sees a half-written file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from publisher.channel import OutputFile

__all__ = ["atomic_write", "write_files"]


def atomic_write(path: Path, content: bytes) -> bool:
    """Write ``content`` to ``path`` via a temporary file and rename. Returns False when the file
    already held exactly these bytes (nothing is touched, so mtimes and ETags stay stable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.read_bytes() == content:
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
