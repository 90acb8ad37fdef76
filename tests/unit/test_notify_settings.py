"""NOTIFY_* settings: all or none; a key that is not a Notify key, or a template id that is not
a UUID, is refused naming the variable, never showing the key."""

from __future__ import annotations

import pytest

from publisher.bootstrap import build_registry
from publisher.errors import SettingsError
from publisher.settings import Settings

KEY = "live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
EMAIL = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SMS = "0ef0a9a8-6c1a-4c0f-bc5e-9f7c0d2b2c1a"


def test_all_three_set() -> None:
    env = {"NOTIFY_API_KEY": KEY, "NOTIFY_EMAIL_TEMPLATE_ID": EMAIL, "NOTIFY_SMS_TEMPLATE_ID": SMS}
    settings = Settings.from_env(env)
    assert settings.notify_configured
    assert settings.notify_api_key is not None and settings.notify_api_key.reveal() == KEY
    assert KEY not in repr(settings)
    assert build_registry(settings).get("notify").name == "notify"


def test_none_set_is_the_dry_run() -> None:
    assert not Settings.from_env({}).notify_configured


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NOTIFY_API_KEY": KEY}, "NOTIFY_EMAIL_TEMPLATE_ID, NOTIFY_SMS_TEMPLATE_ID not"),
        ({"NOTIFY_EMAIL_TEMPLATE_ID": EMAIL, "NOTIFY_SMS_TEMPLATE_ID": SMS}, "NOTIFY_API_KEY not"),
        ({"NOTIFY_API_KEY": "secret-ish", "NOTIFY_SMS_TEMPLATE_ID": SMS}, "not a Notify API key"),
        ({"NOTIFY_SMS_TEMPLATE_ID": "template"}, "NOTIFY_SMS_TEMPLATE_ID='template'"),
        ({"NOTIFY_BASE_URL": "api.notify"}, "NOTIFY_BASE_URL"),
    ],
)
def test_partly_set_is_refused(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named) as caught:
        Settings.from_env(env)
    assert "secret-ish" not in str(caught.value)
