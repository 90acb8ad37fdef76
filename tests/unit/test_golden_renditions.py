"""Golden files: every channel's rendition of each seed, and the site files built from both.

The seeds render to committed outputs under ``tests/golden/seeds/<seed>/`` (per appeal) and
``tests/golden/site/`` (indexes and feeds); a change to any output is a reviewed diff. After a
deliberate change, regenerate with::

    PUBLISHER_REGEN_GOLDEN=1 .venv/bin/pytest tests/unit/test_golden_renditions.py

and read ``git diff tests/golden`` before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher.bootstrap import Registry, build_registry
from publisher.channel import OutputFile, RenderContext
from publisher.domain.record import Appeal
from publisher.importers import load_appeal
from publisher.settings import Settings

TESTS = Path(__file__).resolve().parents[1]
SEEDS = sorted((TESTS / "fixtures" / "seeds").glob("*.txt"))
GOLDEN = TESTS / "golden"
CHANNELS = ("web", "feeds", "text", "x")
REGEN = os.environ.get("PUBLISHER_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="module")
def registry_and_context() -> tuple[Registry, RenderContext]:
    # Fixed settings: the golden files must not depend on the environment running the tests.
    registry = build_registry(Settings.from_env({"PUBLISHER_DATA_DIR": "var"}))
    return registry, registry.context


def _appeal(seed: Path) -> Appeal:
    return load_appeal(seed).appeal


def _compare(files: list[OutputFile], folder: Path) -> None:
    # Golden names flatten the output path: news/.../slug/index.html -> index.html, etc.
    expected_names = set()
    for item in files:
        name = item.path.replace("/", "__")
        expected_names.add(name)
        golden = folder / name
        if REGEN:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(item.content)
        assert golden.is_file(), f"{golden} is missing: run with PUBLISHER_REGEN_GOLDEN=1"
        assert item.content == golden.read_bytes(), (
            f"{item.path} differs from {golden.relative_to(TESTS)}; if intended, regenerate"
        )
    on_disk = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    assert on_disk == expected_names, f"stale or missing golden files in {folder}"


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem for s in SEEDS])
def test_each_channel_renders_each_seed_as_pinned(
    seed: Path, registry_and_context: tuple[Registry, RenderContext]
) -> None:
    registry, context = registry_and_context
    appeal = _appeal(seed)
    files: list[OutputFile] = []
    for name in CHANNELS:
        rendition = registry.get(name).render(appeal, context)
        assert rendition.files, f"{name} rendered nothing for {seed.name}"
        files.extend(rendition.files)
    _compare(files, GOLDEN / "seeds" / seed.stem)


def test_site_files_built_from_the_seeds_are_pinned(
    registry_and_context: tuple[Registry, RenderContext],
) -> None:
    registry, context = registry_and_context
    appeals = [_appeal(seed) for seed in SEEDS]
    files: list[OutputFile] = []
    for name in CHANNELS:
        channel = registry.get(name)
        if channel.writes_site_files:
            # Assets (CSS, JS) are not content: pin the pages and feeds only.
            site = channel.render_site(appeals, context).files
            files.extend(f for f in site if not f.path.startswith("assets/"))
    _compare(files, GOLDEN / "site")


def test_seed_folder_is_not_empty() -> None:
    assert len(SEEDS) == 2
