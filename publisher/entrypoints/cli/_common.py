"""What every command shares: the app, error handling, warnings, times and JSON for machines."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import click

from publisher.errors import Problem, PublisherError

if TYPE_CHECKING:
    from publisher.bootstrap import App
    from publisher.domain.record import Appeal

__all__ = [
    "DISPLAY_TZ",
    "app",
    "echo_json",
    "errors_to_exit",
    "ids",
    "json_option",
    "jsonable",
    "load",
    "local",
    "now",
    "warn",
]

DISPLAY_TZ = ZoneInfo("Europe/London")

_P = ParamSpec("_P")
_R = TypeVar("_R")


def errors_to_exit(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """PublisherError → ``error: …`` on stderr and its family's exit code (also when a command
    is used outside the ``publisher`` group)."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except PublisherError as exc:
            for line in exc.format_message().splitlines():
                click.echo(f"error: {line}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def app() -> App:
    """The composition root, from the environment (once per command)."""
    from publisher.bootstrap import bootstrap

    return bootstrap()


def now() -> datetime:
    return datetime.now(UTC)


def local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M %Z")


def warn(problems: Iterable[Problem | str]) -> None:
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)


def load(paths: Sequence[Path]) -> list[Appeal]:
    """Every appeal in ``paths`` (files or folders), warnings printed; errors raise."""
    from publisher.importers import find_inputs, load_appeal

    appeals = []
    for path in find_inputs(list(paths)):
        result = load_appeal(path)
        warn(result.warnings)
        appeals.append(result.appeal)
    return appeals


def ids(numbers: Sequence[int]) -> str:
    return ", ".join(str(i) for i in numbers) or "none"


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def json_option(func: click.decorators.FC) -> click.decorators.FC:
    """``--json``: the command prints one JSON object on stdout instead of its sentences."""
    return click.option("--json", "as_json", is_flag=True, help="One JSON object, for machines.")(
        func
    )


def echo_json(value: Any) -> None:
    click.echo(json.dumps(jsonable(value), indent=2, ensure_ascii=False))
