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
    return [
        "beat",
        "--schedule",
        str(beat_schedule_file(settings)),
        "--loglevel",
        loglevel,
        # Wake at least once per dispatch interval, so a tick is never late by much.
        "--max-interval",
        str(max(1, int(settings.dispatch_interval))),
    ]


def run_worker(settings: Settings, *, concurrency: int = 2, loglevel: str = "info") -> int:
    """Run a Celery worker in this process until it is told to stop. Returns its exit code."""
    from publisher.entrypoints.celery_app import make_celery

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = make_celery(settings)
    code = app.start(worker_argv(settings, concurrency=concurrency, loglevel=loglevel))
    return int(code or 0)


def run_beat(settings: Settings, *, loglevel: str = "info") -> int:
    """Run Celery beat (dispatcher and reconciler ticks) in this process. Exactly one per site."""
    from publisher.entrypoints.celery_app import make_celery

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = make_celery(settings)
    code = app.start(beat_argv(settings, loglevel=loglevel))
    return int(code or 0)
