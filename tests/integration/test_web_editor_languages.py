"""The appeal editor for a bilingual force (``PUBLISHER_LANGUAGES=en_GB,cy_GB``), for real
(``publisher web`` under uvicorn, httpx): the Welsh beside the English, one row per field, with
``lang`` and labels; saving the Welsh through the same path as the English (an error names the
field and the language, and nothing is saved); adding and removing a translation (with a
confirmation); the out-of-date state and "Mark Welsh as up to date" (CSRF, the author role, the
audit trail); both languages' pages in the preview; the API's mark-current; and the refusals
(no CSRF, the wrong role, a locale that is not one, the primary's own locale, a language the
force does not publish in).

One server serves the whole module (each test uses appeals of its own).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lxml import html as lxml_html

from publisher.domain.record import Appeal, translatable_digest
from publisher.settings import Settings
from publisher.store import Store
from publisher.store import appeals as stored
from publisher.store.audit import audit_entries
from tests.integration.conftest import REPO, Processes, app_env, free_port, run_cli, wait_until
from tests.integration.test_web_app import WebApp, csrf_of, sign_in
from tests.integration.test_web_editor import HOSTILE, fields

pytestmark = pytest.mark.integration

OSIAN = REPO / "tests" / "fixtures" / "bilingual" / "missing-osian-example.md"
WELSH_BODY = (
    "Rydym yn apelio am gymorth i ddod o hyd i Sam, 34 oed, sydd ar goll ers dydd Gwener.\n\n"
    "Os gwelwch chi hi, ffoniwch 999. Fel arall ffoniwch 101 gan ddyfynnu digwyddiad 123.\n"
)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """``publisher web`` for a force publishing in English and Welsh, on a fresh SQLite store,
    with an author (alex) and an operator (olive)."""
    root = tmp_path_factory.mktemp("languages")
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
            "PUBLISHER_LANGUAGES": "en_GB,cy_GB",
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
        run_cli(["import", str(OSIAN)], env)
        yield app
    finally:
        manager.cleanup()


@pytest.fixture(scope="module")
def author(web: WebApp) -> Iterator[httpx.Client]:
    with web.client() as client:
        assert sign_in(client, "alex").status_code == 303
        yield client


@pytest.fixture(scope="module")
def store(web: WebApp) -> Store:
    return Store(Settings.from_env(web.env).database_url)


def _current(store: Store, appeal_id: str) -> tuple[int, Appeal]:
    with store.session() as session:
        return stored.load_current(session, appeal_id)


def _tree(response: httpx.Response) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(response.text)


def _text(tree: lxml_html.HtmlElement, xpath: str) -> str:
    return " ".join(" ".join(n.text_content().split()) for n in tree.xpath(xpath))


def _form_values(page: httpx.Response) -> dict[str, str | list[str]]:
    """What the edit form sends as it is (inputs, text areas, choices, ticked boxes; a name
    given more than once, as a list)."""
    form = _tree(page).get_element_by_id("editor-form")
    values: dict[str, str | list[str]] = {}

    def add(name: str, value: str) -> None:
        if name in values:
            had = values[name]
            values[name] = [*(had if isinstance(had, list) else [had]), value]
        else:
            values[name] = value

    for element in form.xpath(".//input[@name]|.//textarea[@name]|.//select[@name]"):
        name = element.get("name")
        if element.tag == "textarea":
            add(name, element.text or "")
        elif element.tag == "select":
            chosen = element.xpath("./option[@selected]")
            add(name, chosen[0].get("value") if chosen else "")
        elif element.get("type") == "checkbox":
            if element.get("checked") is not None:
                add(name, element.get("value"))
        else:
            add(name, element.get("value") or "")
    if isinstance(values.get("translations"), str):
        values["translations"] = [str(values["translations"])]
    return values


def _edit(client: httpx.Client, appeal_id: str) -> httpx.Response:
    page = client.get(f"/appeals/{appeal_id}/edit")
    assert page.status_code == 200, page.text[:500]
    return page


def _post_edit(
    client: httpx.Client, appeal_id: str, data: dict[str, str | list[str]]
) -> httpx.Response:
    token = csrf_of(client.get(f"/appeals/{appeal_id}/edit").text)
    return client.post(f"/appeals/{appeal_id}/edit", data={**data, "csrf_token": token})


def _new_with_welsh(client: httpx.Client, slug: str) -> str:
    """A new English appeal, then its Welsh added in the form and saved: the appeal's id."""
    token = csrf_of(client.get("/appeals/new").text)
    english = {**fields(slug), "csrf_token": token, "translations_shown": "yes"}
    added = client.post("/appeals/new", data={**english, "action": "add:cy_GB"})
    assert added.status_code == 200, added.text[:500]
    values = _form_values(added)
    assert values["translations"] == ["cy_GB"]
    values.update(
        {
            "cy_GB-title": "Ydych chi wedi gweld Sam Example?",
            "cy_GB-body": WELSH_BODY,
            "cy_GB-image_alt": "Sam, menyw yn ei thridegau â gwallt byr tywyll, yn gwenu.",
            "cy_GB-hashtags": "#DodOHydISam",
            "action": "save",
        }
    )
    done = client.post("/appeals/new", data=values)
    assert done.status_code == 303, done.text[:2000]
    return str(done.headers["location"]).split("/")[2]


