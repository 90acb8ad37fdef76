"""The record is pure data: importing it must not pull in any adapter library."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("celery", "kombu", "tweepy", "feedgen", "jinja2", "sqlalchemy", "httpx", "redis")


def _modules_after_import(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out)}


def test_record_imports_no_adapter_library() -> None:
    loaded = _modules_after_import("publisher.domain.record")
    assert not loaded.intersection(FORBIDDEN), loaded.intersection(FORBIDDEN)


def test_importers_import_no_adapter_library() -> None:
    loaded = _modules_after_import("publisher.importers")
    assert not loaded.intersection(FORBIDDEN), loaded.intersection(FORBIDDEN)


def test_cli_help_builds_nothing_heavy() -> None:
    """Nothing is built at import time: the CLI starts without touching a broker or database."""
    loaded = _modules_after_import("publisher.entrypoints.cli")
    assert "tweepy" not in loaded
    assert "feedgen" not in loaded
