"""The ``facebook`` channel: an appeal as one Facebook Page post, through the Graph API.

Requests (all under ``FACEBOOK_GRAPH_URL``/``FACEBOOK_API_VERSION``, over ``requests``, the
Page access token in the ``Authorization: Bearer`` header, never in a URL):

- ``POST /{page-id}/feed`` (form ``message``, ``link``: the appeal's page) → ``{"id":
  "pageid_postid"}``;
- with a share image, ``POST /{page-id}/photos`` (form ``url``: Facebook fetches the image,
  ``message``, ``alt_text_custom``: the image's alt text) → ``{"id": photo, "post_id":
  "pageid_postid"}``; an image without alt text is never posted;
- an update: ``POST /{post-id}/comments`` (form ``message``) on the appeal's post
  (``Target.reply_to``), so whoever saw or shared the post finds the update under it; with no
  post to answer, a new post;
- ``DELETE /{post-id}`` → ``{"success": true}``; a post already gone (error 100, subcode 33)
  counts as deleted.

**Usage headers.** ``X-App-Usage``, ``X-Page-Usage`` and ``X-Business-Use-Case-Usage`` are read
after every answer (:mod:`.usage`). From 90% of any allowance, or when Facebook gives a time to
regain access, no further call is made until then: the next attempt ends transient, with that
time as its retry, before anything is sent.

**Errors** are translated here: rate limits (codes 4, 17, 32, 613 and 80001-80014) are
transient until the time to regain access; ``is_transient``, codes 1 and 2 and HTTP 5xx are
transient, except that a server error answering a post is ambiguous (Facebook may have made the
post before failing, and has no idempotency key); 190 (the token) and 10 or 200-299
(permissions) are the credentials (the channel is disabled); 100 (a parameter refused) and
everything else are permanent. A request that may have reached Facebook without an answer (a
read timeout, a reset, a 2xx without an id) is ambiguous.

**No post twice.** The Graph API has no idempotency key: a request resent after an unanswered
one may make a second post. So the channel is not ``idempotent`` and an ambiguous send ends
``unknown``: nothing resends it until an operator has looked at the Page and confirmed
(``publisher confirm``), either that it went out (with its id) or that it did not.

The token is a :class:`~publisher.domain.secret.Secret`; every message taken from Facebook or
from ``requests`` is scrubbed of it before it becomes an error. ``requests`` is imported only
on the way to Facebook: rendering never loads it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
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
from publisher.channel.memo import in_language
from publisher.channels._http import request_was_sent
from publisher.channels._social import append_outbox, posting_order, social_rendition
from publisher.channels.facebook.render import (
    FACEBOOK_LIMITS,
    Posts,
    render_combined_posts,
    render_combined_update_posts,
    render_posts,
    render_update_posts,
    weigh,
)
from publisher.channels.facebook.usage import SLOW_DOWN_FOR, Usage, read_usage
from publisher.domain.record import Appeal
from publisher.domain.secret import Secret
from publisher.errors import (
    AmbiguousPublishError,
    BuildError,
    PermanentPublishError,
    PublishError,
    TransientPublishError,
)

if TYPE_CHECKING:
    import requests

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_GRAPH_URL",
    "OUTBOX_FILE",
    "FacebookChannel",
    "FacebookSettings",
    "GraphError",
    "classify",
]

OUTBOX_FILE = "facebook.jsonl"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
USER_AGENT = "publisher (police appeals)"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
"""App (4), user (17), Page (32), custom (613) and Business Use Case (80001-80014) limits."""
GONE_SUBCODE = 33
"""Error 100 with subcode 33: the object does not exist (or cannot be seen)."""
_NOT_CONFIGURED = (
    "Facebook is not configured: set FACEBOOK_PAGE_ID (the Page's numeric id) and "
    "FACEBOOK_PAGE_ACCESS_TOKEN (a Page access token with pages_manage_posts and "
    "pages_read_engagement)"
)
_TOKEN_IN_TEXT = re.compile(r"(access_token=)[^&\s\"']+", re.IGNORECASE)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FacebookSettings:
    """The Page to post as, its access token (a Secret) and where the Graph API is."""

    page_id: str = ""
    access_token: Secret | None = None
    graph_url: str = DEFAULT_GRAPH_URL
    api_version: str = DEFAULT_API_VERSION
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    @property
    def has_credentials(self) -> bool:
        return bool(self.page_id) and self.access_token is not None


@dataclass(frozen=True)
class GraphError:
    """The ``error`` object of a Graph API answer."""

    status: int
    message: str
    type: str = ""
    code: int | None = None
    subcode: int | None = None
    is_transient: bool = False
    fbtrace_id: str = ""

    @classmethod
    def from_answer(cls, status: int, payload: Any, scrub: Callable[[str], str]) -> GraphError:
        error = payload.get("error") if isinstance(payload, Mapping) else None
        if not isinstance(error, Mapping):
            return cls(status=status, message=f"HTTP {status} without a Graph error")

        def whole(value: Any) -> int | None:
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        return cls(
            status=status,
            message=scrub(str(error.get("message") or "")),
            type=str(error.get("type") or ""),
            code=whole(error.get("code")),
            subcode=whole(error.get("error_subcode")),
            is_transient=error.get("is_transient") is True,
            fbtrace_id=str(error.get("fbtrace_id") or ""),
        )

    @property
    def gone(self) -> bool:
        return self.code == 100 and self.subcode == GONE_SUBCODE

    def describe(self) -> str:
        parts = [f"code {self.code}" if self.code is not None else f"HTTP {self.status}"]
        if self.subcode is not None:
            parts.append(f"subcode {self.subcode}")
        if self.fbtrace_id:
            parts.append(f"fbtrace_id {self.fbtrace_id}")
        return f"{self.message or self.type or 'no message'} ({', '.join(parts)})"


def classify(error: GraphError, what: str, *, retry_at: datetime | None) -> PublishError:
    """The project's error for a Graph API error answered while doing ``what``."""
    detail = error.describe()
    if error.code in RATE_LIMIT_CODES:
        return TransientPublishError(
            f"Facebook rate limit reached ({what}): {detail}", retry_at=retry_at
        )
    if error.code == 190:
        return PermanentPublishError(
            f"Facebook refused the Page access token ({what}); it may have expired or been "
            f"revoked: make a new one and set FACEBOOK_PAGE_ACCESS_TOKEN: {detail}",
            credentials=True,
        )
    if error.code == 10 or (error.code is not None and 200 <= error.code <= 299):
        return PermanentPublishError(
            f"Facebook did not allow {what}; the token needs the pages_manage_posts permission "
            f"and a role on the Page: {detail}",
            credentials=True,
        )
    if error.is_transient or error.code in (1, 2) or error.status >= 500:
        return TransientPublishError(
            f"Facebook is unavailable ({what}): {detail}", retry_at=retry_at
        )
    if error.code == 100:
        return PermanentPublishError(f"Facebook refused a parameter of {what}: {detail}")
    return PermanentPublishError(f"Facebook rejected {what}: {detail}")


