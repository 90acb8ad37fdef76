"""Golden files: every channel's rendition of each seed, and the site files built from both.

The seeds render to committed outputs under ``tests/golden/seeds/<seed>/`` (per appeal) and
``tests/golden/site/`` (indexes and feeds). The records under ``tests/fixtures/appeals/`` (kinds
the seeds do not have, such as a missing person with a photo) render to
``tests/golden/appeals/<name>/``, and the same appeal resolved (a second revision, a day later)
to ``tests/golden/appeals/<name>--resolved/``. A change to any output is a reviewed diff. After
a deliberate change, regenerate with::

    PUBLISHER_REGEN_GOLDEN=1 .venv/bin/pytest tests/unit/test_golden_renditions.py

and read ``git diff tests/golden`` before committing.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from publisher.bootstrap import Registry, build_registry
from publisher.channel import OutputFile, RenderContext
from publisher.domain.record import Appeal
from publisher.importers import load_appeal
from publisher.settings import Settings

TESTS = Path(__file__).resolve().parents[1]
SEEDS = sorted((TESTS / "fixtures" / "seeds").glob("*.txt"))
APPEALS = sorted((TESTS / "fixtures" / "appeals").glob("*.json"))
GOLDEN = TESTS / "golden"
RESOLUTIONS = {
    "missing-leah-example": (
        "Leah has been found safe and well. Thank you to everyone who shared our appeal.",
        "2024-06-13T19:40:00+00:00",
    ),
}
"""How each fixture appeal is resolved: the resolution line and when."""
CHANNELS = ("web", "feeds", "text", "x", "mastodon", "bluesky", "facebook")
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


def _resolved(appeal: Appeal) -> Appeal:
    line, when = RESOLUTIONS[appeal.id]
    data: dict[str, Any] = appeal.model_dump()
    data.update(
        status="resolved",
        resolution=line,
        revision=appeal.revision + 1,
        updated_at=datetime.fromisoformat(when),
    )
    return Appeal.model_validate(data)


def _render_all(appeal: Appeal, registry: Registry, context: RenderContext) -> list[OutputFile]:
    files: list[OutputFile] = []
    for name in CHANNELS:
        rendition = registry.get(name).render(appeal, context)
        assert rendition.files, f"{name} rendered nothing for {appeal.id}"
        files.extend(rendition.files)
    return files


@pytest.mark.parametrize("state", ["active", "resolved"])
@pytest.mark.parametrize("record", APPEALS, ids=[a.stem for a in APPEALS])
def test_each_channel_renders_each_fixture_appeal_and_its_resolution_as_pinned(
    record: Path, state: str, registry_and_context: tuple[Registry, RenderContext]
) -> None:
    registry, context = registry_and_context
    appeal = Appeal.from_json(record.read_bytes())
    folder = GOLDEN / "appeals" / record.stem
    if state == "resolved":
        appeal = _resolved(appeal)
        folder = folder.with_name(f"{record.stem}--resolved")
    _compare(_render_all(appeal, registry, context), folder)


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


def test_every_fixture_appeal_has_a_resolution_and_golden_folders() -> None:
    assert APPEALS, "tests/fixtures/appeals is empty"
    assert {a.stem for a in APPEALS} == set(RESOLUTIONS)
    expected = {a.stem for a in APPEALS} | {f"{a.stem}--resolved" for a in APPEALS}
    on_disk = {p.name for p in (GOLDEN / "appeals").iterdir()} if not REGEN else expected
    assert on_disk == expected, "stale or missing folders in tests/golden/appeals"


BILINGUAL = sorted((TESTS / "fixtures" / "bilingual").glob("*.md"))
BILINGUAL_CHANNELS = {"web": 1, "text": 1, "feeds": 2}
"""The channels that render every language of a bilingual appeal (issue 14), and the files
each makes per language."""
BILINGUAL_SOCIAL = ("x", "mastodon", "bluesky", "facebook")
"""The social channels: one thread each, the primary language's posts and then the Welsh."""
WELSH_RESOLUTIONS = {
    "missing-osian-example": (
        "Osian has been found safe and well. Thank you to everyone who shared our appeal.",
        "Mae Osian wedi cael ei ddarganfod yn ddiogel ac yn iach. Diolch i bawb a rannodd ein "
        "hapêl.",
        "2025-03-10T18:05:00+00:00",
    ),
}


def _resolved_in_both(appeal: Appeal) -> Appeal:
    english, welsh, when = WELSH_RESOLUTIONS[appeal.id]
    data: dict[str, Any] = appeal.model_dump()
    data.update(
        status="resolved",
        resolution=english,
        revision=appeal.revision + 1,
        updated_at=datetime.fromisoformat(when),
        translations=[{**tr, "resolution": welsh} for tr in data["translations"]],
    )
    return Appeal.model_validate(data)


