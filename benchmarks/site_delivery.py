"""Benchmark: one appeal's web and feeds delivery into a site of many appeals (default 10,000).

    python benchmarks/site_delivery.py [--count 10000] [--runs 15] [--keep DIR]

The site is made in a real SQLite store through the real services: every appeal of
`benchmarks/build.py`'s generated corpus is read by the importer, imported, approved by an
approver account and published now on ``web`` and ``feeds``, claimed by the dispatcher and
published by :func:`publisher.services.publish_delivery`. For speed while the site is made,
those first deliveries are sent to fake ``web``/``feeds`` channels (``publisher.testing``),
which leaves the same rows in the ledger (published deliveries on web/default and
feeds/default) without writing the site each time; one real web and one real feeds delivery
then write the whole site to disk. With ``--keep DIR`` the store and the site are kept and
reused by the next run with the same count.

Then, ``--runs`` times: one appeal gets a new approved revision (a changed summary), is
published now on web and feeds, claimed, and its two deliveries published through
``publish_delivery`` with the real channels (the timed part: both deliveries, one after the
other, as a worker runs them). The median is printed beside the issue's 100 ms target and
beside a baseline measured in the same run: the same thing in a site of 10 appeals; and the
median CPU time of this process for both (less sensitive than the clock to other work on a
shared machine, and blind to waiting for the disk).
"""

from __future__ import annotations

import argparse
import cProfile
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import seed_text  # the sibling benchmark's corpus

TARGET_MS = 100.0
T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
CHANNELS = ("web", "feeds")


def _registries(work: Path):  # type: ignore[no-untyped-def]
    from publisher.bootstrap import build_registry
    from publisher.settings import Settings
    from publisher.testing import FakeChannel

    settings = Settings.from_env(
        {
            "PUBLISHER_DATA_DIR": str(work / "var"),
            "OUTPUT_DIR": str(work / "site"),
            "DATABASE_URL": f"sqlite:///{work / 'var' / 'publisher.db'}",
            "SITE_URL": "https://www.example.police.uk/",
        }
    )
    real = build_registry(settings)
    fake = build_registry(
        settings, extra={name: (lambda s, n=name: FakeChannel(n)) for name in CHANNELS}
    )
    return settings, real, fake


def _deliver(store, registry, appeal_id: str, at: datetime) -> list[int]:  # type: ignore[no-untyped-def]
    from publisher import services

    services.publish_now(store, registry, appeal_id, list(CHANNELS), now=at)
    return services.dispatch_due(store, now=at, limit=10_000)


def make_site(work: Path, count: int) -> None:
    """The store and the site of ``count`` appeals under ``work`` (kept when already made).

    Setting up goes through the store's own functions (the queries the services run), in
    batches, without the per-appeal lint gate: 10,000 appeals through the services one by one
    take most of an hour on two cores. The rows are the ones the services write: each appeal's
    revision, its approval (which makes it live), a delivery on web and on feeds, claimed by
    the dispatcher's query, sent and recorded as published. Then one real web and one real
    feeds delivery, through the services, write the site."""
    from publisher import services
    from publisher.domain.approval import ApprovalKind
    from publisher.domain.delivery import PART_MAIN, Outcome, decide
    from publisher.importers import load_appeal
    from publisher.services.accounts import add_user
    from publisher.store import Store, appeals, approvals, ledger
    from publisher.store.db import migrate

    done = work / "made"
    if done.exists():
        return
    if work.exists():
        shutil.rmtree(work)
    (work / "var").mkdir(parents=True)
    corpus = work / "corpus"
    corpus.mkdir()
    rng = random.Random(2020)
    settings, real, _ = _registries(work)
    migrate(settings.database_url)
    store = Store(settings.database_url)
    add_user(store, "approver", ["approver"], actor="bench")
    started = time.perf_counter()
    ids = []
    batch = 500
    for first in range(0, count, batch):
        with store.session() as session:
            for i in range(first, min(count, first + batch)):
                path = corpus / f"appeal-{i:05d}.txt"
                path.write_text(seed_text(i, rng), encoding="utf-8")
                appeal = load_appeal(path).appeal
                number, _ = appeals.store_revision(
                    session, appeal, actor="bench", at=T0, action="import"
                )
                approvals.record_approval(
                    session,
                    appeal.id,
                    number,
                    kind=ApprovalKind.APPROVED,
                    approved_by="approver",
                    reason=None,
                    at=T0,
                )
                plan = [(c, "default", PART_MAIN, ledger.now_slot(), T0) for c in CHANNELS]
                ledger.create_deliveries(session, appeal.id, number, plan, campaign_id=None, at=T0)
                ids.append(appeal.id)
        with store.session() as session:
            claimed = ledger.claim_due(session, store.dialect, at=T0, limit=2 * batch)
            for delivery in claimed:
                attempt = ledger.start_sending(
                    session,
                    delivery,
                    at=T0,
                    idempotent=True,
                    actor="worker",
                    detail={},
                    lease_owner="bench",
                    lease_until=T0 + timedelta(minutes=10),
                )
                assert attempt is not None
                decision = decide(
                    Outcome("published"), idempotent=True, resumes_threads=False, attempts=1, at=T0
                )
                ledger.record_outcome(
                    session,
                    store.dialect,
                    delivery,
                    attempt,
                    decision,
                    at=T0,
                    actor="worker",
                    message=None,
                    summary="bench",
                    changes_site=True,  # web and feeds: their sites
                )
    # The real channels write the site once (the last appeal's page, every index and feed).
    for delivery in _deliver(store, real, ids[-1], T0):
        assert services.publish_delivery(store, real, delivery, now=T0) == "published"
    store.dispose()
    done.write_text(f"{count} appeals\n", encoding="utf-8")
    print(f"made a site of {count} appeals in {time.perf_counter() - started:.0f} s", flush=True)


