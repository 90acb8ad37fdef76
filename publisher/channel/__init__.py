"""The port every output channel implements, and the values that cross it.

A channel is one class with a ``name``, the abilities it declares as typed attributes, and four
methods: ``render`` (pure: the same appeal and context give the same bytes), ``render_site``
and ``render_update`` (used only when the abilities say so) and ``publish`` (the only side
effect). The services read the abilities; they never probe a channel or know it by its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from publisher.domain.record import Appeal
from publisher.errors import PermanentPublishError

__all__ = [
    "BILINGUAL_POSTS",
    "BilingualPosts",
    "Channel",
    "ChannelBase",
    "Media",
    "OutputFile",
    "PlatformLimits",
    "Receipt",
    "RenderContext",
    "Rendition",
    "SocialPost",
    "Target",
]


BilingualPosts = Literal["separate", "combined"]
"""How the social channels post an appeal written in more than one language: ``separate``
(each language's posts, one language after the other, in one thread) or ``combined`` (one
bilingual first post when it fits the platform, then each language's remaining posts)."""
BILINGUAL_POSTS: tuple[BilingualPosts, ...] = ("separate", "combined")


@dataclass(frozen=True)
class RenderContext:
    """Everything a rendering may depend on besides the appeal. Same context, same bytes."""

    site_url: str = "http://localhost:8000/"
    """Absolute URL of the root of the site we build (ends with '/'). Feeds' self links use it."""
    site_name: str = "Police appeals"
    exit_url: str = "https://www.bbc.co.uk/weather"
    """Where 'Exit this page' goes: a neutral site."""
    language: str = "en-GB"
    languages: tuple[str, ...] = ()
    """PUBLISHER_LANGUAGES: the locales the site is published in, the primary first
    (``en_GB``, ``cy_GB``). The site channels write each other language's indexes and feeds
    (``cy/index.html``, ``feeds/cy/rss.xml``) even before an appeal is written in it; a
    language any appeal is written in gets them too. The social posts show an appeal's
    languages named here first, in this order, then any others in the appeal's own order
    (primary first); empty, the appeal's own order."""
    share_image_url: str | None = None
    """An absolute image URL for pages with no image of their own (indexes, the safety page,
    appeals without a photo): their ``og:image`` and ``twitter:image``."""
    share_image_alt: str | None = None
    """What that image shows (``og:image:alt``); set whenever ``share_image_url`` is."""
    bilingual_posts: BilingualPosts = "separate"
    """PUBLISHER_BILINGUAL_POSTS: see :data:`BilingualPosts`."""

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
        # The parts of a POSIX path are its "/"-separated names (Path drops only empty ones
        # and "."), so this is ``".." in PurePosixPath(path).parts``, without a Path per file.
        if self.path.startswith("/") or ".." in self.path.split("/"):
            raise ValueError(f"output path must be relative and inside the root: {self.path!r}")


@dataclass(frozen=True)
class PlatformLimits:
    """What a platform accepts, declared once by its channel: the channel renders within these
    and the linter checks renditions against them."""

    name: str
    """The platform as people call it ("X")."""
    max_weight: int
    """The longest post, as the platform counts it (``SocialPost.weight``)."""
    max_alt: int
    """The longest image description the platform accepts, in characters."""
    max_media: int = 4
    """Images per post."""


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
    limits: PlatformLimits | None = None
    """The platform limits the posts were rendered within (social channels)."""
    url: str | None = None
    """Where people read what publishing this makes, when the channel knows it before
    publishing (the web page's absolute address): file publishing puts it on the receipt, and
    the ledger records it as the delivery's remote link."""

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
    already_posted: tuple[str, ...] = ()
    """For threads: the remote ids of the first parts, posted by an earlier attempt that failed
    half-way. A channel that ``resumes_threads`` posts the rest after them."""
    idempotency_key: str | None = None
    """The same on every attempt of one delivery, and only of it (set by the publishing
    service from the delivery's durable identity, before the first attempt): a platform that
    deduplicates requests by a key (Mastodon's ``Idempotency-Key``) is given this key plus the
    post's number, so a retry after a crash or an unanswered request cannot post twice."""


@dataclass(frozen=True)
class Receipt:
    """Proof of publication: the remote id(s) and URL, or the files written."""

    channel: str
    remote_ids: tuple[str, ...] = ()
    url: str | None = None
    paths: tuple[str, ...] = ()
    published_at: datetime | None = None
    details: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    """One output. ``render`` is pure; ``publish`` is its only side effect and raises only
    :class:`publisher.errors.PublishError` subclasses.

    The abilities, read by the services (never probed):
    """

    name: str
    idempotent: bool
    """Publishing the same rendition twice has the effect of once (files written atomically):
    a delivery whose outcome is unknown may simply run again."""
    writes_site_files: bool
    """Besides each appeal's files, ``render_site`` gives site-wide ones (indexes, feeds,
    assets), published with every appeal."""
    resumes_threads: bool
    """``publish`` honours ``Target.already_posted``: after a thread failed half-way it posts
    only the rest, so a retry cannot post the first parts twice."""
    can_update: bool
    """``render_update`` gives an "UPDATE" post answering what was published
    (``Target.reply_to``)."""
    can_delete: bool
    """Publishing a withdrawn appeal's rendition removes what was published."""
    deletes_posts: bool
    """``delete_posts`` takes down posts this channel published (social channels): resolving
    or withdrawing an appeal deletes its posts as deliveries of their own."""
    limits: PlatformLimits | None
    """The platform's limits (social channels), which the linter checks renditions against."""

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition: ...

    def render_site(self, appeals: Sequence[Appeal], context: RenderContext) -> Rendition:
        """Site-wide files from every live appeal (only called if ``writes_site_files``)."""
        ...

    def render_update(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """An "UPDATE" post for a new revision (only called if ``can_update``)."""
        ...

    def site_memory(self, context: RenderContext) -> object | None:
        """What the channel remembers of the site it rendered last in ``context`` (see
        ``render_site``), for a later process to carry on from; None when nothing. The build
        cache saves it (pickled, each record in it by reference) with the records it holds."""
        ...

    def recall_site(self, context: RenderContext, memory: object) -> None:
        """Take back what :meth:`site_memory` gave, in a new process, as the site last rendered
        in ``context``: its records are the very objects the caller passes to ``render_site``
        for the appeals that have not changed since."""
        ...

    def site_fragments(self, appeal: Appeal, context: RenderContext) -> object | None:
        """What ``render_site`` would make of ``appeal`` alone (say, an index card's bytes),
        made right after ``render`` of the same record, small and picklable;
        None when nothing. A build's worker process sends it to the main process with the
        record, which gives it back (:meth:`recall_site_fragments`), so the site is rendered
        there without making those pieces again."""
        ...

    def recall_site_fragments(
        self, appeal: Appeal, context: RenderContext, fragments: object
    ) -> None:
        """Take what :meth:`site_fragments` made of a record in another process, for
        ``appeal`` (the same record there, as another object), so that ``render_site`` in
        ``context`` finds it instead of making it again."""
        ...

    def publish(self, rendition: Rendition, target: Target) -> Receipt: ...

    def delete_posts(self, remote_ids: Sequence[str], target: Target) -> Receipt:
        """Delete the posts with these remote ids (only called if ``deletes_posts``). A post
        that is already gone counts as deleted, so a retry is harmless; the receipt lists the
        ids deleted. Raises only :class:`publisher.errors.PublishError` subclasses."""
        ...


class ChannelBase:
    """Defaults for a channel's abilities, for channels to inherit: none of the optional
    abilities, no site-wide files, no updates. A channel overrides what it can do."""

    name: str
    writes_site_files: bool = False
    resumes_threads: bool = False
    can_update: bool = False
    can_delete: bool = False
    deletes_posts: bool = False
    limits: PlatformLimits | None = None

    def render_site(self, appeals: Sequence[Appeal], context: RenderContext) -> Rendition:
        """No site-wide files."""
        return Rendition(channel=self.name, appeal_id=None, revision=None)

    def render_update(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """Refused: this channel does not post updates (``can_update`` is False)."""
        raise PermanentPublishError(f"the {self.name} channel does not post updates")

    def delete_posts(self, remote_ids: Sequence[str], target: Target) -> Receipt:
        """Refused: this channel deletes no posts (``deletes_posts`` is False)."""
        raise PermanentPublishError(f"the {self.name} channel does not delete posts")

    def site_memory(self, context: RenderContext) -> object | None:
        """Nothing remembered."""
        return None

    def recall_site(self, context: RenderContext, memory: object) -> None:
        """Nothing to take back."""

    def site_fragments(self, appeal: Appeal, context: RenderContext) -> object | None:
        """Nothing made ahead."""
        return None

    def recall_site_fragments(
        self, appeal: Appeal, context: RenderContext, fragments: object
    ) -> None:
        """Nothing to take back."""
