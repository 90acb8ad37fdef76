"""Approval in the web app and the API for real (``publisher web`` under uvicorn, httpx): the
two-person rule refuses an author approving their own revision (403) in the pages and the API,
a CSRF-less approval is refused, an approver approves, a new revision waits again, an admin's
urgent publication is shown with its reason; the API approves, schedules and lists deliveries,
and every role that must not use a route is refused."""

from __future__ import annotations

import httpx
import pytest
from lxml import html as lxml_html

from tests.integration import test_web_app
from tests.integration.conftest import REPO
from tests.integration.test_web_app import PASSWORD, WebApp, csrf_of, sign_in

pytestmark = pytest.mark.integration
web = test_web_app.web  # the real `publisher web`, as in test_web_app

SAMPLE = (REPO / "tests" / "fixtures" / "sample.json").read_text(encoding="utf-8")
APPEAL_ID = "missing-woman-sam-example"
APPEAL = f"/appeals/{APPEAL_ID}"


def _import(client: httpx.Client, text: str = SAMPLE, *, path: str = "/appeals/new") -> None:
    """Save a whole appeal file through the editor (new, or with ``path`` an edit)."""
    form = client.get(path)
    done = client.post(path, data={"text": text, "csrf_token": csrf_of(form.text)})
    assert done.status_code == 303, done.text


def _approval_text(client: httpx.Client) -> str:
    page = client.get(APPEAL)
    assert page.status_code == 200
    tree = lxml_html.fromstring(page.text)
    texts = []
    for element in tree.xpath('//*[@id="approval"]/following-sibling::*'):
        if element.tag == "h2":
            break
        texts.append(" ".join(element.text_content().split()))
    return " ".join(texts)


def test_nobody_approves_their_own_revision_in_the_pages(web: WebApp) -> None:
    web.add_user("carla", "author", "approver")
    web.add_user("bob", "approver")
    web.add_user("alex", "author")
    with web.client() as carla:
        sign_in(carla, "carla")
        _import(carla)
        page = carla.get(APPEAL)
        assert "Waiting for approval" in _approval_text(carla)
        assert "You wrote this revision" in _approval_text(carla)
        assert 'action="/appeals/missing-woman-sam-example/approve"' not in page.text
        assert "Schedule this appeal" not in page.text
        # Sending the form anyway is refused by the rule, not only by a hidden button.
        token = csrf_of(page.text)
        own = carla.post(APPEAL + "/approve", data={"csrf_token": token, "revision": "1"})
        assert own.status_code == 403
        assert "carla wrote this revision" in own.text
        # The schedule page refuses too.
        form = carla.get(APPEAL + "/schedule")
        refused = carla.post(
            APPEAL + "/schedule",
            data={"channels": "web", "when": "now", "csrf_token": csrf_of(form.text)},
        )
        assert refused.status_code == 422 and "not approved yet" in refused.text
    with web.client() as alex:
        sign_in(alex, "alex")
        token = csrf_of(alex.get(APPEAL).text)
        assert alex.post(APPEAL + "/approve", data={"csrf_token": token}).status_code == 403
    with web.client() as bob:
        sign_in(bob, "bob")
        page = bob.get(APPEAL)
        assert 'action="/appeals/missing-woman-sam-example/approve"' in page.text
        assert bob.post(APPEAL + "/approve", data={"revision": "1"}).status_code == 403  # CSRF
        assert "Waiting for approval" in _approval_text(bob)
        done = bob.post(
            APPEAL + "/approve", data={"csrf_token": csrf_of(page.text), "revision": "1"}
        )
        assert done.status_code == 303
        assert done.headers["location"] == APPEAL + "#approval"
        assert "Approved Revision 1, written by carla, was approved by bob" in _approval_text(bob)
    with web.client() as carla:
        sign_in(carla, "carla")
        assert "Schedule this appeal" in carla.get(APPEAL).text
        # A new revision waits for approval again; approving a revision nobody showed you is
        # refused.
        changed = SAMPLE.replace("Have you seen", "Please help: have you seen")
        _import(carla, changed, path=APPEAL + "/edit")
        assert "Waiting for approval" in _approval_text(carla)
        assert "Until then revision 1 is the one that goes out" in _approval_text(carla)
    with web.client() as bob:
        sign_in(bob, "bob")
        token = csrf_of(bob.get(APPEAL).text)
        stale = bob.post(APPEAL + "/approve", data={"csrf_token": token, "revision": "1"})
        assert stale.status_code == 409 and "not the current one" in stale.text


