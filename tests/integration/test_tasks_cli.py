"""The scheduling and operator commands, against a real SQLite database (no worker needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from publisher.entrypoints import cli as cli_ops
from publisher.entrypoints.cli.operators import DELIVERY_STATES
from publisher.settings import ENVIRONMENT_VARIABLES

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
APPEAL_ID = "missing-woman-sam-example"


@pytest.fixture()
def group() -> click.Group:
    cli = click.Group("publisher")
    cli_ops.register(cli)
    return cli


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBLISHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "site"))
    yield tmp_path / "data"


def invoke(group: click.Group, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(group, list(args), catch_exceptions=False)
    assert result.exit_code == code, f"exit {result.exit_code}\n{result.output}"
    return result


def approve(group: click.Group, appeal_id: str = APPEAL_ID) -> Result:
    """Approve the current revision as the approver ``checker`` (added on first use)."""
    if "checker" not in invoke(group, "users", "list").output:
        invoke(group, "users", "add", "checker", "--role", "approver")
    return invoke(group, "approve", appeal_id, "--as", "checker")


def rows(group: click.Group, *args: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = json.loads(invoke(group, "deliveries", "--json", *args).stdout)
    return listed


def test_every_command_is_registered(group: click.Group) -> None:
    expected = {
        "migrate", "worker", "beat", "site", "run", "import", "schedule", "update", "resolve",
        "withdraw", "deliveries", "retry", "cancel", "confirm", "status", "channels", "audit",
    }  # fmt: skip
    assert expected <= set(group.commands)


def test_import_prints_the_revision_and_is_idempotent(group: click.Group, env: Path) -> None:
    assert invoke(group, "import", str(SAMPLE)).output == f"{APPEAL_ID}: revision 1\n"
    assert invoke(group, "import", str(SAMPLE)).output == f"{APPEAL_ID}: revision 1\n"
    assert (env / "publisher.db").is_file()


def test_schedule_repeats_at_the_same_local_time_across_the_clock_change(
    group: click.Group, env: Path
) -> None:
    # Clocks go back at 02:00 on Sunday 31 October 2027: 07:15 stays 07:15 (BST, then GMT).
    invoke(group, "import", str(SAMPLE))
    approve(group)
    out = invoke(
        group,
        "schedule", str(SAMPLE), "--channel", "web", "--channel", "x",
        "--at", "07:15 30/10/2027", "--every", "1d", "--until", "01/11/2027",
    ).output  # fmt: skip
    assert "Scheduled missing-woman-sam-example on web, x at 3 time(s):" in out
    assert "2027-10-30 07:15 BST" in out
    assert "2027-10-31 07:15 GMT" in out
    assert "2027-11-01 07:15 GMT" in out
    listed = rows(group)
    assert len(listed) == 6
    assert {r["state"] for r in listed} == {"scheduled"}
    assert sorted({r["due_at"] for r in listed}) == [
        "2027-10-30T06:15:00+00:00",
        "2027-10-31T07:15:00+00:00",
        "2027-11-01T07:15:00+00:00",
    ]
    table = invoke(group, "deliveries").output.splitlines()
    assert table[0].split() == [
        "ID", "APPEAL", "CHANNEL", "DUE", "STATE", "TRIES", "LAST", "ERROR", "LINK",
    ]  # fmt: skip
    assert any("2027-10-30 07:15 BST" in line and "scheduled" in line for line in table[1:])

    # The same slot again is refused, naming the delivery already there; nothing is added.
    again = invoke(group, "schedule", APPEAL_ID, "-c", "web", "--at", "2027-10-30 07:15", code=4)
    assert again.stderr.splitlines()[-1].startswith("error: ")
    assert "already scheduled on web" in again.stderr
    assert "delivery 1" in again.stderr
    assert len(rows(group)) == 6


def test_schedule_now_and_bad_arguments(group: click.Group, env: Path) -> None:
    invoke(group, "import", str(SAMPLE))
    unapproved = invoke(group, "schedule", APPEAL_ID, "-c", "text", "--now", code=4)
    assert "is not approved yet" in unapproved.stderr
    assert f"publisher approve {APPEAL_ID} --as NAME" in unapproved.stderr
    approve(group)
    out = invoke(group, "schedule", APPEAL_ID, "-c", "text", "--now").stdout
    assert out.startswith(f"Publishing {APPEAL_ID} now on text: deliveries ")
    (row,) = rows(group, "--state", "scheduled")
    assert row["channel"] == "text"

    assert (
        "exactly one of --at TIME or --now"
        in invoke(group, "schedule", APPEAL_ID, "-c", "web", code=2).output
    )
    assert (
        "exactly one of"
        in invoke(group, "schedule", APPEAL_ID, "-c", "web", "--now", "--at", "now", code=2).output
    )
    assert (
        "unknown channel(s) fax"
        in invoke(group, "schedule", APPEAL_ID, "-c", "fax", "--now", code=2).output
    )
    assert "unknown time zone 'Mars/Olympus'" in invoke(
        group, "schedule", APPEAL_ID, "-c", "web", "--at", "07:15 01/01/2030",
        "--tz", "Mars/Olympus", code=2,
    ).output  # fmt: skip
    assert (
        "in the past"
        in invoke(
            group, "schedule", APPEAL_ID, "-c", "web", "--at", "07:15 01/01/2020", code=2
        ).output
    )
    assert (
        "no-such-appeal"
        in invoke(group, "schedule", "no-such-appeal", "-c", "web", "--now", code=3).output
    )
    assert len(rows(group)) == 1


def test_cancel_retry_confirm(group: click.Group, env: Path) -> None:
    from sqlalchemy import update

    from publisher.settings import Settings
    from publisher.store import Store
    from publisher.store.models import DeliveryRow

    invoke(group, "import", str(SAMPLE))
    approve(group)
    invoke(group, "schedule", APPEAL_ID, "-c", "x", "-c", "text", "--at", "09:00 01/06/2030")
    x_id, text_id = (r["id"] for r in sorted(rows(group), key=lambda r: r["channel"] != "x"))

    assert invoke(group, "cancel", str(text_id)).output == f"delivery {text_id}: cancelled\n"
    assert "error:" in invoke(group, "cancel", str(text_id), code=4).output
    assert "error:" in invoke(group, "retry", str(x_id), code=4).output  # scheduled, not failed
    assert "999999" in invoke(group, "cancel", "999999", code=3).output

    # The X post may or may not have gone out (a timeout after sending): a person settles it.
    store = Store(Settings.from_env().database_url)
    try:
        with store.session() as session:
            session.execute(
                update(DeliveryRow).where(DeliveryRow.id == x_id).values(state="unknown")
            )
    finally:
        store.dispose()
    assert "--published or --not-published" in invoke(group, "confirm", str(x_id), code=2).output
    invoke(group, "confirm", str(x_id), "--not-published")
    assert {r["id"]: r["state"] for r in rows(group)}[x_id] == "scheduled"

    with Store(Settings.from_env().database_url).session() as session:
        session.execute(update(DeliveryRow).where(DeliveryRow.id == x_id).values(state="unknown"))
    invoke(group, "confirm", str(x_id), "--published", "--remote-id", "1234567890")
    (x_row,) = rows(group, "--state", "published")
    assert (x_row["id"], x_row["remote_id"]) == (x_id, "1234567890")


def test_withdraw_cancels_what_is_pending(group: click.Group, env: Path) -> None:
    invoke(group, "import", str(SAMPLE))
    approve(group)
    invoke(group, "schedule", APPEAL_ID, "-c", "x", "--at", "09:00 01/06/2030")
    assert invoke(group, "withdraw", APPEAL_ID).output == f"{APPEAL_ID}: withdrawn\n"
    assert [r["state"] for r in rows(group)] == ["cancelled"]
    assert "withdrawn" in invoke(group, "schedule", APPEAL_ID, "-c", "x", "--now", code=4).output


def test_update_and_resolve_store_new_revisions(
    group: click.Group, env: Path, tmp_path: Path
) -> None:
    invoke(group, "import", str(SAMPLE))
    changed = json.loads(SAMPLE.read_text(encoding="utf-8"))
    changed["summary"] = "Sam was last seen on Friday evening near the station."
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(changed), encoding="utf-8")
    approve(group)
    assert invoke(group, "update", str(edited)).stdout == f"{APPEAL_ID}: revision 2\n"
    assert approve(group).stdout == f"{APPEAL_ID}: revision 2 approved by checker\n"
    out = invoke(group, "resolve", APPEAL_ID, "--resolution", "Sam has been found safe.").stdout
    assert out == f"{APPEAL_ID}: resolved (revision 3)\n"
    assert "resolution" in invoke(group, "resolve", APPEAL_ID, code=2).output


def test_status_is_down_before_any_dispatcher_tick(group: click.Group, env: Path) -> None:
    result = invoke(group, "status", "--json", "--timeout", "0.5", code=2)
    report = json.loads(result.stdout)
    assert report["healthy"] is False
    assert (report["status"], report["exit_code"]) == ("down", 2)
    assert report["last_tick"] is None
    assert report["broker"]["kind"] == "filesystem"
    assert report["broker"]["workers"] == 0
    text = invoke(group, "status", "--timeout", "0.5", code=2).output
    assert text.startswith("healthy: NO\n")
    assert "never ticked" in text
    assert "last dispatcher tick: never" in text
    assert "workers answering: 0" in text


def test_status_with_an_unreachable_broker_names_no_secret(
    group: click.Group, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.conftest import free_port

    monkeypatch.setenv("BROKER_URL", f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0")
    monkeypatch.setenv("X_API_KEY", "x-key-secret")
    monkeypatch.setenv("X_ACCESS_TOKEN_SECRET", "x-token-secret")
    result = CliRunner().invoke(group, ["status", "--json", "--timeout", "0.5"])
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    assert report["broker"]["depth"] is None
    assert report["broker"]["error"].startswith("broker unreachable")
    for secret in ("hunter2-secret", "x-key-secret", "x-token-secret"):
        assert secret not in result.output


def test_state_choices_match_the_ledger() -> None:
    from publisher.store.models import DeliveryState

    assert set(DELIVERY_STATES) == {state.value for state in DeliveryState}


def test_appeals_with_accessibility_errors_are_not_scheduled(
    group: click.Group, env: Path, tmp_path: Path
) -> None:
    record = json.loads(SAMPLE.read_text(encoding="utf-8"))
    record["image"]["alt"] = "image"
    bad = tmp_path / "bad-alt.json"
    bad.write_text(json.dumps(record), encoding="utf-8")
    refused = invoke(group, "schedule", str(bad), "-c", "web", "--now", code=1)
    assert "not scheduled: fix these errors first" in refused.stderr
    assert "[alt-text-meaningless]" in refused.stderr
    assert "fix: Describe what the image shows" in refused.stderr
    # Imported (import does not schedule), but by id it is refused just the same.
    invoke(group, "import", str(bad))
    assert (
        "[alt-text-meaningless]"
        in invoke(group, "schedule", APPEAL_ID, "-c", "web", "--now", code=1).stderr
    )
    assert rows(group) == []


def test_approve_holds_the_two_person_rule_between_named_users(
    group: click.Group, env: Path
) -> None:
    invoke(group, "import", str(SAMPLE))
    invoke(group, "users", "add", "writer", "--role", "author")
    invoke(group, "users", "add", "boss", "--role", "admin")
    assert (
        "needs the approver role"
        in invoke(group, "approve", APPEAL_ID, "--as", "writer", code=8).stderr
    )
    assert (
        "no user 'nobody'" in invoke(group, "approve", APPEAL_ID, "--as", "nobody", code=3).stderr
    )
    assert (
        "not the current one"
        in invoke(group, "approve", APPEAL_ID, "--as", "boss", "--revision", "2", code=4).stderr
    )
    assert "admin role" in invoke(
        group, "approve", APPEAL_ID, "--as", "writer", "--urgent", "Missing child, high risk",
        code=8,
    ).stderr  # fmt: skip
    assert (
        "say why"
        in invoke(group, "approve", APPEAL_ID, "--as", "boss", "--urgent", "now", code=1).stderr
    )
    out = invoke(
        group, "approve", APPEAL_ID, "--as", "boss", "--urgent", "Missing child, high risk"
    ).stdout
    assert out == f"{APPEAL_ID}: revision 1 approved by boss (urgent: Missing child, high risk)\n"
    assert "already approved by boss" in invoke(group, "approve", APPEAL_ID, "--as", "boss").stdout
    again = json.loads(invoke(group, "approve", APPEAL_ID, "--as", "boss", "--json").stdout)
    assert (again["kind"], again["reason"], again["newly"]) == (
        "urgent",
        "Missing child, high risk",
        False,
    )
    assert rows(group) == []  # approving schedules nothing
    invoke(group, "schedule", APPEAL_ID, "-c", "text", "--now")
    assert len(rows(group)) == 1
