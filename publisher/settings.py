"""Typed settings, read from an injectable environment. Nothing here runs at import time."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from publisher.channel import BILINGUAL_POSTS, BilingualPosts, RenderContext
from publisher.domain.secret import Secret
from publisher.errors import SettingsError

__all__ = [
    "ENVIRONMENT_VARIABLES",
    "MIN_ALERT_SECRET_LENGTH",
    "Secret",
    "Settings",
    "SettingsError",
]

MIN_ALERT_SECRET_LENGTH = 16
_UUID_TEXT = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_UUID = re.compile(_UUID_TEXT, re.IGNORECASE)
_NOTIFY_KEY = re.compile(f".+-{_UUID_TEXT}-{_UUID_TEXT}", re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    """PUBLISHER_DATA_DIR: the embedded database, the embedded broker's folders, the X outbox."""
    database_url: str = ""
    """DATABASE_URL: default sqlite:///<data_dir>/publisher.db (WAL)."""
    broker_url: str = ""
    """BROKER_URL, else REDIS_URL, else the embedded filesystem broker under data_dir."""
    output_dir: Path = Path("site")
    """OUTPUT_DIR: where web pages, feeds and plain text are published."""
    site_url: str = "http://localhost:8000/"
    """SITE_URL: the absolute URL OUTPUT_DIR is served at (feeds need absolute links)."""
    site_name: str = "Police appeals"
    """SITE_NAME"""
    exit_url: str = "https://www.bbc.co.uk/weather"
    """EXIT_URL: the neutral site 'Exit this page' leaves for."""
    share_image_url: str | None = None
    """SHARE_IMAGE_URL: the absolute URL of the image shared with pages that have none of their
    own (indexes, the safety page, appeals without a photo), e.g. the force's card."""
    share_image_alt: str | None = None
    """SHARE_IMAGE_ALT: what that image shows (required with SHARE_IMAGE_URL)."""
    web_host: str = "127.0.0.1"
    """PUBLISHER_WEB_HOST"""
    web_port: int = 8000
    """PUBLISHER_WEB_PORT"""
    app_host: str = "127.0.0.1"
    """PUBLISHER_APP_HOST: where ``publisher web`` (the comms and operators' app) listens."""
    app_port: int = 8001
    """PUBLISHER_APP_PORT"""
    app_url: str = "http://127.0.0.1:8001/"
    """PUBLISHER_APP_URL: the app's own absolute URL, as people reach it (sign-in links use it;
    https makes its cookies Secure). Default: http://PUBLISHER_APP_HOST:PUBLISHER_APP_PORT/."""
    dispatch_interval: float = 2.0
    """DISPATCH_INTERVAL: seconds between dispatcher ticks."""
    reconcile_interval: float = 30.0
    """RECONCILE_INTERVAL: seconds between reconciler runs."""
    claimed_timeout: float = 300.0
    """CLAIMED_TIMEOUT: seconds a claimed delivery may wait for a worker before it is re-queued."""
    sending_timeout: float = 600.0
    """SENDING_TIMEOUT: the lease of a send, in seconds. The sending worker renews it every
    third of that while the channel call lasts; only when it lapses (the worker died) does the
    reconciler judge the delivery unknown (or run it again, on an idempotent channel)."""
    x_api_base_url: str = "https://api.x.com"
    """X_API_BASE_URL: the X API; tests and staging point it at a local X-compatible server."""
    x_upload_base_url: str = ""
    """X_UPLOAD_BASE_URL: media uploads; default the same host as X_API_BASE_URL."""
    x_api_key: Secret | None = None
    """X_API_KEY"""
    x_api_secret: Secret | None = None
    """X_API_SECRET"""
    x_access_token: Secret | None = None
    """X_ACCESS_TOKEN"""
    x_access_token_secret: Secret | None = None
    """X_ACCESS_TOKEN_SECRET"""
    mastodon_base_url: str = ""
    """MASTODON_BASE_URL: the Mastodon instance of the account (e.g. https://mastodon.social);
    with MASTODON_ACCESS_TOKEN unset too, Mastodon statuses go to the dry-run outbox."""
    mastodon_access_token: Secret | None = None
    """MASTODON_ACCESS_TOKEN: the account's access token (scopes write:statuses, write:media)."""
    bluesky_service_url: str = ""
    """BLUESKY_SERVICE_URL: the account's PDS (https://bsky.social when a handle is given and
    this is not); with BLUESKY_HANDLE and BLUESKY_APP_PASSWORD unset, Bluesky posts go to the
    dry-run outbox."""
    bluesky_handle: str = ""
    """BLUESKY_HANDLE: the account's handle (e.g. police.bsky.social) or DID."""
    bluesky_app_password: Secret | None = None
    """BLUESKY_APP_PASSWORD: an app password of the account (never the account's password)."""
    facebook_page_id: str = ""
    """FACEBOOK_PAGE_ID: the numeric id of the Facebook Page to post as; with
    FACEBOOK_PAGE_ACCESS_TOKEN unset too, Page posts go to the dry-run outbox."""
    facebook_page_access_token: Secret | None = None
    """FACEBOOK_PAGE_ACCESS_TOKEN: a Page access token (pages_manage_posts,
    pages_read_engagement). Sent only in the Authorization header, never in a URL."""
    facebook_graph_url: str = "https://graph.facebook.com"
    """FACEBOOK_GRAPH_URL: the Graph API (a local Graph-compatible server in tests)."""
    facebook_api_version: str = "v21.0"
    """FACEBOOK_API_VERSION: the Graph API version, e.g. v21.0."""
    notify_api_key: Secret | None = None
    """NOTIFY_API_KEY: a GOV.UK Notify API key (``name-<service id>-<secret>``); unset, with the
    template ids unset too, alerts go to the dry-run outbox."""
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    """NOTIFY_BASE_URL: Notify's API; tests and staging point it at a local Notify-compatible
    server."""
    notify_email_template_id: str = ""
    """NOTIFY_EMAIL_TEMPLATE_ID: the email template (subject ``((subject))``, body ``((body))``
    and ``((unsubscribe_url))``)."""
    notify_sms_template_id: str = ""
    """NOTIFY_SMS_TEMPLATE_ID: the text message template (content ``((body))`` alone)."""
    alert_webhook_url: str = field(default="", repr=False)
    """ALERT_WEBHOOK_URL: where alerts (a delivery failed or unknown, a channel disabled) are
    POSTed as signed JSON. Empty: alerts are recorded but never sent (``not-configured``). A
    credential as a whole (a chat webhook's path is its token): not in the repr, redacted from
    logs."""
    alert_webhook_secret: Secret | None = None
    """ALERT_WEBHOOK_SECRET: the HMAC-SHA256 key of the ``Publisher-Signature`` header (at
    least 16 characters); needed when ALERT_WEBHOOK_URL is set."""
    alert_webhook_timeout: float = 5.0
    """ALERT_WEBHOOK_TIMEOUT: seconds to connect, and again to wait for an answer, per try."""
    alert_webhook_max_attempts: int = 8
    """ALERT_WEBHOOK_MAX_ATTEMPTS: tries of one alert before it is recorded as given up."""
    alert_webhook_backoff: float = 15.0
    """ALERT_WEBHOOK_BACKOFF: seconds before the second try; each later wait doubles (at most
    an hour)."""
    languages: tuple[str, ...] = ()
    """PUBLISHER_LANGUAGES: the locales every appeal is published in, the primary first, e.g.
    ``en_GB,cy_GB`` for a bilingual force; empty (the default) for one language. With more than
    one, ``publisher check`` makes a missing or out-of-date translation an error, and the site
    channels write each other language's indexes and feeds (``cy/index.html``,
    ``feeds/cy/rss.xml``) even before an appeal is written in it. The social channels show an
    appeal's languages in this order (a Welsh-first force lists ``cy_GB`` first), then any
    others in the appeal's own order."""
    bilingual_posts: BilingualPosts = "separate"
    """PUBLISHER_BILINGUAL_POSTS: how X, Mastodon, Bluesky and Facebook post an appeal with a
    translation: ``separate`` (the default: each language's posts in turn, in one thread) or
    ``combined`` (one bilingual first post holding every language when it fits the platform's
    limit, then each language's remaining posts; when it does not fit, separate posts, with a
    warning in the rendition). Facebook posts an appeal in every language as one Page post
    whatever this says."""
    extra_channels: tuple[tuple[str, str], ...] = ()
    """PUBLISHER_EXTRA_CHANNELS: more channels, ``name=module:factory`` separated by commas, loaded
    by every process (workers too); the factory is called with the Settings. For benchmarks and
    staging (e.g. ``fake=benchmarks.drain:fake_channel``); real plug-ins use entry points."""

    @property
    def x_credentials_set(self) -> bool:
        return None not in (
            self.x_api_key,
            self.x_api_secret,
            self.x_access_token,
            self.x_access_token_secret,
        )

    @property
    def mastodon_configured(self) -> bool:
        return bool(self.mastodon_base_url) and self.mastodon_access_token is not None

    @property
    def bluesky_configured(self) -> bool:
        return bool(self.bluesky_handle) and self.bluesky_app_password is not None

    @property
    def notify_configured(self) -> bool:
        return self.notify_api_key is not None

    @property
    def alerts_configured(self) -> bool:
        """Whether alerts are sent (ALERT_WEBHOOK_URL is set; from_env then insists on a
        secret)."""
        return bool(self.alert_webhook_url) and self.alert_webhook_secret is not None

    @property
    def console_url(self) -> str | None:
        """PUBLISHER_APP_URL when it was set to something other than the address derived from
        PUBLISHER_APP_HOST and PUBLISHER_APP_PORT (alerts link to the console only then: the
        derived one is this machine's own loopback address)."""
        shown = "127.0.0.1" if self.app_host in ("0.0.0.0", "::", "") else self.app_host
        return None if self.app_url == f"http://{shown}:{self.app_port}/" else self.app_url

    @property
    def outbox_dir(self) -> Path:
        """Dry-run social posts go here when no credentials are set."""
        return self.data_dir / "outbox"

    def render_context(self) -> RenderContext:
        return RenderContext(
            site_url=self.site_url,
            site_name=self.site_name,
            exit_url=self.exit_url,
            share_image_url=self.share_image_url,
            share_image_alt=self.share_image_alt,
            languages=self.languages,
            bilingual_posts=self.bilingual_posts,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def text(name: str, default: str) -> str:
            value = env.get(name, "").strip()
            return value or default

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError as exc:
                raise SettingsError(f"{name}={raw!r} is not a number") from exc
            if value <= 0:
                raise SettingsError(f"{name} must be greater than 0, not {raw}")
            return value

        def channel_specs(name: str) -> tuple[tuple[str, str], ...]:
            specs: list[tuple[str, str]] = []
            for item in env.get(name, "").split(","):
                item = item.strip()
                if not item:
                    continue
                channel, _, target = item.partition("=")
                module, _, attr = target.strip().partition(":")
                if not (channel.strip() and module.strip() and attr.strip()):
                    raise SettingsError(f"{name}: {item!r} is not name=module:factory")
                specs.append((channel.strip(), target.strip()))
            return tuple(specs)

        def locales(name: str) -> tuple[str, ...]:
            found: list[str] = []
            for item in env.get(name, "").split(","):
                item = item.strip()
                if not item:
                    continue
                if not re.fullmatch(r"[a-z]{2,3}(?:_[A-Z]{2})?", item):
                    raise SettingsError(f"{name}: {item!r} is not a locale like en_GB or cy_GB")
                if item in found:
                    raise SettingsError(f"{name}: {item!r} is given twice")
                found.append(item)
            return tuple(found)

        def bilingual_posts(name: str) -> BilingualPosts:
            raw = env.get(name, "").strip().lower()
            if not raw:
                return cls.bilingual_posts
            for choice in BILINGUAL_POSTS:
                if raw == choice:
                    return choice
            raise SettingsError(
                f"{name}={env.get(name)!r} must be one of: {', '.join(BILINGUAL_POSTS)}"
            )

        def secret(name: str) -> Secret | None:
            raw = env.get(name, "").strip()
            return Secret(raw) if raw else None

        def whole(name: str, default: int) -> int:
            value = number(name, default)
            if value != int(value):
                raise SettingsError(f"{name}={env.get(name)!r} is not a whole number")
            return int(value)

        data_dir = Path(text("PUBLISHER_DATA_DIR", "var"))
        database_url = text("DATABASE_URL", f"sqlite:///{data_dir / 'publisher.db'}")
        broker_url = text("BROKER_URL", text("REDIS_URL", f"filesystem://{data_dir / 'broker'}"))
        site_url = text("SITE_URL", cls.site_url)
        if not site_url.startswith(("http://", "https://")):
            raise SettingsError(f"SITE_URL={site_url!r} must be an absolute http(s) URL")
        if not site_url.endswith("/"):
            site_url += "/"
        share_image_url = text("SHARE_IMAGE_URL", "") or None
        share_image_alt = " ".join(env.get("SHARE_IMAGE_ALT", "").split()) or None
        if share_image_url is not None:
            if not share_image_url.startswith(("http://", "https://")) or any(
                char.isspace() or char in '<>"' for char in share_image_url
            ):
                raise SettingsError(
                    f"SHARE_IMAGE_URL={share_image_url!r} must be an absolute http(s) URL"
                )
            if share_image_alt is None:
                raise SettingsError(
                    "SHARE_IMAGE_ALT must say what the image at SHARE_IMAGE_URL shows"
                )
        elif share_image_alt is not None:
            raise SettingsError("SHARE_IMAGE_ALT is set but SHARE_IMAGE_URL is not")
        x_base = text("X_API_BASE_URL", cls.x_api_base_url).rstrip("/")
        if not x_base.startswith(("http://", "https://")):
            raise SettingsError(f"X_API_BASE_URL={x_base!r} must be an absolute http(s) URL")

        mastodon_base = text("MASTODON_BASE_URL", "").rstrip("/")
        mastodon_token = secret("MASTODON_ACCESS_TOKEN")
        if mastodon_base and not mastodon_base.startswith(("http://", "https://")):
            raise SettingsError(
                f"MASTODON_BASE_URL={mastodon_base!r} must be an absolute http(s) URL"
            )
        if bool(mastodon_base) != (mastodon_token is not None):
            given, missing = (
                ("MASTODON_BASE_URL", "MASTODON_ACCESS_TOKEN")
                if mastodon_base
                else ("MASTODON_ACCESS_TOKEN", "MASTODON_BASE_URL")
            )
            raise SettingsError(
                f"{given} is set but {missing} is not: Mastodon needs both (or neither, for "
                "the dry-run outbox)"
            )

        bluesky_handle = text("BLUESKY_HANDLE", "").strip()
        bluesky_password = secret("BLUESKY_APP_PASSWORD")
        if bool(bluesky_handle) != (bluesky_password is not None):
            given, missing = (
                ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD")
                if bluesky_handle
                else ("BLUESKY_APP_PASSWORD", "BLUESKY_HANDLE")
            )
            raise SettingsError(
                f"{given} is set but {missing} is not: Bluesky needs both (or neither, for "
                "the dry-run outbox)"
            )
        bluesky_service = text("BLUESKY_SERVICE_URL", "").rstrip("/")
        if bluesky_handle and not bluesky_service:
            bluesky_service = "https://bsky.social"
        if bluesky_service and not bluesky_service.startswith(("http://", "https://")):
            raise SettingsError(
                f"BLUESKY_SERVICE_URL={bluesky_service!r} must be an absolute http(s) URL"
            )
        facebook_page = text("FACEBOOK_PAGE_ID", "")
        facebook_token = secret("FACEBOOK_PAGE_ACCESS_TOKEN")
        if facebook_page and not facebook_page.isdigit():
            raise SettingsError(f"FACEBOOK_PAGE_ID={facebook_page!r} must be the Page's numeric id")
        if bool(facebook_page) != (facebook_token is not None):
            given, missing = (
                ("FACEBOOK_PAGE_ID", "FACEBOOK_PAGE_ACCESS_TOKEN")
                if facebook_page
                else ("FACEBOOK_PAGE_ACCESS_TOKEN", "FACEBOOK_PAGE_ID")
            )
            raise SettingsError(
                f"{given} is set but {missing} is not: Facebook needs both (or neither, for "
                "the dry-run outbox)"
            )
        facebook_graph = text("FACEBOOK_GRAPH_URL", cls.facebook_graph_url).rstrip("/")
        if not facebook_graph.startswith(("http://", "https://")):
            raise SettingsError(
                f"FACEBOOK_GRAPH_URL={facebook_graph!r} must be an absolute http(s) URL"
            )
        facebook_version = text("FACEBOOK_API_VERSION", cls.facebook_api_version)
        if not re.fullmatch(r"v\d+\.\d+", facebook_version):
            raise SettingsError(
                f"FACEBOOK_API_VERSION={facebook_version!r} must be a Graph API version such "
                "as v21.0"
            )
        notify_base = text("NOTIFY_BASE_URL", cls.notify_base_url).rstrip("/")
        if not notify_base.startswith(("http://", "https://")):
            raise SettingsError(f"NOTIFY_BASE_URL={notify_base!r} must be an absolute http(s) URL")
        notify_key = secret("NOTIFY_API_KEY")
        notify_templates = {
            "NOTIFY_EMAIL_TEMPLATE_ID": text("NOTIFY_EMAIL_TEMPLATE_ID", "").strip(),
            "NOTIFY_SMS_TEMPLATE_ID": text("NOTIFY_SMS_TEMPLATE_ID", "").strip(),
        }
        notify_given = [name for name, value in notify_templates.items() if value]
        if notify_key is not None:
            notify_given.insert(0, "NOTIFY_API_KEY")
            if not _NOTIFY_KEY.fullmatch(notify_key.reveal()):
                raise SettingsError(
                    "NOTIFY_API_KEY is not a Notify API key (expected "
                    "<key name>-<service id>-<secret>, the last two UUIDs)"
                )
        for name, value in notify_templates.items():
            if value and not _UUID.fullmatch(value):
                raise SettingsError(f"{name}={value!r} is not a Notify template id (a UUID)")
        if notify_given and len(notify_given) < 3:
            notify_missing = [
                name for name in ("NOTIFY_API_KEY", *notify_templates) if name not in notify_given
            ]
            raise SettingsError(
                f"{', '.join(notify_given)} set but {', '.join(notify_missing)} not: GOV.UK "
                "Notify needs the API key and both template ids (or none of them, for the "
                "dry-run outbox)"
            )

        def port_number(name: str, default: int) -> int:
            port = number(name, default)
            if port != int(port) or not 0 < port < 65536:
                raise SettingsError(f"{name}={env.get(name)!r} is not a port")
            return int(port)

        port = port_number("PUBLISHER_WEB_PORT", cls.web_port)
        app_host = text("PUBLISHER_APP_HOST", cls.app_host)
        app_port = port_number("PUBLISHER_APP_PORT", cls.app_port)
        shown_host = "127.0.0.1" if app_host in ("0.0.0.0", "::", "") else app_host
        app_url = text("PUBLISHER_APP_URL", f"http://{shown_host}:{app_port}/")
        if not app_url.startswith(("http://", "https://")):
            raise SettingsError(f"PUBLISHER_APP_URL={app_url!r} must be an absolute http(s) URL")
        if not app_url.endswith("/"):
            app_url += "/"
        alert_url = text("ALERT_WEBHOOK_URL", "")
        alert_secret = secret("ALERT_WEBHOOK_SECRET")
        if alert_url:
            if not alert_url.startswith(("http://", "https://")):
                raise SettingsError("ALERT_WEBHOOK_URL must be an absolute http(s) URL")
            if alert_secret is None:
                raise SettingsError(
                    "ALERT_WEBHOOK_URL is set but ALERT_WEBHOOK_SECRET is not: alerts are "
                    "always signed; set a shared secret of at least 16 characters"
                )
            if len(alert_secret.reveal()) < MIN_ALERT_SECRET_LENGTH:
                raise SettingsError(
                    f"ALERT_WEBHOOK_SECRET must be at least {MIN_ALERT_SECRET_LENGTH} characters"
                )
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            broker_url=broker_url,
            output_dir=Path(text("OUTPUT_DIR", str(cls.output_dir))),
            site_url=site_url,
            site_name=text("SITE_NAME", cls.site_name),
            exit_url=text("EXIT_URL", cls.exit_url),
            share_image_url=share_image_url,
            share_image_alt=share_image_alt,
            web_host=text("PUBLISHER_WEB_HOST", cls.web_host),
            web_port=port,
            app_host=app_host,
            app_port=app_port,
            app_url=app_url,
            dispatch_interval=number("DISPATCH_INTERVAL", cls.dispatch_interval),
            reconcile_interval=number("RECONCILE_INTERVAL", cls.reconcile_interval),
            claimed_timeout=number("CLAIMED_TIMEOUT", cls.claimed_timeout),
            sending_timeout=number("SENDING_TIMEOUT", cls.sending_timeout),
            x_api_base_url=x_base,
            x_upload_base_url=text("X_UPLOAD_BASE_URL", x_base).rstrip("/"),
            x_api_key=secret("X_API_KEY"),
            x_api_secret=secret("X_API_SECRET"),
            x_access_token=secret("X_ACCESS_TOKEN"),
            x_access_token_secret=secret("X_ACCESS_TOKEN_SECRET"),
            mastodon_base_url=mastodon_base,
            mastodon_access_token=mastodon_token,
            bluesky_service_url=bluesky_service,
            bluesky_handle=bluesky_handle,
            bluesky_app_password=bluesky_password,
            facebook_page_id=facebook_page,
            facebook_page_access_token=facebook_token,
            facebook_graph_url=facebook_graph,
            facebook_api_version=facebook_version,
            notify_api_key=notify_key,
            notify_base_url=notify_base,
            notify_email_template_id=notify_templates["NOTIFY_EMAIL_TEMPLATE_ID"],
            notify_sms_template_id=notify_templates["NOTIFY_SMS_TEMPLATE_ID"],
            alert_webhook_url=alert_url,
            alert_webhook_secret=alert_secret,
            alert_webhook_timeout=number("ALERT_WEBHOOK_TIMEOUT", cls.alert_webhook_timeout),
            alert_webhook_max_attempts=whole(
                "ALERT_WEBHOOK_MAX_ATTEMPTS", cls.alert_webhook_max_attempts
            ),
            alert_webhook_backoff=number("ALERT_WEBHOOK_BACKOFF", cls.alert_webhook_backoff),
            extra_channels=channel_specs("PUBLISHER_EXTRA_CHANNELS"),
            languages=locales("PUBLISHER_LANGUAGES"),
            bilingual_posts=bilingual_posts("PUBLISHER_BILINGUAL_POSTS"),
        )


