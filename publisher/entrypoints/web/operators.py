"""The operators' console: the ledger in the browser (role operator).

``/operations`` is the dashboard (and ``/operations/status.json``, what its script polls);
``/deliveries`` the filtered table, ``/deliveries/{id}`` one delivery with its attempts and audit
trail. Every action (retry, cancel, confirm, bulk retry of the failed, re-enable a channel) is a
GET confirmation page and a POST form with the CSRF token; the services decide, and their
refusals are shown as GOV.UK error summaries.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from publisher import services
from publisher.domain.accounts import Role
from publisher.domain.delivery import DeliveryState
from publisher.entrypoints.web import security
from publisher.entrypoints.web.monitoring import broker_probe
from publisher.entrypoints.web.pages import page
from publisher.entrypoints.web.security import wired
from publisher.errors import InvalidTransition
from publisher.services import alerts
from publisher.services.accounts import CurrentSession

__all__ = ["local", "percentile", "router", "safe_link"]

LONDON = ZoneInfo("Europe/London")
NEEDS_A_PERSON = (DeliveryState.UNKNOWN.value, DeliveryState.FAILED.value)

router = APIRouter(include_in_schema=False)
Operator = Annotated[CurrentSession, Depends(security.role(Role.OPERATOR))]


def local(moment: datetime | None) -> str:
    """A time in UK local time, with its zone (GMT or BST)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).strftime("%H:%M:%S %d/%m/%Y %Z")


