"""A bilingual force's alerts end to end (PUBLISHER_LANGUAGES=en_GB,cy_GB): the real web app
under uvicorn, the real Notify client against tests.support.notifyfake, a real SQLite store and
the ledger. The sign-up form asks the language (a fieldset of radios, each language named in
itself); the choice is required and checked; the confirmation and every alert are in it; the
staff page counts subscribers by language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from publisher import services
from publisher.bootstrap import App
from publisher.channels.notify import count
from publisher.domain.record import Appeal
from publisher.importers import load_appeal
from publisher.services import accounts
from tests.support import alertsapp
from tests.support.alertsapp import alerts_app, serving
from tests.support.approving import import_approved
from tests.support.notifyfake import FakeNotify

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OSIAN = Path(__file__).resolve().parents[1] / "fixtures" / "bilingual" / "missing-osian-example.md"


@pytest.fixture()
def fake() -> Iterator[FakeNotify]:
    with FakeNotify() as server:
        yield server


@pytest.fixture()
def app(fake: FakeNotify, tmp_path: Path) -> Iterator[App]:
    with alerts_app(fake, tmp_path, PUBLISHER_LANGUAGES="en_GB,cy_GB") as wired:
        yield wired


@pytest.fixture()
def web(app: App) -> Iterator[None]:
    with serving(app):
        yield


def _osian() -> Appeal:
    return load_appeal(OSIAN).appeal


def _sign_up(client: httpx.Client, address: str, language: str | None) -> httpx.Response:
    form = client.get("/alerts/sign-up")
    data = {
        "address": address,
        "area": "Gwynedd",
        "topic": "",
        "csrf_token": alertsapp.csrf(form.text),
    }
    if language is not None:
        data["language"] = language
    return client.post("/alerts/sign-up", data=data)


def _publish(app: App, appeal: Appeal) -> str:
    import_approved(app.store, appeal, now=T0)
    [delivery] = services.publish_now(app.store, app.registry, appeal.id, ["notify"], now=T0)
    assert services.dispatch_due(app.store, now=T0) == [delivery]
    return services.publish_delivery(app.store, app.registry, delivery, now=T0)


def test_the_form_asks_the_language_and_refuses_a_bad_one(
    app: App, fake: FakeNotify, web: None
) -> None:
    import_approved(app.store, _osian(), now=T0)  # the area exists
    with alertsapp.client(app) as client:
        form = client.get("/alerts/sign-up")
        assert form.status_code == 200
        fieldset = re.search(r'<fieldset class="govuk-fieldset".*?</fieldset>', form.text, re.S)
        assert fieldset, "no fieldset for the language"
        group = fieldset.group(0)
        assert re.search(r"<legend[^>]*>Which language do you want alerts in\?</legend>", group)
        radios = re.findall(
            r'<input class="govuk-radios__input" id="([^"]+)" name="language" '
            r'type="radio" value="([^"]+)">',
            group,
        )
        assert radios == [("language", "en"), ("language-cy", "cy")]
        assert (
            '<label class="govuk-label govuk-radios__label" for="language" lang="en">English'
            in group
        )
        assert 'for="language-cy" lang="cy">Cymraeg</label>' in group

        for bad in (None, "", "fr", '"><script>alert(1)</script>'):
            refused = _sign_up(client, "ann@example.org", bad)
            assert refused.status_code == 422, bad
            assert 'href="#language"' in refused.text and 'id="language-error"' in refused.text
            assert "<script>alert(1)" not in refused.text
        # the choice is kept when another field is wrong
        kept = _sign_up(client, "0114 496 0000", "cy")
        assert kept.status_code == 422 and 'value="cy" checked' in kept.text
        # no CSRF token: refused before anything else
        no_token = client.post(
            "/alerts/sign-up",
            data={"address": "ann@example.org", "area": "Gwynedd", "language": "cy"},
        )
        assert no_token.status_code == 403
    assert fake.received == []


def test_welsh_and_english_subscribers_each_get_their_language(
    app: App, fake: FakeNotify, web: None
) -> None:
    appeal = _osian()
    welsh = appeal.in_language("cy_GB")
    import_approved(app.store, appeal.model_copy(update={"id": "area-only"}), now=T0)
    accounts.add_user(app.store, "alex", ["author"], password=PASSWORD)
    with alertsapp.client(app) as client:
        for address, language in (
            ("ann@example.org", "cy"),
            ("07400 123456", "cy"),
            ("bob@example.org", "en"),
        ):
            done = _sign_up(client, address, language)
            assert done.status_code == 200 and "Check your email or phone" in done.text
        (ann,) = fake.messages_to("ann@example.org")
        assert ann.subject == "Cadarnhewch eich rhybuddion apêl yr heddlu"
        (text,) = fake.messages_to("+447400123456")
        assert text.body.startswith("Cadarnhewch rybuddion apêl yr heddlu ar gyfer Gwynedd: ")
        (bob,) = fake.messages_to("bob@example.org")
        assert bob.subject == "Confirm your police appeal alerts"
        for message in (ann, text, bob):
            link = alertsapp.link(app, message.body, "confirm")
            page = client.get(link)
            client.post(link, data={"csrf_token": alertsapp.csrf(page.text)})

        assert _publish(app, appeal) == "published"
        alert = fake.messages_to("ann@example.org")[-1]
        assert alert.subject == welsh.title and str(welsh.url) in alert.body
        assert "I roi'r gorau i'r rhybuddion hyn, dad-danysgrifiwch: " in alert.body
        sms = fake.messages_to("+447400123456")[-1]
        assert sms.body.startswith(welsh.title) and "\nAtal rhybuddion: " in sms.body
        assert sms.fragments == count(sms.body).fragments
        english = fake.messages_to("bob@example.org")[-1]
        assert english.subject == appeal.title and str(appeal.url) in english.body
        assert "To stop these alerts, unsubscribe: " in english.body

        # the Welsh unsubscribe link works as the English one does
        link = alertsapp.link(app, alert.body, "unsubscribe")
        page = client.get(link)
        gone = client.post(link, data={"csrf_token": alertsapp.csrf(page.text)})
        assert gone.status_code == 200 and "You are unsubscribed" in gone.text

        signin = client.get("/sign-in")
        client.post(
            "/sign-in",
            data={"name": "alex", "password": PASSWORD, "csrf_token": alertsapp.csrf(signin.text)},
        )
        shown = client.get("/alerts/subscribers")
        assert shown.status_code == 200
        table = re.search(r"Subscribers by language</caption>.*?</table>", shown.text, re.S)
        assert table, "no table of languages"
        cells = re.findall(r'<td class="govuk-table__cell[^"]*"[^>]*>([^<]*)</td>', table.group(0))
        assert cells == ["English", "1", "0", "Cymraeg", "1", "0"]
        assert "example.org" not in shown.text  # an author sees no addresses
