"""The issue's CLI promises: inspect, render, build and their errors, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.entrypoints.cli import cli

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
GOOD = (SEEDS / "000_5b8f5bd9f8757259.txt").read_text(encoding="utf-8")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a fresh interpreter: what a user's shell runs."""
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args], capture_output=True, text=True, check=False
    )


def test_inspect_prints_the_canonical_record() -> None:
    result = CliRunner().invoke(cli, ["inspect", str(SEEDS / "000_5b8f5bd9f8757259.txt")])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["published_at"] == "2020-04-02T12:53:00Z"  # 13:53 BST
    assert "Â" not in result.stdout and "&amp;" not in result.stdout


@pytest.mark.parametrize(
    ("channel", "marker"),
    [
        ("web", "<!DOCTYPE html>"),
        ("rss", "<rss"),
        ("atom", "<feed"),
        ("x", '"posts"'),
        ("text", "Published 2 April 2020"),
    ],
)
def test_render_prints_each_channel(channel: str, marker: str) -> None:
    result = CliRunner().invoke(
        cli, ["render", str(SEEDS / "000_5b8f5bd9f8757259.txt"), "--channel", channel]
    )
    assert result.exit_code == 0, result.output
    assert marker in result.stdout


def _bad(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BAD_INPUTS = {
    "impossible date": (GOOD.replace("13:53 02/04/2020", "13:53 31/02/2020"), "31/02/2020"),
    "date line that is not a date": (GOOD.replace("13:53 02/04/2020", "soon, we hope"), "date"),
    "unclosed metadata block": (GOOD.replace("```\n\n13:53", "\n13:53", 1), "never closed"),
    "missing title": (
        GOOD.replace(
            "title: Domestic abuse victims urged to seek support | Derbyshire Constabulary\n", ""
        ).replace("  title: Domestic abuse victims urged to seek support\n", ""),
        "title",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_clear_line_naming_file_and_line(tmp_path: Path, case: str) -> None:
    text, words = BAD_INPUTS[case]
    path = _bad(tmp_path, "bad.txt", text)
    proc = run("inspect", str(path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"{path}:" in lines[0]
    assert words in lines[0]
    # The line number is named: "<file>:<line>:".
    assert lines[0].split(f"{path}:", 1)[1].split(":", 1)[0].isdigit(), lines[0]


def test_build_writes_the_site_and_a_failed_build_changes_nothing(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (inputs / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "site"
    runner = CliRunner()
    first = runner.invoke(cli, ["build", str(inputs), "--out", str(out)])
    assert first.exit_code == 0, first.output
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert Path("index.html") in before and Path("feeds/rss.xml") in before
    assert any(p.suffix == ".txt" for p in before) and any(p.suffix == ".json" for p in before)

    # One bad file among good ones: nothing is written, the previous build stays as it was.
    _bad(inputs, "zz-bad.txt", GOOD.replace("13:53 02/04/2020", "13:53 31/02/2020"))
    second = run("build", str(inputs), "--out", str(out))
    assert second.returncode == 1
    assert "zz-bad.txt" in second.stderr and "Traceback" not in second.stderr
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_build_refuses_to_replace_a_folder_it_did_not_make(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep me", encoding="utf-8")
    proc = run("build", str(SEEDS), "--out", str(out))
    assert proc.returncode == 6  # an output error (see publisher.errors)
    assert "not empty" in proc.stderr
    assert (out / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_check_exits_1_on_an_error_and_0_on_the_seeds(tmp_path: Path) -> None:
    seeds = run("check", *map(str, sorted(SEEDS.glob("*.txt"))))
    assert seeds.returncode == 0, seeds.stdout
    assert "0 error(s)" in seeds.stdout
    # Alt text that is only a file name tells a blind reader nothing: an error.
    bad = _bad(
        tmp_path,
        "alt.txt",
        GOOD.replace("area: Derbyshire\n", "area: Derbyshire\nimage_alt: IMG_1234.jpg\n"),
    )
    proc = run("check", str(bad), "--format", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["errors"] >= 1
    assert any(f["code"] == "alt-text-meaningless" for f in report["findings"])
