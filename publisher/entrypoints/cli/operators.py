"""The commands for operators: the ledger (deliveries), fixing a delivery (retry, cancel,
confirm), re-enabling a channel, and the health of the system (status)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click

from publisher.domain.delivery import DeliveryState
from publisher.entrypoints.cli._common import app, errors_to_exit, jsonable, local, now

__all__ = ["COMMANDS"]

DELIVERY_STATES = tuple(state.value for state in DeliveryState)


@click.command()
@click.option(
    "--state", "states", multiple=True, type=click.Choice(DELIVERY_STATES), help="Repeatable."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for machines.")
@errors_to_exit
def deliveries(states: tuple[str, ...], as_json: bool) -> None:
    """List deliveries: when they are due (UK time), their state, attempts and last error."""
    from publisher import services

    store = app().store
    views = services.list_deliveries(store, states=list(states) or None, now=now())
    if as_json:
        click.echo(json.dumps(jsonable(list(views)), indent=2, ensure_ascii=False))
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
                local(v.due_at),
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
@errors_to_exit
def retry(delivery_id: int) -> None:
    """Schedule a failed or unknown delivery again, now."""
    from publisher import services

    services.retry(app().store, delivery_id, actor="cli")
    click.echo(f"delivery {delivery_id}: scheduled again")


@click.command()
@click.argument("delivery_id", type=int)
@errors_to_exit
def cancel(delivery_id: int) -> None:
    """Cancel a delivery that has not been published."""
    from publisher import services

    services.cancel(app().store, delivery_id, actor="cli")
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
@errors_to_exit
def confirm(delivery_id: int, answer: str | None, remote_id: str | None) -> None:
    """Settle an unknown delivery: it went out (--published) or it did not (--not-published)."""
    from publisher import services

    if answer is None:
        raise click.UsageError("say what happened: --published or --not-published")
    published = answer == "published"
    if remote_id and not published:
        raise click.UsageError("--remote-id goes with --published")
    services.confirm(
        app().store, delivery_id, published=published, remote_id=remote_id, actor="cli"
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
@errors_to_exit
def status(as_json: bool, timeout: float) -> None:
    """Is publishing healthy? Exit 0 if so, 1 if not (for monitoring).

    Unhealthy: no dispatcher tick within three intervals, overdue deliveries, no worker
    answering, or a broker that cannot be reached.
    """
    from publisher import services
    from publisher.entrypoints.celery_app import probe_broker

    wired = app()
    settings = wired.settings
    store = wired.store
    probe = probe_broker(settings, timeout=timeout)
    report = services.system_status(
        store,
        now=now(),
        broker_depth=probe.depth,
        workers_alive=probe.workers,
        dispatch_interval=settings.dispatch_interval,
    )
    payload: dict[str, Any] = jsonable(report)
    problems = list(report.problems)
    if probe.depth is None and probe.error:
        problems.append(probe.error)  # no broker: the report above could not know
    healthy = report.healthy and probe.depth is not None and probe.workers != 0
    payload.update(healthy=healthy, problems=problems, broker=jsonable(probe))
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
        + (f"{local(datetime.fromisoformat(tick))} ({age:.1f} s ago)" if tick else "never")
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


@click.command()
@click.argument("channel")
@click.option("--target", default="default", show_default=True, help="The account.")
@errors_to_exit
def enable(channel: str, target: str) -> None:
    """Re-enable a channel that was disabled after its credentials were refused.

    Fix the credentials first (and restart the workers); then retry its failed deliveries.
    """
    from publisher import services

    services.enable_channel(app().store, channel, target, actor="cli", now=now())
    click.echo(f"channel {channel} (target {target!r}): enabled")


COMMANDS: tuple[click.Command, ...] = (deliveries, retry, cancel, confirm, enable, status)
