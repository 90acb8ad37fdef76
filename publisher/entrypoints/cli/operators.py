"""The commands for operators: the ledger (``deliveries``, ``deliveries show``), fixing a
delivery (retry, cancel, confirm), the channels (``channels``, ``channels enable``), the audit
trail (``audit``), and the health of the system (``status``).

They call the same services as the operators' console (:mod:`publisher.services.status`,
:mod:`publisher.services.operations`), so both say the same. Every command that changes
something takes ``--json`` and then prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from publisher.domain.delivery import DeliveryState
from publisher.entrypoints.cli._common import (
    app,
    echo_json,
    errors_to_exit,
    json_option,
    jsonable,
    local,
    now,
)

if TYPE_CHECKING:
    from publisher.bootstrap import App
    from publisher.services.status import DeliveryDetail

__all__ = ["COMMANDS", "DELIVERY_STATES"]

DELIVERY_STATES = tuple(state.value for state in DeliveryState)


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _one_line(text: str | None, width: int) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# ---------------------------------------------------------------------------------- deliveries


@click.group(invoke_without_command=True)
@click.option(
    "--state", "states", multiple=True, type=click.Choice(DELIVERY_STATES), help="Repeatable."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for machines.")
@click.pass_context
@errors_to_exit
def deliveries(ctx: click.Context, states: tuple[str, ...], as_json: bool) -> None:
    """List deliveries: when they are due (UK time), their state, attempts, last error and
    link (the post, or the web page). `publisher deliveries show ID` shows one in full."""
    if ctx.invoked_subcommand is not None:
        return
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
            channel += f" ({v.part_name})"
        state = f"{v.state} OVERDUE" if v.overdue else v.state
        rows.append(
            (
                str(v.id),
                v.appeal_id,
                channel,
                local(v.due_at),
                state,
                str(v.attempts),
                _one_line(v.last_error, 60),
                v.remote_url or v.remote_id or "",
            )
        )
    _table(rows)


def _detail_json(detail: DeliveryDetail) -> dict[str, Any]:
    payload: dict[str, Any] = jsonable(detail)
    for entry in payload["audit"]:
        text = entry.get("detail")
        if isinstance(text, str):
            try:
                entry["detail"] = json.loads(text)
            except ValueError:
                entry["detail"] = {"text": text}
    return payload


def _indented(label: str, text: str | None) -> list[str]:
    if not text:
        return []
    lines = text.splitlines() or [""]
    return [f"      {label}: {lines[0]}", *(f"        {line}" for line in lines[1:])]


def _format_detail(detail: DeliveryDetail) -> str:
    d = detail.delivery
    state = f"{d.state} (overdue)" if d.overdue else d.state
    fields = [
        ("appeal", f"{d.appeal_id} (revision {d.revision})"),
        ("channel", f"{d.channel} (target {d.target})" + (f", {d.part_name}" if d.part else "")),
        ("campaign", d.campaign or ""),
        ("due", local(d.due_at)),
        ("next attempt", local(d.next_attempt_at)),
        ("published", local(d.published_at)),
        ("attempts", str(d.attempts)),
        ("remote id", d.remote_id or ""),
        ("link", d.remote_url or ""),
    ]
    lines = [f"Delivery {d.id}: {state}"]
    lines += [f"  {name:<13}{value}" for name, value in fields if value]
    if d.last_error:
        first, *rest = d.last_error.splitlines() or [""]
        lines.append(f"  {'last error':<13}{first}")
        lines += [f"  {'':<13}{line}" for line in rest]
    lines.append("")
    lines.append("Attempts (oldest first):" if detail.attempts else "Attempts: none yet")
    for number, a in enumerate(detail.attempts, 1):
        finished = local(a.finished_at) or "not finished"
        lines.append(
            f"  #{number}  {local(a.started_at)} to {finished}: {a.outcome or 'no outcome yet'}"
        )
        lines += _indented("error", a.error)
        lines += _indented("response", a.response_summary)
    lines.append("")
    lines.append("Audit trail (oldest first):" if detail.audit else "Audit trail: nothing yet")
    for e in detail.audit:
        lines.append(f"  {local(e.at)}  {e.actor}  {e.action}  {e.detail or ''}".rstrip())
    if detail.alerts:
        lines.append("")
        lines.append("Alerts:")
        for alert in detail.alerts:
            status = alert.status
            if alert.delivered_at is not None:
                status += f" {local(alert.delivered_at)}"
            tries = "1 try" if alert.attempts == 1 else f"{alert.attempts} tries"
            line = f"  {local(alert.occurred_at)}  {alert.event}  {status}, {tries}"
            if alert.last_error:
                line += f": {alert.last_error}"
            lines.append(line)
    return "\n".join(lines)


@deliveries.command("show")
@click.argument("delivery_id", type=int)
@json_option
@errors_to_exit
def show(delivery_id: int, as_json: bool) -> None:
    """One delivery in full: every attempt (time, outcome, full error, response), its link,
    the audit trail and the alerts it raised."""
    from publisher import services

    detail = services.delivery_detail(app().store, delivery_id, now=now())
    if as_json:
        echo_json(_detail_json(detail))
    else:
        click.echo(_format_detail(detail))


# ------------------------------------------------------------------------------------ actions


def _moved(delivery_id: int, action: str, state: str, as_json: bool, text: str) -> None:
    if as_json:
        echo_json({"delivery_id": delivery_id, "action": action, "state": state})
    else:
        click.echo(f"delivery {delivery_id}: {text}")


@click.command()
@click.argument("delivery_id", type=int)
@json_option
@errors_to_exit
def retry(delivery_id: int, as_json: bool) -> None:
    """Schedule a failed or unknown delivery again, now."""
    from publisher import services

    state = services.retry(app().store, delivery_id, actor="cli")
    _moved(delivery_id, "retry", state, as_json, "scheduled again")


@click.command()
@click.argument("delivery_id", type=int)
@json_option
@errors_to_exit
def cancel(delivery_id: int, as_json: bool) -> None:
    """Cancel a delivery that has not been published."""
    from publisher import services

    state = services.cancel(app().store, delivery_id, actor="cli")
    _moved(delivery_id, "cancel", state, as_json, "cancelled")


@click.command()
@click.argument("delivery_id", type=int)
@click.option("--published", is_flag=True, help="The post went out (look at the account).")
@click.option("--not-published", is_flag=True, help="It did not go out: schedule it again.")
@click.option("--remote-id", help="The post's id on the platform (with --published).")
@click.option("--remote-url", help="The post's link, https://… (with --published).")
@json_option
@errors_to_exit
def confirm(
    delivery_id: int,
    published: bool,
    not_published: bool,
    remote_id: str | None,
    remote_url: str | None,
    as_json: bool,
) -> None:
    """Settle an unknown delivery: it went out (--published, with its --remote-id or
    --remote-url) or it did not (--not-published). Exactly one of the two."""
    from publisher import services

    if published == not_published:
        raise click.UsageError(
            "say what happened: exactly one of --published or --not-published"
            + (" (not both)" if published else "")
        )
    remote_id = (remote_id or "").strip() or None
    remote_url = (remote_url or "").strip() or None
    if not_published and (remote_id or remote_url):
        raise click.UsageError(
            "--remote-id and --remote-url go with --published: it did not go out, so it has "
            "no id or link"
        )
    if published and not (remote_id or remote_url):
        raise click.UsageError(
            "--published needs the post's --remote-id or --remote-url (look at the account)"
        )
    if remote_url and not remote_url.lower().startswith(("https://", "http://")):
        raise click.BadParameter(
            "give a link starting https:// or http://", param_hint="--remote-url"
        )
    state = services.confirm(
        app().store,
        delivery_id,
        published=published,
        remote_id=remote_id,
        remote_url=remote_url,
        actor="cli",
    )
    _moved(
        delivery_id,
        "confirm",
        state,
        as_json,
        "confirmed published" if published else "not published; scheduled again",
    )


# ------------------------------------------------------------------------------------ channels


def _channel_rows(wired: App, at: datetime) -> list[dict[str, Any]]:
    """Every channel this deployment has, and every channel/target with a recorded status."""
    from publisher import services

    statuses = {(s.channel, s.target): s for s in services.channel_statuses(wired.store)}
    keys = sorted(set(statuses) | {(name, "default") for name in wired.registry.names})
    rows: list[dict[str, Any]] = []
    for channel, target in keys:
        found = statuses.get((channel, target))
        limited = None if found is None else found.rate_limited_until
        if limited is not None and limited <= at:
            limited = None
        if found is not None and found.disabled:
            status = "disabled"
        elif limited is not None:
            status = "rate-limited"
        else:
            status = "enabled"
        rows.append(
            {
                "channel": channel,
                "target": target,
                "status": status,
                "disabled": status == "disabled",
                "reason": None if found is None or not found.disabled else found.reason,
                "since": None if found is None else found.since,
                "rate_limited_until": limited,
                "known": channel in wired.registry.names,
            }
        )
    return rows


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for machines.")
@click.pass_context
@errors_to_exit
def channels(ctx: click.Context, as_json: bool) -> None:
    """List the channels: enabled, disabled (why, since when) or rate limited (until when).
    `publisher channels enable NAME` re-enables one."""
    if ctx.invoked_subcommand is not None:
        return
    rows = _channel_rows(app(), now())
    if as_json:
        echo_json(rows)
        return
    table = [("CHANNEL", "TARGET", "STATUS", "SINCE", "REASON")]
    for row in rows:
        status = row["status"]
        if status == "rate-limited":
            status = f"rate limited until {local(row['rate_limited_until'])}"
        if not row["known"]:
            status += " (not in this deployment)"
        since = local(row["since"]) if row["status"] == "disabled" else ""
        table.append((row["channel"], row["target"], status, since, _one_line(row["reason"], 70)))
    _table(table)


def _enable(channel: str, target: str, as_json: bool) -> None:
    from publisher import services

    wired = app()
    before = {(r["channel"], r["target"]): r for r in _channel_rows(wired, now())}
    was = before.get((channel, target))
    if was is None:
        known = ", ".join(sorted({c for c, _ in before}))
        raise click.BadParameter(
            f"no channel {channel!r} with target {target!r}; channels: {known}",
            param_hint="NAME",
        )
    services.enable_channel(wired.store, channel, target, actor="cli", now=now())
    if as_json:
        echo_json(
            {
                "channel": channel,
                "target": target,
                "status": "enabled",
                "was_disabled": was["disabled"],
                "reason": was["reason"],
                "since": was["since"] if was["disabled"] else None,
            }
        )
        return
    if was["disabled"]:
        click.echo(
            f"channel {channel} (target {target!r}): enabled; it was disabled since "
            f"{local(was['since'])}: {was['reason'] or 'no reason recorded'}"
        )
        click.echo("Retry its failed deliveries: publisher deliveries --state failed")
    else:
        click.echo(f"channel {channel} (target {target!r}): enabled (it was not disabled)")


@channels.command("enable")
@click.argument("name")
@click.option("--target", default="default", show_default=True, help="The account.")
@json_option
@errors_to_exit
def channels_enable(name: str, target: str, as_json: bool) -> None:
    """Re-enable channel NAME, disabled after its credentials were refused.

    Fix the credentials first (and restart the workers); then retry its failed deliveries.
    """
    _enable(name, target, as_json)


@click.command(hidden=True)
@click.argument("channel")
@click.option("--target", default="default", show_default=True, help="The account.")
@json_option
@errors_to_exit
def enable(channel: str, target: str, as_json: bool) -> None:
    """The same as `publisher channels enable` (kept for scripts written before it)."""
    _enable(channel, target, as_json)


# --------------------------------------------------------------------------------------- audit


@click.command()
@click.option("--appeal", "appeal_id", metavar="ID", help="Only this appeal and its deliveries.")
@click.option("--delivery", "delivery_id", type=int, metavar="ID", help="Only this delivery.")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--before", "before_id", type=int, metavar="N", help="Older than entry N (paging).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for machines.")
@errors_to_exit
def audit(
    appeal_id: str | None,
    delivery_id: int | None,
    limit: int,
    before_id: int | None,
    as_json: bool,
) -> None:
    """The audit trail, newest first: who did what, to what, and when."""
    from publisher import services

    page = services.audit_log(
        app().store,
        appeal_id=appeal_id,
        subject=None if delivery_id is None else f"delivery:{delivery_id}",
        limit=limit,
        before_id=before_id,
    )
    if as_json:
        echo_json({"entries": list(page.entries), "next_before": page.next_before})
        return
    if not page.entries:
        click.echo("Nothing in the audit trail.")
        return
    rows = [("ID", "WHEN", "WHO", "WHAT", "SUBJECT", "DETAIL")]
    for e in page.entries:
        detail = "" if e.detail is None else json.dumps(e.detail, sort_keys=True, default=str)
        rows.append((str(e.id), local(e.at), e.actor, e.action, e.subject, _one_line(detail, 80)))
    _table(rows)
    if page.next_before is not None:
        click.echo(f"More: publisher audit --before {page.next_before}")


# -------------------------------------------------------------------------------------- status


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
    """Is publishing healthy? Exits as monitoring plugins do.

    0: all is well. 1: something needs a person (an unknown or failed delivery, an overdue
    one, a disabled channel). 2: the system is down (no recent dispatcher tick, no worker
    answering, the broker or the database unreachable).
    """
    from publisher import services
    from publisher.entrypoints.celery_app import probe_broker

    wired = app()
    settings = wired.settings
    probe = probe_broker(settings, timeout=timeout)
    report = services.system_status(
        wired.store,
        now=now(),
        broker_depth=probe.depth,
        workers_alive=probe.workers,
        broker_error=probe.error if probe.depth is None else None,
        dispatch_interval=settings.dispatch_interval,
    )
    payload: dict[str, Any] = jsonable(report)
    payload.update(exit_code=report.exit_code, broker=jsonable(probe))
    if as_json:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo(_format_status(payload))
    sys.exit(report.exit_code)


def _format_status(payload: dict[str, Any]) -> str:
    lines = [
        f"healthy: {'yes' if payload['healthy'] else 'NO'}",
        f"status: {payload['status']} (exit {payload['exit_code']})",
    ]
    lines += [f"down: {problem}" for problem in payload["down"]]
    lines += [f"needs a person: {problem}" for problem in payload["attention"]]
    tick = payload["last_tick"]
    age = payload["tick_age_seconds"]
    lines.append(
        "last dispatcher tick: "
        + (f"{local(datetime.fromisoformat(tick))} ({age:.1f} s ago)" if tick else "never")
    )
    if payload["database_error"]:
        lines.append("deliveries: unknown (the database cannot be reached)")
    else:
        counts = payload["counts"]
        lines.append(
            "deliveries: " + (", ".join(f"{k} {v}" for k, v in counts.items() if v) or "none")
        )
        lines.append(f"overdue: {payload['overdue']}")
    broker = payload["broker"]
    depth = "unknown" if broker["depth"] is None else broker["depth"]
    workers = "unknown" if broker["workers"] is None else broker["workers"]
    lines.append(
        f"broker ({broker['kind']}): {depth} message(s) waiting; workers answering: {workers}"
    )
    for channel in payload["disabled_channels"]:
        lines.append(f"disabled channel: {channel}")
    if payload["undelivered_alerts"]:
        lines.append(
            f"alerts not delivered to the alert webhook: {payload['undelivered_alerts']} "
            "(see the operators' console)"
        )
    return "\n".join(lines)


COMMANDS: tuple[click.Command, ...] = (
    deliveries,
    retry,
    cancel,
    confirm,
    channels,
    enable,
    audit,
    status,
)