def test_the_welsh_is_beside_the_english_one_row_per_field(author: httpx.Client) -> None:
    tree = _tree(_edit(author, "missing-osian-example"))
    for key in ("title", "summary", "body", "image_alt", "hashtags"):
        row = tree.get_element_by_id(f"row-{key}")
        assert row.tag == "fieldset" and row.xpath("./legend"), key
        english, welsh = row.xpath(f'.//*[@id="{key}"]'), row.xpath(f'.//*[@id="cy_GB-{key}"]')
        assert english and welsh, key
        assert welsh[0].get("lang") == "cy-GB", key
        assert english[0].get("lang") is None, key
        for control in (english[0], welsh[0]):
            label = tree.xpath(f'//label[@for="{control.get("id")}"]')
            assert label, control.get("id")
        label = _text(tree, f'//label[@for="cy_GB-{key}"]')
        assert label.endswith("Welsh") and " in Welsh" in label, label
    assert tree.get_element_by_id("cy_GB-title").get("value") == (
        "Dyn ar goll: ydych chi wedi gweld Osian?"
    )
    assert "Rydym yn apelio" in tree.get_element_by_id("cy_GB-body").text
    # The facts both languages share are written once.
    for shared in ("area", "url", "published", "image_url", "kind"):
        assert len(tree.xpath(f'//*[@id="{shared}"]')) == 1
        assert not tree.xpath(f'//*[@id="cy_GB-{shared}"]')
    assert "Up to date" in _text(tree, '//*[@id="cy_GB-status"]')
    assert not tree.xpath('//button[@form="mark-cy_GB"]')  # nothing to mark
    # The preview holds the Welsh page too.
    frame = tree.xpath('//*[@id="preview-web-cy_GB"]//iframe')[0]
    assert '<html lang="cy-GB">' in frame.get("srcdoc")
    assert "Dyn ar goll" in frame.get("srcdoc")
    assert "Welsh" in frame.get("title")


def test_saving_the_welsh_stores_it_and_an_error_names_the_field_and_the_language(
    author: httpx.Client, store: Store
) -> None:
    appeal_id = _new_with_welsh(author, "welsh-sam")
    number, saved = _current(store, appeal_id)
    welsh = saved.translation("cy_GB")
    assert welsh is not None and welsh.title == "Ydych chi wedi gweld Sam Example?"
    assert welsh.hashtags == ("DodOHydISam",)
    assert welsh.image_alt and welsh.image_alt.startswith("Sam, menyw")
    assert saved.title == "Have you seen Sam Example?"  # the English as it was

    values = _form_values(_edit(author, appeal_id))
    edited = {**values, "cy_GB-title": "Ydych chi wedi gweld Sam?", "action": "save"}
    done = _post_edit(author, appeal_id, edited)
    assert done.status_code == 303 and "changed=yes" in done.headers["location"]
    number_after, after = _current(store, appeal_id)
    assert number_after == number + 1
    assert after.translation("cy_GB").title == "Ydych chi wedi gweld Sam?"  # type: ignore[union-attr]

    # An error in the Welsh is shown beside the Welsh field, naming it and the language, and
    # nothing is saved: not the English changed with it either.
    cases = {
        "cy_GB-title": {"cy_GB-title": ""},
        "cy_GB-body": {"cy_GB-body": "  "},
        "cy_GB-hashtags": {"cy_GB-hashtags": "#Dod-O-Hyd"},
    }
    for name, change in cases.items():
        bad = {**values, "title": "A new English title", **change, "action": "save"}
        refused = _post_edit(author, appeal_id, bad)
        assert refused.status_code == 422, name
        tree = _tree(refused)
        summary = tree.xpath('//*[@class="govuk-error-summary"]//a')
        assert [a.get("href") for a in summary] == [f"#{name}"], (name, refused.text[:300])
        message = _text(tree, f'//*[@id="{name}-error"]')
        assert "Welsh" in message, (name, message)
        control = tree.get_element_by_id(name)
        assert f"{name}-error" in control.get("aria-describedby").split()
        assert _current(store, appeal_id)[0] == number_after, name
    assert "Welsh hashtags" in _text(
        _tree(
            _post_edit(
                author, appeal_id, {**values, "cy_GB-hashtags": "#Dod-O-Hyd", "action": "save"}
            )
        ),
        '//*[@id="cy_GB-hashtags-error"]',
    )


