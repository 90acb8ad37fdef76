"""Translations in the native format, in ``publisher check`` and ``publisher translate``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.domain.record import translatable_digest
from publisher.entrypoints.cli import cli
from publisher.errors import RecordInvalid, SettingsError
from publisher.importers import load_appeal
from publisher.importers.native import mark_translations_current, parse_native
from publisher.importers.writer import write_native
from publisher.lint import lint_appeal
from publisher.settings import ENVIRONMENT_VARIABLES, Settings

FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "bilingual" / "missing-osian-example.md"
)
BILINGUAL = ("en_GB", "cy_GB")


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBLISHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "site"))
    monkeypatch.setenv("PUBLISHER_LANGUAGES", "en_GB,cy_GB")
    return tmp_path


def _codes(text: str, languages: tuple[str, ...] = BILINGUAL) -> list[str]:
    result = parse_native(text, source="appeal.md")
    return [
        f.code
        for f in lint_appeal(result.appeal, lines=result.lines, languages=languages)
        if f.code.startswith("translation")
    ]


def test_the_welsh_section_is_read_with_its_own_words_and_the_shared_facts_once() -> None:
    appeal = load_appeal(FIXTURE).appeal
    assert appeal.languages == ("en_GB", "cy_GB")
    welsh = appeal.in_language("cy_GB")
    assert welsh.title == "Dyn ar goll: ydych chi wedi gweld Osian?"
    assert welsh.summary.startswith("Rydym yn apelio am gymorth")
    assert welsh.hashtags == ("DodOHydIOsian", "Bangor")
    assert welsh.image is not None and welsh.image.alt is not None
    assert welsh.image.alt.startswith("Osian Example, dyn ifanc")
    assert {c.value for c in welsh.contacts} == {"999", "101"}
    assert welsh.published_at == appeal.published_at
    assert appeal.translations[0].source_digest == translatable_digest(appeal)


def test_the_writer_round_trips_the_welsh_section() -> None:
    appeal = load_appeal(FIXTURE).appeal
    again = parse_native(write_native(appeal), source=str(FIXTURE)).appeal
    assert again == appeal


@pytest.mark.parametrize(
    ("section", "line", "field", "message"),
    [
        (
            "--- cy\ntitle: Dyn ar goll\nplace: Bangor\n---\n\nTestun.\n",
            19,
            "translations.0.place",
            "unknown field in the cy_GB section",
        ),
        ("--- cy\nsummary: Crynodeb.\n---\n\nTestun.\n", 17, "translations.0.title", "no title"),
        ("--- cy\ntitle: Dyn ar goll\n\nTestun.\n", 17, "translations.0", "closed by a '---'"),
        ("--- cy\ntitle: Dyn ar goll\n---\n\n", 19, "translations.0.body", "body is empty"),
        (
            "--- Cymraeg\ntitle: Dyn ar goll\n---\n\nTestun.\n",
            17,
            "translations.0.locale",
            "is not like 'cy_GB'",
        ),
        ("--- en\ntitle: Missing\n---\n\nText.\n", 17, "translations", "own language"),
        (
            "--- cy\ntitle: Dyn\nsource_digest: abc\n---\n\nTestun.\n",
            19,
            "translations.0.source_digest",
            "64 lower-case hex",
        ),
    ],
)
def test_a_bad_section_is_an_error_naming_file_line_and_field(
    section: str, line: int, field: str, message: str
) -> None:
    english = FIXTURE.read_text(encoding="utf-8").split("--- cy")[0]
    head = "\n".join(english.split("\n")[:15]) + "\n"  # front matter and one paragraph
    with pytest.raises(RecordInvalid, match=message) as caught:
        parse_native(head + "\n" + section, source="appeal.md")
    assert caught.value.file == "appeal.md"
    assert caught.value.field == field
    assert caught.value.line == line


def test_two_sections_for_one_language_are_refused() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    welsh = "--- cy" + text.split("--- cy", 1)[1]
    with pytest.raises(RecordInvalid, match="more than one translation for locale 'cy_GB'"):
        parse_native(text + "\n" + welsh, source="appeal.md")


def test_check_wants_a_translation_for_every_language_of_a_bilingual_force() -> None:
    english = FIXTURE.read_text(encoding="utf-8").split("--- cy")[0]
    assert _codes(english) == ["translation-missing"]
    assert _codes(english, ("en_GB",)) == []
    assert _codes(FIXTURE.read_text(encoding="utf-8")) == []


def test_an_unmarked_translation_is_an_error_until_marked_current() -> None:
    text = "\n".join(
        line
        for line in FIXTURE.read_text(encoding="utf-8").split("\n")
        if not line.startswith("source_digest:")
    )
    assert _codes(text) == ["translation-not-marked"]
    marked, locales = mark_translations_current(text, source="appeal.md")
    assert locales == ("cy_GB",)
    assert _codes(marked) == []


def test_changing_only_the_english_makes_check_report_the_welsh_out_of_date(env: Path) -> None:
    copy = env / "osian.md"
    original = FIXTURE.read_text(encoding="utf-8")
    copy.write_text(original, encoding="utf-8")
    runner = CliRunner()
    assert "translation" not in runner.invoke(cli, ["check", str(copy)]).output

    copy.write_text(original.replace("white trainers", "black trainers", 1), encoding="utf-8")
    result = runner.invoke(cli, ["check", str(copy)])
    assert result.exit_code == 1
    assert "[translation-out-of-date] out of date: the English changed after the Welsh" in (
        result.output
    )
    assert f"{copy}:25: error" in result.output  # the '--- cy' line

    marked = runner.invoke(cli, ["translate", "--mark-current", str(copy)])
    assert marked.exit_code == 0, marked.output
    assert "marked current: cy_GB" in marked.output
    after = copy.read_text(encoding="utf-8")
    # Only the digest line changed.
    changed = [
        (a, b) for a, b in zip(after.split("\n"), original.split("\n"), strict=True) if a != b
    ]
    assert [a.split(":")[0] for a, _ in changed] == [
        "He is about 5ft 10in tall and slim, with short fair hair. He was wearing a dark blue "
        "coat, jeans and black trainers.",
        "source_digest",
    ]
    assert "translation" not in runner.invoke(cli, ["check", str(copy)]).output


def test_translate_refuses_a_file_without_sections(env: Path) -> None:
    copy = env / "english.md"
    copy.write_text(FIXTURE.read_text(encoding="utf-8").split("--- cy")[0], encoding="utf-8")
    result = CliRunner().invoke(cli, ["translate", "--mark-current", str(copy)])
    assert result.exit_code != 0
    assert "no translation sections" in result.output + str(result.stderr_bytes or b"")


def test_publisher_languages_is_checked() -> None:
    assert Settings.from_env({"PUBLISHER_LANGUAGES": "en_GB, cy_GB"}).languages == BILINGUAL
    assert Settings.from_env({}).languages == ()
    with pytest.raises(SettingsError, match="'Welsh' is not a locale"):
        Settings.from_env({"PUBLISHER_LANGUAGES": "en_GB,Welsh"})
    with pytest.raises(SettingsError, match="given twice"):
        Settings.from_env({"PUBLISHER_LANGUAGES": "cy_GB,cy_GB"})


def test_the_documented_bilingual_example_imports_and_is_current() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "record-format.md").read_text(encoding="utf-8")
    examples = [m for m in re.findall(r"```markdown\n(.*?)\n```\n", doc, re.S) if "--- cy" in m]
    assert len(examples) == 1
    assert _codes(examples[0]) == []
    appeal = parse_native(examples[0], source="doc.md").appeal
    assert appeal.in_language("cy_GB").title == "Dyn ar goll: ydych chi wedi gweld Osian?"


def test_json_as_inspect_prints_it_carries_the_translations(tmp_path: Path) -> None:
    from publisher.importers.jsonfile import parse_json

    appeal = load_appeal(FIXTURE).appeal
    assert parse_json(appeal.to_json(), source="osian.json") == appeal
    broken = appeal.to_json().replace('"Dyn ar goll: ydych chi wedi gweld Osian?"', '""', 1)
    with pytest.raises(RecordInvalid, match="at least 1 character") as caught:
        parse_json(broken, source="osian.json")
    assert caught.value.field == "translations.0.title"
    assert caught.value.line is not None
