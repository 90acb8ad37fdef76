"""``publisher.services`` imports its families on first use (PEP 562): every public name and
every family is still there, as the same object its module defines."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from publisher import services


@pytest.mark.parametrize("name", services.__all__)
def test_every_public_name_is_the_one_its_module_defines(name: str) -> None:
    value = getattr(services, name)
    home = importlib.import_module(services._WHERE[name])
    assert value is getattr(home, name)
    namespace: dict[str, object] = {}
    exec(f"from publisher.services import {name}", namespace)  # the form callers use
    assert namespace[name] is value


def test_the_table_and_all_agree() -> None:
    assert sorted(services.__all__) == sorted(services._WHERE)
    assert set(services.__all__) <= set(dir(services))


@pytest.mark.parametrize("family", sorted(services._FAMILIES))
def test_every_family_is_an_attribute(family: str) -> None:
    module = getattr(services, family)
    assert module is importlib.import_module(f"publisher.services.{family}")
    assert family in dir(services)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_service"):
        services.no_such_service  # noqa: B018
    with pytest.raises(ImportError):
        exec("from publisher.services import no_such_service", {})


def test_importing_the_package_loads_no_family() -> None:
    code = (
        "import sys, publisher.services as s; "
        "print(sorted(m for m in sys.modules if m.startswith('publisher.services.')"
        " or m.partition('.')[0] == 'sqlalchemy'))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
