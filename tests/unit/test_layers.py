"""The layers of ``publisher``, enforced: who may import whom.

Every import in every module of the package is read with ``ast`` (imports inside functions
count too), and checked against the contracts below. A crossing fails with the module, the
line and the import that crossed. ``publisher/channels`` is the top-level ``channels/`` folder,
installed under the package, so it is checked as ``publisher.channels``.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "publisher"

#: Third-party libraries that do I/O or build adapters: the pure domain uses none of them.
IO_LIBRARIES = frozenset(
    {
        "alembic",
        "celery",
        "click",
        "feedgen",
        "httpx",
        "jinja2",
        "kombu",
        "markupsafe",
        "psycopg",
        "redis",
        "requests",
        "sqlalchemy",
        "tweepy",
        "urllib3",
    }
)


@dataclass(frozen=True)
class Contract:
    """Modules under ``layer`` may import, of ours, only ``allowed`` (prefixes), and none of
    the third-party ``forbidden_libraries``."""

    name: str
    layer: str
    allowed: tuple[str, ...] | None = None
    """Prefixes of our modules the layer may import (None: any but ``forbidden``)."""
    forbidden: tuple[str, ...] = ()
    """Prefixes of our modules the layer must not import."""
    forbidden_libraries: frozenset[str] = frozenset()


CONTRACTS = (
    Contract(
        "the error tree imports nothing of ours",
        "publisher.errors",
        allowed=("publisher.errors",),
    ),
    Contract(
        "the domain imports only itself (and the error tree), and no I/O library",
        "publisher.domain",
        allowed=("publisher.domain", "publisher.errors"),
        forbidden_libraries=IO_LIBRARIES,
    ),
    Contract(
        "the channel port imports only the domain and the errors",
        "publisher.channel",
        allowed=("publisher.channel", "publisher.domain", "publisher.errors"),
    ),
    Contract(
        "channels import only the domain, the port and the errors",
        "publisher.channels",
        allowed=("publisher.channels", "publisher.channel", "publisher.domain", "publisher.errors"),
    ),
    Contract(
        "importers and checks know nothing of storage, use cases or entry points",
        "publisher.importers",
        allowed=("publisher.importers", "publisher.domain", "publisher.errors"),
        forbidden_libraries=IO_LIBRARIES,
    ),
    Contract(
        "the checks read renditions through the port only",
        "publisher.lint",
        allowed=("publisher.lint", "publisher.domain", "publisher.channel", "publisher.errors"),
        forbidden_libraries=IO_LIBRARIES,
    ),
    Contract(
        "the store does not import the use cases, the channels or the entry points",
        "publisher.store",
        allowed=("publisher.store", "publisher.domain", "publisher.errors"),
    ),
    Contract(
        "the use cases do not import the entry points, the composition root or a channel",
        "publisher.services",
        forbidden=("publisher.entrypoints", "publisher.bootstrap", "publisher.channels"),
    ),
    Contract(
        "settings import only the domain, the port's values and the errors",
        "publisher.settings",
        allowed=("publisher.settings", "publisher.domain", "publisher.channel", "publisher.errors"),
    ),
)


@dataclass(frozen=True)
class Import:
    module: str
    """The importing module, dotted."""
    line: int
    target: str
    """What it imports, dotted (``from a import b`` gives ``a.b`` when b is a module)."""


def module_name(path: Path, root: Path = PACKAGE) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool) -> list[Import]:
    """Every import in ``source``, absolute (relative imports are resolved)."""
    found: list[Import] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(Import(module, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                found.append(Import(module, node.lineno, f"{base}.{alias.name}"))
    return found


def package_files(root: Path = PACKAGE) -> list[Path]:
    """Every module of the package, through the links to ``channels/`` and ``templates/``."""
    files = [
        Path(folder) / name
        for folder, _, names in os.walk(root, followlinks=True)
        for name in names
        if name.endswith(".py")
    ]
    return sorted(files)


def package_imports(root: Path = PACKAGE) -> list[Import]:
    found: list[Import] = []
    for path in package_files(root):
        module = module_name(path, root)
        source = path.read_text(encoding="utf-8")
        found.extend(imports_of(source, module, is_package=path.name == "__init__.py"))
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _ours(target: str) -> bool:
    return _within(target, "publisher")


def violations(contracts: Iterable[Contract], imports: Iterable[Import]) -> list[str]:
    """Each import that breaks a contract, as ``module:line imports target (contract)``."""
    broken: list[str] = []
    for item in imports:
        for contract in contracts:
            if not _within(item.module, contract.layer):
                continue
            target = item.target
            if _ours(target):
                # ``from publisher import services`` names a module; ``from publisher.x import
                # Thing`` names a member of publisher.x: both are checked by their prefix.
                if target == "publisher" or target == "publisher.__version__":
                    continue
                if (
                    contract.allowed is not None
                    and not any(_within(target, p) for p in contract.allowed)
                ) or any(_within(target, p) for p in contract.forbidden):
                    broken.append(f"{item.module}:{item.line} imports {target} ({contract.name})")
            elif target.split(".")[0] in contract.forbidden_libraries:
                broken.append(f"{item.module}:{item.line} imports {target} ({contract.name})")
    return broken


def test_the_package_keeps_its_layers() -> None:
    imports = package_imports()
    assert len({i.module for i in imports}) > 50, "the walk missed the package"
    assert any(i.module.startswith("publisher.channels.") for i in imports), "channels unseen"
    assert violations(CONTRACTS, imports) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("publisher.domain.record", "import sqlalchemy\n", "imports sqlalchemy"),
        ("publisher.domain.record", "from publisher.store import Store\n", "publisher.store"),
        ("publisher.channels.web", "from publisher.settings import Settings\n", "settings"),
        ("publisher.channels.web", "from publisher import services\n", "publisher.services"),
        ("publisher.store.ledger", "from ..services import schedule\n", "services.schedule"),
        (
            "publisher.services.scheduling",
            "def f():\n    from publisher.entrypoints.cli import cli\n",
            "entrypoints",
        ),
        ("publisher.errors", "from publisher.domain import record\n", "publisher.domain"),
    ],
)
def test_a_crossed_layer_is_reported(module: str, source: str, expected: str) -> None:
    is_package = False
    found = violations(CONTRACTS, imports_of(source, module, is_package=is_package))
    assert len(found) == 1 and expected in found[0], found
    assert found[0].startswith(f"{module}:")


def test_allowed_imports_pass() -> None:
    allowed: Mapping[str, str] = {
        "publisher.channels.web": "from publisher.channel.files import publish_files\n",
        "publisher.domain.phones": "from publisher.domain.record import Contact\nimport re\n",
        "publisher.services.appeals": "from publisher.store import ledger\n",
        "publisher.entrypoints.tasks": "from publisher.bootstrap import bootstrap\n",
    }
    for module, source in allowed.items():
        assert violations(CONTRACTS, imports_of(source, module, is_package=False)) == []
