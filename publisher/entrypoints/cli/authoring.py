"""The commands for people who write appeals: read, preview, check and build from files.

None of these needs the database or the broker: ``inspect``, ``render``, ``check``, ``schema``
and ``build`` work on appeal files alone.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from publisher.entrypoints.cli._common import app, errors_to_exit, warn
from publisher.errors import PublisherError

__all__ = ["COMMANDS"]

RENDER_CHOICES = ("web", "rss", "atom", "x", "mastodon", "bluesky", "facebook", "text")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@errors_to_exit
def inspect(file: Path) -> None:
    """Print FILE's canonical appeal record as JSON.

    Warnings (for example an ambiguous time at a clock change) go to stderr.
    """
    from publisher.importers import load_appeal

    result = load_appeal(file)
    warn(result.warnings)
    click.echo(result.appeal.to_json(), nl=False)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--channel",
    "-c",
    type=click.Choice(RENDER_CHOICES),
    required=True,
    help=(
        "web: the HTML page; rss/atom: a one-entry feed; x, mastodon, bluesky, facebook: JSON "
        "of the posts; "
        "text: plain text."
    ),
)
@errors_to_exit
def render(file: Path, channel: str) -> None:
    """Print one channel's rendition of FILE."""
    from publisher.importers import load_appeal

    result = load_appeal(file)
    warn(result.warnings)
    registry = app().registry
    name = "feeds" if channel in ("rss", "atom") else channel
    rendition = registry.get(name).render(result.appeal, registry.context)
    for warning in rendition.warnings:
        click.echo(f"warning: {warning}", err=True)
    suffix = {
        "web": ".html",
        "rss": "rss.xml",
        "atom": "atom.xml",
        "x": ".json",
        "mastodon": ".json",
        "bluesky": ".json",
        "facebook": ".json",
        "text": ".txt",
    }
    if not rendition.files:
        raise PublisherError(
            f"{file}: the {channel} channel renders nothing for a {result.appeal.status} appeal"
        )
    sys.stdout.buffer.write(rendition.file(suffix[channel]).content)
    sys.stdout.flush()


