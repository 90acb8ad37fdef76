"""The commands for admins: the people who may use the web app and the API.

``publisher users add NAME --role ROLE [--password-stdin]``, ``users list``, ``users token NAME``
(a new API token, shown once), ``users link NAME`` (a one-time sign-in link, shown once),
``users disable NAME``.
"""

from __future__ import annotations

import json
import sys

import click

from publisher.entrypoints.cli._common import app, errors_to_exit, jsonable, local, now

__all__ = ["COMMANDS"]

ROLE_NAMES = ("author", "approver", "operator", "admin")


@click.group()
def users() -> None:
    """Add, list and disable the people who use the web app and the API."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLE_NAMES),
    help="Repeat for several roles.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (else: sign in first with `users link`).",
)
@errors_to_exit
def add(name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Add a user with these roles."""
    from publisher.services import accounts

    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    user = accounts.add_user(app().store, name, roles, password=password, actor="cli", now=now())
    click.echo(f"user {user.name}: {', '.join(user.role_names)}")
    if password is None:
        click.echo(f"No password yet: `publisher users link {user.name}` makes a sign-in link.")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for machines.")
@errors_to_exit
def list_(as_json: bool) -> None:
    """List the users, their roles and whether they are disabled."""
    from publisher.services import accounts

    found = accounts.list_users(app().store)
    if as_json:
        rows = [
            {
                "name": u.name,
                "roles": list(u.role_names),
                "disabled": u.disabled,
                "has_password": u.has_password,
                "created_at": jsonable(u.created_at),
            }
            for u in found
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not found:
        click.echo("No users.")
        return
    for u in found:
        state = "disabled" if u.disabled else ("active" if u.has_password else "no password yet")
        click.echo(f"{u.name}  {', '.join(u.role_names)}  {state}  since {local(u.created_at)}")


@users.command("token")
@click.argument("name")
@errors_to_exit
def token(name: str) -> None:
    """Print a new API token for NAME (send it as `Authorization: Bearer TOKEN`). It is shown
    only this once."""
    from publisher.services import accounts

    click.echo(accounts.issue_api_token(app().store, name, actor="cli", now=now()))


@users.command("link")
@click.argument("name")
@errors_to_exit
def link(name: str) -> None:
    """Print a one-time sign-in link for NAME, valid for 24 hours."""
    from publisher.services import accounts

    wired = app()
    secret = accounts.issue_sign_in_link(wired.store, name, actor="cli", now=now())
    click.echo(wired.settings.app_url.rstrip("/") + f"/sign-in/link/{secret}")


@users.command("disable")
@click.argument("name")
@errors_to_exit
def disable(name: str) -> None:
    """Disable NAME: signed out everywhere; their tokens and links stop working."""
    from publisher.services import accounts

    accounts.disable_user(app().store, name, actor="cli", now=now())
    click.echo(f"user {name}: disabled")


COMMANDS: tuple[click.Command, ...] = (users,)
