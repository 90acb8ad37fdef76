"""``publisher web``: serve the web app with uvicorn until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from publisher.bootstrap import bootstrap
from publisher.services import accounts
from publisher.settings import Settings

__all__ = ["RedactLinks", "first_sign_in", "run_web", "sign_in_url"]

_LINK = re.compile(r"(/sign-in/link/)[^/?#\s\"]+")


class RedactLinks(logging.Filter):
    """Keep one-time sign-in tokens (in the link path) out of the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _LINK.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _LINK.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args
            )
        return True


# uvicorn's logging, with plain formatters: the access line is formatted when it is made (the
# project's redacting record factory, publisher.logsafe, leaves no args for uvicorn's
# AccessFormatter to pick apart), and one-time link tokens are redacted from it.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"links": {"()": RedactLinks}},
    "formatters": {
        "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"}
    },
    "handlers": {
        "default": {
            "formatter": "default",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["links"],
        },
        "access": {
            "formatter": "default",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["links"],
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}


def sign_in_url(settings: Settings, token: str) -> str:
    return f"{settings.app_url}sign-in/link/{token}"


def first_sign_in(settings: Settings) -> str | None:
    """On a store with no users: create ``admin`` and return their one-time sign-in link."""
    wired = bootstrap(settings)
    try:
        token = accounts.ensure_first_admin(wired.store)
    finally:
        wired.close()
    return None if token is None else sign_in_url(settings, token)


def run_web(settings: Settings, *, host: str | None = None, port: int | None = None) -> int:
    """Serve the web app on ``host``:``port`` (default PUBLISHER_APP_HOST:PORT)."""
    import uvicorn

    from publisher.entrypoints.web import create_app

    wired = bootstrap(settings)
    token = accounts.ensure_first_admin(wired.store)
    if token is not None:
        print(
            "First start: sign in as admin once with this link (valid 24 hours): "
            + sign_in_url(settings, token),
            flush=True,
        )
    config = uvicorn.Config(
        create_app(wired),
        host=host or settings.app_host,
        port=port or settings.app_port,
        proxy_headers=False,
        server_header=False,
        log_config=LOG_CONFIG,
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    finally:
        wired.close()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(run_web(Settings.from_env()))
