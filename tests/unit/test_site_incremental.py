"""The site channels remember the site they rendered last and bring it up to date with what
changed: after any series of changes, their files are exactly those a fresh channel renders
from the same appeals (whose bytes the golden files pin)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher.channel import RenderContext
from publisher.channel import memo as memo_module
from publisher.channel.memo import FragmentMemo, OrderedGroup, SiteChanges
from publisher.channels.feeds import MAX_ENTRIES, FeedsChannel
from publisher.channels.web import WebChannel
from publisher.domain.record import Appeal
from publisher.domain.site import SiteAppeals
from publisher.errors import BuildError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
CONTEXT = RenderContext(site_url="https://appeals.example.org/", site_name="Example appeals")
AREAS = ["Derbyshire", "Amber Valley", "amber valley", "High Peak", "Erewash"]
ORGANISATIONS = [None, "Derbyshire Constabulary", "Other Force", ""]
CAMPAIGNS = [(), ("keep-safe",), ("keep-safe", "Summer Nights"), ("summer-nights",)]
T0 = datetime(2020, 3, 1, 9, 0, tzinfo=UTC)


def _appeal(number: int, rng: random.Random, revision: int = 1, *, welsh: bool = False) -> Appeal:
    data: dict[str, Any] = json.loads(FIXTURE.read_text())
    published = T0 + timedelta(hours=rng.choice([0, 5, 5, 300, 2000, 4000]) + number)
    status = rng.choice(["active", "active", "updated", "resolved", "withdrawn"])
    data.update(
        id=f"appeal-{number}",
        url=f"https://www.example.police.uk/news/appeal-{number}/",
        title=f"Appeal {number}, revision {revision}",
        area=rng.choice(AREAS),
        organisation=rng.choice(ORGANISATIONS),
        campaigns=list(rng.choice(CAMPAIGNS)),
        published_at=published.isoformat(),
        status=status,
        revision=revision,
    )
    if status == "resolved":
        data["resolution"] = f"Appeal {number} is resolved."
    if rng.random() < 0.5:
        data["updated_at"] = (published + timedelta(days=rng.randint(0, 400))).isoformat()
    if welsh and rng.random() < 0.4:
        translation: dict[str, Any] = {
            "locale": "cy_GB",
            "title": f"Apêl {number}, fersiwn {revision}",
            "summary": f"Crynodeb apêl {number}.",
            "body": [{"type": "paragraph", "spans": [{"text": f"Apêl {number} yn Gymraeg."}]}],
        }
        if status == "resolved":
            translation["resolution"] = f"Mae apêl {number} wedi'i datrys."
        if rng.random() < 0.25:  # its own address, not under cy/
            translation["url"] = f"https://www.example.police.uk/newyddion/apel-{number}/"
        data["translations"] = [translation]
    return Appeal.model_validate(data)


def _files(rendition: Any) -> list[tuple[str, bytes]]:
    return [(f.path, f.content) for f in rendition.files]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_site_brought_up_to_date_equals_a_fresh_rendering(seed: int) -> None:
    rng = random.Random(seed)
    web, feeds = WebChannel(), FeedsChannel()
    site = {n: _appeal(n, rng) for n in range(70)}  # more than MAX_ENTRIES in a feed
    revisions = dict.fromkeys(site, 1)
    assert len(site) > MAX_ENTRIES
    for _step in range(25):
        action = rng.choice(["add", "remove", "revise", "revise", "shuffle", "same"])
        if action == "add":
            number = max(revisions) + 1
            revisions[number] = 1
            site[number] = _appeal(number, rng)
        elif action == "remove" and site:
            del site[rng.choice(sorted(site))]
        elif action == "revise":
            for number in rng.sample(sorted(site), k=min(len(site), rng.randint(1, 3))):
                revisions[number] += 1
                site[number] = _appeal(number, rng, revisions[number])
        elif action == "same":  # an equal record, but another object
            number = rng.choice(sorted(site))
            site[number] = site[number].model_copy()
        appeals = list(site.values())
        if action == "shuffle":
            rng.shuffle(appeals)
        else:
            appeals.sort(key=lambda a: a.id)
        assert _files(web.render_site(appeals, CONTEXT)) == _files(
            WebChannel().render_site(appeals, CONTEXT)
        )
        assert _files(feeds.render_site(appeals, CONTEXT)) == _files(
            FeedsChannel().render_site(appeals, CONTEXT)
        )


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_bilingual_site_brought_up_to_date_equals_a_fresh_rendering(seed: int) -> None:
    """As above, with a Welsh translation on some appeals (some at their own address), which
    come and go: the Welsh indexes and feeds come with the first appeal in Welsh and go with
    the last, and a change to one appeal's Welsh alone is caught like any other."""
    rng = random.Random(seed)
    web, feeds = WebChannel(), FeedsChannel()
    site = {n: _appeal(n, rng, welsh=True) for n in range(12)}
    revisions = dict.fromkeys(site, 1)
    seen_welsh = seen_none = False
    for _step in range(30):
        action = rng.choice(["add", "remove", "revise", "welsh", "english", "same"])
        if action == "add":
            number = max(revisions) + 1
            revisions[number] = 1
            site[number] = _appeal(number, rng, welsh=True)
        elif action == "remove" and len(site) > 1:
            del site[rng.choice(sorted(site))]
        elif action == "revise":
            number = rng.choice(sorted(site))
            revisions[number] += 1
            site[number] = _appeal(number, rng, revisions[number], welsh=True)
        elif action == "welsh":  # only the Welsh words change
            bilingual = [n for n, a in site.items() if a.translations]
            if bilingual:
                number = rng.choice(bilingual)
                (tr,) = site[number].translations
                new = tr.model_copy(update={"title": f"{tr.title} (newydd)"})
                site[number] = site[number].model_copy(update={"translations": (new,)})
        elif action == "english":  # the site loses all its Welsh
            site = {n: a.model_copy(update={"translations": ()}) for n, a in site.items()}
        elif action == "same":
            number = rng.choice(sorted(site))
            site[number] = site[number].model_copy()
        appeals = sorted(site.values(), key=lambda a: a.id)
        made = _files(web.render_site(appeals, CONTEXT))
        assert made == _files(WebChannel().render_site(appeals, CONTEXT)), action
        assert _files(feeds.render_site(appeals, CONTEXT)) == _files(
            FeedsChannel().render_site(appeals, CONTEXT)
        ), action
        welsh_live = any(a.translations and a.status != "withdrawn" for a in appeals)
        has_welsh_index = any(path == "cy/index.html" for path, _ in made)
        assert has_welsh_index == welsh_live
        seen_welsh |= welsh_live
        seen_none |= not welsh_live
    assert seen_welsh