#: Every environment variable the settings read (docker-compose.yml is checked against this).
ENVIRONMENT_VARIABLES: frozenset[str] = frozenset(
    {
        "PUBLISHER_DATA_DIR",
        "DATABASE_URL",
        "BROKER_URL",
        "REDIS_URL",
        "OUTPUT_DIR",
        "SITE_URL",
        "SITE_NAME",
        "EXIT_URL",
        "SHARE_IMAGE_URL",
        "SHARE_IMAGE_ALT",
        "PUBLISHER_WEB_HOST",
        "PUBLISHER_WEB_PORT",
        "PUBLISHER_APP_HOST",
        "PUBLISHER_APP_PORT",
        "PUBLISHER_APP_URL",
        "DISPATCH_INTERVAL",
        "RECONCILE_INTERVAL",
        "CLAIMED_TIMEOUT",
        "SENDING_TIMEOUT",
        "X_API_BASE_URL",
        "X_UPLOAD_BASE_URL",
        "X_API_KEY",
        "X_API_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
        "MASTODON_BASE_URL",
        "MASTODON_ACCESS_TOKEN",
        "BLUESKY_SERVICE_URL",
        "BLUESKY_HANDLE",
        "BLUESKY_APP_PASSWORD",
        "FACEBOOK_PAGE_ID",
        "FACEBOOK_PAGE_ACCESS_TOKEN",
        "FACEBOOK_GRAPH_URL",
        "FACEBOOK_API_VERSION",
        "NOTIFY_API_KEY",
        "NOTIFY_BASE_URL",
        "NOTIFY_EMAIL_TEMPLATE_ID",
        "NOTIFY_SMS_TEMPLATE_ID",
        "ALERT_WEBHOOK_URL",
        "ALERT_WEBHOOK_SECRET",
        "ALERT_WEBHOOK_TIMEOUT",
        "ALERT_WEBHOOK_MAX_ATTEMPTS",
        "ALERT_WEBHOOK_BACKOFF",
        "PUBLISHER_EXTRA_CHANNELS",
        "PUBLISHER_LANGUAGES",
        "PUBLISHER_BILINGUAL_POSTS",
    }
)
assert len(ENVIRONMENT_VARIABLES) == len(fields(Settings)) + 1  # REDIS_URL is an alias
