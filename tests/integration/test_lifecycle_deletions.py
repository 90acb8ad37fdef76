"""Resolving or withdrawing an appeal deletes its social posts, each deletion a delivery in the
ledger (issue 13, "Lifecycle on every social channel").

Real parts: the store (SQLite and PostgreSQL), the built-in channels wired by
``build_registry`` from their settings, their real client libraries (tweepy, Mastodon.py), the
dispatcher and the publishing service a worker runs, and local fakes of the platforms speaking
their wire formats. The resolve test runs on every registered channel that ``deletes_posts``
and has a fake in :data:`FAKES`: a new social channel joins by adding its fake there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher import services
from publisher.bootstrap import Registry, build_registry
from publisher.domain.delivery import PART_DELETE, PART_MAIN, PART_UPDATE
from publisher.settings import Settings
from publisher.store import Store
from tests.integration.conftest import FAKE_X_CREDENTIALS
from tests.integration.db_fixtures import sample_appeal
from tests.support.approving import import_approved
from tests.support.blueskyfake import FakeBluesky
from tests.support.facebookfake import FakeFacebook
from tests.support.mastodonfake import FakeMastodon
from tests.support.xfake import FakeX, FakeXConfig

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=2)
RESOLUTION = "Sam Example has been found safe and well. Thank you for sharing our appeal."


@dataclass
class SocialFake:
    """What the tests read of one platform's fake, whatever the platform."""

    server: Any
    environment: Callable[[], dict[str, str]]
    post_ids: Callable[[], list[str]]
    """Every post made, deleted ones too, in order."""
    live: Callable[[], list[dict[str, Any]]]
    """The posts not deleted: each with ``id``, ``text`` and ``media`` (a list)."""
    fail_delete: Callable[[str], None]
    """Answer the next deletion with this fault ("503")."""
    delete_endpoint: str
    threads: bool = True
    """Whether the platform gets the appeal as a thread (Facebook: one post)."""


def _x() -> SocialFake:
    fake = FakeX(FakeXConfig(credentials=FAKE_X_CREDENTIALS))
    return SocialFake(
        server=fake,
        environment=fake.environment,
        post_ids=lambda: [p["id"] for p in fake.posts],
        live=lambda: fake.live_posts,
        fail_delete=lambda fault: fake.fail("DELETE /2/tweets/:id", fault),
        delete_endpoint="DELETE /2/tweets/:id",
    )


def _mastodon() -> SocialFake:
    fake = FakeMastodon()
    return SocialFake(
        server=fake,
        environment=fake.environment,
        post_ids=lambda: [s["id"] for s in fake.statuses],
        live=lambda: fake.live_statuses,
        fail_delete=lambda fault: fake.fail("DELETE /api/v1/statuses/:id", fault),
        delete_endpoint="DELETE /api/v1/statuses/:id",
    )


def _bluesky() -> SocialFake:
    fake = FakeBluesky()
    return SocialFake(
        server=fake,
        environment=fake.environment,
        post_ids=lambda: [p["uri"] for p in fake.posts],
        live=lambda: [
            {
                "id": p["uri"],
                "text": p["text"],
                "media": list((p["record"].get("embed") or {}).get("images") or []),
            }
            for p in fake.live_posts
        ],
        fail_delete=lambda fault: fake.fail("com.atproto.repo.deleteRecord", fault),
        delete_endpoint="com.atproto.repo.deleteRecord",
    )


def _facebook() -> SocialFake:
    fake = FakeFacebook()
    return SocialFake(
        server=fake,
        environment=fake.environment,
        post_ids=lambda: [p["id"] for p in fake.posts],
        live=lambda: [
            {
                "id": p["id"],
                "text": p["message"],
                "media": [p["url"]] if p["kind"] == "photo" else [],
            }
            for p in fake.live_posts
        ],
        fail_delete=lambda fault: fake.fail("DELETE", fault),
        delete_endpoint="DELETE",
        threads=False,
    )


FAKES: dict[str, Callable[[], SocialFake]] = {
    "x": _x,
    "mastodon": _mastodon,
    "bluesky": _bluesky,
    "facebook": _facebook,
}
"""Channel name → a fake of its platform: a new social channel joins by adding its fake."""