def safe_link(url: str | None) -> str | None:
    """``url`` if it is an http(s) link (to render as a link), None otherwise."""
    if url and url.lower().startswith(("https://", "http://")) and " " not in url:
        return url
    return None


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _page(
    request: Request,
    template: str,
    current: CurrentSession,
    *,
    title: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return page(
        request,
        template,
        title=title,
        current=current,
        status_code=status_code,
        local=local,
        safe_link=safe_link,
        **context,
    )


# ----------------------------------------------------------------------------------- dashboard


def _dashboard(request: Request) -> dict[str, Any]:
    app = wired(request)
    now = datetime.now(UTC)
    probe = broker_probe(request)
    report = services.system_status(
        app.store,
        now=now,
        broker_depth=probe.depth,
        workers_alive=probe.workers,
        broker_error=probe.error if probe.depth is None else None,
        dispatch_interval=app.settings.dispatch_interval,
    )
    figures = services.ledger_figures(app.store, now=now)
    attention = services.find_deliveries(app.store, states=NEEDS_A_PERSON, now=now, limit=100)
    attention.sort(key=lambda v: (NEEDS_A_PERSON.index(v.state), v.due_at))
    overdue = [
        v
        for v in services.find_deliveries(
            app.store, states=[DeliveryState.SCHEDULED.value], now=now, limit=500
        )
        if v.overdue
    ]
    channels = sorted(set(app.registry.names) | {c for _, c in figures.by_state_channel})
    statuses = {(s.channel, s.target): s for s in services.channel_statuses(app.store)}
    p50, p99 = percentile(figures.lateness, 0.5), percentile(figures.lateness, 0.99)
    return {
        "at": now,
        "healthy": report.healthy,
        "status": report.status,
        "problems": list(report.problems),
        "alerts_configured": app.settings.alerts_configured,
        "undelivered_alerts": alerts.undelivered_alerts(app.store, limit=20),
        "undelivered_count": report.undelivered_alerts,
        "states": [s.value for s in DeliveryState],
        "channels": channels,
        "counts": figures.by_state_channel,
        "totals": report.counts,
        "due_soon": figures.due_soon,
        "overdue": overdue,
        "attention": attention,
        "last_tick": report.last_tick,
        "tick_age": report.tick_age_seconds,
        "workers": probe.workers,
        "depth": probe.depth,
        "statuses": sorted(statuses.values(), key=lambda s: (s.channel, s.target)),
        "published_last_hour": len(figures.lateness),
        "p50": p50,
        "p99": p99,
    }


def _seconds(value: float | None) -> str:
    return "none published" if value is None else f"{value:.1f} s"


@router.get("/operations")
async def operations(request: Request, current: Operator, enabled: str = "") -> HTMLResponse:
    data = await run_in_threadpool(_dashboard, request)
    return _page(
        request,
        "operations.html",
        current,
        title="Operations",
        seconds=_seconds,
        enabled=enabled[:300],
        **data,
    )


@router.get("/operations/status.json")
async def operations_json(request: Request, current: Operator) -> JSONResponse:
    """What the dashboard's script polls: the same figures, as text ready to show."""
    data = await run_in_threadpool(_dashboard, request)
    return JSONResponse(
        {
            "at": local(data["at"]),
            "healthy": data["healthy"],
            "status": data["status"],
            "problems": data["problems"],
            "undelivered_alerts": data["undelivered_count"],
            "totals": data["totals"],
            "counts": {f"{s}/{c}": n for (s, c), n in data["counts"].items()},
            "due_soon": data["due_soon"],
            "overdue": len(data["overdue"]),
            "attention": len(data["attention"]),
            "last_tick": local(data["last_tick"]) or "never",
            "workers": "unknown" if data["workers"] is None else str(data["workers"]),
            "depth": "unknown" if data["depth"] is None else str(data["depth"]),
            "p50": _seconds(data["p50"]),
            "p99": _seconds(data["p99"]),
            "published_last_hour": data["published_last_hour"],
        }
    )


# ---------------------------------------------------------------------------------- deliveries


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


@router.get("/deliveries")
async def deliveries(
    request: Request,
    current: Operator,
    state: str = "",
    channel: str = "",
    appeal: str = "",
    campaign: str = "",
    due_from: str = "",
    due_to: str = "",
) -> HTMLResponse:
    filters = {
        "state": state,
        "channel": channel.strip(),
        "appeal": appeal.strip(),
        "campaign": campaign.strip(),
        "due_from": due_from.strip(),
        "due_to": due_to.strip(),
    }
    errors: dict[str, str] = {}
    states = [s.value for s in DeliveryState]
    if state and state not in states:
        errors["state"] = "Choose a state from the list"
    start = _day(filters["due_from"]) if filters["due_from"] else None
    end = _day(filters["due_to"]) if filters["due_to"] else None
    if filters["due_from"] and start is None:
        errors["due_from"] = "Enter the first day as a date, like 2026-11-01"
    if filters["due_to"] and end is None:
        errors["due_to"] = "Enter the last day as a date, like 2026-11-30"
    if start and end and end < start:
        errors["due_to"] = "The last day must be the same as or after the first day"
    found: list[services.DeliveryView] = []
    if not errors:
        found = await run_in_threadpool(
            services.find_deliveries,
            wired(request).store,
            states=[state] if state else None,
            channel=filters["channel"] or None,
            appeal_id=filters["appeal"] or None,
            campaign=filters["campaign"] or None,
            due_from=None if start is None else _start_of(start),
            due_before=None if end is None else _start_of(end + timedelta(days=1)),
        )
    app = wired(request)
    return _page(
        request,
        "deliveries.html",
        current,
        title=("Error: " if errors else "") + "Deliveries",
        status_code=422 if errors else 200,
        deliveries=found,
        filters=filters,
        filtered=any(filters.values()),
        errors=errors,
        states=states,
        channels=sorted(app.registry.names),
        failed_count=sum(1 for d in found if d.state == DeliveryState.FAILED.value),
    )


@router.get("/deliveries/retry-failed")
async def retry_failed_form(request: Request, current: Operator) -> HTMLResponse:
    failed = await run_in_threadpool(
        services.find_deliveries,
        wired(request).store,
        states=[DeliveryState.FAILED.value],
    )
    return _page(
        request,
        "deliveries_retry_failed.html",
        current,
        title="Retry every failed delivery",
        failed=failed,
        results=None,
    )


@router.post("/deliveries/retry-failed")
async def retry_failed(request: Request, current: Operator) -> HTMLResponse:
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    store = wired(request).store

    def run() -> list[tuple[int, str]]:
        done: list[tuple[int, str]] = []
        for delivery in services.find_deliveries(store, states=[DeliveryState.FAILED.value]):
            try:
                services.retry(store, delivery.id, actor=current.user.name)
                done.append((delivery.id, ""))
            except InvalidTransition as exc:
                done.append((delivery.id, exc.format_message()))
        return done

    results = await run_in_threadpool(run)
    return _page(
        request,
        "deliveries_retry_failed.html",
        current,
        title="Failed deliveries retried",
        failed=[],
        results=results,
        retried=sum(1 for _, error in results if not error),
    )


def _detail(request: Request, delivery_id: int) -> services.DeliveryDetail:
    return services.delivery_detail(wired(request).store, delivery_id)


@router.get("/deliveries/{delivery_id}")
async def delivery_page(request: Request, delivery_id: int, current: Operator) -> HTMLResponse:
    detail = await run_in_threadpool(_detail, request, delivery_id)
    return _page(
        request,
        "deliveries_detail.html",
        current,
        title=f"Delivery {delivery_id}",
        detail=detail,
        d=detail.delivery,
    )


_ACTIONS = {  # "cancel-delivery": /deliveries/{id}/cancel is the comms pages' (authors')
    "retry": (
        "Retry delivery {id}",
        "It is scheduled again, due now: the next dispatcher tick sends it.",
        "Retry",
    ),
    "cancel-delivery": (
        "Cancel delivery {id}",
        "It will not be sent. This cannot be undone.",
        "Cancel the delivery",
    ),
}


def _action_page(
    request: Request,
    current: CurrentSession,
    detail: services.DeliveryDetail,
    action: str,
    *,
    error: str = "",
    answer: str = "",
    remote_id: str = "",
    remote_url: str = "",
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    d = detail.delivery
    if action == "confirm":
        heading, lead, button = (
            f"Confirm what happened to delivery {d.id}",
            "A person must say whether it went out: the channel's answer was lost.",
            "Confirm",
        )
    else:
        heading, lead, button = _ACTIONS[action]
        heading = heading.format(id=d.id)
    field_errors = field_errors or {}
    return _page(
        request,
        "deliveries_action.html",
        current,
        title=("Error: " if error or field_errors else "") + heading,
        status_code=status_code,
        heading=heading,
        lead=lead,
        button=button,
        action=action,
        d=d,
        error=error,
        field_errors=field_errors,
        answer=answer,
        remote_id=remote_id,
        remote_url=remote_url,
    )


@router.get("/deliveries/{delivery_id}/{action}")
async def action_form(
    request: Request, delivery_id: int, action: str, current: Operator
) -> HTMLResponse:
    if action not in (*_ACTIONS, "confirm"):
        from starlette.exceptions import HTTPException

        raise HTTPException(404)
    detail = await run_in_threadpool(_detail, request, delivery_id)
    return _action_page(request, current, detail, action)


@router.post("/deliveries/{delivery_id}/{action}")
async def action_post(
    request: Request, delivery_id: int, action: str, current: Operator
) -> Response:
    if action not in (*_ACTIONS, "confirm"):
        from starlette.exceptions import HTTPException

        raise HTTPException(404)
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    store = wired(request).store
    actor = current.user.name
    answer = _field(form, "answer")
    remote_id, remote_url = _field(form, "remote_id"), _field(form, "remote_url")
    field_errors: dict[str, str] = {}
    if action == "confirm":
        if answer not in ("published", "not-published"):
            field_errors["answer"] = "Choose whether it was published or not"
        elif answer == "published" and not (remote_id or remote_url):
            field_errors["remote_url"] = "Enter the link or the id of what was published"
        elif answer == "published" and remote_url and safe_link(remote_url) is None:
            field_errors["remote_url"] = "Enter a link starting with https:// or http://"
        elif answer == "not-published" and (remote_id or remote_url):
            field_errors["answer"] = (
                "You chose it was not published: leave the link and the id empty"
            )
    if field_errors:
        detail = await run_in_threadpool(_detail, request, delivery_id)
        return _action_page(
            request,
            current,
            detail,
            action,
            answer=answer,
            remote_id=remote_id,
            remote_url=remote_url,
            field_errors=field_errors,
            status_code=422,
        )

    def run() -> None:
        if action == "retry":
            services.retry(store, delivery_id, actor=actor)
        elif action == "cancel-delivery":
            services.cancel(store, delivery_id, actor=actor)
        else:
            services.confirm(
                store,
                delivery_id,
                published=answer == "published",
                remote_id=remote_id or None,
                remote_url=remote_url or None,
                actor=actor,
            )

    try:
        await run_in_threadpool(run)
    except InvalidTransition as exc:
        detail = await run_in_threadpool(_detail, request, delivery_id)
        return _action_page(
            request,
            current,
            detail,
            action,
            error=exc.format_message(),
            answer=answer,
            remote_id=remote_id,
            remote_url=remote_url,
            status_code=409,
        )
    return _see_other(f"/deliveries/{delivery_id}")


# ------------------------------------------------------------------------------------ channels


def _channel_status(
    request: Request, channel: str, target: str
) -> services.ChannelStatusView | None:
    for status in services.channel_statuses(wired(request).store):
        if (status.channel, status.target) == (channel, target):
            return status
    return None


@router.get("/channels/{channel}/{target}/enable")
async def enable_form(
    request: Request, channel: str, target: str, current: Operator
) -> HTMLResponse:
    status = await run_in_threadpool(_channel_status, request, channel, target)
    return _page(
        request,
        "operations_enable.html",
        current,
        title=f"Re-enable {channel}",
        channel=channel,
        target=target,
        status=status,
        action=f"/channels/{quote(channel, safe='')}/{quote(target, safe='')}/enable",
    )


@router.post("/channels/{channel}/{target}/enable")
async def enable(request: Request, channel: str, target: str, current: Operator) -> Response:
    form = await request.form()
    security.check_csrf(current, form.get("csrf_token"))
    await run_in_threadpool(
        services.enable_channel, wired(request).store, channel, target, actor=current.user.name
    )
    return _see_other("/operations?" + urlencode({"enabled": f"{channel}/{target}"}))
