"""publish_files: the one way the file channels (web, feeds, text) write and remove files."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from publisher.channel import OutputFile, Rendition, Target
from publisher.channel.files import TRANSIENT_ERRNOS, publish_error, publish_files
from publisher.errors import PermanentPublishError, TransientPublishError

PERMANENT_ERRNOS = (
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.ENAMETOOLONG,
    errno.EEXIST,
    errno.EINVAL,
    errno.ELOOP,
    errno.ENOENT,
)


def rendition(
    *files: tuple[str, bytes], removals: tuple[str, ...] = (), channel: str = "files"
) -> Rendition:
    return Rendition(
        channel=channel,
        appeal_id="a",
        revision=1,
        files=tuple(OutputFile(path, content, "text/plain") for path, content in files),
        removals=removals,
    )


def fail_with(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    def failing_write(path: Path, content: bytes) -> str | None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr("publisher.channel.files._staged_write", failing_write)


# --- Writing -----------------------------------------------------------------------------------


def test_writes_the_files_and_counts_them(tmp_path: Path) -> None:
    target = Target(output_dir=tmp_path)
    receipt = publish_files("files", rendition(("a/index.txt", b"one"), ("b.txt", b"two")), target)
    assert (tmp_path / "a" / "index.txt").read_bytes() == b"one"
    assert (tmp_path / "b.txt").read_bytes() == b"two"
    assert receipt.channel == "files"
    assert receipt.paths == ("a/index.txt", "b.txt")
    assert receipt.details == {"written": "2", "unchanged": "0", "removed": "0"}
    assert receipt.published_at is not None


def test_unchanged_files_are_not_touched(tmp_path: Path) -> None:
    target = Target(output_dir=tmp_path)
    publish_files("files", rendition(("same.txt", b"same"), ("new.txt", b"v1")), target)
    same, new = tmp_path / "same.txt", tmp_path / "new.txt"
    os.utime(same, ns=(1_000_000_000, 1_000_000_000))
    inode = same.stat().st_ino
    receipt = publish_files("files", rendition(("same.txt", b"same"), ("new.txt", b"v2")), target)
    assert same.stat().st_mtime_ns == 1_000_000_000
    assert same.stat().st_ino == inode
    assert new.read_bytes() == b"v2"
    assert receipt.paths == ("new.txt",)
    assert receipt.details == {"written": "1", "unchanged": "1", "removed": "0"}


def test_no_temporary_file_is_left_when_a_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(src: str, dst: str) -> None:
        raise OSError(errno.EIO, "Input/output error", dst)

    monkeypatch.setattr("publisher.channel.files.os.replace", failing_replace)
    with pytest.raises(TransientPublishError):
        publish_files("files", rendition(("x.txt", b"x")), Target(output_dir=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_every_changed_file_is_on_disk_before_any_is_renamed_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Crash safety with one journal commit for several files: each changed file's bytes are
    synced before the first rename, and the renames follow the rendition's order."""
    target = Target(output_dir=tmp_path)
    publish_files("files", rendition(("same.txt", b"same")), target)
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(("replace", str(src)))
        real_replace(src, dst)

    monkeypatch.setattr("publisher.channel.files.os.fsync", fsync)
    monkeypatch.setattr("publisher.channel.files.os.replace", replace)
    files = [("a/one.txt", b"1"), ("same.txt", b"same"), ("b/two.txt", b"2"), ("three.txt", b"3")]
    receipt = publish_files("files", rendition(*files), target)
    assert receipt.paths == ("a/one.txt", "b/two.txt", "three.txt")
    synced = sorted(name for kind, name in events if kind == "fsync")
    renamed = [name for kind, name in events if kind == "replace"]
    assert sorted(renamed) == synced and len(renamed) == 3  # the unchanged file is not touched
    first_rename = events.index(("replace", renamed[0]))
    assert all(kind == "fsync" for kind, _ in events[:first_rename])
    assert [Path(name).name.split(".")[1] for name in renamed] == ["one", "two", "three"]
    assert {p: (tmp_path / p).read_bytes() for p, _ in files} == dict(files)


