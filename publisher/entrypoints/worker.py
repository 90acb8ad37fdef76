"""The Celery processes: a worker (publishes what the dispatcher hands out) and beat (the
dispatcher tick and the reconciler), started with this project's options."""

from __future__ import annotations

import os
from pathlib import Path

from publisher.settings import Settings

__all__ = [
    "beat_argv",
    "beat_schedule_file",
    "run_beat",
    "run_worker",
    "worker_argv",
]


def worker_argv(settings: Settings, *, concurrency: int = 2, loglevel: str = "info") -> list[str]:
    """Arguments for ``celery worker``: the publisher queue, prefork, one message at a time."""
    from publisher.entrypoints.celery_app import QUEUE, broker_kind

    argv = [
        "worker",
        "--queues",
        QUEUE,
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        loglevel,
        "--hostname",
        f"publisher-{os.getpid()}@%h",
    ]
    if broker_kind(settings) == "filesystem":
        # No broadcasts on the embedded broker (see celery_app): nothing to gossip or mingle.
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return argv


def beat_schedule_file(settings: Settings) -> Path:
    """Beat's record of when each periodic task last ran, under the data folder."""
    return settings.data_dir / "celerybeat-schedule"


def beat_argv(settings: Settings, *, loglevel: str = "info") -> list[str]:
    """Arguments for ``publisher beat``: Celery beat embedded in a worker of its own that
    consumes only the control queue (dispatcher and reconciler) with one solo slot, so that
    the ticks never wait behind publications. Exactly one per site."""
    from publisher.entrypoints.celery_app import BEAT_WORKER_PREFIX, CONTROL_QUEUE, broker_kind

    argv = [
        "worker",
        "--beat",
        "--schedule",
        str(beat_schedule_file(settings)),
        "--queues",
        CONTROL_QUEUE,
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "--loglevel",
        loglevel,
        "--hostname",
        f"{BEAT_WORKER_PREFIX}{os.getpid()}@%h",
    ]
    if broker_kind(settings) == "filesystem":
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return argv


def run_worker(settings: Settings, *, concurrency: int = 2, loglevel: str = "info") -> int:
    """Run a Celery worker in this process until it is told to stop. Returns its exit code."""
    from publisher.entrypoints.celery_app import make_celery

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = make_celery(settings)
    code = app.start(worker_argv(settings, concurrency=concurrency, loglevel=loglevel))
    return int(code or 0)


def run_beat(settings: Settings, *, loglevel: str = "info") -> int:
    """Run Celery beat (the dispatcher and reconciler ticks) and the worker that runs them, in
    this process (beat itself in a child). Exactly one per site."""
    from publisher.entrypoints.celery_app import make_celery

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = make_celery(settings)
    code = app.start(beat_argv(settings, loglevel=loglevel))
    return int(code or 0)