def test_changing_one_appeals_welsh_remakes_the_welsh_pages_and_feeds_only() -> None:
    rng = random.Random(21)
    appeals = [_appeal(n, rng, welsh=True) for n in range(20)]
    target = next(a for a in appeals if a.translations and a.status != "withdrawn")
    web, feeds = WebChannel(), FeedsChannel()
    first = {f.path: f for f in web.render_site(appeals, CONTEXT).files}
    first_feeds = {f.path: f for f in feeds.render_site(appeals, CONTEXT).files}
    (tr,) = target.translations
    changed_record = target.model_copy(
        update={"translations": (tr.model_copy(update={"title": "Teitl newydd"}),)}
    )
    changed = [changed_record if a.id == target.id else a for a in appeals]
    after = {f.path: f for f in web.render_site(changed, CONTEXT).files}
    assert {p: f.content for p, f in after.items()} == {
        f.path: f.content for f in WebChannel().render_site(changed, CONTEXT).files
    }
    assert b"Teitl newydd" in after["cy/index.html"].content
    # The English pages are made again (the record changed) but say the same bytes.
    assert all(after[p].content == first[p].content for p in after if not p.startswith("cy/"))
    after_feeds = {f.path: f for f in feeds.render_site(changed, CONTEXT).files}
    assert {p: f.content for p, f in after_feeds.items()} == {
        f.path: f.content for f in FeedsChannel().render_site(changed, CONTEXT).files
    }
    changed_feeds = {p for p in after_feeds if after_feeds[p].content != first_feeds[p].content}
    assert changed_feeds and all(p.startswith("feeds/cy/") for p in changed_feeds)


def test_an_unchanged_site_reuses_every_file_and_one_change_makes_only_its_own() -> None:
    rng = random.Random(5)
    appeals = [_appeal(n, rng) for n in range(60)]
    feeds, web = FeedsChannel(), WebChannel()
    first = {f.path: f for f in feeds.render_site(appeals, CONTEXT).files}
    again = {f.path: f for f in feeds.render_site(appeals, CONTEXT).files}
    assert all(again[path] is first[path] for path in first)  # nothing made again
    pages = {f.path: f for f in web.render_site(appeals, CONTEXT).files}
    assert all(
        f is pages[f.path] for f in web.render_site(appeals, CONTEXT).files
    )  # the same pages

    # A change to one appeal: only the feeds it is in are made again.
    changed = [
        a.model_copy(update={"title": "Changed"}) if a.id == "appeal-7" else a for a in appeals
    ]
    after = {f.path: f for f in feeds.render_site(changed, CONTEXT).files}
    fresh = {f.path: f.content for f in FeedsChannel().render_site(changed, CONTEXT).files}
    assert {p: f.content for p, f in after.items()} == fresh
    area = appeals[7].area_slug
    remade = {p for p in after if after[p] is not first[p]}
    assert remade <= {
        "feeds/rss.xml",
        "feeds/atom.xml",
        f"feeds/areas/{area}/rss.xml",
        f"feeds/areas/{area}/atom.xml",
        *(
            f"feeds/campaigns/{c}/{n}"
            for c in ("keep-safe", "summer-nights")
            for n in ("rss.xml", "atom.xml")
        ),
    }


