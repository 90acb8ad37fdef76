"""The ``mastodon`` channel: render an appeal as statuses; publish them with Mastodon.py.

- **Limits are the instance's own.** ``GET /api/v2/instance`` says how many characters a
  status may have, what a URL counts and how many images a status takes; the channel reads
  them before its first post (and again after :data:`LIMITS_MAX_AGE`) and renders within them
  from then on. A rendition made with other limits than the instance's is not posted: the
  attempt ends transient, due at once, and the next attempt renders within the new limits.
- **Threads** reply with ``in_reply_to_id``, each status to the one before (the first to
  ``Target.reply_to`` for an "UPDATE"); a thread that fails half-way carries the ids posted in
  ``posted_ids`` and a retry resumes after them (``resumes_threads``).
- **Media** go up with ``POST /api/v2/media`` and their ``description``: the alt text. An image
  without alt text is never posted.
- **No status twice.** Every status is sent with an ``Idempotency-Key`` made of the delivery's
  key (``Target.idempotency_key``, the same on every attempt of the delivery) and its number in
  the thread. Mastodon answers a repeated key with the status it already made (for an hour),
  so a retry after a crash, a 5xx or an unanswered request cannot post it again.
- **Errors** are translated here: 429 is transient until the ``X-RateLimit-Reset`` Mastodon
  sent (and no further status is tried in this process until then); 5xx and connection
  failures are transient; 401 and 403 are the credentials (the channel is disabled); 404 (the
  status replied to is gone) and 422 (content refused) are permanent; a timeout or a reset after
  the request was sent is ambiguous: a person confirms before any resend.

Mastodon.py and requests are imported only where the channel talks to the instance (building
the client, reading its limits, posting, deleting, translating their errors): rendering never
loads them.
"""

from __future__ import annotations

import io
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
    content_key,
    dry_run_deletion,
    every_language,
    receipt_details,
    social_rendition,
)
from publisher.channels.mastodon.client import (
    MastodonSettings,
    build_client,
    limits_from_instance,
)
from publisher.channels.mastodon.render import (
    DEFAULT_LIMITS,
    MastodonLimits,
    Posts,
    render_combined_posts,
    render_combined_update_posts,
    render_posts,
    render_update_posts,
)
from publisher.channels.mastodon.text import weigh
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
    from mastodon import MastodonAPIError, MastodonError

__all__ = ["LIMITS_MAX_AGE", "OUTBOX_FILE", "MastodonChannel", "translate_error"]

