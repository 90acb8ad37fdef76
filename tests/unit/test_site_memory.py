"""SiteMemory: the few sites a site channel remembers, one per rendering context."""

from __future__ import annotations

import pytest

from publisher.channel.memo import SiteMemory


class _Site:
    def __init__(self) -> None:
        self.pages: list[str] = []


def test_a_site_is_remembered_per_context_and_brought_up_to_date() -> None:
    memory: SiteMemory[_Site] = SiteMemory(_Site, limit=2)
    assert memory.get("a") is None
    with memory.using("a") as site:
        site.pages.append("home")
    with memory.using("a") as again:
        assert again is site and again.pages == ["home"]
    with memory.using("b") as other:
        assert other is not site and other.pages == []


def test_a_failed_rendering_forgets_the_site() -> None:
    memory: SiteMemory[_Site] = SiteMemory(_Site, limit=2)
    with memory.using("a") as site:
        site.pages.append("home")
    with pytest.raises(RuntimeError), memory.using("a") as half_done:
        half_done.pages.append("half")
        raise RuntimeError("the template failed")
    assert memory.get("a") is None
    with memory.using("a") as fresh:
        assert fresh.pages == []


def test_only_the_most_recently_used_are_kept() -> None:
    memory: SiteMemory[_Site] = SiteMemory(_Site, limit=2)
    for context in ("a", "b", "c"):
        with memory.using(context):
            pass
    assert memory.get("a") is None and memory.get("b") is not None
    with memory.using("b"):
        pass  # b is now the most recent: d pushes c out
    with memory.using("d"):
        pass
    assert memory.get("c") is None and memory.get("b") is not None


def test_recall_takes_only_its_own_kind_of_site() -> None:
    memory: SiteMemory[_Site] = SiteMemory(_Site, limit=2)
    site = _Site()
    memory.recall("a", site)
    assert memory.get("a") is site
    with pytest.raises(TypeError, match="not a remembered _Site: dict"):
        memory.recall("a", {})
    assert memory.get("a") is site
