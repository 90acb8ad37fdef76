"""The built wheel is the whole program: installed alone, with no setuptools, it builds and renders.

The wheel is built from a copy of the working tree (so the build writes no ``build/`` or
``*.egg-info`` into the checkout, and no stale ``build/lib`` file from an earlier build can slip
into the wheel), with build isolation (the venv's own setuptools is older than the project
requires). It must hold exactly one top-level package, ``publisher``, with the channels, the
templates and the migrations inside it and no test code. It is then installed into a fresh
virtual environment from which setuptools (and so ``pkg_resources``) has been removed, and the
installed ``publisher`` command is run from a folder outside the repository with no
``PYTHONPATH``, so nothing but the installed files can be imported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "tests" / "fixtures" / "seeds"
CHANNELS = ("web", "rss", "atom", "x", "text")

# Left out of the copy the wheel is built from: caches, environments and earlier build output at
# the top of the tree, and caches at any depth.
_TOP_LEVEL_SKIP = {
    ".git",
    ".venv",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".tools",
    "build",
    "dist",
    "site",
    "var",
}
_ANYWHERE_SKIP = {"__pycache__", "node_modules"}


def _skip(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == REPO
    return {
        name
        for name in names
        if name in _ANYWHERE_SKIP or name.endswith(".egg-info") or (top and name in _TOP_LEVEL_SKIP)
    }


def _environment() -> dict[str, str]:
    """The caller's environment without anything that could point Python at the repository."""
    leaky = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in leaky and not key.startswith("PUBLISHER_")
    }
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _run(
    args: list[str | Path], cwd: Path, timeout: float = 60, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
        )
    return result


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=_skip)
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, source],
        cwd=tmp_path,
        timeout=120,
    )
    built = sorted(wheels.glob("publisher-*.whl"))
    assert len(built) == 1, built
    return built[0]


def _check_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    tops = {name.split("/", 1)[0] for name in names}
    dist_info = {top for top in tops if top.endswith(".dist-info")}
    assert len(dist_info) == 1, sorted(tops)
    assert tops - dist_info == {"publisher"}, f"top-level entries: {sorted(tops)}"
    for required in (
        "publisher/templates/web/appeal.html",
        "publisher/channels/web/channel.py",
        "publisher/channels/x/text.py",
        "publisher/migrations/env.py",
    ):
        assert required in names, f"{required} is not in {wheel.name}"
    assert any(name.startswith("publisher/migrations/versions/") for name in names), names
    test_code = [
        name
        for name in names
        if "tests" in name.split("/") or "xfake" in name or "feedcheck" in name
    ]
    assert not test_code, f"test code in the wheel: {test_code}"


@pytest.mark.integration
def test_the_wheel_installs_and_runs_without_the_repository(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    _check_contents(wheel)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=elsewhere)
    python = venv / "bin" / "python"
    _run([python, "-m", "pip", "uninstall", "-q", "-y", "setuptools"], cwd=elsewhere)
    no_setuptools = _run([python, "-c", "import pkg_resources"], cwd=elsewhere, check=False)
    assert no_setuptools.returncode != 0, "pkg_resources is still importable in the fresh venv"

    _run([python, "-m", "pip", "install", "-q", wheel], cwd=elsewhere, timeout=150)

    where = _run(
        [
            python,
            "-c",
            "import sys, publisher, publisher.channels.x.text as t; "
            "print(publisher.__file__); print(t.__file__); print('pkg_resources' in sys.modules)",
        ],
        cwd=elsewhere,
    ).stdout.split()
    for module_file in where[:2]:
        assert Path(module_file).resolve().is_relative_to(venv.resolve()), where
    assert where[2] == "False", "importing the x channel's text left pkg_resources loaded"

    publisher = venv / "bin" / "publisher"
    out = tmp_path / "out"
    _run([publisher, "build", SEEDS, "--out", out], cwd=elsewhere)
    assert (out / "index.html").is_file()
    assert (out / "index.html").stat().st_size > 0

    seed = sorted(SEEDS.glob("*.txt"))[0]
    for channel in CHANNELS:
        rendered = _run([publisher, "render", seed, "--channel", channel], cwd=elsewhere)
        assert rendered.stdout.strip(), f"publisher render --channel {channel} printed nothing"
