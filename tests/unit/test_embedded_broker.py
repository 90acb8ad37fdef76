"""The embedded broker writes each message whole: a consumer polling the folder never finds a
message file that is empty or half-written (kombu's own filesystem transport lets it, and the
worker then stops with "Unrecoverable error: JSONDecodeError")."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from kombu.transport import filesystem

from publisher.entrypoints import broker


def _options(folder: Path) -> dict[str, Any]:
    messages = folder / "messages"
    messages.mkdir(parents=True)
    (folder / "processed").mkdir()
    return {
        "data_folder_in": str(messages),
        "data_folder_out": str(messages),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
    }


def _visible(folder: Path) -> list[tuple[str, int]]:
    """The message files a consumer would take, with their sizes."""
    return [
        (p.name, p.stat().st_size)
        for p in (folder / "messages").iterdir()
        if p.name.partition(".")[2] == "q.msg"
    ]


def test_kombus_own_transport_shows_an_empty_message_while_writing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The defect this module exists for, shown deterministically: between creating the file
    and writing it, the stock transport has an empty message file where consumers look."""
    seen: list[list[tuple[str, int]]] = []
    real_lock = filesystem.lock

    def spy(f: Any, flags: int) -> None:
        seen.append(_visible(tmp_path))
        real_lock(f, flags)

    monkeypatch.setattr(filesystem, "lock", spy)
    with Connection("filesystem://", transport_options=_options(tmp_path)) as conn:
        conn.default_channel._put("q", {"body": "x" * 100})
    assert seen and seen[0] and seen[0][0][1] == 0


def test_a_message_appears_only_once_it_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[tuple[str, int]]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:  # after the write, before the rename
        seen.append(_visible(tmp_path))
        real_fsync(fd)

    monkeypatch.setattr(broker.os, "fsync", spy)
    with Connection(
        "filesystem://", transport=broker.Transport, transport_options=_options(tmp_path)
    ) as conn:
        conn.default_channel._put("q", {"body": "x" * 100})
        assert seen == [[]]
        [(_, size)] = _visible(tmp_path)
        assert size > 100
        assert conn.default_channel._get("q") == {"body": "x" * 100}
    assert list((tmp_path / "messages").iterdir()) == []


def test_a_consumer_racing_producers_reads_every_message_whole(tmp_path: Path) -> None:
    options = _options(tmp_path)
    count = 300
    got: list[dict[str, Any]] = []
    done = threading.Event()

    def produce() -> None:
        with Connection(
            "filesystem://", transport=broker.Transport, transport_options=options
        ) as c:
            for n in range(count):
                c.default_channel._put("q", {"n": n, "body": "é" * 2000})
        done.set()

    thread = threading.Thread(target=produce)
    with Connection("filesystem://", transport=broker.Transport, transport_options=options) as conn:
        thread.start()
        channel = conn.default_channel
        while len(got) < count:
            try:
                got.append(channel._get("q"))
            except filesystem.Empty:
                if done.is_set() and not _visible(tmp_path):
                    break
    thread.join()
    assert sorted(m["n"] for m in got) == list(range(count))
    assert all(m["body"] == "é" * 2000 for m in got)
