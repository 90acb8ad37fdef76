"""``publisher`` imports a command's module only when that command runs.

The table :data:`publisher.entrypoints.cli.LAZY` says where each command lives and what
``publisher --help`` says of it; these tests hold it to the commands the modules really define,
and run the real console entry in fresh processes to see which modules a command loads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from publisher.entrypoints.cli import LAZY, MODULES, PublisherGroup, cli, register
from publisher.entrypoints.cli import __doc__ as cli_doc
from publisher.services import _FAMILIES

TESTS = Path(__file__).parents[1]
FIXTURES = TESTS / "fixtures"
SEED_FILES = sorted((FIXTURES / "seeds").glob("*.txt"))
GOLDEN = TESTS / "golden" / "seeds"

# What a command that reads one file must never load.
ADAPTERS = ("celery", "kombu", "sqlalchemy", "alembic", "jinja2", "tweepy", "feedgen", "httpx")
COMMAND_MODULES = tuple(f"publisher.entrypoints.cli.{module}" for module in MODULES)


def _real_commands() -> dict[str, tuple[str, click.Command]]:
    eager = click.Group("eager")
    register(eager)
    return {
        name: (command.callback.__module__.rsplit(".", 1)[-1], command)  # type: ignore[union-attr]
        for name, command in eager.commands.items()
    }


def test_the_table_names_every_command_and_its_module() -> None:
    real = _real_commands()
    assert sorted(LAZY) == sorted(real)
    for name, (module, command) in real.items():
        assert LAZY[name].module == module, name
        assert LAZY[name].hidden == command.hidden, name


@pytest.mark.parametrize("name", sorted(LAZY))
def test_the_table_gives_each_command_its_own_short_help(name: str) -> None:
    """Click shortens the summary to the terminal's width: equal at every width it can use."""
    _, command = _real_commands()[name]
    stand_in = click.Command(name, help=LAZY[name].summary, hidden=LAZY[name].hidden)
    for limit in range(10, 200):
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), limit


@pytest.mark.parametrize("width", [40, 80, 120])
def test_help_lists_the_commands_as_an_eager_group_would(width: int) -> None:
    eager = click.Group("publisher", help=cli.help)
    register(eager)
    lazy = PublisherGroup("publisher", help=cli.help)
    shown = []
    for group_ in (eager, lazy):
        with click.Context(group_, info_name="publisher", terminal_width=width) as ctx:
            formatter = ctx.make_formatter()
            group_.format_commands(ctx, formatter)
            shown.append(formatter.getvalue())
    assert "inspect" in shown[0] and "enable " not in shown[0]
    assert shown[1] == shown[0]


def test_a_command_loads_when_it_is_used() -> None:
    group_ = PublisherGroup("publisher")
    with click.Context(group_) as ctx:
        assert group_.get_command(ctx, "no-such-command") is None
        inspect = group_.get_command(ctx, "inspect")
    assert inspect is not None and inspect.name == "inspect"
    assert group_.commands["inspect"] is inspect


