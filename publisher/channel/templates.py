"""The one Jinja2 environment: autoescape for HTML and XML, StrictUndefined, no cache of state."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = ["TEMPLATES_DIR", "environment"]

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@cache
def environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The shared environment. Templates live in a folder per channel: ``web/``, ``x/``…

    Files ending ``.html``/``.xml``/``.svg`` are autoescaped; ``.txt`` ones are not (plain text
    has no markup to escape, and the text channel strips any that a record contains).
    """
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(
            enabled_extensions=("html", "xml", "svg", "j2"), default_for_string=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates are package files, fixed for the life of a process (and part of a build's
        # fingerprint): no stat of every template on every render.
        auto_reload=False,
    )
    return env
