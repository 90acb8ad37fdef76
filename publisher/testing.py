"""Typed fakes of the ports, for this project's tests and for plugin authors.

They implement the same protocols as the real things and record what happened, so tests
assert outcomes ("two renditions were published") rather than mock calls.

- :class:`FakeChannel`: a channel whose ``publish`` follows a script of outcomes (receipts,
  exceptions, or ``None`` for "succeed"), then succeeds; it records every rendition published.
- :class:`FakeSiteChannel`: the same, plus ``render_site`` (an index of the appeals it was given).
- :class:`FixedClock`: a clock that only moves when told to.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from publisher.channel import (
    ChannelBase,
    OutputFile,
    Receipt,
    RenderContext,
    Rendition,
    SocialPost,
    Target,
)
from publisher.channel.files import write_files
from publisher.domain.record import Appeal, AppealStatus

__all__ = ["FakeChannel", "FakeSiteChannel", "FixedClock", "PublishCall"]

Outcome = Receipt | BaseException | None


@dataclass(frozen=True)
class PublishCall:
    """One call to ``publish``: what was asked, and how it ended (receipt or error)."""

    rendition: Rendition
    target: Target
    receipt: Receipt | None
    error: BaseException | None
    already_posted: tuple[str, ...] = ()


class FakeChannel(ChannelBase):
    """A channel for tests. Satisfies :class:`publisher.channel.Channel`.

    Its abilities are constructor arguments: ``idempotent``; ``resumes_threads`` (default: the
    opposite of ``idempotent``, like a thread publisher), with which a publish after a
    half-posted thread gets ``Target.already_posted`` and prefixes those ids to its receipt;
    ``can_update`` (default: not ``idempotent``), with which ``render_update`` renders the
    appeal as ``render`` does.

    ``outcomes`` is consumed one per ``publish`` call: a :class:`Receipt` is returned, an
    exception instance is raised, ``None`` means a normal success. Once it is used up every
    call succeeds. ``delay`` (seconds) makes each publish slow, to widen race windows.
    When ``write`` is true and the target has an output folder, files are really written
    (atomically) and removals applied, like a file channel.

    ``published`` lists the renditions of successful calls; ``calls`` lists every call.
    """

    def __init__(
        self,
        name: str = "fake",
        idempotent: bool = True,
        outcomes: Iterable[Outcome] = (),
        *,
        delay: float = 0.0,
        write: bool = False,
        posts: bool = False,
        resumes_threads: bool | None = None,
        can_update: bool | None = None,
    ) -> None:
        self.name = name
        self.idempotent = idempotent
        self.resumes_threads = (not idempotent) if resumes_threads is None else resumes_threads
        self.can_update = (not idempotent) if can_update is None else can_update
        self.delay = delay
        self.write = write
        self.posts = posts
        self._script: deque[Outcome] = deque(outcomes)
        self._lock = threading.Lock()
        self.published: list[Rendition] = []
        self.calls: list[PublishCall] = []
        self.targets: list[Target] = []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, idempotent={self.idempotent})"

    def script(self, *outcomes: Outcome) -> None:
        """Append outcomes to the script."""
        with self._lock:
            self._script.extend(outcomes)

    # Rendering (pure) -----------------------------------------------------------------------

    def path_for(self, appeal: Appeal) -> str:
        return f"{self.name}/{appeal.id}.txt"

    def render(self, appeal: Appeal, context: RenderContext) -> Rendition:
        path = self.path_for(appeal)
        if appeal.status is AppealStatus.WITHDRAWN:
            return Rendition(
                channel=self.name,
                appeal_id=appeal.id,
                revision=appeal.revision,
                removals=(path,),
            )
        body = _describe(appeal)
        files = (OutputFile(path=path, content=body.encode(), media_type="text/plain"),)
        posts = (SocialPost(text=body, weight=len(body)),) if self.posts else ()
        return Rendition(
            channel=self.name,
            appeal_id=appeal.id,
            revision=appeal.revision,
            files=files,
            posts=posts,
        )

    def render_update(self, appeal: Appeal, context: RenderContext) -> Rendition:
        if not self.can_update:
            return super().render_update(appeal, context)
        return self.render(appeal, context)

    # Publishing -----------------------------------------------------------------------------

    def publish(self, rendition: Rendition, target: Target) -> Receipt:
        """Follow the script. ``target.already_posted`` (ids of the parts a failed attempt
        posted) is recorded and prefixed to the receipt's ids, as a resuming thread publisher
        would."""
        done = target.already_posted
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            outcome = self._script.popleft() if self._script else None
            number = len(self.calls) + 1
            self.targets.append(target)
            if isinstance(outcome, BaseException):
                self.calls.append(PublishCall(rendition, target, None, outcome, done))
                raise outcome
            receipt = outcome or self._receipt(rendition, target, number, done)
            if self.write and target.output_dir is not None:
                self._write(rendition, target.output_dir)
            self.calls.append(PublishCall(rendition, target, receipt, None, done))
            self.published.append(rendition)
            return receipt

    def _receipt(
        self, rendition: Rendition, target: Target, number: int, done: tuple[str, ...]
    ) -> Receipt:
        remote = f"{self.name}-{number}"
        return Receipt(
            channel=self.name,
            remote_ids=(*done, remote),
            url=f"https://fake.invalid/{self.name}/{(*done, remote)[0]}",
            paths=tuple(f.path for f in rendition.files),
            details={
                "target": target.name,
                **({"reply_to": target.reply_to} if target.reply_to else {}),
            },
        )

    @staticmethod
    def _write(rendition: Rendition, root: Path) -> None:
        write_files(root, rendition.files)
        for relative in rendition.removals:
            (root / relative).unlink(missing_ok=True)

    # Inspection ------------------------------------------------------------------------------

    @property
    def published_appeals(self) -> list[tuple[str | None, int | None]]:
        """(appeal id, revision) of each successful publication, in order."""
        return [(r.appeal_id, r.revision) for r in self.published]


class FakeSiteChannel(FakeChannel):
    """A :class:`FakeChannel` that also renders the site: ``<name>/index.txt`` lists the live
    appeals it was given (id, revision, status); ``site_calls`` records each set."""

    writes_site_files = True

    def __init__(
        self,
        name: str = "fakesite",
        idempotent: bool = True,
        outcomes: Iterable[Outcome] = (),
        *,
        delay: float = 0.0,
        write: bool = False,
    ) -> None:
        super().__init__(name, idempotent, outcomes, delay=delay, write=write)
        self.site_calls: list[tuple[str, ...]] = []

    def render_site(self, appeals: Sequence[Appeal], context: RenderContext) -> Rendition:
        live = sorted(
            (a for a in appeals if a.status is not AppealStatus.WITHDRAWN), key=lambda a: a.id
        )
        with self._lock:
            self.site_calls.append(tuple(a.id for a in appeals))
        lines = [f"{a.id} r{a.revision} {a.status.value}" for a in live]
        content = ("\n".join(lines) + "\n").encode() if lines else b""
        return Rendition(
            channel=self.name,
            appeal_id=None,
            revision=None,
            files=(
                OutputFile(path=f"{self.name}/index.txt", content=content, media_type="text/plain"),
            ),
        )


def _describe(appeal: Appeal) -> str:
    lines = [f"{appeal.title}", f"revision {appeal.revision}", f"status {appeal.status.value}"]
    if appeal.resolution:
        lines.append(f"resolution {appeal.resolution}")
    return "\n".join(lines) + "\n"


class FixedClock:
    """A clock for tests: returns the same aware UTC time until moved.

    ``clock()`` reads it; ``advance(timedelta)`` or ``advance(seconds=…)`` moves it forward;
    ``set(datetime)`` puts it anywhere.
    """

    def __init__(self, start: datetime | None = None) -> None:
        moment = start or datetime(2020, 10, 20, 6, 0, tzinfo=UTC)
        self._now = self._check(moment)
        self._lock = threading.Lock()

    @staticmethod
    def _check(moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        return moment.astimezone(UTC)

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    @property
    def now(self) -> datetime:
        return self()

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        step = (delta or timedelta()) + timedelta(
            days=days, hours=hours, minutes=minutes, seconds=seconds
        )
        if step < timedelta():
            raise ValueError("a clock only moves forward; use set() to go back")
        with self._lock:
            self._now += step
            return self._now

    def set(self, moment: datetime) -> datetime:
        with self._lock:
            self._now = self._check(moment)
            return self._now

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()})"
