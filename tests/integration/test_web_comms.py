"""The comms pages for real (``publisher web`` under uvicorn, httpx): schedule across the
October clock change, the lint gate, roles and CSRF, cancel and move, resolve and withdraw
behind their confirmation pages, the calendar and the audit trail."""

from __future__ import annotations

import re

import httpx
import pytest
from lxml import html as lxml_html

from tests.integration import test_web_app
from tests.integration.conftest import REPO
from tests.integration.test_web_app import WebApp, csrf_of, sign_in

pytestmark = pytest.mark.integration
web = test_web_app.web  # the real `publisher web`, as in test_web_app

SAMPLE = (REPO / "tests" / "fixtures" / "sample.json").read_text(encoding="utf-8")
APPEAL = "/appeals/missing-woman-sam-example"
BAD_ALT = """---
title: Have you seen Sam Example?
area: Example Shire
url: https://www.example.police.uk/news/2020/october/bad-alt/
published: 09:30 24/10/2020
kind: missing-person
image:
  url: https://www.example.police.uk/img/sam.jpg
  alt: image
---

We are appealing for help to find Sam, 34, who has been missing since Friday.

If you see her, please call 999. Otherwise call 101 quoting incident 123 of 23 October.
"""


def _import(client: httpx.Client, text: str) -> str:
    """Import a whole appeal file through the editor; the appeal's page."""
    form = client.get("/appeals/new")
    done = client.post("/appeals/new", data={"text": text, "csrf_token": csrf_of(form.text)})
    assert done.status_code == 303, done.text
    return str(done.headers["location"]).split("/edit?")[0]


def _text(response: httpx.Response, xpath: str) -> str:
    return " ".join(n.text_content() for n in lxml_html.fromstring(response.text).xpath(xpath))


def _deliveries(client: httpx.Client, appeal: str = APPEAL) -> list[tuple[str, str, str, str]]:
    page = client.get(appeal + "/deliveries")
    assert page.status_code == 200
    rows = lxml_html.fromstring(page.text).xpath("//tbody/tr")
    return [
        tuple(" ".join(td.text_content().split()) for td in row.xpath("td")[:4]) for row in rows
    ]


def _schedule(client: httpx.Client, data: dict[str, object]) -> httpx.Response:
    token = csrf_of(client.get(APPEAL + "/schedule").text)
    return client.post(APPEAL + "/schedule", data={**data, "csrf_token": token})


