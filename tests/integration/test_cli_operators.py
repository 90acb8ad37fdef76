"""The command line says what the console says: JSON from every command that changes
something, `deliveries show`, `channels`, `audit`, `confirm`'s refusals, the web page in the
LINK column, and `status` exiting 0, 1 or 2 against a real worker (or no database at all)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from publisher import services
from publisher.bootstrap import App, bootstrap
from publisher.domain.record import Appeal
from publisher.errors import AmbiguousPublishError, PermanentPublishError
from publisher.settings import ENVIRONMENT_VARIABLES, Settings
from publisher.store import health
from publisher.testing import FakeChannel
from tests.integration.conftest import (
    Processes,
    app_env,
    free_port,
    run_cli,
    wait_until,
    worker_ready,
)
from tests.support.approving import import_approved

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
APPEAL_ID = "missing-woman-sam-example"
SITE_URL = "https://appeals.example.police.uk/"


@pytest.fixture()
def group() -> click.Group:
    from publisher.entrypoints import cli

    made = click.Group("publisher")
    cli.register(made)
    return made


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    values = {
        "PUBLISHER_DATA_DIR": str(tmp_path / "data"),
        "OUTPUT_DIR": str(tmp_path / "site"),
        "SITE_URL": SITE_URL,
        # The commands only need the name "social" to exist; the test publishes through
        # ``wired``, whose "social" is a scripted fake.
        "PUBLISHER_EXTRA_CHANNELS": "social=tests.support.ambiguous:ambiguous_channel",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    yield values


def invoke(group: click.Group, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(group, list(args), catch_exceptions=False)
    assert result.exit_code == code, f"exit {result.exit_code}\n{result.output}"
    return result


def as_json(group: click.Group, *args: str) -> Any:
    return json.loads(invoke(group, *args, "--json").stdout)


def approve(group: click.Group, appeal_id: str = APPEAL_ID) -> None:
    """Approve the current revision as the approver ``checker`` (added on first use)."""
    if "checker" not in invoke(group, "users", "list").output:
        invoke(group, "users", "add", "checker", "--role", "approver")
    invoke(group, "approve", appeal_id, "--as", "checker")


@pytest.fixture()
def wired(env: dict[str, str]) -> Iterator[App]:
    """The deployment the commands use, with a scripted "social" channel for the ledger."""
    social = FakeChannel(
        "social",
        False,
        [
            PermanentPublishError("refused\nline two of the platform's answer: code 187"),
            AmbiguousPublishError("timed out after sending"),
        ],
    )
    app = bootstrap(Settings.from_env(), extra={"social": lambda s: social})
    try:
        yield app
    finally:
        app.close()


def _sample() -> Appeal:
    return Appeal.from_json(SAMPLE.read_text(encoding="utf-8"))


def _publish_all(app: App) -> None:
    for delivery in services.dispatch_due(app.store, now=datetime.now(UTC)):
        services.publish_delivery(app.store, app.registry, delivery)


def _state(app: App, delivery: int) -> str:
    return services.delivery_detail(app.store, delivery).delivery.state


# ---------------------------------------------------------------------------------- --json


def test_every_command_that_changes_something_prints_one_json_object(
    group: click.Group, wired: App, tmp_path: Path
) -> None:
    imported = as_json(group, "import", str(SAMPLE))
    assert list(imported) == ["appeals"]
    [one] = imported["appeals"]
    assert (one["appeal_id"], one["revision"]) == (APPEAL_ID, 1)
    assert one["source"].endswith("fixtures/sample.json")
    approve(group)
    later = as_json(group, "schedule", APPEAL_ID, "-c", "web", "--at", "09:00 01/06/2030")
    assert set(later) == {
        "appeal_id", "imported_revision", "channels", "target", "now", "times", "campaign",
        "deliveries", "warnings",
    }  # fmt: skip
    assert (later["appeal_id"], later["now"], later["channels"]) == (APPEAL_ID, False, ["web"])
    assert later["times"] == ["2030-06-01T08:00:00+00:00"] and later["imported_revision"] is None
    (scheduled,) = later["deliveries"]
    assert as_json(group, "cancel", str(scheduled)) == {
        "delivery_id": scheduled,
        "action": "cancel",
        "state": "cancelled",
    }
    soon = as_json(group, "schedule", str(SAMPLE), "-c", "social", "-c", "social", "--now")
    assert (soon["now"], soon["times"], soon["imported_revision"]) == (True, [], 1)
    _publish_all(wired)
    (failed,) = soon["deliveries"]
    assert _state(wired, failed) == "failed"
    assert as_json(group, "retry", str(failed)) == {
        "delivery_id": failed,
        "action": "retry",
        "state": "scheduled",
    }
    _publish_all(wired)
    assert _state(wired, failed) == "unknown"
    confirmed = as_json(
        group, "confirm", str(failed), "--published", "--remote-url", "https://x.example/s/1"
    )
    assert confirmed == {"delivery_id": failed, "action": "confirm", "state": "published"}
    changed = json.loads(SAMPLE.read_text(encoding="utf-8"))
    changed["summary"] = "Sam was last seen on Friday evening near the station."
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(changed), encoding="utf-8")
    assert as_json(group, "update", str(edited)) == {
        "appeal_id": APPEAL_ID,
        "revision": 2,
        "announce": False,
    }
    assert as_json(group, "resolve", APPEAL_ID, "--resolution", "Sam is safe.") == {
        "appeal_id": APPEAL_ID,
        "revision": 3,
        "status": "resolved",
        "announce": False,
    }
    assert as_json(group, "withdraw", APPEAL_ID) == {"appeal_id": APPEAL_ID, "status": "withdrawn"}


# --------------------------------------------------------------------------------- confirm


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "exactly one of --published or --not-published"),
        (("--published", "--not-published"), "(not both)"),
        (("--not-published", "--remote-id", "123"), "go with --published"),
        (("--not-published", "--remote-url", "https://x.example/s/1"), "go with --published"),
        (("--published",), "needs the post's --remote-id or --remote-url"),
        (("--published", "--remote-url", "javascript:alert(1)"), "https:// or http://"),
    ],
)
def test_confirm_refuses_contradictory_or_incomplete_answers(
    group: click.Group, wired: App, args: tuple[str, ...], message: str
) -> None:
    import_approved(wired.store, _sample(), registry=wired.registry)
    [delivery] = services.publish_now(wired.store, wired.registry, APPEAL_ID, ["social"])
    _publish_all(wired)
    services.retry(wired.store, delivery)
    _publish_all(wired)
    assert _state(wired, delivery) == "unknown"
    refused = invoke(group, "confirm", str(delivery), *args, code=2)
    assert message in refused.output
    assert _state(wired, delivery) == "unknown"  # nothing changed


# ----------------------------------------------------------------------- deliveries, links


def test_deliveries_show_has_every_attempt_in_full_and_the_audit_trail(
    group: click.Group, wired: App
) -> None:
    import_approved(wired.store, _sample(), registry=wired.registry)
    [delivery] = services.publish_now(wired.store, wired.registry, APPEAL_ID, ["social"])
    _publish_all(wired)
    services.retry(wired.store, delivery, actor="olive")
    _publish_all(wired)
    text = invoke(group, "deliveries", "show", str(delivery)).stdout
    assert text.startswith(f"Delivery {delivery}: unknown\n")
    assert "#1" in text and "#2" in text
    assert ": permanent" in text and ": ambiguous" in text
    # The full error, every line of it (the table cuts it to 60 characters).
    assert "error: PermanentPublishError: refused" in text
    assert "line two of the platform's answer: code 187" in text
    assert "Audit trail (oldest first):" in text and "olive  retry" in text
    assert "Alerts:" in text and "delivery.failed" in text and "delivery.unknown" in text
    detail = as_json(group, "deliveries", "show", str(delivery))
    assert set(detail) == {"delivery", "attempts", "audit", "alerts"}
    assert [a["outcome"] for a in detail["attempts"]] == ["permanent", "ambiguous"]
    assert detail["attempts"][0]["error"].endswith("code 187")
    assert [e["action"] for e in detail["audit"]][-2:] == ["sending", "unknown"]
    assert isinstance(detail["audit"][0]["detail"], dict)
    assert [a["event"] for a in detail["alerts"]] == ["delivery.unknown", "delivery.failed"]
    assert "999999" in invoke(group, "deliveries", "show", "999999", code=3).output


def test_the_link_column_shows_the_web_page(group: click.Group, wired: App) -> None:
    import_approved(wired.store, _sample(), registry=wired.registry)
    [web] = services.publish_now(wired.store, wired.registry, APPEAL_ID, ["web"])
    _publish_all(wired)
    appeal = services.current_appeal(wired.store, APPEAL_ID)
    page = SITE_URL + appeal.path
    assert (Path(wired.settings.output_dir) / appeal.path / "index.html").is_file()
    table = invoke(group, "deliveries").stdout.splitlines()
    (row,) = [line for line in table[1:] if line.startswith(f"{web} ")]
    assert row.endswith(page)
    assert services.delivery_detail(wired.store, web).delivery.remote_url == page


# -------------------------------------------------------------------------------- channels


def test_channels_lists_each_with_its_status_and_enable_re_enables(
    group: click.Group, wired: App
) -> None:
    listed = {(c["channel"], c["target"]): c for c in as_json(group, "channels")}
    assert {("web", "default"), ("x", "default"), ("text", "default")} <= set(listed)
    assert {c["status"] for c in listed.values()} == {"enabled"}
    at = datetime.now(UTC)
    with wired.store.session() as session:
        health.set_channel_status(
            session, wired.store.dialect, "x", "default", at, disabled=True, reason="401 refused"
        )
    table = invoke(group, "channels").stdout
    (line,) = [row for row in table.splitlines() if row.startswith("x ")]
    assert "disabled" in line and "401 refused" in line
    assert "GMT" in line or "BST" in line  # since when, in UK time
    (x,) = [c for c in as_json(group, "channels") if c["channel"] == "x"]
    assert (x["status"], x["reason"], x["since"]) == ("disabled", "401 refused", at.isoformat())
    enabled = invoke(group, "channels", "enable", "x").stdout
    assert "enabled; it was disabled since" in enabled and "401 refused" in enabled
    (x,) = [c for c in as_json(group, "channels") if c["channel"] == "x"]
    assert x["status"] == "enabled"
    again = as_json(group, "channels", "enable", "x")
    assert again == {
        "channel": "x",
        "target": "default",
        "status": "enabled",
        "was_disabled": False,
        "reason": None,
        "since": None,
    }
    assert "no channel 'fax'" in invoke(group, "channels", "enable", "fax", code=2).output
    assert (
        "target 'other'"
        in invoke(group, "channels", "enable", "x", "--target", "other", code=2).output
    )
    assert "it was not disabled" in invoke(group, "enable", "x").stdout  # the old spelling
    actions = [
        e.action for e in services.audit_log(wired.store, subject="channel:x/default").entries
    ]
    assert actions == ["enable-channel"] * 3


# ----------------------------------------------------------------------------------- audit


def test_audit_lists_newest_first_filters_by_appeal_and_pages(
    group: click.Group, wired: App
) -> None:
    invoke(group, "import", str(SAMPLE))
    approve(group)
    other = json.loads(SAMPLE.read_text(encoding="utf-8"))
    other["id"] = "someone-else"
    other["url"] = "https://www.example.police.uk/news/someone-else/"
    services.import_appeal(wired.store, Appeal.model_validate(other))
    [delivery] = as_json(group, "schedule", APPEAL_ID, "-c", "web", "--at", "09:00 01/06/2030")[
        "deliveries"
    ]
    invoke(group, "cancel", str(delivery))
    everything = as_json(group, "audit")
    ids = [e["id"] for e in everything["entries"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 6
    assert [e["action"] for e in everything["entries"]] == [
        "cancel",
        "schedule",
        "import",
        "approve",
        "add-user",
        "import",
    ]
    mine = as_json(group, "audit", "--appeal", APPEAL_ID)
    assert {e["subject"] for e in mine["entries"]} == {
        f"appeal:{APPEAL_ID}",
        f"delivery:{delivery}",
    }
    assert mine["next_before"] is None
    assert [e["actor"] for e in mine["entries"]] == ["cli", "cli", "checker", "cli"]
    table = invoke(group, "audit", "--limit", "2").stdout.splitlines()
    assert table[0].split() == ["ID", "WHEN", "WHO", "WHAT", "SUBJECT", "DETAIL"]
    assert len(table) == 4 and table[-1] == f"More: publisher audit --before {ids[1]}"
    older = as_json(group, "audit", "--before", str(ids[1]))
    assert [e["id"] for e in older["entries"]] == ids[2:]
    assert as_json(group, "audit", "--delivery", str(delivery))["entries"][0]["action"] == "cancel"


# ---------------------------------------------------------------------------------- status


def test_status_exits_0_when_well_1_when_a_person_is_needed_and_2_when_down(
    processes: Processes, tmp_path: Path
) -> None:
    env = app_env(
        {
            "PUBLISHER_DATA_DIR": str(tmp_path / "data"),
            "OUTPUT_DIR": str(tmp_path / "site"),
            "DISPATCH_INTERVAL": "10",  # this test beats for the dispatcher, by hand
        }
    )
    app = bootstrap(Settings.from_env(env))
    try:
        store = app.store  # the embedded database, migrated
        worker = processes.worker("worker", env, concurrency=1)
        wait_until(lambda: worker_ready(worker), timeout=60, what="the worker to be ready")

        def status(*, worker_expected: bool = True) -> tuple[int, dict[str, Any]]:
            if worker_expected:
                processes.check_alive(worker)
            services.record_heartbeat(store, services.DISPATCHER_HEARTBEAT)
            done = run_cli(["status", "--json", "--timeout", "10"], env, check=False)
            return done.returncode, json.loads(done.stdout)

        code, report = status()
        assert (code, report["status"], report["problems"]) == (0, "ok", []), report
        text = run_cli(["status", "--timeout", "10"], env, check=False)
        assert text.returncode == 0 and text.stdout.startswith("healthy: yes\nstatus: ok (exit 0)")

        import_approved(store, _sample())
        [delivery] = services.schedule(
            store,
            app.registry,
            APPEAL_ID,
            ["x"],
            [datetime.now(UTC).replace(year=2030)],
        )
        from sqlalchemy import update

        from publisher.store.models import DeliveryRow

        with store.session() as session:
            session.execute(
                update(DeliveryRow).where(DeliveryRow.id == delivery).values(state="unknown")
            )
        code, report = status()
        assert (code, report["status"], report["down"]) == (1, "attention", []), report
        assert report["attention"][0].startswith("1 delivery(ies) unknown")

        worker.kill()
        code, report = status(worker_expected=False)
        assert (code, report["status"]) == (2, "down"), report
        assert "no worker answered" in report["down"]
    finally:
        app.close()

    # No database at all: down, said in one report, not a traceback.
    nowhere = dict(env, DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/none")
    done = run_cli(["status", "--timeout", "0.5"], nowhere, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "down: the database" in done.stdout and "unavailable" in done.stdout
    assert "Traceback" not in done.stderr
