"""The alert webhook's HTTP side: POST one signed alert body with ``requests`` and say what came
of it, never raising for the network. Used by :func:`publisher.services.alerts.deliver_alerts`
through its ``AlertSender`` port; built by the composition root from the settings.

The ``requests.Session`` comes in through the constructor (None builds a real one); redirects
are not followed (a receiver that moved is a misconfiguration to fix, not a place to send a
signed body to); connect and read each wait at most ``timeout`` seconds. Messages name the
receiver's scheme, host and port only: a chat webhook's path is its credential.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests

from publisher import __version__
from publisher.domain.alerts import (
    EVENT_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    WebhookAnswer,
    signature_header,
)
from publisher.domain.secret import Secret

__all__ = ["USER_AGENT", "WebhookSender", "where"]

USER_AGENT = f"publisher/{__version__} (alert webhook)"


def where(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: enough to say where, nothing secret."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the alert webhook"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}"


class WebhookSender:
    """Sends alert bodies to one URL, signed with one secret (``Publisher-Signature``)."""

    def __init__(
        self,
        url: str,
        secret: Secret,
        *,
        timeout: float = 5.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._url = url
        self._secret = secret
        self.timeout = timeout
        self._session = session if session is not None else requests.Session()
        self._clock = clock
        self.where = where(url)

    def __repr__(self) -> str:
        return f"WebhookSender({self.where!r}, timeout={self.timeout:g})"

    def send(self, *, alert_id: str, event: str, body: bytes) -> WebhookAnswer:
        """POST ``body`` once. 2xx is delivered; anything else (another status, no answer in
        time, no connection) is an answer saying why, for the caller to try again later."""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: signature_header(self._secret.reveal(), int(self._clock()), body),
            IDEMPOTENCY_HEADER: alert_id,
            EVENT_HEADER: event,
        }
        try:
            with self._session.post(
                self._url,
                data=body,
                headers=headers,
                timeout=(self.timeout, self.timeout),
                allow_redirects=False,
                stream=True,  # the answer's body is never read: only its status matters
            ) as response:
                status = response.status_code
        except requests.Timeout:
            return WebhookAnswer(
                False, error=f"no answer from {self.where} within {self.timeout:g} s"
            )
        except requests.ConnectionError as exc:
            return WebhookAnswer(
                False, error=f"could not connect to {self.where} ({type(exc).__name__})"
            )
        except requests.RequestException as exc:
            return WebhookAnswer(
                False, error=f"the request to {self.where} failed ({type(exc).__name__})"
            )
        if 200 <= status < 300:
            return WebhookAnswer(True, status=status)
        if 300 <= status < 400:
            return WebhookAnswer(
                False, status=status, error=f"HTTP {status} from {self.where} (not followed)"
            )
        return WebhookAnswer(False, status=status, error=f"HTTP {status} from {self.where}")

    def close(self) -> None:
        self._session.close()
