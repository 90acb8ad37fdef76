"""Mastodon deliveries through the ledger: one channel call per attempt, an ambiguous send left
``unknown``, the instance's own limits, and no status twice across a worker SIGKILL.

Real parts: the store (SQLite and PostgreSQL), the built-in ``mastodon`` channel wired by
``build_registry`` from MASTODON_* settings, Mastodon.py, the fake Mastodon server
(tests.support.mastodonfake) and, for the kill, a real ``publisher worker`` and ``beat``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher import services
from publisher.bootstrap import Registry, build_registry
from publisher.settings import Settings
from publisher.store import Store
from tests.integration.conftest import Processes, make_appeal, wait_until
from tests.integration.killing import kill_while_held
from tests.support.approving import import_approved
from tests.support.mastodonfake import FakeMastodon, FakeMastodonConfig

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STATUSES = "POST /api/v1/statuses"


@pytest.fixture()
def fake() -> Iterator[FakeMastodon]:
    with FakeMastodon() as server:
        yield server


def registry_for(fake: FakeMastodon, tmp_path: Path) -> Registry:
    env = {
        **fake.environment(),
        "PUBLISHER_DATA_DIR": str(tmp_path / "var"),
        "OUTPUT_DIR": str(tmp_path / "site"),
    }
    return build_registry(Settings.from_env(env))


def claimed(store: Store, registry: Registry, number: int, at: datetime = T0) -> int:
    appeal = make_appeal(number, run="masto")
    import_approved(store, appeal, now=at)
    [delivery] = services.publish_now(store, registry, appeal.id, ["mastodon"], now=at)
    assert services.dispatch_due(store, now=at) == [delivery]
    return delivery


def view(store: Store, delivery: int, at: datetime = T0) -> services.DeliveryView:
    [found] = [v for v in services.list_deliveries(store, now=at) if v.id == delivery]
    return found


def sending_keys(store: Store, delivery: int) -> list[str]:
    """The idempotency key recorded with each attempt, in the audit trail (committed before
    the channel was called)."""
    page = services.audit_log(store, subject=f"delivery:{delivery}", limit=100)
    keys = []
    for entry in reversed(page.entries):
        if entry.action == "sending":
            assert entry.detail is not None
            keys.append(str(entry.detail["idempotency_key"]))
    return keys


def test_a_delivery_posts_its_thread_with_its_own_key(
    store: Store, fake: FakeMastodon, tmp_path: Path
) -> None:
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 1)
    assert services.publish_delivery(store, registry, delivery, now=T0) == "published"
    statuses = fake.statuses
    assert len(statuses) == 2
    assert statuses[1]["in_reply_to_id"] == statuses[0]["id"]
    done = view(store, delivery)
    assert done.remote_id is not None and done.remote_id.split(",")[0] == statuses[0]["id"]
    [key] = sending_keys(store, delivery)
    assert key.startswith("publisher-")
    assert [s["idempotency_key"] for s in statuses] == [f"{key}-1", f"{key}-2"]
    # Another delivery of the same appeal is another publication: another key.
    other = services.publish_now(store, registry, "masto-0001", ["mastodon"], now=T0)
    assert services.dispatch_due(store, now=T0) == other
    assert services.publish_delivery(store, registry, other[0], now=T0) == "published"
    assert len(fake.statuses) == 4
    assert sending_keys(store, other[0]) != [key]


def test_an_ambiguous_send_is_unknown_and_its_retry_posts_nothing_twice(
    store: Store, fake: FakeMastodon, tmp_path: Path
) -> None:
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 2)
    fake.fail(STATUSES, "drop")  # the first status is made; the answer never comes
    assert services.publish_delivery(store, registry, delivery, now=T0) == "unknown"
    assert "may exist" in (view(store, delivery).last_error or "")
    # Never resent automatically.
    assert services.dispatch_due(store, now=T0 + timedelta(days=1)) == []
    assert len(fake.statuses) == 1

    # A person says it did not go out (they looked in the wrong place): it is sent again, with
    # the delivery's same key, and Mastodon gives back the status it made.
    t1 = T0 + timedelta(minutes=5)
    assert services.confirm(store, delivery, published=False, now=t1) == "scheduled"
    assert services.dispatch_due(store, now=t1) == [delivery]
    assert services.publish_delivery(store, registry, delivery, now=t1) == "published"
    statuses = fake.statuses
    assert len(statuses) == 2  # the thread once: no duplicate of the first status
    assert statuses[1]["in_reply_to_id"] == statuses[0]["id"]
    first, second = sending_keys(store, delivery)
    assert first == second


def test_an_instance_with_its_own_limits(store: Store, tmp_path: Path) -> None:
    config = FakeMastodonConfig(max_characters=90, characters_reserved_per_url=40)
    with FakeMastodon(config) as small:
        registry = registry_for(small, tmp_path)
        delivery = claimed(store, registry, 3)
        # The first attempt learns the limits; nothing is sent; due again at once.
        assert services.publish_delivery(store, registry, delivery, now=T0) == "scheduled"
        assert small.statuses == []
        now = datetime.now(UTC)  # the channel's clock: due again at once
        due = view(store, delivery, now).next_attempt_at
        assert due is not None and due <= now
        assert services.dispatch_due(store, now=now) == [delivery]
        assert services.publish_delivery(store, registry, delivery, now=now) == "published"
        statuses = small.statuses
        assert len(statuses) >= 3
        assert all(s["weight"] <= 90 for s in statuses)


def test_no_status_twice_across_a_worker_sigkill(
    make_deployment: Any, processes: Processes, fake: FakeMastodon, tmp_path: Path
) -> None:
    """The worker is killed while Mastodon holds its second status's answer (the status
    exists; nobody knows). The lease lapses: unknown. An operator retries: the thread is sent
    again from the start with the delivery's keys, and Mastodon answers each with the status
    it already made: the thread exists once."""
    killed = kill_while_held(
        make_deployment,
        processes,
        tmp_path,
        environment=fake.environment(),
        appeal=make_appeal(4, run="kill"),
        channel="mastodon",
        hold=lambda: fake.fail(STATUSES, "stall", skip=1, seconds=20),
        held=lambda: len(fake.statuses) == 2 and fake.injected != [],
        what="the second status held",
    )
    deployment, delivery, state = killed.deployment, killed.delivery, killed.state
    assert len(fake.statuses) == 2
    killed.restart()
    assert services.retry(deployment.store, delivery) == "scheduled"
    wait_until(lambda: state() == "published", timeout=40, what="the retry to publish")

    statuses = fake.statuses
    texts = [s["text"] for s in statuses]
    assert len(texts) == len(set(texts)) == 2, texts  # each status once
    assert statuses[1]["in_reply_to_id"] == statuses[0]["id"]
    keys = [r["idempotency_key"] for r in fake.requests if r["endpoint"] == STATUSES]
    assert len(keys) == 4 and keys[:2] == keys[2:]  # the same two keys, twice
    [row] = [r for r in deployment.rows() if r.id == delivery]
    assert row.remote_id is not None and row.remote_id.split(",")[0] == statuses[0]["id"]
