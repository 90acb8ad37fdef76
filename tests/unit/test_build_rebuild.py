"""A rebuild is proportional to the change: the site's pages and feeds are carried on from the
last build's (saved with the build cache), only the records they must show again are read back,
inputs are checked by stat before they are hashed, and the result is byte for byte a clean
build's. In process (the command line's own tests are in test_build_incremental.py)."""

from __future__ import annotations

import os
import pickle
import time
from dataclasses import replace
from pathlib import Path

import pytest

from publisher.bootstrap import build_registry
from publisher.channel.registry import Registry
from publisher.channels import feeds
from publisher.domain.record import Appeal
from publisher.importers import load_appeal
from publisher.services import build_cache
from publisher.services.build import BuildReport, build_site
from publisher.settings import Settings

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
SLUG = "domestic-abuse-victims-urged-to-seek-support"
GOOD = (SEEDS / "000_5b8f5bd9f8757259.txt").read_text(encoding="utf-8")
# More than a feed holds (50 entries), so the oldest appeal is in no feed's entries.
COUNT = 56
HOUR_AGO_NS = time.time_ns() - 3600 * 1_000_000_000


def _variant(i: int) -> str:
    text = GOOD.replace(SLUG, f"appeal-{i:03d}")
    day, hour = 1 + i // 24, i % 24
    return text.replace("13:53 02/04/2020", f"{hour:02d}:10 {day:02d}/02/2020")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def times(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()
    }


class Site:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.inputs = root / "in"
        self.inputs.mkdir()
        for i in range(COUNT):
            path = self.inputs / f"{i:03d}.txt"
            path.write_text(_variant(i), encoding="utf-8")
            os.utime(path, ns=(HOUR_AGO_NS, HOUR_AGO_NS))  # long before any build: not racy
        self.out = root / "site"
        self.cache = root / "cache"

    def registry(self) -> Registry:
        """A fresh registry (new channels, nothing remembered in this process)."""
        return build_registry(Settings.from_env({"PUBLISHER_DATA_DIR": str(self.root / "var")}))

    def build(self) -> BuildReport:
        return build_site([self.inputs], self.out, self.registry(), jobs=1, cache=self.cache)

    def clean(self) -> dict[str, bytes]:
        fresh = self.root / "clean"
        build_site([self.inputs], fresh, self.registry(), jobs=1)
        return tree(fresh)

    def edit(self, number: int, old: str, new: str, *, keep_mtime: bool = False) -> None:
        path = self.inputs / f"{number:03d}.txt"
        before = path.stat()
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        if keep_mtime:
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.fixture()
def site(tmp_path: Path) -> Site:
    made = Site(tmp_path)
    first = made.build()
    assert first.rendered == COUNT and first.records_read == 0
    return made


def test_one_change_renders_one_appeal_and_reads_back_only_what_the_site_shows(
    site: Site,
) -> None:
    before, stamps = tree(site.out), times(site.out)
    # The oldest appeal: in every index, in no feed's entries (a word of its body: its card
    # and the site's indexes are unchanged).
    site.edit(0, "Sadly,", "Sadly and worryingly,")
    again = site.build()
    assert again.rendered == 1
    # The old revision (to take it out of the site), the newest appeal of the area (its name
    # heads the area's index) and the latest-modified appeal of each feed (its ``updated``):
    # a handful, not the site.
    assert again.records_read <= 4, again.records_read
    after = tree(site.out)
    changed = {p for p in after if after[p] != before.get(p)}
    assert changed and all("appeal-000" in p for p in changed), changed
    touched = {p for p, t in times(site.out).items() if t != stamps.get(p)}
    assert touched == changed
    assert again.written == len(changed)
    assert after == site.clean()


def test_a_change_a_feed_shows_remakes_that_feed_byte_for_byte(site: Site) -> None:
    before = tree(site.out)
    site.edit(COUNT - 1, "Domestic abuse victims urged", "Victims of domestic abuse urged")
    again = site.build()
    assert again.rendered == 1
    after = tree(site.out)
    changed = {p for p in after if after[p] != before.get(p)}
    assert {"feeds/rss.xml", "feeds/atom.xml", "index.html"} <= changed
    assert after == site.clean()
    # And on from there: a second change, another build, still a clean build's bytes.
    site.edit(3, "Sadly,", "Sadly, we know")
    assert site.build().rendered == 1
    assert tree(site.out) == site.clean()


