"""The commands for comms staff: import appeals, schedule them, and change them everywhere at
once (update, resolve, withdraw). Each is a thin layer over :mod:`publisher.services`, which
refuses an appeal with accessibility or safety errors whatever the entry point. Each takes
``--json`` and then prints one JSON object on stdout (warnings stay on stderr)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from publisher.entrypoints.cli._common import (
    app,
    echo_json,
    errors_to_exit,
    ids,
    json_option,
    load,
    local,
    now,
)

if TYPE_CHECKING:
    from publisher.bootstrap import App
    from publisher.services.appeals import Readiness

__all__ = ["COMMANDS"]


def _channels_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--channel",
        "-c",
        "channels",
        multiple=True,
        required=True,
        help="A channel to publish to (repeat for several): web, feeds, text, x, or a plug-in.",
    )(func)


def _checked_channels(wired: App, channels: tuple[str, ...]) -> list[str]:
    unknown = [c for c in channels if c not in wired.registry.names]
    if unknown:
        raise click.BadParameter(
            f"unknown channel(s) {', '.join(unknown)}; known: {', '.join(wired.registry.names)}",
            param_hint="--channel",
        )
    return list(dict.fromkeys(channels))


def _say_ready(appeal_id: str, warnings: int) -> None:
    if warnings:
        click.echo(
            f"warning: {appeal_id}: {warnings} accessibility warning(s); "
            "`publisher check FILE` lists them",
            err=True,
        )


@click.command("import")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@json_option
@errors_to_exit
def import_(inputs: tuple[Path, ...], as_json: bool) -> None:
    """Import appeal files (or folders of them) into the database. Prints each revision."""
    from publisher import services

    appeals = load(inputs)
    store = app().store
    done: list[dict[str, Any]] = []
    for appeal in appeals:
        revision = services.import_appeal(store, appeal, actor="cli", now=now())
        done.append({"appeal_id": appeal.id, "revision": revision, "source": appeal.source})
        if not as_json:
            click.echo(f"{appeal.id}: revision {revision}")
    if as_json:
        echo_json({"appeals": done})


def _ready_appeal(wired: App, ref: str) -> tuple[Readiness, int | None]:
    """``ref`` is an appeal file (checked, then imported) or the id of a stored appeal
    (checked). An appeal with errors is refused before anything is stored or scheduled.
    Returns the checks' verdict and the revision imported (None for a stored appeal)."""
    from publisher import services

    path = Path(ref)
    if not path.exists():
        readiness = services.check_ready(services.current_appeal(wired.store, ref), wired.registry)
        return readiness, None
    appeals = load([path])
    if len(appeals) != 1:
        raise click.BadParameter(
            f"{ref} holds {len(appeals)} appeals; schedule one at a time", param_hint="APPEAL"
        )
    readiness = services.check_ready(appeals[0], wired.registry)
    revision = services.import_appeal(wired.store, appeals[0], actor="cli", now=now())
    return readiness, revision


