"""The ``bluesky`` channel: render an appeal as posts; publish them with ``atproto``.

- **Posts** are ``app.bsky.feed.post`` records made with ``com.atproto.repo.createRecord``:
  the text (at most 300 graphemes, 3000 UTF-8 bytes), its facets (links with the full URL,
  hashtags; UTF-8 byte offsets), ``createdAt``, ``langs`` and, on the first post, the share
  image as ``app.bsky.embed.images`` with its ``alt`` text (a blob of at most 1,000,000 bytes,
  uploaded with ``com.atproto.repo.uploadBlob``; an image without alt text is never posted).
- **Threads**: every reply carries ``reply.root`` and ``reply.parent``, strong references (uri
  and cid) to the first post and to the one before; an "UPDATE" answers ``Target.reply_to``
  (read back with ``getRecord`` for its cid and its own root). A thread that fails half-way
  carries the uris posted in ``posted_ids``; a retry resumes after them (``resumes_threads``).
- **No post twice.** Bluesky has no idempotency header, but a record's key may be chosen: each
  post's ``rkey`` is derived from the delivery's key (``Target.idempotency_key``) and its
  number (:func:`.client.record_key`). A second create of the same key is refused by the PDS
  (its repository tree will not add an existing key; the answer is a 500
  ``InternalServerError``), so after a refused or failed create the channel reads the record
  key back (``getRecord``): if the record is there, it was posted, and its uri and cid are used.
- **The session** is created once per channel (process) and refreshed by the client and, on
  ``ExpiredToken``, by the channel (``refreshSession``): ``createSession`` is rate limited.
- **Errors**: 429 is transient until ``ratelimit-reset`` (and nothing more is tried in this
  process until then); 5xx and connection failures are transient; 401/403 and a refused login
  are the credentials (the channel is disabled); other 400s are permanent; a timeout or a
  dropped connection after a create was sent is ambiguous: a person confirms before a resend.

``atproto`` (its models and errors) and ``httpx`` are imported only where the channel talks to
the PDS (signing in, posting, reading, deleting, translating their errors): rendering never
loads them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.channel import (
    ChannelBase,
    Media,
    PlatformLimits,
    Receipt,
    RenderContext,
    Rendition,
    SocialPost,
    Target,
)
from publisher.channels._social import (
    append_outbox,
    content_key,
    every_language,
    receipt_details,
    social_rendition,
)
from publisher.channels.bluesky.client import BlueskySettings, build_client, record_key
from publisher.channels.bluesky.render import (
    LIMITS,
    MAX_IMAGE_BYTES,
    BlueskyPost,
    Posts,
    as_post,
    render_combined_posts,
    render_combined_update_posts,
    render_posts,
    render_update_posts,
)
from publisher.channels.bluesky.text import MAX_BYTES, MAX_GRAPHEMES, graphemes, utf8_length
from publisher.channels.x.fetch import ImageFetcher
from publisher.channels.x.fetch import fetch_image as fetch_image_over_http
from publisher.domain.record import Appeal
from publisher.errors import (
    AmbiguousPublishError,
    PermanentPublishError,
    PublishError,
    TransientPublishError,
)

if TYPE_CHECKING:
    from atproto_client.exceptions import RequestErrorBase

__all__ = ["OUTBOX_FILE", "BlueskyChannel", "translate_error"]

OUTBOX_FILE = "bluesky.jsonl"
COLLECTION = "app.bsky.feed.post"
_NOT_CONFIGURED = (
    "Bluesky is not configured: set BLUESKY_HANDLE (e.g. police.bsky.social) and "
    "BLUESKY_APP_PASSWORD (an app password), and BLUESKY_SERVICE_URL if the account is not "
    "on https://bsky.social"
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _xrpc(exc: RequestErrorBase) -> tuple[int | None, str, str]:
    """The HTTP status, XRPC error name and message of a failed call."""
    from atproto_client.models.common import XrpcError

    response = exc.response
    if response is None:
        return None, "", ""
    content = response.content
    if isinstance(content, XrpcError):
        return response.status_code, content.error or "", content.message or ""
    return response.status_code, "", ""


def _describe(exc: RequestErrorBase) -> str:
    status, error, message = _xrpc(exc)
    return " ".join(str(part) for part in (status, error, message) if part) or type(exc).__name__


def _was_sent(exc: BaseException) -> bool:
    """Whether a request that failed without an answer may have reached the server."""
    import httpx

    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, httpx.HTTPError):
        cause = cause.__cause__ or cause.__context__
    if cause is None:
        return True
    return not isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def translate_error(
    exc: BaseException, what: str, *, creates: bool, retry_at: datetime | None = None
) -> PublishError:
    """The project's error for what ``atproto`` (or httpx under it) raised while doing
    ``what``. ``creates``: the request makes a record (then an unanswered one is ambiguous)."""
    import httpx
    from atproto_client.exceptions import (
        InvokeTimeoutError,
        NetworkError,
        RateLimitExceededError,
        RequestErrorBase,
        UnauthorizedError,
    )

    if isinstance(exc, RateLimitExceededError):
        return TransientPublishError(f"Bluesky rate limit reached ({what})", retry_at=retry_at)
    unanswered = isinstance(exc, InvokeTimeoutError | httpx.HTTPError) or (
        isinstance(exc, NetworkError) and exc.response is None
    )
    if unanswered:
        if creates and _was_sent(exc):
            return AmbiguousPublishError(
                f"no answer from Bluesky after sending {what} ({type(exc).__name__}): "
                "the post may exist; confirm before posting again"
            )
        return TransientPublishError(f"could not reach Bluesky ({what}): {type(exc).__name__}")
    if isinstance(exc, UnauthorizedError):
        return PermanentPublishError(
            f"Bluesky refused the account's credentials ({what}): {_describe(exc)}; check "
            "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD",
            credentials=True,
        )
    if isinstance(exc, RequestErrorBase):
        status = _xrpc(exc)[0]
        if status is not None and (status >= 500 or status in (409, 413)):
            return TransientPublishError(f"Bluesky is unavailable ({what}): {_describe(exc)}")
        return PermanentPublishError(f"Bluesky rejected {what}: {_describe(exc)}")
    return PermanentPublishError(f"atproto refused {what}: {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class _Ref:
    uri: str
    cid: str

    def record(self) -> dict[str, str]:
        return {"uri": self.uri, "cid": self.cid}


class BlueskyChannel(ChannelBase):
    """Posts appeals to a Bluesky account as a thread. ``render`` is pure; ``publish`` and
    ``delete_posts`` are the side effects.

    ``client``: an ``atproto.Client`` (``None`` builds one lazily from ``settings``). With no
    credentials and an ``outbox`` folder, publishing is a dry run appended to
    ``outbox/bluesky.jsonl``; with neither, it is refused as a credentials error.
    """

    name = "bluesky"
    idempotent = False
    writes_site_files = False
    resumes_threads = True
    can_update = True
    can_delete = False
    deletes_posts = True
    limits: PlatformLimits | None = LIMITS

    def __init__(
        self,
        client: Any | None = None,
        *,
        settings: BlueskySettings | None = None,
        outbox: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        fetch_image: ImageFetcher | None = None,
    ) -> None:
        self._client: Any = client
        self._did: str | None = None
        self._settings = settings if settings is not None else BlueskySettings()
        self._outbox = outbox
        self._clock = clock or _utcnow
        self._fetch: ImageFetcher = fetch_image or fetch_image_over_http
        self._lock = threading.RLock()
        self._blocked_until: datetime | None = None

    def __repr__(self) -> str:
        return (
            f"BlueskyChannel(service_url={self._settings.base_url!r}, "
            f"handle={self._settings.handle!r}, outbox={self._outbox!r})"
        )

    # Rendering ---------------------------------------------------------------------------

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        rendered = every_language(
            appeal, render_posts, context, combine=render_combined_posts, channel=self.name
        )
        return _rendition(self.name, appeal, rendered, update=False)

    def render_update(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """An "UPDATE: …" post, to publish with ``reply_to`` set to the first post's uri."""
        rendered = every_language(
            appeal,
            render_update_posts,
            context,
            combine=render_combined_update_posts,
            channel=self.name,
        )
        return _rendition(self.name, appeal, rendered, update=True)

    # Publishing --------------------------------------------------------------------------

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        """Post the rendition's posts as a thread (see the module docstring)."""
        if rendition.channel != self.name:
            raise PermanentPublishError(f"bluesky cannot publish a {rendition.channel!r} rendition")
        posts = [as_post(post) for post in rendition.posts]
        if not posts:
            raise PermanentPublishError(
                f"the bluesky rendition of {rendition.appeal_id!r} has no posts to publish"
            )
        done = tuple(str(i) for i in target.already_posted)
        if len(done) > len(posts):
            raise PermanentPublishError(
                f"{len(done)} parts already posted but the thread has only {len(posts)}"
            )
        for number, post in enumerate(posts, start=1):
            counted = graphemes(post.text)
            if counted > MAX_GRAPHEMES or utf8_length(post.text) > MAX_BYTES:
                raise PermanentPublishError(
                    f"post {number} has {counted} graphemes and {utf8_length(post.text)} bytes; "
                    f"Bluesky takes {MAX_GRAPHEMES} and {MAX_BYTES}"
                )
            if len(post.media) > LIMITS.max_media:
                raise PermanentPublishError(
                    f"post {number} has {len(post.media)} images; Bluesky takes {LIMITS.max_media}"
                )
            for media in post.media:
                if not media.alt_text.strip():
                    raise PermanentPublishError(
                        f"the image {media.url} has no alt text; an image is never posted "
                        "without it"
                    )
        if not self._settings.has_credentials and self._client is None:
            if self._outbox is None:
                raise PermanentPublishError(_NOT_CONFIGURED, credentials=True)
            return self._dry_run(rendition, posts, target, start=len(done))
        with self._lock:
            self._check_blocked()
            client = self._session()
            ids = list(done)
            if len(ids) < len(posts):
                self._post_thread(client, posts, target, ids, rendition)
        return Receipt(
            channel=self.name,
            remote_ids=tuple(ids),
            url=_web_url(ids[0], self._settings.handle),
            published_at=self._clock(),
            details=receipt_details(len(posts), target, resumed=len(done)),
        )

    def delete_posts(self, remote_ids: Sequence[str], target: Target) -> Receipt:
        """Delete the posts (at-uris) with ``deleteRecord``; one already gone counts as
        deleted (the PDS answers 200 for it too)."""
        repo_ids = [_parse_uri(uri) for uri in remote_ids]
        if not self._settings.has_credentials and self._client is None:
            raise PermanentPublishError(_NOT_CONFIGURED, credentials=True)
        import httpx
        from atproto_client import models
        from atproto_client.exceptions import AtProtocolError

        deleted: list[str] = []
        with self._lock:
            self._check_blocked()
            client = self._session()
            for uri, (repo, collection, rkey) in zip(remote_ids, repo_ids, strict=True):
                data = models.ComAtprotoRepoDeleteRecord.Data(
                    repo=repo, collection=collection, rkey=rkey
                )
                try:
                    self._call(client, partial(client.com.atproto.repo.delete_record, data))
                except (AtProtocolError, httpx.HTTPError) as exc:
                    err = self._translate(exc, f"deleting {uri}", creates=False)
                    err.args = (f"{err}; deleted so far: {', '.join(deleted) or 'none'}",)
                    raise err from exc
                deleted.append(uri)
        return Receipt(
            channel=self.name,
            remote_ids=tuple(deleted),
            published_at=self._clock(),
            details={"deleted": str(len(deleted))},
        )

    def _check_blocked(self) -> None:
        until = self._blocked_until
        if until is not None and self._clock() < until:
            raise TransientPublishError(
                f"Bluesky rate limit reached; it resets at {until.isoformat()}", retry_at=until
            )

    def _translate(self, exc: BaseException, what: str, *, creates: bool) -> PublishError:
        from atproto_client.exceptions import RateLimitExceededError

        retry_at = None
        if isinstance(exc, RateLimitExceededError):
            reset = exc.reset_at
            if reset is not None and reset > self._clock():
                retry_at = reset
                self._blocked_until = reset
        return translate_error(exc, what, creates=creates, retry_at=retry_at)

    def _session(self) -> Any:
        """The logged-in client: ``createSession`` once per channel, never again while the
        session can be refreshed."""
        if self._client is None:
            self._client = build_client(self._settings)
        client = self._client
        if self._did is None:
            existing = getattr(client, "_session", None)
            if existing is not None and getattr(existing, "did", None):
                self._did = str(existing.did)
                return client
            assert self._settings.app_password is not None
            import httpx
            from atproto_client.exceptions import AtProtocolError

            try:
                client.login(
                    self._settings.handle,
                    self._settings.app_password.reveal(),
                    fetch_bsky_profile=False,
                )
            except (AtProtocolError, httpx.HTTPError) as exc:
                raise self._translate(exc, "signing in", creates=False) from None
            self._did = str(client._session.did)
        return client

    def _call(self, client: Any, call: Callable[[], Any]) -> Any:
        """``call()``; once more after refreshing the session when the PDS says the access
        token has expired (nothing was done: the call was refused before it ran)."""
        from atproto_client.exceptions import BadRequestError

        try:
            return call()
        except BadRequestError as exc:
            if _xrpc(exc)[1] != "ExpiredToken":
                raise
        try:
            client._refresh_and_set_session()
        except BadRequestError as exc:
            if _xrpc(exc)[1] not in ("ExpiredToken", "InvalidToken"):
                raise
            # The refresh token is gone too: sign in again (rare: it lives for months).
            self._did = None
            self._session()
        return call()

    def _post_thread(
        self,
        client: Any,
        posts: Sequence[BlueskyPost],
        target: Target,
        ids: list[str],
        rendition: Rendition,
    ) -> None:
        """Post ``posts[len(ids):]``, appending each new uri to ``ids`` as soon as it exists."""
        start = len(ids)
        base_key = target.idempotency_key or content_key(rendition, target)
        root: _Ref | None = None
        parent: _Ref | None = None
        if ids:
            root_ref, _ = self._read(client, ids[0], "the thread's first post")
            root = self._root_of(client, ids[0], root_ref)
            parent = self._read(client, ids[-1], "the thread's last post")[0]
        elif target.reply_to:
            parent_ref, value = self._read(client, target.reply_to, "the post replied to")
            reply = value.get("reply") if isinstance(value, dict) else None
            root_value = reply.get("root") if isinstance(reply, dict) else None
            if isinstance(root_value, dict) and root_value.get("uri") and root_value.get("cid"):
                root = _Ref(str(root_value["uri"]), str(root_value["cid"]))
            else:
                root = parent_ref
            parent = parent_ref
        embed = self._images(client, posts[start].media) if posts[start].media else None
        for number in range(start, len(posts)):
            what = f"post {number + 1} of {len(posts)}"
            try:
                made = self._create(
                    client,
                    posts[number],
                    record_key(base_key, number + 1),
                    root,
                    parent,
                    embed,
                    what,
                )
            except PublishError as err:
                err.posted_ids = tuple(ids)
                if ids:
                    err.args = (
                        f"{err}; posts 1-{len(ids)} were posted ({', '.join(ids)}): "
                        "resume with already_posted",
                    )
                raise
            ids.append(made.uri)
            if root is None:
                root = made
            parent = made
            embed = None

    def _root_of(self, client: Any, uri: str, ref: _Ref) -> _Ref:
        value = self._read(client, uri, "the thread's first post")[1]
        reply = value.get("reply") if isinstance(value, dict) else None
        root_value = reply.get("root") if isinstance(reply, dict) else None
        if isinstance(root_value, dict) and root_value.get("uri") and root_value.get("cid"):
            return _Ref(str(root_value["uri"]), str(root_value["cid"]))
        return ref

    def _read(self, client: Any, uri: str, what: str) -> tuple[_Ref, Any]:
        repo, collection, rkey = _parse_uri(uri)
        found = self._get(client, repo, collection, rkey, what)
        if found is None:
            raise PermanentPublishError(f"Bluesky has no {what} ({uri}): it may be deleted")
        return found

    def _get(
        self, client: Any, repo: str, collection: str, rkey: str, what: str
    ) -> tuple[_Ref, Any] | None:
        """The record's strong reference and value, or None when the PDS has no such record."""
        import httpx
        from atproto_client import models
        from atproto_client.exceptions import AtProtocolError, BadRequestError
        from atproto_client.models.utils import get_model_as_dict

        params = models.ComAtprotoRepoGetRecord.Params(repo=repo, collection=collection, rkey=rkey)
        try:
            answer = self._call(client, lambda: client.com.atproto.repo.get_record(params))
        except BadRequestError as exc:
            if _xrpc(exc)[1] == "RecordNotFound":
                return None
            raise self._translate(exc, f"reading {what}", creates=False) from exc
        except (AtProtocolError, httpx.HTTPError) as exc:
            raise self._translate(exc, f"reading {what}", creates=False) from exc
        value = answer.value
        if not isinstance(value, dict):
            value = get_model_as_dict(value)
        return _Ref(str(answer.uri), str(answer.cid)), value

    def _create(
        self,
        client: Any,
        post: BlueskyPost,
        rkey: str,
        root: _Ref | None,
        parent: _Ref | None,
        embed: dict[str, Any] | None,
        what: str,
    ) -> _Ref:
        import httpx
        from atproto_client import models
        from atproto_client.exceptions import (
            AtProtocolError,
            RateLimitExceededError,
            UnauthorizedError,
        )

        self._check_blocked()
        assert self._did is not None
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": post.text,
            "createdAt": self._clock().astimezone(UTC).isoformat(timespec="milliseconds"),
            "langs": ["en-GB"],
        }
        if post.facets:
            record["facets"] = [facet.to_record() for facet in post.facets]
        if root is not None and parent is not None:
            record["reply"] = {"root": root.record(), "parent": parent.record()}
        if embed is not None:
            record["embed"] = embed
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self._did, collection=COLLECTION, rkey=rkey, record=record
        )
        try:
            answer = self._call(client, lambda: client.com.atproto.repo.create_record(data))
        except (AtProtocolError, httpx.HTTPError) as exc:
            err = self._translate(exc, what, creates=True)
            if isinstance(err, AmbiguousPublishError):
                raise err from exc
            if isinstance(exc, RateLimitExceededError | UnauthorizedError):
                raise err from exc
            # A create refused or failed with an answer: the record key may be taken already
            # (the PDS answers a second create of one key with a 500): read it back.
            found = self._get(client, self._did, COLLECTION, rkey, what)
            if found is None:
                raise err from exc
            ref, value = found
            if not isinstance(value, dict) or value.get("text") != post.text:
                raise PermanentPublishError(
                    f"Bluesky already has another record at {ref.uri} (the key of {what}): "
                    "nothing was posted"
                ) from exc
            return ref
        return _Ref(str(answer.uri), str(answer.cid))

    def _images(self, client: Any, media: Sequence[Media]) -> dict[str, Any]:
        import httpx
        from atproto_client.exceptions import AtProtocolError

        images = []
        for item in media:
            try:
                image = self._fetch(item.url)
            except OSError as exc:
                raise TransientPublishError(
                    f"share image {item.url} could not be fetched: {exc}"
                ) from exc
            if len(image.content) > MAX_IMAGE_BYTES:
                raise PermanentPublishError(
                    f"the image {item.url} is {len(image.content):,} bytes; Bluesky takes at most "
                    f"{MAX_IMAGE_BYTES:,} bytes per image: use a smaller share image"
                )
            content = image.content
            try:
                # The raw bytes as the request's content (the generated ``upload_blob``
                # hands them to httpx as form data, which httpx deprecates).
                upload = partial(
                    client.invoke_procedure,
                    "com.atproto.repo.uploadBlob",
                    content=content,
                    headers={"Content-Type": image.media_type},
                )
                answer = self._call(client, upload)
            except (AtProtocolError, httpx.HTTPError) as exc:
                raise self._translate(exc, "image upload", creates=False) from exc
            blob = answer.content.get("blob") if isinstance(answer.content, dict) else None
            if not isinstance(blob, dict) or not isinstance(blob.get("ref"), dict):
                raise TransientPublishError("Bluesky answered the image upload without a blob")
            images.append({"alt": item.alt_text, "image": blob})
        return {"$type": "app.bsky.embed.images", "images": images}

    # Dry runs ----------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._client is not None and hasattr(self._client, "request"):
                self._client.request.close()

    def _dry_run(
        self, rendition: Rendition, posts: Sequence[BlueskyPost], target: Target, *, start: int
    ) -> Receipt:
        assert self._outbox is not None
        now = self._clock()
        total = len(posts)
        base = target.idempotency_key
        records = [
            {
                "dry_run": True,
                "channel": self.name,
                "appeal": rendition.appeal_id,
                "revision": rendition.revision,
                "target": target.name,
                "part": index + 1,
                "of": total,
                "in_reply_to": target.reply_to if index == 0 else None,
                "in_reply_to_part": index if index > 0 else None,
                "rkey": record_key(base, index + 1) if base else None,
                **_post_json(post),
                "at": now.isoformat(),
            }
            for index, post in enumerate(posts)
            if index >= start
        ]
        path = append_outbox(self._outbox, OUTBOX_FILE, records)
        return Receipt(
            channel=self.name,
            paths=(str(path),),
            published_at=now,
            details={"dry_run": "true", "posts": str(total - start), "outbox": str(path)},
        )


