"""The scheduling and operator commands, registered into the main ``publisher`` group.

``register(cli)`` adds: migrate, worker, beat, site, run, import, schedule, update, resolve,
withdraw, deliveries, retry, cancel, confirm, status. Every command is a thin layer over
``publisher.services``; heavy modules are imported inside the commands so ``publisher --help``
stays fast. The project's own errors (PublisherError) become one line on stderr and their exit
code, whichever group the commands are registered in.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import click

from publisher.errors import Problem, PublisherError
from publisher.settings import Settings

if TYPE_CHECKING:
    from publisher.bootstrap import Registry
    from publisher.domain.record import Appeal
    from publisher.store import Store

__all__ = ["DISPLAY_TZ", "register"]

DISPLAY_TZ = ZoneInfo("Europe/London")
DELIVERY_STATES = (
    "scheduled",
    "claimed",
    "sending",
    "published",
    "failed",
    "unknown",
    "cancelled",
    "superseded",
)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _errors_to_exit(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """PublisherError → ``error: …`` on stderr and its exit code (also outside PublisherGroup)."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except PublisherError as exc:
            for line in exc.format_message().splitlines():
                click.echo(f"error: {line}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def _now() -> datetime:
    return datetime.now(UTC)


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M %Z")


def _settings() -> Settings:
    return Settings.from_env()


def _store(settings: Settings, *, migrate: bool = True) -> Store:
    """The store; the embedded SQLite database is created and migrated on first use.

    PostgreSQL (shared by several machines) is migrated only by ``publisher migrate``, so that
    two processes never race on a schema change.
    """
    from publisher.store import Store

    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)
    if migrate and store.dialect == "sqlite":
        store.migrate()
    return store


def _warn(problems: Iterable[Problem | str]) -> None:
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)


def _load(paths: Sequence[Path]) -> list[Appeal]:
    """Every appeal in ``paths`` (files or folders), warnings printed; errors raise."""
    from publisher.importers import find_inputs, load_appeal

    appeals = []
    for path in find_inputs(list(paths)):
        result = load_appeal(path)
        _warn(result.warnings)
        appeals.append(result.appeal)
    return appeals


class NotReadyToPublish(PublisherError):
    """An appeal has accessibility or safety errors: it must not be scheduled."""


def _lint_gate(appeals: Sequence[Appeal], registry: Registry) -> None:
    """Refuse to schedule appeals with lint errors (listed); count the warnings."""
    from publisher.lint import lint_appeal, lint_renditions

    errors: list[str] = []
    for appeal in appeals:
        renditions = [
            registry.get(name).render(appeal, registry.context)
            for name in registry.names
            if name not in ("web", "feeds", "text")
        ]
        findings = [*lint_appeal(appeal), *lint_renditions(appeal, renditions)]
        warnings = sum(1 for f in findings if f.severity != "error")
        for finding in findings:
            if finding.severity == "error":
                where = appeal.source or appeal.id
                errors.append(f"{where}: [{finding.code}] {finding.message} (fix: {finding.fix})")
        if warnings:
            click.echo(
                f"warning: {appeal.id}: {warnings} accessibility warning(s); "
                "`publisher check FILE` lists them",
                err=True,
            )
    if errors:
        raise NotReadyToPublish("not scheduled: fix these errors first\n" + "\n".join(errors))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def _channels_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--channel",
        "-c",
        "channels",
        multiple=True,
        required=True,
        help="A channel to publish to (repeat for several): web, feeds, text, x, or a plug-in.",
    )(func)


def _check_channels(registry: Registry, channels: Sequence[str]) -> list[str]:
    unknown = [c for c in channels if c not in registry.names]
    if unknown:
        raise click.BadParameter(
            f"unknown channel(s) {', '.join(unknown)}; known: {', '.join(registry.names)}",
            param_hint="--channel",
        )
    return list(dict.fromkeys(channels))


# --------------------------------------------------------------------------- processes


@click.command()
@_errors_to_exit
def migrate() -> None:
    """Create or upgrade the database schema (DATABASE_URL)."""
    settings = _settings()
    store = _store(settings, migrate=False)
    store.migrate()
    click.echo(f"Database is up to date: {store.engine.url.render_as_string(hide_password=True)}")


@click.command()
@click.option("--concurrency", "-c", type=click.IntRange(1), default=2, show_default=True)
@click.option("--loglevel", "-l", default="info", show_default=True)
@_errors_to_exit
def worker(concurrency: int, loglevel: str) -> None:
    """Run a Celery worker: publishes the deliveries the dispatcher hands out.

    Safe to stop at any moment, even with SIGKILL: a delivery whose publication was cut short is
    returned to the schedule (or, for X, marked unknown for a person to confirm) by the reconciler.
    """
    from publisher.entrypoints.processes import run_worker

    settings = _settings()
    _store(settings).dispose()  # the embedded SQLite database is created on first use
    sys.exit(run_worker(settings, concurrency=concurrency, loglevel=loglevel))