def test_out_of_date_welsh_is_marked_up_to_date_with_csrf_and_the_author_role(
    web: WebApp, author: httpx.Client, store: Store
) -> None:
    appeal_id = _new_with_welsh(author, "marked-sam")
    tree = _tree(_edit(author, appeal_id))
    assert "Not marked" in _text(tree, '//*[@id="cy_GB-status"]')
    values = _form_values(_edit(author, appeal_id))
    mark = f"/appeals/{appeal_id}/translations/cy_GB/mark-current"
    token = csrf_of(_edit(author, appeal_id).text)
    assert author.post(mark, data={"csrf_token": token}).status_code == 303
    number, marked = _current(store, appeal_id)
    assert marked.translation("cy_GB").source_digest == translatable_digest(marked)  # type: ignore[union-attr]
    page = _tree(author.get(f"/appeals/{appeal_id}/edit?saved={number}&changed=yes&marked=cy_GB"))
    assert "Up to date" in _text(page, '//*[@id="cy_GB-status"]')
    assert "Welsh is marked as up to date" in _text(page, '//*[@id="marked"]')

    # The English changes: the Welsh column says so, and offers to mark it.
    retitled = {**values, "title": "Have you seen Sam Example today?", "action": "save"}
    assert _post_edit(author, appeal_id, retitled).status_code == 303
    tree = _tree(_edit(author, appeal_id))
    status = _text(tree, '//*[@id="cy_GB-status"]')
    assert "Out of date" in status and "English has changed" in status
    # The check says so beside the Welsh column too, and the live preview the same.
    assert "translation-out-of-date" in _text(tree, '//*[@id="cy_GB-status-findings"]')
    values = _form_values(_edit(author, appeal_id))
    live = author.post(f"/appeals/{appeal_id}/edit/preview", data=values)
    assert live.status_code == 200
    partial = _tree(live)
    slot = partial.xpath('//template[@data-findings-for="cy_GB-status"]')
    assert slot and "translation-out-of-date" in lxml_html.tostring(slot[0], encoding="unicode")
    assert "Ydych chi wedi gweld Sam Example?" in (
        partial.xpath('//*[@id="preview-web-cy_GB"]//iframe')[0].get("srcdoc")
    )
    button = tree.xpath('//button[@form="mark-cy_GB"]')
    assert button and "Mark Welsh as up to date" in button[0].text_content()
    assert tree.get_element_by_id("mark-cy_GB").get("action") == mark
    number, _ = _current(store, appeal_id)

    # Refused: no CSRF token, a wrong one, the operator role, no session.
    assert author.post(mark).status_code == 403
    assert author.post(mark, data={"csrf_token": token[::-1]}).status_code == 403
    with web.client() as client:
        assert sign_in(client, "olive").status_code == 303
        olive = csrf_of(client.get("/calendar").text)
        refused = client.post(mark, data={"csrf_token": olive})
        assert refused.status_code == 403 and "author" in refused.text
    with web.client() as anonymous:
        assert anonymous.post(mark).headers["location"].startswith("/sign-in")
    # A locale the appeal has no translation in: the primary's own, or not a locale at all.
    for locale in ("en_GB", "fr_FR", "not-a-locale"):
        wrong = f"/appeals/{appeal_id}/translations/{locale}/mark-current"
        assert author.post(wrong, data={"csrf_token": token}).status_code == 400, locale
    assert _current(store, appeal_id)[0] == number

    done = author.post(mark, data={"csrf_token": token})
    assert done.status_code == 303 and "marked=cy_GB" in done.headers["location"]
    number_after, after = _current(store, appeal_id)
    assert number_after == number + 1
    assert after.translation("cy_GB").source_digest == translatable_digest(after)  # type: ignore[union-attr]
    with store.session() as session:
        entries = audit_entries(session, subject=f"appeal:{appeal_id}")
    newest = entries[0]
    assert newest.action == "mark-translation-current" and newest.actor == "alex"
    assert newest.detail is not None and newest.detail["locale"] == "cy_GB"
    assert newest.detail["revision"] == number_after
    # Marking again changes nothing.
    again = author.post(mark, data={"csrf_token": token})
    assert again.status_code == 303 and "changed=no" in again.headers["location"]
    assert _current(store, appeal_id)[0] == number_after


