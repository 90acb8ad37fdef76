"""The Celery application, built from Settings. Nothing is built at import time.

The broker only carries "do this now" messages: the schedule lives in the deliveries table
(see ARCHITECTURE.md §3), so no task here is ever sent with an ETA or a countdown. Beat enqueues
``publisher.dispatch`` every few seconds; the dispatcher claims due deliveries and enqueues one
``publisher.publish`` per claimed id, or, for a burst, ``publisher.publish_many`` with a few ids
each (``services.batches``).

Two queues: ``publisher`` carries the publications, for ``publisher worker``; the dispatcher, the
reconciler and the alert courier (``publisher.alerts``: it hands the alert outbox to a thread of
its own and returns at once) go on ``publisher.control``, which only the worker inside
``publisher beat`` consumes, so busy senders, and a webhook receiver that hangs, can never
starve them.

Brokers:

- ``filesystem://`` (the embedded default, no server): kombu's filesystem transport, made to
  write each message whole (:mod:`publisher.entrypoints.broker`), with its message folder under
  ``<data_dir>/broker``. No remote control (pidbox broadcasts would pile up
  in the folders of workers that died), so liveness is checked with the ``publisher.canary`` task
  and a ``file://`` result store.
- ``redis://`` (several machines): Redis, with a visibility timeout far above anything a task
  waits, so a message is only redelivered when its worker really died.

``publisher.entrypoints.celery_app:app`` is the application for the ``celery`` command (flower,
inspect…): it is built on first access from ``Settings.from_env()``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery, signals

from publisher import logsafe
from publisher.settings import Settings

__all__ = [
    "CONTROL_QUEUE",
    "QUEUE",
    "TASK_ALERTS",
    "TASK_CANARY",
    "TASK_DISPATCH",
    "TASK_PUBLISH",
    "TASK_PUBLISH_MANY",
    "TASK_RECONCILE",
    "BrokerKind",
    "BrokerProbe",
    "broker_kind",
    "filesystem_broker_folder",
    "make_celery",
    "probe_broker",
]

QUEUE = "publisher"
"""Publications (and the canary, which proves a publishing worker is alive)."""
CONTROL_QUEUE = "publisher.control"
"""The dispatcher and the reconciler, consumed only by ``publisher beat``'s own worker, so that
workers busy with slow sends can never delay a tick."""
BEAT_WORKER_PREFIX = "publisher-beat-"
"""Node names of the worker inside ``publisher beat`` (it runs only the control queue)."""
TASK_DISPATCH = "publisher.dispatch"
TASK_RECONCILE = "publisher.reconcile"
TASK_PUBLISH = "publisher.publish"
TASK_PUBLISH_MANY = "publisher.publish_many"
TASK_CANARY = "publisher.canary"
TASK_ALERTS = "publisher.alerts"

#: Seconds Redis waits for an acknowledgement before it hands a message to another worker. Far
#: above any task's run time (a publish is one HTTP call with its own timeouts).
VISIBILITY_TIMEOUT = 3600

BrokerKind = str  # "filesystem" | "redis" | other kombu transports, named by URL scheme


def broker_kind(settings: Settings) -> BrokerKind:
    """The broker's transport, from the scheme of ``settings.broker_url``."""
    scheme = settings.broker_url.partition("://")[0].lower()
    if scheme in ("redis", "rediss"):
        return "redis"
    return scheme


def filesystem_broker_folder(settings: Settings) -> Path:
    """The embedded broker's folder: PATH in ``filesystem://PATH``, else data_dir/broker."""
    path = settings.broker_url.partition("://")[2]
    return Path(path) if path else settings.data_dir / "broker"


def _filesystem_options(settings: Settings) -> dict[str, Any]:
    folder = filesystem_broker_folder(settings).resolve()
    messages = folder / "messages"
    processed = folder / "processed"
    control = folder / "control"
    for path in (messages, processed, control):
        path.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(messages),
        "data_folder_out": str(messages),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
        "polling_interval": 0.25,
    }


def result_folder(settings: Settings) -> Path:
    """Where the embedded setup keeps task results (only the canary has one)."""
    return (settings.data_dir / "results").resolve()


def _redact_celery_logs(logger: logging.Logger | None = None, **kwargs: Any) -> None:
    """Celery's ``after_setup_logger``/``after_setup_task_logger``: the handlers Celery has
    just installed (worker, beat, each prefork child) get the redacting filter, as do those of
    every other logger (Celery's multiprocessing logger among them)."""
    logsafe.attach()


