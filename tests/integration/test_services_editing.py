"""The editor's use cases on SQLite and PostgreSQL: a new appeal never overwrites another, an edit
is stored only when it changes something, a live appeal's edit is an update (the checks hold,
the web page is published again), and each revision's changes as lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher import errors, services
from publisher.bootstrap import Registry
from publisher.store import Store
from publisher.testing import FixedClock
from tests.integration.db_fixtures import sample_appeal
from tests.support.approving import approve_current

T0 = datetime(2020, 10, 26, 9, 0, tzinfo=UTC)
BAD_ALT = {"url": "https://www.example.police.uk/img/sam.jpg", "alt": "image"}


def _run_due(store: Store, registry: Registry, clock: FixedClock) -> list[str]:
    return [
        services.publish_delivery(store, registry, d, clock=clock)
        for d in services.dispatch_due(store, now=clock())
    ]


def test_a_new_appeal_is_revision_one_and_never_overwrites_another(store: Store) -> None:
    appeal = sample_appeal("new-one")
    assert services.create_appeal(store, appeal, actor="alex", now=T0) == 1
    other = sample_appeal("new-one", title="Another appeal at the same address")
    with pytest.raises(errors.AppealExists) as refused:
        services.create_appeal(store, other, actor="alex", now=T0)
    assert refused.value.appeal_id == "new-one"
    assert services.current_appeal(store, "new-one").title == appeal.title
    assert [r.number for r in services.revisions(store, "new-one")] == [1]
    assert services.revisions(store, "new-one")[0].actor == "alex"


def test_editing_a_draft_stores_a_revision_only_when_it_changes(
    store: Store, registry: Any
) -> None:
    services.create_appeal(store, sample_appeal("draft"), now=T0)
    same = sample_appeal("draft", source="editor")
    unchanged = services.edit_appeal(store, same, registry, actor="alex", now=T0)
    assert unchanged == services.Edit(revision=1, changed=False, live=False)
    # A draft may be saved with lint errors: the checks hold when it is scheduled.
    bad = sample_appeal("draft", image=BAD_ALT)
    with pytest.raises(errors.NotReadyToPublish):
        services.check_ready(bad, registry)
    edit = services.edit_appeal(store, bad, registry, actor="alex", now=T0 + timedelta(hours=1))
    assert edit == services.Edit(revision=2, changed=True, live=False)
    current = services.current_appeal(store, "draft")
    assert current.revision == 2 and current.image is not None and current.image.alt == "image"
    assert current.updated_at is None  # a draft nobody has read has no "updated" time
    assert [r.actor for r in services.revisions(store, "draft")] == ["alex", "web"]


def test_editing_a_published_appeal_is_an_update(
    store: Store, registry: Any, tmp_path: Path
) -> None:
    clock = FixedClock(T0)
    services.create_appeal(store, sample_appeal("live"), now=clock())
    approve_current(store, "live", registry=registry, now=clock())
    services.publish_now(store, registry, "live", ["web"], now=clock())
    assert _run_due(store, registry, clock) == ["published"]
    page = tmp_path / "site" / "news" / "live" / "index.html"
    assert "Have you seen Sam Example?" in page.read_text()

    clock.advance(hours=2)
    # An edit with errors is saved (a draft to fix) but cannot be approved: nothing goes out.
    bad = sample_appeal("live", title="Sam Example: new sighting", image=BAD_ALT)
    assert services.edit_appeal(store, bad, registry, now=clock()).revision == 2
    with pytest.raises(errors.NotReadyToPublish, match="alt-text"):
        approve_current(store, "live", registry=registry, now=clock())
    assert _run_due(store, registry, clock) == []

    good = sample_appeal("live", title="Sam Example: new sighting")
    edit = services.edit_appeal(store, good, registry, actor="alex", now=clock())
    assert edit == services.Edit(revision=3, changed=True, live=True)
    current = services.current_appeal(store, "live")
    assert current.title == "Sam Example: new sighting"
    assert current.updated_at == clock()  # published, so it says when it changed
    assert _run_due(store, registry, clock) == []  # it waits for approval
    assert "new sighting" not in page.read_text()
    approve_current(store, "live", registry=registry, now=clock())
    assert _run_due(store, registry, clock) == ["published"]  # the web page, again, now
    assert "Sam Example: new sighting" in page.read_text()
    # Saving the same again stores nothing and publishes nothing.
    again = services.edit_appeal(store, current, registry, now=clock() + timedelta(hours=1))
    assert again == services.Edit(revision=3, changed=False, live=True)
    assert _run_due(store, registry, clock) == []


def test_a_withdrawn_appeal_cannot_be_edited(store: Store, registry: Any) -> None:
    services.create_appeal(store, sample_appeal("gone"), now=T0)
    services.withdraw_appeal(store, "gone", registry, now=T0)
    with pytest.raises(errors.InvalidTransition, match="withdrawn"):
        services.edit_appeal(store, sample_appeal("gone", title="Back?"), registry, now=T0)


def test_what_changed_in_a_revision(store: Store, registry: Any) -> None:
    services.create_appeal(store, sample_appeal("changes"), actor="alex", now=T0)
    newer = sample_appeal("changes", title="Have you seen Sam Example today?")
    services.edit_appeal(store, newer, registry, actor="bea", now=T0 + timedelta(hours=1))
    diff = services.revision_diff(store, "changes", 2)
    assert (diff.number, diff.against, diff.numbers) == (2, 1, (1, 2))
    assert diff.revision is not None and diff.revision.actor == "bea"
    assert diff.base is not None and diff.base.actor == "alex"
    assert [(line.change, line.text) for line in diff.lines if line.change != "same"][:2] == [
        ("removed", "Title: Have you seen Sam Example?"),
        ("added", "Title: Have you seen Sam Example today?"),
    ]
    assert (diff.added, diff.removed) == (1, 1)
    first = services.revision_diff(store, "changes", 1)
    assert first.against is None and first.removed == 0
    assert first.added == len(services.revision_text(sample_appeal("changes")))
    backwards = services.revision_diff(store, "changes", 1, against=2)
    assert [line.change for line in backwards.lines if line.change != "same"][:2] == [
        "removed",
        "added",
    ]
    assert services.revision_diff(store, "changes", 2, against=2).lines == ()
    for number, against in ((3, None), (2, 0), (2, 7)):
        with pytest.raises(errors.UnknownRevision):
            services.revision_diff(store, "changes", number, against=against)
    with pytest.raises(errors.UnknownAppeal):
        services.revision_diff(store, "no-such-appeal", 1)


def test_marking_a_translation_current_is_a_revision_in_the_audit_trail(store: Store) -> None:
    from publisher.domain.record import Translation, translatable_digest
    from publisher.store import audit

    english = sample_appeal("welsh-marked")
    welsh = Translation(
        locale="cy_GB",
        title="Ydych chi wedi gweld Sam?",
        summary="Rydym yn apelio am gymorth.",
        body=english.body,
    )
    appeal = english.model_copy(update={"translations": (welsh,)})
    services.create_appeal(store, appeal, actor="alex", now=T0)

    done = services.mark_translation_current(
        store, "welsh-marked", "cy_GB", actor="alex", now=T0 + timedelta(minutes=5)
    )
    assert done == services.Edit(revision=2, changed=True, live=False)
    current = services.current_appeal(store, "welsh-marked")
    marked = current.translation("cy_GB")
    assert marked is not None and marked.source_digest == translatable_digest(current)
    assert marked.title == welsh.title and current.updated_at is None  # no words changed
    with store.session() as session:
        newest = audit.audit_entries(session, subject="appeal:welsh-marked")[0]
    assert (newest.action, newest.actor) == ("mark-translation-current", "alex")
    assert newest.detail == {
        "revision": 2,
        "status": "active",
        "source": current.source,
        "locale": "cy_GB",
        "source_digest": translatable_digest(current),
    }
    # Already current: nothing new. A language it has no translation in: refused.
    again = services.mark_translation_current(store, "welsh-marked", "cy_GB", actor="alex")
    assert again == services.Edit(revision=2, changed=False, live=False)
    for locale in ("en_GB", "gd_GB"):
        with pytest.raises(errors.UsageError):
            services.mark_translation_current(store, "welsh-marked", locale, actor="alex")
    with pytest.raises(errors.UnknownAppeal):
        services.mark_translation_current(store, "no-such-appeal", "cy_GB", actor="alex")
    assert sorted(r.number for r in services.revisions(store, "welsh-marked")) == [1, 2]
