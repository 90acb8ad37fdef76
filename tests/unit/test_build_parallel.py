"""``publisher build`` in several processes: the same bytes as in one, and the same refusals.

Run through the real console entry point in a fresh interpreter, as a user's shell runs it
(in-process, under pytest-xdist's threads, a build rightly stays in one process).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
SLUG = "domestic-abuse-victims-urged-to-seek-support"
GOOD = (SEEDS / "000_5b8f5bd9f8757259.txt").read_text(encoding="utf-8")
AREAS = ["Derbyshire", "Amber Valley", "Erewash", "High Peak"]
COUNT = 75  # several chunks of work for each process


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args], capture_output=True, text=True, check=False
    )


def _variant(i: int, slug: str | None = None) -> str:
    text = GOOD.replace(SLUG, slug or f"appeal-{i:03d}").replace(
        "area: Derbyshire", f"area: {AREAS[i % len(AREAS)]}"
    )
    return text.replace("13:53 02/04/2020", f"13:{i % 60:02d} {1 + i % 28:02d}/03/2020")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for i in range(COUNT):
        (folder / f"{i:03d}.txt").write_text(_variant(i), encoding="utf-8")
    for seed in SEEDS.glob("*.txt"):
        (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_three_processes_build_the_same_bytes_as_one(corpus: Path, tmp_path: Path) -> None:
    one = run("build", str(corpus), "--out", str(tmp_path / "one"), "--jobs", "1")
    assert one.returncode == 0, one.stderr
    three = run("build", str(corpus), "--out", str(tmp_path / "three"), "-j", "3")
    assert three.returncode == 0, three.stderr
    files = _tree(tmp_path / "one")
    assert f"Built {COUNT + 2} appeal(s), {len(files) - 1} files" in three.stdout  # + marker
    assert ", 3 processes;" in three.stdout and " processes;" not in one.stdout
    assert _tree(tmp_path / "three") == files
    assert "areas/high-peak/index.html" in files and "feeds/areas/erewash/rss.xml" in files
    assert f"/2020/march/appeal-{COUNT - 1:03d}/index.html" in "\n".join(files)


def test_a_bad_file_among_many_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run("build", str(corpus), "--out", str(out), "-j", "2").returncode == 0
    before = _tree(out)
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in corpus.iterdir():
        (inputs / path.name).write_bytes(path.read_bytes())
    (inputs / "040-bad.txt").write_text(
        _variant(40, "bad-one").replace("13:40 13/03/2020", "13:40 31/02/2020"), encoding="utf-8"
    )
    proc = run("build", str(inputs), "--out", str(out), "-j", "2")
    assert proc.returncode == 1
    assert "040-bad.txt" in proc.stderr and "Traceback" not in proc.stderr
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_one_id_in_two_far_apart_files_is_refused(corpus: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in corpus.iterdir():
        (inputs / path.name).write_bytes(path.read_bytes())
    (inputs / "074.txt").write_text(_variant(74, "appeal-001"), encoding="utf-8")
    proc = run("build", str(inputs), "--out", str(tmp_path / "site"), "-j", "2")
    assert proc.returncode == 1, proc.stdout
    assert "074.txt" in proc.stderr and "appeal-001" in proc.stderr
    assert not (tmp_path / "site").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# Run in a fresh interpreter: counts the cards and feed entries made in the main process
# (not in the workers it forks) while the CLI builds.
_COUNTING = """
import os, sys
from publisher.channels import feeds
from publisher.channels.web.channel import WebChannel
from publisher.entrypoints.cli import main

main_process = os.getpid()
made = {"cards": 0, "entries": 0}
card, entry_html = WebChannel._card, feeds.entry_html

def counted_card(self, *args, **kwargs):
    if os.getpid() == main_process:
        made["cards"] += 1
    return card(self, *args, **kwargs)

def counted_entry_html(appeal):
    if os.getpid() == main_process:
        made["entries"] += 1
    return entry_html(appeal)

WebChannel._card = counted_card
feeds.entry_html = counted_entry_html
try:
    main()
finally:
    print("made", made["cards"], made["entries"], file=sys.stderr)
"""


def test_the_main_process_makes_no_card_a_worker_made(corpus: Path, tmp_path: Path) -> None:
    proc_args = ["build", str(corpus), "--out", str(tmp_path / "two"), "-j", "2"]
    proc = subprocess.run(
        [sys.executable, "-c", _COUNTING, *proc_args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert ", 2 processes;" in proc.stdout
    # Only the cards of the first appeal, which the main process reads and renders itself
    # before the workers start (home and area). The feeds' entries are made there, for the
    # few appeals (a feed holds 50) that are entries: sent from the workers, every appeal's
    # would cost more (pickled, and held until the end) than it saves.
    cards = proc.stderr.splitlines()[-1].split()[1]
    assert cards == "2"
    one = run("build", str(corpus), "--out", str(tmp_path / "one"), "--jobs", "1")
    assert one.returncode == 0, one.stderr
    assert _tree(tmp_path / "two") == _tree(tmp_path / "one")
