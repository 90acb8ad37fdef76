"""The one Jinja2 environment: autoescape for HTML and XML, StrictUndefined, no cache of state."""

from __future__ import annotations

import gettext as _gettext
import weakref
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

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
    remembered = _remembering_gettext(cast("Callable[..., str]", env.globals["gettext"]))
    env.globals["gettext"] = remembered
    # ``_()`` is the extension's alias that looks ``gettext`` up on every call: the same
    # function, without the second call.
    env.globals["_"] = remembered
    return env


def _remembering_gettext(newstyle: Callable[..., str]) -> Callable[..., str]:
    """The i18n extension's new-style ``gettext``, remembering what a message without
    variables came to for each catalogue (and whether the template is autoescaped): the
    same ``Markup`` (or text) as the extension makes, made once rather than on every page.
    A message with variables is substituted by the extension each time."""
    made: weakref.WeakKeyDictionary[_gettext.NullTranslations, dict[tuple[str, bool], str]]
    made = weakref.WeakKeyDictionary()

    @pass_context
    def gettext(context: Context, message: str, /, **variables: Any) -> str:
        if variables:
            return newstyle(context, message, **variables)
        translations = i18n.current().translations
        words = made.get(translations)
        if words is None:
            words = made.setdefault(translations, {})
        key = (message, context.eval_ctx.autoescape)
        word = words.get(key)
        if word is None:
            word = words[key] = newstyle(context, message)
        return word

    return gettext