def _versions(appeal: Appeal, context: RenderContext) -> list[Appeal]:
    """The appeal in each of its languages, in the force's posting order."""
    return [in_language(appeal, locale) for locale in posting_order(appeal, context.languages)]


class FacebookChannel(ChannelBase):
    """Posts appeals to a Facebook Page. ``render`` is pure; ``publish`` and ``delete_posts``
    are the side effects.

    ``session``: a ``requests.Session`` (None builds one lazily). With no credentials and an
    ``outbox`` folder, publishing is a dry run appended to ``outbox/facebook.jsonl``; with
    neither, it is refused as a credentials error (the message says which settings to set).
    """

    name = "facebook"
    idempotent = False
    writes_site_files = False
    resumes_threads = False
    can_update = True
    can_delete = False
    deletes_posts = True
    limits: PlatformLimits | None = FACEBOOK_LIMITS

    def __init__(
        self,
        *,
        settings: FacebookSettings | None = None,
        outbox: Path | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._settings = settings if settings is not None else FacebookSettings()
        self._outbox = outbox
        self._session = session
        self._owns_session = False
        self._clock = clock or _utcnow
        self._lock = threading.RLock()
        self._blocked: tuple[datetime, str] | None = None
        """Until when no call is made, and why (the usage headers or a rate-limit error)."""
        self.last_usage: Usage | None = None

    def __repr__(self) -> str:
        return (
            f"FacebookChannel(page_id={self._settings.page_id!r}, "
            f"graph_url={self._settings.graph_url!r}, outbox={self._outbox!r})"
        )

    # Rendering ---------------------------------------------------------------------------

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """The appeal as one Page post. A Page has no threads, so an appeal in more than one
        language is always one post holding every language (whatever
        ``PUBLISHER_BILINGUAL_POSTS`` says), shortened if it must be."""
        if not appeal.translations:
            return _rendition(self.name, appeal, render_posts(appeal), update=False)
        rendered = render_combined_posts(_versions(appeal, context), shorten=True)
        if rendered is None:
            raise BuildError(
                f"appeal {appeal.id!r}: its contacts and links in every language are longer "
                "than one Facebook post takes"
            )
        return _rendition(self.name, appeal, rendered, update=False)

    def render_update(self, appeal: Appeal, context: RenderContext) -> Rendition:
        """An "UPDATE: …" comment, to publish with ``reply_to`` set to the appeal's post: one
        comment, in every language of the appeal."""
        if not appeal.translations:
            return _rendition(self.name, appeal, render_update_posts(appeal), update=True)
        rendered = render_combined_update_posts(_versions(appeal, context))
        if rendered is None:
            raise BuildError(
                f"appeal {appeal.id!r}: its update in every language is longer than one "
                "Facebook comment takes"
            )
        return _rendition(self.name, appeal, rendered, update=True)

    # Publishing --------------------------------------------------------------------------

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        """Post the rendition's one post (a comment when ``target.reply_to`` is set)."""
        if rendition.channel != self.name:
            raise PermanentPublishError(
                f"facebook cannot publish a {rendition.channel!r} rendition"
            )
        if len(rendition.posts) != 1:
            raise PermanentPublishError(
                f"the facebook rendition of {rendition.appeal_id!r} has "
                f"{len(rendition.posts)} posts; a Page post is exactly one"
            )
        [post] = rendition.posts
        if weigh(post.text) > FACEBOOK_LIMITS.max_weight:
            raise PermanentPublishError(
                f"the post has {weigh(post.text)} characters; Facebook takes "
                f"{FACEBOOK_LIMITS.max_weight}"
            )
        if len(post.media) > FACEBOOK_LIMITS.max_media:
            raise PermanentPublishError("a Page post carries one photo at most")
        for media in post.media:
            if not media.alt_text.strip():
                raise PermanentPublishError(
                    f"the image {media.url} has no alt text; an image is never posted without it"
                )
        if not self._settings.has_credentials:
            if self._outbox is None:
                raise PermanentPublishError(_NOT_CONFIGURED, credentials=True)
            return self._dry_run(rendition, target, post)
        link = _link_of(rendition)
        with self._lock:
            if target.reply_to:
                answer = self._call(
                    "POST",
                    f"{target.reply_to}/comments",
                    {"message": post.text},
                    what="the update comment",
                    creates=True,
                )
                remote_id = _id_in(answer, "id", "the update comment")
                details = {"in_reply_to": target.reply_to, "kind": "comment"}
            elif post.media:
                [media] = post.media
                answer = self._call(
                    "POST",
                    f"{self._settings.page_id}/photos",
                    {"url": media.url, "message": post.text, "alt_text_custom": media.alt_text},
                    what="the photo post",
                    creates=True,
                )
                remote_id = _id_in(answer, "post_id", "the photo post")
                details = {"kind": "photo", "photo_id": str(answer.get("id", ""))}
            else:
                form = {"message": post.text}
                if link:
                    form["link"] = link
                answer = self._call(
                    "POST",
                    f"{self._settings.page_id}/feed",
                    form,
                    what="the post",
                    creates=True,
                )
                remote_id = _id_in(answer, "id", "the post")
                details = {"kind": "post"}
        if target.idempotency_key:
            details["idempotency_key"] = target.idempotency_key
        return Receipt(
            channel=self.name,
            remote_ids=(remote_id,),
            url=_post_url(remote_id),
            published_at=self._clock(),
            details=details,
        )

    def delete_posts(self, remote_ids: Sequence[str], target: Target) -> Receipt:
        """``DELETE /{post-id}`` for each; a post already gone counts as deleted."""
        if not self._settings.has_credentials:
            raise PermanentPublishError(_NOT_CONFIGURED, credentials=True)
        deleted: list[str] = []
        gone: list[str] = []
        with self._lock:
            for remote_id in remote_ids:
                if not re.fullmatch(r"[0-9_]+", remote_id):
                    raise PermanentPublishError(f"{remote_id!r} is not a Facebook post id")
                try:
                    self._call(
                        "DELETE", remote_id, None, what=f"deleting post {remote_id}", creates=False
                    )
                except _Gone:
                    gone.append(remote_id)
                except PublishError as err:
                    err.posted_ids = tuple(deleted + gone)
                    raise
                else:
                    deleted.append(remote_id)
        details = {"deleted": str(len(deleted))}
        if gone:
            details["already_gone"] = ",".join(gone)
        return Receipt(
            channel=self.name,
            remote_ids=tuple(remote_ids),
            published_at=self._clock(),
            details=details,
        )

    # HTTP --------------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        token = self._settings.access_token
        if token is not None and token.reveal():
            text = text.replace(token.reveal(), "********")
        return _TOKEN_IN_TEXT.sub(r"\1********", text)

    def _get_session(self) -> requests.Session:
        if self._session is None:
            import requests  # here: rendering never needs it

            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            self._session = session
            self._owns_session = True
        return self._session

    def close(self) -> None:
        """Close the HTTP session this channel built."""
        with self._lock:
            if self._owns_session and self._session is not None:
                self._session.close()
                self._session = None
                self._owns_session = False

    def _check_blocked(self, what: str) -> None:
        blocked = self._blocked
        if blocked is None:
            return
        until, why = blocked
        if self._clock() < until:
            raise TransientPublishError(
                f"Facebook usage is near its limit ({why}); nothing was sent ({what}); "
                f"calls resume at {until.isoformat()}",
                retry_at=until,
            )
        self._blocked = None

    def _note_usage(self, headers: Mapping[str, str]) -> Usage:
        usage = read_usage(headers)
        self.last_usage = usage
        until = usage.wait_until(self._clock())
        if until is not None:
            self._blocked = (until, usage.describe())
        return usage

    def _call(
        self,
        method: str,
        path: str,
        form: Mapping[str, str] | None,
        *,
        what: str,
        creates: bool,
    ) -> Mapping[str, Any]:
        import requests  # here, on the way to Facebook: rendering never loads it

        self._check_blocked(what)
        settings = self._settings
        assert settings.access_token is not None
        url = f"{settings.graph_url.rstrip('/')}/{settings.api_version}/{path}"
        try:
            response = self._get_session().request(
                method,
                url,
                data=dict(form) if form is not None else None,
                headers={"Authorization": f"Bearer {settings.access_token.reveal()}"},
                timeout=(settings.connect_timeout, settings.read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            name = type(exc).__name__
            if isinstance(
                exc,
                requests.exceptions.InvalidURL
                | requests.exceptions.MissingSchema
                | requests.exceptions.InvalidSchema,
            ):
                raise PermanentPublishError(
                    f"the Facebook Graph address is not usable ({what}): {self._scrub(str(exc))}"
                ) from None
            if creates and request_was_sent(exc):
                raise AmbiguousPublishError(
                    f"no answer from Facebook after sending {what} ({name}): the post may "
                    "exist; look at the Page and confirm before posting again"
                ) from None
            raise TransientPublishError(f"could not reach Facebook ({what}): {name}") from None
        usage = self._note_usage(response.headers)
        try:
            payload: Any = response.json()
        except ValueError:
            payload = None
        if 200 <= response.status_code < 300 and not (
            isinstance(payload, Mapping) and "error" in payload
        ):
            if not isinstance(payload, Mapping):
                message = f"Facebook answered {what} with HTTP {response.status_code} but no JSON"
                if creates:
                    raise AmbiguousPublishError(f"{message}: the post may exist")
                raise TransientPublishError(message)
            return payload
        error = GraphError.from_answer(response.status_code, payload, self._scrub)
        if method == "DELETE" and error.gone:
            raise _Gone(what)
        retry_at = None
        if error.code in RATE_LIMIT_CODES:
            now = self._clock()
            retry_at = usage.wait_until(now) or now + SLOW_DOWN_FOR
            self._blocked = (retry_at, f"error {error.code}")
        elif creates and error.status >= 500:
            # A server error may come after the post was made, and the Graph API has no
            # idempotency key: sending again could post it twice. A person looks first.
            raise AmbiguousPublishError(
                f"Facebook failed while {what}: {error.describe()}; the post may exist: look "
                "at the Page and confirm before posting again"
            )
        raise classify(error, what, retry_at=retry_at)

    # Dry runs ----------------------------------------------------------------------------

    def _dry_run(self, rendition: Rendition, target: Target, post: SocialPost) -> Receipt:
        assert self._outbox is not None
        now = self._clock()
        record = {
            "dry_run": True,
            "channel": self.name,
            "appeal": rendition.appeal_id,
            "revision": rendition.revision,
            "target": target.name,
            "in_reply_to": target.reply_to,
            "link": _link_of(rendition),
            "text": post.text,
            "weight": post.weight,
            "media": [{"url": m.url, "alt_text": m.alt_text} for m in post.media],
            "at": now.isoformat(),
        }
        path = append_outbox(self._outbox, OUTBOX_FILE, [record])
        return Receipt(
            channel=self.name,
            paths=(str(path),),
            published_at=now,
            details={"dry_run": "true", "posts": "1", "outbox": str(path)},
        )


class _Gone(Exception):
    """A DELETE answered "no such object": the post is already gone."""


def _id_in(answer: Mapping[str, Any], key: str, what: str) -> str:
    value = answer.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
        raise AmbiguousPublishError(
            f"Facebook answered {what} with success but no {key}: the post may exist"
        )
    return str(value)


def _post_url(remote_id: str) -> str:
    """Facebook's address of a post ``pageid_postid`` (or a comment ``postid_commentid``)."""
    return f"https://www.facebook.com/{remote_id}"


def _link_of(rendition: Rendition) -> str | None:
    """The appeal's URL, as the rendition's file recorded it."""
    for item in rendition.files:
        try:
            loaded = json.loads(item.content)
        except ValueError:
            continue
        link = loaded.get("link") if isinstance(loaded, dict) else None
        if isinstance(link, str):
            return link
    return None


def _rendition(name: str, appeal: Appeal, rendered: Posts, *, update: bool) -> Rendition:
    described = {"link": str(appeal.url)}
    return social_rendition(
        name, appeal, rendered, limits=FACEBOOK_LIMITS, update=update, described=described
    )