@dataclass
class World:
    registry: Registry
    fakes: dict[str, SocialFake]
    image_url: str


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    with ExitStack() as stack:
        fakes = {name: make() for name, make in FAKES.items()}
        for fake in fakes.values():
            stack.enter_context(fake.server)
        env: dict[str, str] = {
            "PUBLISHER_DATA_DIR": str(tmp_path / "var"),
            "OUTPUT_DIR": str(tmp_path / "site"),
        }
        for fake in fakes.values():
            env.update(fake.environment())
        registry = build_registry(Settings.from_env(env))
        deleting = {c.name for c in registry.channels() if c.deletes_posts}
        assert set(FAKES) <= deleting
        fakes = {name: fake for name, fake in fakes.items() if name in deleting}
        stack.callback(registry.close)
        yield World(registry, fakes, fakes["x"].server.image_url("sam.png"))


def run_due(store: Store, registry: Registry, at: datetime) -> dict[int, str]:
    """Dispatch what is due and publish each claimed delivery, as the worker does."""
    return {
        d: services.publish_delivery(store, registry, d, now=at)
        for d in services.dispatch_due(store, now=at)
    }


def views(store: Store, appeal_id: str) -> list[services.DeliveryView]:
    return [v for v in services.list_deliveries(store, now=T1) if v.appeal_id == appeal_id]


def published_missing_person(store: Store, world: World, appeal_id: str) -> dict[str, list[str]]:
    """A missing-person appeal with a photo, published as a thread on every social channel
    with a fake; the ids each platform holds."""
    appeal = sample_appeal(
        appeal_id, image={"url": world.image_url, "alt": "Sam Example, smiling."}
    )
    import_approved(store, appeal, registry=world.registry, now=T0)
    channels = sorted(world.fakes)
    services.publish_now(store, world.registry, appeal_id, channels, now=T0)
    assert set(run_due(store, world.registry, T0).values()) == {"published"}
    posted = {name: fake.post_ids() for name, fake in world.fakes.items()}
    for name, ids in posted.items():
        expected = 2 if world.fakes[name].threads else 1
        assert len(ids) >= expected, f"{name}: {expected} post(s) at least were expected"
        assert world.fakes[name].live()[0]["media"], f"{name}: the photo went with the first post"
    return posted


def test_resolving_deletes_every_post_with_personal_details_and_posts_the_resolution(
    store: Store, world: World
) -> None:
    posted = published_missing_person(store, world, "found-sam")

    services.resolve_appeal(store, "found-sam", RESOLUTION, world.registry, now=T1)
    planned = [v for v in views(store, "found-sam") if v.part == PART_DELETE]
    assert sorted(v.channel for v in planned) == sorted(world.fakes)
    assert all(v.state == "scheduled" and v.part_name == "delete" for v in planned)
    # The confirmation pages' preview now names nothing more to delete (all is planned).
    assert services.planned_deletions(store, "found-sam", world.registry, withdraw=False) == []

    # The dispatcher claims the deletions and the resolutions at once. A resolution that a
    # worker takes first waits for the deletion on its channel (it goes back to the schedule,
    # nothing sent), so the resolution comes after the posts it replaces are gone.
    claimed = services.dispatch_due(store, now=T1)
    kinds = {v.id: v.part for v in views(store, "found-sam")}
    updates = [d for d in claimed if kinds[d] == PART_UPDATE]
    assert len(updates) == len(world.fakes)
    for d in updates:
        assert services.publish_delivery(store, world.registry, d, now=T1) == "scheduled"
    assert all(len(fake.live()) == len(posted[name]) for name, fake in world.fakes.items())
    for d in claimed:
        if kinds[d] == PART_DELETE:
            assert services.publish_delivery(store, world.registry, d, now=T1) == "published"
    assert all(fake.live() == [] for fake in world.fakes.values())
    assert run_due(store, world.registry, T1) == {}  # not due again yet
    later = T1 + timedelta(minutes=1)
    done = run_due(store, world.registry, later)
    assert sorted(done) == sorted(updates)
    assert set(done.values()) == {"published"}, [
        (v.channel, v.part_name, v.last_error) for v in views(store, "found-sam")
    ]
    for name, fake in world.fakes.items():
        live = fake.live()
        # Every post of the thread (the photo, the personal details) is gone...
        assert not set(posted[name]) & {p["id"] for p in live}, name
        # ...and the resolution is posted, as a post of its own, without a photo.
        [resolution] = live
        assert "found safe and well" in resolution["text"], name
        assert resolution["media"] == [], name
    rows = views(store, "found-sam")
    deletions = {v.channel: v for v in rows if v.part == PART_DELETE}
    for name in world.fakes:
        deletion = deletions[name]
        assert deletion.state == "published"
        assert deletion.remote_id is not None
        assert set(deletion.remote_id.split(",")) == set(posted[name])
    assert {v.channel for v in rows if v.part == PART_UPDATE and v.state == "published"} == set(
        world.fakes
    )