def test_an_admin_publishes_urgently_with_a_reason_shown_beside_the_appeal(web: WebApp) -> None:
    web.add_user("root", "admin")
    web.add_user("alex", "author")
    with web.client() as alex:
        sign_in(alex, "alex")
        _import(alex)
        assert alex.get(APPEAL + "/urgent").status_code == 403
        assert "Publish urgently" not in alex.get(APPEAL).text
    with web.client() as root:
        sign_in(root, "root")
        assert "Publish urgently without a second person" in root.get(APPEAL).text
        form = root.get(APPEAL + "/urgent")
        assert form.status_code == 200
        token = csrf_of(form.text)
        short = root.post(
            APPEAL + "/urgent", data={"csrf_token": token, "reason": "now", "channels": "web"}
        )
        assert short.status_code == 422
        error = lxml_html.fromstring(short.text).xpath('//*[@id="reason-error"]')[0]
        assert "say why" in error.text_content().lower()
        none = root.post(
            APPEAL + "/urgent", data={"csrf_token": token, "reason": "Missing child, high risk"}
        )
        assert none.status_code == 422 and "at least one channel" in none.text
        assert "Waiting for approval" in _approval_text(root)
        reason = "Missing child <b>aged 9</b>, high risk"
        done = root.post(
            APPEAL + "/urgent",
            data={"csrf_token": token, "reason": reason, "channels": ["web", "text"]},
        )
        assert done.status_code == 303, done.text
        shown = _approval_text(root)
        assert "published urgently by root, without a second person" in shown
        assert "The reason given: Missing child <b>aged 9</b>, high risk" in shown
        assert "&lt;b&gt;aged 9&lt;/b&gt;" in root.get(APPEAL).text  # text, not markup
        rows = root.get(APPEAL + "/deliveries").text
        assert rows.count("scheduled") >= 2
        audit = root.get("/audit").text
        assert "approve-urgent" in audit


def test_the_api_approves_schedules_and_lists_with_the_same_rule(web: WebApp) -> None:
    web.add_user("carla", "author", "approver")
    web.add_user("bob", "approver")
    web.add_user("olive", "operator")
    tokens = {name: web.token(name) for name in ("carla", "bob", "olive")}

    def api(name: str | None) -> httpx.Client:
        headers = {} if name is None else {"Authorization": f"Bearer {tokens[name]}"}
        return web.client(headers=headers)

    with api("carla") as carla, api("bob") as bob, api("olive") as olive, api(None) as anon:
        created = carla.post(
            "/api/appeals", content=SAMPLE, headers={"Content-Type": "application/json"}
        )
        assert created.status_code == 201
        approve = f"/api/appeals/{APPEAL_ID}/approve"
        schedule = f"/api/appeals/{APPEAL_ID}/schedule"
        assert anon.post(approve).status_code == 401
        assert olive.post(approve).status_code == 403
        own = carla.post(approve, json={"revision": 1})
        assert own.status_code == 403 and "carla wrote this revision" in own.text
        early = carla.post(schedule, json={"channels": ["web"], "at": "now"})
        assert early.status_code == 409 and "not approved yet" in early.text
        standing = carla.get(f"/api/appeals/{APPEAL_ID}/approval").json()
        assert standing["waiting"] and standing["author"] == "carla"
        assert standing["live_revision"] is None

        done = bob.post(approve, json={"revision": 1})
        assert done.status_code == 200, done.text
        assert (done.json()["approved_by"], done.json()["kind"]) == ("bob", "approved")
        assert done.json()["newly"] is True
        assert bob.post(approve).json()["newly"] is False
        assert olive.post(schedule, json={"channels": ["web"]}).status_code == 403
        bad = carla.post(schedule, json={"channels": ["web"], "at": "31/02/2030 07:15"})
        assert bad.status_code == 400
        unknown = carla.post(schedule, json={"channels": ["fax"], "at": "now"})
        assert unknown.status_code == 400 and "fax" in unknown.text
        planned = carla.post(
            schedule,
            json={
                "channels": ["web", "x"],
                "at": "07:15 30/10/2027",
                "every": "1d",
                "until": "01/11/2027",
                "campaign": "find-sam",
            },
        )
        assert planned.status_code == 201, planned.text
        assert len(planned.json()["deliveries"]) == 6
        assert planned.json()["times"] == [
            "2027-10-30T06:15:00+00:00",
            "2027-10-31T07:15:00+00:00",
            "2027-11-01T07:15:00+00:00",
        ]
        now = carla.post(schedule, json={"channels": ["text"]})
        assert now.status_code == 201 and len(now.json()["deliveries"]) == 1
        listed = olive.get("/api/deliveries", params={"channel": "x"}).json()
        assert len(listed) == 3 and {d["state"] for d in listed} == {"scheduled"}
        assert {d["campaign"] for d in listed} == {"find-sam"}
        assert len(olive.get("/api/deliveries").json()) == 7
        assert anon.get("/api/deliveries").status_code == 401
        # Every API route, walked with each role that must not use it: refused.
        spec = anon.get("/api/openapi.json").json()
        needs = {
            ("post", "/api/appeals"): "author",
            ("post", "/api/appeals/{appeal_id}/approve"): "approver",
            ("post", "/api/appeals/{appeal_id}/schedule"): "author",
        }
        for (method, path), role in needs.items():
            assert method in spec["paths"][path]
            concrete = path.replace("{appeal_id}", APPEAL_ID)
            for name, holds in (("olive", False), ("bob", role == "approver")):
                if holds:
                    continue
                with api(name) as client:
                    response = client.request(method.upper(), concrete, json={})
                    assert response.status_code == 403, (name, method, path, response.text)
    for token in tokens.values():
        assert token not in web.log()
    assert PASSWORD not in web.log()
