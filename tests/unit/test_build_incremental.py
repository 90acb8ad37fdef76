"""A build into a folder an earlier build made: only what changed is read, rendered and written,
and the result is byte for byte a clean build's. Through the real command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
SLUG = "domestic-abuse-victims-urged-to-seek-support"
GOOD = (SEEDS / "000_5b8f5bd9f8757259.txt").read_text(encoding="utf-8")
AREAS = ["Derbyshire", "Amber Valley", "Erewash"]
COUNT = 16


def _variant(i: int) -> str:
    text = GOOD.replace(SLUG, f"appeal-{i:03d}").replace(
        "area: Derbyshire", f"area: {AREAS[i % len(AREAS)]}"
    )
    return text.replace("13:53 02/04/2020", f"13:{i:02d} {1 + i % 28:02d}/03/2020")


class Builds:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.inputs = root / "in"
        self.out = root / "site"
        self.inputs.mkdir()
        for i in range(COUNT):
            (self.inputs / f"{i:03d}.txt").write_text(_variant(i), encoding="utf-8")
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PUBLISHER_", "SITE_"))
        }
        self.env["PUBLISHER_DATA_DIR"] = str(root / "var")

    def build(
        self, *extra: str, out: Path | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "publisher", "build", str(self.inputs), "--out",
             str(out or self.out), *extra],
            capture_output=True, text=True, check=False, env={**self.env, **env},
        )  # fmt: skip

    def clean(self, name: str, **env: str) -> dict[str, bytes]:
        """A build from nothing, of the same inputs, with its own data folder."""
        folder = self.root / name
        proc = self.build(
            "--full", out=folder, PUBLISHER_DATA_DIR=str(self.root / f"{name}-var"), **env
        )
        assert proc.returncode == 0, proc.stderr
        return tree(folder)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def times(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture()
def builds(tmp_path: Path) -> Builds:
    made = Builds(tmp_path)
    first = made.build()
    assert first.returncode == 0, first.stderr
    assert f"({COUNT} appeal(s) read and rendered" in first.stdout
    return made


def test_nothing_changed_nothing_read_nothing_written(builds: Builds) -> None:
    before, stamps = tree(builds.out), times(builds.out)
    again = builds.build()
    assert again.returncode == 0, again.stderr
    assert "(0 appeal(s) read and rendered; 0 file(s) written" in again.stdout
    assert tree(builds.out) == before and times(builds.out) == stamps


def test_one_change_rewrites_only_the_files_whose_bytes_change(builds: Builds) -> None:
    before, stamps = tree(builds.out), times(builds.out)
    path = builds.inputs / "007.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Sadly,", "Sadly and worryingly,"),
        encoding="utf-8",
    )
    again = builds.build()
    assert again.returncode == 0, again.stderr
    assert "(1 appeal(s) read and rendered;" in again.stdout
    after = tree(builds.out)
    assert after == builds.clean("clean")  # byte for byte a build from nothing
    changed = {p for p in after if after[p] != before.get(p)}
    touched = {p for p, t in times(builds.out).items() if t != stamps.get(p)}
    assert touched == changed
    assert any("appeal-007/index.html" in p for p in changed)
    assert "index.html" not in changed  # the home page lists titles: none changed
    assert not any("appeal-008" in p for p in changed)


def test_a_removed_input_takes_its_files_with_it(builds: Builds) -> None:
    (builds.inputs / "004.txt").unlink()
    again = builds.build()
    assert again.returncode == 0, again.stderr
    after = tree(builds.out)
    assert not any("appeal-004" in p for p in after)
    assert b"appeal-004" not in after["index.html"]
    assert after == builds.clean("clean")


def test_a_file_changed_in_the_output_is_put_right(builds: Builds) -> None:
    page = next(builds.out.rglob("appeal-011/index.html"))
    right = page.read_bytes()
    page.write_bytes(b"<p>edited by hand</p>")
    again = builds.build()
    assert again.returncode == 0, again.stderr
    assert "(1 appeal(s) read and rendered;" in again.stdout
    assert page.read_bytes() == right


def test_a_bad_input_changes_nothing_and_the_cache_stays_good(builds: Builds) -> None:
    before, stamps = tree(builds.out), times(builds.out)
    bad = builds.inputs / "012.txt"
    good = bad.read_text(encoding="utf-8")
    bad.write_text(good.replace("13:12 13/03/2020", "13:12 31/02/2020"), encoding="utf-8")
    refused = builds.build()
    assert refused.returncode == 1 and "012.txt" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert tree(builds.out) == before and times(builds.out) == stamps
    bad.write_text(good, encoding="utf-8")
    again = builds.build()
    assert "(0 appeal(s) read and rendered; 0 file(s) written" in again.stdout


def test_another_render_context_renders_everything_again(builds: Builds) -> None:
    again = builds.build(SITE_URL="https://appeals.example.org/")
    assert again.returncode == 0, again.stderr
    assert f"({COUNT} appeal(s) read and rendered" in again.stdout
    assert tree(builds.out) == builds.clean("clean", SITE_URL="https://appeals.example.org/")


def test_full_ignores_the_cache(builds: Builds) -> None:
    again = builds.build("--full")
    assert again.returncode == 0, again.stderr
    assert f"({COUNT} appeal(s) read and rendered" in again.stdout


def test_the_cache_is_kept_out_of_the_output(builds: Builds) -> None:
    assert sorted(p.name for p in builds.out.iterdir() if p.name.startswith(".")) == [
        ".publisher-build"
    ]
    assert (builds.root / "var" / "build-cache").is_dir()
    assert sorted(p.name for p in builds.root.iterdir() if p.name.startswith(".")) == []
