"""The web app wired to the Notify fake and served under uvicorn, for the alert tests: the
sign-up, confirm and unsubscribe pages driven over HTTP, the alerts sent through the real
Notify client to :mod:`tests.support.notifyfake`."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import uvicorn

from publisher.bootstrap import App, bootstrap
from publisher.entrypoints.web import create_app
from publisher.settings import Settings
from tests.integration.conftest import free_port, wait_until
from tests.support.notifyfake import API_KEY, EMAIL_TEMPLATE, SMS_TEMPLATE, FakeNotify


@contextmanager
def alerts_app(fake: FakeNotify, tmp_path: Path, **env: str) -> Iterator[App]:
    """An App whose Notify channel talks to ``fake``; ``env`` adds or overrides settings."""
    settings = {
        "PUBLISHER_DATA_DIR": str(tmp_path / "var"),
        "OUTPUT_DIR": str(tmp_path / "site"),
        # Chosen now, just before the app listens on it: a port chosen when the module is
        # imported could be taken by another test's server in the meantime.
        "PUBLISHER_APP_URL": f"http://127.0.0.1:{free_port()}/",
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_BASE_URL": fake.base_url,
        "NOTIFY_EMAIL_TEMPLATE_ID": EMAIL_TEMPLATE,
        "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE,
        **env,
    }
    wired = bootstrap(Settings.from_env(settings))
    try:
        yield wired
    finally:
        wired.close()


@contextmanager
def serving(app: App) -> Iterator[None]:
    """The web app of ``app`` under uvicorn, in a thread, at ``app.settings.app_url``."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(app),
            host="127.0.0.1",
            port=urlsplit(app.settings.app_url).port or 80,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout=30, what="uvicorn to start")
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def client(app: App) -> httpx.Client:
    return httpx.Client(base_url=app.settings.app_url, follow_redirects=False, timeout=30)


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form has no csrf_token"
    return match.group(1)


def link(app: App, body: str, kind: str) -> str:
    """The path of the ``kind`` link (``confirm``, ``unsubscribe``) in a message's body."""
    match = re.search(rf"{re.escape(app.settings.app_url)}(alerts/{kind}/[A-Za-z0-9_-]+)", body)
    assert match, f"no {kind} link in {body!r}"
    return "/" + match.group(1)
