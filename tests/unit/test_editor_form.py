"""The editor's form with translations: filled from a bilingual record and read back into the
same record; each translation a section of the one composed native file, so that an importer
error in it lands on its field in its column, naming the language; the refusals of a locale
that is not one, the primary's own and one the force does not publish in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from starlette.datastructures import FormData

from publisher.domain.record import Appeal
from publisher.entrypoints.web.appeal_form import (
    AppealForm,
    TranslationForm,
    form_field,
    labels_for,
    read_form,
)
from publisher.importers import parse_appeal
from publisher.store.appeals import same_content

OSIAN = Path(__file__).resolve().parents[1] / "fixtures" / "bilingual" / "missing-osian-example.md"
LANGUAGES = ("en_GB", "cy_GB")


def _osian() -> Appeal:
    return parse_appeal(OSIAN.read_text(encoding="utf-8"), source=str(OSIAN)).appeal


def _welsh(values: AppealForm, **changes: str) -> AppealForm:
    welsh = values.translation("cy_GB")
    assert welsh is not None
    return values.with_translations([replace(welsh, **changes)])


def test_a_bilingual_record_fills_the_form_and_reads_back_the_same() -> None:
    appeal = _osian()
    values = AppealForm.of(appeal)
    assert values.locales == ("cy_GB",)
    welsh = values.translation("cy_GB")
    assert welsh is not None and welsh.title == "Dyn ar goll: ydych chi wedi gweld Osian?"
    assert welsh.hashtags == "#DodOHydIOsian #Bangor"
    assert welsh.resolution is None  # not resolved: the form shows no resolution
    reading = read_form(values, appeal, LANGUAGES)
    assert not reading.problems, reading.problems
    assert reading.appeal is not None
    assert same_content(reading.appeal, appeal)  # the digest and every Welsh word kept


def test_the_form_as_posted_is_read_with_its_translations() -> None:
    appeal = _osian()
    values = AppealForm.of(appeal)
    welsh = values.translation("cy_GB")
    assert welsh is not None
    posted = FormData(
        [
            ("title", values.title),
            ("area", values.area),
            ("url", values.url),
            ("published", values.published),
            ("kind", values.kind),
            ("image_url", values.image_url),
            ("image_alt", values.image_alt),
            ("body", values.body),
            ("translations_shown", "yes"),
            ("translations", "cy_GB"),
            ("translations", "cy_GB"),  # twice is once
            ("cy_GB-title", "Ydych chi wedi gweld Osian?"),
            ("cy_GB-body", welsh.body),
            ("cy_GB-hashtags", "#DodOHydIOsian"),
        ]
    )
    read = AppealForm.read(posted)
    assert read.locales == ("cy_GB",) and read.translations_shown
    reading = read_form(read, appeal, LANGUAGES)
    assert reading.appeal is not None, reading.problems
    saved = reading.appeal.translation("cy_GB")
    assert saved is not None and saved.title == "Ydych chi wedi gweld Osian?"
    assert saved.hashtags == ("DodOHydIOsian",)
    assert saved.image_alt is None  # emptied in the form
    assert saved.source_digest == appeal.translations[0].source_digest  # kept, never typed


def test_a_form_that_does_not_say_keeps_the_stored_translations_and_one_that_does_drops() -> None:
    appeal = _osian()
    values = AppealForm.of(appeal)
    older = replace(values, translations=(), translations_shown=False)
    kept = read_form(older, appeal, LANGUAGES).appeal
    assert kept is not None and kept.translations == appeal.translations
    dropped = read_form(values.with_translations([]), appeal, LANGUAGES).appeal
    assert dropped is not None and dropped.translations == ()


def test_an_error_in_the_welsh_is_on_its_field_and_names_the_language() -> None:
    appeal = _osian()
    values = AppealForm.of(appeal)
    cases = {
        "cy_GB-title": (_welsh(values, title=" "), "Enter the Welsh title"),
        "cy_GB-body": (_welsh(values, body=""), "Write the Welsh text of the appeal"),
        "cy_GB-hashtags": (_welsh(values, hashtags="#Dod-O"), "Welsh hashtags: "),
    }
    for name, (form, words) in cases.items():
        reading = read_form(form, appeal, LANGUAGES)
        assert reading.appeal is None, name
        assert [p.field for p in reading.problems] == [name], (name, reading.problems)
        assert reading.problems[0].message.startswith(words), (name, reading.problems)
    quote = _welsh(values, body="Paragraff cyntaf.\n\n> Geiriau na ddywedodd neb.\n")
    problems = read_form(quote, appeal, LANGUAGES).problems
    assert [p.field for p in problems] == ["cy_GB-body"], problems
    assert problems[0].message.startswith("Welsh text of the appeal, line 3: "), problems


def test_a_line_that_would_start_another_language_is_refused_in_either_text() -> None:
    appeal = _osian()
    values = AppealForm.of(appeal)
    english = read_form(replace(values, body=values.body + "\n--- gd\n"), appeal, LANGUAGES)
    assert [p.field for p in english.problems] == ["body"]
    assert "starts another language" in english.problems[0].message
    welsh = read_form(_welsh(values, body="Testun.\n--- gd\nMwy."), appeal, LANGUAGES)
    assert [p.field for p in welsh.problems] == ["cy_GB-body"]
    assert welsh.problems[0].message.startswith("Line 2 of the Welsh text")


def test_the_locales_a_form_cannot_hold() -> None:
    appeal = _osian()
    values = AppealForm.of(appeal)
    for locale, words in (
        ("cy-GB<", "is not a language code"),
        ("en_GB", "the appeal's own language"),
        ("fr_FR", "does not publish in fr_FR: it publishes in English (en_GB), Welsh"),
    ):
        form = values.with_translations(
            [*values.translations, TranslationForm(locale, "T", "", "B")]
        )
        reading = read_form(form, appeal, LANGUAGES)
        assert reading.appeal is None, locale
        assert [p.field for p in reading.problems] == [""], locale
        assert words in reading.problems[0].message, (locale, reading.problems)
    # A language the appeal already has stays editable where the force no longer lists it.
    assert read_form(values, appeal, ("en_GB",)).appeal is not None
    # A new appeal may add only the force's languages.
    new = replace(values, appeal_id="", url="https://www.example.police.uk/news/new-osian/")
    assert read_form(new, None, LANGUAGES).appeal is not None
    assert read_form(new, None, ("en_GB",)).problems


def test_findings_of_a_translation_are_shown_in_its_column() -> None:
    locales = ("cy_GB", "gd_GB")
    assert form_field("translations.0", locales) == "cy_GB-status"
    assert form_field("translations.1.title", locales) == "gd_GB-title"
    assert form_field("translations.0.source_digest", locales) is None
    assert form_field("translations.2", locales) is None
    assert form_field("translations", locales) is None
    labels = labels_for(locales)
    assert labels["cy_GB-image_alt"] == "Image description (Welsh)"
    assert labels["gd_GB-status"] == "The Gaelic translation"
