"""The Celery app's settings that make a hard kill safe, and the tasks' names and queue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher.entrypoints.celery_app import (
    CONTROL_QUEUE,
    QUEUE,
    TASK_ALERTS,
    TASK_CANARY,
    TASK_DISPATCH,
    TASK_PUBLISH,
    TASK_RECONCILE,
    VISIBILITY_TIMEOUT,
    broker_kind,
    filesystem_broker_folder,
    make_celery,
)
from publisher.entrypoints.worker import beat_argv, worker_argv
from publisher.settings import Settings


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"PUBLISHER_DATA_DIR": str(tmp_path / "data"), **env})


def test_embedded_broker_lives_in_the_data_folder(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert broker_kind(settings) == "filesystem"
    assert filesystem_broker_folder(settings) == tmp_path / "data" / "broker"
    app = make_celery(settings)
    options = app.conf.broker_transport_options
    messages = str((tmp_path / "data" / "broker" / "messages").resolve())
    assert options["data_folder_in"] == options["data_folder_out"] == messages
    assert Path(options["processed_folder"]).is_dir()
    assert app.conf.worker_enable_remote_control is False
    assert app.conf.result_backend == f"file://{(tmp_path / 'data' / 'results').resolve()}"
    assert "--without-mingle" in worker_argv(settings)


def test_redis_broker_settings(tmp_path: Path) -> None:
    settings = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6399/3")
    assert broker_kind(settings) == "redis"
    app = make_celery(settings)
    assert app.conf.broker_url == "redis://127.0.0.1:6399/3"
    assert app.conf.broker_transport_options == {"visibility_timeout": VISIBILITY_TIMEOUT}
    assert VISIBILITY_TIMEOUT >= 3600
    assert "--without-mingle" not in worker_argv(settings)
    assert not (tmp_path / "data" / "broker").exists()


def test_a_killed_worker_loses_no_message(tmp_path: Path) -> None:
    app = make_celery(_settings(tmp_path))
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_ignore_result is True


def test_tasks_have_explicit_names_and_the_ticks_their_own_queue(tmp_path: Path) -> None:
    app = make_celery(_settings(tmp_path))
    queues = {
        TASK_DISPATCH: CONTROL_QUEUE,
        TASK_RECONCILE: CONTROL_QUEUE,
        TASK_ALERTS: CONTROL_QUEUE,
        TASK_PUBLISH: QUEUE,
        TASK_CANARY: QUEUE,
    }
    assert set(queues) <= set(app.tasks)
    for name, queue in queues.items():
        assert app.amqp.router.route({}, name)["queue"].name == queue
        assert not getattr(app.tasks[name], "autoretry_for", ())  # the ledger retries
    assert app.tasks[TASK_CANARY].ignore_result is False
    assert app.tasks[TASK_PUBLISH].ignore_result is True


def test_beat_ticks_at_the_configured_intervals_and_never_delays(tmp_path: Path) -> None:
    settings = _settings(tmp_path, DISPATCH_INTERVAL="0.5", RECONCILE_INTERVAL="7")
    schedule = make_celery(settings).conf.beat_schedule
    assert schedule["dispatch"]["task"] == TASK_DISPATCH
    assert schedule["dispatch"]["schedule"] == 0.5
    assert schedule["reconcile"]["task"] == TASK_RECONCILE
    assert schedule["reconcile"]["schedule"] == 7
    assert schedule["alerts"]["task"] == TASK_ALERTS  # at least every second
    assert schedule["alerts"]["schedule"] == 1.0
    for entry in schedule.values():
        assert not {"eta", "countdown"} & set(entry["options"])
        assert entry["options"]["queue"] == CONTROL_QUEUE
    argv = beat_argv(settings)
    assert argv[argv.index("--schedule") + 1] == str(tmp_path / "data" / "celerybeat-schedule")
    # beat runs inside a worker of its own, on the control queue only, one slot.
    assert argv[0] == "worker" and "--beat" in argv
    assert argv[argv.index("--queues") + 1] == CONTROL_QUEUE
    assert argv[argv.index("--pool") + 1] == "solo"
    assert CONTROL_QUEUE not in worker_argv(settings)[worker_argv(settings).index("--queues") + 1]


def test_runtime_is_built_once_per_process_and_again_after_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.entrypoints import tasks

    monkeypatch.setenv("PUBLISHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tasks.db'}")
    monkeypatch.setattr(tasks, "_runtime", None)
    first = tasks.runtime()
    assert tasks.runtime() is first
    assert first.store.url.endswith("tasks.db")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a pool process of a prefork worker
        child = tasks.runtime()
        os.write(write, b"rebuilt" if child is not first and child.pid == os.getpid() else b"no")
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"rebuilt"
    os.close(read)
    first.store.dispose()
