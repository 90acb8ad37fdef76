"""The channels a deployment publishes to, by name, each built on first use.

The composition root (:func:`publisher.bootstrap.bootstrap`) fills it; the services only look
channels up and read what each declares it can do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from publisher.channel import Channel, RenderContext
from publisher.errors import UnknownChannel

__all__ = ["Registry"]


@dataclass
class Registry:
    """Named channel factories, the render context and the output folder of file channels."""

    factories: Mapping[str, Callable[[], Channel]]
    context: RenderContext = field(default_factory=RenderContext)
    output_dir: Path = Path("site")
    _built: dict[str, Channel] = field(default_factory=dict, init=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.factories)

    def get(self, name: str) -> Channel:
        """The channel called ``name``; :class:`UnknownChannel` listing the known ones."""
        if name not in self._built:
            factory = self.factories.get(name)
            if factory is None:
                known = ", ".join(self.factories)
                raise UnknownChannel(f"unknown channel {name!r}; known channels: {known}")
            self._built[name] = factory()
        return self._built[name]

    def close(self) -> None:
        """Close what the channels built so far hold open (their HTTP connections); a channel
        is built again on its next use."""
        built, self._built = self._built, {}
        for channel in built.values():
            close = getattr(channel, "close", None)
            if callable(close):
                close()

    def channels(self) -> tuple[Channel, ...]:
        """Every channel, built."""
        return tuple(self.get(name) for name in self.names)