def test_adding_and_removing_a_translation(author: httpx.Client, store: Store) -> None:
    token = csrf_of(author.get("/appeals/new").text)
    english = {**fields("removed-sam"), "csrf_token": token, "action": "save"}
    done = author.post("/appeals/new", data=english)
    assert done.status_code == 303
    appeal_id = str(done.headers["location"]).split("/")[2]
    page = _edit(author, appeal_id)
    tree = _tree(page)
    add = tree.xpath('//button[@value="add:cy_GB"]')
    assert add and add[0].text_content() == "Add a Welsh translation"
    assert not tree.xpath('//*[@id="cy_GB-title"]')
    # The bilingual force's check says the Welsh is missing.
    assert "translation-missing" in page.text

    values = _form_values(page)
    added = _post_edit(author, appeal_id, {**values, "action": "add:cy_GB"})
    assert added.status_code == 200
    tree = _tree(added)
    assert tree.get_element_by_id("cy_GB-title").get("lang") == "cy-GB"
    assert "New" in _text(tree, '//*[@id="cy_GB-status"]')
    assert not tree.xpath('//button[@value="add:cy_GB"]')
    assert _current(store, appeal_id)[0] == 1  # nothing saved by adding

    values = _form_values(added)
    values.update({"cy_GB-title": "Ydych chi wedi gweld Sam?", "cy_GB-body": WELSH_BODY})
    assert _post_edit(author, appeal_id, {**values, "action": "save"}).status_code == 303
    assert _current(store, appeal_id)[1].languages == ("en_GB", "cy_GB")

    # Removing asks first: nothing is removed until it is confirmed.
    values = _form_values(_edit(author, appeal_id))
    asked = _post_edit(author, appeal_id, {**values, "action": "remove:cy_GB"})
    assert asked.status_code == 200
    tree = _tree(asked)
    confirm = tree.get_element_by_id("confirm-remove")
    assert "Remove the Welsh translation?" in confirm.text_content()
    assert confirm.xpath('.//button[@value="confirm-remove:cy_GB"]')
    assert tree.get_element_by_id("cy_GB-title").get("value") == "Ydych chi wedi gweld Sam?"
    assert _current(store, appeal_id)[0] == 2
    kept = _post_edit(author, appeal_id, {**_form_values(asked), "action": "preview"})
    assert kept.status_code == 200 and _current(store, appeal_id)[0] == 2

    removed = _post_edit(author, appeal_id, {**values, "action": "confirm-remove:cy_GB"})
    assert removed.status_code == 303, removed.text[:500]
    number, after = _current(store, appeal_id)
    assert number == 3 and after.translations == ()
    assert not _tree(_edit(author, appeal_id)).xpath('//*[@id="cy_GB-title"]')


