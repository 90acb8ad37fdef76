"""Each family of the error tree leaves the command line with its own exit code and one line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher import errors
from publisher.entrypoints.cli import cli
from publisher.settings import ENVIRONMENT_VARIABLES

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBLISHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "site"))
    return tmp_path


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_family_has_its_own_exit_code() -> None:
    families = [
        errors.ContentError,
        errors.UsageError,
        errors.NotFound,
        errors.Conflict,
        errors.Unavailable,
        errors.OutputError,
        errors.PublishError,
        errors.AccessDenied,
    ]
    codes = [family.exit_code for family in families]
    assert codes == [1, 2, 3, 4, 5, 6, 7, 8]
    assert errors.RecordInvalid.exit_code == errors.NotReadyToPublish.exit_code == 1
    assert errors.UnknownDelivery.exit_code == 3
    assert errors.InvalidTransition.exit_code == errors.ScheduleConflict.exit_code == 4
    assert errors.BuildError.exit_code == 6


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["retry", "424242"], 3, "no delivery 424242"),
        (["withdraw", "no-such-appeal"], 3, "no appeal 'no-such-appeal'"),
        (["schedule", "no-such-appeal", "-c", "nope", "--now"], 2, "unknown channel"),
        (["schedule", "x", "-c", "web", "--at", "soon"], 2, "soon"),
    ],
)
def test_refusals_exit_with_their_family_code(
    env: Path, args: list[str], code: int, words: str
) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_database_is_unavailable(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = _closed_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://publisher:s3cret@127.0.0.1:{port}/none")
    result = CliRunner().invoke(cli, ["deliveries"])
    assert result.exit_code == 5, result.output
    assert result.output.startswith("error: the database ")
    assert f"127.0.0.1:{port}" in result.output
    assert "s3cret" not in result.output
