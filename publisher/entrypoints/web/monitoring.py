"""Health and metrics for machines: ``/readyz`` (public: is this deployment able to publish?)
and ``/metrics`` (the Prometheus text format, for a scraper holding an operator's API token).

Every figure of ``/metrics`` is read from the database at scrape time by a custom collector,
so several ``publisher web`` processes behind one address all give the same answer; only the
broker probe (workers alive, queue depth) is cached, for :data:`PROBE_TTL` seconds, because
it may take up to its timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from publisher import services
from publisher.bootstrap import App
from publisher.domain.accounts import Role
from publisher.domain.delivery import DeliveryState
from publisher.entrypoints.web.security import api_user, wired
from publisher.errors import AccessDenied, NotSignedIn
from publisher.services import accounts

__all__ = [
    "LATENESS_BUCKETS",
    "PROBE_TIMEOUT",
    "PROBE_TTL",
    "BrokerCache",
    "LedgerCollector",
    "broker_probe",
    "router",
]

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

PROBE_TIMEOUT = 2.0
"""Seconds the broker probe (the canary) may take."""
PROBE_TTL = 5.0
"""Seconds a probe's answer is reused: a busy dashboard or scraper does not flood the broker."""
LATENESS_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


@dataclass(frozen=True)
class Probe:
    depth: int | None
    workers: int | None
    error: str | None


