"""Alerts without a database: the signature (made and checked), the backoff, the payload and
its redaction, the settings, and the webhook sender against a fake transport."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from publisher import logsafe
from publisher.domain.alerts import (
    ALERT_BACKOFF_CAP,
    EVENT_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    AlertEvent,
    AlertFacts,
    alert_backoff,
    parse_signature_header,
    sign,
    signature_header,
    verify_signature,
)
from publisher.domain.secret import Secret
from publisher.logsafe import REDACTED, RedactingFilter
from publisher.services.alerts import alert_link, render_alert
from publisher.settings import Settings, SettingsError
from publisher.webhook import WebhookSender, where

SECRET = "whsec_example_secret_0123"
BODY = b'{"id":"e2a1","type":"delivery.unknown"}'
T = 1767225600


# --------------------------------------------------------------------------------- signature


def test_the_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body() -> None:
    # Pinned: `printf '%s' '1767225600.{"id":"e2a1","type":"delivery.unknown"}' |
    # openssl dgst -sha256 -hmac whsec_example_secret_0123` gives the same (docs/operations.md).
    expected = "4754b2269ce15c38a85fc121f743fa53836c11cfe83444ad8afea35ac55429c5"
    assert sign(SECRET, T, BODY) == expected
    assert signature_header(SECRET, T, BODY) == f"t={T},v1={expected}"
    assert parse_signature_header(f"t={T},v1={expected}") == (T, (expected,))


def test_a_good_signature_verifies_within_the_tolerance() -> None:
    header = signature_header(SECRET, T, BODY)
    assert verify_signature(SECRET, header, BODY, now=T)
    assert verify_signature(SECRET, header, BODY, now=T + 299)
    assert verify_signature(SECRET, header, BODY, now=T - 299)  # a receiver's clock behind
    shouted = f"t={T},v1={sign(SECRET, T, BODY).upper()}"  # hex in capitals is the same
    assert verify_signature(SECRET, shouted, BODY, now=T)


@pytest.mark.parametrize(
    ("header", "body", "secret", "now"),
    [
        (signature_header(SECRET, T, BODY), BODY + b" ", SECRET, T),  # the body changed
        (signature_header(SECRET, T, BODY), BODY.replace(b"unknown", b"failed"), SECRET, T),
        (signature_header(SECRET, T, BODY), BODY, SECRET + "x", T),  # another secret
        (signature_header(SECRET, T, BODY), BODY, SECRET, T + 301),  # replayed later
        (signature_header(SECRET, T, BODY), BODY, SECRET, T - 301),
        (signature_header(SECRET, T + 1, BODY).replace(f"t={T + 1}", f"t={T}"), BODY, SECRET, T),
        (None, BODY, SECRET, T),
        ("", BODY, SECRET, T),
        ("garbage", BODY, SECRET, T),
        (f"t={T}", BODY, SECRET, T),  # no signature
        (f"v1={sign(SECRET, T, BODY)}", BODY, SECRET, T),  # no time
        (f"t=soon,v1={sign(SECRET, T, BODY)}", BODY, SECRET, T),
        (f"t={T},t={T},v1={sign(SECRET, T, BODY)}", BODY, SECRET, T),
    ],
)
def test_anything_else_does_not_verify(
    header: str | None, body: bytes, secret: str, now: int
) -> None:
    assert not verify_signature(secret, header, body, now=now)


def test_a_sender_rotating_its_secret_may_sign_twice() -> None:
    old, new = "old-secret-0123456789", "new-secret-0123456789"
    header = f"t={T},v1={sign(new, T, BODY)},v1={sign(old, T, BODY)}"
    assert verify_signature(old, header, BODY, now=T)
    assert verify_signature(new, header, BODY, now=T)
    assert not verify_signature("third-secret-01234567", header, BODY, now=T)


def test_backoff_doubles_from_its_base_up_to_an_hour() -> None:
    base = timedelta(seconds=15)
    assert [alert_backoff(n, base).total_seconds() for n in range(1, 6)] == [15, 30, 60, 120, 240]
    assert alert_backoff(40, base) == ALERT_BACKOFF_CAP == timedelta(hours=1)
    assert alert_backoff(0, base) == base


# ----------------------------------------------------------------------------------- payload

WHEN = datetime(2026, 11, 5, 7, 15, tzinfo=UTC)


def _facts(**changes: Any) -> AlertFacts:
    values: dict[str, Any] = {
        "id": "5b0c8f0e-8a39-4c1b-9b5e-0d6f7c2a9e11",
        "event": AlertEvent.DELIVERY_UNKNOWN,
        "occurred_at": WHEN,
        "channel": "x",
        "target": "default",
        "state": "unknown",
        "delivery_id": 42,
        "appeal_id": "missing-woman-sam",
        "error": "AmbiguousPublishError: timed out",
    }
    values.update(changes)
    return AlertFacts(**values)


def test_the_payload_names_the_event_the_delivery_and_links_to_its_console_page() -> None:
    body = render_alert(_facts(), app_url="https://console.example/", redact=str)
    payload = json.loads(body)
    assert payload == {
        "id": "5b0c8f0e-8a39-4c1b-9b5e-0d6f7c2a9e11",
        "type": "delivery.unknown",
        "occurred_at": "2026-11-05T07:15:00+00:00",
        "delivery_id": 42,
        "appeal_id": "missing-woman-sam",
        "channel": "x",
        "target": "default",
        "state": "unknown",
        "error": "AmbiguousPublishError: timed out",
        "link": "https://console.example/deliveries/42",
        "text": (
            "Delivery 42 of appeal missing-woman-sam on x (default) is unknown: it may have "
            "gone out; check the platform, then confirm it. AmbiguousPublishError: timed out"
        ),
    }
    # The exact bytes: compact, keys sorted, so the same alert signs the same every time.
    assert body == json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    assert body == render_alert(_facts(), app_url="https://console.example/", redact=str)


def test_without_a_console_address_there_is_no_link() -> None:
    assert json.loads(render_alert(_facts(), app_url=None, redact=str))["link"] is None
    disabled = _facts(
        event=AlertEvent.CHANNEL_DISABLED, state="disabled", delivery_id=None, appeal_id=None
    )
    assert alert_link(disabled, "https://console.example") == "https://console.example/operations"
    assert json.loads(render_alert(disabled, app_url=None, redact=str))["text"].startswith(
        "Channel x (default) is disabled."
    )


def test_the_error_is_redacted_of_configured_and_secret_shaped_credentials() -> None:
    key = "xk-ConfiguredApiKey-9f8e7d"
    error = (
        f"PermanentPublishError: 401 from https://api.x.example/2/tweets?api_key={key} "
        'Authorization: OAuth oauth_consumer_key="abc123def", oauth_token="tok-777-secret", '
        "retrying via https://user:hunter2pass@proxy.example/ "
        f"(key was {key})"
    )
    redact = RedactingFilter([key]).redact
    body = render_alert(_facts(error=error), app_url=None, redact=redact)
    text = body.decode()
    for secret in (key, "abc123def", "tok-777-secret", "hunter2pass"):
        assert secret not in text
    payload = json.loads(body)
    assert REDACTED in payload["error"] and REDACTED in payload["text"]
    assert payload["error"].startswith("PermanentPublishError: 401 from https://api.x.example/")


def test_by_default_the_processs_own_log_filter_redacts() -> None:
    key = "xk-InstalledKey-4c3b2a1"
    logsafe.active_filter().add_secrets([key])
    payload = json.loads(render_alert(_facts(error=f"refused {key}"), app_url=None))
    assert payload["error"] == f"refused {REDACTED}"


# ---------------------------------------------------------------------------------- settings


def test_settings_read_the_webhook_and_keep_its_secret_out_of_sight() -> None:
    settings = Settings.from_env(
        {
            "ALERT_WEBHOOK_URL": "https://alerts.example/hooks/T0KEN",
            "ALERT_WEBHOOK_SECRET": SECRET,
            "ALERT_WEBHOOK_TIMEOUT": "2.5",
            "ALERT_WEBHOOK_MAX_ATTEMPTS": "3",
            "ALERT_WEBHOOK_BACKOFF": "1",
        }
    )
    assert settings.alerts_configured
    assert isinstance(settings.alert_webhook_secret, Secret)
    assert SECRET not in repr(settings) and "T0KEN" not in repr(settings)
    assert (settings.alert_webhook_timeout, settings.alert_webhook_max_attempts) == (2.5, 3)
    assert settings.alert_webhook_backoff == 1.0
    # The secret and the whole address (a chat webhook's path is its token) never reach a log.
    assert {SECRET, "https://alerts.example/hooks/T0KEN"} <= set(logsafe.secret_values(settings))
    assert not Settings.from_env({}).alerts_configured


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALERT_WEBHOOK_URL": "https://alerts.example/"}, "ALERT_WEBHOOK_SECRET is not"),
        (
            {"ALERT_WEBHOOK_URL": "https://alerts.example/", "ALERT_WEBHOOK_SECRET": "short"},
            "at least 16",
        ),
        ({"ALERT_WEBHOOK_URL": "alerts.example", "ALERT_WEBHOOK_SECRET": SECRET}, "http"),
        ({"ALERT_WEBHOOK_MAX_ATTEMPTS": "2.5"}, "whole number"),
        ({"ALERT_WEBHOOK_TIMEOUT": "0"}, "greater than 0"),
    ],
)
def test_settings_refuse_a_webhook_that_could_not_be_signed_or_tried(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_alerts_link_to_the_console_only_when_its_address_was_given() -> None:
    assert Settings.from_env({}).console_url is None
    assert Settings.from_env({"PUBLISHER_APP_PORT": "9000"}).console_url is None
    given = Settings.from_env({"PUBLISHER_APP_URL": "https://console.example/"})
    assert given.console_url == "https://console.example/"


# ------------------------------------------------------------------------------------ sender


class FakeTransport(BaseAdapter):
    """A requests transport that records each request and answers from a script (a status, or
    an exception to raise)."""

    def __init__(self, *answers: int | Exception) -> None:
        super().__init__()
        self.answers = list(answers)
        self.requests: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []
        self.redirects: list[bool] = []

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        self.requests.append(request)
        self.timeouts.append(timeout)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        response = requests.Response()
        response.status_code = answer
        response.url = str(request.url)
        response.request = request
        response.raw = io.BytesIO(b"")
        if 300 <= answer < 400:
            response.headers["Location"] = "https://elsewhere.example/"
        return response

    def close(self) -> None:
        pass


def _sender(transport: FakeTransport, url: str = "https://alerts.example/hooks/T0KEN") -> Any:
    session = requests.Session()
    session.mount("https://", transport)
    return WebhookSender(url, Secret(SECRET), timeout=2.0, session=session, clock=lambda: T)


def test_the_sender_signs_the_exact_body_and_names_the_alert() -> None:
    transport = FakeTransport(204)
    answer = _sender(transport).send(alert_id="abc-1", event="delivery.unknown", body=BODY)
    assert answer.delivered and answer.status == 204 and answer.error is None
    (request,) = transport.requests
    assert request.method == "POST" and request.url == "https://alerts.example/hooks/T0KEN"
    assert request.body == BODY
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers[IDEMPOTENCY_HEADER] == "abc-1"
    assert request.headers[EVENT_HEADER] == "delivery.unknown"
    assert verify_signature(SECRET, request.headers[SIGNATURE_HEADER], BODY, now=T)
    assert transport.timeouts == [(2.0, 2.0)]


@pytest.mark.parametrize(
    ("answer", "status", "error"),
    [
        (500, 500, "HTTP 500 from https://alerts.example"),
        (410, 410, "HTTP 410 from https://alerts.example"),
        (302, 302, "HTTP 302 from https://alerts.example (not followed)"),
        (requests.ReadTimeout("read timed out /hooks/T0KEN"), None, "no answer from"),
        (requests.ConnectionError("refused /hooks/T0KEN"), None, "could not connect to"),
        (requests.exceptions.ChunkedEncodingError("/hooks/T0KEN"), None, "request to"),
    ],
)
def test_anything_but_2xx_is_an_answer_saying_why_and_never_the_whole_address(
    answer: int | Exception, status: int | None, error: str
) -> None:
    transport = FakeTransport(answer)
    result = _sender(transport).send(alert_id="abc-1", event="delivery.failed", body=BODY)
    assert not result.delivered
    assert result.status == status
    assert result.error is not None and error in result.error
    assert "T0KEN" not in result.error
    assert len(transport.requests) == 1  # a redirect is not followed


def test_where_names_scheme_host_and_port_only() -> None:
    assert where("https://user:pw@alerts.example:8443/hooks/T0KEN?x=1") == (
        "https://alerts.example:8443"
    )
    assert where("http://[::1]:9000/a") == "http://[::1]:9000"
    assert re.fullmatch(r"https://alerts\.example", where("https://alerts.example/"))


# ---------------------------------------------------------------------------------- the docs


def test_the_documented_request_and_verifier_are_true() -> None:
    """docs/operations.md shows a signed request and a receiver's verifier: both must hold."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    request = docs.split("```http\n", 1)[1].split("```", 1)[0]
    head, body_text = request.split("\n\n", 1)
    headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    body = body_text.strip("\n").encode()
    header = headers[SIGNATURE_HEADER]
    timestamp = int(header.split(",")[0].removeprefix("t="))
    example_secret = "whsec_example_secret_0123"
    assert verify_signature(example_secret, header, body, now=timestamp)
    assert json.loads(body)["id"] == headers[IDEMPOTENCY_HEADER]
    assert json.loads(body)["type"] == headers[EVENT_HEADER]
    snippet = docs.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)  # our own documentation: the verifier it shows
    verify = namespace["verify"]
    assert verify(example_secret, header, body, tolerance=10**12)
    assert not verify(example_secret, header, body + b" ", tolerance=10**12)
    assert not verify(example_secret, header, body)  # that request was made long ago
    fresh = signature_header(example_secret, int(time.time()), body)
    assert verify(example_secret, fresh, body)
