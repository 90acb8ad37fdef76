"""Accounts on SQLite and PostgreSQL: users and roles, argon2id passwords, lockout, API tokens,
one-time sign-in links, sessions that end; and the `publisher users` commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from publisher import errors
from publisher.domain.accounts import Role, lockout, permits
from publisher.entrypoints.cli import cli
from publisher.services import accounts
from publisher.settings import ENVIRONMENT_VARIABLES
from publisher.store import Store
from publisher.store.models import AuditRow, SessionRow, TokenRow, UserRow

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


def test_a_user_signs_in_and_nothing_secret_is_stored(store: Store) -> None:
    user = accounts.add_user(store, "sam.author", ["author"], password=PASSWORD, now=T0)
    assert (user.name, user.roles, user.has_password) == ("sam.author", {Role.AUTHOR}, True)
    signed = accounts.sign_in(store, "Sam.Author ", PASSWORD, now=T0)
    assert signed.user.name == "sam.author" and signed.expires_at == T0 + timedelta(hours=12)
    current = accounts.session_user(store, signed.token, now=T0 + timedelta(minutes=5))
    assert current.user == signed.user and current.csrf_token == signed.csrf_token
    assert accounts.csrf_matches(current.csrf_token, signed.csrf_token)
    assert not accounts.csrf_matches(current.csrf_token, "forged")
    assert not accounts.csrf_matches(current.csrf_token, None)
    with store.session() as session:
        row = session.scalars(select(UserRow)).one()
        assert row.password_hash is not None and row.password_hash.startswith("$argon2id$")
        assert PASSWORD not in row.password_hash
        kept = session.scalars(select(SessionRow)).one()
        assert kept.id != signed.token and len(kept.id) == 64  # only the digest is kept
    accounts.sign_out(store, signed.token)
    with pytest.raises(errors.NotSignedIn):
        accounts.session_user(store, signed.token, now=T0 + timedelta(minutes=6))


def test_refusals_say_nothing_about_which_part_was_wrong(store: Store) -> None:
    accounts.add_user(store, "jo", ["approver"], password=PASSWORD, now=T0)
    with pytest.raises(errors.NotSignedIn) as wrong_password:
        accounts.sign_in(store, "jo", "not the password at all", now=T0)
    with pytest.raises(errors.NotSignedIn) as no_such_user:
        accounts.sign_in(store, "nobody", PASSWORD, now=T0)
    assert str(wrong_password.value) == str(no_such_user.value)
    assert wrong_password.value.exit_code == 8


def test_five_failures_lock_the_account_for_a_while(store: Store) -> None:
    accounts.add_user(store, "jo", ["author"], password=PASSWORD, now=T0)
    for _ in range(5):
        with pytest.raises(errors.NotSignedIn):
            accounts.sign_in(store, "jo", "wrong wrong wrong", now=T0)
    with pytest.raises(errors.NotSignedIn):  # locked: even the right password is refused
        accounts.sign_in(store, "jo", PASSWORD, now=T0 + timedelta(seconds=30))
    assert accounts.sign_in(store, "jo", PASSWORD, now=T0 + timedelta(minutes=2)).user.name == "jo"
    with store.session() as session:
        actions = list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))
    assert actions.count("sign-in-refused") == 6 and actions[-1] == "sign-in"
    assert lockout(4) is None and lockout(5) == timedelta(minutes=1)
    assert lockout(6) == timedelta(minutes=2) and lockout(40) == timedelta(hours=1)


def test_sessions_end_when_idle_or_old_or_the_user_is_disabled(store: Store) -> None:
    accounts.add_user(store, "jo", ["operator"], password=PASSWORD, now=T0)
    idle = accounts.sign_in(store, "jo", PASSWORD, now=T0)
    with pytest.raises(errors.NotSignedIn, match="ended"):
        accounts.session_user(store, idle.token, now=T0 + timedelta(hours=2, seconds=1))
    old = accounts.sign_in(store, "jo", PASSWORD, now=T0)
    for hour in range(1, 12):  # kept busy, it still ends twelve hours after sign-in
        accounts.session_user(store, old.token, now=T0 + timedelta(hours=hour))
    with pytest.raises(errors.NotSignedIn):
        accounts.session_user(store, old.token, now=T0 + timedelta(hours=12))
    live = accounts.sign_in(store, "jo", PASSWORD, now=T0)
    token = accounts.issue_api_token(store, "jo", now=T0)
    assert accounts.user_for_token(store, token, now=T0).name == "jo"
    accounts.disable_user(store, "jo", now=T0)
    with pytest.raises(errors.NotSignedIn):
        accounts.session_user(store, live.token, now=T0)
    with pytest.raises(errors.NotSignedIn):
        accounts.user_for_token(store, token, now=T0)
    with pytest.raises(errors.NotSignedIn):
        accounts.sign_in(store, "jo", PASSWORD, now=T0)


def test_api_tokens_and_one_time_links(store: Store) -> None:
    accounts.add_user(store, "api.user", ["author"], now=T0)  # no password yet
    token = accounts.issue_api_token(store, "api.user", now=T0)
    assert token.startswith("pub_") and len(token) > 40
    assert accounts.user_for_token(store, token, now=T0).name == "api.user"
    with pytest.raises(errors.NotSignedIn):
        accounts.user_for_token(store, token + "x", now=T0)
    link = accounts.issue_sign_in_link(store, "api.user", now=T0)
    with pytest.raises(errors.NotSignedIn):  # a link is not an API token, nor the reverse
        accounts.user_for_token(store, link, now=T0)
    with pytest.raises(errors.NotSignedIn):
        accounts.sign_in_with_link(store, token, now=T0)
    signed = accounts.sign_in_with_link(store, link, now=T0 + timedelta(hours=1))
    assert signed.user.name == "api.user" and not signed.user.has_password
    with pytest.raises(errors.NotSignedIn, match="used"):
        accounts.sign_in_with_link(store, link, now=T0 + timedelta(hours=1))
    late = accounts.issue_sign_in_link(store, "api.user", now=T0)
    with pytest.raises(errors.NotSignedIn):
        accounts.sign_in_with_link(store, late, now=T0 + timedelta(hours=24))
    accounts.set_password(store, "api.user", PASSWORD, actor="api.user", now=T0)
    with pytest.raises(errors.NotSignedIn):  # setting a password ends the other sessions
        accounts.session_user(store, signed.token, now=T0 + timedelta(hours=1))
    with store.session() as session:
        hashes = list(session.scalars(select(TokenRow.token_hash)))
    assert token not in hashes and link not in hashes


def test_the_first_admin_and_the_rules(store: Store) -> None:
    link = accounts.ensure_first_admin(store, now=T0)
    assert link is not None
    assert accounts.ensure_first_admin(store, now=T0) is None  # only on an empty store
    admin = accounts.sign_in_with_link(store, link, now=T0).user
    assert admin.roles == {Role.ADMIN}
    accounts.require(admin, Role.APPROVER)  # admins may do everything
    author = accounts.add_user(store, "writer", ["author"], now=T0)
    with pytest.raises(errors.Forbidden, match="approver"):
        accounts.require(author, Role.APPROVER)
    assert permits({Role.AUTHOR, Role.APPROVER}, Role.APPROVER)
    with pytest.raises(errors.Conflict):
        accounts.add_user(store, "writer", ["author"], now=T0)
    for name, roles, password in [
        ("Has Space", ["author"], None),
        ("ok", ["editor"], None),
        ("ok", [], None),
        ("ok", ["author"], "short"),
    ]:
        with pytest.raises(errors.UsageError):
            accounts.add_user(store, name, roles, password=password, now=T0)


# ------------------------------------------------------------------------------- the CLI


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBLISHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PUBLISHER_APP_URL", "https://comms.example.police.uk/")
    return tmp_path


def test_users_commands(env: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(
        cli, ["users", "add", "sam", "--role", "author", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    assert "user sam: author" in added.output
    assert PASSWORD not in added.output
    second = runner.invoke(cli, ["users", "add", "jo", "--role", "approver", "--role", "operator"])
    assert second.exit_code == 0 and "users link jo" in second.output
    again = runner.invoke(cli, ["users", "add", "jo", "--role", "author"])
    assert again.exit_code == 4 and again.output.startswith("error: there is already a user")
    listed = json.loads(runner.invoke(cli, ["users", "list", "--json"]).output)
    assert [(u["name"], u["roles"], u["has_password"]) for u in listed] == [
        ("jo", ["approver", "operator"], False),
        ("sam", ["author"], True),
    ]
    token = runner.invoke(cli, ["users", "token", "sam"]).output.strip()
    assert token.startswith("pub_")
    link = runner.invoke(cli, ["users", "link", "jo"]).output.strip()
    assert link.startswith("https://comms.example.police.uk/sign-in/link/")
    assert runner.invoke(cli, ["users", "disable", "sam"]).exit_code == 0
    assert "disabled" in runner.invoke(cli, ["users", "list"]).output
    refused = runner.invoke(cli, ["users", "token", "sam"])
    assert refused.exit_code == 4 and "disabled" in refused.output
    missing = runner.invoke(cli, ["users", "disable", "nobody"])
    assert missing.exit_code == 3
    bad = runner.invoke(
        cli, ["users", "add", "x", "--role", "author", "--password-stdin"], input="short\n"
    )
    assert bad.exit_code == 2 and "at least 12" in bad.output
