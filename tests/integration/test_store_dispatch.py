"""dispatch_due: atomic claims, never the same row twice, even with concurrent dispatchers."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from publisher import services
from publisher.channel.registry import Registry
from publisher.store import Store
from tests.integration.db_fixtures import sample_appeal
from tests.support.approving import import_approved

T0 = datetime(2020, 10, 20, 6, 0, tzinfo=UTC)


def _appeal(store: Store, appeal_id: str = "dispatch-me") -> str:
    import_approved(store, sample_appeal(appeal_id), now=T0)
    return appeal_id


def test_claims_only_due_rows_in_due_order(registry: Registry, store: Store) -> None:
    appeal = _appeal(store)
    later = services.schedule(store, registry, appeal, ["web"], [T0 + timedelta(hours=2)], now=T0)
    first = services.schedule(
        store, registry, appeal, ["web", "x"], [T0 + timedelta(hours=1)], now=T0
    )
    assert services.dispatch_due(store, now=T0 + timedelta(minutes=59)) == []
    claimed = services.dispatch_due(store, now=T0 + timedelta(hours=1))
    assert sorted(claimed) == sorted(first)
    views = {v.id: v for v in services.list_deliveries(store, now=T0)}
    assert {views[i].state for i in first} == {"claimed"}
    assert views[later[0]].state == "scheduled"
    # A second tick finds nothing new: a duplicate tick is harmless.
    assert services.dispatch_due(store, now=T0 + timedelta(hours=1)) == []
    assert services.dispatch_due(store, now=T0 + timedelta(hours=3)) == later


def test_limit_and_backoff_are_respected(registry: Registry, store: Store) -> None:
    appeal = _appeal(store)
    times = [T0 + timedelta(minutes=m) for m in range(1, 6)]
    ids = services.schedule(store, registry, appeal, ["web"], times, now=T0)
    at = T0 + timedelta(hours=1)
    assert services.dispatch_due(store, now=at, limit=2) == ids[:2]
    assert services.dispatch_due(store, now=at, limit=2) == ids[2:4]
    assert services.dispatch_due(store, now=at, limit=2) == ids[4:]


def test_next_attempt_at_delays_a_claim(registry: Registry, store: Store) -> None:
    from publisher.store.models import DeliveryRow

    appeal = _appeal(store)
    [delivery] = services.schedule(
        store, registry, appeal, ["web"], [T0 + timedelta(minutes=1)], now=T0
    )
    with store.session() as session:
        row = session.get(DeliveryRow, delivery)
        assert row is not None
        row.next_attempt_at = T0 + timedelta(minutes=10)
    assert services.dispatch_due(store, now=T0 + timedelta(minutes=5)) == []
    assert services.dispatch_due(store, now=T0 + timedelta(minutes=10)) == [delivery]


def test_concurrent_dispatchers_never_claim_the_same_row(
    registry: Registry, store: Store, make_store: Callable[[], Store]
) -> None:
    appeal = _appeal(store)
    times = [T0 + timedelta(seconds=s) for s in range(1, 76)]
    ids = services.schedule(store, registry, appeal, ["web", "x"], times, now=T0)
    assert len(ids) == 150
    at = T0 + timedelta(hours=1)
    stores = [make_store() for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    results: list[list[int]] = [[] for _ in stores]
    errors: list[BaseException] = []

    # Lock-step rounds: in every round all four dispatchers claim at the same moment, so they
    # really compete for the same rows (free-running threads may let one take them all).
    rounds = threading.Barrier(len(stores), timeout=30)

    def run(index: int) -> None:
        try:
            barrier.wait()
            while True:
                results[index].extend(services.dispatch_due(stores[index], now=at, limit=4))
                rounds.wait()
                if sum(len(r) for r in results) >= len(ids):
                    return
                rounds.wait()  # nobody starts the next round before everyone has counted
        except BaseException as exc:
            errors.append(exc)
            rounds.abort()
            raise

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    claimed = [i for r in results for i in r]
    assert len(claimed) == len(set(claimed)), "a delivery was claimed twice"
    assert sorted(claimed) == sorted(ids)
    assert sum(1 for r in results if r) >= 2, "the dispatchers did not actually overlap"
    states = {v.state for v in services.list_deliveries(store, now=at)}
    assert states == {"claimed"}


def _dispatch_in_a_process(url: str, at: datetime, start: Any, results: Any) -> None:
    """Run in a child process: wait for the start signal, then claim until nothing is left."""
    store = Store(url)
    try:
        start.wait(30)
        claimed: list[int] = []
        while got := services.dispatch_due(store, now=at, limit=3):
            claimed.extend(got)
        results.put(claimed)
    finally:
        store.dispose()


def test_dispatchers_in_separate_processes_never_claim_the_same_row(
    registry: Registry, store: Store, store_url: str
) -> None:
    appeal = _appeal(store)
    times = [T0 + timedelta(seconds=s) for s in range(1, 61)]
    ids = services.schedule(store, registry, appeal, ["web", "x"], times, now=T0)
    store.dispose()  # no connection may cross a fork
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    children = [
        context.Process(
            target=_dispatch_in_a_process,
            args=(store_url, T0 + timedelta(hours=1), start, results),
        )
        for _ in range(2)
    ]
    for child in children:
        child.start()
    start.set()
    claimed = [i for _ in children for i in results.get(timeout=60)]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    assert len(claimed) == len(set(claimed)), "a delivery was claimed twice"
    assert sorted(claimed) == sorted(ids)
