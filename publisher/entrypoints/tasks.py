"""Thin Celery tasks: ids in, one service call, explicit names, queue "publisher".

No task retries through Celery and none is ever sent with an ETA or a countdown: the deliveries
table is the schedule, and ``services.publish_delivery`` records transient failures there with
their next attempt time, for the dispatcher to pick up again.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from celery import shared_task

from publisher.bootstrap import App, bootstrap
from publisher.channel.registry import Registry
from publisher.entrypoints.celery_app import (
    QUEUE,
    TASK_ALERTS,
    TASK_CANARY,
    TASK_DISPATCH,
    TASK_PUBLISH,
    TASK_PUBLISH_MANY,
    TASK_RECONCILE,
)
from publisher.settings import Settings
from publisher.store import Store

__all__ = [
    "Runtime",
    "alerts",
    "canary",
    "dispatch",
    "publish",
    "publish_many",
    "reconcile",
    "runtime",
]

log = logging.getLogger(__name__)

_F = TypeVar("_F", bound=Callable[..., Any])


def _task(name: str, **options: Any) -> Callable[[_F], _F]:
    """``shared_task`` with the project's defaults, typed for mypy (celery is untyped).

    Every task goes to the "publisher" queue through ``task_routes`` (celery_app), the
    non-deprecated way to say so.
    """
    options.setdefault("ignore_result", True)
    return cast(Callable[[_F], _F], shared_task(name=name, **options))


@dataclass
class Runtime:
    """What a worker process needs: the app from the composition root, built once per process."""

    app: App
    pid: int

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def registry(self) -> Registry:
        return self.app.registry


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's app. Rebuilt after a fork (database engines must not be shared)."""
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        if _runtime is not None:
            _runtime.app.after_fork()
        _runtime = Runtime(app=bootstrap(migrate_embedded=False), pid=os.getpid())
    return _runtime


def _now() -> datetime:
    return datetime.now(UTC)


@_task(TASK_DISPATCH, bind=True)
def dispatch(self: Any) -> int:
    """One dispatcher tick: heartbeat, claim due deliveries, enqueue their publication (one
    message per delivery, or a few per message in a burst: ``services.batches``)."""
    from publisher import services

    rt = runtime()
    now = _now()
    services.record_heartbeat(rt.store, services.DISPATCHER_HEARTBEAT, now=now)
    claimed = services.dispatch_due(rt.store, now=now)
    # Enqueued after the claim committed. If this process dies before every message is sent,
    # the reconciler returns the claimed rows to "scheduled" after CLAIMED_TIMEOUT.
    if claimed:
        with self.app.producer_or_acquire() as producer:
            for batch in services.batches(claimed):
                if len(batch) == 1:
                    self.app.send_task(TASK_PUBLISH, args=batch, queue=QUEUE, producer=producer)
                else:
                    self.app.send_task(
                        TASK_PUBLISH_MANY, args=[batch], queue=QUEUE, producer=producer
                    )
    if claimed:
        log.info("dispatched %d delivery(ies): %s", len(claimed), claimed)
    return len(claimed)


@_task(TASK_PUBLISH)
def publish(delivery_id: int) -> str:
    """Publish one delivery. The service asserts the world first, so a duplicate is harmless."""
    from publisher import services

    rt = runtime()
    state = services.publish_delivery(
        rt.store, rt.registry, delivery_id, lease=rt.settings.sending_timeout
    )
    log.info("delivery %d: %s", delivery_id, state)
    return str(state)


@_task(TASK_PUBLISH_MANY)
def publish_many(delivery_ids: list[int]) -> str:
    """Publish a batch of deliveries one after another (the dispatcher's burst messages); each
    is checked and recorded as if it came alone, so a duplicate is harmless."""
    from publisher import services

    rt = runtime()
    states = services.publish_deliveries(
        rt.store, rt.registry, delivery_ids, lease=rt.settings.sending_timeout
    )
    log.info("deliveries %s", ", ".join(f"{d}: {state}" for d, state in states))
    return str(len(states))


@_task(TASK_RECONCILE)
def reconcile() -> str:
    """Return stuck deliveries to where a person or the dispatcher can act on them."""
    from publisher import services

    rt = runtime()
    report = services.reconcile(
        rt.store,
        now=_now(),
        claimed_timeout=rt.settings.claimed_timeout,
        sending_timeout=rt.settings.sending_timeout,
    )
    if report.requeued or report.rerun or report.unknown or report.overdue:
        log.warning("reconcile: %s", report)
    return str(report)


@_task(TASK_CANARY, ignore_result=False)
def canary() -> str:
    """Answers "ok": proof that a worker is consuming the queue (``publisher status``)."""
    return "ok"


_courier: threading.Thread | None = None
_courier_lock = threading.Lock()


def _carry_alerts(rt: Runtime) -> None:
    """The courier's work: send what the alert outbox holds (publisher.services.alerts)."""
    from publisher.services.alerts import deliver_alerts

    sender = rt.app.alert_sender()
    try:
        run = deliver_alerts(rt.store, sender, rt.app.alert_policy)
    except Exception:
        log.exception("alerts: the courier stopped; the next run tries again")
        return
    finally:
        if sender is not None:
            sender.close()
    if run.busy:
        log.info(
            "alerts: %d delivered, %d to try again, %d given up, %d not configured",
            len(run.delivered),
            len(run.retrying),
            len(run.gave_up),
            run.not_configured,
        )


@_task(TASK_ALERTS)
def alerts() -> str:
    """Start this process's alert courier (a thread) unless it is still at work, and return at
    once: a webhook receiver that hangs holds up the courier, never the dispatcher's next tick
    on this queue. Alerts are claimed in the database one at a time, so a courier that dies
    (with its process) leaves its alert to be tried again."""
    global _courier
    with _courier_lock:
        if _courier is not None and _courier.is_alive():
            return "busy"
        courier = threading.Thread(
            target=_carry_alerts, args=(runtime(),), name="alert-courier", daemon=True
        )
        courier.start()
        _courier = courier
    return "started"
