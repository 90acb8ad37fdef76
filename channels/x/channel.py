"""The ``x`` channel: render an appeal as posts; publish them with tweepy (or to a dry-run outbox).

Publishing a thread is not idempotent, so it is careful:

- posts go out in order, each a reply to the one before (the first replies to
  ``Target.reply_to`` when given: "UPDATE" posts answer the original thread);
- if part k fails after parts 1…k-1 were posted, the error carries their ids in
  ``posted_ids``; a retry passes them back as ``Target(already_posted=ids)`` and posting
  resumes at part k, replying to the last posted part (nothing is posted twice);
- rate limits are read from every response; a call that the last seen limits say would be
  refused is not made (``TransientPublishError(retry_at=reset)``), and a thread is not started
  when the window cannot hold all of it;
- tweepy and network errors are translated here (see :func:`translate_http_error` and
  :func:`request_was_sent`): 429 and 5xx are transient, 401/403 permanent (credentials, or the
  content for a duplicate), 400 permanent (content), and a timeout or reset after the request
  was sent is ambiguous: the post may exist, so a person confirms before any resend.

tweepy and requests are imported only where the channel talks to X (building the client,
posting, deleting, translating their errors): rendering never loads them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.channel import (
    ChannelBase,
    PlatformLimits,
    Receipt,
    RenderContext,
    Rendition,
    SocialPost,
    Target,
)
from publisher.channels._http import request_was_sent
from publisher.channels._social import (
    append_outbox,
    dry_run_deletion,
    every_language,
    social_rendition,
)
from publisher.channels.x.client import (
    CREATE_TWEET,
    DELETE_TWEET,
    MEDIA_METADATA,
    MEDIA_UPLOAD,
    XSettings,
    set_alt_text,
    upload_image,
)
from publisher.channels.x.fetch import ImageFetcher
from publisher.channels.x.fetch import fetch_image as fetch_image_over_http
from publisher.channels.x.ratelimit import RateLimitState
from publisher.channels.x.render import (
    X_LIMITS,
    render_combined_posts,
    render_combined_update_posts,
    render_posts,
    render_update_posts,
)
from publisher.domain.record import Appeal
from publisher.errors import (
    AmbiguousPublishError,
    PermanentPublishError,
    PublishError,
    TransientPublishError,
)

if TYPE_CHECKING:
    import requests
    import tweepy

__all__ = [
    "OUTBOX_FILE",
    "STATUS_URL",
    "XChannel",
    "request_was_sent",
    "translate_http_error",
]

STATUS_URL = "https://x.com/i/web/status/{id}"
OUTBOX_FILE = "x.jsonl"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _details(exc: tweepy.HTTPException) -> str:
    messages = " ".join(str(m) for m in exc.api_messages)
    return messages or str(exc)


def _retry_after(response: requests.Response | None) -> datetime | None:
    if response is None:
        return None
    raw = response.headers.get("retry-after", "").strip()
    return _utcnow() + timedelta(seconds=int(raw)) if raw.isdigit() else None


def translate_http_error(exc: tweepy.HTTPException, what: str) -> PublishError:
    """The project error for an HTTP error X answered with (429 is handled by the caller)."""
    status = getattr(exc.response, "status_code", None)
    detail = _details(exc)
    if status == 401:
        return PermanentPublishError(
            f"X refused the credentials ({what}): {detail}", credentials=True
        )
    if status == 403:
        lowered = detail.lower()
        if "duplicate" in lowered:
            return PermanentPublishError(f"X refused a duplicate post ({what}): {detail}")
        if "deleted or not visible" in lowered or "reply" in lowered:
            return PermanentPublishError(f"X refused the reply ({what}): {detail}")
        return PermanentPublishError(
            f"X forbade the request ({what}); check the app's permissions and tokens: {detail}",
            credentials=True,
        )
    if status is not None and status >= 500:
        return TransientPublishError(
            f"X is unavailable ({what}): {detail}", retry_at=_retry_after(exc.response)
        )
    return PermanentPublishError(f"X rejected the request ({what}): {detail}")


@dataclass(frozen=True)
class _Reply:
    id: str
    headers: dict[str, str]


class XChannel(ChannelBase):
    """Posts appeals to X as a thread. ``render`` is pure; ``publish`` is the side effect.

    ``client``: a ``tweepy.Client`` (tests pass an :class:`~channels.x.client.XClient` pointed at
    a local X-compatible server); ``None`` builds one lazily from ``settings`` (the composition
    root gives them; with none, there are no credentials). With no credentials and an
    ``outbox`` folder, publishing is a dry run that appends the posts to ``outbox/x.jsonl`` and
    says so in the receipt.
    ``rate_limits`` keeps the last seen rate limits (persist it with ``to_dict``/``from_dict``);
    ``fetch_image`` gets the share image's bytes.
    """

    name = "x"
    idempotent = False
    writes_site_files = False
    resumes_threads = True
    can_update = True
    can_delete = False
    deletes_posts = True
    limits: PlatformLimits | None = X_LIMITS

    def __init__(
        self,
        client: tweepy.Client | None = None,
        *,
        settings: XSettings | None = None,
        outbox: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        rate_limits: RateLimitState | None = None,
        fetch_image: ImageFetcher | None = None,
    ) -> None:
        self._client: Any = client
        self._owns_client = False
        self._settings = settings
        self._outbox = outbox
        self._clock = clock or _utcnow
        self.rate_limits = rate_limits if rate_limits is not None else RateLimitState()
        self._fetch: ImageFetcher = fetch_image or fetch_image_over_http
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"XChannel(outbox={self._outbox!r})"

    # Rendering ---------------------------------------------------------------------------

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        rendered = every_language(
            appeal, render_posts, context, combine=render_combined_posts, channel=self.name
        )
        return social_rendition(self.name, appeal, rendered, limits=X_LIMITS, update=False)

    def render_update(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """An "UPDATE: …" post (new revision or resolution), to publish with ``reply_to`` set
        to the first post of the original thread."""
        rendered = every_language(
            appeal,
            render_update_posts,
            context,
            combine=render_combined_update_posts,
            channel=self.name,
        )
        return social_rendition(self.name, appeal, rendered, limits=X_LIMITS, update=True)

    # Publishing --------------------------------------------------------------------------

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        """Post the rendition's posts as a thread; see the module docstring for retries.

        ``target.already_posted``: ids of the first parts, from a failed attempt's
        ``posted_ids``; posting resumes after them.
        """
        if rendition.channel != self.name:
            raise PermanentPublishError(f"x cannot publish a {rendition.channel!r} rendition")
        posts = rendition.posts
        if not posts:
            raise PermanentPublishError(
                f"the x rendition of {rendition.appeal_id!r} has no posts to publish"
            )
        done = tuple(str(i) for i in target.already_posted)
        if len(done) > len(posts):
            raise PermanentPublishError(
                f"{len(done)} parts already posted but the thread has only {len(posts)}"
            )
        client = self._get_client()
        if client is None:
            if self._outbox is None:
                raise PermanentPublishError(
                    "X credentials are not set (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, "
                    "X_ACCESS_TOKEN_SECRET) and there is no dry-run outbox",
                    credentials=True,
                )
            return self._dry_run(rendition, target, start=len(done))
        ids = list(done)
        if len(ids) < len(posts):
            self._post_thread(client, posts, target, ids)
        return Receipt(
            channel=self.name,
            remote_ids=tuple(ids),
            url=STATUS_URL.format(id=ids[0]),
            published_at=self._clock(),
            details=self._receipt_details(len(posts), target, resumed=len(done)),
        )

    def delete_posts(self, remote_ids: Sequence[str], target: Target) -> Receipt:
        """Delete these posts (``DELETE /2/tweets/:id``), in order. A post X no longer has
        (404) counts as deleted. Errors as for posting: 429 and 5xx transient, a timeout after
        the request was sent ambiguous (the post may be gone). A retry deletes them all again,
        which is harmless (the ones already deleted are gone)."""
        ids = tuple(str(i) for i in remote_ids)
        client = self._get_client()
        if client is None:
            if self._outbox is None:
                raise PermanentPublishError(
                    "X credentials are not set (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, "
                    "X_ACCESS_TOKEN_SECRET) and there is no dry-run outbox",
                    credentials=True,
                )
            return self._dry_run_delete(ids, target)
        done: list[str] = []
        gone: list[str] = []
        for number, remote_id in enumerate(ids, start=1):
            what = f"deleting post {remote_id} ({number} of {len(ids)})"
            if not self._delete(client, remote_id, what):
                gone.append(remote_id)
            done.append(remote_id)
        details = {"deleted": str(len(done))}
        if gone:
            details["already_gone"] = ",".join(gone)
        return Receipt(
            channel=self.name,
            remote_ids=tuple(done),
            published_at=self._clock(),
            details=details,
        )

    def _delete(self, client: Any, remote_id: str, what: str) -> bool:
        """Delete one post: True if X deleted it now, False if it was already gone."""
        import requests
        import tweepy

        self.rate_limits.check(DELETE_TWEET, self._clock())
        try:
            result = client.delete_tweet(remote_id, user_auth=True)
        except tweepy.NotFound:
            return False
        except (tweepy.HTTPException, requests.RequestException) as exc:
            raise self._translate(exc, DELETE_TWEET, what, ambiguous=True) from exc
        try:
            if isinstance(result, requests.Response):
                self.rate_limits.update(DELETE_TWEET, dict(result.headers))
                data = result.json()["data"]
            elif isinstance(result, tweepy.Response):
                data = result.data
            else:
                data = result["data"]
            deleted = data["deleted"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AmbiguousPublishError(
                f"X answered {what} with success but no 'deleted': the post may be gone"
            ) from exc
        if deleted is not True:
            raise PermanentPublishError(f"X did not delete the post ({what}): deleted={deleted!r}")
        return True

    def _dry_run_delete(self, ids: tuple[str, ...], target: Target) -> Receipt:
        assert self._outbox is not None
        return dry_run_deletion(self.name, self._outbox, OUTBOX_FILE, ids, target, self._clock())

    @staticmethod
    def _receipt_details(total: int, target: Target, *, resumed: int) -> dict[str, str]:
        details = {"posts": str(total)}
        if target.reply_to:
            details["in_reply_to"] = target.reply_to
        if resumed:
            details["resumed_after"] = str(resumed)
        return details

    def _post_thread(
        self, client: Any, posts: Sequence[SocialPost], target: Target, ids: list[str]
    ) -> None:
        """Post ``posts[len(ids):]``, appending each new id to ``ids`` as soon as it exists."""
        start = len(ids)
        for media in posts[start].media if start < len(posts) else ():
            if not media.alt_text.strip():
                raise PermanentPublishError(
                    f"the image {media.url} has no alt text; an image is never posted without it"
                )
        self.rate_limits.check(CREATE_TWEET, self._clock(), needed=len(posts) - start)
        media_ids: list[str] = []
        if start == 0:
            media_ids = [
                self._upload(client, media.url, media.alt_text) for media in posts[0].media
            ]
        reply_to = ids[-1] if ids else target.reply_to
        for number in range(start, len(posts)):
            post = posts[number]
            what = f"part {number + 1} of {len(posts)}"
            try:
                reply = self._create(client, post.text, reply_to, media_ids, what)
            except PublishError as err:
                err.posted_ids = tuple(ids)
                if ids:
                    err.args = (
                        f"{err}; parts 1-{len(ids)} were posted ({', '.join(ids)}): "
                        f"resume with already_posted",
                    )
                raise
            ids.append(reply.id)
            reply_to = reply.id
            media_ids = []

    def _create(
        self, client: Any, text: str, reply_to: str | None, media_ids: list[str], what: str
    ) -> _Reply:
        import requests
        import tweepy

        self.rate_limits.check(CREATE_TWEET, self._clock())
        try:
            result = client.create_tweet(
                text=text,
                in_reply_to_tweet_id=reply_to,
                media_ids=media_ids or None,
                user_auth=True,
            )
        except (tweepy.HTTPException, requests.RequestException) as exc:
            raise self._translate(exc, CREATE_TWEET, what, ambiguous=True) from exc
        return self._reply(result, CREATE_TWEET, what, ambiguous=True)

    def _upload(self, client: Any, url: str, alt_text: str) -> str:
        import requests
        import tweepy

        try:
            image = self._fetch(url)
        except OSError as exc:
            raise TransientPublishError(f"share image {url} could not be fetched: {exc}") from exc
        what = "image upload"
        self.rate_limits.check(MEDIA_UPLOAD, self._clock())
        try:
            response = upload_image(client, image.content, image.media_type)
        except (tweepy.HTTPException, requests.RequestException) as exc:
            raise self._translate(exc, MEDIA_UPLOAD, what, ambiguous=False) from exc
        media_id = self._reply(response, MEDIA_UPLOAD, what, ambiguous=False).id
        what = "image alt text"
        self.rate_limits.check(MEDIA_METADATA, self._clock())
        try:
            metadata = set_alt_text(client, media_id, alt_text)
        except (tweepy.HTTPException, requests.RequestException) as exc:
            raise self._translate(exc, MEDIA_METADATA, what, ambiguous=False) from exc
        self.rate_limits.update(MEDIA_METADATA, metadata.headers)
        return media_id

    def _reply(self, result: Any, endpoint: str, what: str, *, ambiguous: bool) -> _Reply:
        """The id in a 2xx answer (raw ``requests.Response`` or tweepy's ``Response``)."""
        import requests
        import tweepy

        headers: dict[str, str] = {}
        try:
            if isinstance(result, requests.Response):
                headers = dict(result.headers)
                self.rate_limits.update(endpoint, headers)
                data = result.json()["data"]
            elif isinstance(result, tweepy.Response):
                data = result.data
            else:
                data = result["data"]
            remote_id = str(data["id"])
        except (ValueError, KeyError, TypeError) as exc:
            message = f"X answered {what} with success but no id"
            if ambiguous:
                raise AmbiguousPublishError(message + ": the post may exist") from exc
            raise TransientPublishError(message) from exc
        return _Reply(id=remote_id, headers=headers)

    def _translate(
        self,
        exc: tweepy.HTTPException | requests.RequestException,
        endpoint: str,
        what: str,
        *,
        ambiguous: bool,
    ) -> PublishError:
        """tweepy/requests → the project's error tree (``ambiguous``: the call creates a post)."""
        import requests
        import tweepy

        if isinstance(exc, tweepy.HTTPException):
            response = exc.response
            headers = dict(getattr(response, "headers", {}) or {})
            self.rate_limits.update(endpoint, headers)
            if isinstance(exc, tweepy.TooManyRequests):
                now = self._clock()
                retry_at = self.rate_limits.blocked_until(endpoint, now)
                if retry_at is None and exc.reset_time is not None:
                    retry_at = datetime.fromtimestamp(int(exc.reset_time), UTC)
                return TransientPublishError(
                    f"X rate limit reached ({what}): {_details(exc)}", retry_at=retry_at
                )
            return translate_http_error(exc, what)
        if isinstance(
            exc,
            requests.exceptions.InvalidURL
            | requests.exceptions.MissingSchema
            | requests.exceptions.InvalidSchema,
        ):
            return PermanentPublishError(f"the X API address is not usable ({what}): {exc}")
        if ambiguous and request_was_sent(exc):
            return AmbiguousPublishError(
                f"no answer from X after sending {what} ({type(exc).__name__}): "
                "the post may exist; confirm before posting again"
            )
        return TransientPublishError(f"could not reach X ({what}): {type(exc).__name__}")

    # Clients and dry runs ----------------------------------------------------------------

    def _get_client(self) -> Any:
        with self._lock:
            if self._client is None:
                settings = self._settings if self._settings is not None else XSettings()
                if not settings.has_credentials:
                    return None
                from publisher.channels.x._tweepy import XClient

                self._client = XClient(settings)
                self._owns_client = True
            return self._client

    def close(self) -> None:
        """Close the HTTP session of a client this channel built."""
        with self._lock:
            if self._owns_client and self._client is not None:
                self._client.close()
                self._client = None
                self._owns_client = False

    def _dry_run(self, rendition: Rendition, target: Target, *, start: int) -> Receipt:
        assert self._outbox is not None
        now = self._clock()
        total = len(rendition.posts)
        records = []
        for index in range(start, total):
            post = rendition.posts[index]
            records.append(
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
                    "text": post.text,
                    "weight": post.weight,
                    "media": [{"url": m.url, "alt_text": m.alt_text} for m in post.media],
                    "at": now.isoformat(),
                }
            )
        path = self._append_outbox(records)
        return Receipt(
            channel=self.name,
            paths=(str(path),),
            published_at=now,
            details={"dry_run": "true", "posts": str(total - start), "outbox": str(path)},
        )

    def _append_outbox(self, records: Sequence[dict[str, Any]]) -> Path:
        assert self._outbox is not None
        return append_outbox(self._outbox, OUTBOX_FILE, records)


def _post_json(post: SocialPost) -> dict[str, Any]:
    return {
        "text": post.text,
        "weight": post.weight,
        "media": [{"url": m.url, "alt_text": m.alt_text} for m in post.media],
    }
