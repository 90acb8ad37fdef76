"""Bluesky deliveries through the ledger: one channel call per attempt, an ambiguous send left
``unknown``, deletions as deliveries' work, and no post twice across a worker SIGKILL.

Real parts: the store, the built-in ``bluesky`` channel wired by ``build_registry`` from
BLUESKY_* settings, the ``atproto`` client, the fake PDS (tests.support.blueskyfake) and, for
the kill, a real ``publisher worker`` and ``beat``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher import services
from publisher.bootstrap import Registry, build_registry
from publisher.channel import Target
from publisher.channels.bluesky import BlueskyChannel, record_key
from publisher.settings import Settings
from publisher.store import Store
from tests.integration.conftest import Processes, make_appeal, wait_until
from tests.integration.killing import kill_while_held
from tests.support.approving import import_approved
from tests.support.blueskyfake import FakeBluesky

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CREATE = "com.atproto.repo.createRecord"


@pytest.fixture()
def fake() -> Iterator[FakeBluesky]:
    with FakeBluesky() as server:
        yield server


_OPEN: list[Registry] = []


@pytest.fixture(autouse=True)
def _close_channels() -> Iterator[None]:
    """The Bluesky channel of every registry a test built closes its HTTP connections."""
    yield
    while _OPEN:
        channel = _OPEN.pop().get("bluesky")
        assert isinstance(channel, BlueskyChannel)
        channel.close()


def registry_for(fake: FakeBluesky, tmp_path: Path) -> Registry:
    env = {
        **fake.environment(),
        "PUBLISHER_DATA_DIR": str(tmp_path / "var"),
        "OUTPUT_DIR": str(tmp_path / "site"),
    }
    registry = build_registry(Settings.from_env(env))
    _OPEN.append(registry)
    return registry


def claimed(store: Store, registry: Registry, number: int, at: datetime = T0) -> int:
    appeal = make_appeal(number, run="bsky")
    import_approved(store, appeal, now=at)
    [delivery] = services.publish_now(store, registry, appeal.id, ["bluesky"], now=at)
    assert services.dispatch_due(store, now=at) == [delivery]
    return delivery


def view(store: Store, delivery: int, at: datetime = T0) -> services.DeliveryView:
    [found] = [v for v in services.list_deliveries(store, now=at) if v.id == delivery]
    return found


def sending_keys(store: Store, delivery: int) -> list[str]:
    page = services.audit_log(store, subject=f"delivery:{delivery}", limit=100)
    keys = []
    for entry in reversed(page.entries):
        if entry.action == "sending":
            assert entry.detail is not None
            keys.append(str(entry.detail["idempotency_key"]))
    return keys


def test_a_delivery_posts_its_thread_with_record_keys_from_its_key(
    store: Store, fake: FakeBluesky, tmp_path: Path
) -> None:
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 1)
    assert services.publish_delivery(store, registry, delivery, now=T0) == "published"
    posts = fake.posts
    assert len(posts) == 2
    assert posts[1]["record"]["reply"]["parent"]["uri"] == posts[0]["uri"]
    done = view(store, delivery)
    assert done.remote_id is not None and done.remote_id.split(",")[0] == posts[0]["uri"]
    [key] = sending_keys(store, delivery)
    assert [p["rkey"] for p in posts] == [record_key(key, 1), record_key(key, 2)]
    # The channel deletes what it posted (resolve/withdraw run this as deliveries).
    channel = registry.get("bluesky")
    channel.delete_posts(done.remote_id.split(","), Target())
    assert fake.live_posts == []


def test_an_ambiguous_send_is_unknown_and_its_retry_posts_nothing_twice(
    store: Store, fake: FakeBluesky, tmp_path: Path
) -> None:
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 2)
    fake.fail(CREATE, "drop")  # the first post is made; the answer never comes
    assert services.publish_delivery(store, registry, delivery, now=T0) == "unknown"
    assert "may exist" in (view(store, delivery).last_error or "")
    assert services.dispatch_due(store, now=T0 + timedelta(days=1)) == []
    assert len(fake.posts) == 1

    t1 = T0 + timedelta(minutes=5)
    assert services.confirm(store, delivery, published=False, now=t1) == "scheduled"
    assert services.dispatch_due(store, now=t1) == [delivery]
    assert services.publish_delivery(store, registry, delivery, now=t1) == "published"
    posts = fake.posts
    assert len(posts) == 2  # the thread once: the same record key was refused, read back
    assert posts[1]["record"]["reply"]["root"]["uri"] == posts[0]["uri"]
    first, second = sending_keys(store, delivery)
    assert first == second


def test_a_rate_limit_reschedules_the_delivery_after_the_reset(
    store: Store, fake: FakeBluesky, tmp_path: Path
) -> None:
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 3)
    fake.fail(CREATE, "429", reset_in=600)
    assert services.publish_delivery(store, registry, delivery, now=T0) == "scheduled"
    due = view(store, delivery).next_attempt_at
    assert due is not None and due >= datetime.now(UTC) + timedelta(seconds=500)
    assert fake.posts == []


def test_no_post_twice_across_a_worker_sigkill(
    make_deployment: Any, processes: Processes, fake: FakeBluesky, tmp_path: Path
) -> None:
    """The worker is killed while the PDS holds its second post's answer (the post exists;
    nobody knows). The lease lapses: unknown. An operator retries: the thread is sent again
    from the start with the same record keys; the PDS refuses each key it has, the channel
    reads those records back, and the thread exists once."""
    killed = kill_while_held(
        make_deployment,
        processes,
        tmp_path,
        environment=fake.environment(),
        appeal=make_appeal(4, run="kill"),
        channel="bluesky",
        hold=lambda: fake.fail(CREATE, "stall", skip=1, seconds=20),
        held=lambda: len(fake.posts) == 2 and fake.injected != [],
        what="the second post held",
    )
    deployment, delivery, state = killed.deployment, killed.delivery, killed.state
    assert len(fake.posts) == 2
    killed.restart()
    assert services.retry(deployment.store, delivery) == "scheduled"
    wait_until(lambda: state() == "published", timeout=40, what="the retry to publish")

    posts = fake.posts
    texts = [p["text"] for p in posts]
    assert len(texts) == len(set(texts)) == 2, texts  # each post once
    assert posts[1]["record"]["reply"]["parent"]["uri"] == posts[0]["uri"]
    keys = [r["json"]["rkey"] for r in fake.requests if r["method"] == CREATE]
    assert len(keys) == 4 and keys[:2] == keys[2:]  # the same two record keys, twice
    [row] = [r for r in deployment.rows() if r.id == delivery]
    assert row.remote_id is not None and row.remote_id.split(",")[0] == posts[0]["uri"]