OUTBOX_FILE = "mastodon.jsonl"
LIMITS_MAX_AGE = timedelta(hours=1)
"""How long the instance's limits are trusted before they are read again."""
CREATE_STATUS = "POST /api/v1/statuses"
UPLOAD_MEDIA = "POST /api/v2/media"
DELETE_STATUS = "DELETE /api/v1/statuses/:id"
_NOT_CONFIGURED = (
    "Mastodon is not configured: set MASTODON_BASE_URL (the instance, e.g. "
    "https://mastodon.social) and MASTODON_ACCESS_TOKEN (an access token with the write:statuses "
    "and write:media scopes)"
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _status_of(exc: MastodonAPIError) -> int | None:
    """The HTTP status Mastodon.py put in the error's arguments, if any."""
    args = exc.args
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _detail(exc: MastodonError) -> str:
    args = exc.args
    if len(args) >= 4 and args[3]:
        return str(args[3])
    return str(args[0]) if args else type(exc).__name__


def translate_error(
    exc: MastodonError, what: str, *, creates: bool, retry_at: datetime | None = None
) -> PublishError:
    """The project's error for what Mastodon.py raised while doing ``what``.

    ``creates``: the request makes a status (then an unanswered one is ambiguous).
    ``retry_at``: for a 429, when the limit resets (read by the caller from the client).
    """
    import requests
    from mastodon import (
        MastodonAPIError,
        MastodonNetworkError,
        MastodonNotFoundError,
        MastodonRatelimitError,
        MastodonServerError,
        MastodonUnauthorizedError,
    )

    if isinstance(exc, MastodonRatelimitError):
        return TransientPublishError(f"Mastodon rate limit reached ({what})", retry_at=retry_at)
    if isinstance(exc, MastodonNetworkError):
        cause = exc.__cause__ or exc.__context__
        sent = not isinstance(cause, requests.RequestException) or request_was_sent(cause)
        if isinstance(
            cause,
            requests.exceptions.InvalidURL
            | requests.exceptions.MissingSchema
            | requests.exceptions.InvalidSchema,
        ):
            return PermanentPublishError(f"the Mastodon address is not usable ({what}): {cause}")
        if creates and sent:
            return AmbiguousPublishError(
                f"no answer from Mastodon after sending {what} ({type(cause).__name__}): "
                "the status may exist; confirm before posting again"
            )
        return TransientPublishError(
            f"could not reach Mastodon ({what}): {type(cause).__name__ if cause else exc}"
        )
    if isinstance(exc, MastodonUnauthorizedError):
        return PermanentPublishError(
            f"Mastodon refused the access token ({what}): {_detail(exc)}", credentials=True
        )
    if isinstance(exc, MastodonServerError):
        return TransientPublishError(f"Mastodon is unavailable ({what}): {_detail(exc)}")
    if isinstance(exc, MastodonNotFoundError):
        return PermanentPublishError(
            f"Mastodon found nothing for {what} (the status it replies to may be deleted): "
            f"{_detail(exc)}"
        )
    if isinstance(exc, MastodonAPIError):
        status = _status_of(exc)
        if status == 403:
            return PermanentPublishError(
                f"Mastodon forbade {what}; check the token's scopes (write:statuses, "
                f"write:media) and the account: {_detail(exc)}",
                credentials=True,
            )
        if status is None:  # a 2xx answer Mastodon.py could not read
            message = f"Mastodon answered {what} with something that is not a status"
            if creates:
                return AmbiguousPublishError(f"{message}: the status may exist: {exc}")
            return TransientPublishError(f"{message}: {exc}")
        return PermanentPublishError(f"Mastodon rejected {what} ({status}): {_detail(exc)}")
    return PermanentPublishError(f"Mastodon.py refused {what}: {exc}")


@dataclass(frozen=True)
class _Known:
    limits: MastodonLimits
    at: datetime


class MastodonChannel(ChannelBase):
    """Posts appeals to a Mastodon account as a thread. ``render`` is pure (within the
    instance's limits as last read); ``publish`` is the side effect.

    ``client``: a ``mastodon.Mastodon`` (tests pass one pointed at a local Mastodon-compatible
    server); ``None`` builds one lazily from ``settings`` (given by the composition root). With
    no credentials and an ``outbox`` folder, publishing is a dry run appended to
    ``outbox/mastodon.jsonl``; with neither, it is refused as a credentials error (the channel
    is disabled, with the message saying which settings to set). ``limits``: the instance's, if
    already known (else Mastodon's defaults until the instance is asked).
    """

    name = "mastodon"
    idempotent = False
    writes_site_files = False
    resumes_threads = True
    can_update = True
    can_delete = False
    deletes_posts = True

    def __init__(
        self,
        client: Any | None = None,
        *,
        settings: MastodonSettings | None = None,
        outbox: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        limits: MastodonLimits | None = None,
        fetch_image: ImageFetcher | None = None,
    ) -> None:
        self._client: Any = client
        self._owns_client = False
        self._settings = settings if settings is not None else MastodonSettings()
        self._outbox = outbox
        self._clock = clock or _utcnow
        self._known: _Known | None = None if limits is None else _Known(limits, self._clock())
        self._fetch: ImageFetcher = fetch_image or fetch_image_over_http
        self._lock = threading.RLock()
        self._blocked: dict[str, datetime] = {}
        """Endpoint → until when Mastodon said it refuses more calls (a 429's reset)."""
        self._status_urls: dict[str, str] = {}
        self.limits: PlatformLimits | None = self.instance_limits
        """The instance's limits as last read (Mastodon's defaults before), for the linter."""

    def __repr__(self) -> str:
        return f"MastodonChannel(base_url={self._settings.base_url!r}, outbox={self._outbox!r})"

    @property
    def instance_limits(self) -> MastodonLimits:
        known = self._known
        return DEFAULT_LIMITS if known is None else known.limits

    # Rendering ---------------------------------------------------------------------------

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        limits = self.instance_limits
        rendered = every_language(
            appeal,
            lambda one: render_posts(one, limits),
            context,
            combine=lambda versions: render_combined_posts(versions, limits),
            channel=self.name,
        )
        return _rendition(self.name, appeal, rendered, limits, update=False)

    def render_update(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """An "UPDATE: …" status, to publish with ``reply_to`` set to the first status."""
        limits = self.instance_limits
        rendered = every_language(
            appeal,
            lambda one: render_update_posts(one, limits),
            context,
            combine=lambda versions: render_combined_update_posts(versions, limits),
            channel=self.name,
        )
        return _rendition(self.name, appeal, rendered, limits, update=True)

    # The instance's limits ----------------------------------------------------------------

    def read_limits(self) -> MastodonLimits:
        """Ask the instance for its limits now (``GET /api/v2/instance``) and render within
        them from now on. Raises a PublishError (transient when the server cannot answer)."""
        client = self._get_client()
        if client is None:
            raise PermanentPublishError(_NOT_CONFIGURED, credentials=True)
        from mastodon import MastodonError

        try:
            instance = client.instance_v2()
        except MastodonError as exc:
            raise translate_error(exc, "reading the instance's limits", creates=False) from exc
        try:
            limits = limits_from_instance(instance)
        except ValueError as exc:
            raise TransientPublishError(f"Mastodon's /api/v2/instance: {exc}") from exc
        with self._lock:
            self._known = _Known(limits, self._clock())
            self.limits = limits
        return limits

    def _current_limits(self) -> MastodonLimits:
        known = self._known
        if known is None or self._clock() - known.at >= LIMITS_MAX_AGE:
            return self.read_limits()
        return known.limits

    # Publishing --------------------------------------------------------------------------

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        """Post the rendition's statuses as a thread (see the module docstring)."""
        if rendition.channel != self.name:
            raise PermanentPublishError(
                f"mastodon cannot publish a {rendition.channel!r} rendition"
            )
        posts = rendition.posts
        if not posts:
            raise PermanentPublishError(
                f"the mastodon rendition of {rendition.appeal_id!r} has no statuses to publish"
            )
        done = tuple(str(i) for i in target.already_posted)
        if len(done) > len(posts):
            raise PermanentPublishError(
                f"{len(done)} parts already posted but the thread has only {len(posts)}"
            )
        client = self._get_client()
        if client is None:
            if self._outbox is None:
                raise PermanentPublishError(_NOT_CONFIGURED, credentials=True)
            return self._dry_run(rendition, target, start=len(done))
        with self._lock:
            limits = self._current_limits()
            if rendition.limits != limits:
                raise TransientPublishError(
                    f"the statuses were rendered for other limits than the instance's "
                    f"({_describe(rendition.limits)}; the instance says {_describe(limits)}): "
                    "nothing was posted; the next attempt renders within the instance's",
                    retry_at=self._clock(),
                )
            for number, post in enumerate(posts, start=1):
                counted = weigh(post.text, limits.characters_per_url)
                if counted > limits.max_weight or len(post.media) > limits.max_media:
                    raise PermanentPublishError(
                        f"status {number} counts {counted} characters and has "
                        f"{len(post.media)} image(s); the instance takes "
                        f"{limits.max_weight} and {limits.max_media}"
                    )
            ids = list(done)
            if len(ids) < len(posts):
                self._post_thread(client, posts, target, ids, rendition)
        return Receipt(
            channel=self.name,
            remote_ids=tuple(ids),
            url=self._status_urls.get(ids[0]),
            published_at=self._clock(),
            details=receipt_details(len(posts), target, resumed=len(done)),
        )

    def delete_posts(self, remote_ids: Sequence[str], target: Target) -> Receipt:
        """Delete these statuses (``DELETE /api/v1/statuses/:id``), in order. A status the
        instance no longer has (404) counts as deleted. Errors as for posting: 429 transient
        until its reset, 5xx and connection failures transient, 401/403 the credentials, an
        unanswered request ambiguous. A retry deletes them all again, which is harmless
        (the ones already deleted are gone)."""
        ids = tuple(str(i) for i in remote_ids)
        client = self._get_client()
        if client is None:
            if self._outbox is None:
                raise PermanentPublishError(_NOT_CONFIGURED, credentials=True)
            return self._dry_run_delete(ids, target)
        done: list[str] = []
        gone: list[str] = []
        with self._lock:
            for number, status_id in enumerate(ids, start=1):
                what = f"deleting status {status_id} ({number} of {len(ids)})"
                if not self._delete(client, status_id, what):
                    gone.append(status_id)
                done.append(status_id)
        details = {"deleted": str(len(done))}
        if gone:
            details["already_gone"] = ",".join(gone)
        return Receipt(
            channel=self.name, remote_ids=tuple(done), published_at=self._clock(), details=details
        )

    def _delete(self, client: Any, status_id: str, what: str) -> bool:
        """Delete one status: True if deleted now, False if the instance no longer had it."""
        from mastodon import MastodonError, MastodonNotFoundError, MastodonRatelimitError

        self._check_blocked(DELETE_STATUS)
        try:
            client.status_delete(status_id)
        except MastodonNotFoundError:
            return False
        except MastodonError as exc:
            retry_at = None
            if isinstance(exc, MastodonRatelimitError):
                retry_at = self._rate_limited(client, DELETE_STATUS)
            raise translate_error(exc, what, creates=True, retry_at=retry_at) from exc
        return True

    def _dry_run_delete(self, ids: tuple[str, ...], target: Target) -> Receipt:
        assert self._outbox is not None
        return dry_run_deletion(self.name, self._outbox, OUTBOX_FILE, ids, target, self._clock())

    def _check_blocked(self, endpoint: str) -> None:
        until = self._blocked.get(endpoint)
        if until is not None and self._clock() < until:
            raise TransientPublishError(
                f"Mastodon rate limit for {endpoint} reached; it resets at {until.isoformat()}",
                retry_at=until,
            )

    def _rate_limited(self, client: Any, endpoint: str) -> datetime | None:
        """After a 429: when Mastodon said the limit resets (``X-RateLimit-Reset``)."""
        reset = getattr(client, "ratelimit_reset", None)
        if not isinstance(reset, int | float):
            return None
        until = datetime.fromtimestamp(float(reset), UTC)
        if until <= self._clock():
            return None
        self._blocked[endpoint] = until
        return until

    def _post_thread(
        self,
        client: Any,
        posts: Sequence[SocialPost],
        target: Target,
        ids: list[str],
        rendition: Rendition,
    ) -> None:
        """Post ``posts[len(ids):]``, appending each new id to ``ids`` as soon as it exists."""
        start = len(ids)
        for media in posts[start].media:
            if not media.alt_text.strip():
                raise PermanentPublishError(
                    f"the image {media.url} has no alt text; an image is never posted without it"
                )
        self._check_blocked(CREATE_STATUS)
        base_key = target.idempotency_key or content_key(rendition, target)
        media_ids = [self._upload(client, m.url, m.alt_text) for m in posts[start].media]
        reply_to = ids[-1] if ids else target.reply_to
        for number in range(start, len(posts)):
            what = f"status {number + 1} of {len(posts)}"
            try:
                status_id = self._create(
                    client,
                    posts[number].text,
                    reply_to,
                    media_ids,
                    f"{base_key}-{number + 1}",
                    what,
                )
            except PublishError as err:
                err.posted_ids = tuple(ids)
                if ids:
                    err.args = (
                        f"{err}; statuses 1-{len(ids)} were posted ({', '.join(ids)}): "
                        "resume with already_posted",
                    )
                raise
            ids.append(status_id)
            reply_to = status_id
            media_ids = []

    def _create(
        self,
        client: Any,
        text: str,
        reply_to: str | None,
        media_ids: list[str],
        key: str,
        what: str,
    ) -> str:
        from mastodon import MastodonError, MastodonRatelimitError

        self._check_blocked(CREATE_STATUS)
        try:
            status = client.status_post(
                text,
                in_reply_to_id=reply_to,
                media_ids=media_ids or None,
                visibility=self._settings.visibility,
                idempotency_key=key,
            )
        except MastodonError as exc:
            retry_at = None
            if isinstance(exc, MastodonRatelimitError):
                retry_at = self._rate_limited(client, CREATE_STATUS)
            raise translate_error(exc, what, creates=True, retry_at=retry_at) from exc
        try:
            status_id = str(status["id"])
            url = status.get("url") or status.get("uri")
        except (KeyError, TypeError, AttributeError) as exc:
            raise AmbiguousPublishError(
                f"Mastodon answered {what} with success but no id: the status may exist"
            ) from exc
        if isinstance(url, str):
            self._status_urls[status_id] = url
        return status_id

    def _upload(self, client: Any, url: str, alt_text: str) -> str:
        try:
            image = self._fetch(url)
        except OSError as exc:
            raise TransientPublishError(f"share image {url} could not be fetched: {exc}") from exc
        from mastodon import MastodonError, MastodonRatelimitError

        self._check_blocked(UPLOAD_MEDIA)
        extension = image.media_type.rsplit("/", 1)[-1]
        try:
            media = client.media_post(
                io.BytesIO(image.content),
                mime_type=image.media_type,
                description=alt_text,
                file_name=f"share-image.{extension}",
            )
        except MastodonError as exc:
            retry_at = None
            if isinstance(exc, MastodonRatelimitError):
                retry_at = self._rate_limited(client, UPLOAD_MEDIA)
            raise translate_error(exc, "image upload", creates=False, retry_at=retry_at) from exc
        try:
            return str(media["id"])
        except (KeyError, TypeError) as exc:
            raise TransientPublishError("Mastodon answered the image upload without an id") from exc

    # Clients and dry runs ----------------------------------------------------------------

    def _get_client(self) -> Any:
        with self._lock:
            if self._client is None:
                if not self._settings.has_credentials:
                    return None
                self._client = build_client(self._settings)
                self._owns_client = True
            return self._client

    def close(self) -> None:
        """Close the HTTP session of a client this channel built."""
        with self._lock:
            if self._owns_client and self._client is not None:
                self._client.session.close()
                self._client = None
                self._owns_client = False

    def _dry_run(self, rendition: Rendition, target: Target, *, start: int) -> Receipt:
        assert self._outbox is not None
        now = self._clock()
        total = len(rendition.posts)
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
                "idempotency_key": f"{target.idempotency_key}-{index + 1}"
                if target.idempotency_key
                else None,
                "text": post.text,
                "weight": post.weight,
                "media": [{"url": m.url, "alt_text": m.alt_text} for m in post.media],
                "at": now.isoformat(),
            }
            for index, post in enumerate(rendition.posts)
            if index >= start
        ]
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


def _describe(limits: PlatformLimits | None) -> str:
    if not isinstance(limits, MastodonLimits):
        return "no limits"
    return (
        f"{limits.max_weight} characters, URLs {limits.characters_per_url}, "
        f"{limits.max_media} image(s)"
    )


def _rendition(
    name: str, appeal: Appeal, rendered: Posts, limits: MastodonLimits, *, update: bool
) -> Rendition:
    described = {
        "limits": {
            "characters": limits.max_weight,
            "characters_per_url": limits.characters_per_url,
            "media": limits.max_media,
            "alt_text": limits.max_alt,
        }
    }
    return social_rendition(
        name, appeal, rendered, limits=limits, update=update, described=described
    )