def test_withdrawing_deletes_every_post_even_the_resolution(store: Store, world: World) -> None:
    published_missing_person(store, world, "gone-sam")
    services.resolve_appeal(store, "gone-sam", RESOLUTION, world.registry, now=T1)
    assert set(run_due(store, world.registry, T1).values()) == {"published"}
    assert all(len(fake.live()) == 1 for fake in world.fakes.values())  # the resolutions

    t2 = T1 + timedelta(hours=1)
    services.withdraw_appeal(store, "gone-sam", world.registry, now=t2)
    done = run_due(store, world.registry, t2)
    assert "published" in done.values()
    for name, fake in world.fakes.items():
        assert fake.live() == [], name
    deletions = [v for v in views(store, "gone-sam") if v.part == PART_DELETE]
    assert [v.state for v in deletions] == ["published"] * (2 * len(world.fakes))
    # The withdrawal deleted only what the resolution had left: the resolution posts.
    withdrawn = [v for v in deletions if v.slot.startswith("withdraw")]
    assert all(v.remote_id is not None and "," not in v.remote_id for v in withdrawn)


def test_a_deletion_is_retried_after_a_5xx_and_an_already_deleted_post_counts_as_deleted(
    store: Store, world: World
) -> None:
    posted = published_missing_person(store, world, "retry-sam")
    for fake in world.fakes.values():
        fake.fail_delete("503")
    services.withdraw_appeal(store, "retry-sam", world.registry, now=T1)
    first = run_due(store, world.registry, T1)
    deletions = {v.channel: v for v in views(store, "retry-sam") if v.part == PART_DELETE}
    assert {first[v.id] for v in deletions.values()} == {"scheduled"}
    for name, fake in world.fakes.items():
        assert {p["id"] for p in fake.live()} == set(posted[name]), "nothing deleted yet"
        assert deletions[name].last_error is not None

    # Meanwhile someone deletes the first post by hand on each platform: gone already.
    for name, fake in world.fakes.items():
        _delete_by_hand(name, fake, posted[name][0])

    later = T1 + timedelta(minutes=5)
    done = run_due(store, world.registry, later)
    assert {done[v.id] for v in deletions.values()} == {"published"}
    for name, fake in world.fakes.items():
        assert fake.live() == [], name
    for v in views(store, "retry-sam"):
        if v.part == PART_DELETE:
            assert v.state == "published" and v.attempts >= 1
    # The main deliveries keep their ids: the ledger shows what was posted, and deleted.
    mains = [v for v in views(store, "retry-sam") if v.part == PART_MAIN]
    assert all(v.state == "published" for v in mains)


def _posts(count: int) -> str:
    return f"{count} post" if count == 1 else f"{count} posts"


def _delete_by_hand(name: str, fake: SocialFake, remote_id: str) -> None:
    import requests

    server = fake.server
    if name == "x":
        # Straight to the fake's state, as if deleted in X's own app.
        with server.lock:
            server._deleted.append(remote_id)
    elif name == "mastodon":
        response = requests.delete(
            f"{server.base_url}/api/v1/statuses/{remote_id}",
            headers={"Authorization": f"Bearer {server.config.access_token}"},
            timeout=5,
        )
        assert response.status_code == 200
    elif name == "bluesky":
        with server.lock:
            server._records[remote_id]["deleted"] = True
    elif name == "facebook":
        with server.lock:
            [post] = [p for p in server._posts if remote_id in (p["id"], p.get("photo_id"))]
            post["deleted"] = True
    else:
        pytest.fail(f"no way to delete a {name} post by hand in this test")


