"""The ``publisher`` command, its commands grouped by the people who use them:

- :mod:`~publisher.entrypoints.cli.authoring`: inspect, render, check, schema, build (files only);
- :mod:`~publisher.entrypoints.cli.comms`: import, schedule, update, resolve, withdraw;
- :mod:`~publisher.entrypoints.cli.approvals`: approve (as a named approver, or urgently);
- :mod:`~publisher.entrypoints.cli.operators`: deliveries, retry, cancel, confirm, enable, status;
- :mod:`~publisher.entrypoints.cli.processes`: migrate, worker, beat, site, run;
- :mod:`~publisher.entrypoints.cli.admin`: users (add, list, token, link, disable).

Every command parses, calls :mod:`publisher.services` and presents. A command's module is
imported only when that command runs (:class:`PublisherGroup` looks it up in :data:`LAZY`), and
heavy modules are imported inside the commands, so ``publisher inspect FILE`` loads the
importers and nothing of the database, the broker or the channels, and ``publisher --help``
lists every command from :data:`LAZY` alone. The project's own errors become one line on stderr
and their family's exit code (:mod:`publisher.errors`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from gettext import gettext as _
from typing import Any

import click

from publisher import __version__
from publisher.errors import PublisherError

__all__ = ["COMMANDS", "LAZY", "LazyCommand", "PublisherGroup", "cli", "main", "register"]

MODULES = ("authoring", "comms", "approvals", "operators", "processes", "admin")
"""The command modules under :mod:`publisher.entrypoints.cli`, in the order they are listed."""


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """Where a command lives and what ``publisher --help`` says of it before it is imported."""

    module: str
    """Its module under :mod:`publisher.entrypoints.cli`."""
    summary: str
    """The first paragraph of its help, which click shortens for the list of commands."""
    hidden: bool = False


LAZY: dict[str, LazyCommand] = {
    "inspect": LazyCommand("authoring", "Print FILE's canonical appeal record as JSON."),
    "render": LazyCommand("authoring", "Print one channel's rendition of FILE."),
    "build": LazyCommand(
        "authoring", "Build the whole static output from INPUTS (files or folders)."
    ),
    "check": LazyCommand(
        "authoring",
        "Check appeals for accessibility and safety problems before they are scheduled.",
    ),
    "schema": LazyCommand("authoring", "Print the JSON Schema of the appeal record."),
    "translate": LazyCommand(
        "authoring", "Mark FILE's translations as made from its current primary-language text."
    ),
    "import": LazyCommand(
        "comms", "Import appeal files (or folders of them) into the database. Prints each revision."
    ),
    "schedule": LazyCommand(
        "comms", "Schedule APPEAL (a file, imported first, or a stored appeal's id) on channels."
    ),
    "update": LazyCommand(
        "comms",
        "Store a new revision of an appeal from FILE and republish what is already published.",
    ),
    "resolve": LazyCommand(
        "comms",
        "Mark an appeal resolved: personal details and photo come down, pending posts cancelled.",
    ),
    "withdraw": LazyCommand(
        "comms",
        "Withdraw an appeal: removed from the site, feeds and text; pending deliveries cancelled.",
    ),
    "approve": LazyCommand(
        "approvals",
        "Approve the current revision of APPEAL_ID, so it can be scheduled and sent.",
    ),
    "deliveries": LazyCommand(
        "operators",
        "List deliveries: when they are due (UK time), their state, attempts, last error and link"
        " (the post, or the web page). `publisher deliveries show ID` shows one in full.",
    ),
    "retry": LazyCommand("operators", "Schedule a failed or unknown delivery again, now."),
    "cancel": LazyCommand("operators", "Cancel a delivery that has not been published."),
    "confirm": LazyCommand(
        "operators",
        "Settle an unknown delivery: it went out (--published, with its --remote-id or"
        " --remote-url) or it did not (--not-published). Exactly one of the two.",
    ),
    "channels": LazyCommand(
        "operators",
        "List the channels: enabled, disabled (why, since when) or rate limited (until when)."
        " `publisher channels enable NAME` re-enables one.",
    ),
    "enable": LazyCommand(
        "operators",
        "The same as `publisher channels enable` (kept for scripts written before it).",
        hidden=True,
    ),
    "audit": LazyCommand(
        "operators", "The audit trail, newest first: who did what, to what, and when."
    ),
    "status": LazyCommand("operators", "Is publishing healthy? Exits as monitoring plugins do."),
    "migrate": LazyCommand("processes", "Create or upgrade the database schema (DATABASE_URL)."),
    "worker": LazyCommand(
        "processes", "Run a Celery worker: publishes the deliveries the dispatcher hands out."
    ),
    "beat": LazyCommand(
        "processes",
        "Run Celery beat: the dispatcher tick (DISPATCH_INTERVAL) and the reconciler. Run one"
        " only.",
    ),
    "site": LazyCommand(
        "processes",
        "Serve OUTPUT_DIR over HTTP on PUBLISHER_WEB_HOST:PUBLISHER_WEB_PORT (for one machine).",
    ),
    "web": LazyCommand(
        "processes",
        "Serve the comms web app (and its JSON API under /api) on PUBLISHER_APP_HOST:PORT.",
    ),
    "run": LazyCommand(
        "processes",
        "Run everything on this machine: the site server, the web app, a worker and beat. Ctrl-C"
        " stops them.",
    ),
    "users": LazyCommand(
        "admin", "Add, list and disable the people who use the web app and the API."
    ),
}
"""Every command of ``publisher``: its module and its summary. ``tests/unit/test_cli_lazy.py``
checks that it matches the commands the modules define."""


def module_commands(module: str) -> tuple[click.Command, ...]:
    """The commands a command module defines (importing it)."""
    loaded = importlib.import_module(f"{__name__}.{module}")
    commands: tuple[click.Command, ...] = loaded.COMMANDS
    return commands


def load_command(name: str) -> click.Command | None:
    """The command called ``name``, its module imported; None if there is none."""
    entry = LAZY.get(name)
    if entry is None:
        return None
    for command in module_commands(entry.module):
        if command.name == name:
            return command
    raise LookupError(f"LAZY puts {name!r} in {entry.module!r}, which has no such command")


class PublisherGroup(click.Group):
    """The ``publisher`` group: commands imported when they are used (from :data:`LAZY`), and
    the project's own errors turned into one clear line on stderr and their exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None:
            command = load_command(cmd_name)
            if command is not None:
                self.add_command(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As :meth:`click.Group.format_commands`, but a command not yet imported is described
        from :data:`LAZY`, so the list costs no import."""
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                entry = LAZY[name]
                command = click.Command(name, help=entry.summary, hidden=entry.hidden)
            if not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

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


def all_commands() -> tuple[click.Command, ...]:
    """Every command, every command module imported, in the order of :data:`MODULES`."""
    return tuple(command for module in MODULES for command in module_commands(module))


def register(group: click.Group) -> None:
    """Add every command to ``group`` (importing every command module)."""
    for command in all_commands():
        group.add_command(command)


def __getattr__(name: str) -> Any:
    if name == "COMMANDS":  # kept for callers of the eager tuple; imports every module
        return all_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    cli(prog_name="publisher")
