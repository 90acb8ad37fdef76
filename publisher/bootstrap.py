"""The one composition root: settings in; channels, render context (and store) wired out.

Built-in channels are listed here; third-party ones come from the ``publisher.channels``
entry-point group. Nothing is built at import time.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points

from publisher.channel import Channel, RenderContext
from publisher.errors import PublisherError
from publisher.settings import Settings

__all__ = ["BUILTIN_CHANNELS", "Registry", "UnknownChannel", "build_registry"]

ChannelFactory = Callable[[Settings], Channel]


class UnknownChannel(PublisherError):
    """A channel name that no built-in or plug-in channel answers to."""


def _web(settings: Settings) -> Channel:
    from publisher.channels.web import WebChannel

    return WebChannel()


def _feeds(settings: Settings) -> Channel:
    from publisher.channels.feeds import FeedsChannel

    return FeedsChannel()


def _text(settings: Settings) -> Channel:
    from publisher.channels.text import TextChannel

    return TextChannel()


def _x(settings: Settings) -> Channel:
    from publisher.channels.x import XChannel

    return XChannel.from_settings(settings)


BUILTIN_CHANNELS: Mapping[str, ChannelFactory] = {
    "web": _web,
    "feeds": _feeds,
    "text": _text,
    "x": _x,
}


@dataclass
class Registry:
    """The channels this deployment publishes to, built lazily by name."""

    settings: Settings
    factories: Mapping[str, ChannelFactory]

    def __post_init__(self) -> None:
        self._built: dict[str, Channel] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.factories)

    @property
    def context(self) -> RenderContext:
        return self.settings.render_context()

    def get(self, name: str) -> Channel:
        if name not in self._built:
            factory = self.factories.get(name)
            if factory is None:
                known = ", ".join(self.factories)
                raise UnknownChannel(f"unknown channel {name!r}; known channels: {known}")
            self._built[name] = factory(self.settings)
        return self._built[name]


def _plugin_factories() -> dict[str, ChannelFactory]:
    found: dict[str, ChannelFactory] = {}
    for ep in entry_points(group="publisher.channels"):
        factory = ep.load()
        found[ep.name] = factory
    return found


def _configured_factories(settings: Settings) -> dict[str, ChannelFactory]:
    """Channels named by PUBLISHER_EXTRA_CHANNELS (``name=module:factory``)."""
    found: dict[str, ChannelFactory] = {}
    for name, target in settings.extra_channels:
        module_name, _, attr = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise UnknownChannel(
                f"PUBLISHER_EXTRA_CHANNELS: channel {name!r}: cannot import {module_name!r}: {exc}"
            ) from exc
        factory = getattr(module, attr, None)
        if not callable(factory):
            raise UnknownChannel(
                f"PUBLISHER_EXTRA_CHANNELS: channel {name!r}: {target!r} is not a callable factory"
            )
        found[name] = factory
    return found


def build_registry(
    settings: Settings | None = None, *, extra: Mapping[str, ChannelFactory] | None = None
) -> Registry:
    """Wire the channels: built-ins, then plug-ins, then PUBLISHER_EXTRA_CHANNELS, then ``extra``
    (tests), later names winning."""
    settings = settings or Settings.from_env()
    factories: dict[str, ChannelFactory] = dict(BUILTIN_CHANNELS)
    factories.update(_plugin_factories())
    factories.update(_configured_factories(settings))
    if extra:
        factories.update(extra)
    return Registry(settings=settings, factories=factories)