def _parse_uri(uri: str) -> tuple[str, str, str]:
    """``at://<did>/<collection>/<rkey>`` → its three parts (a clear error otherwise)."""
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3 or not all(parts):
        raise PermanentPublishError(f"{uri!r} is not the at:// uri of a Bluesky post")
    return parts[0], parts[1], parts[2]


def _web_url(uri: str, handle: str) -> str | None:
    repo, _, rkey = _parse_uri(uri)
    return f"https://bsky.app/profile/{handle or repo}/post/{rkey}"


def _rendition(name: str, appeal: Appeal, rendered: Posts, *, update: bool) -> Rendition:
    described = {
        "limits": {
            "graphemes": LIMITS.max_weight,
            "bytes": MAX_BYTES,
            "media": LIMITS.max_media,
            "alt_text": LIMITS.max_alt,
        }
    }
    return social_rendition(
        name,
        appeal,
        rendered,
        limits=LIMITS,
        update=update,
        described=described,
        as_json=lambda post: _post_json(as_post(post)),
    )


def _post_json(post: SocialPost) -> dict[str, Any]:
    facets = post.facets if isinstance(post, BlueskyPost) else ()
    return {
        "text": post.text,
        "weight": post.weight,
        "facets": [facet.to_record() for facet in facets],
        "media": [{"url": m.url, "alt_text": m.alt_text} for m in post.media],
    }