def test_a_site_with_an_id_twice_is_refused_and_forgotten() -> None:
    rng = random.Random(9)
    appeals = [_appeal(n, rng) for n in range(5)]
    web, feeds = WebChannel(), FeedsChannel()
    web.render_site(appeals, CONTEXT)
    feeds.render_site(appeals, CONTEXT)
    twice = [*appeals, appeals[2].model_copy()]
    with pytest.raises(BuildError, match="appeal-2"):
        web.render_site(twice, CONTEXT)
    with pytest.raises(BuildError, match="appeal-2"):
        feeds.render_site(twice, CONTEXT)
    assert _files(web.render_site(appeals[:3], CONTEXT)) == _files(
        WebChannel().render_site(appeals[:3], CONTEXT)
    )
    assert _files(feeds.render_site(appeals[:3], CONTEXT)) == _files(
        FeedsChannel().render_site(appeals[:3], CONTEXT)
    )


def test_memo_finds_only_the_very_same_record() -> None:
    rng = random.Random(3)
    one = _appeal(1, rng)
    equal = one.model_copy()
    memo: FragmentMemo[str] = FragmentMemo(2)
    memo.put(one, "k", "made")
    assert memo.get(one, "k") == "made"
    assert memo.get(equal, "k") is None  # equal, but not the record it was made from
    assert memo.get(one, "other") is None
    memo.put(equal, "k", "b")
    memo.put(one, "x", "c")  # the least recently used, (one, "k"), is forgotten
    assert memo.get(one, "k") is None and len(memo) == 2
    with pytest.raises(ValueError, match="at least one"):
        FragmentMemo(0)


def test_a_process_that_keeps_few_site_fragments_keeps_the_last_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a build's worker does before its first appeal (its records reach the site's
    # rendering in the main process as other objects, with their site fragments).
    monkeypatch.setattr(memo_module, "_SITE_FRAGMENTS_KEPT", None)
    rng = random.Random(3)
    records = [_appeal(n, rng) for n in range(memo_module._FEW + 2)]
    site: FragmentMemo[str] = FragmentMemo(100, for_site=True)
    within: FragmentMemo[str] = FragmentMemo(100)
    memo_module.keep_few_site_fragments()
    for record in records:
        assert site.put(record, "k", record.id) == record.id
        within.put(record, "k", record.id)
    assert len(site) == memo_module._FEW  # the first ones forgotten, and their records
    assert site.get(records[0], "k") is None
    assert site.get(records[-1], "k") == records[-1].id
    assert len(within) == len(records)
    feeds = FeedsChannel()
    feeds.render(records[-1], CONTEXT)
    assert len(feeds._bodies) <= memo_module._FEW