def test_the_confirmation_pages_say_what_will_be_deleted_where(
    processes: Any, world: World, tmp_path: Path
) -> None:
    """The real ``publisher web``: the resolve and withdraw confirmations name, per social
    channel, the posts that will be deleted."""
    import httpx

    from tests.integration.conftest import app_env, free_port, wait_until
    from tests.integration.test_web_app import WebApp, csrf_of, sign_in

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = app_env(
        {
            "PUBLISHER_DATA_DIR": str(tmp_path / "var"),
            "OUTPUT_DIR": str(tmp_path / "site"),
            "PUBLISHER_APP_URL": url,
        }
    )
    for fake in world.fakes.values():
        env.update(fake.environment())
    settings = Settings.from_env(env)
    store = Store(settings.database_url)
    store.migrate()
    try:
        posted = published_missing_person(store, world, "page-sam")
    finally:
        store.dispose()
    process = processes.publisher("web", "web", "--port", str(port), env=env)

    def up() -> bool:
        processes.check_alive(process)
        try:
            return httpx.get(url + "healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, timeout=30, what="publisher web to answer /healthz")
    web = WebApp(url=url, env=env, process=process)
    web.add_user("alex", "author")
    with web.client() as client:
        assert sign_in(client, "alex").status_code == 303
        form = client.get("/appeals/page-sam/resolve")
        check = client.post(
            "/appeals/page-sam/resolve",
            data={"resolution": RESOLUTION, "csrf_token": csrf_of(form.text)},
        )
        assert check.status_code == 200, check.text
        for name, ids in posted.items():
            assert (
                f"{name}: {_posts(len(ids))} deleted now, because "
                f"{'it carries' if len(ids) == 1 else 'they carry'} personal details "
                "or the photo; then the resolution is posted as a new post." in check.text
            ), name
        withdraw = client.get("/appeals/page-sam/withdraw")
        assert withdraw.status_code == 200
        for name, ids in posted.items():
            assert f"{name}: {_posts(len(ids))} deleted now." in withdraw.text, name


def test_resolve_through_a_real_worker_beat_redis_and_postgresql(
    make_deployment: Any,
    processes: Any,
    redis_url: str,
    postgres_databases: Any,
    world: World,
) -> None:
    """The whole pipeline: beat's dispatcher claims the deletions and the resolution, a
    ``publisher worker`` on a Redis broker sends them through the real clients."""
    from tests.integration.conftest import wait_until, worker_ready

    more: dict[str, str] = {}
    for fake in world.fakes.values():
        more.update(fake.environment())
    deployment = make_deployment(postgres_databases.create(), redis_url, **more)
    store, registry = deployment.store, deployment.registry()
    image = {"url": world.image_url, "alt": "Sam Example, smiling."}
    appeal = sample_appeal("worker-sam", image=image)
    import_approved(store, appeal, registry=registry)
    worker = processes.worker("worker", deployment.env, concurrency=1)
    processes.beat(deployment.env)
    wait_until(lambda: worker_ready(worker), timeout=60, what="the worker to be ready")

    services.publish_now(store, registry, "worker-sam", sorted(world.fakes))

    def settled() -> bool:
        processes.check_alive()
        return deployment.pending() == 0

    wait_until(settled, timeout=60, what="the threads to be published")
    assert set(deployment.counts()) == {"published"}, deployment.counts()
    posted = {name: fake.post_ids() for name, fake in world.fakes.items()}

    services.resolve_appeal(store, "worker-sam", RESOLUTION, registry)
    wait_until(settled, timeout=60, what="the deletions and the resolution")
    rows = deployment.rows()
    deletions = [r for r in rows if r.part == PART_DELETE]
    assert sorted(r.channel for r in deletions) == sorted(world.fakes)
    assert {r.state for r in deletions} == {"published"}, [(r.channel, r.last_error) for r in rows]
    for name, fake in world.fakes.items():
        [resolution] = fake.live()
        assert resolution["id"] not in posted[name]
        assert "found safe and well" in resolution["text"]


def test_an_unanswered_deletion_is_tried_again_by_itself(store: Store, world: World) -> None:
    """The deletion's request goes out and no answer comes: deleting again is harmless (a post
    already gone counts as deleted), so it is rescheduled, not left ``unknown`` for a person,
    and the rerun finishes it (what the lost request did delete counts as deleted)."""
    published_missing_person(store, world, "lost-sam")
    for fake in world.fakes.values():
        fake.fail_delete("drop")
    services.withdraw_appeal(store, "lost-sam", world.registry, now=T1)
    done = run_due(store, world.registry, T1)
    deletions = [v for v in views(store, "lost-sam") if v.part == PART_DELETE]
    assert {done[v.id] for v in deletions} == {"scheduled"}
    later = T1 + timedelta(hours=1)
    done = run_due(store, world.registry, later)
    assert {done[v.id] for v in deletions} == {"published"}
    for name, fake in world.fakes.items():
        assert fake.live() == [], name
