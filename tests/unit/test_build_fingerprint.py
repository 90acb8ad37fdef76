"""The build cache's fingerprint holds a plug-in channel's own code, found from its factory
without building the channel (:func:`publisher.services.build_cache.fingerprint`)."""

from __future__ import annotations

import importlib
import importlib.metadata
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from publisher.bootstrap import build_registry
from publisher.channel.registry import Registry
from publisher.services import build_cache
from publisher.settings import Settings

PACKAGE = "fingerprint_probe_plugin"
MODULE = "fingerprint_probe_module"

CHANNEL = '''
from publisher.testing import FakeChannel


class ProbeChannel(FakeChannel):
    """A plug-in's channel, in a module of its own."""
'''

FACTORY = f"""
from {PACKAGE}.channel import ProbeChannel

BUILT: list[str] = []


def probe_factory(settings):
    BUILT.append("probe")
    return ProbeChannel("probe")
"""


@pytest.fixture()
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on ``sys.path`` with a plug-in package (factory and channel in separate
    modules) and a top-level plug-in module; both forgotten afterwards."""
    package = tmp_path / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "channel.py").write_text(CHANNEL, encoding="utf-8")
    (package / "factory.py").write_text(FACTORY, encoding="utf-8")
    single = CHANNEL + FACTORY.split("\n", 2)[2].replace("BUILT", "MADE")  # no import
    (tmp_path / f"{MODULE}.py").write_text(single, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a plug-in's\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [n for n in sys.modules if n.partition(".")[0] in (PACKAGE, MODULE)]:
        del sys.modules[name]


def _registry(module: ModuleType, attr: str) -> Registry:
    return build_registry(Settings(), extra={"probe": getattr(module, attr)})


def _edit(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")


def test_a_plug_in_channels_code_is_in_the_fingerprint(plugins: Path) -> None:
    factory = importlib.import_module(f"{PACKAGE}.factory")
    registry = _registry(factory, "probe_factory")
    first = build_cache.fingerprint(registry)
    assert build_cache.fingerprint(registry) == first
    assert factory.BUILT == []  # no channel was built to find its code

    _edit(plugins / PACKAGE / "channel.py")  # the channel class, not the factory's module
    second = build_cache.fingerprint(registry)
    assert second != first
    _edit(plugins / PACKAGE / "factory.py")
    assert build_cache.fingerprint(registry) not in (first, second)
    assert factory.BUILT == []
    assert type(registry.get("probe")).__module__ == f"{PACKAGE}.channel"


def test_a_top_level_plug_in_module_brings_only_itself(plugins: Path) -> None:
    """Its folder is another's (``site-packages`` as a rule): only the module's own bytes
    count, not its neighbours'."""
    module = importlib.import_module(MODULE)
    registry = _registry(module, "probe_factory")
    first = build_cache.fingerprint(registry)
    _edit(plugins / "notes.txt")  # beside it, but not its code
    assert build_cache.fingerprint(registry) == first
    _edit(plugins / f"{MODULE}.py")
    assert build_cache.fingerprint(registry) != first
    assert module.MADE == []


def test_each_distribution_is_named_as_its_parsed_metadata_names_it() -> None:
    """The fingerprint reads only the metadata's header lines: the same name and version as
    parsing all of it, for every distribution installed here."""
    for dist in importlib.metadata.distributions():
        parsed = f"{dist.metadata['Name']}=={dist.version}"
        assert build_cache._name_and_version(dist) == parsed


def _install(site: Path, version: str) -> None:
    for old in site.glob("fingerprint_probe_dist-*.dist-info"):
        shutil.rmtree(old)
    info = site / f"fingerprint_probe_dist-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: fingerprint-probe-dist\nVersion: {version}\n"
        "Summary: a probe\n\nA description.\nVersion: not a header\n",
        encoding="utf-8",
    )


def test_a_distributions_version_is_in_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    registry = build_registry(Settings())
    _install(site, "1.0")
    assert "fingerprint-probe-dist==1.0" in build_cache._distributions()
    first = build_cache.fingerprint(registry)
    assert build_cache.fingerprint(registry) == first
    _install(site, "1.1")
    assert "fingerprint-probe-dist==1.1" in build_cache._distributions()
    assert build_cache.fingerprint(registry) != first


def test_a_publisher_egg_info_in_the_working_directory_is_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build run from a source tree's root finds its ``publisher.egg-info`` (the working
    directory is on ``sys.path``): the package's own files are in the fingerprint, its
    metadata is not, wherever the build runs and however stale that folder."""
    registry = build_registry(Settings())
    first = build_cache.fingerprint(registry)
    info = tmp_path / "publisher.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: publisher\nVersion: 0.0.1.dev0\n\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    found = {d.version for d in importlib.metadata.distributions() if d.name == "publisher"}
    assert "0.0.1.dev0" in found  # found, as a build from there finds it
    assert not any(line.startswith("publisher==") for line in build_cache._distributions())
    assert build_cache.fingerprint(registry) == first
