"""The appeal editor for real (``publisher web`` under uvicorn, httpx): the structured form's
errors and findings beside their fields, previews without saving, revisions only when something
changed, the id kept, the preview endpoint and its refusals, CSRF and roles on every new form,
markup from a record shown as text, and what changed in each revision.

One server serves the whole module (each test uses appeals of its own): starting one is the
slow part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import html as lxml_html

from publisher.entrypoints.web import editor
from tests.integration.conftest import REPO, Processes, app_env, free_port, wait_until
from tests.integration.test_web_app import WebApp, csrf_of, sign_in

pytestmark = pytest.mark.integration

SAMPLE = (REPO / "tests" / "fixtures" / "sample.json").read_text(encoding="utf-8")
HOSTILE = "Seen <script>alert(1)</script> this <img src=x onerror=alert(1)> man?"
HOSTILE_TEXT = "Tell us <script>alert(2)</script> what <img src=y onerror=alert(2)> you saw."
BODY = """We are appealing for help to find Sam, 34, who has been missing since Friday.

If you see her, please call 999. Otherwise call 101 quoting incident 123 of 23 October.
"""
GOOD_ALT = "Sam, a woman in her thirties with short dark hair, smiling."


def fields(slug: str, **changes: str | list[str]) -> dict[str, str | list[str]]:
    """A complete form for the appeal ``slug`` (at its own web address)."""
    values: dict[str, str | list[str]] = {
        "title": "Have you seen Sam Example?",
        "summary": "",
        "area": "Example Shire",
        "kind": "missing-person",
        "url": f"https://www.example.police.uk/news/2020/october/{slug}/",
        "appeal_id": "",
        "published": "09:30 24/10/2020",
        "image_url": "https://www.example.police.uk/img/sam.jpg",
        "image_alt": "image",
        "hashtags": "#FindSam",
        "body": BODY,
    }
    values.update(changes)
    return values


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """``publisher web`` on a fresh SQLite store, for every test of this module, with an author
    (alex) and an operator (olive)."""
    root = tmp_path_factory.mktemp("editor")
    logs = root / "logs"
    logs.mkdir()
    manager = Processes(logdir=logs)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = app_env(
        {
            "PUBLISHER_DATA_DIR": str(root / "var"),
            "OUTPUT_DIR": str(root / "site"),
            "PUBLISHER_APP_URL": url,
        }
    )
    try:
        process = manager.publisher("web", "web", "--port", str(port), env=env)

        def up() -> bool:
            manager.check_alive(process)
            try:
                return httpx.get(url + "healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=60, what="publisher web to answer /healthz")
        app = WebApp(url=url, env=env, process=process)
        app.add_user("alex", "author")
        app.add_user("olive", "operator")
        yield app
    finally:
        manager.cleanup()


@pytest.fixture(scope="module")
def author(web: WebApp) -> Iterator[httpx.Client]:
    """One signed-in author for the module: the app allows 10 sign-ins a minute from one
    address, and a sign-in per test would run into it on a fast machine."""
    with web.client() as client:
        assert sign_in(client, "alex").status_code == 303
        yield client


def _tree(response: httpx.Response) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(response.text)


def _text(response: httpx.Response, xpath: str) -> str:
    return " ".join(" ".join(n.text_content().split()) for n in _tree(response).xpath(xpath))


def _post(
    client: httpx.Client, path: str, data: dict[str, str | list[str]], *, form: str | None = None
) -> httpx.Response:
    token = csrf_of(client.get(form or path).text)
    return client.post(path, data={**data, "csrf_token": token})


def _save_new(client: httpx.Client, data: dict[str, str | list[str]]) -> str:
    done = _post(client, "/appeals/new", {**data, "action": "save"})
    assert done.status_code == 303, done.text
    location = str(done.headers["location"])
    assert re.fullmatch(r"/appeals/[a-z0-9-]+/edit\?saved=1&changed=yes&live=no", location)
    return location.split("/edit")[0]


def _form_values(page: httpx.Response) -> dict[str, str | list[str]]:
    """What the edit form sends as it is: its inputs, text areas, choices and ticked boxes."""
    tree = _tree(page)
    form = tree.get_element_by_id("editor-form")
    values: dict[str, str | list[str]] = {}
    for element in form.xpath(".//input[@name]|.//textarea[@name]|.//select[@name]"):
        name = element.get("name")
        if element.tag == "textarea":
            values[name] = element.text or ""
        elif element.tag == "select":
            chosen = element.xpath("./option[@selected]")
            values[name] = chosen[0].get("value") if chosen else ""
        elif element.get("type") == "checkbox":
            if element.get("checked") is not None:
                topics = values.setdefault(name, [])
                assert isinstance(topics, list)
                topics.append(element.get("value"))
        else:
            values[name] = element.get("value") or ""
    values.pop("csrf_token")
    return values


def _revisions(client: httpx.Client, appeal: str) -> list[str]:
    page = client.get(appeal)
    assert page.status_code == 200
    return [" ".join(td.text_content().split()) for td in _tree(page).xpath("//tbody/tr/td[1]")]


def test_every_editor_page_needs_a_session(web: WebApp) -> None:
    with web.client() as client:
        for route in editor.router.routes:
            path = re.sub(r"\{[^}]+\}", "1", route.path)  # type: ignore[attr-defined]
            for method in route.methods:  # type: ignore[attr-defined]
                response = client.request(method, path)
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/sign-in")


def test_errors_are_shown_beside_their_fields(author: httpx.Client) -> None:
    empty = _post(author, "/appeals/new", {"area": "Example Shire", "published": "9:30 31/02/2020"})
    assert empty.status_code == 422
    tree = _tree(empty)
    assert tree.findtext(".//title").startswith("Error: ")
    links = {
        a.get("href"): a.text_content() for a in tree.xpath('//*[@class="govuk-error-summary"]//a')
    }
    assert links == {
        "#title": "Enter a title",
        "#url": "Enter the web address of the appeal's page",
        "#published": "31/02/2020 is not a real date",
        "#body": "Write the text of the appeal",
    }
    for name in ("title", "url", "published", "body"):
        message = tree.get_element_by_id(f"{name}-error").text_content()
        assert message.startswith("Error:"), name
        control = tree.get_element_by_id(name)
        assert f"{name}-error" in control.get("aria-describedby").split()
        assert "--error" in control.get("class")
    assert tree.get_element_by_id("area").get("value") == "Example Shire"  # kept as written
    assert tree.xpath('//*[@id="area-error"]') == []

    # An importer error lands on its field too, by the field it names or by its line.
    cases = {
        "url": fields("bad-url", url="not a web address"),
        "hashtags": fields("bad-tag", hashtags="#Find-Sam"),
        "image_url": fields("bad-image", image_url="", image_alt="A description"),
        "kind": fields("bad-kind", kind="parade"),
    }
    for name, data in cases.items():
        refused = _post(author, "/appeals/new", {**data, "action": "save"}, form="/appeals/new")
        assert refused.status_code == 422, name
        summary = _tree(refused).xpath('//*[@class="govuk-error-summary"]//a')
        assert [a.get("href") for a in summary] == [f"#{name}"], (name, refused.text[:300])
        assert _tree(refused).get_element_by_id(f"{name}-error") is not None
    quote = fields("bad-quote", body=BODY + "\n> Words nobody said.\n")
    refused = _post(author, "/appeals/new", {**quote, "action": "save"}, form="/appeals/new")
    assert refused.status_code == 422
    assert _text(refused, '//*[@id="body-error"]').startswith(
        "Error: Line 5 of the text: A block quote needs an attribution line"
    )
    assert author.get("/appeals/bad-quote").status_code == 404  # nothing was stored


def test_preview_shows_every_channel_and_the_findings_without_saving(author: httpx.Client) -> None:
    shown = _post(author, "/appeals/new", {**fields("preview-only"), "action": "preview"})
    assert shown.status_code == 200
    beside = _text(shown, '//*[@id="image_alt-findings"]')
    assert "alt-text-meaningless" in beside and "Fix:" in beside
    assert "image_alt-findings" in _tree(shown).get_element_by_id("image_alt").get(
        "aria-describedby"
    )
    assert _text(shown, '//*[@id="title-findings"]') == ""
    # A finding in the text names the line of the text, as the author sees it.
    in_text = _text(shown, '//*[@id="body-findings"]')
    assert "Line 1 of the text:" in in_text and "body[0], line 1 " in in_text
    frame = _tree(shown).xpath('//*[@id="preview-web"]//iframe')[0]
    assert frame.get("sandbox") == "" and frame.get("title")
    assert "Have you seen Sam Example?" in frame.get("srcdoc")
    assert "<item>" in _text(shown, '//*[@id="preview-feed"]')
    posts = _tree(shown).xpath('//*[@id="preview-x"]//li[contains(@class, "app-post")]')
    assert posts and re.search(r"Post 1 of \d+ · \d+ of 280 characters", posts[0].text_content())
    # Every social platform's posts, each within its own limit as it counts them.
    for channel, platform, limit in (
        ("mastodon", "Mastodon", 500),
        ("bluesky", "Bluesky", 300),
        ("facebook", "Facebook", 63206),
    ):
        section = _tree(shown).xpath(f'//*[@id="preview-{channel}"]')
        assert section, channel
        assert section[0].xpath(".//h3")[0].text_content() == f"{platform} thread"
        posts = section[0].xpath('.//li[contains(@class, "app-post")]')
        assert posts and re.search(
            rf"Post 1 of \d+ · \d+ of {limit} characters", posts[0].text_content()
        ), channel
    assert re.search(r"\d+ SMS segments? \(", _text(shown, '//*[@id="sms"]'))
    assert "1 error" in _text(shown, '//*[@id="check-result"]')
    assert author.get("/appeals/preview-only").status_code == 404


def test_saving_stores_a_revision_only_when_something_changed(author: httpx.Client) -> None:
    appeal = _save_new(author, fields("saved-sam"))
    assert appeal == "/appeals/saved-sam"
    page = author.get(appeal + "/edit?saved=1&changed=yes&live=no")
    assert page.status_code == 200
    assert "Revision 1 saved." in _text(page, '//*[@id="saved"]')
    # After saving, each finding is beside its field, with its fix.
    beside = _text(page, '//*[@id="image_alt-findings"]')
    assert "alt-text-meaningless" in beside and "Fix:" in beside
    values = _form_values(page)
    assert values["appeal_id"] == "saved-sam"
    assert values["title"] == "Have you seen Sam Example?"
    assert values["published"] == "09:30 24/10/2020"
    assert _tree(page).xpath('//*[@id="round-trip"]') == []  # the form says all the record says

    same = _post(author, appeal + "/edit", {**values, "action": "save"})
    assert same.status_code == 303
    assert same.headers["location"] == appeal + "/edit?saved=1&changed=no&live=no"
    assert "Nothing had changed" in _text(author.get(same.headers["location"]), '//*[@id="saved"]')
    assert _revisions(author, appeal) == ["1: what changed"]

    better = _post(author, appeal + "/edit", {**values, "image_alt": GOOD_ALT, "action": "save"})
    assert better.headers["location"] == appeal + "/edit?saved=2&changed=yes&live=no"
    after = author.get(better.headers["location"])
    assert _text(after, '//*[@id="image_alt-findings"]') == ""
    assert _revisions(author, appeal) == ["2: what changed", "1: what changed"]

    moved = _post(author, appeal + "/edit", {**values, "appeal_id": "another-name"})
    assert moved.status_code == 422
    assert "cannot change" in _text(moved, '//*[@id="appeal_id-error"]')
    taken = _post(author, "/appeals/new", {**fields("saved-sam"), "action": "save"})
    assert taken.status_code == 422
    assert "already exists" in _text(taken, '//*[@id="url-error"]')
    assert _tree(taken).xpath('//*[@id="existing"]/a/@href') == ["/appeals/saved-sam/edit"]
    assert _revisions(author, appeal) == ["2: what changed", "1: what changed"]


def test_a_scheduled_appeal_saved_with_errors_waits_and_cannot_be_approved(
    web: WebApp, author: httpx.Client
) -> None:
    appeal = _save_new(author, fields("scheduled-sam", image_alt=GOOD_ALT))
    web.add_user("checker", "approver")
    checker = web.client()
    assert sign_in(checker, "checker").status_code == 303
    shown = checker.get(appeal)
    approved = checker.post(
        appeal + "/approve", data={"csrf_token": csrf_of(shown.text), "revision": "1"}
    )
    assert approved.status_code == 303
    scheduled = _post(
        author,
        appeal + "/schedule",
        {"channels": "web", "when": "later", "at": "09:00 02/03/2099", "confirm": "yes"},
    )
    assert scheduled.status_code == 303, scheduled.text
    values = _form_values(author.get(appeal + "/edit"))
    saved = _post(author, appeal + "/edit", {**values, "image_alt": "image", "action": "save"})
    assert saved.headers["location"] == appeal + "/edit?saved=2&changed=yes&live=yes"
    banner = _text(author.get(saved.headers["location"]), '//*[@id="saved"]/..')
    assert "waits for someone with the approver role" in banner
    page = author.get(appeal)
    assert (
        "Waiting for approval" in page.text and "revision 1 is the one that goes out" in page.text
    )
    try:
        shown = checker.get(appeal)
        assert "Fix the errors below before approving it" in shown.text
        refused = checker.post(
            appeal + "/approve", data={"csrf_token": csrf_of(shown.text), "revision": "2"}
        )
        assert refused.status_code == 422 and "alt-text-meaningless" in refused.text
    finally:
        checker.close()


def test_the_preview_endpoint_answers_the_partial_and_refuses_what_the_form_refuses(
    web: WebApp, author: httpx.Client
) -> None:
    token = csrf_of(author.get("/appeals/new").text)
    partial = author.post("/appeals/new/preview", data={**fields("live-sam"), "csrf_token": token})
    assert partial.status_code == 200
    assert "<html" not in partial.text and "<form" not in partial.text
    tree = lxml_html.fromstring(f"<div>{partial.text}</div>")
    assert tree.get_element_by_id("editor-checks").get("aria-live") == "polite"
    assert tree.get_element_by_id("preview-web") is not None
    slot = tree.xpath('//template[@data-findings-for="image_alt"]')[0]
    assert "alt-text-meaningless" in lxml_html.tostring(slot, encoding="unicode")
    assert author.get("/appeals/live-sam").status_code == 404  # a preview stores nothing

    unfinished = author.post("/appeals/new/preview", data={"title": "Sam", "csrf_token": token})
    assert unfinished.status_code == 422
    assert "Enter the area" in unfinished.text and 'href="#area"' in unfinished.text

    assert author.post("/appeals/new/preview", data=fields("x")).status_code == 403
    wrong = {**fields("x"), "csrf_token": "wrong-" + token}
    assert author.post("/appeals/new/preview", data=wrong).status_code == 403
    huge = {**fields("x"), "body": "word " * 250_000, "csrf_token": token}
    assert author.post("/appeals/new/preview", data=huge).status_code == 400
    part = "word " * 180_000  # 900 kB: each field within the limit, the form over it
    many = {**fields("x"), "title": part, "summary": part, "body": part, "csrf_token": token}
    too_big = author.post("/appeals/new/preview", data=many)
    assert too_big.status_code == 400 and "larger than 2 MB" in too_big.text
    sized = {"csrf_token": token, "body": "x"}
    assert author.post("/appeals/no-such-appeal/edit/preview", data=sized).status_code == 404
    with web.client() as nobody:
        assert nobody.post("/appeals/new/preview", data=sized).status_code == 303


def test_csrf_and_roles_on_every_new_form(web: WebApp, author: httpx.Client) -> None:
    appeal = _save_new(author, fields("guarded-sam"))
    posts = ["/appeals/new", "/appeals/new/preview", appeal + "/edit", appeal + "/edit/preview"]
    data = {**fields("guarded-sam"), "action": "save"}
    token = csrf_of(author.get("/appeals/new").text)
    for path in posts:
        assert author.post(path, data=data).status_code == 403, path
        refused = author.post(path, data={**data, "csrf_token": token[::-1]})
        assert refused.status_code == 403, path
        assert "form could not be accepted" in refused.text
    with web.client() as client:
        assert sign_in(client, "olive").status_code == 303
        olive = csrf_of(client.get("/calendar").text)
        for path in posts:
            refused = client.post(path, data={**data, "csrf_token": olive})
            assert refused.status_code == 403, path
            assert "author" in refused.text
        assert client.get("/appeals/new").status_code == 403
        assert client.get(appeal + "/edit").status_code == 403
        assert client.get(appeal + "/revisions/1").status_code == 200  # anyone signed in
    assert _revisions(author, appeal) == ["1: what changed"]


def _no_live_markup(tree: lxml_html.HtmlElement, where: str) -> None:
    ours = {"/static/app.js", "/static/editor.js"}
    assert not [s for s in tree.iter("script") if s.get("src") not in ours], where
    assert not tree.xpath("//img"), where
    assert not tree.xpath("//*[@onerror]"), where


def test_markup_from_a_record_is_text_in_the_form_the_previews_and_the_diff(
    author: httpx.Client,
) -> None:
    hostile = fields("hostile-sam", title=HOSTILE, body=BODY + f"\n{HOSTILE_TEXT}\n")
    preview = _post(author, "/appeals/new", {**hostile, "action": "preview"})
    assert preview.status_code == 200
    _no_live_markup(_tree(preview), "the preview")
    srcdoc = _tree(preview).xpath('//*[@id="preview-web"]//iframe')[0].get("srcdoc")
    published = lxml_html.fromstring(srcdoc)
    assert not [s for s in published.iter("script") if "<" in (s.text or "")]
    assert not published.xpath("//*[@onerror]")
    assert HOSTILE in published.text_content() and HOSTILE_TEXT in published.text_content()
    appeal = _save_new(author, hostile)
    form = author.get(appeal + "/edit")
    tree = _tree(form)
    _no_live_markup(tree, "the edit form")
    assert tree.get_element_by_id("title").get("value") == HOSTILE
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in form.text
    assert HOSTILE_TEXT in tree.get_element_by_id("body").text
    values = _form_values(form)
    _post(author, appeal + "/edit", {**values, "title": HOSTILE + " Again <b>now</b>"})
    diff = author.get(appeal + "/revisions/2")
    assert diff.status_code == 200
    _no_live_markup(_tree(diff), "the diff")
    assert "Title: " + HOSTILE in _text(diff, '//table[@id="diff"]//td[4]')
    assert "&lt;b&gt;now&lt;/b&gt;" in diff.text


def test_what_changed_in_each_revision(author: httpx.Client) -> None:
    appeal = _save_new(author, fields("diff-sam"))
    values = _form_values(author.get(appeal + "/edit"))
    body = str(values["body"]).replace("since Friday", "since Friday night")
    _post(author, appeal + "/edit", {**values, "image_alt": GOOD_ALT, "body": body})
    diff = author.get(appeal + "/revisions/2")
    assert diff.status_code == 200
    assert _text(diff, '//*[@id="diff-summary"]') == "2 lines added, 2 lines removed."
    rows = [
        [" ".join(td.text_content().split()) for td in row.xpath("td")]
        for row in _tree(diff).xpath('//table[@id="diff"]/tbody/tr')
    ]
    changed = [row for row in rows if row[0] in ("− Removed", "+ Added")]
    assert [row[0] for row in changed] == ["− Removed", "+ Added", "− Removed", "+ Added"]
    assert changed[0][3] == "Image description: image"
    assert changed[1][3] == f"Image description: {GOOD_ALT}"
    assert changed[3][3].startswith("We are appealing for help to find Sam, 34, who has been")
    assert _tree(diff).xpath("//table[@id='diff']//ins/text()")[-1].strip() == "Friday night."
    assert any("unchanged lines" in row[0] for row in rows)  # long unchanged runs are folded
    # The legend says what the marks mean; the marks themselves are not read out.
    assert "added line" in _text(diff, '//*[@id="diff-legend"]')
    first = author.get(appeal + "/revisions/1")
    assert "is the first: every line of it is new" in _text(first, '//*[@id="diff-summary"]')
    same = author.get(appeal + "/revisions/2?against=2")
    assert "Nothing changed" in _text(same, '//*[@id="diff-summary"]')
    backwards = author.get(appeal + "/revisions/1?against=2")
    assert _text(backwards, '//*[@id="diff-summary"]') == "2 lines added, 2 lines removed."
    for missing in ("/revisions/3", "/revisions/0", "/revisions/two", "/revisions/2?against=9"):
        page = author.get(appeal + missing)
        assert page.status_code == 404, missing
        assert _tree(page).findtext(".//h1") == "Page not found"
    history = author.get(appeal + "/history")
    links = _tree(history).xpath('//a[contains(@href, "/revisions/")]/@href')
    assert set(links) == {appeal + "/revisions/1", appeal + "/revisions/2"}
    page = author.get(appeal)
    assert _tree(page).xpath('//a[@id="edit-link"]/@href') == [appeal + "/edit"]


def test_a_whole_file_pasted_or_uploaded(author: httpx.Client, tmp_path: Path) -> None:
    done = _post(author, "/appeals/new", {"whole": "yes", "text": SAMPLE})
    assert done.status_code == 303
    appeal = done.headers["location"].split("/edit")[0]
    assert appeal == "/appeals/missing-woman-sam-example"
    # A JSON record says things the form cannot: the edit page shows what saving would change.
    form = author.get(appeal + "/edit")
    assert form.status_code == 200
    changes = _text(form, '//table[@id="round-trip"]')
    assert "Removed" in changes and "Added" in changes
    again = _post(author, "/appeals/new", {"whole": "yes", "text": SAMPLE})
    assert again.status_code == 422 and "already exists" in _text(again, '//*[@id="text-error"]')
    broken = SAMPLE.replace('"title": "Have you seen Sam Example?"', '"title": ""')
    refused = _post(author, "/appeals/new", {"whole": "yes", "text": broken})
    assert refused.status_code == 422
    assert _tree(refused).xpath("//details[@open]"), "the whole-file form is open to show it"
    assert _tree(refused).get_element_by_id("text").text == broken
    other = SAMPLE.replace("missing-woman-sam-example", "someone-else")
    token = csrf_of(author.get(appeal + "/edit").text)
    upload = author.post(
        appeal + "/edit",
        data={"whole": "yes", "csrf_token": token},
        files={"file": ("other.json", other.encode(), "application/json")},
    )
    assert upload.status_code == 422
    assert "not missing-woman-sam-example" in _text(upload, '//*[@id="file-error"]')


def test_saving_a_bilingual_appeal_keeps_its_translation(web: WebApp, author: httpx.Client) -> None:
    """The form edits the primary language: a save keeps the Welsh as it was (nothing lost),
    saving it unchanged stores nothing new, and changing the English leaves the Welsh marked
    as made from the English before."""
    from publisher.domain.record import translatable_digest
    from publisher.settings import Settings
    from publisher.store import Store
    from publisher.store import appeals as stored
    from tests.integration.conftest import run_cli

    source = REPO / "tests" / "fixtures" / "bilingual" / "missing-osian-example.md"
    run_cli(["import", str(source)], web.env)
    store = Store(Settings.from_env(web.env).database_url)

    def current() -> tuple[int, Any]:
        with store.session() as session:
            return stored.load_current(session, "missing-osian-example")

    number, before = current()
    assert before.translations, "the fixture is bilingual"
    edit = author.get("/appeals/missing-osian-example/edit")
    assert edit.status_code == 200
    values = _form_values(edit)
    same = _post(author, "/appeals/missing-osian-example/edit", {**values, "action": "save"})
    assert same.status_code == 303 and "changed=no" in same.headers["location"]
    assert current()[0] == number

    retitled = {**values, "title": "Missing man: please help us find Osian", "action": "save"}
    changed = _post(author, "/appeals/missing-osian-example/edit", retitled)
    assert changed.status_code == 303 and "changed=yes" in changed.headers["location"]
    number_after, after = current()
    assert number_after == number + 1
    assert after.title == "Missing man: please help us find Osian"
    assert after.translations == before.translations  # the Welsh kept, word for word
    assert after.translations[0].source_digest != translatable_digest(after)  # now out of date
