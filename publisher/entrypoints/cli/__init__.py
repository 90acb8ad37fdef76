"""The ``publisher`` command, its commands grouped by the people who use them:

- :mod:`~publisher.entrypoints.cli.authoring`: inspect, render, check, schema, build (files only);
- :mod:`~publisher.entrypoints.cli.comms`: import, schedule, update, resolve, withdraw;
- :mod:`~publisher.entrypoints.cli.approvals`: approve (as a named approver, or urgently);
- :mod:`~publisher.entrypoints.cli.operators`: deliveries, retry, cancel, confirm, enable, status;
- :mod:`~publisher.entrypoints.cli.processes`: migrate, worker, beat, site, run;
- :mod:`~publisher.entrypoints.cli.admin`: users (add, list, token, link, disable).

Every command parses, calls :mod:`publisher.services` and presents; heavy modules are imported
inside the commands so ``publisher --help`` stays fast. The project's own errors become one line
on stderr and their family's exit code (:mod:`publisher.errors`).
"""

from __future__ import annotations

from typing import Any

import click

from publisher import __version__
from publisher.entrypoints.cli import admin, approvals, authoring, comms, operators, processes
from publisher.errors import PublisherError

__all__ = ["COMMANDS", "cli", "main", "register"]

COMMANDS: tuple[click.Command, ...] = (
    *authoring.COMMANDS,
    *comms.COMMANDS,
    *approvals.COMMANDS,
    *operators.COMMANDS,
    *processes.COMMANDS,
    *admin.COMMANDS,
)


class PublisherGroup(click.Group):
    """Turns the project's own errors into one clear line on stderr and their exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PublisherError as exc:
            for line in exc.format_message().splitlines():
                click.echo(f"error: {line}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=PublisherGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher")
def cli() -> None:
    """Publish police appeals, advice and news from one record to every channel.

    One appeal file in (the seed format, Markdown with YAML front matter, or JSON);
    accessible web pages, RSS and Atom feeds, X posts and plain text out.

    Settings come from environment variables (see README): SITE_URL, OUTPUT_DIR, DATABASE_URL…
    """


def register(group: click.Group) -> None:
    """Add every command to ``group``."""
    for command in COMMANDS:
        group.add_command(command)


register(cli)


def main() -> None:
    cli(prog_name="publisher")