def make_celery(settings: Settings) -> Celery:
    """The Celery app for these settings, with the tasks and the beat schedule registered.

    Logs are redacted (:mod:`publisher.logsafe`): the filter is installed now, and put on the
    handlers Celery installs when the worker or beat sets up its logging."""
    logsafe.install(settings)
    for signal in (signals.after_setup_logger, signals.after_setup_task_logger):
        signal.connect(_redact_celery_logs, weak=False, dispatch_uid="publisher.logsafe")
    kind = broker_kind(settings)
    app = Celery("publisher", set_as_current=True)
    config: dict[str, Any] = {
        "task_default_queue": QUEUE,
        "task_routes": {
            TASK_DISPATCH: {"queue": CONTROL_QUEUE},
            TASK_RECONCILE: {"queue": CONTROL_QUEUE},
            TASK_ALERTS: {"queue": CONTROL_QUEUE},
            "publisher.*": {"queue": QUEUE},
        },
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_track_started": False,
        "worker_prefetch_multiplier": 1,
        # A publish in flight when the broker connection drops runs to its end and records its
        # outcome in the database (which does not depend on the broker); cancelling it would
        # turn a post that probably went out into an "unknown" for a person to check.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "broker_connection_retry_on_startup": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "result_expires": 3600,
        "enable_utc": True,
        "timezone": "UTC",
        # Wake at least once per dispatch interval, so a tick is never late by much.
        "beat_max_loop_interval": max(1, int(settings.dispatch_interval)),
        "beat_schedule": {
            "dispatch": {
                "task": TASK_DISPATCH,
                "schedule": settings.dispatch_interval,
                # A tick nobody ran in time is replaced by the next one: never pile them up.
                "options": {
                    "queue": CONTROL_QUEUE,
                    "expires": max(10.0, 5 * settings.dispatch_interval),
                },
            },
            "reconcile": {
                "task": TASK_RECONCILE,
                "schedule": settings.reconcile_interval,
                "options": {
                    "queue": CONTROL_QUEUE,
                    "expires": max(10.0, 2 * settings.reconcile_interval),
                },
            },
            "alerts": {
                "task": TASK_ALERTS,
                "schedule": max(1.0, settings.dispatch_interval),
                "options": {
                    "queue": CONTROL_QUEUE,
                    "expires": max(10.0, 5 * settings.dispatch_interval),
                },
            },
        },
    }
    if kind == "filesystem":
        results = result_folder(settings)
        results.mkdir(parents=True, exist_ok=True)
        config.update(
            broker_url="filesystem://localhost/",
            broker_transport="publisher.entrypoints.broker:Transport",
            broker_transport_options=_filesystem_options(settings),
            result_backend=f"file://{results}",
            worker_enable_remote_control=False,
        )
    else:
        config.update(
            broker_url=settings.broker_url,
            result_backend=settings.broker_url if kind == "redis" else None,
            broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
            result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        )
    app.conf.update(config)
    # Registers the tasks (shared tasks attach to every app) before anything is finalized.
    import publisher.entrypoints.tasks  # noqa: F401

    return app


@dataclass(frozen=True)
class BrokerProbe:
    """What the broker says: messages waiting in the queue, workers that answered."""

    kind: str
    depth: int | None
    workers: int | None
    error: str | None = None


def probe_broker(
    settings: Settings, *, timeout: float = 3.0, app: Celery | None = None
) -> BrokerProbe:
    """Queue depth and live workers, for ``publisher status``. Never raises for a dead broker.

    Redis: ``control.ping`` counts the workers. The embedded broker has no broadcasts, so a
    ``publisher.canary`` task is sent and awaited instead (1 = a worker answered in time).
    """
    kind = broker_kind(settings)
    app = app or make_celery(settings)
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            declared = conn.default_channel.queue_declare(queue=QUEUE, passive=False, durable=True)
            depth = int(declared.message_count)
    except Exception as exc:  # noqa: BLE001  (kombu raises many types; all mean "no broker")
        return BrokerProbe(kind=kind, depth=None, workers=None, error=f"broker unreachable: {exc}")
    if kind == "filesystem":
        result = app.send_task(TASK_CANARY, queue=QUEUE, expires=timeout * 2)
        try:
            answer = result.get(timeout=timeout, interval=0.1)
        except Exception as exc:  # noqa: BLE001  (celery's TimeoutError and backend errors)
            return BrokerProbe(
                kind=kind,
                depth=depth,
                workers=0,
                error=f"no worker answered within {timeout:g}s ({type(exc).__name__})",
            )
        result.forget()
        return BrokerProbe(kind=kind, depth=depth, workers=1 if answer == "ok" else 0)
    replies = app.control.ping(timeout=min(timeout, 1.0))
    senders = [
        name
        for reply in replies or ()
        for name in reply
        if not name.startswith(BEAT_WORKER_PREFIX)  # beat's own worker publishes nothing
    ]
    return BrokerProbe(kind=kind, depth=depth, workers=len(senders))


_app: Celery | None = None


def __getattr__(name: str) -> Any:
    """``publisher.entrypoints.celery_app:app``, built from the environment on first access."""
    global _app
    if name == "app":
        if _app is None:
            _app = make_celery(Settings.from_env())
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