class _Bar:
    """A progress bar on stderr for long builds in a terminal; silent otherwise."""

    def __init__(self, label: str, total: int) -> None:
        self._bar: Any = None
        if total >= 200 and sys.stderr.isatty():
            self._bar = click.progressbar(length=total, label=label, file=sys.stderr)

    def __enter__(self) -> _Bar:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def update(self, steps: int) -> None:
        if self._bar is not None:
            self._bar.update(steps)


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to build into. It is replaced as a whole, only once everything is valid.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that read and render appeals at once. [default: one per core]",
)
@click.option(
    "--full",
    is_flag=True,
    help="Read and render every input and rewrite the whole folder, whatever the build cache "
    "remembers.",
)
@errors_to_exit
def build(inputs: tuple[Path, ...], out: Path, jobs: int | None, full: bool) -> None:
    """Build the whole static output from INPUTS (files or folders).

    Pages, area and site indexes, RSS and Atom feeds, plain-text files and social renditions.
    Every input is validated before anything is written: a bad file leaves the previous build
    untouched. A build into a folder an earlier build made reads and renders again only the
    inputs that changed, and rewrites only the files whose bytes change (the build cache is in
    the data folder, PUBLISHER_DATA_DIR); the result is the same as with --full.
    """
    from publisher.importers import find_inputs
    from publisher.services.build import build_site
    from publisher.services.build_cache import cache_folder

    application = app()
    registry = application.registry
    cache = None if full else cache_folder(application.settings.data_dir, out)
    # The inputs are listed again by the build: only a progress bar (shown in a terminal) needs
    # their number first.
    total = len(find_inputs(list(inputs))) if sys.stderr.isatty() else 0

    with _Bar("Reading appeals", total) as bar:

        def progress(paths: Iterable[Path]) -> Iterator[Path]:
            for path in paths:
                yield path
                bar.update(1)

        report = build_site(list(inputs), out, registry, progress=progress, jobs=jobs, cache=cache)
    warn(report.warnings)
    processes = f", {report.processes} processes" if report.processes > 1 else ""
    click.echo(
        f"Built {len(report.appeals)} appeal(s), {report.files} files, into {report.out}\n"
        f"({report.rendered} appeal(s) read and rendered{processes}; "
        f"{report.written} file(s) written, the others unchanged)\n"
        f"Open {report.out / 'index.html'} in a browser, or serve the folder."
    )


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object with every finding, for machines.",
)
@errors_to_exit
def check(files: tuple[Path, ...], fmt: str) -> None:
    """Check appeals for accessibility and safety problems before they are scheduled.

    Errors (exit 1) must be fixed; warnings (exit 0) are advice. Each finding names the file,
    the line where known (else the record field, in brackets), and how to fix it.
    """
    from publisher.importers import find_inputs, load_appeal
    from publisher.lint import Finding, has_errors, lint_appeal, lint_renditions

    application = app()
    registry = application.registry
    social = [channel for channel in registry.channels() if channel.limits is not None]
    findings: list[Finding] = []
    for path in find_inputs(list(files)):
        result = load_appeal(path)
        appeal = result.appeal
        findings.extend(
            Finding(
                code="import",
                severity="warning",
                message=w.message,
                fix="The appeal was read, but perhaps not as you meant: correct the file as "
                "the message says.",
                file=w.file,
                line=w.line,
                field=w.field,
            )
            for w in result.warnings
        )
        renditions = [channel.render(appeal, registry.context) for channel in social]
        findings.extend(
            lint_appeal(appeal, lines=result.lines, languages=application.settings.languages)
        )
        findings.extend(lint_renditions(appeal, renditions))
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if fmt == "json":
        payload = {
            "errors": errors,
            "warnings": warnings,
            "findings": [f.to_dict() for f in findings],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for f in findings:
            where = (f.file or "<input>") + ":"
            if f.line is not None:
                where = f"{where}{f.line}:"
            elif f.field:
                where = f"{where} [{f.field}]"
            click.echo(f"{where} {f.severity}: [{f.code}] {f.message}")
            click.echo(f"    fix: {f.fix}")
        click.echo(f"{errors} error(s), {warnings} warning(s)")
    if has_errors(findings):
        sys.exit(1)


@click.command()
@errors_to_exit
def schema() -> None:
    """Print the JSON Schema of the appeal record."""
    from publisher.domain.record import appeal_json_schema

    click.echo(json.dumps(appeal_json_schema(), indent=2, ensure_ascii=False))


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mark-current",
    "mark_current",
    is_flag=True,
    required=True,
    help="Record that the translations say what the primary language says now.",
)
@click.option(
    "--locale",
    "locales",
    multiple=True,
    help="Mark only this translation (e.g. cy_GB); repeatable. Default: every one.",
)
@errors_to_exit
def translate(file: Path, mark_current: bool, locales: tuple[str, ...]) -> None:
    """Mark FILE's translations as made from its current primary-language text.

    Run it once the Welsh (or other) sections of a native (.md) or seed (.txt) file, or its
    linked translation files, say what the English says: it writes each translation's
    source_digest line (in the section, or in the linked file), so that `publisher check`
    reports the translation out of date when the English changes later. Nothing else changes.
    """
    from publisher.errors import RecordInvalid
    from publisher.importers.translations import mark_current as mark_files

    if not mark_current:
        raise click.UsageError("say what to do: --mark-current")
    if file.suffix.lower() == ".json":
        raise RecordInvalid(
            "only a native (.md) or seed (.txt) file holds translations to mark", file=str(file)
        )
    wanted = frozenset(locales) if locales else None
    changes, marked = mark_files(file, locales=wanted)
    if not marked:
        raise RecordInvalid(
            "the file has no translation sections ('--- cy') or linked translation files",
            file=str(file),
        )
    for path, text in changes.items():
        path.write_text(text, encoding="utf-8")
    click.echo(f"{file}: marked current: {', '.join(marked)}")


COMMANDS: tuple[click.Command, ...] = (inspect, render, build, check, schema, translate)
