"""docker-compose.yml is checked against the code it runs: real commands, real settings."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from publisher.settings import ENVIRONMENT_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SECRETS = {
    "X_API_KEY",
    "X_API_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
    "ALERT_WEBHOOK_URL",
    "ALERT_WEBHOOK_SECRET",
}
REQUIRED_SERVICES = {"redis", "postgres", "migrate", "worker", "beat", "web", "flower", "nginx"}


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def _services() -> dict[str, dict[str, Any]]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    return services


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _is_app(service: dict[str, Any]) -> bool:
    """Services that run our image (built from this repository's Dockerfile)."""
    return "build" in service


def _cli_group() -> click.Group:
    from publisher.entrypoints.cli import cli

    return cli


def _resolve(group: click.Group, args: list[str]) -> click.Command:
    """Resolve ``publisher ARGS`` to its click command and parse the options as click would."""
    ctx = click.Context(group, info_name="publisher")
    name, command, rest = group.resolve_command(ctx, args)
    assert command is not None, f"publisher {args[0]} is not a command"
    with command.make_context(name or args[0], list(rest), parent=ctx):
        pass
    return command


def test_compose_has_every_service() -> None:
    assert set(_services()) >= REQUIRED_SERVICES


def test_publisher_commands_are_real_cli_commands() -> None:
    group = _cli_group()
    seen = []
    for name, service in _services().items():
        command = _command(service)
        if command[:1] == ["publisher"]:
            _resolve(group, command[1:])
            seen.append(name)
    assert {"migrate", "worker", "beat", "web"} <= set(seen)


def test_resolve_rejects_an_unknown_command_or_option() -> None:
    group = _cli_group()
    with pytest.raises(click.UsageError):
        _resolve(group, ["worker", "--no-such-option"])
    with pytest.raises((click.UsageError, AssertionError)):
        _resolve(group, ["no-such-command"])


def test_app_services_set_only_real_settings() -> None:
    app_services = {n: s for n, s in _services().items() if _is_app(s)}
    assert {"migrate", "worker", "beat", "web", "flower"} <= set(app_services)
    for name, service in app_services.items():
        unknown = set(_environment(service)) - ENVIRONMENT_VARIABLES
        assert not unknown, f"{name} sets variables publisher/settings.py does not read: {unknown}"


def test_secrets_come_from_the_host_environment() -> None:
    for name, service in _services().items():
        for key, value in _environment(service).items():
            if key in SECRETS or "PASSWORD" in key:
                assert re.fullmatch(r"\$\{" + key + r"(:-|:\?[^}]*)?\}", value), (
                    f"{name}: {key} must come from the host environment, not {value!r}"
                )
            if key == "DATABASE_URL" and "@" in value:
                credentials = value.split("://", 1)[1].split("@", 1)[0]
                if ":" in credentials:
                    password = credentials.split(":", 1)[1]
                    assert password.startswith("${"), f"{name}: literal database password"


def test_worker_is_scalable() -> None:
    worker = _services()["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker


def test_migrate_completes_before_worker_and_beat() -> None:
    services = _services()
    assert services["migrate"].get("restart", "no") == "no"
    for name in ("worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_redis_and_postgres_have_healthchecks() -> None:
    services = _services()
    for name in ("redis", "postgres"):
        check = services[name].get("healthcheck", {})
        assert check.get("test"), f"{name} has no healthcheck"


def test_nginx_serves_the_output_volume_read_only() -> None:
    services = _services()
    output_dir = _environment(services["worker"])["OUTPUT_DIR"]
    worker_volumes = {v.split(":")[1]: v.split(":")[0] for v in services["worker"]["volumes"]}
    site_volume = worker_volumes[output_dir]
    nginx_volumes = [v.split(":") for v in services["nginx"]["volumes"]]
    assert [site_volume, "/usr/share/nginx/html", "ro"] in nginx_volumes


def test_flower_image_has_flower_installed_by_construction() -> None:
    flower = _services()["flower"]
    extras = str(flower["build"]["args"]["EXTRAS"]).split(",")
    assert "flower" in extras
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = pyproject["project"]["optional-dependencies"]["flower"]
    assert any(req.startswith("flower") for req in declared)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG EXTRAS" in dockerfile and "${EXTRAS}" in dockerfile
    command = _command(flower)
    assert command[0] == "celery" and "flower" in command


def test_flower_app_is_importable() -> None:
    """``celery --app X flower`` must find X without a database or a running broker."""
    flower = _services()["flower"]
    command = _command(flower)
    target = command[command.index("--app") + 1]
    module, _, attr = target.partition(":")
    env = {"BROKER_URL": _environment(flower)["BROKER_URL"], "PATH": "/usr/bin:/bin"}
    code = f"import importlib; print(type(importlib.import_module({module!r}).{attr}).__name__)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Celery"


def test_web_serves_the_console_after_migrations_with_a_health_check() -> None:
    web = _services()["web"]
    command = _command(web)
    assert command[:2] == ["publisher", "web"]
    # It listens on every interface of its container, on the port compose publishes.
    assert command[command.index("--host") + 1] == "0.0.0.0"
    port = command[command.index("--port") + 1]
    assert any(str(mapping).endswith(f":{port}:{port}") for mapping in web["ports"])
    assert all(str(mapping).startswith("127.0.0.1:") for mapping in web["ports"])
    depends = web["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["postgres"]["condition"] == "service_healthy"
    check = " ".join(str(part) for part in web["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/healthz" in check
    env = _environment(web)
    # The console's own address (alerts link to it) and the same database as the workers.
    assert env["PUBLISHER_APP_URL"].startswith("${PUBLISHER_APP_URL:-http")
    assert env["DATABASE_URL"] == _environment(_services()["worker"])["DATABASE_URL"]


def test_alerts_are_configured_from_the_host_for_every_app_service() -> None:
    for name in ("worker", "beat", "web"):
        env = _environment(_services()[name])
        assert env["ALERT_WEBHOOK_URL"] == "${ALERT_WEBHOOK_URL:-}", name
        assert env["ALERT_WEBHOOK_SECRET"] == "${ALERT_WEBHOOK_SECRET:-}", name