@click.command()
@click.option("--loglevel", "-l", default="info", show_default=True)
@_errors_to_exit
def beat(loglevel: str) -> None:
    """Run Celery beat: the dispatcher tick (DISPATCH_INTERVAL) and the reconciler. Run one only."""
    from publisher.entrypoints.processes import run_beat

    sys.exit(run_beat(_settings(), loglevel=loglevel))


@click.command()
@_errors_to_exit
def site() -> None:
    """Serve OUTPUT_DIR over HTTP on PUBLISHER_WEB_HOST:PUBLISHER_WEB_PORT (for one machine)."""
    from publisher.entrypoints.processes import run_site

    sys.exit(run_site(_settings()))


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--concurrency", type=click.IntRange(1), default=2, show_default=True)
@_errors_to_exit
def run(inputs: tuple[Path, ...], concurrency: int) -> None:
    """Run everything on this machine: the site server, a worker and beat. Ctrl-C stops them.

    With INPUTS (appeal files or folders), imports them first and publishes each new appeal now
    on every channel. X posts go to the dry-run outbox when no X credentials are set.
    """
    from publisher.bootstrap import build_registry
    from publisher.entrypoints.processes import ChildSpec, Supervisor, child_argv, wait_for_port

    settings = _settings()
    store = _store(settings, migrate=False)
    store.migrate()
    if inputs:
        registry = build_registry(settings)
        appeals = _load(inputs)
        _lint_gate(appeals, registry)
        _import_and_publish(store, registry, appeals)
    store.dispose()

    supervisor = Supervisor(
        children=[
            ChildSpec("site", child_argv("site")),
            ChildSpec("worker", child_argv("worker", "--concurrency", str(concurrency))),
            ChildSpec("beat", child_argv("beat")),
        ]
    )

    def ready() -> None:
        """Say where to look once the site answers (if it dies instead, the supervisor says)."""
        host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "::", "") else settings.web_host
        if wait_for_port(
            host,
            settings.web_port,
            timeout=15,
            while_=lambda: supervisor.alive("site") and not supervisor.stopping(),
        ):
            click.echo(
                f"Site: http://{host}:{settings.web_port}/  "
                f"Outbox: {settings.outbox_dir}  "
                "Operators: publisher deliveries / publisher status"
            )

    sys.exit(supervisor.run(ready=ready))


def _import_and_publish(store: Store, registry: Registry, appeals: Sequence[Appeal]) -> None:
    """Import each appeal (a changed file becomes a new revision and republishes what is
    published); publish it now on every channel it is not already on or due on."""
    from publisher import services

    now = _now()
    ended = {"cancelled", "superseded", "failed"}
    for appeal in appeals:
        try:
            services.current_appeal(store, appeal.id)
        except services.UnknownAppeal:
            revision = services.import_appeal(store, appeal, actor="run", now=now)
        else:
            revision = services.update_appeal(
                store, appeal, actor="run", now=now, registry=registry
            )
        seen = {
            d.channel
            for d in services.list_deliveries(store, now=now, appeal_id=appeal.id)
            if d.state not in ended
        }
        missing = [name for name in registry.names if name not in seen]
        if missing:
            ids = services.publish_now(store, appeal.id, missing, actor="run", now=now)
            click.echo(
                f"{appeal.id}: revision {revision}, publishing now on {', '.join(missing)} "
                f"(deliveries {_ids(ids)})"
            )
        else:
            click.echo(f"{appeal.id}: revision {revision}, already on every channel")


# --------------------------------------------------------------------------- appeals


@click.command("import")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_errors_to_exit
def import_(inputs: tuple[Path, ...]) -> None:
    """Import appeal files (or folders of them) into the database. Prints each revision."""
    from publisher import services

    settings = _settings()
    appeals = _load(inputs)
    store = _store(settings)
    for appeal in appeals:
        revision = services.import_appeal(store, appeal, actor="cli", now=_now())
        click.echo(f"{appeal.id}: revision {revision}")