def test_a_failed_sync_renames_nothing_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = Target(output_dir=tmp_path)
    publish_files("files", rendition(("a.txt", b"old a"), ("b.txt", b"old b")), target)
    real_fsync = os.fsync
    calls: list[int] = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr("publisher.channel.files.os.fsync", fsync)
    with pytest.raises(TransientPublishError):
        publish_files("files", rendition(("a.txt", b"new a"), ("b.txt", b"new b")), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
    assert (tmp_path / "a.txt").read_bytes() == b"old a"
    assert (tmp_path / "b.txt").read_bytes() == b"old b"


# --- Refusals --------------------------------------------------------------------------------


def test_another_channels_rendition_is_refused(tmp_path: Path) -> None:
    other = rendition(("x.txt", b"x"), channel="web")
    with pytest.raises(PermanentPublishError, match="cannot publish a 'web' rendition"):
        publish_files("text", other, Target(output_dir=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_target_without_an_output_folder_is_refused() -> None:
    with pytest.raises(PermanentPublishError, match="output folder"):
        publish_files("files", rendition(("x.txt", b"x")), Target(name="social"))


# --- Error policy ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(TRANSIENT_ERRNOS), ids=errno.errorcode.get)
def test_errors_that_can_clear_on_their_own_are_transient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    fail_with(monkeypatch, code)
    with pytest.raises(TransientPublishError) as caught:
        publish_files("files", rendition(("a/x.txt", b"x")), Target(output_dir=tmp_path))
    assert isinstance(caught.value.__cause__, OSError)
    assert caught.value.__cause__.errno == code
    assert str(tmp_path / "a" / "x.txt") in str(caught.value)  # names the file


@pytest.mark.parametrize("code", PERMANENT_ERRNOS, ids=errno.errorcode.get)
def test_every_other_error_is_permanent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    fail_with(monkeypatch, code)
    with pytest.raises(PermanentPublishError) as caught:
        publish_files("files", rendition(("a/x.txt", b"x")), Target(output_dir=tmp_path))
    assert isinstance(caught.value.__cause__, OSError)
    assert str(tmp_path / "a" / "x.txt") in str(caught.value)


def test_the_policy_is_transient_only_for_the_listed_errnos(tmp_path: Path) -> None:
    full = publish_error("web", OSError(errno.ENOSPC, "No space left on device"), tmp_path)
    assert type(full) is TransientPublishError
    assert str(full) == f"web: could not write {tmp_path}: No space left on device"
    assert type(publish_error("web", OSError("no errno"), tmp_path)) is PermanentPublishError
    named = publish_error("web", OSError(errno.EACCES, "Permission denied", "/srv/x"), tmp_path)
    assert str(named) == "web: cannot write /srv/x: Permission denied"


def test_a_real_file_where_a_folder_must_go_is_permanent(tmp_path: Path) -> None:
    (tmp_path / "news").write_text("not a folder")
    with pytest.raises(PermanentPublishError) as caught:
        publish_files("files", rendition(("news/x.txt", b"x")), Target(output_dir=tmp_path))
    assert isinstance(caught.value.__cause__, OSError)


# --- Removals --------------------------------------------------------------------------------


def test_removals_and_also_remove_are_deleted_and_missing_files_are_fine(tmp_path: Path) -> None:
    for name in ("old/index.html", "areas/gone/index.html", "keep.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    receipt = publish_files(
        "files",
        rendition(("new.html", b"new"), removals=("old/index.html", "never/was.html")),
        Target(output_dir=tmp_path),
        also_remove=("areas/gone/index.html",),
    )
    assert not (tmp_path / "old" / "index.html").exists()
    assert not (tmp_path / "areas" / "gone" / "index.html").exists()
    assert (tmp_path / "keep.html").is_file()
    assert receipt.paths == ("new.html", "old/index.html", "areas/gone/index.html")
    assert receipt.details == {"written": "1", "unchanged": "0", "removed": "2"}
    again = publish_files(
        "files",
        rendition(("new.html", b"new"), removals=("old/index.html",)),
        Target(output_dir=tmp_path),
    )
    assert again.paths == ()
    assert again.details == {"written": "0", "unchanged": "1", "removed": "0"}


def test_a_folder_at_a_removal_path_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "page").mkdir()
    receipt = publish_files("files", rendition(removals=("page",)), Target(output_dir=tmp_path))
    assert (tmp_path / "page").is_dir()
    assert receipt.paths == ()


@pytest.mark.parametrize(
    "outside", ["../outside.html", "a/../../outside.html", "/etc/passwd", "", ".", "a/.."]
)
@pytest.mark.parametrize("how", ["removals", "also_remove"])
def test_removals_outside_the_root_are_refused_before_anything_is_written(
    tmp_path: Path, outside: str, how: str
) -> None:
    root = tmp_path / "out"
    root.mkdir()
    victim = tmp_path / "outside.html"
    victim.write_text("not ours")
    removals = (outside,) if how == "removals" else ()
    also = (outside,) if how == "also_remove" else ()
    with pytest.raises(PermanentPublishError, match="not inside the output"):
        publish_files(
            "files",
            rendition(("x.txt", b"x"), removals=removals),
            Target(output_dir=root),
            also_remove=also,
        )
    assert victim.read_text() == "not ours"
    assert list(root.iterdir()) == []  # refused before the first write


def test_a_removal_that_fails_is_translated_by_the_same_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "old.html").write_text("old")

    def busy(self: Path, missing_ok: bool = False) -> None:
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(Path, "unlink", busy)
    with pytest.raises(TransientPublishError, match=r"could not remove .*old\.html"):
        publish_files("files", rendition(removals=("old.html",)), Target(output_dir=tmp_path))
