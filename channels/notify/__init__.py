"""The ``notify`` channel: email and SMS alerts to subscribers through GOV.UK Notify."""

from __future__ import annotations

from publisher.channels.notify.channel import (
    DEFAULT_BASE_URL,
    OUTBOX_FILE,
    NotifyChannel,
    NotifySettings,
    Recipient,
    SubscriberSource,
    reference_for,
    sms_with_link,
    translate_error,
)
from publisher.channels.notify.sms import MAX_CHARACTERS, SmsCount, count, sanitise

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_CHARACTERS",
    "OUTBOX_FILE",
    "NotifyChannel",
    "NotifySettings",
    "Recipient",
    "SmsCount",
    "SubscriberSource",
    "count",
    "reference_for",
    "sanitise",
    "sms_with_link",
    "translate_error",
]
