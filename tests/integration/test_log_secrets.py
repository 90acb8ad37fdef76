"""No credential reaches a log, with every library logging at DEBUG (publisher.logsafe).

Real publishes to the project's fake X server (tests.support.xfake, which verifies the OAuth
signatures): tweepy, requests-oauthlib, oauthlib and urllib3 log what they do, and at DEBUG
that includes ``client_key``, ``resource_owner_key``, the signature base string and the whole
``Authorization: OAuth …`` header. The credentials are recognisable strings set in the
environment; the logs are searched for them, and for the header each request really carried
(read from the request as it was signed).

- In this process: handlers attached before the composition root runs (a StreamHandler, and
  pytest's caplog), and after it (on the root logger, and a library's own handler on
  ``oauthlib``).
- In real ``publisher worker`` and ``publisher beat`` processes at ``--loglevel DEBUG``, whose
  handlers Celery installs when they start.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher.channel import Rendition, SocialPost, Target
from publisher.logsafe import REDACTED
from tests.integration.conftest import (
    Deployment,
    Processes,
    make_appeal,
    wait_until,
    worker_ready,
)
from tests.support.approving import import_approved
from tests.support.xfake import FakeX, FakeXConfig

pytestmark = pytest.mark.integration

CREDENTIALS = (
    "LOGSAFE-api-key-5f1d2c7a",
    "LOGSAFE-api-secret-8e7a41b9",
    "LOGSAFE-access-token-93bb06d2",
    "LOGSAFE-token-secret-c4d05e13",
)
DEBUG_LOGGERS = ("", "oauthlib", "requests_oauthlib", "urllib3", "tweepy")


@pytest.fixture()
def fake() -> Iterator[FakeX]:
    with FakeX(FakeXConfig(credentials=CREDENTIALS)) as server:
        yield server


@pytest.fixture()
def debug_logging() -> Iterator[None]:
    """The root logger and the HTTP and OAuth libraries' loggers at DEBUG, for one test."""
    loggers = [logging.getLogger(name or None) for name in DEBUG_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@pytest.fixture()
def signed_headers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ``Authorization`` header of every request requests-oauthlib signs (read, not
    changed)."""
    from requests_oauthlib import OAuth1

    seen: list[str] = []
    sign = OAuth1.__call__

    def spy(self: Any, request: Any) -> Any:
        signed = sign(self, request)
        value = signed.headers.get("Authorization", "")
        seen.append(value.decode() if isinstance(value, bytes) else str(value))
        return signed

    monkeypatch.setattr(OAuth1, "__call__", spy)
    return seen


def _secrets_in(text: str, headers: list[str]) -> list[str]:
    """Every credential, header value or signature that ``text`` shows."""
    forbidden = list(CREDENTIALS)
    for header in headers:
        forbidden.append(header)
        forbidden.append(header.removeprefix("OAuth ").strip())
        for signature in re.findall(r'oauth_signature="([^"]+)"', header):
            from urllib.parse import unquote

            forbidden.extend({signature, unquote(signature)})
    return [value for value in forbidden if value and value in text]


def _stream(logger: logging.Logger, added: list[tuple[logging.Logger, logging.Handler]]) -> Any:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    added.append((logger, handler))
    return stream


def test_a_debug_publish_through_x_logs_no_credential(
    fake: FakeX,
    debug_logging: None,
    signed_headers: list[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from publisher.bootstrap import bootstrap

    environment = {"PUBLISHER_DATA_DIR": str(tmp_path), **fake.environment()}
    assert tuple(environment[f"X_{n}"] for n in ("API_KEY", "API_SECRET")) == CREDENTIALS[:2]
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    added: list[tuple[logging.Logger, logging.Handler]] = []
    try:
        before = _stream(logging.getLogger(), added)  # attached before the composition root
        app = bootstrap()  # reads the environment; installs the redaction
        after = _stream(logging.getLogger(), added)  # attached after it
        library = _stream(logging.getLogger("oauthlib"), added)  # a library's own, added late
        channel = app.registry.get("x")
        post = SocialPost(text="Have you seen Sam? Call 101.", weight=28)
        rendition = Rendition(channel="x", appeal_id="sam", revision=1, posts=(post,))
        try:
            receipt = channel.publish(rendition, Target())
        finally:
            close = getattr(channel, "close", None)
            if close is not None:
                close()
    finally:
        for logger, handler in added:
            logger.removeHandler(handler)

    assert receipt.remote_ids == (fake.posts[0]["id"],)  # a real, signed, accepted request
    assert signed_headers and signed_headers[0].startswith("OAuth ")
    logs = {
        "handler attached before": before.getvalue(),
        "handler attached after": after.getvalue(),
        "oauthlib's own handler": library.getvalue(),
        "caplog": caplog.text,
    }
    for name, text in logs.items():
        assert _secrets_in(text, signed_headers) == [], f"{name}:\n{text}"
        assert REDACTED in text, f"{name}: nothing was redacted, so nothing secret was logged?"
    text = logs["handler attached after"]
    # The secret-bearing lines were logged, and redacted: not dropped.
    assert f"'Authorization': 'OAuth {REDACTED}'" in text
    assert f"client_key={REDACTED}" in text and f"resource_owner_key={REDACTED}" in text
    assert f"('oauth_consumer_key', '{REDACTED}')" in text
    assert f"oauth_consumer_key%3D{REDACTED}%26" in text  # the signature base string
    assert "POST /2/tweets" in text  # urllib3's line, untouched


def test_worker_and_beat_debug_logs_show_no_credential(
    make_deployment: Any, processes: Processes, fake: FakeX, tmp_path: Path
) -> None:
    from publisher import services

    data = tmp_path / "embedded"
    deployment: Deployment = make_deployment(
        f"sqlite:///{data / 'publisher.db'}",
        f"filesystem://{data / 'broker'}",
        **fake.environment(),
    )
    assert deployment.env["X_ACCESS_TOKEN"] == CREDENTIALS[2]
    appeal = make_appeal(1, run="logsafe")
    import_approved(deployment.store, appeal)
    debug = ("--loglevel", "DEBUG")
    worker = processes.publisher(
        "worker", "worker", "--concurrency", "1", *debug, env=deployment.env
    )
    beat = processes.publisher("beat", "beat", *debug, env=deployment.env)
    wait_until(lambda: worker_ready(worker), timeout=30, what="the worker to be ready")
    ids = services.publish_now(deployment.store, deployment.registry(), appeal.id, ["x"])

    def published() -> bool:
        states = {row.id: row.state for row in deployment.rows()}
        assert not {i: states[i] for i in ids if states[i] in ("failed", "unknown")}, states
        return all(states[i] == "published" for i in ids)

    wait_until(published, timeout=45, what="the X delivery to be published")
    assert fake.posts, "the worker did not post to the fake X"
    processes.check_alive(worker, beat)
    worker_log, beat_log = worker.log_text(), beat.log_text()
    assert "Signing request" in worker_log, "requests-oauthlib did not log at DEBUG"
    for name, text in (("worker", worker_log), ("beat", beat_log)):
        leaked = [value for value in CREDENTIALS if value in text]
        assert leaked == [], f"{name} log shows {leaked}:\n{text[-6000:]}"
    assert f"client_key={REDACTED}" in worker_log
    assert f"'Authorization': 'OAuth {REDACTED}'" in worker_log