def _appeal_id(store: Store, registry: Registry, ref: str) -> str:
    """An appeal id from ``ref``: an appeal file (checked, then imported) or the id of a stored
    appeal (checked). Lint errors refuse the schedule."""
    from publisher import services

    path = Path(ref)
    if path.exists():
        appeals = _load([path])
        if len(appeals) != 1:
            raise click.BadParameter(
                f"{ref} holds {len(appeals)} appeals; schedule one at a time",
                param_hint="APPEAL",
            )
        _lint_gate(appeals, registry)
        revision = services.import_appeal(store, appeals[0], actor="cli", now=_now())
        click.echo(f"{appeals[0].id}: revision {revision}")
        return appeals[0].id
    _lint_gate([services.current_appeal(store, ref)], registry)  # UnknownAppeal names the id
    return ref


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
@_errors_to_exit
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
) -> None:
    """Schedule APPEAL (a file, imported first, or a stored appeal's id) on channels.

    Times are wall-clock times in --tz: a repeat stays at the same local time across clock
    changes.
    """
    from publisher import services
    from publisher.bootstrap import build_registry
    from publisher.domain import campaign as rules

    if (at is None) == (not now_flag):
        raise click.UsageError("give exactly one of --at TIME or --now")
    if now_flag and (every or until):
        raise click.UsageError("--every and --until need --at")
    settings = _settings()
    registry = build_registry(settings)
    names = _check_channels(registry, channels)
    zone = rules.zone(tz)  # raises ScheduleError naming an unknown zone
    now = _now()
    times: list[datetime] = []
    if at is not None and not (at.strip().lower() == "now" and not every):

        def warn(message: str) -> None:
            click.echo(f"warning: {message}", err=True)

        start = rules.parse_when(at, tz=zone, now=now, warn=warn)
        times = rules.expand_rule(
            start,
            every=rules.parse_every(every) if every else None,
            until=rules.parse_until(until, tz=zone, now=now, warn=warn) if until else None,
            tz=zone,
            warn=warn,
        )
    store = _store(settings)
    appeal_id = _appeal_id(store, registry, appeal)
    if not times:
        ids = services.publish_now(store, appeal_id, names, target=target, actor="cli", now=now)
        click.echo(f"Publishing {appeal_id} now on {', '.join(names)}: deliveries {_ids(ids)}")
        return
    ids = services.schedule(
        store, appeal_id, names, times, target=target, campaign=campaign, actor="cli", now=now
    )
    click.echo(f"Scheduled {appeal_id} on {', '.join(names)} at {len(times)} time(s):")
    for moment in times:
        click.echo(f"  {_local(moment)}")
    click.echo(f"Deliveries {_ids(ids)}")


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in ids) or "none"


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--announce", is_flag=True, help="Also post an UPDATE reply on X.")
@_errors_to_exit
def update(file: Path, announce: bool) -> None:
    """Store a new revision of an appeal from FILE and republish what is already published."""
    from publisher import services
    from publisher.bootstrap import build_registry

    settings = _settings()
    registry = build_registry(settings)
    (appeal,) = _load([file])
    _lint_gate([appeal], registry)
    store = _store(settings)
    revision = services.update_appeal(
        store, appeal, actor="cli", now=_now(), social_update=announce, registry=registry
    )
    click.echo(f"{appeal.id}: revision {revision}")


@click.command()
@click.argument("appeal_id")
@click.option("--resolution", required=True, help='e.g. "Found safe and well. Thank you."')
@click.option("--announce", is_flag=True, help="Also post the resolution as a reply on X.")
@_errors_to_exit
def resolve(appeal_id: str, resolution: str, announce: bool) -> None:
    """Mark an appeal resolved: personal details and photo come down, pending posts cancelled."""
    from publisher import services
    from publisher.bootstrap import build_registry

    settings = _settings()
    revision = services.resolve_appeal(
        _store(settings),
        appeal_id,
        resolution,
        actor="cli",
        now=_now(),
        social_update=announce,
        registry=build_registry(settings),
    )
    click.echo(f"{appeal_id}: resolved (revision {revision})")


@click.command()
@click.argument("appeal_id")
@_errors_to_exit
def withdraw(appeal_id: str) -> None:
    """Withdraw an appeal: removed from the site, feeds and text; pending deliveries cancelled."""
    from publisher import services
    from publisher.bootstrap import build_registry

    settings = _settings()
    services.withdraw_appeal(
        _store(settings), appeal_id, actor="cli", now=_now(), registry=build_registry(settings)
    )
    click.echo(f"{appeal_id}: withdrawn")


# --------------------------------------------------------------------------- operators


