"""The port every output channel implements, and the values that cross it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from publisher.domain.record import Appeal

__all__ = [
    "Channel",
    "Media",
    "OutputFile",
    "Receipt",
    "RenderContext",
    "Rendition",
    "SiteChannel",
    "SocialPost",
    "Target",
]


@dataclass(frozen=True)
class RenderContext:
    """Everything a rendering may depend on besides the appeal. Same context, same bytes."""

    site_url: str = "http://localhost:8000/"
    """Absolute URL of the root of the site we build (ends with '/'). Feeds' self links use it."""
    site_name: str = "Police appeals"
    exit_url: str = "https://www.bbc.co.uk/weather"
    """Where 'Exit this page' goes: a neutral site."""
    language: str = "en-GB"

    def absolute(self, path: str) -> str:
        """An absolute URL for a path under the site root."""
        return self.site_url.rstrip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True)
class OutputFile:
    """One file of a rendition, at a POSIX path relative to the output root."""

    path: str
    content: bytes
    media_type: str

    def __post_init__(self) -> None:
        if self.path.startswith("/") or ".." in Path(self.path).parts:
            raise ValueError(f"output path must be relative and inside the root: {self.path!r}")


@dataclass(frozen=True)
class Media:
    url: str
    alt_text: str


@dataclass(frozen=True)
class SocialPost:
    """One post of a thread. ``weight`` is the length as the platform counts it."""

    text: str
    weight: int
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class Rendition:
    """What a channel made of an appeal (or of the site): files, posts, or both."""

    channel: str
    appeal_id: str | None
    revision: int | None
    files: tuple[OutputFile, ...] = ()
    posts: tuple[SocialPost, ...] = ()
    warnings: tuple[str, ...] = ()
    removals: tuple[str, ...] = ()
    """POSIX paths, relative to the output root, that publishing deletes (e.g. a withdrawn
    appeal's page). Missing files are fine: removing twice is idempotent."""

    def file(self, suffix: str) -> OutputFile:
        """The first file whose path ends with ``suffix``."""
        for item in self.files:
            if item.path.endswith(suffix):
                return item
        raise KeyError(f"{self.channel} rendition has no file ending {suffix!r}")


@dataclass(frozen=True)
class Target:
    """Where to publish: an output folder for file channels, an account for social ones."""

    name: str = "default"
    output_dir: Path | None = None
    reply_to: str | None = None
    """For social: the remote id this post answers (updates are replies to the first post)."""


@dataclass(frozen=True)
class Receipt:
    """Proof of publication: the remote id(s) and URL, or the files written."""

    channel: str
    remote_ids: tuple[str, ...] = ()
    url: str | None = None
    paths: tuple[str, ...] = ()
    published_at: datetime | None = None
    details: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Channel(Protocol):
    """One output. ``render`` is pure; ``publish`` is its only side effect.

    ``publish`` raises only :class:`publisher.errors.PublishError` subclasses.
    """

    name: str
    idempotent: bool

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition: ...

    def publish(self, rendition: Rendition, target: Target) -> Receipt: ...


@runtime_checkable
class SiteChannel(Channel, Protocol):
    """A channel that also renders site-wide files: indexes, feeds, assets."""

    def render_site(self, appeals: Sequence[Appeal], context: RenderContext) -> Rendition: ...
