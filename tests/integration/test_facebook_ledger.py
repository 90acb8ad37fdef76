"""Facebook deliveries through the ledger: an ambiguous send left ``unknown`` and never resent
by itself, a rate limit honoured, a refused token failing the delivery, and no post twice
across a worker SIGKILL.

The Graph API has no idempotency key, so the guarantee is the ledger's: a send that may have
reached Facebook is ``unknown`` until a person looks at the Page and confirms.

Real parts: the store (SQLite and PostgreSQL), the built-in ``facebook`` channel wired by
``build_registry`` from FACEBOOK_* settings, ``requests``, the fake Graph API
(tests.support.facebookfake) and, for the kill, a real ``publisher worker`` and ``beat``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher import services
from publisher.bootstrap import Registry, build_registry
from publisher.settings import Settings
from publisher.store import Store
from tests.integration.conftest import Processes, make_appeal
from tests.integration.killing import kill_while_held
from tests.support.approving import approve_current, import_approved
from tests.support.facebookfake import FakeFacebook

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FEED = "POST feed"


@pytest.fixture()
def fake() -> Iterator[FakeFacebook]:
    with FakeFacebook() as server:
        yield server


def registry_for(fake: FakeFacebook, tmp_path: Path) -> Registry:
    env = {
        **fake.environment(),
        "PUBLISHER_DATA_DIR": str(tmp_path / "var"),
        "OUTPUT_DIR": str(tmp_path / "site"),
    }
    return build_registry(Settings.from_env(env))


def claimed(store: Store, registry: Registry, number: int, at: datetime = T0) -> int:
    appeal = make_appeal(number, run="fb")
    import_approved(store, appeal, now=at)
    [delivery] = services.publish_now(store, registry, appeal.id, ["facebook"], now=at)
    assert services.dispatch_due(store, now=at) == [delivery]
    return delivery


def view(store: Store, delivery: int, at: datetime = T0) -> services.DeliveryView:
    [found] = [v for v in services.list_deliveries(store, now=at) if v.id == delivery]
    return found


def test_a_delivery_is_published_with_the_post_id(
    store: Store, fake: FakeFacebook, tmp_path: Path
) -> None:
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 1)
    assert services.publish_delivery(store, registry, delivery, now=T0) == "published"
    [post] = fake.posts
    done = view(store, delivery)
    assert done.remote_id == post["id"]
    assert post["link"] == "https://www.example.police.uk/news/fb/1/"


def test_an_update_is_a_comment_on_the_published_post(
    store: Store, fake: FakeFacebook, tmp_path: Path
) -> None:
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 6)
    assert services.publish_delivery(store, registry, delivery, now=T0) == "published"
    [post] = fake.posts
    t1 = T0 + timedelta(hours=1)
    updated = make_appeal(6, run="fb", prefix="New sighting:")
    assert services.update_appeal(store, updated, registry, now=t1, social_update=True) == 2
    approve_current(store, updated.id, registry=registry, now=t1)
    due = services.dispatch_due(store, now=t1)
    assert due, "the update is due"
    assert [services.publish_delivery(store, registry, d, now=t1) for d in due] == [
        "published"
    ] * len(due)
    [comment] = [p for p in fake.posts if p["kind"] == "comment"]
    assert comment["parent"] == post["id"]
    assert comment["message"].startswith("UPDATE: Witness appeal: New sighting: 6")
    assert len(fake.posts) == 2


def test_an_ambiguous_send_is_unknown_and_never_resent_by_itself(
    store: Store, fake: FakeFacebook, tmp_path: Path
) -> None:
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 2)
    fake.fail(FEED, "drop")  # the post is made; the answer never comes
    assert services.publish_delivery(store, registry, delivery, now=T0) == "unknown"
    assert "may exist" in (view(store, delivery).last_error or "")
    assert services.dispatch_due(store, now=T0 + timedelta(days=1)) == []
    assert len(fake.posts) == 1
    # A person looks at the Page, finds the post and says so: published, nothing resent.
    [post] = fake.posts
    state = services.confirm(
        store, delivery, published=True, remote_id=post["id"], now=T0 + timedelta(minutes=5)
    )
    assert state == "published"
    assert view(store, delivery).remote_id == post["id"]
    assert len(fake.posts) == 1 and len(fake.requests) == 1


def test_a_rate_limit_reschedules_at_the_time_to_regain_access(
    store: Store, fake: FakeFacebook, tmp_path: Path
) -> None:
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 3)
    fake.set_usage(
        page={
            "call_count": 100,
            "total_cputime": 30,
            "total_time": 30,
            "estimated_time_to_regain_access": 20,
        }
    )
    fake.fail(FEED, "32")
    before = datetime.now(UTC)
    assert services.publish_delivery(store, registry, delivery, now=T0) == "scheduled"
    due = view(store, delivery).next_attempt_at
    assert due is not None and due >= before + timedelta(minutes=20)
    assert fake.posts == []


def test_a_refused_token_fails_the_delivery(
    store: Store, fake: FakeFacebook, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    registry = registry_for(fake, tmp_path)
    delivery = claimed(store, registry, 4)
    fake.fail(FEED, "190")
    assert services.publish_delivery(store, registry, delivery, now=T0) == "failed"
    error = view(store, delivery).last_error or ""
    assert "FACEBOOK_PAGE_ACCESS_TOKEN" in error
    assert fake.config.access_token not in error
    assert fake.config.access_token not in caplog.text


def test_no_post_twice_across_a_worker_sigkill(
    make_deployment: Any, processes: Processes, fake: FakeFacebook, tmp_path: Path
) -> None:
    """The worker is killed while Facebook holds the answer to the post (the post exists;
    nobody knows). The lease lapses: unknown, and it stays unknown: nothing resends it. An
    operator finds the post on the Page and confirms it: the post exists once."""
    killed = kill_while_held(
        make_deployment,
        processes,
        tmp_path,
        environment=fake.environment(),
        appeal=make_appeal(5, run="fbkill"),
        channel="facebook",
        hold=lambda: fake.fail(FEED, "stall", seconds=20),
        held=fake.held.is_set,
        what="the post's answer held",
    )
    deployment, delivery, state = killed.deployment, killed.delivery, killed.state
    killed.restart()
    # A running dispatcher and worker leave it alone: the beat's reconciler and dispatcher
    # have ticked (its lease lapsed a tick ago) and nothing was claimed.
    assert services.dispatch_due(deployment.store, now=datetime.now(UTC) + timedelta(days=1)) == []
    assert state() == "unknown"
    [post] = fake.posts
    assert len([r for r in fake.requests if r["method"] == "POST"]) == 1

    assert (
        services.confirm(deployment.store, delivery, published=True, remote_id=post["id"])
        == "published"
    )
    [row] = [r for r in deployment.rows() if r.id == delivery]
    assert row.remote_id == post["id"]
    assert len(fake.posts) == 1
    # The worker and beat logs (INFO) never show the Page token.
    logs = processes.logs(tail=10**7)
    assert "facebook" in logs.lower() or "publish" in logs.lower()
    assert fake.config.access_token not in logs