def test_schedule_across_the_clock_change_confirms_then_schedules(web: WebApp) -> None:
    web.add_user("alex", "author")
    with web.client() as client:
        sign_in(client, "alex")
        _import(client, SAMPLE)
        web.approve(APPEAL)
        form = client.get(APPEAL + "/schedule")
        assert form.status_code == 200 and "UK time (GMT or BST)" in form.text
        data = {
            "channels": ["web", "feeds"],
            "when": "later",
            "at": "07:15 26/10/2030",
            "every_n": "1",
            "every_unit": "days",
            "until": "28/10/2030",
            "campaign": "clocks",
        }
        check = _schedule(client, data)
        assert check.status_code == 200, check.text
        times = _text(check, '//*[@id="times"]/li')
        assert "Sat 26 Oct 2030 07:15 BST" in times
        assert "Sun 27 Oct 2030 07:15 GMT" in times  # the clocks went back at 02:00
        assert "Mon 28 Oct 2030 07:15 GMT" in times
        assert _deliveries(client) == []  # nothing until confirmed
        done = client.post(
            APPEAL + "/schedule",
            data={**data, "confirm": "yes", "csrf_token": csrf_of(check.text)},
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"].startswith("/calendar?week=")
        rows = _deliveries(client)
        assert len(rows) == 6
        assert {r[2] for r in rows} == {"web", "feeds"}
        assert {r[3] for r in rows} == {"scheduled"}
        again = _schedule(client, {**data, "confirm": "yes", "every_n": "", "until": ""})
        assert again.status_code == 422
        assert "already scheduled" in _text(again, '//*[@class="govuk-error-summary"]')
        past = _schedule(
            client, {**data, "at": "07:15 30/10/2001", "until": "01/11/2001", "confirm": "yes"}
        )
        assert past.status_code == 422 and "past" in past.text
        zone = _schedule(client, {**data, "tz": "Mars/Olympus"})
        assert zone.status_code == 422
        summary = lxml_html.fromstring(zone.text).xpath('//*[@class="govuk-error-summary"]//a')
        assert summary[0].get("href") == "#tz" and "Unknown time zone" in summary[0].text
        week = client.get(done.headers["location"])
        assert "Sun 27 Oct 2030 07:15 GMT" in week.text
        month = client.get("/calendar?view=month&month=2030-10")
        assert _text(month, '//*[@id="count-2030-10-27"]').strip() == "27: 2"
        assert "/calendar?week=2030-10-21" in month.text
        empty = client.get("/calendar?week=2000-01-03")
        assert "Nothing is scheduled this week" in empty.text
        assert 'aria-current="page"' in _text_html(empty, "Calendar")


def _text_html(response: httpx.Response, label: str) -> str:
    match = re.search(rf"<a [^>]*>{label}</a>", response.text)
    assert match, label
    return match.group(0)


def test_a_lint_error_refuses_scheduling_and_shows_the_finding(web: WebApp) -> None:
    web.add_user("alex", "author")
    with web.client() as client:
        sign_in(client, "alex")
        location = _import(client, BAD_ALT)
        token = csrf_of(client.get(location + "/schedule").text)
        refused = client.post(
            location + "/schedule",
            data={"channels": "web", "when": "now", "csrf_token": token},
        )
        assert refused.status_code == 422
        findings = _text(refused, '//ul[contains(@class, "app-lint")]/li')
        assert "alt-text-meaningless" in findings and "fix:" in findings
        assert _deliveries(client, location) == []


def test_roles_and_csrf_on_the_comms_pages(web: WebApp) -> None:
    web.add_user("olive", "operator")
    web.add_user("alex", "author")
    with web.client() as client:
        sign_in(client, "alex")
        _import(client, SAMPLE)
        assert client.get("/audit").status_code == 403
        refused = client.post(APPEAL + "/schedule", data={"channels": "web", "when": "now"})
        assert refused.status_code == 403
        refused = client.post(APPEAL + "/withdraw", data={"confirm": "yes", "csrf_token": "wrong"})
        assert refused.status_code == 403
    with web.client() as client:
        sign_in(client, "olive")
        assert client.get(APPEAL + "/schedule").status_code == 403
        token = csrf_of(client.get("/calendar").text)
        posted = client.post(
            APPEAL + "/schedule", data={"channels": "web", "when": "now", "csrf_token": token}
        )
        assert posted.status_code == 403
        assert client.get("/calendar").status_code == 200
        audit = client.get("/audit")
        assert audit.status_code == 200
        assert "alex" in audit.text and "import" in audit.text.lower()


def test_cancel_move_resolve_and_withdraw(web: WebApp) -> None:
    web.add_user("alex", "author")
    with web.client() as client:
        sign_in(client, "alex")
        _import(client, SAMPLE)
        web.approve(APPEAL)
        data = {"channels": ["web", "x"], "when": "later", "at": "09:00 02/03/2099"}
        check = _schedule(client, data)
        client.post(
            APPEAL + "/schedule", data={**data, "confirm": "yes", "csrf_token": csrf_of(check.text)}
        )
        page = client.get(APPEAL + "/deliveries")
        ids = re.findall(r"/deliveries/(\d+)/cancel", page.text)
        assert len(ids) == 2
        web_id, x_id = ids
        confirm = client.get(f"/deliveries/{web_id}/cancel")
        assert confirm.status_code == 200 and "Cancel delivery" in confirm.text
        assert {r[3] for r in _deliveries(client)} == {"scheduled"}
        done = client.post(
            f"/deliveries/{web_id}/cancel",
            data={"csrf_token": csrf_of(confirm.text), "next": APPEAL + "/deliveries"},
        )
        assert done.status_code == 303
        move = client.get(f"/deliveries/{x_id}/move")
        bad = client.post(
            f"/deliveries/{x_id}/move", data={"at": "yesterday", "csrf_token": csrf_of(move.text)}
        )
        assert bad.status_code == 422 and "cannot read the time" in bad.text.lower()
        moved = client.post(
            f"/deliveries/{x_id}/move",
            data={"at": "10:30 03/03/2099", "csrf_token": csrf_of(move.text)},
        )
        assert moved.status_code == 303, moved.text
        rows = _deliveries(client)
        assert any(
            r[0] == "Tue 03 Mar 2099 10:30 GMT" and r[2] == "x" and r[3] == "scheduled"
            for r in rows
        )
        assert sorted(r[3] for r in rows) == ["cancelled", "cancelled", "scheduled"]
        # Resolve: the form, then the confirmation listing the x post to be cancelled.
        form = client.get(APPEAL + "/resolve")
        empty = client.post(APPEAL + "/resolve", data={"csrf_token": csrf_of(form.text)})
        assert empty.status_code == 422
        summary = lxml_html.fromstring(empty.text).xpath('//*[@class="govuk-error-summary"]//a')
        assert summary[0].get("href") == "#resolution"
        check = client.post(
            APPEAL + "/resolve",
            data={"resolution": "Sam has been found.", "csrf_token": csrf_of(form.text)},
        )
        assert check.status_code == 200
        changes = _text(check, '//*[@id="changes"]')
        assert "on x" in changes and "cancelled" in changes
        assert {r[3] for r in _deliveries(client)} == {"cancelled", "scheduled"}
        done = client.post(
            APPEAL + "/resolve",
            data={
                "resolution": "Sam has been found.",
                "confirm": "yes",
                "csrf_token": csrf_of(form.text),
            },
        )
        assert done.status_code == 303
        assert {r[3] for r in _deliveries(client)} == {"cancelled"}
        # Withdraw: the confirmation page, then done; the history lists it all.
        data = {"channels": "web", "when": "later", "at": "09:00 05/03/2099"}
        check = _schedule(client, data)
        client.post(
            APPEAL + "/schedule", data={**data, "confirm": "yes", "csrf_token": csrf_of(check.text)}
        )
        confirm = client.get(APPEAL + "/withdraw")
        assert confirm.status_code == 200
        assert "on web at Thu 05 Mar 2099 09:00 GMT: cancelled" in _text(
            confirm, '//*[@id="changes"]'
        )
        done = client.post(
            APPEAL + "/withdraw", data={"confirm": "yes", "csrf_token": csrf_of(confirm.text)}
        )
        assert done.status_code == 303
        assert {r[3] for r in _deliveries(client)} == {"cancelled"}
        history = client.get(APPEAL + "/history")
        actions = _text(history, "//tbody/tr/td[3]")
        for action in ("withdraw", "resolve", "reschedule", "schedule", "import"):
            assert action in actions, action
        assert actions.index("withdraw") < actions.index("import")  # newest first


def test_update_through_its_confirmation_page(web: WebApp) -> None:
    web.add_user("alex", "author")
    with web.client() as client:
        sign_in(client, "alex")
        _import(client, SAMPLE)
        form = client.get(APPEAL + "/update")
        assert form.status_code == 200
        changed = SAMPLE.replace("Have you seen", "Please help: have you seen")
        check = client.post(
            APPEAL + "/update", data={"text": changed, "csrf_token": csrf_of(form.text)}
        )
        assert check.status_code == 200, check.text
        assert "new revision" in _text(check, '//*[@id="changes"]')
        done = client.post(
            APPEAL + "/update",
            data={"text": changed, "confirm": "yes", "csrf_token": csrf_of(form.text)},
        )
        assert done.status_code == 303
        assert "Please help" in client.get(APPEAL).text
        other = client.post(
            APPEAL + "/update", data={"text": BAD_ALT, "csrf_token": csrf_of(form.text)}
        )
        assert other.status_code == 422 and "not" in other.text
