"""The notify rendition in every language: each translation's own words and page, the
primary's under a note for a force's language the appeal is not written in, and Notify's exact
count of each text message (Welsh letters outside GSM make it Unicode: 70, then 67 a fragment)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from publisher.channel import RenderContext
from publisher.channels.notify import NotifyChannel, count, sms_with_link
from publisher.channels.notify.channel import email_with_link
from publisher.domain.record import Appeal
from publisher.importers import load_appeal

OSIAN = Path(__file__).resolve().parents[1] / "fixtures" / "bilingual" / "missing-osian-example.md"
BILINGUAL = RenderContext(languages=("en_GB", "cy_GB"))


def _osian() -> Appeal:
    return load_appeal(OSIAN).appeal


def _payload(appeal: Appeal, context: RenderContext = BILINGUAL) -> dict[str, Any]:
    rendition = NotifyChannel().render(appeal, context)
    data: dict[str, Any] = json.loads(rendition.file(".notify.json").content)
    return data


def test_a_translation_is_its_own_alert_with_its_own_page() -> None:
    appeal = _osian()
    data = _payload(appeal)
    welsh = appeal.in_language("cy_GB")
    assert data["language"] == "en" and list(data["languages"]) == ["cy"]
    cy = data["languages"]["cy"]
    assert cy["language"] == "cy"
    assert cy["email"]["subject"] == welsh.title
    assert cy["email"]["body"].startswith(welsh.title + "\n\nCyhoeddwyd ")
    assert str(welsh.url) in cy["sms"]["body"] and "/cy/news/" in str(welsh.url)
    assert cy["sms"]["body"].startswith(welsh.title + "\n")
    assert "\nFfoniwch " in cy["sms"]["body"]
    # the primary is what it was: English words, the English page
    assert data["email"]["subject"] == appeal.title
    assert str(appeal.url) in data["sms"]["body"] and "\nCall " in data["sms"]["body"]
    assert "Cyhoeddwyd" not in data["email"]["body"]


def test_a_language_the_appeal_lacks_gets_the_primary_under_a_note() -> None:
    english_only = _osian().model_copy(update={"translations": ()})
    cy = _payload(english_only)["languages"]["cy"]
    note = "Nid yw'r wybodaeth hon ar gael yn Gymraeg."
    assert cy["email"]["body"].startswith(f"{note}\n\n{english_only.title}\n")
    assert cy["sms"]["body"].startswith(f"{note}\n{english_only.title}\n")
    assert str(english_only.url) in cy["sms"]["body"]
    # the note is GSM: it does not make the English text Unicode
    assert cy["sms"]["encoding"] == "GSM"
    # a Welsh-first force's English subscribers get the note in English
    welsh_first = _osian().in_language("cy_GB")
    en = _payload(welsh_first, RenderContext(languages=("cy_GB", "en_GB")))["languages"]["en"]
    assert en["sms"]["body"].startswith("This appeal is not available in English.\n")
    # a force in one language: nothing more in the rendition than before
    assert "languages" not in _payload(english_only, RenderContext())


def test_a_language_without_the_channels_words_gets_no_version() -> None:
    data = _payload(_osian(), RenderContext(languages=("en_GB", "cy_GB", "gd_GB")))
    assert list(data["languages"]) == ["cy"]


def test_welsh_letters_outside_gsm_are_counted_as_notify_counts_them() -> None:
    appeal = _osian()
    [tr] = appeal.translations
    title = "Dyn ar goll ger yr ŵyl: ydych chi wedi gweld Osian â'r gôt las?"
    welsh = appeal.model_copy(update={"translations": (tr.model_copy(update={"title": title}),)})
    cy = _payload(welsh)["languages"]["cy"]["sms"]
    assert cy["encoding"] == "Unicode"
    counted = count(cy["body"])
    assert (cy["characters"], cy["fragments"]) == (counted.characters, counted.fragments)
    assert counted.characters > 70 and counted.fragments == -(-counted.characters // 67)
    sent = sms_with_link(cy["body"], "https://alerts.example/alerts/unsubscribe/t", "cy")
    assert sent.endswith("\nAtal rhybuddion: https://alerts.example/alerts/unsubscribe/t")
    assert count(sent).encoding == "Unicode"


def test_the_longest_welsh_title_fits_notifys_limit_with_the_stop_line() -> None:
    appeal = _osian()
    [tr] = appeal.translations
    long = ("Gŵr ar goll " * 40).strip()[:290]
    welsh = appeal.model_copy(update={"translations": (tr.model_copy(update={"title": long}),)})
    body = _payload(welsh)["languages"]["cy"]["sms"]["body"]
    assert body.split("\n")[0] == long
    url = "https://alerts.example.police.uk/alerts/unsubscribe/" + "x" * 43
    counted = count(sms_with_link(body, url, "cy"))
    assert not counted.too_long and counted.encoding == "Unicode"
    assert counted.fragments == -(-counted.characters // 67)


def test_the_stop_lines_in_the_subscribers_language() -> None:
    url = "https://alerts.example/u/t"
    assert email_with_link("Hi\n", url) == f"Hi\n\nTo stop these alerts, unsubscribe: {url}\n"
    assert email_with_link("Helo\n", url, "cy") == (
        f"Helo\n\nI roi'r gorau i'r rhybuddion hyn, dad-danysgrifiwch: {url}\n"
    )
    assert sms_with_link("Hi", url, "gd") == f"Hi\nStop alerts: {url}"  # no words: English
