"""PUBLISHER_EXTRA_CHANNELS: channels loaded by name in every process (workers too)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from publisher.bootstrap import build_registry
from publisher.channel import ChannelBase, Receipt, RenderContext, Rendition, Target
from publisher.domain.record import Appeal
from publisher.errors import UnknownChannel
from publisher.settings import ENVIRONMENT_VARIABLES, Settings, SettingsError


class _NamedChannel(ChannelBase):
    """A channel this module's factory builds; remembers the settings it was given."""

    idempotent = True

    def __init__(self, settings: Settings) -> None:
        self.name = "probe"
        self.settings = settings

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        return Rendition(channel=self.name, appeal_id=appeal.id, revision=appeal.revision)

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        return Receipt(channel=self.name)


def probe_factory(settings: Settings) -> _NamedChannel:
    return _NamedChannel(settings)


NOT_CALLABLE = 42
HERE = __name__


def _settings(value: str, **more: str) -> Settings:
    return Settings.from_env({"PUBLISHER_EXTRA_CHANNELS": value, **more})


def test_variable_is_a_known_setting() -> None:
    assert "PUBLISHER_EXTRA_CHANNELS" in ENVIRONMENT_VARIABLES


def test_specs_are_parsed() -> None:
    settings = _settings(f" probe = {HERE}:probe_factory , other={HERE}:probe_factory,")
    assert settings.extra_channels == (
        ("probe", f"{HERE}:probe_factory"),
        ("other", f"{HERE}:probe_factory"),
    )
    assert Settings.from_env({}).extra_channels == ()


@pytest.mark.parametrize("bad", ["probe", "probe=module", "=m:f", "probe=:f", "probe=m:"])
def test_malformed_spec_names_the_variable(bad: str) -> None:
    with pytest.raises(SettingsError, match="PUBLISHER_EXTRA_CHANNELS"):
        _settings(bad)


def test_registry_builds_the_named_channel_with_the_settings() -> None:
    settings = _settings(f"probe={HERE}:probe_factory", SITE_NAME="Probe site")
    registry = build_registry(settings)
    assert "probe" in registry.names
    channel: Any = registry.get("probe")
    assert isinstance(channel, _NamedChannel)
    assert channel.settings.site_name == "Probe site"


def test_extra_argument_still_wins() -> None:
    settings = _settings(f"probe={HERE}:probe_factory")
    marker: list[Settings] = []

    def factory(s: Settings) -> _NamedChannel:
        marker.append(s)
        return _NamedChannel(s)

    build_registry(settings, extra={"probe": factory}).get("probe")
    assert marker == [settings]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("probe=no_such_module_here:factory", "cannot import 'no_such_module_here'"),
        (f"probe={HERE}:missing", "is not a callable factory"),
        (f"probe={HERE}:NOT_CALLABLE", "is not a callable factory"),
    ],
)
def test_unloadable_factory_is_a_clear_error(spec: str, message: str) -> None:
    with pytest.raises(UnknownChannel, match=message) as info:
        build_registry(_settings(spec))
    assert "'probe'" in str(info.value)


def _names(channels: Sequence[str]) -> list[str]:
    return sorted(channels)


def test_builtins_remain() -> None:
    registry = build_registry(_settings(f"probe={HERE}:probe_factory"))
    assert {"web", "feeds", "text", "x", "probe"} <= set(_names(registry.names))