@click.command()
@click.argument("appeal")
@_channels_option
@click.option("--at", "at", metavar="TIME", help='When: "07:15 06/11/2020", ISO 8601, or "now".')
@click.option("--now", "now_flag", is_flag=True, help="Publish as soon as possible.")
@click.option("--every", metavar="INTERVAL", help="Repeat: 3d, 12h, 90m, 1w (needs --until).")
@click.option("--until", metavar="TIME", help="The last repeat (inclusive).")
@click.option("--tz", default="Europe/London", show_default=True, help="Zone of --at/--until.")
@click.option("--target", default="default", show_default=True, help="The account to post as.")
@click.option("--campaign", metavar="SLUG", help="Name this schedule, to find it again.")
@json_option
@errors_to_exit
def schedule(
    appeal: str,
    channels: tuple[str, ...],
    at: str | None,
    now_flag: bool,
    every: str | None,
    until: str | None,
    tz: str,
    target: str,
    campaign: str | None,
    as_json: bool,
) -> None:
    """Schedule APPEAL (a file, imported first, or a stored appeal's id) on channels.

    Times are wall-clock times in --tz: a repeat stays at the same local time across clock
    changes.
    """
    from publisher import services
    from publisher.domain import campaign as rules

    if (at is None) == (not now_flag):
        raise click.UsageError("give exactly one of --at TIME or --now")
    if now_flag and (every or until):
        raise click.UsageError("--every and --until need --at")
    wired = app()
    names = _checked_channels(wired, channels)
    zone = rules.zone(tz)  # raises ScheduleError naming an unknown zone
    moment = now()

    def warn(message: str) -> None:
        click.echo(f"warning: {message}", err=True)

    times = rules.plan_times(at, every=every, until=until, tz=zone, now=moment, warn=warn)
    readiness, imported = _ready_appeal(wired, appeal)
    appeal_id = readiness.appeal_id
    if imported is not None and not as_json:
        click.echo(f"{appeal_id}: revision {imported}")
    if not times:
        numbers = services.publish_now(
            wired.store, wired.registry, appeal_id, names, target=target, actor="cli", now=moment
        )
    else:
        numbers = services.schedule(
            wired.store,
            wired.registry,
            appeal_id,
            names,
            times,
            target=target,
            campaign=campaign,
            actor="cli",
            now=moment,
            tz=tz,
        )
    _say_ready(appeal_id, readiness.warnings)
    if as_json:
        echo_json(
            {
                "appeal_id": appeal_id,
                "imported_revision": imported,
                "channels": names,
                "target": target,
                "now": not times,
                "times": times,
                "campaign": campaign if times else None,
                "deliveries": numbers,
                "warnings": readiness.warnings,
            }
        )
    elif not times:
        click.echo(f"Publishing {appeal_id} now on {', '.join(names)}: deliveries {ids(numbers)}")
    else:
        click.echo(f"Scheduled {appeal_id} on {', '.join(names)} at {len(times)} time(s):")
        for when in times:
            click.echo(f"  {local(when)}")
        click.echo(f"Deliveries {ids(numbers)}")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--announce", is_flag=True, help="Also post an UPDATE reply on X.")
@json_option
@errors_to_exit
def update(file: Path, announce: bool, as_json: bool) -> None:
    """Store a new revision of an appeal from FILE and republish what is already published."""
    from publisher import services

    wired = app()
    (appeal,) = load([file])
    revision = services.update_appeal(
        wired.store, appeal, wired.registry, actor="cli", now=now(), social_update=announce
    )
    if as_json:
        echo_json({"appeal_id": appeal.id, "revision": revision, "announce": announce})
    else:
        click.echo(f"{appeal.id}: revision {revision}")


@click.command()
@click.argument("appeal_id")
@click.option("--resolution", required=True, help='e.g. "Found safe and well. Thank you."')
@click.option("--announce", is_flag=True, help="Also post the resolution as a reply on X.")
@json_option
@errors_to_exit
def resolve(appeal_id: str, resolution: str, announce: bool, as_json: bool) -> None:
    """Mark an appeal resolved: personal details and photo come down, pending posts cancelled."""
    from publisher import services

    wired = app()
    revision = services.resolve_appeal(
        wired.store,
        appeal_id,
        resolution,
        wired.registry,
        actor="cli",
        now=now(),
        social_update=announce,
    )
    if as_json:
        echo_json(
            {
                "appeal_id": appeal_id,
                "revision": revision,
                "status": "resolved",
                "announce": announce,
            }
        )
    else:
        click.echo(f"{appeal_id}: resolved (revision {revision})")


@click.command()
@click.argument("appeal_id")
@json_option
@errors_to_exit
def withdraw(appeal_id: str, as_json: bool) -> None:
    """Withdraw an appeal: removed from the site, feeds and text; pending deliveries cancelled."""
    from publisher import services

    wired = app()
    services.withdraw_appeal(wired.store, appeal_id, wired.registry, actor="cli", now=now())
    if as_json:
        echo_json({"appeal_id": appeal_id, "status": "withdrawn"})
    else:
        click.echo(f"{appeal_id}: withdrawn")


COMMANDS: tuple[click.Command, ...] = (import_, schedule, update, resolve, withdraw)
