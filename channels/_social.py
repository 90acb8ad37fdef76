"""What the social channels share: the rendition of a thread of posts, with its JSON file under
``social/<channel>/``; the dry-run outbox; the key and receipt of a publication.

- a withdrawn appeal renders no posts and removes the appeal's file;
- an update with nothing to say renders no posts (and no file);
- otherwise the file holds the appeal, its revision, whether it is an update, what the channel
  adds (its limits, the link), then every post (:func:`post_json`, or the channel's own).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.channel import (
    OutputFile,
    PlatformLimits,
    Receipt,
    RenderContext,
    Rendition,
    SocialPost,
    Target,
)
from publisher.channel.files import atomic_write
from publisher.channel.jsontext import indented_json
from publisher.channel.memo import in_language
from publisher.domain.record import Appeal, AppealStatus

if TYPE_CHECKING:
    from publisher.channels.x.render import Posts

__all__ = [
    "append_outbox",
    "content_key",
    "dry_run_deletion",
    "every_language",
    "post_json",
    "posting_order",
    "receipt_details",
    "social_rendition",
]


def posting_order(appeal: Appeal, order: Sequence[str] = ()) -> tuple[str, ...]:
    """The appeal's languages in the order its posts show them: those named in ``order`` (the
    force's ``PUBLISHER_LANGUAGES``) first, in that order, then the others in the appeal's own
    order, the primary first."""
    named = [locale for locale in order if locale in appeal.languages]
    return (*named, *(locale for locale in appeal.languages if locale not in named))


Combine = Callable[[Sequence[Appeal]], "Posts | None"]
"""A channel's bilingual rendering: the appeal in each language, in posting order, as one
thread that starts with one post holding every language; None when that post does not fit."""


def every_language(
    appeal: Appeal,
    render: Callable[[Appeal], Posts],
    context: RenderContext,
    *,
    combine: Combine,
    channel: str,
) -> Posts:
    """The posts of ``appeal`` in each of its languages, in :func:`posting_order`.

    ``separate`` (``context.bilingual_posts``, the default): one thread holding each
    language's posts in turn, every language's posts as they would be alone (its own words,
    hashtags and image description), so each is equally complete.

    ``combined``: ``combine``'s thread (a bilingual first post, then each language's other
    posts) when its first post fits the platform; when it does not, the separate posts, with
    a warning (prefixed ``channel:``, as the channel's own are) saying so. An appeal in one
    language renders as it always did, whatever the context."""
    if not appeal.translations:
        return render(appeal)
    ordered = posting_order(appeal, context.languages)
    versions = [in_language(appeal, locale) for locale in ordered]
    fallback: tuple[str, ...] = ()
    if context.bilingual_posts == "combined":
        combined = combine(versions)
        if combined is not None:
            return combined
        fallback = (
            f"{channel}: the {' and '.join(ordered)} versions do not fit one bilingual post, "
            "so each language is posted separately",
        )
    parts = [render(version) for version in versions]
    posts = tuple(post for part in parts for post in part.posts)
    warnings = tuple(dict.fromkeys((*fallback, *(w for part in parts for w in part.warnings))))
    return type(parts[0])(posts=posts, warnings=warnings)


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
    content = (indented_json(payload) + "\n").encode("utf-8")
    file = OutputFile(path=path, content=content, media_type="application/json")
    return replace(bare, files=(file,), posts=rendered.posts)


def append_outbox(folder: Path, file_name: str, records: Sequence[Mapping[str, Any]]) -> Path:
    """Append ``records`` (one JSON line each) to the dry-run outbox ``folder/file_name``, under
    a lock, so that concurrent workers neither interleave nor lose a line; the file's path."""
    lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    path = folder / file_name
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f".{file_name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing = path.read_bytes() if path.exists() else b""
        atomic_write(path, existing + lines.encode("utf-8"))
    return path


def dry_run_deletion(
    channel: str, folder: Path, file_name: str, ids: Sequence[str], target: Target, now: datetime
) -> Receipt:
    """What deleting ``ids`` would do, written to the dry-run outbox instead."""
    records = [
        {
            "dry_run": True,
            "channel": channel,
            "action": "delete",
            "target": target.name,
            "remote_id": remote_id,
            "at": now.isoformat(),
        }
        for remote_id in ids
    ]
    path = append_outbox(folder, file_name, records)
    return Receipt(
        channel=channel,
        paths=(str(path),),
        published_at=now,
        details={"dry_run": "true", "deleted": str(len(ids)), "outbox": str(path)},
    )


def content_key(rendition: Rendition, target: Target) -> str:
    """A key for a publication outside the ledger (no delivery key): the same rendition to
    the same target is the same publication."""
    identity = json.dumps(
        [rendition.appeal_id, rendition.revision, target.name, target.reply_to]
        + [post.text for post in rendition.posts],
        ensure_ascii=False,
    )
    return "publisher-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:40]


def receipt_details(total: int, target: Target, *, resumed: int) -> dict[str, str]:
    """A thread's receipt details: how many posts, what it answered, where it resumed."""
    details = {"posts": str(total)}
    if target.reply_to:
        details["in_reply_to"] = target.reply_to
    if resumed:
        details["resumed_after"] = str(resumed)
    if target.idempotency_key:
        details["idempotency_key"] = target.idempotency_key
    return details