def test_site_changes_and_ordered_groups() -> None:
    rng = random.Random(4)
    a, b, c = (_appeal(n, rng) for n in range(3))
    changes = SiteChanges()
    assert changes.diff([a, b]) == ([], [a, b])
    changes.commit([], [a, b])
    b2 = b.model_copy()
    diff = changes.diff([b2, c])
    assert diff is not None
    gone, came = diff
    assert sorted(x.id for x in gone) == ["appeal-0", "appeal-1"] and gone[0] is b
    assert came == [b2, c]
    assert changes.diff([a, a.model_copy()]) is None  # an id twice
    group: OrderedGroup[int] = OrderedGroup()
    group.add((2, "b"), b, 2)
    group.add((1, "a"), a, 1)
    assert group.values == [1, 2] and group.last is b
    with pytest.raises(ValueError, match="already"):
        group.add((1, "a"), a, 1)
    group.remove((1, "a"))
    with pytest.raises(KeyError):
        group.remove((1, "a"))
    assert len(group) == 1


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_snapshots_from_the_store_bring_the_site_up_to_date_as_a_fresh_rendering(
    seed: int,
) -> None:
    """The store hands out SiteAppeals made from the one before: the channels then look only
    at the ids they say changed. Whatever the path (a snapshot made from the last one, a
    sibling with the appeal being published added, a plain list in between), the files are
    those of a fresh rendering."""
    rng = random.Random(seed)
    web, feeds = WebChannel(), FeedsChannel()
    site = SiteAppeals(_appeal(n, rng) for n in range(40))
    revisions = dict.fromkeys(range(40), 1)
    for _step in range(30):
        action = rng.choice(["add", "remove", "revise", "same", "nothing"])
        changes: dict[str, Appeal | None] = {}
        if action == "add":
            number = max(revisions) + 1
            revisions[number] = 1
            changes[f"appeal-{number}"] = _appeal(number, rng)
        elif action == "remove" and len(site):
            changes[rng.choice(list(site)).id] = None
        elif action == "revise":
            for appeal in rng.sample(list(site), k=min(len(site), rng.randint(1, 3))):
                number = int(appeal.id.removeprefix("appeal-"))
                revisions[number] += 1
                changes[appeal.id] = _appeal(number, rng, revisions[number])
        elif action == "same" and len(site):
            appeal = rng.choice(list(site))
            changes[appeal.id] = appeal.model_copy()
        site = site.with_changes(changes)
        shown: Sequence[Appeal] = site
        way = rng.choice(["snapshot", "snapshot", "sibling", "list"])
        if way == "sibling":  # the appeal being published, not yet in the site
            number = max(revisions) + 1
            revisions[number] = 1
            shown = site.with_changes({f"appeal-{number}": _appeal(number, rng)})
        elif way == "list":
            shown = list(site)
        assert [a.id for a in shown] == sorted(a.id for a in shown)
        assert _files(web.render_site(shown, CONTEXT)) == _files(
            WebChannel().render_site(list(shown), CONTEXT)
        )
        assert _files(feeds.render_site(shown, CONTEXT)) == _files(
            FeedsChannel().render_site(list(shown), CONTEXT)
        )


def test_site_appeals_snapshots_tell_what_changed() -> None:
    rng = random.Random(21)
    a, b, c, d = (_appeal(n, rng) for n in range(4))
    with pytest.raises(ValueError, match="appeal-1"):
        SiteAppeals([a, b, b.model_copy()])
    first = SiteAppeals([c, a, b])
    assert [x.id for x in first] == ["appeal-0", "appeal-1", "appeal-2"] and len(first) == 3
    assert first.get("appeal-2") is c and first.get("appeal-9") is None
    assert first[0] is a and list(first[1:]) == [b, c]
    assert first.with_changes({"appeal-0": a}) is first  # nothing differs
    with pytest.raises(ValueError, match="given for appeal"):
        first.with_changes({"appeal-0": b})
    b2 = b.model_copy()
    second = first.with_changes({"appeal-1": b2, "appeal-2": None})
    assert list(second) == [a, b2] and list(first) == [a, b, c]  # the first is unchanged
    assert second.changed_since(first) == {"appeal-1", "appeal-2"}
    assert first.changed_since(first) == frozenset()
    third = second.with_changes({"appeal-3": d})
    assert third.changed_since(first) == {"appeal-1", "appeal-2", "appeal-3"}
    # A sibling: both made from ``second``.
    sibling = second.with_changes({"appeal-2": c})
    assert third.changed_since(sibling) == {"appeal-2", "appeal-3"}
    assert first.changed_since(third) == {"appeal-1", "appeal-2", "appeal-3"}  # backwards too
    # Unrelated snapshots, or a chain whose middle is gone: not known.
    assert SiteAppeals([a]).changed_since(first) is None
    fourth = third.with_changes({"appeal-0": None})
    del second, third
    import gc

    gc.collect()
    assert fourth.changed_since(first) is None


def test_site_changes_look_only_at_the_ids_a_snapshot_names() -> None:
    rng = random.Random(22)
    appeals = [_appeal(n, rng) for n in range(5)]
    first = SiteAppeals(appeals)
    changes = SiteChanges()
    gone, came = changes.diff(first) or ([], [])
    changes.commit(gone, came, first)
    revised = appeals[3].model_copy()
    second = first.with_changes({"appeal-3": revised, "appeal-4": None})
    assert changes.diff(second) == ([appeals[3], appeals[4]], [revised])
    changes.commit([appeals[3], appeals[4]], [revised], second)
    assert sorted(a.id for a in changes) == [f"appeal-{n}" for n in range(4)]
    # A plain list is compared record by record, as before.
    assert changes.diff([*second, appeals[4]]) == ([], [appeals[4]])