def time_deliveries(
    work: Path, count: int, runs: int, profile: cProfile.Profile | None = None
) -> tuple[list[float], list[float]]:
    """Seconds for each run's two deliveries (web, feeds) of one changed appeal, by the clock
    and in CPU time of this process (less sensitive to a busy machine); ``profile`` (when
    given) profiles the timed parts but the first."""
    from publisher import services
    from publisher.services.accounts import find_user
    from publisher.store import Store

    settings, real, _ = _registries(work)
    store = Store(settings.database_url)
    approver = find_user(store, "approver")
    rng = random.Random(7)
    times: list[float] = []
    cpu: list[float] = []
    try:
        for run in range(runs + 1):  # the first run warms the worker up, as a live one is
            appeal_id = f"appeal-{rng.randrange(count)}"
            at = T0 + timedelta(minutes=run + 1)
            current = services.current_appeal(store, appeal_id)
            changed = current.model_copy(
                update={"summary": f"{current.summary} Update {run} at {at:%H:%M}."}
            )
            services.import_appeal(store, changed, actor="bench", now=at)
            # Approving the new revision plans its web and feeds deliveries (follow-ups).
            services.approve(store, real, appeal_id, user=approver, now=at)
            deliveries = services.dispatch_due(store, now=at)
            assert len(deliveries) == 2, deliveries
            if profile is not None and run:
                profile.enable()
            started, started_cpu = time.perf_counter(), time.process_time()
            for delivery in deliveries:
                state = services.publish_delivery(store, real, delivery, now=at)
                assert state == "published", (delivery, state)
            elapsed = time.perf_counter() - started
            elapsed_cpu = time.process_time() - started_cpu
            if profile is not None:
                profile.disable()
            if run:
                times.append(elapsed)
                cpu.append(elapsed_cpu)
    finally:
        store.dispose()
    return times, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--baseline-count", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the stores and sites here")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the big site's runs")
    args = parser.parse_args(argv)

    root = args.keep or Path(tempfile.mkdtemp(prefix="publisher-site-bench-"))
    try:
        big, small = root / f"site-{args.count}", root / f"site-{args.baseline_count}"
        make_site(small, args.baseline_count)
        make_site(big, args.count)
        base, base_cpu = time_deliveries(small, args.baseline_count, args.runs)
        profile = cProfile.Profile() if args.profile else None
        times, cpu = time_deliveries(big, args.count, args.runs, profile)
        if profile is not None:
            profile.dump_stats(args.profile)
    finally:
        if not args.keep:
            shutil.rmtree(root)
    median = statistics.median(times) * 1000
    baseline = statistics.median(base) * 1000
    print(
        f"web+feeds delivery of one appeal into {args.count} appeals: median {median:.1f} ms "
        f"over {len(times)} runs (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}); "
        f"target {TARGET_MS:.0f} ms: {median / TARGET_MS:.2f}x the target"
    )
    print(
        f"baseline, the same into {args.baseline_count} appeals: median {baseline:.1f} ms; "
        f"ratio {median / baseline:.1f}x"
    )
    median_cpu, baseline_cpu = statistics.median(cpu) * 1000, statistics.median(base_cpu) * 1000
    print(
        f"CPU time of this process: median {median_cpu:.1f} ms into {args.count} appeals, "
        f"{baseline_cpu:.1f} ms into {args.baseline_count}; ratio {median_cpu / baseline_cpu:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
