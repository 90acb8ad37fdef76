"""The one Jinja2 environment: autoescape for HTML and XML, StrictUndefined, no cache of state."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from publisher.channel import i18n

__all__ = ["TEMPLATES_DIR", "environment"]

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@cache
def environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The shared environment. Templates live in a folder per channel: ``web/``, ``x/``…

    Files ending ``.html``/``.xml``/``.svg`` are autoescaped; ``.txt`` ones are not (plain text
    has no markup to escape, and the text channel strips any that a record contains).

    Jinja2's i18n extension is on (``_()``, ``gettext``, ``ngettext``, ``{% trans %}``, the
    new style: variables are escaped and substituted by name). Its words come from the
    catalogue that :func:`publisher.channel.i18n.chrome` sets around a rendering, English when
    none is set. A catalogue's messages are ours and are treated as markup-safe text, so they
    hold no markup: links and elements stay in the templates.
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
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    return env
