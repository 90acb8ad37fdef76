"""Every third-party module the package imports is a declared dependency of the project.

A module that is only installed because another dependency (or the test extra) happens to pull
it in works on a developer's machine and breaks the day that dependency stops needing it. So:
each top-level module imported anywhere under ``publisher/`` (``publisher/channels`` included,
imports inside functions included) must come from a distribution named in
``[project].dependencies``. An optional extra counts only for an import listed in
``OPTIONAL_IMPORTS``, each a documented optional path.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "publisher"

# (file relative to the repository, top-level module) → the extra that provides it. Only for an
# import that sits on a path the code documents as optional (it runs only when the extra is
# installed). Empty today: PostgreSQL's driver is named in a URL, never imported by the code.
OPTIONAL_IMPORTS: dict[tuple[str, str], str] = {}

_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    """The normalised distribution names of PEP 508 requirement strings."""
    names: set[str] = set()
    for requirement in requirements:
        match = _NAME.match(requirement)
        assert match, f"pyproject.toml: cannot read the requirement {requirement!r}"
        names.add(normalise(match.group(1)))
    return names


def python_files() -> Iterator[Path]:
    """Every ``.py`` file of the package, through the ``channels`` and ``templates`` links."""
    for folder, _dirs, files in os.walk(PACKAGE, followlinks=True):
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder, name)


def third_party_imports() -> dict[str, list[str]]:
    """Top-level module → ``file:line`` of each import of it (stdlib and ``publisher`` left out)."""
    found: dict[str, list[str]] = {}
    for path in python_files():
        relative = path.relative_to(REPO).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:  # a relative import stays inside the package
                continue
            for module in modules:
                top = module.partition(".")[0]
                if top in sys.stdlib_module_names or top == "publisher":
                    continue
                found.setdefault(top, []).append(f"{relative}:{node.lineno}")
    return found


def test_the_walk_sees_the_whole_package() -> None:
    """The walk follows ``publisher/channels`` (a link), so the channels are checked too."""
    seen = {path.relative_to(PACKAGE).as_posix() for path in python_files()}
    assert {"channels/web/channel.py", "channels/x/text.py", "entrypoints/cli/__init__.py"} <= seen
    assert "twitter_text" in third_party_imports()


def test_every_imported_module_is_a_declared_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = requirement_names(project.get("dependencies", []))
    extras = {
        extra: requirement_names(requirements)
        for extra, requirements in project.get("optional-dependencies", {}).items()
    }
    providers = packages_distributions()

    problems: list[str] = []
    for module, places in sorted(third_party_imports().items()):
        names = sorted(set(providers.get(module, [])))
        distributions = {normalise(name) for name in names}
        where = ", ".join(places)
        if not distributions:
            problems.append(f"{module} (imported by {where}) comes from no installed distribution")
            continue
        if distributions & declared:
            continue
        for place in places:
            file = place.rpartition(":")[0]
            extra = OPTIONAL_IMPORTS.get((file, module))
            if extra is not None and distributions & extras.get(extra, set()):
                continue
            problems.append(
                f"{module} (imported by {place}) comes from {', '.join(names)},"
                " which [project].dependencies in pyproject.toml does not name"
            )
    assert not problems, "undeclared dependencies:\n" + "\n".join(problems)