@pytest.mark.parametrize("state", ["active", "resolved"])
@pytest.mark.parametrize("record", BILINGUAL, ids=[a.stem for a in BILINGUAL])
def test_bilingual_appeals_render_in_every_language_as_pinned(
    record: Path, state: str, registry_and_context: tuple[Registry, RenderContext]
) -> None:
    registry, context = registry_and_context
    appeal = load_appeal(record).appeal
    assert len(appeal.languages) == 2
    folder = GOLDEN / "bilingual" / record.stem
    if state == "resolved":
        appeal = _resolved_in_both(appeal)
        folder = folder.with_name(f"{record.stem}--resolved")
    files: list[OutputFile] = []
    for name, per_language in BILINGUAL_CHANNELS.items():
        rendition = registry.get(name).render(appeal, context)
        assert len(rendition.files) == per_language * len(appeal.languages), name
        files.extend(rendition.files)
    for name in BILINGUAL_SOCIAL:
        rendition = registry.get(name).render(appeal, context)
        alone = [
            registry.get(name).render(appeal.in_language(lang), context)
            for lang in appeal.languages
        ]
        assert all(one.posts for one in alone), f"{name}: a language with no posts"
        if name == "facebook":  # a Page post is one post, in every language
            (post,) = rendition.posts
            assert all(one.posts[0].text.split("\n\n")[0] in post.text for one in alone)
        else:
            assert rendition.posts == tuple(p for one in alone for p in one.posts), name
        files.extend(rendition.files)
    _compare(files, folder)


@pytest.fixture(scope="module")
def combined_registry() -> Registry:
    return build_registry(
        Settings.from_env({"PUBLISHER_DATA_DIR": "var", "PUBLISHER_BILINGUAL_POSTS": "combined"})
    )


@pytest.mark.parametrize("state", ["active", "resolved"])
@pytest.mark.parametrize("record", BILINGUAL, ids=[a.stem for a in BILINGUAL])
def test_bilingual_appeals_in_combined_posts_as_pinned(
    record: Path, state: str, combined_registry: Registry
) -> None:
    """With ``PUBLISHER_BILINGUAL_POSTS=combined``: every social channel's thread, starting
    with one post in both languages, and its update, under ``tests/golden/bilingual-combined``
    (the default, separate posts, is pinned above)."""
    appeal = load_appeal(record).appeal
    folder = GOLDEN / "bilingual-combined" / record.stem
    if state == "resolved":
        appeal = _resolved_in_both(appeal)
        folder = folder.with_name(f"{record.stem}--resolved")
    context = combined_registry.context
    assert context.bilingual_posts == "combined"
    files: list[OutputFile] = []
    for name in BILINGUAL_SOCIAL:
        channel = combined_registry.get(name)
        rendition = channel.render(appeal, context)
        assert not [w for w in rendition.warnings if "one bilingual post" in w], name
        files.extend(rendition.files)
        files.extend(channel.render_update(appeal, context).files)
    _compare(files, folder)


def test_bilingual_site_files_are_pinned(
    registry_and_context: tuple[Registry, RenderContext],
) -> None:
    """The site built from the bilingual appeals and the English-only fixture appeals: both
    languages' indexes, safety and 404 pages and feeds (issue 14), in ``bilingual-site/``."""
    registry, context = registry_and_context
    appeals = [load_appeal(record).appeal for record in BILINGUAL]
    appeals += [Appeal.from_json(record.read_bytes()) for record in APPEALS]
    files: list[OutputFile] = []
    for name in CHANNELS:
        channel = registry.get(name)
        if channel.writes_site_files:
            site = channel.render_site(appeals, context).files
            files.extend(f for f in site if not f.path.startswith("assets/"))
    assert any(f.path == "cy/index.html" for f in files)
    _compare(files, GOLDEN / "bilingual-site")


@pytest.mark.parametrize("record", BILINGUAL, ids=[a.stem for a in BILINGUAL])
def test_welsh_posts_say_in_welsh_what_the_channels_add(
    record: Path, registry_and_context: tuple[Registry, RenderContext]
) -> None:
    """The words a social channel adds of its own ("Who to contact:", "UPDATE:") are Welsh in
    the Welsh posts and English in the English ones, on every social channel."""
    registry, context = registry_and_context
    appeal = load_appeal(record).appeal
    welsh = appeal.in_language("cy_GB")
    english = appeal.in_language(appeal.locale)
    for name in BILINGUAL_SOCIAL:
        channel = registry.get(name)
        cy = "\n".join(p.text for p in channel.render(welsh, context).posts)
        en = "\n".join(p.text for p in channel.render(english, context).posts)
        assert "Pwy i gysylltu â nhw:" in cy and "Who to contact:" not in cy, name
        assert "Who to contact:" in en and "Pwy i gysylltu" not in en, name
        update = channel.render_update(welsh, context).posts
        assert update and update[0].text.startswith("DIWEDDARIAD: "), name
        assert channel.render_update(english, context).posts[0].text.startswith("UPDATE: "), name
