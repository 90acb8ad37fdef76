"""The acceptance test of issue 4: crashes lose nothing and post nothing twice.

Real parts only: a real redis-server as the broker, a real PostgreSQL (and SQLite) store, two real
``publisher worker`` processes and two ``publisher beat`` (two dispatchers, two reconcilers), the
real X channel (tweepy) posting to the local X-compatible server (tests.support.xfake, which
verifies the OAuth signatures), and the real text and web channels writing files.

While the deliveries are first sent:

- the fake X answers a share of the create-tweet requests with a fault: 503 (a few plain, which
  back off, most with a short ``retry-after``); 429 with an ``x-rate-limit-reset`` a few seconds
  ahead; "stall" (the post is recorded, the answer comes after the client's read timeout: the
  post exists and the worker cannot know it); "hang" (nothing is recorded, the connection is
  closed after the read timeout: no post exists and the worker cannot know that either). The
  fake remembers which request it served each fault to;
- workers are SIGKILLed (whole process group: the worker and its pool children, like a machine
  losing power) at moments when one of them is sending to X (the ledger is polled for a
  ``sending`` delivery whose lease a pool child of that worker holds), and started again; each
  kill records the sends it interrupted (still ``sending``, leased by a now dead process);
- Redis is SIGKILLed and restarted once (it runs without persistence: every queued message is
  lost);
- a worker or beat that exits by itself is started again, as systemd or ``publisher run`` would
  (Celery 5.7 sometimes does, on the broker restart: kombu fails to restore the unacknowledged
  messages of a connection it has already collected), and the summary says so.

Then, once the reconciler has settled everything, the ledger is checked against what the fake X
server received and what is on disk:

1. no post text was received twice (the fake accepts duplicates here, so a second post shows);
2. every published X delivery's posts were received exactly once, as one thread, and its
   ``remote_id`` is the ids the fake gave;
3. every unknown X delivery is really ambiguous: the fake has a post the ledger lacks, or left a
   request of it hanging without recording it, or a kill interrupted its send before X took the
   request (no post exists, but no living process could say so); and each is explained by a kill
   during its send (or its worker's own exit) or a hung answer;
4. nothing is pending (scheduled, claimed, sending), nothing failed;
5. every web and text delivery is published and its files are on disk.

At least one kill must have interrupted a send to X and every kind of fault must have been
served, or the run proves less than it says. The X client's read timeout is 30 s and no setting
changes it, so a hung answer lasts longer than that: a run takes about a minute.

The plan (fault positions, kill moments, the Redis restart) comes from a seed printed at the
start with a summary at the end; set CRASH_SEED to replay the plan (the interleaving of the
processes is not replayed).
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from tests.integration.conftest import (
    Deployment,
    ManagedProcess,
    PostgresDatabases,
    Processes,
    RedisServer,
    make_appeal,
    received_post_texts,
    run_cli,
    wait_until,
    worker_ready,
)
from tests.support.approving import import_approved

pytestmark = pytest.mark.integration

SETTLE_TIMEOUT = 120.0
PENDING_STATES = ("scheduled", "claimed", "sending")
CREATE_TWEET = "POST /2/tweets"
FILE_CHANNELS = ("web", "text")
HUNG_FAULTS = ("stall", "hang")
PLAIN_503 = "503"
RETRY_503 = "503 retry-after"
SUMMARY_KEYS = (
    "run",
    "seed",
    "run_s",
    "settled_in_s",
    "states",
    "kills",
    "kills_during_x_sends",
    "faults_served",
)
KILL_WAIT = 3.0
"""How long a planned kill waits for a send to X to be in flight before it kills anyway."""


def _read_timeout() -> float:
    """The X client's read timeout: not a setting (XSettings' default), so hung answers must
    outlast it."""
    from publisher.channels.x.client import XSettings

    return XSettings().read_timeout


@dataclass(frozen=True)
class Variant:
    run: str
    count: int
    spread: float
    kills: int
    faults: Mapping[str, int]
    """How many create-tweet requests get each fault while the deliveries are first sent."""


PG = Variant(
    run="crashpg",
    count=200,
    spread=12.0,
    kills=4,
    faults={PLAIN_503: 2, RETRY_503: 6, "429": 4, "stall": 2, "hang": 2},
)
SQLITE = Variant(
    run="crashlite",
    count=60,
    spread=6.0,
    kills=3,
    faults={PLAIN_503: 1, RETRY_503: 3, "429": 2, "stall": 1, "hang": 1},
)


@dataclass
class Kill:
    """One SIGKILL of a worker's process group, and the sends it interrupted."""

    at: float
    victim: str
    interrupted: dict[int, str]
    """Delivery id → channel: sending, leased by a process of the victim, after it died."""
    sending_elsewhere: list[int]
    waited: float

    @property
    def on_x(self) -> list[int]:
        return sorted(d for d, channel in self.interrupted.items() if channel == "x")


