"""The web app, for real: ``publisher web`` under uvicorn as a subprocess on a temporary SQLite
store, users made with ``publisher users``, and httpx against it."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import html as lxml_html

from tests.integration.conftest import (
    REPO,
    ManagedProcess,
    Processes,
    app_env,
    free_port,
    publisher_command,
    run_cli,
    wait_until,
)

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
CSP = (
    "default-src 'self'; img-src 'self' data: https:; frame-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HOSTILE_TITLE = "Seen <script>alert(1)</script> this <img src=x onerror=alert(1)> man?"
HOSTILE = f"""---
title: "{HOSTILE_TITLE}"
area: Example <b>Shire</b>
url: https://www.example.police.uk/news/2020/october/hostile-appeal/
published: 09:30 24/10/2020
kind: witness-appeal
---

We want to speak to anyone who saw <script>alert(1)</script> on Example Road.

Call <img src=x onerror=alert(1)> 101 quoting incident 123 of 23 October.
"""


@dataclass
class WebApp:
    url: str
    env: dict[str, str]
    process: ManagedProcess
    approvers: set[str] = field(default_factory=set)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30, **kwargs)

    def log(self) -> str:
        return self.process.log_text()

    def add_user(self, name: str, *roles: str, password: str = PASSWORD) -> None:
        args = [*publisher_command(), "users", "add", name, "--password-stdin"]
        for role in roles:
            args += ["--role", role]
        done = subprocess.run(
            args,
            input=password + "\n",
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    def token(self, name: str) -> str:
        return run_cli(["users", "token", name], self.env).stdout.strip()

    def approve(self, path: str, name: str = "checker") -> None:
        """Approve the current revision of the appeal at ``path`` in the browser's way, as the
        approver ``name`` (added on first use): sign in, read the page, press Approve."""
        if name not in self.approvers:
            self.add_user(name, "approver")
            self.approvers.add(name)
        with self.client() as client:
            assert sign_in(client, name, PASSWORD).status_code == 303
            page = client.get(path)
            assert page.status_code == 200, page.text
            revision = re.search(r'name="revision" value="(\d+)"', page.text)
            assert revision, "the appeal page offers no Approve button"
            done = client.post(
                path + "/approve",
                data={"csrf_token": csrf_of(page.text), "revision": revision.group(1)},
            )
            assert done.status_code == 303, done.text


@pytest.fixture()
def web(processes: Processes, tmp_path: Path) -> Iterator[WebApp]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = app_env(
        {
            "PUBLISHER_DATA_DIR": str(tmp_path / "var"),
            "OUTPUT_DIR": str(tmp_path / "site"),
            "PUBLISHER_APP_URL": url,
        }
    )
    process = processes.publisher("web", "web", "--port", str(port), env=env)

    def up() -> bool:
        processes.check_alive(process)
        try:
            return httpx.get(url + "healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, timeout=30, what="publisher web to answer /healthz")
    yield WebApp(url=url, env=env, process=process)


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form has no csrf_token"
    return match.group(1)


def sign_in(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={"name": name, "password": password, "csrf_token": csrf_of(form.text)},
    )


def test_first_start_prints_a_sign_in_link_that_works_once(web: WebApp) -> None:
    match = wait_until(
        lambda: re.search(r"(http://\S+/sign-in/link/(\S+))", web.log()),
        timeout=10,
        what="the first sign-in link in the log",
    )
    link, token = match.group(1), match.group(2)
    with web.client() as client:
        page = client.get(link)
        assert page.status_code == 200
        assert "<form" in page.text and "/sign-in/link/" in page.text
        # Following the link signs nobody in: only the button's POST does.
        assert client.get("/").status_code == 303
        done = client.post(f"/sign-in/link/{token}", data={"csrf_token": csrf_of(page.text)})
        assert done.status_code == 303
        assert done.headers["location"] == "/account/password"
        assert client.get("/").status_code == 200
    with web.client() as other:
        page = other.get(link)
        again = other.post(f"/sign-in/link/{token}", data={"csrf_token": csrf_of(page.text)})
        assert again.status_code == 401
        assert "not valid" in again.text
    assert token not in web.log().split(link, 1)[1], "the link's token reached the access log"


def test_sign_in_refuses_a_wrong_password_and_sets_a_safe_cookie(web: WebApp) -> None:
    web.add_user("alex", "author")
    with web.client() as client:
        wrong = sign_in(client, "alex", "not the password at all")
        assert wrong.status_code == 401
        assert "the name or the password is wrong" in wrong.text.lower()
        unknown = sign_in(client, "nobody", "not the password at all")
        assert unknown.status_code == 401
        # No hint which part was wrong: the two refusals say the same.
        assert re.sub(r'value="[^"]*"', "", wrong.text) == re.sub(
            r'value="[^"]*"', "", unknown.text
        )
        assert "publisher_session" not in client.cookies
        right = sign_in(client, "alex")
        assert right.status_code == 303
        cookie = next(
            h for h in right.headers.get_list("set-cookie") if h.startswith("publisher_session=")
        )
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags
        assert "samesite=lax" in flags
        assert "path=/" in flags
        assert "secure" not in flags
        session = client.cookies["publisher_session"]
        home = client.get("/")
        assert home.status_code == 200
        assert "alex" in home.text
    assert PASSWORD not in web.log()
    assert session not in web.log()


def test_without_credentials_every_api_route_is_401_and_every_page_redirects(
    web: WebApp,
) -> None:
    with web.client() as client:
        spec = client.get("/api/openapi.json").json()
        assert spec["paths"], "the API has no routes"
        for path, methods in spec["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "some-appeal", path)
            for method in methods:
                response = client.request(method.upper(), concrete)
                assert response.status_code == 401, (method, path, response.text)
                assert response.headers.get("www-authenticate") == "Bearer"
        public = {"/sign-in", "/sign-in/link/{token}"}
        routes = [route for route in _routes() if route[0] not in public]
        assert any(path == "/" for path, _ in routes)
        for path, methods in routes:
            concrete = re.sub(r"\{[^}]+\}", "some-appeal", path)
            for method in methods:
                response = client.request(method, concrete)
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/sign-in")
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/static/govuk/govuk-frontend.min.css").status_code == 200


def _routes() -> list[tuple[str, set[str]]]:
    from publisher.entrypoints.web import editor, pages

    return [
        (route.path, set(route.methods))  # type: ignore[attr-defined]
        for router in (pages.router, editor.router)
        for route in router.routes
    ]


def test_roles_and_csrf(web: WebApp) -> None:
    web.add_user("olive", "operator")
    web.add_user("alex", "author")
    with web.client() as client:
        assert sign_in(client, "olive").status_code == 303
        assert client.get("/appeals/new").status_code == 403
        assert "author" in client.get("/appeals/new").text
        token = web.token("olive")
        api = client.post(
            "/api/appeals",
            content=b"{}",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert api.status_code == 403
    with web.client() as client:
        assert sign_in(client, "alex").status_code == 303
        good = csrf_of(client.get("/appeals/new").text)
        for given in (None, "", "wrong-" + good):
            data = {"text": HOSTILE}
            if given is not None:
                data["csrf_token"] = given
            refused = client.post("/appeals/new", data=data)
            assert refused.status_code == 403
            assert "form could not be accepted" in refused.text
        assert "There are no appeals yet" in client.get("/").text
        signed_out = client.post("/sign-out", data={"csrf_token": "nope"})
        assert signed_out.status_code == 403
        assert client.get("/").status_code == 200
        # The sign-in form has its own pre-session token, double-submitted.
    with web.client() as fresh:
        refused = fresh.post("/sign-in", data={"name": "alex", "password": PASSWORD})
        assert refused.status_code == 403
        assert "publisher_session" not in fresh.cookies


def _no_live_markup(page: str, where: str, *, published: bool = False) -> None:
    """No element or handler from the record. The app's pages have scripts of their own, by
    address; a published page (the preview) may have its JSON-LD and its own scripts too."""
    tree = lxml_html.fromstring(page)
    ours = ("/static/app.js", "/static/editor.js")
    scripts = [s for s in tree.iter("script") if s.get("src") not in ours]
    if published:
        scripts = [
            s
            for s in scripts
            if not (s.get("type") == "application/ld+json" or s.get("src")) or "<" in (s.text or "")
        ]
    assert not scripts, f"{where}: a <script> from the record"
    assert not tree.xpath("//img[@onerror]"), f"{where}: an <img onerror> from the record"
    assert not tree.xpath("//*[@onerror]"), f"{where}: an onerror attribute"


def test_markup_in_a_record_is_text_everywhere(web: WebApp) -> None:
    web.add_user("alex", "author")
    with web.client() as client:
        sign_in(client, "alex")
        form = client.get("/appeals/new")
        created = client.post(
            "/appeals/new", data={"text": HOSTILE, "csrf_token": csrf_of(form.text)}
        )
        assert created.status_code == 303, created.text
        assert created.headers["location"].startswith("/appeals/hostile-appeal/edit?saved=1")
        location = "/appeals/hostile-appeal"
        for path in ("/", location, "/?q=script", "/appeals/new", location + "/edit"):
            page = client.get(path)
            assert page.status_code == 200, path
            _no_live_markup(page.text, path)
        detail = client.get(location).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
        assert "&lt;img src=x onerror=alert(1)&gt;" in detail
        tree = lxml_html.fromstring(detail)
        frames = tree.xpath("//iframe")
        assert frames and frames[0].get("title") and frames[0].get("sandbox") == ""
        preview = client.get(location + "/preview/web")
        assert preview.status_code == 200
        assert preview.headers["content-security-policy"].startswith(
            "sandbox; default-src 'none'; style-src 'unsafe-inline' 'self'; img-src data: https:"
        )
        _no_live_markup(preview.text, "the web preview", published=True)
        # A failed import keeps the text and names the line and field.
        broken = HOSTILE.replace("published: 09:30 24/10/2020", "published: 09:30 31/02/2020")
        again = client.post("/appeals/new", data={"text": broken, "csrf_token": csrf_of(form.text)})
        assert again.status_code == 422
        error = lxml_html.fromstring(again.text).xpath('//*[@id="text-error"]')[0].text_content()
        assert "Line 5" in error and "published" in error
        assert lxml_html.fromstring(again.text).xpath('//textarea[@id="text"]')[0].text == broken
        _no_live_markup(again.text, "the form with an error")


def test_the_api_creates_lists_gets_and_previews(web: WebApp) -> None:
    web.add_user("alex", "author")
    token = web.token("alex")
    record = (REPO / "tests" / "fixtures" / "sample.json").read_text(encoding="utf-8")
    with web.client(headers={"Authorization": f"Bearer {token}"}) as api:
        created = api.post(
            "/api/appeals", content=record, headers={"Content-Type": "application/json"}
        )
        assert created.status_code == 201, created.text
        appeal_id = created.json()["id"]
        assert created.json()["revision"] == 1
        uploaded = api.post(
            "/api/appeals", files={"file": ("hostile.md", HOSTILE.encode(), "text/markdown")}
        )
        assert uploaded.status_code == 201, uploaded.text
        invalid = api.post(
            "/api/appeals",
            files={
                "file": ("bad.md", HOSTILE.replace("31", "x").replace("24/10", "31/02").encode())
            },
        )
        assert invalid.status_code == 422
        problem = invalid.json()["problems"][0]
        assert problem["file"] == "bad.md" and problem["line"] == 5
        assert problem["field"] == "published"
        listed = api.get("/api/appeals").json()
        assert {a["id"] for a in listed} == {appeal_id, "hostile-appeal"}
        assert api.get(f"/api/appeals/{appeal_id}").json()["id"] == appeal_id
        assert api.get("/api/appeals/no-such-appeal").status_code == 404
        shown = api.get(f"/api/appeals/{appeal_id}/previews").json()
        assert shown["web"].startswith("<!DOCTYPE html") or "<html" in shown["web"]
        assert "<rss" in shown["rss"] and "<feed" in shown["atom"]
        posts = shown["x"]["posts"]
        assert posts and all(0 < p["weight"] <= 280 and p["text"] for p in posts)
        social = shown["social"]
        assert {"x", "mastodon", "bluesky", "facebook"} <= set(social)
        assert social["x"]["posts"] == posts
        for name, each in social.items():
            assert each["posts"], name
            assert all(0 < p["weight"] <= each["max_weight"] for p in each["posts"]), name
        assert shown["text"]["sms_segments"] >= 1 and shown["text"]["text"]
        assert isinstance(shown["lint"], list)
        assert all({"code", "severity", "message", "fix"} <= set(f) for f in shown["lint"])
    assert token not in web.log()


def test_security_headers_on_every_response(web: WebApp) -> None:
    web.add_user("alex", "author")
    with web.client() as client:
        sign_in(client, "alex")
        for path in ("/", "/sign-in", "/appeals/new", "/account/password", "/no-such-page"):
            response = client.get(path)
            assert response.headers["content-security-policy"] == CSP, path
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "same-origin"
            assert response.headers["cache-control"] == "no-store", path
        static = client.get("/static/govuk/govuk-frontend.min.css")
        assert static.headers["x-content-type-options"] == "nosniff"
        assert "@font-face" not in static.text
        assert client.get("/no-such-page").status_code == 404