def test_a_feed_made_again_makes_only_its_changed_entrys_html(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entries' HTML of the site's feeds is kept with the site: a rebuild that makes a
    feed again (here the site's, its area's and its campaigns') makes only the changed
    appeal's."""
    made: list[str] = []
    entry_html = feeds.entry_html

    def counted(appeal: Appeal) -> str:
        made.append(appeal.id)
        return entry_html(appeal)

    monkeypatch.setattr(feeds, "entry_html", counted)
    site.edit(COUNT - 1, "Domestic abuse victims urged", "Victims of domestic abuse urged")
    assert site.build().rendered == 1
    assert made == [f"appeal-{COUNT - 1:03d}"]
    monkeypatch.setattr(feeds, "entry_html", entry_html)
    assert tree(site.out) == site.clean()


def test_an_edit_that_keeps_size_and_modification_time_is_still_seen(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No file is racy here (the fixture's were written before the build looked), so every
    # input is judged on its stat alone: the others are not even read.
    monkeypatch.setattr(build_cache, "RACY_NS", 0)
    state = _state(site)
    others = [p for p in sorted(site.inputs.iterdir()) if p.name != "005.txt"]
    for path in others:
        assert state.unchanged(str(path), build_cache.input_stat(path)) is not None
    # Same length, modification time put back: only the change time (and the bytes) differ.
    site.edit(5, "Sadly,", "Sadlx,", keep_mtime=True)
    again = site.build()
    assert again.rendered == 1
    assert tree(site.out) == site.clean()


def test_an_input_whose_times_are_as_recent_as_the_look_is_hashed() -> None:
    """The racy case: a file changed in the same tick of a coarse clock as the build looked
    at it keeps its stat; one whose modification or change time is within RACY_NS of that
    look is not trusted on its stat, however equal (it is hashed)."""
    now = time.time_ns()
    entry = build_cache.InputEntry(
        stat=(10, now - 10**12, 1, now - 10**12),
        digest=b"d",
        appeal_id="a",
        source="a.txt",
        withdrawn=False,
        warnings=(),
        files=(),
    )
    racy_m = replace(entry, stat=(10, now - 1000, 1, now - 10**12))
    racy_c = replace(entry, stat=(10, now - 10**12, 1, now - 1000))
    state = build_cache.BuildState(
        fingerprint="f",
        marker=None,
        scanned_at=now,
        inputs={"old.txt": entry, "m.txt": racy_m, "c.txt": racy_c},
    )
    assert state.unchanged("old.txt", entry.stat) is entry
    assert state.unchanged("old.txt", (10, now - 10**12, 2, now - 10**12)) is None  # inode
    assert state.unchanged("m.txt", racy_m.stat) is None
    assert state.unchanged("c.txt", racy_c.stat) is None
    assert state.unchanged("new.txt", entry.stat) is None


def test_nothing_changed_reads_no_record_and_writes_nothing(site: Site) -> None:
    stamps = times(site.out)
    again = site.build()
    assert (again.rendered, again.written) == (0, 0)
    # The pages and feeds are the last build's; only what says whether they changed is read:
    # the newest appeal of the area (its name heads the index), the latest modified of each
    # feed (its ``updated``): here one appeal is both.
    assert again.records_read <= 2, again.records_read
    assert len(again.appeals) == COUNT
    assert times(site.out) == stamps


def test_the_records_a_build_reports_can_be_read_after_it(site: Site) -> None:
    """Even when the build wrote the records file anew (most of it no longer used): its
    unchanged records, not read during the build, are read from the new file."""
    before = {p.name for p in site.cache.glob("records-*.bin")}
    for word in ("once", "twice"):
        for number in range(40):
            site.edit(number, "Sadly,", f"Sadly, {word},")
        again = site.build()
        assert again.rendered == 40
    after = {p.name for p in site.cache.glob("records-*.bin")}
    assert len(after) == 1 and after != before  # written anew, the old one removed
    expected = [load_appeal(p).appeal for p in sorted(site.inputs.iterdir())]
    assert [a.model_dump() for a in again.appeals] == [a.model_dump() for a in expected]
    assert site.build().rendered == 0


def test_a_record_read_back_is_the_record(site: Site) -> None:
    loaded = build_cache.load(site.cache, build_cache.fingerprint(site.registry()))
    assert loaded is not None
    state, records = loaded
    path = site.inputs / "017.txt"
    record = records.get((str(path), state.inputs[str(path)].digest))
    assert records.get((str(path), state.inputs[str(path)].digest)) is record
    assert records.reads == 0
    expected = load_appeal(path).appeal
    assert record.id == expected.id  # the first look reads it
    assert type(record) is Appeal and records.reads == 1
    assert record == expected and record.model_dump() == expected.model_dump()
    assert pickle.loads(pickle.dumps(record)) == expected
    records.close()


def test_a_records_file_cut_short_means_a_full_build(site: Site) -> None:
    (records,) = site.cache.glob("records-*.bin")
    records.write_bytes(records.read_bytes()[:1000])
    site.edit(0, "Sadly,", "Sadly and worryingly,")
    again = site.build()
    assert again.rendered == COUNT
    assert tree(site.out) == site.clean()
    assert site.build().rendered == 0  # and the cache is good again


def _state(site: Site) -> build_cache.BuildState:
    loaded = build_cache.load(site.cache, build_cache.fingerprint(site.registry()))
    assert loaded is not None
    loaded[1].close()
    return loaded[0]


def test_inputs_are_found_as_path_rglob_finds_them(tmp_path: Path) -> None:
    """find_inputs lists folders with scandir (no stat per file): the same files, in the same
    order, as sorting what ``Path.rglob`` finds."""
    root = tmp_path / "in"
    names = [
        "a.txt", "a-b/x.md", "a/x.md", "a/b/c.JSON", "A.markdown", "b.txt.bak", "z/.hidden.txt",
        ".git/x.txt", "c/d/e/f.txt", "c/d.txt", "c-d.txt", "é.txt", "10.txt", "9.txt",
    ]  # fmt: skip
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x", encoding="utf-8")
    (root / "linked").symlink_to(root / "c", target_is_directory=True)  # not followed
    (root / "file-link.txt").symlink_to(root / "a.txt")  # a file: listed
    (root / "broken.txt").symlink_to(root / "nowhere.txt")  # not a file
    expected = sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in {".txt", ".md", ".markdown", ".json"}
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    from publisher.importers import find_inputs

    assert find_inputs([root]) == expected
    assert len(expected) == 12


def _files(site: Site) -> dict[str, tuple[int, bytes]]:
    return {
        p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in site.cache.glob("state*.pickle")
    }


def test_a_rebuild_writes_only_what_changed_of_the_state(site: Site) -> None:
    """The inputs' and outputs' entries stay in the base file: a rebuild writes the changes
    file alone, and the next build reads the two as one state."""
    before = _files(site)
    assert sorted(before) == ["state-changes.pickle", "state.pickle"]
    site.edit(3, "Sadly,", "Sadly and worryingly,")
    (site.inputs / "004.txt").unlink()
    again = site.build()
    assert again.rendered == 1
    after = _files(site)
    assert after["state.pickle"] == before["state.pickle"]
    assert after["state-changes.pickle"] != before["state-changes.pickle"]
    state = _state(site)
    assert str(site.inputs / "004.txt") not in state.inputs
    assert not any("appeal-004" in path for path in state.outputs)
    assert state.inputs[str(site.inputs / "003.txt")].stat == build_cache.input_stat(
        site.inputs / "003.txt"
    )
    assert site.build().rendered == 0
    assert tree(site.out) == site.clean()


def test_many_changes_write_a_new_base(site: Site) -> None:
    before = _files(site)
    for number in range(COUNT // 2):
        site.edit(number, "Sadly,", "Sadly, again,")
    assert site.build().rendered == COUNT // 2
    after = _files(site)
    assert after["state.pickle"] != before["state.pickle"]
    assert _state(site).since_base == (frozenset(), frozenset())
    assert site.build().rendered == 0
    assert tree(site.out) == site.clean()


def test_a_changes_file_of_another_base_means_a_full_build(site: Site) -> None:
    """A build stopped between writing a new base and its changes file leaves the old
    changes file: it is not read with the new base."""
    changes = site.cache / "state-changes.pickle"
    old = changes.read_bytes()
    for number in range(COUNT // 2):
        site.edit(number, "Sadly,", "Sadly, again,")
    site.build()
    changes.write_bytes(old)
    assert build_cache.load(site.cache, build_cache.fingerprint(site.registry())) is None
    again = site.build()
    assert again.rendered == COUNT
    assert tree(site.out) == site.clean()


def test_the_same_inputs_named_otherwise_are_not_read_again(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache knows an input by its resolved folder: named relative after absolute, or
    through a linked folder, it is the same input."""
    monkeypatch.chdir(site.root)
    relative = build_site([Path("in")], site.out, site.registry(), jobs=1, cache=site.cache)
    assert (relative.rendered, relative.written) == (0, 0)
    (site.root / "linked").symlink_to(site.inputs, target_is_directory=True)
    site.edit(9, "Sadly,", "Sadly and worryingly,")
    linked = build_site([Path("linked")], site.out, site.registry(), jobs=1, cache=site.cache)
    assert linked.rendered == 1
    assert tree(site.out) == site.clean()
    assert site.build().rendered == 0