@dataclass
class ChaosLog:
    """What the chaos did, and what was in flight when it did it."""

    seed: int
    deployment: Deployment
    supervised: list[ManagedProcess] = field(default_factory=list)
    """Started again, as a supervisor would, if they exit by themselves."""
    started: float = field(default_factory=time.monotonic)
    events: list[str] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    redis_restarts: int = 0
    exits: list[str] = field(default_factory=list)
    """Processes that exited by themselves (not killed by the test), and why."""
    exit_interrupted: dict[int, str] = field(default_factory=dict)
    """Sends those exits left behind: sending, leased by a process that is gone."""

    def supervise(self) -> None:
        """Start again any supervised process that exited by itself, noting why it did. (Celery
        5.7 can exit on a broker restart: "Unrecoverable error: AttributeError(... 'hostname')"
        from kombu's redis transport restoring unacknowledged messages after the connection
        was collected. Under systemd or ``publisher run`` it would be restarted too.)"""
        for process in self.supervised:
            if process.proc is None or process.proc.poll() is None:
                continue
            code = process.kill()  # reap what is left of its group
            log = process.log_text()
            last = log[log.rfind("===== start #") :]
            why = [line for line in last.splitlines() if "CRITICAL" in line][-1:]
            left = {
                delivery: channel
                for delivery, channel, owner in _sending(self.deployment)
                if not _alive(_owner_pid(owner)) and delivery not in self.interrupted()
            }
            self.exit_interrupted.update(left)
            self.exits.append(f"{process.name} exited with {code}: {' '.join(why)[:200]}")
            self.note(
                f"{process.name} exited by itself with {code}, leaving {sorted(left.items())} "
                "sending: started again"
            )
            process.start()

    def watching(self, predicate: Callable[[], bool]) -> Callable[[], bool]:
        """``predicate``, supervising each time it is asked."""

        def check() -> bool:
            self.supervise()
            return predicate()

        return check

    def sleep(self, seconds: float) -> None:
        """Sleep, supervising meanwhile."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            self.supervise()
            time.sleep(min(0.1, left))

    def note(self, text: str) -> None:
        self.events.append(f"t={self.elapsed():5.2f}s {text}")

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def interrupted(self) -> set[int]:
        """The sends the test's kills interrupted."""
        return {d for kill in self.kills for d in kill.interrupted}