def test_refusals_a_locale_that_is_not_one_the_primarys_own_one_not_published_in(
    web: WebApp, author: httpx.Client, store: Store
) -> None:
    appeal_id = _new_with_welsh(author, "refused-sam")
    number, _ = _current(store, appeal_id)
    values = _form_values(_edit(author, appeal_id))
    for locale, words in (
        ("<script>", "is not a language code"),
        ("en_GB", "the appeal's own language"),
        ("fr_FR", "does not publish in"),
    ):
        for data in (
            {**values, "translations": ["cy_GB", locale], "action": "save"},
            {**values, "action": f"add:{locale}"},
        ):
            refused = _post_edit(author, appeal_id, data)
            assert refused.status_code == 422, (locale, data["action"])
            summary = _text(_tree(refused), '//*[@class="govuk-error-summary"]')
            assert words in summary, (locale, summary)
            ours = {"/static/app.js", "/static/editor.js"}
            assert all(s.get("src") in ours for s in _tree(refused).iter("script"))
    # Removing or confirming the removal of a language the form does not hold saves nothing.
    for action in ("remove:gd_GB", "confirm-remove:gd_GB", "confirm-remove:<b>"):
        shown = _post_edit(author, appeal_id, {**values, "title": "Changed", "action": action})
        assert shown.status_code == 200, action
        assert not _tree(shown).xpath('//*[@id="confirm-remove"]'), action
    assert _current(store, appeal_id)[0] == number
    # Adding a language it already has changes nothing.
    twice = _post_edit(author, appeal_id, {**values, "action": "add:cy_GB"})
    assert twice.status_code == 422
    assert _current(store, appeal_id)[0] == number
    # No CSRF token, and the operator role, for the saving and adding of a translation too.
    bare = {k: v for k, v in values.items() if k != "csrf_token"}
    edit = f"/appeals/{appeal_id}/edit"
    with web.client() as client:
        assert sign_in(client, "olive").status_code == 303
        olive = csrf_of(client.get("/calendar").text)
        for action in ("save", "add:cy_GB", "remove:cy_GB", "confirm-remove:cy_GB"):
            assert author.post(edit, data={**bare, "action": action}).status_code == 403, action
            refused = client.post(edit, data={**bare, "csrf_token": olive, "action": action})
            assert refused.status_code == 403 and "author" in refused.text, action
    assert _current(store, appeal_id)[0] == number


def test_markup_in_the_welsh_is_text(author: httpx.Client, store: Store) -> None:
    appeal_id = _new_with_welsh(author, "hostile-welsh-sam")
    values = _form_values(_edit(author, appeal_id))
    hostile = {**values, "cy_GB-title": HOSTILE, "cy_GB-body": WELSH_BODY + f"\n{HOSTILE}\n"}
    shown = _post_edit(author, appeal_id, {**hostile, "action": "preview"})
    assert shown.status_code == 200
    tree = _tree(shown)
    assert not [
        s
        for s in tree.iter("script")
        if s.get("src") not in ("/static/app.js", "/static/editor.js")
    ]
    assert not tree.xpath("//img") and not tree.xpath("//*[@onerror]")
    assert tree.get_element_by_id("cy_GB-title").get("value") == HOSTILE
    frame = lxml_html.fromstring(
        tree.xpath('//*[@id="preview-web-cy_GB"]//iframe')[0].get("srcdoc")
    )
    for script in frame.iter("script"):
        assert script.get("type") == "application/ld+json" or script.get("src"), script.text
        assert "</script" not in (script.text or "").lower()
    assert not frame.xpath("//*[@onerror]") and not frame.xpath('//img[@src="x"]')
    assert HOSTILE in frame.text_content()


def test_the_api_returns_and_accepts_translations_and_marks_them(web: WebApp, store: Store) -> None:
    token = web.token("alex")
    headers = {"Authorization": f"Bearer {token}"}
    with web.client(headers=headers) as api:
        record = api.get("/api/appeals/missing-osian-example").json()
        assert record["translations"][0]["locale"] == "cy_GB"
        record["id"] = "api-osian"
        record["url"] = "https://www.example.police.uk/news/2025/march/api-osian/"
        record["title"] = "Missing man: please help us find Osian"
        created = api.post(
            "/api/appeals", content=json.dumps(record), headers={"Content-Type": "application/json"}
        )
        assert created.status_code == 201, created.text
        again = api.get("/api/appeals/api-osian").json()
        assert again["translations"][0]["title"] == record["translations"][0]["title"]
        _, appeal = _current(store, "api-osian")
        assert appeal.translation("cy_GB").source_digest != translatable_digest(appeal)  # type: ignore[union-attr]
        marked = api.post("/api/appeals/api-osian/translations/cy_GB/mark-current")
        assert marked.status_code == 200, marked.text
        body: dict[str, Any] = marked.json()
        assert body["changed"] is True and body["revision"] == 2
        _, appeal = _current(store, "api-osian")
        assert appeal.translation("cy_GB").source_digest == translatable_digest(appeal)  # type: ignore[union-attr]
        assert api.post("/api/appeals/api-osian/translations/en_GB/mark-current").status_code == 400
    with web.client() as anonymous:
        assert (
            anonymous.post("/api/appeals/api-osian/translations/cy_GB/mark-current").status_code
            == 401
        )
    olive = web.token("olive")
    with web.client(headers={"Authorization": f"Bearer {olive}"}) as operator:
        assert (
            operator.post("/api/appeals/api-osian/translations/cy_GB/mark-current").status_code
            == 403
        )