class BrokerCache:
    """The last broker probe, reused for ``ttl`` seconds; one probe at a time per process."""

    def __init__(self, ttl: float = PROBE_TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._at = 0.0
        self._value: Probe | None = None

    def get(self, app: App, timeout: float = PROBE_TIMEOUT) -> Probe:
        with self._lock:
            if self._value is not None and time.monotonic() - self._at < self.ttl:
                return self._value
            from publisher.entrypoints.celery_app import probe_broker

            try:
                found = probe_broker(app.settings, timeout=timeout)
                value = Probe(depth=found.depth, workers=found.workers, error=found.error)
            except Exception as exc:  # noqa: BLE001  (never let a probe break a page)
                log.warning("broker probe failed: %s", type(exc).__name__)
                value = Probe(depth=None, workers=None, error="broker probe failed")
            self._value, self._at = value, time.monotonic()
            return value


def broker_probe(request: Request) -> Probe:
    """The cached broker probe of this web process (blocking: call it in a thread)."""
    cache: BrokerCache | None = getattr(request.app.state, "broker_cache", None)
    if cache is None:
        cache = request.app.state.broker_cache = BrokerCache()
    return cache.get(wired(request))


# ------------------------------------------------------------------------------------- readyz


def _readiness(request: Request) -> tuple[bool, dict[str, str]]:
    app = wired(request)
    checks: dict[str, str] = {}
    try:
        report = services.system_status(app.store, dispatch_interval=app.settings.dispatch_interval)
    except Exception as exc:  # noqa: BLE001  (any database failure: not ready)
        log.warning("readyz: database unreachable: %s", type(exc).__name__)
        report = None
    if report is None or report.database_error is not None:
        checks["database"] = "unreachable"
        checks["dispatcher"] = "unknown"
    else:
        checks["database"] = "ok"
        age = report.tick_age_seconds
        if age is None:
            checks["dispatcher"] = "never ticked"
        elif age > 3 * app.settings.dispatch_interval:
            checks["dispatcher"] = f"last tick {age:.0f} s ago"
        else:
            checks["dispatcher"] = "ok"
    probe = broker_probe(request)
    if probe.depth is None:
        checks["workers"] = "broker unreachable"
    elif not probe.workers:
        checks["workers"] = "no worker answered"
    else:
        checks["workers"] = "ok"
    return all(v == "ok" for v in checks.values()), checks


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to publish: the database answers, the dispatcher ticked within three intervals and
    a worker answered the canary. Public; 200 or 503, with a short reason per check."""
    ready, checks = await run_in_threadpool(_readiness, request)
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503
    )


# ------------------------------------------------------------------------------------ metrics


class LedgerCollector(Collector):
    """The ledger's figures, read from the database at each scrape."""

    def __init__(self, app: App, probe: Probe) -> None:
        self.app = app
        self.probe = probe

    def collect(self) -> Iterator[Metric]:
        store = self.app.store
        now = datetime.now(UTC)
        figures = services.ledger_figures(store, now=now)
        report = services.system_status(
            store, now=now, dispatch_interval=self.app.settings.dispatch_interval
        )
        statuses = services.channel_statuses(store)
        channels = sorted(
            set(self.app.registry.names)
            | {c for _, c in figures.by_state_channel}
            | {s.channel for s in statuses}
        )

        deliveries = GaugeMetricFamily(
            "publisher_deliveries",
            "Deliveries in the ledger, by state and channel.",
            labels=["state", "channel"],
        )
        for channel in channels:
            for state in DeliveryState:
                count = figures.by_state_channel.get((state.value, channel), 0)
                deliveries.add_metric([state.value, channel], count)
        yield deliveries

        attempts = CounterMetricFamily(
            "publisher_attempts",
            "Calls to a channel recorded in the attempts table, by channel and outcome.",
            labels=["channel", "outcome"],
        )
        for (channel, outcome), count in sorted(figures.attempts.items()):
            attempts.add_metric([channel, outcome], count)
        yield attempts

        lateness = sorted(figures.lateness)
        buckets: list[tuple[str, float]] = []
        for bound in LATENESS_BUCKETS:
            buckets.append((repr(bound), float(sum(1 for v in lateness if v <= bound))))
        buckets.append(("+Inf", float(len(lateness))))
        yield HistogramMetricFamily(
            "publisher_delivery_lateness_seconds",
            "published_at - due_at of the deliveries published in the last hour.",
            buckets=buckets,
            sum_value=sum(lateness),
        )

        tick = GaugeMetricFamily(
            "publisher_dispatcher_last_tick_timestamp_seconds",
            "When the dispatcher last ticked (Unix time); absent if it never did.",
        )
        if report.last_tick is not None:
            tick.add_metric([], report.last_tick.timestamp())
        yield tick

        overdue = GaugeMetricFamily(
            "publisher_deliveries_overdue", "Scheduled deliveries past due beyond the grace."
        )
        overdue.add_metric([], report.overdue)
        yield overdue

        broker_up = GaugeMetricFamily("publisher_broker_up", "1 if the broker could be reached.")
        broker_up.add_metric([], 0 if self.probe.depth is None else 1)
        yield broker_up

        workers = GaugeMetricFamily(
            "publisher_workers_alive", "Workers that answered the canary (absent: no broker)."
        )
        if self.probe.workers is not None:
            workers.add_metric([], self.probe.workers)
        yield workers

        depth = GaugeMetricFamily(
            "publisher_queue_depth", "Messages waiting in the publish queue (absent: no broker)."
        )
        if self.probe.depth is not None:
            depth.add_metric([], self.probe.depth)
        yield depth

        disabled = GaugeMetricFamily(
            "publisher_channel_disabled",
            "1 if a target of the channel is disabled (credentials refused), 0 otherwise.",
            labels=["channel"],
        )
        off = {s.channel for s in statuses if s.disabled}
        for channel in channels:
            disabled.add_metric([channel], 1 if channel in off else 0)
        yield disabled


def _metrics_text(request: Request) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(wired(request), broker_probe(request)))
    return generate_latest(registry)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """The Prometheus text format. Needs ``Authorization: Bearer TOKEN``, the API token of a
    user with the operator (or admin) role: 401 without a valid token, 403 for other roles."""
    try:
        user = api_user(request)
        accounts.require(user, Role.OPERATOR)
    except NotSignedIn:
        return Response(
            "an operator's API token is needed: Authorization: Bearer TOKEN\n",
            401,
            media_type="text/plain",
            headers={"WWW-Authenticate": "Bearer"},
        )
    except AccessDenied:
        return Response("this needs the operator role\n", 403, media_type="text/plain")
    body = await run_in_threadpool(_metrics_text, request)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
