"""What the social channels share about HTTP through ``requests``: was a request sent?

``requests`` is imported here only when an error is examined: a channel that only renders
never loads it (see ``tests/unit/test_cli_lazy.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

__all__ = ["request_was_sent"]


def request_was_sent(exc: requests.RequestException) -> bool:
    """Whether the request may have reached the platform (so a post may exist).

    False only when the connection itself failed: refused, DNS, connect timeout, TLS handshake.
    A read timeout, a reset or a truncated response after sending is "maybe".
    """
    import requests
    import urllib3.exceptions

    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return False
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason: object = exc.args[0] if exc.args else None
        if isinstance(reason, urllib3.exceptions.MaxRetryError):
            reason = reason.reason
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return False
    return True