@click.command()
@click.option(
    "--state", "states", multiple=True, type=click.Choice(DELIVERY_STATES), help="Repeatable."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for machines.")
@_errors_to_exit
def deliveries(states: tuple[str, ...], as_json: bool) -> None:
    """List deliveries: when they are due (UK time), their state, attempts and last error."""
    from publisher import services

    store = _store(_settings())
    views = services.list_deliveries(store, states=list(states) or None, now=_now())
    if as_json:
        click.echo(json.dumps(_jsonable(list(views)), indent=2, ensure_ascii=False))
        return
    if not views:
        click.echo("No deliveries.")
        return
    rows = [("ID", "APPEAL", "CHANNEL", "DUE", "STATE", "TRIES", "LAST ERROR", "LINK")]
    for v in views:
        channel = v.channel if v.target == "default" else f"{v.channel}:{v.target}"
        if v.part:
            channel += f"#{v.part}"
        state = f"{v.state} OVERDUE" if v.overdue else v.state
        error = (v.last_error or "").replace("\n", " ")
        if len(error) > 60:
            error = error[:59] + "…"
        rows.append(
            (
                str(v.id),
                v.appeal_id,
                channel,
                _local(v.due_at),
                state,
                str(v.attempts),
                error,
                v.remote_url or v.remote_id or "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@click.command()
@click.argument("delivery_id", type=int)
@_errors_to_exit
def retry(delivery_id: int) -> None:
    """Schedule a failed or unknown delivery again, now."""
    from publisher import services

    services.retry(_store(_settings()), delivery_id, actor="cli")
    click.echo(f"delivery {delivery_id}: scheduled again")


@click.command()
@click.argument("delivery_id", type=int)
@_errors_to_exit
def cancel(delivery_id: int) -> None:
    """Cancel a delivery that has not been published."""
    from publisher import services

    services.cancel(_store(_settings()), delivery_id, actor="cli")
    click.echo(f"delivery {delivery_id}: cancelled")


@click.command()
@click.argument("delivery_id", type=int)
@click.option(
    "--published",
    "answer",
    flag_value="published",
    help="The post went out (look at the account).",
)
@click.option(
    "--not-published",
    "answer",
    flag_value="not-published",
    help="It did not go out: schedule it again.",
)
@click.option("--remote-id", help="The post's id on the platform, when it went out.")
@_errors_to_exit
def confirm(delivery_id: int, answer: str | None, remote_id: str | None) -> None:
    """Settle an unknown delivery: it went out (--published) or it did not (--not-published)."""
    from publisher import services

    if answer is None:
        raise click.UsageError("say what happened: --published or --not-published")
    published = answer == "published"
    if remote_id and not published:
        raise click.UsageError("--remote-id goes with --published")
    services.confirm(
        _store(_settings()), delivery_id, published=published, remote_id=remote_id, actor="cli"
    )
    click.echo(
        f"delivery {delivery_id}: "
        + ("confirmed published" if published else "not published; scheduled again")
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for machines.")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1),
    default=3.0,
    show_default=True,
    help="Seconds to wait for the broker and for a worker to answer.",
)
@_errors_to_exit
def status(as_json: bool, timeout: float) -> None:
    """Is publishing healthy? Exit 0 if so, 1 if not (for monitoring).

    Unhealthy: no dispatcher tick within three intervals, overdue deliveries, no worker
    answering, or a broker that cannot be reached.
    """
    from publisher import services
    from publisher.entrypoints.celery_app import probe_broker

    settings = _settings()
    store = _store(settings)
    probe = probe_broker(settings, timeout=timeout)
    report = services.system_status(
        store,
        now=_now(),
        broker_depth=probe.depth,
        workers_alive=probe.workers,
        dispatch_interval=settings.dispatch_interval,
    )
    payload: dict[str, Any] = _jsonable(report)
    problems = list(report.problems)
    if probe.depth is None and probe.error:
        problems.append(probe.error)  # no broker: the report above could not know
    healthy = report.healthy and probe.depth is not None and probe.workers != 0
    payload.update(healthy=healthy, problems=problems, broker=_jsonable(probe))
    if as_json:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo(_format_status(payload))
    sys.exit(0 if healthy else 1)


def _format_status(payload: dict[str, Any]) -> str:
    lines = [f"healthy: {'yes' if payload['healthy'] else 'NO'}"]
    lines += [f"problem: {problem}" for problem in payload["problems"]]
    tick = payload["last_tick"]
    age = payload["tick_age_seconds"]
    lines.append(
        "last dispatcher tick: "
        + (f"{_local(datetime.fromisoformat(tick))} ({age:.1f} s ago)" if tick else "never")
    )
    counts = payload["counts"]
    lines.append("deliveries: " + (", ".join(f"{k} {v}" for k, v in counts.items() if v) or "none"))
    lines.append(f"overdue: {payload['overdue']}")
    broker = payload["broker"]
    depth = "unknown" if broker["depth"] is None else broker["depth"]
    workers = "unknown" if broker["workers"] is None else broker["workers"]
    lines.append(
        f"broker ({broker['kind']}): {depth} message(s) waiting; workers answering: {workers}"
    )
    for channel in payload["disabled_channels"]:
        lines.append(f"disabled channel: {channel}")
    return "\n".join(lines)


COMMANDS: tuple[click.Command, ...] = (
    migrate,
    worker,
    beat,
    site,
    run,
    import_,
    schedule,
    update,
    resolve,
    withdraw,
    deliveries,
    retry,
    cancel,
    confirm,
    status,
)


def register(cli: click.Group) -> None:
    """Add the scheduling and operator commands to ``cli`` (the main ``publisher`` group)."""
    for command in COMMANDS:
        cli.add_command(command)
