"""Build the whole static output from appeal files: validate everything, render, then swap in.

A build never leaves a half-written output: every input is imported and validated first, the
output is rendered into a staging folder beside the target, and only then swapped in by rename.
A failed build leaves the previous output exactly as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publisher.channel import OutputFile
from publisher.channel.registry import Registry
from publisher.domain.record import Appeal, AppealStatus
from publisher.errors import BuildError, InputsInvalid, Problem, RecordInvalid
from publisher.importers import ImportResult, find_inputs, load_appeal

__all__ = ["BUILD_MARKER", "BuildReport", "InputsInvalid", "build_site", "load_all", "render_all"]

#: A file every build writes at the root of its output, so a later build knows the folder is ours.
BUILD_MARKER = ".publisher-build"

Progress = Callable[[Iterable[Path]], Iterable[Path]]


@dataclass(frozen=True)
class BuildReport:
    out: Path
    appeals: list[Appeal] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    files: int = 0


def _identity(items: Iterable[Path]) -> Iterable[Path]:
    return items


def load_all(
    inputs: Sequence[Path], *, progress: Progress = _identity
) -> tuple[list[ImportResult], list[Problem]]:
    """Import every input. Returns results, or raises InputsInvalid listing every bad file."""
    paths = find_inputs(inputs)
    if not paths:
        shown = ", ".join(str(p) for p in inputs)
        raise BuildError(f"no appeal files (.txt, .md, .json) found in {shown}")
    results: list[ImportResult] = []
    problems: list[Problem] = []
    for path in progress(paths):
        try:
            results.append(load_appeal(path))
        except RecordInvalid as exc:
            problems.append(exc.problem)
    seen: dict[str, str] = {}
    for result in results:
        appeal = result.appeal
        if appeal.id in seen:
            problems.append(
                Problem(
                    f"appeal id {appeal.id!r} is also used by {seen[appeal.id]}",
                    file=appeal.source,
                    field="id",
                )
            )
        seen[appeal.id] = appeal.source or appeal.id
    if problems:
        raise InputsInvalid(problems)
    return results, [w for r in results for w in r.warnings]


def render_all(
    appeals: Sequence[Appeal], registry: Registry, channels: Sequence[str] | None = None
) -> list[OutputFile]:
    """Every file of a static build (of ``channels``, default every channel of the registry),
    in a stable order. Raises if two renditions collide."""
    context = registry.context
    files: dict[str, OutputFile] = {}

    def add(items: Iterable[OutputFile], owner: str) -> None:
        for item in items:
            if item.path in files and files[item.path].content != item.content:
                raise BuildError(f"two outputs want the same path {item.path!r} ({owner})")
            files[item.path] = item

    live = [a for a in appeals if a.status is not AppealStatus.WITHDRAWN]
    for name in registry.names if channels is None else channels:
        channel = registry.get(name)
        for appeal in live:
            add(channel.render(appeal, context).files, f"{name}: {appeal.id}")
        if channel.writes_site_files:
            add(channel.render_site(live, context).files, f"{name}: site")
    return [files[path] for path in sorted(files)]


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / BUILD_MARKER).exists():
        raise BuildError(
            f"{out} is not empty and was not made by 'publisher build'; "
            "choose an empty or new folder so nothing of yours is replaced"
        )


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` with ``staging`` by renames, so readers see the old or the new build."""
    if not out.exists():
        staging.rename(out)
        return
    previous = out.with_name(f".{out.name}.previous")
    if previous.exists():
        shutil.rmtree(previous)
    out.rename(previous)
    try:
        staging.rename(out)
    except OSError:
        previous.rename(out)
        raise
    shutil.rmtree(previous)


def build_site(
    inputs: Sequence[Path],
    out: Path,
    registry: Registry,
    *,
    progress: Progress = _identity,
) -> BuildReport:
    """Validate every input, render every channel, then swap the result into ``out``."""
    out = out.resolve()
    _check_target(out)
    results, warnings = load_all(inputs, progress=progress)
    appeals = [r.appeal for r in results]
    files = render_all(appeals, registry)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        for item in files:
            target = staging / item.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.content)
        (staging / BUILD_MARKER).write_text(
            "Built by publisher. This whole folder is replaced by the next build.\n",
            encoding="utf-8",
        )
        staging.chmod(0o755)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildReport(appeals=appeals, warnings=warnings, files=len(files), out=out)
