"""The one composition root: settings in; the store, the templates and the channels wired out.

Every entry point (the command line, the Celery worker, the static-site server, later the web
app) calls :func:`bootstrap` and works with the :class:`App` it returns. Settings are read once,
here or by the caller; no channel reads the environment; nothing is built at import time.

Built-in channels are listed here; third-party ones come from the ``publisher.channels``
entry-point group, and PUBLISHER_EXTRA_CHANNELS names more for staging and benchmarks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from jinja2 import Environment

from publisher import logsafe
from publisher.channel import Channel
from publisher.channel.registry import Registry
from publisher.channel.templates import environment
from publisher.errors import UnknownChannel
from publisher.settings import Settings

if TYPE_CHECKING:
    from publisher.services.alerts import AlertPolicy
    from publisher.store import Store
    from publisher.webhook import WebhookSender

__all__ = ["BUILTIN_CHANNELS", "App", "ChannelFactory", "bootstrap", "build_registry"]

ChannelFactory = Callable[[Settings], Channel]
"""Builds one channel from the settings (third-party factories have this signature too)."""


def _web(settings: Settings) -> Channel:
    from publisher.channels.web import WebChannel

    return WebChannel(environment())


def _feeds(settings: Settings) -> Channel:
    from publisher.channels.feeds import FeedsChannel

    return FeedsChannel()


def _text(settings: Settings) -> Channel:
    from publisher.channels.text import TextChannel

    return TextChannel()


def _x(settings: Settings) -> Channel:
    from publisher.channels.x import XChannel, XSettings

    x = XSettings(
        api_key=settings.x_api_key,
        api_secret=settings.x_api_secret,
        access_token=settings.x_access_token,
        access_token_secret=settings.x_access_token_secret,
        api_base_url=settings.x_api_base_url,
        upload_base_url=settings.x_upload_base_url,
    )
    return XChannel(settings=x, outbox=settings.outbox_dir)


def _mastodon(settings: Settings) -> Channel:
    from publisher.channels.mastodon import MastodonChannel, MastodonSettings

    mastodon = MastodonSettings(
        base_url=settings.mastodon_base_url,
        access_token=settings.mastodon_access_token,
    )
    return MastodonChannel(settings=mastodon, outbox=settings.outbox_dir)


def _bluesky(settings: Settings) -> Channel:
    from publisher.channels.bluesky import BlueskyChannel, BlueskySettings

    bluesky = BlueskySettings(
        service_url=settings.bluesky_service_url,
        handle=settings.bluesky_handle,
        app_password=settings.bluesky_app_password,
    )
    return BlueskyChannel(settings=bluesky, outbox=settings.outbox_dir)


def _facebook(settings: Settings) -> Channel:
    from publisher.channels.facebook import FacebookChannel, FacebookSettings

    facebook = FacebookSettings(
        page_id=settings.facebook_page_id,
        access_token=settings.facebook_page_access_token,
        graph_url=settings.facebook_graph_url,
        api_version=settings.facebook_api_version,
    )
    return FacebookChannel(settings=facebook, outbox=settings.outbox_dir)


def _notify(settings: Settings) -> Channel:
    from publisher.channels.notify import NotifyChannel, NotifySettings
    from publisher.services.subscribers import StoreSubscribers

    notify = NotifySettings(
        api_key=settings.notify_api_key,
        base_url=settings.notify_base_url,
        email_template_id=settings.notify_email_template_id,
        sms_template_id=settings.notify_sms_template_id,
    )
    return NotifyChannel(
        settings=notify, subscribers=StoreSubscribers(settings), outbox=settings.outbox_dir
    )


BUILTIN_CHANNELS: Mapping[str, ChannelFactory] = {
    "web": _web,
    "feeds": _feeds,
    "text": _text,
    "x": _x,
    "mastodon": _mastodon,
    "bluesky": _bluesky,
    "facebook": _facebook,
    "notify": _notify,
}


def _plugin_factories() -> dict[str, ChannelFactory]:
    found: dict[str, ChannelFactory] = {}
    for ep in entry_points(group="publisher.channels"):
        found[ep.name] = ep.load()
    return found


def _configured_factories(settings: Settings) -> dict[str, ChannelFactory]:
    """Channels named by PUBLISHER_EXTRA_CHANNELS (``name=module:factory``)."""
    found: dict[str, ChannelFactory] = {}
    for name, target in settings.extra_channels:
        module_name, _, attr = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise UnknownChannel(
                f"PUBLISHER_EXTRA_CHANNELS: channel {name!r}: cannot import {module_name!r}: {exc}"
            ) from exc
        factory = getattr(module, attr, None)
        if not callable(factory):
            raise UnknownChannel(
                f"PUBLISHER_EXTRA_CHANNELS: channel {name!r}: {target!r} is not a callable factory"
            )
        found[name] = factory
    return found


def build_registry(
    settings: Settings | None = None, *, extra: Mapping[str, ChannelFactory] | None = None
) -> Registry:
    """Wire the channels: built-ins, then plug-ins, then PUBLISHER_EXTRA_CHANNELS, then ``extra``
    (tests), later names winning. Each is built on first use."""
    settings = settings or Settings.from_env()
    factories: dict[str, ChannelFactory] = dict(BUILTIN_CHANNELS)
    factories.update(_plugin_factories())
    factories.update(_configured_factories(settings))
    if extra:
        factories.update(extra)
    return Registry(
        factories={name: partial(factory, settings) for name, factory in factories.items()},
        context=settings.render_context(),
        output_dir=settings.output_dir,
    )


@dataclass
class App:
    """Everything an entry point needs, built from one :class:`Settings`."""

    settings: Settings
    registry: Registry
    migrate_embedded: bool = True
    """Migrate the embedded SQLite database when the store is first opened (the command line
    does; worker processes, started after ``publisher worker`` migrated it, do not)."""
    _store: Store | None = field(default=None, init=False, repr=False)

    @property
    def templates(self) -> Environment:
        """The one Jinja2 environment (autoescaping HTML and XML, StrictUndefined)."""
        return environment()

    @property
    def store(self) -> Store:
        """The database, opened on first use. The embedded SQLite database is created (and,
        with ``migrate_embedded``, migrated) then; PostgreSQL (shared by several machines) is
        migrated only by ``publisher migrate``, so that two processes never race on a schema
        change."""
        if self._store is None:
            from publisher.store import Store

            if self.settings.database_url.startswith("sqlite"):
                self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            store = Store(self.settings.database_url)
            if store.dialect == "sqlite" and self.migrate_embedded:
                store.migrate()
            self._store = store
        return self._store

    def alert_sender(self) -> WebhookSender | None:
        """A sender for the alert webhook (ALERT_WEBHOOK_URL, signed with
        ALERT_WEBHOOK_SECRET), or None when none is configured."""
        settings = self.settings
        if not settings.alert_webhook_url or settings.alert_webhook_secret is None:
            return None
        from publisher.webhook import WebhookSender

        return WebhookSender(
            settings.alert_webhook_url,
            settings.alert_webhook_secret,
            timeout=settings.alert_webhook_timeout,
        )

    @property
    def alert_policy(self) -> AlertPolicy:
        """How alerts are retried, and the console they link to."""
        from datetime import timedelta

        from publisher.services.alerts import AlertPolicy

        return AlertPolicy(
            max_attempts=self.settings.alert_webhook_max_attempts,
            backoff=timedelta(seconds=self.settings.alert_webhook_backoff),
            app_url=self.settings.console_url,
        )

    def after_fork(self) -> None:
        """In a forked child: drop the pooled connections inherited from the parent without
        closing them (they are the parent's)."""
        if self._store is not None:
            self._store.dispose(close=False)

    def close(self) -> None:
        """Close the database's pooled connections and the channels' HTTP connections (before
        a fork, and at the end)."""
        self.registry.close()
        if self._store is not None:
            self._store.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    extra: Mapping[str, ChannelFactory] | None = None,
    migrate_embedded: bool = True,
) -> App:
    """The composition root: ``settings`` (default: read once from the environment) wired into
    the store, the templates and the channel registry."""
    settings = settings or Settings.from_env()
    logsafe.install(settings)  # no credential in any log of this process (idempotent)
    return App(
        settings=settings,
        registry=build_registry(settings, extra=extra),
        migrate_embedded=migrate_embedded,
    )