@pytest.mark.parametrize("name", sorted(LAZY))
def test_every_command_answers_help(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"], prog_name="publisher")
    assert result.exit_code == 0, result.output
    assert f"Usage: publisher {name}" in result.output


def test_an_unknown_command_is_refused() -> None:
    result = CliRunner().invoke(cli, ["inspecct"], prog_name="publisher")
    assert result.exit_code == 2
    assert "No such command 'inspecct'" in result.output


# Runs the console entry as the ``publisher`` script does; on the way out (also through
# ``sys.exit``) writes the names of every module it imported to stderr, after a marker.
_ENTRY = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\n@modules " + json.dumps(sorted(sys.modules))))
from publisher.entrypoints.cli import main
main()
"""


def _run(*args: str, cwd: Path) -> tuple[str, set[str]]:
    """Run ``publisher ARGS`` in a fresh process: its stdout and the modules it imported."""
    proc = subprocess.run(
        [sys.executable, "-c", _ENTRY, *args], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    _, marker, listed = proc.stderr.rpartition("\n@modules ")
    assert marker, proc.stderr[-2000:]
    modules = set(json.loads(listed))
    assert "publisher.entrypoints.cli" in modules
    return proc.stdout, modules


def _tops(modules: set[str]) -> set[str]:
    return {name.partition(".")[0] for name in modules}


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_inspect_loads_the_importers_and_nothing_else(path: Path) -> None:
    out, modules = _run("inspect", f"seeds/{path.name}", cwd=FIXTURES)
    assert out == (GOLDEN / f"{path.stem}.record.json").read_text(encoding="utf-8")
    assert "publisher.importers.seed" in modules
    assert not _tops(modules) & set(ADAPTERS), _tops(modules) & set(ADAPTERS)
    assert "markdown_it" not in _tops(modules)  # the Markdown parser is for native files
    loaded = {m for m in modules if m.startswith("publisher.")}
    assert loaded & set(COMMAND_MODULES) == {"publisher.entrypoints.cli.authoring"}
    unwanted_packages = ("publisher.services", "publisher.bootstrap", "publisher.store")
    for unwanted in (*unwanted_packages, "publisher.lint"):  # the linter loads all of ftfy
        assert not {m for m in loaded if m == unwanted or m.startswith(unwanted + ".")}, unwanted
    assert not {m for m in loaded if m.startswith("publisher.channels")}


def test_inspect_loads_ftfy_only_for_text_it_may_change(tmp_path: Path) -> None:
    """ftfy is imported only for text :func:`publisher.domain.cleaning.ftfy_would_change` says
    it may change (tests/unit/test_cleaning.py holds that to ftfy): not for a seed in printable
    ASCII, nor for one whose only other character is a stray 'Â' ftfy leaves alone; a seed with
    mojibake loads it (and is repaired)."""
    ascii_seeds = [p for p in SEED_FILES if p.read_bytes().isascii()]
    other_seeds = [p for p in SEED_FILES if not p.read_bytes().isascii()]
    assert ascii_seeds and other_seeds
    for seed in (ascii_seeds[0], other_seeds[0]):
        _, modules = _run("inspect", str(seed), cwd=FIXTURES)
        assert not {"ftfy", "wcwidth"} & _tops(modules), seed
    text = ascii_seeds[0].read_text(encoding="utf-8")
    garbled = tmp_path / ascii_seeds[0].name
    garbled.write_text(text.replace("you've", "you\u00e2\u20ac\u2122ve", 1), encoding="utf-8")
    assert garbled.read_text(encoding="utf-8") != text
    out, modules = _run("inspect", str(garbled), cwd=FIXTURES)
    assert "ftfy" in _tops(modules)
    assert "\u00e2\u20ac" not in out and "you\u2019ve" in out


def test_help_imports_no_command_module() -> None:
    out, modules = _run("--help", cwd=FIXTURES)
    assert "inspect " in out and "users " in out
    assert not modules & set(COMMAND_MODULES), modules & set(COMMAND_MODULES)
    assert not _tops(modules) & {*ADAPTERS, "pydantic", "yaml"}


def test_the_module_doc_names_every_command_module() -> None:
    assert cli_doc is not None
    for module in MODULES:
        assert f"cli.{module}`" in cli_doc, module


# The platforms' network client libraries: only publishing talks to a platform, so rendering
# (``publisher build``) must load none of them.
CLIENT_LIBRARIES = (
    "atproto",
    "atproto_client",
    "atproto_core",
    "tweepy",
    "requests",
    "requests_oauthlib",
    "mastodon",
    "notifications_python_client",
    "httpx",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, set[str]]:
    """``publisher build`` of the seeds into a new folder: its stdout and imported modules."""
    tmp_path = tmp_path_factory.mktemp("build")
    out = tmp_path / "site"
    stdout, modules = _run("build", str(FIXTURES / "seeds"), "--out", str(out), cwd=tmp_path)
    assert f"{len(SEED_FILES)} appeal(s) read and rendered" in stdout, stdout
    assert (out / "index.html").is_file() and (out / "feeds" / "rss.xml").is_file()
    return stdout, modules


def test_build_loads_no_platform_client_library(built: tuple[str, set[str]]) -> None:
    """Every channel renders in a build (the social ones too), yet none of them loads the
    library it publishes with."""
    _, modules = built
    for name in ("x", "mastodon", "bluesky", "facebook", "notify"):
        assert f"publisher.channels.{name}.channel" in modules, name
    loaded = _tops(modules) & set(CLIENT_LIBRARIES)
    assert not loaded, sorted(loaded)


def test_build_loads_no_database_code(built: tuple[str, set[str]]) -> None:
    """A build reads files and writes files: neither SQLAlchemy, nor the store, nor the use
    cases that need the database (``publisher.services`` loads its families on first use, and
    the Notify channel's subscriber source opens the store only when it sends)."""
    _, modules = built
    assert "publisher.services.build" in modules
    assert "publisher.channels.notify.channel" in modules
    assert not {"sqlalchemy", "alembic"} & _tops(modules)
    loaded = {m for m in modules if m.startswith("publisher.")}
    assert not {m for m in loaded if m == "publisher.store" or m.startswith("publisher.store.")}
    # Every family but the build's own works on the database.
    database_families = {
        f"publisher.services.{family}" for family in _FAMILIES - {"build", "build_cache"}
    }
    assert not loaded & database_families, sorted(loaded & database_families)


def test_a_rebuild_with_nothing_changed_compiles_no_twitter_text(tmp_path: Path) -> None:
    """twitter-text's expressions (URLs, emoji) are built on first use: a first build renders
    posts and loads it; a rebuild in which no appeal changed renders none, and does not."""
    out = tmp_path / "site"
    args = ("build", str(FIXTURES / "seeds"), "--out", str(out))
    _, first = _run(*args, cwd=tmp_path)
    assert "twitter_text" in _tops(first)
    stdout, again = _run(*args, cwd=tmp_path)
    assert "(0 appeal(s) read and rendered" in stdout, stdout
    assert "publisher.channels.x.channel" in again  # the channels are built all the same
    assert "twitter_text" not in _tops(again)
