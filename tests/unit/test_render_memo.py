"""What the channels remember of a record between renderings never goes stale.

The social channels share an appeal's lines (:func:`publisher.channels.x.lines.social_lines`)
and the notify channel reuses the text channel's plain text (:func:`render_text`), each
remembered by the record object. Two appeals rendered in turn, or an appeal changed (a new
object) and rendered again, must render exactly as each does with nothing remembered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from publisher.bootstrap import build_registry
from publisher.channel import memo
from publisher.channel.memo import FragmentMemo, in_language
from publisher.channel.registry import Registry
from publisher.channels import text as text_channel
from publisher.channels.x import lines
from publisher.domain.record import Appeal
from publisher.importers import load_appeal
from publisher.settings import Settings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
BILINGUAL = (
    Path(__file__).resolve().parents[1] / "fixtures" / "bilingual" / "missing-osian-example.txt"
)
CHANNELS = ("text", "x", "mastodon", "bluesky", "facebook", "notify")


def sample(**changes: object) -> Appeal:
    appeal = Appeal.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    return Appeal.model_validate({**appeal.model_dump(), **changes}) if changes else appeal


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return build_registry(Settings.from_env({"PUBLISHER_DATA_DIR": str(tmp_path / "var")}))


def forget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty every memo the renderings share, as in a new process."""
    monkeypatch.setattr(lines, "_LINES", FragmentMemo(64))
    monkeypatch.setattr(text_channel, "_TEXTS", FragmentMemo(64))
    monkeypatch.setattr(memo, "_VERSIONS", FragmentMemo(256))


def rendered(registry: Registry, appeal: Appeal) -> dict[str, Any]:
    """Every channel's files, posts and warnings for ``appeal``, as a build renders them (one
    channel after another for the same record)."""
    out: dict[str, Any] = {}
    for name in CHANNELS:
        rendition = registry.get(name).render(appeal, registry.context)
        out[name] = (rendition.files, rendition.posts, rendition.warnings)
    return out


def first_posts(result: dict[str, Any]) -> dict[str, str]:
    return {name: result[name][1][0].text for name in ("x", "mastodon", "bluesky", "facebook")}


def test_two_appeals_rendered_in_turn_render_as_each_alone(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam = sample()
    alex = sample(
        id="missing-man-alex-example",
        title="Have you seen Alex Example?",
        summary="We are appealing for help to find Alex, 52, last seen in Otherton on Monday.",
        hashtags=("FindAlex",),
        url="https://www.example.police.uk/news/2020/october/missing-alex/",
    )
    interleaved = [rendered(registry, appeal) for appeal in (sam, alex, sam, alex)]
    assert interleaved[0] == interleaved[2] and interleaved[1] == interleaved[3]
    forget(monkeypatch)
    assert rendered(registry, alex) == interleaved[1]
    forget(monkeypatch)
    assert rendered(registry, sam) == interleaved[0]
    for text in first_posts(interleaved[1]).values():
        assert "Alex Example" in text and "Sam Example" not in text and "#FindAlex" in text


def test_an_appeal_changed_then_rendered_again_shows_the_change(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sample()
    old = rendered(registry, before)
    after = before.model_copy(
        update={
            "revision": before.revision + 1,
            "title": "Have you seen Sam Sample?",
            "summary": "Sam, 35, was last seen in Newtown on Saturday.",
            "hashtags": ("HelpFindSam",),
        }
    )
    new = rendered(registry, after)
    for name, text in first_posts(new).items():
        assert "Sam Sample" in text and "Sam Example" not in text, name
        assert "#HelpFindSam" in text and "#FindSam " not in f"{text} ", name
    assert first_posts(old) != first_posts(new)
    for name in ("text", "notify"):
        [file] = new[name][0]
        assert "Sam Sample" in file.content.decode("utf-8"), name
    # The old record still renders as it did, and the new one as it does with nothing held.
    assert rendered(registry, before) == old
    forget(monkeypatch)
    assert rendered(registry, after) == new


def test_a_version_is_made_once_per_record_object() -> None:
    appeal = load_appeal(BILINGUAL).appeal
    welsh = in_language(appeal, "cy_GB")
    assert welsh is in_language(appeal, "cy_GB")
    assert welsh == appeal.in_language("cy_GB")
    assert in_language(appeal, appeal.locale) == appeal.in_language(appeal.locale)
    again = load_appeal(BILINGUAL).appeal  # the same words, another record object
    assert in_language(again, "cy_GB") is not welsh
    with pytest.raises(KeyError):
        in_language(appeal, "fr_FR")


def test_a_bilingual_appeal_renders_as_with_nothing_remembered(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    appeal = load_appeal(BILINGUAL).appeal
    first = rendered(registry, appeal)
    assert rendered(registry, appeal) == first
    forget(monkeypatch)
    assert rendered(registry, load_appeal(BILINGUAL).appeal) == first