def _plan(count: int, run: str) -> list[tuple[Any, list[str]]]:
    """Which appeals go to which channels: 40% x+text, 40% x+web, 20% text+web."""
    plan = []
    for number in range(count // 2):
        appeal = make_appeal(number, run=run)
        bucket = number % 5
        if bucket in (0, 1):
            channels = ["x", "text"]
        elif bucket in (2, 3):
            channels = ["x", "web"]
        else:
            channels = ["text", "web"]
        plan.append((appeal, channels))
    return plan


def _thread_texts(
    deployment: Deployment, plan: list[tuple[Any, list[str]]]
) -> dict[str, list[str]]:
    """Appeal id → the texts of its X thread, in order. Every text is unique to its appeal
    (make_appeal puts the run and the number in each), so a text names one delivery's part."""
    registry = deployment.registry()
    channel = registry.get("x")
    threads = {
        appeal.id: [post.text for post in channel.render(appeal, registry.context).posts]
        for appeal, channels in plan
        if "x" in channels
    }
    texts = [text for thread in threads.values() for text in thread]
    assert len(texts) == len(set(texts)), "the test needs a unique text for every post"
    return threads


def _schedule_all(deployment: Deployment, plan: list[tuple[Any, list[str]]], spread: float) -> int:
    """Import every appeal; schedule its deliveries due now or within ``spread`` seconds."""
    from publisher import services

    made = 0
    for index, (appeal, channels) in enumerate(plan):
        import_approved(deployment.store, appeal)
        if index % 10 == 0:
            ids = services.publish_now(deployment.store, deployment.registry(), appeal.id, channels)
        else:
            offset = 0.5 + (index * spread / len(plan))
            due = datetime.now(UTC) + timedelta(seconds=offset)
            ids = services.schedule(
                deployment.store, deployment.registry(), appeal.id, channels, [due]
            )
        made += len(ids)
    return made


def _queue_faults(
    fake_x: Any, rng: random.Random, faults: Mapping[str, int], requests: int, hung_for: float
) -> list[tuple[int, str]]:
    """Queue the faults at random positions among the first ``requests`` create-tweet requests
    (the fake serves queued faults in order, each after its ``skip`` good requests).

    The plain 503s (no retry-after: the delivery backs off 30 s · 2^(attempts-1)) come first,
    before any 429: then they can only meet a delivery's first attempt. Later, a delivery may
    already have been put back by its worker's rate-limit check, which counts as an attempt,
    and a plain 503 on its third attempt would back off for two minutes."""
    kinds = [kind for kind, n in sorted(faults.items()) if kind != PLAIN_503 for _ in range(n)]
    rng.shuffle(kinds)
    kinds = [PLAIN_503] * faults.get(PLAIN_503, 0) + kinds
    positions = sorted(rng.sample(range(requests), len(kinds)))
    previous = -1
    for position, kind in zip(positions, kinds, strict=True):
        fake_x.fail(
            CREATE_TWEET,
            kind.split()[0],
            skip=position - previous - 1,
            reset_in=rng.uniform(2.0, 5.0) if kind == "429" else None,
            retry_after=rng.randint(2, 5) if kind == RETRY_503 else None,
            seconds=hung_for if kind in HUNG_FAULTS else None,
        )
        previous = position
    return list(zip(positions, kinds, strict=True))


def _label(item: Mapping[str, Any]) -> str:
    """The kind of a fault the fake served, as the variants name them."""
    if item["fault"] == "503":
        return PLAIN_503 if item["retry_after"] is None else RETRY_503
    return str(item["fault"])


def _sending(deployment: Deployment) -> list[tuple[int, str, str | None]]:
    """(id, channel, lease owner) of every delivery being sent."""
    from sqlalchemy import select

    from publisher.store.models import DeliveryRow

    with deployment.store.session() as session:
        rows = session.execute(
            select(DeliveryRow.id, DeliveryRow.channel, DeliveryRow.lease_owner).where(
                DeliveryRow.state == "sending"
            )
        ).all()
    return [(int(i), str(channel), owner) for i, channel, owner in rows]


def _faults_over(deployment: Deployment, fake_x: Any, planned: int) -> bool:
    """Every planned fault was served, or no X delivery is left to serve one to."""
    if len(fake_x.injected) >= planned:
        return True
    return not any(row.channel == "x" and row.state in PENDING_STATES for row in deployment.rows())


def _owner_pid(owner: str | None) -> int | None:
    """The pid in a lease owner (``host:pid:random``)."""
    if not owner:
        return None
    parts = owner.rsplit(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _group_of(pid: int | None) -> int | None:
    if pid is None:
        return None
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _group_pids(process: ManagedProcess) -> set[int]:
    """Every live process in ``process``'s group (the worker and its pool children)."""
    if not process.alive:
        return set()
    found = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and _group_of(int(entry.name)) == process.pid:
            found.add(int(entry.name))
    return found


def _kill_during_send(
    deployment: Deployment, workers: list[ManagedProcess], rng: random.Random, log: ChaosLog
) -> None:
    """Wait (at most KILL_WAIT s) for a worker to be sending to X, SIGKILL its process group,
    record what it interrupted, and start it again."""
    waited_from = time.monotonic()
    holders: dict[str, set[str]] = {}
    while True:
        groups = {w.pid: w for w in workers if w.alive}
        holders = {}
        for _, channel, owner in _sending(deployment):
            worker = groups.get(_group_of(_owner_pid(owner)) or -1)
            if worker is not None:
                holders.setdefault(worker.name, set()).add(channel)
        on_x = sorted(name for name, channels in holders.items() if "x" in channels)
        if on_x or time.monotonic() - waited_from > KILL_WAIT:
            break
        log.supervise()
        time.sleep(0.02)
    by_name = {w.name: w for w in workers}
    candidates = on_x or sorted(holders) or sorted(by_name)
    victim = by_name[rng.choice(candidates)]
    if not victim.alive:
        victim.start()
    pids = _group_pids(victim)
    victim.kill(signal.SIGKILL)
    interrupted: dict[int, str] = {}
    elsewhere: list[int] = []
    for delivery, channel, owner in _sending(deployment):
        if _owner_pid(owner) in pids:
            interrupted[delivery] = channel
        else:
            elsewhere.append(delivery)
    kill = Kill(
        at=log.elapsed(),
        victim=victim.name,
        interrupted=interrupted,
        sending_elsewhere=sorted(elsewhere),
        waited=round(time.monotonic() - waited_from, 2),
    )
    log.kills.append(kill)
    log.note(
        f"SIGKILL {victim.name} after waiting {kill.waited}s: interrupted "
        f"{sorted(interrupted.items())}, sending elsewhere {kill.sending_elsewhere}"
    )
    time.sleep(rng.uniform(0.2, 1.5))
    victim.start()
    log.note(f"restarted {victim.name}")


def _chaos(
    *,
    rng: random.Random,
    log: ChaosLog,
    workers: list[ManagedProcess],
    redis: RedisServer,
    deployment: Deployment,
    duration: float,
    kills: int,
) -> None:
    """Kill workers ``kills`` times (each during a send) and Redis once, at random moments
    within ``duration`` s."""
    events: list[tuple[float, str]] = [(rng.uniform(0.5, duration), "worker") for _ in range(kills)]
    events.append((rng.uniform(duration * 0.25, duration * 0.75), "redis"))
    events.sort()
    for at, what in events:
        log.sleep(at - log.elapsed())
        if what == "worker":
            _kill_during_send(deployment, workers, rng, log)
        else:
            counts = deployment.counts()
            redis.restart()
            log.redis_restarts += 1
            log.note(
                f"SIGKILL redis-server + restart (claimed={counts.get('claimed', 0)} "
                f"sending={counts.get('sending', 0)})"
            )
        log.supervise()


@dataclass
class XFindings:
    """What the fake X server says went out, against the ledger's X deliveries."""

    published: int = 0
    unknown: dict[int, str] = field(default_factory=dict)
    """Delivery id → why it is ambiguous and what explains it."""


def _check_x(
    rows: Sequence[Any],
    threads: Mapping[str, list[str]],
    fake_x: Any,
    chaos: ChaosLog,
) -> XFindings:
    """(1) no post received twice; (2) every published X delivery received exactly once, with
    the fake's ids recorded; (3) every unknown one really ambiguous, and explained."""
    posts = fake_x.posts
    injected = [item for item in fake_x.injected if item["endpoint"] == CREATE_TWEET]
    left_hanging = [item["text"] for item in injected if item["fault"] == "hang"]
    hung_texts = {item["text"] for item in injected if item["fault"] in HUNG_FAULTS}

    # (1) Every text reached X as a post at most once: recorded, or taken and left hanging.
    # (Duplicate texts are accepted by this fake, see the test: a second post would show.)
    received = Counter([str(post["text"]) for post in posts] + left_hanging)
    twice = {text: n for text, n in received.items() if n > 1}
    assert not twice, f"the X server received these posts more than once: {twice}"
    known = {text for thread in threads.values() for text in thread}
    strangers = [text for text in received if text not in known]
    assert not strangers, f"the X server received posts nobody planned: {strangers}"
    by_text = {str(post["text"]): post for post in posts}
    requests_for = Counter(received_post_texts(fake_x))
    refusals = Counter(str(item["text"]) for item in injected if item["fault"] in ("503", "429"))

    findings = XFindings()
    killed = chaos.interrupted()
    exited = set(chaos.exit_interrupted)
    for row in rows:
        if row.channel != "x":
            continue
        texts = threads[row.appeal_id]
        ledger_ids = row.remote_id.split(",") if row.remote_id else []
        fake_posts = [by_text[text] for text in texts if text in by_text]
        fake_ids = [str(post["id"]) for post in fake_posts]
        # The posts that went out are the first parts of the thread, each replying to the last.
        assert [p["text"] for p in fake_posts] == texts[: len(fake_posts)], (row.id, fake_posts)
        replies = [post["in_reply_to_tweet_id"] for post in fake_posts]
        assert replies == [None, *fake_ids][: len(fake_ids)], f"x delivery {row.id}: {replies}"
        if row.state == "published":
            findings.published += 1
            assert fake_ids and len(fake_ids) == len(texts), (
                f"x delivery {row.id} is published, but the X server has {len(fake_ids)} of its "
                f"{len(texts)} posts"
            )
            hanging = [text for text in texts if text in left_hanging]
            assert not hanging, f"x delivery {row.id} is published, yet also left hanging"
            assert ledger_ids == fake_ids, (
                f"x delivery {row.id} says it was published as {row.remote_id}; "
                f"the X server gave it {','.join(fake_ids)}"
            )
        elif row.state == "unknown":
            # What the ledger recorded went out, in order; the ambiguity is about the rest.
            assert ledger_ids == fake_ids[: len(ledger_ids)], (
                f"x delivery {row.id} recorded {row.remote_id}, the X server has {fake_ids}"
            )
            reasons = []
            if len(fake_ids) > len(ledger_ids):
                reasons.append(
                    f"the X server has posts the ledger lacks {fake_ids[len(ledger_ids) :]}"
                )
            if any(text in left_hanging for text in texts):
                reasons.append("the X server left a request of it hanging, recording nothing")
            if not reasons and row.id in killed | exited:
                # The worker died after it marked the send and before its request
                # was taken by X (refused, or never sent): no post exists, but no living
                # process could say so. The ledger is right to call it unknown.
                in_flight = texts[len(fake_ids)]
                sent, refused = requests_for[in_flight], refusals[in_flight]
                assert sent == refused, (row.id, sent, refused)
                reasons.append(
                    f"its worker died before X took its request for part {len(fake_ids) + 1} "
                    f"({sent} sent, {refused} refused by a fault)"
                )
            real = " and ".join(reasons)
            assert real, (
                f"x delivery {row.id} is unknown, but the X server neither has a post the "
                f"ledger lacks nor left a request of it hanging, and no kill interrupted it: "
                f"{row.last_error}"
            )
            causes = []
            if row.id in killed:
                causes.append("a kill during its send")
            if row.id in exited:
                causes.append("its worker exiting by itself during its send")
            if any(text in hung_texts for text in texts):
                causes.append("a hung answer")
            assert causes, (
                f"x delivery {row.id} is unknown, but no kill interrupted its send and no "
                f"answer to it hung: {row.last_error}"
            )
            findings.unknown[row.id] = f"{real}; explained by {' and '.join(causes)}"
        else:
            pytest.fail(f"x delivery {row.id} ended {row.state}: {row.last_error}")
    return findings


def _faults_by_delivery(
    rows: Sequence[Any], threads: Mapping[str, list[str]], fake_x: Any
) -> dict[str, list[str]]:
    """Delivery id → the faults its requests got (``part n: fault``), for the summary."""
    part_of = {
        text: (appeal_id, number)
        for appeal_id, texts in threads.items()
        for number, text in enumerate(texts, start=1)
    }
    delivery_of = {row.appeal_id: row.id for row in rows if row.channel == "x"}
    found: dict[int, list[str]] = {}
    for item in fake_x.injected:
        if item["text"] in part_of:
            appeal_id, number = part_of[item["text"]]
            found.setdefault(delivery_of[appeal_id], []).append(f"part {number}: {_label(item)}")
    return {str(delivery): faults for delivery, faults in sorted(found.items())}


def _file_rows_check(rows: list[Any], deployment: Deployment) -> int:
    """Every web/text delivery is published (their sends are idempotent: a killed one is run
    again) and its files are on disk."""
    from publisher import services
    from publisher.bootstrap import build_registry

    registry = build_registry(deployment.settings())
    checked = 0
    for row in rows:
        if row.channel not in FILE_CHANNELS:
            continue
        assert row.state == "published", (row.id, row.channel, row.state, row.last_error)
        appeal = services.current_appeal(deployment.store, row.appeal_id)
        rendition = registry.get(row.channel).render(appeal, registry.context)
        assert rendition.files, f"{row.channel} rendered no files for {row.appeal_id}"
        for output in rendition.files:
            path = deployment.output_dir / output.path
            assert path.is_file(), f"delivery {row.id} is published but {path} is missing"
        checked += 1
    return checked


def _beat_ran_ticks(beat: ManagedProcess) -> bool:
    log = beat.log_text()
    return "Sending due task dispatch" in log and "publisher.dispatch" in log


def _run_crash_scenario(
    *,
    deployment: Deployment,
    redis: RedisServer,
    processes: Processes,
    fake_x: Any,
    variant: Variant,
) -> dict[str, Any]:
    seed = int(os.environ.get("CRASH_SEED", "0")) or random.SystemRandom().randrange(1, 10**9)
    print(f"\ncrash test ({variant.run}): CRASH_SEED={seed}")
    rng = random.Random(seed)
    began = time.monotonic()
    with fake_x.lock:  # a post sent twice must show as two posts, not as a refused duplicate
        fake_x.config.reject_duplicates = False

    workers = [processes.worker(f"worker{i}", deployment.env, concurrency=2) for i in (1, 2)]
    # Two beats, as when a second machine is started by mistake: each has its own data folder
    # (its beat schedule file), both share the database and the broker.
    second = deployment.data_dir.parent / "data-beat2"
    beats = [
        processes.beat(deployment.env, name="beat1"),
        processes.beat({**deployment.env, "PUBLISHER_DATA_DIR": str(second)}, name="beat2"),
    ]
    for worker in workers:
        wait_until(partial(worker_ready, worker), timeout=60, what=f"{worker.name} to be ready")
    wait_until(deployment.heartbeat, timeout=60, what="the dispatcher's first tick")

    plan = _plan(variant.count, variant.run)
    threads = _thread_texts(deployment, plan)
    create_requests = sum(len(texts) for texts in threads.values())
    hung_for = _read_timeout() + 3
    planned_faults = _queue_faults(
        fake_x, rng, variant.faults, int(create_requests * 0.5), hung_for
    )

    chaos = ChaosLog(seed=seed, deployment=deployment, supervised=[*workers, *beats])
    summary: dict[str, Any] = {"run": variant.run, "seed": seed, "deliveries": variant.count}
    try:
        _run_and_check(
            deployment=deployment,
            redis=redis,
            processes=processes,
            fake_x=fake_x,
            variant=variant,
            rng=rng,
            chaos=chaos,
            workers=workers,
            beats=beats,
            plan=plan,
            threads=threads,
            planned_faults=len(planned_faults),
            summary=summary,
        )
    finally:
        summary["run_s"] = round(time.monotonic() - began, 1)
        summary["faults_planned"] = dict(
            sorted(Counter(kind for _, kind in planned_faults).items())
        )
        summary["chaos"] = chaos.events
        summary["exited_by_themselves"] = chaos.exits
        short = {key: summary[key] for key in SUMMARY_KEYS if key in summary}
        details = {key: value for key, value in summary.items() if key not in SUMMARY_KEYS}
        print("crash test summary: " + json.dumps(short))
        print("crash test details: " + json.dumps(details, indent=1))
    return summary


def _run_and_check(
    *,
    deployment: Deployment,
    redis: RedisServer,
    processes: Processes,
    fake_x: Any,
    variant: Variant,
    rng: random.Random,
    chaos: ChaosLog,
    workers: list[ManagedProcess],
    beats: list[ManagedProcess],
    plan: list[tuple[Any, list[str]]],
    threads: Mapping[str, list[str]],
    planned_faults: int,
    summary: dict[str, Any],
) -> None:
    scheduled = _schedule_all(deployment, plan, variant.spread)
    assert scheduled == variant.count
    _chaos(
        rng=rng,
        log=chaos,
        workers=workers,
        redis=redis,
        deployment=deployment,
        duration=variant.spread + 2,
        kills=variant.kills,
    )
    summary["kills"] = len(chaos.kills)
    summary["kills_during_x_sends"] = sum(1 for kill in chaos.kills if kill.on_x)
    summary["x_sends_interrupted"] = sorted(d for kill in chaos.kills for d in kill.on_x)
    summary["file_sends_interrupted"] = sorted(
        d for kill in chaos.kills for d, c in kill.interrupted.items() if c != "x"
    )
    # The faults sit at the first positions of the stream of create-tweet requests: they are
    # served while the deliveries are first sent (and their first retries, when kills and hung
    # answers slowed the sending down).
    try:
        wait_until(
            chaos.watching(lambda: _faults_over(deployment, fake_x, planned_faults)),
            timeout=SETTLE_TIMEOUT,
            interval=0.2,
            what=f"the planned faults to be served (now {deployment.counts()})",
        )
    finally:
        unserved = fake_x.clear_faults(CREATE_TWEET)
        chaos.note(f"fault injection over ({unserved} planned faults not served)")
        summary["faults_served"] = dict(sorted(Counter(map(_label, fake_x.injected)).items()))
    try:
        wait_until(
            chaos.watching(lambda: deployment.pending() == 0),
            timeout=SETTLE_TIMEOUT,
            interval=0.5,
            what=f"every delivery to settle (now {deployment.counts()})",
        )
    finally:
        summary["settled_in_s"] = round(chaos.elapsed(), 1)
        rows = deployment.rows()
        summary["states"] = dict(sorted(Counter(row.state for row in rows).items()))
        summary["faults_by_delivery"] = _faults_by_delivery(rows, threads, fake_x)
        summary["most_attempts"] = _most_attempts(deployment, rows, chaos)
    processes.check_alive(*beats, *workers)

    assert len(rows) == variant.count
    # (4) Nothing pending.
    pending = [(r.id, r.channel, r.state) for r in rows if r.state in PENDING_STATES]
    assert not pending, f"still pending after settling: {pending}"
    assert chaos.redis_restarts == 1 and len(chaos.kills) == variant.kills, chaos.events
    assert all(_beat_ran_ticks(beat) for beat in beats), "both beats must have sent ticks"

    served = Counter(map(_label, fake_x.injected))
    for kind in variant.faults:
        assert served[kind] >= 1, f"no {kind} was served: the run proves less ({served})"
    assert summary["kills_during_x_sends"] >= 1, f"no kill landed during a send to X: {chaos}"

    # No delivery was published twice (one successful attempt at most).
    from sqlalchemy import func, select

    from publisher.store.models import AttemptRow

    with deployment.store.session() as session:
        twice = session.execute(
            select(AttemptRow.delivery_id, func.count())
            .where(AttemptRow.outcome == "published")
            .group_by(AttemptRow.delivery_id)
            .having(func.count() > 1)
        ).all()
    assert not twice, f"deliveries with more than one successful attempt: {twice}"

    # The operator's list of what needs a person is exactly the unknown and failed deliveries.
    listed = run_cli(
        ["deliveries", "--state", "unknown", "--state", "failed", "--json"], deployment.env
    )
    listed_ids = {item["id"] for item in json.loads(listed.stdout)}
    assert listed_ids == {row.id for row in rows if row.state in ("unknown", "failed")}

    # (1)-(3) X against the fake; (5) files against the disk.
    x = _check_x(rows, threads, fake_x, chaos)
    summary["x_published"] = x.published
    summary["x_unknown"] = {str(k): v for k, v in sorted(x.unknown.items())}
    summary["files_checked"] = _file_rows_check(rows, deployment)


def _most_attempts(deployment: Deployment, rows: Sequence[Any], chaos: ChaosLog) -> dict[str, Any]:
    """The (at most six) deliveries tried most often, the last to settle first among equals:
    each attempt (seconds into the run, outcome, error), to see what kept them waiting."""
    from sqlalchemy import select

    from publisher.store.models import AttemptRow

    retried = sorted(
        (row for row in rows if row.attempts >= 2),
        key=lambda row: (row.attempts, row.updated_at),
        reverse=True,
    )
    many = [row.id for row in retried[:6]]
    if not many:
        return {}
    origin = datetime.now(UTC) - timedelta(seconds=chaos.elapsed())
    with deployment.store.session() as session:
        attempts = session.scalars(
            select(AttemptRow)
            .where(AttemptRow.delivery_id.in_(many))
            .order_by(AttemptRow.delivery_id, AttemptRow.id)
        ).all()
    found: dict[str, list[str]] = {}
    for attempt in attempts:
        at = (attempt.started_at - origin).total_seconds()
        error = (attempt.error or "")[:70]
        found.setdefault(str(attempt.delivery_id), []).append(
            f"t={at:.1f}s {attempt.outcome}: {error}"
        )
    return found


def test_crash_postgresql(
    postgres_databases: PostgresDatabases,
    restartable_redis: RedisServer,
    make_deployment: Any,
    processes: Processes,
    fake_x: Any,
) -> None:
    deployment = make_deployment(
        postgres_databases.create(),
        restartable_redis.url(0),
        **fake_x.environment(),
    )
    _run_crash_scenario(
        deployment=deployment,
        redis=restartable_redis,
        processes=processes,
        fake_x=fake_x,
        variant=PG,
    )


def test_crash_sqlite(
    restartable_redis: RedisServer,
    make_deployment: Any,
    processes: Processes,
    fake_x: Any,
    tmp_path: Any,
) -> None:
    deployment = make_deployment(
        f"sqlite:///{tmp_path / 'publisher.db'}",
        restartable_redis.url(0),
        **fake_x.environment(),
    )
    _run_crash_scenario(
        deployment=deployment,
        redis=restartable_redis,
        processes=processes,
        fake_x=fake_x,
        variant=SQLITE,
    )
