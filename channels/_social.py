"""What every social channel's ``render`` and ``render_update`` share: the rendition of a thread
of posts, with its JSON file under ``social/<channel>/``.

- a withdrawn appeal renders no posts and removes the appeal's file;
- an update with nothing to say renders no posts (and no file);
- otherwise the file holds the appeal, its revision, whether it is an update, what the channel
  adds (its limits, the link), then every post (:func:`post_json`, or the channel's own).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from publisher.channel import OutputFile, PlatformLimits, Rendition, SocialPost
from publisher.domain.record import Appeal, AppealStatus

if TYPE_CHECKING:
    from publisher.channels.x.render import Posts

__all__ = ["post_json", "social_rendition"]


def post_json(post: SocialPost) -> dict[str, Any]:
    """A post as the rendition's file shows it: its text, its weight and its media."""
    return {
        "text": post.text,
        "weight": post.weight,
        "media": [{"url": m.url, "alt_text": m.alt_text} for m in post.media],
    }


def social_rendition(
    channel: str,
    appeal: Appeal,
    rendered: Posts,
    *,
    limits: PlatformLimits,
    update: bool,
    described: Mapping[str, Any] | None = None,
    as_json: Callable[[SocialPost], dict[str, Any]] = post_json,
) -> Rendition:
    """The rendition of ``rendered``: the appeal's thread, or with ``update`` its "UPDATE"
    reply. ``described``: what the file says between the revision and the posts."""
    path = f"social/{channel}/{appeal.id}{'.update' if update else ''}.json"
    bare = Rendition(
        channel=channel,
        appeal_id=appeal.id,
        revision=appeal.revision,
        warnings=rendered.warnings,
        limits=limits,
    )
    if not update and appeal.status is AppealStatus.WITHDRAWN:
        return replace(bare, removals=(path,))
    if update and not rendered.posts:
        return bare
    payload: dict[str, Any] = {"appeal": appeal.id, "revision": appeal.revision}
    if update:
        payload["update"] = True
    payload.update(described or {})
    payload["posts"] = [as_json(post) for post in rendered.posts]
    content = (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    file = OutputFile(path=path, content=content, media_type="application/json")
    return replace(bare, files=(file,), posts=rendered.posts)
