"""Who receives a channel's messages when they go to people rather than to an account: the
subscribers of an area (the ``notify`` channel's alerts). The store gives them; a channel reads
them through :class:`SubscriberSource`, asked at publishing time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["Recipient", "SubscriberSource"]


@dataclass(frozen=True)
class Recipient:
    """One confirmed subscription: where the alert goes and how to stop it."""

    subscriber: str
    """A stable id of the subscription (part of the message's reference)."""
    kind: Literal["email", "sms"]
    address: str
    """An email address, or a mobile number in E.164."""
    unsubscribe_url: str
    language: str = ""
    """The language code the subscriber chose (``en``, ``cy``); ``""`` for the appeal's own
    (primary) language. The alert goes in the appeal's version in that language when it has
    one; the message's own lines (how to stop the alerts) are in it whatever the appeal has."""

    def __repr__(self) -> str:  # addresses are personal data: never in logs
        return (
            f"Recipient(subscriber={self.subscriber!r}, kind={self.kind!r}, "
            f"language={self.language!r})"
        )


class SubscriberSource(Protocol):
    """Who receives alerts: the confirmed subscribers of an area (those with no topic, and those
    whose topic is one of ``topics``)."""

    def recipients(self, area: str, topics: Sequence[str]) -> Sequence[Recipient]: ...
