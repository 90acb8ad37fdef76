"""Every input format carries a bilingual appeal (issue 14): the seed format's ``--- cy``
sections, linked translation files (seed and native), ``publisher translate --mark-current`` on
both, and a folder build that reads a linked file with its appeal, not as an appeal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from publisher.bootstrap import build_registry
from publisher.domain.record import Appeal, translatable_digest
from publisher.entrypoints.cli import cli
from publisher.errors import RecordInvalid
from publisher.importers import find_inputs, load_appeal, parse_appeal
from publisher.importers.seed import parse_seed
from publisher.settings import ENVIRONMENT_VARIABLES, Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bilingual"
NATIVE = FIXTURES / "missing-osian-example.md"
SEED = FIXTURES / "missing-osian-example.txt"
CHANNELS = ("web", "feeds", "text", "x", "mastodon", "bluesky", "facebook")
WELSH_QUOTE = "Rydym yn pryderu am Osian"
DIGEST_LINE = "source_digest: 5d86d8707c67df412db6c6786125a59222d6447699a695a8a2656c926aa83647\n"


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBLISHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "site"))
    monkeypatch.setenv("PUBLISHER_LANGUAGES", "en_GB,cy_GB")
    return tmp_path


def _dump(appeal: Appeal) -> dict[str, Any]:
    data: dict[str, Any] = appeal.model_dump(mode="json")
    data.pop("source")
    return data


def _english(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("--- cy\n")[0]


def _welsh(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("--- cy\n")[1]


# The seed format's sections ------------------------------------------------------------------


def test_the_seed_fixture_is_the_native_appeal() -> None:
    native = _dump(load_appeal(NATIVE).appeal)
    seed_result = load_appeal(SEED)
    seed = _dump(seed_result.appeal)
    assert seed_result.warnings == ()
    # The Welsh "…, meddai: "…"" line is a quote, as the native file's "> … — name" is.
    seed_quote = seed["translations"][0]["body"][3]
    assert seed_quote["type"] == "quote" and seed_quote["speaker"] == "DS Gareth Example"
    assert WELSH_QUOTE in seed_quote["paragraphs"][0]["spans"][0]["text"]
    assert seed == native
    assert seed_result.appeal.translations[0].source_digest == translatable_digest(
        seed_result.appeal
    )


def test_the_seed_fixture_renders_the_native_outputs_on_every_channel() -> None:
    registry = build_registry(
        Settings.from_env({"PUBLISHER_DATA_DIR": "var", "PUBLISHER_LANGUAGES": "en_GB,cy_GB"})
    )
    context = registry.context
    native, seed = load_appeal(NATIVE).appeal, load_appeal(SEED).appeal
    for name in CHANNELS:
        ours = {f.path: f.content for f in registry.get(name).render(seed, context).files}
        theirs = {f.path: f.content for f in registry.get(name).render(native, context).files}
        assert ours == theirs, name


def _seed_section(welsh_yaml: str, body: str = "Testun am Osian.\n") -> str:
    return _english(SEED) + "--- cy\n```yaml\n" + welsh_yaml + "```\n\n" + body


ENGLISH_LINES = _english(SEED).count("\n")
"""The ``--- cy`` line is line ENGLISH_LINES + 1."""


@pytest.mark.parametrize(
    ("welsh_yaml", "body", "offset", "field", "message"),
    [
        ("title: Dyn ar goll\narea: Conwy\n", None, 4, "translations.0.area", "gives area 'Conwy'"),
        (
            "title: Dyn ar goll\nog:\n  image: https://www.example.police.uk/other.jpg\n",
            None,
            5,
            "translations.0.og.image",
            "gives og.image",
        ),
        (
            "title: Dyn ar goll\nkind: wanted\n",
            None,
            4,
            "translations.0.kind",
            "gives kind 'wanted'",
        ),
        (
            "title: Dyn ar goll\n",
            "11:30 09/03/2025\n\nTestun.\n",
            6,
            "translations.0.published_at",
            "gives published_at",
        ),
        (
            "title: Dyn ar goll\nog:\n  locale: en_GB\n",
            None,
            5,
            "translations.0.locale",
            "the section is for cy_GB",
        ),
        ("summary: Crynodeb.\n", None, 2, "translations.0.title", "no title"),
        ("title: Dyn ar goll\n", "\n", 4, "translations.0.body", "body is empty"),
        (
            "title: Dyn\nsource_digest: abc\n",
            None,
            4,
            "translations.0.source_digest",
            "64 lower-case hex",
        ),
        (
            "title: Dyn\ntranslations: {cy: x.cy.txt}\n",
            None,
            4,
            "translations.0.translations",
            "cannot name translations of its own",
        ),
    ],
)
def test_a_bad_seed_section_is_an_error_naming_file_line_and_field(
    welsh_yaml: str, body: str | None, offset: int, field: str, message: str
) -> None:
    text = _seed_section(welsh_yaml, body if body is not None else "Testun am Osian.\n")
    with pytest.raises(RecordInvalid, match=message) as caught:
        parse_seed(text, source="appeal.txt")
    assert caught.value.file == "appeal.txt"
    assert caught.value.field == field
    assert caught.value.line == ENGLISH_LINES + offset


def test_a_seed_section_may_repeat_the_shared_facts_with_the_same_values() -> None:
    text = _seed_section(
        "title: Dyn ar goll | Heddlu Example\narea: Gwynedd\nkind: missing-person\n"
        "og:\n  image: https://www.example.police.uk/media/appeals/missing-osian-example.jpg\n"
        "  locale: cy-GB\n",  # written either way
        "10:30 09/03/2025\n\nTestun am Osian.\n",
    )
    welsh = parse_seed(text, source="appeal.txt").appeal.translations[0]
    assert welsh.title == "Dyn ar goll"  # the organisation after " | " is the English's
    assert [b.type for b in welsh.body] == ["paragraph"]


@pytest.mark.parametrize(
    ("section", "offset", "message"),
    [
        ("--- cy\ntitle: Dyn\n", 2, "starts with its own page's ```yaml metadata block"),
        ("--- cy\n```yaml\ntitle: Dyn\n", 2, "never closed"),
        ("--- cy\n", 1, "section is empty"),
        ("--- en\n```yaml\ntitle: Missing\n```\n\nText.\n", 1, "own language"),
    ],
)
def test_a_seed_section_without_its_block_or_in_the_own_language_is_refused(
    section: str, offset: int, message: str
) -> None:
    with pytest.raises(RecordInvalid, match=message) as caught:
        parse_seed(_english(SEED) + section, source="appeal.txt")
    assert caught.value.file == "appeal.txt"
    assert caught.value.line == ENGLISH_LINES + offset


def test_the_seed_section_is_read_with_the_seed_rules() -> None:
    text = _seed_section(
        "title: Dyn ar goll\nog:\n  description: Crynodeb byr.\n",
        "Cysylltwch â ni:\n\nLlinell Gymorth - 0800 085 3481\n\n"
        'PC Jones said: "Rydym yn pryderu."\n\nGwelwch www.example.org.uk am &amp; fwy. #Osian\n',
    )
    welsh = parse_seed(text, source="appeal.txt").appeal.translations[0]
    assert welsh.summary == "Crynodeb byr."
    assert [b.type for b in welsh.body] == ["contacts", "quote", "paragraph"]
    assert welsh.hashtags == ("Osian",)
    assert "& fwy" in welsh.body[2].model_dump_json()  # cleaned: the entity decoded once


# Linked files ----------------------------------------------------------------------------------


def _linked_native(folder: Path) -> Path:
    primary = folder / "osian.md"
    english = _english(NATIVE).replace(
        "hashtags: [FindOsian, Bangor]\n",
        "hashtags: [FindOsian, Bangor]\ntranslations:\n  cy: osian.cy.md\n",
    )
    primary.write_text(english.rstrip("\n") + "\n", encoding="utf-8")
    (folder / "osian.cy.md").write_text("---\n" + _welsh(NATIVE), encoding="utf-8")
    return primary


def _linked_seed(folder: Path) -> Path:
    primary = folder / "osian.txt"
    english = _english(SEED).replace(
        "kind: missing-person\n", "kind: missing-person\ntranslations: {cy: osian.cy.txt}\n"
    )
    primary.write_text(english.rstrip("\n") + "\n", encoding="utf-8")
    (folder / "osian.cy.txt").write_text(_welsh(SEED), encoding="utf-8")
    return primary


def test_a_linked_native_file_gives_the_same_appeal_as_a_section(tmp_path: Path) -> None:
    linked = load_appeal(_linked_native(tmp_path))
    assert _dump(linked.appeal) == _dump(load_appeal(NATIVE).appeal)
    assert linked.lines["translations.0"] == 13  # the 'cy: osian.cy.md' line


def test_a_linked_seed_file_gives_the_same_appeal_as_a_section(tmp_path: Path) -> None:
    assert _dump(load_appeal(_linked_seed(tmp_path)).appeal) == _dump(load_appeal(SEED).appeal)


def test_a_native_appeal_may_link_a_seed_page(tmp_path: Path) -> None:
    primary = _linked_native(tmp_path)
    (tmp_path / "osian.cy.md").unlink()
    (tmp_path / "osian.cy.txt").write_text(_welsh(SEED), encoding="utf-8")
    primary.write_text(primary.read_text().replace("osian.cy.md", "osian.cy.txt"))
    welsh = load_appeal(primary).appeal.translations[0]
    assert welsh.title == "Dyn ar goll: ydych chi wedi gweld Osian?"


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("osian.cy_GB.md", "does not exist"),
        ("/etc/osian.cy.md", "is an absolute path"),
        ("C:\\\\site\\\\osian.cy.md", "is an absolute path"),
        ("../osian.cy.md", "leads out of this file's folder"),
        ("osian.md", "is this file itself"),
        ("welsh.md", "named after it and its language"),
        ("cy/osian.cy.md", "named after it and its language"),
        ("osian.gd.md", "named after it and its language"),
    ],
)
def test_a_bad_link_is_an_error_naming_the_primary_file_and_line(
    tmp_path: Path, link: str, message: str
) -> None:
    primary = _linked_native(tmp_path)
    primary.write_text(primary.read_text().replace("cy: osian.cy.md", f'cy: "{link}"'))
    with pytest.raises(RecordInvalid, match=message) as caught:
        load_appeal(primary)
    assert caught.value.file == str(primary)
    assert caught.value.line == 13
    assert caught.value.field == "translations.cy"


@pytest.mark.parametrize(
    ("welsh", "line", "field", "message"),
    [
        ("---\ntitle: Dyn\nplace: Bangor\n---\n\nTestun.\n", 3, "translations.0.place", "unknown"),
        (
            "---\ntitle: Dyn\ntranslations: {cy: osian.md}\n---\n\nTestun.\n",
            3,
            "translations.0.translations",
            "cannot name translations of its own",
        ),
        (
            "\n---\ntitle: Dyn\nsource_digest: abc\n---\n\nTestun.\n",
            4,
            "translations.0.source_digest",
            "64 lower-case hex",
        ),
        ("---\ntitle: Dyn\n---\n\n", 3, "translations.0.body", "body is empty"),
        ("Testun.\n", 1, None, "starts with its own metadata"),
        ("```yaml\ntitle: Dyn\narea: Conwy\n```\n\nTestun.\n", 3, "translations.0.area", "Conwy"),
    ],
)
def test_an_error_in_a_linked_file_names_the_linked_file_and_line(
    tmp_path: Path, welsh: str, line: int, field: str | None, message: str
) -> None:
    primary = _linked_native(tmp_path)
    (tmp_path / "osian.cy.md").write_text(welsh, encoding="utf-8")
    with pytest.raises(RecordInvalid, match=message) as caught:
        load_appeal(primary)
    assert caught.value.file == str(tmp_path / "osian.cy.md")
    assert caught.value.line == line
    assert caught.value.field == field


def test_a_linked_file_that_is_a_symbolic_link_out_of_the_folder_is_refused(
    tmp_path: Path,
) -> None:
    (tmp_path / "appeals").mkdir()
    primary = _linked_native(tmp_path / "appeals")
    elsewhere = tmp_path / "elsewhere.md"
    (tmp_path / "appeals" / "osian.cy.md").rename(elsewhere)
    (tmp_path / "appeals" / "osian.cy.md").symlink_to(elsewhere)
    with pytest.raises(RecordInvalid, match="a link to a file in another folder") as caught:
        load_appeal(primary)
    assert (caught.value.file, caught.value.line) == (str(primary), 13)


def test_a_text_not_read_from_a_file_cannot_link(tmp_path: Path) -> None:
    text = _linked_native(tmp_path).read_text(encoding="utf-8")
    with pytest.raises(RecordInvalid, match="read only when the appeal is read from a file") as c:
        parse_appeal(text, source="editor", fmt="native")
    assert (c.value.line, c.value.field) == (12, "translations")


def test_one_language_twice_as_a_section_and_a_link_is_refused(tmp_path: Path) -> None:
    primary = _linked_native(tmp_path)
    primary.write_text(primary.read_text() + "\n--- cy\n" + _welsh(NATIVE), encoding="utf-8")
    with pytest.raises(RecordInvalid, match="more than one translation for locale 'cy_GB'"):
        load_appeal(primary)


# Marking current -------------------------------------------------------------------------------


def test_mark_current_writes_the_digest_into_the_seed_section(env: Path) -> None:
    copy = env / "osian.txt"
    original = SEED.read_text(encoding="utf-8")
    copy.write_text(original.replace(DIGEST_LINE, ""), encoding="utf-8")
    runner = CliRunner()
    before = runner.invoke(cli, ["check", str(copy)])
    assert "translation-not-marked" in before.output
    marked = runner.invoke(cli, ["translate", "--mark-current", str(copy)])
    assert marked.exit_code == 0, marked.output
    assert "marked current: cy_GB" in marked.output
    assert copy.read_text(encoding="utf-8") == original  # the first line of the Welsh block
    assert "translation" not in runner.invoke(cli, ["check", str(copy)]).output

    copy.write_text(original.replace("white trainers", "black trainers"), encoding="utf-8")
    assert "translation-out-of-date" in runner.invoke(cli, ["check", str(copy)]).output
    assert runner.invoke(cli, ["translate", "--mark-current", str(copy)]).exit_code == 0
    after = copy.read_text(encoding="utf-8")
    assert after.count("source_digest:") == 1
    assert "translation" not in runner.invoke(cli, ["check", str(copy)]).output


@pytest.mark.parametrize("make", [_linked_native, _linked_seed], ids=["native", "seed"])
def test_mark_current_on_a_linked_translation_writes_the_linked_file(env: Path, make: Any) -> None:
    primary = make(env)
    linked = next(p for p in env.iterdir() if ".cy." in p.name)
    linked.write_text(linked.read_text(encoding="utf-8").replace(DIGEST_LINE, ""), "utf-8")
    primary_text = primary.read_text(encoding="utf-8")
    runner = CliRunner()
    assert "translation-not-marked" in runner.invoke(cli, ["check", str(primary)]).output
    result = runner.invoke(cli, ["translate", "--mark-current", str(primary)])
    assert result.exit_code == 0, result.output
    assert primary.read_text(encoding="utf-8") == primary_text
    marked = linked.read_text(encoding="utf-8").split("\n")
    assert marked[1].startswith("source_digest: ")
    assert load_appeal(primary).appeal.translations[0].source_digest == translatable_digest(
        load_appeal(primary).appeal
    )
    assert "translation" not in runner.invoke(cli, ["check", str(primary)]).output
    refused = runner.invoke(cli, ["translate", "--mark-current", "--locale", "gd_GB", str(primary)])
    assert refused.exit_code != 0
    assert "no translation for gd_GB" in refused.output + str(refused.stderr_bytes or b"")


# Folders -----------------------------------------------------------------------------------------


def test_a_folder_lists_a_linked_file_with_its_appeal_only(tmp_path: Path) -> None:
    primary = _linked_native(tmp_path)
    (tmp_path / "seed").mkdir()
    seed = _linked_seed(tmp_path / "seed")
    lonely = tmp_path / "notes.cy.md"  # no notes.md beside it: an appeal file of its own
    lonely.write_text("---\n", encoding="utf-8")
    assert find_inputs([tmp_path]) == [lonely, primary, seed]


def test_a_linked_file_named_on_its_own_stands_for_its_appeal(tmp_path: Path) -> None:
    primary = _linked_native(tmp_path)
    assert find_inputs([tmp_path / "osian.cy.md", primary]) == [primary]


def test_a_folder_build_reads_the_linked_file_with_its_appeal(env: Path) -> None:
    folder = env / "appeals"
    folder.mkdir()
    _linked_native(folder)
    out = env / "site"
    result = CliRunner().invoke(cli, ["build", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    welsh = list(out.rglob("cy/**/missing-osian-example/index.html"))
    assert welsh, sorted(str(p.relative_to(out)) for p in out.rglob("*.html"))
    assert "Dyn ar goll: ydych chi wedi gweld Osian?" in welsh[0].read_text(encoding="utf-8")


def test_a_rebuild_sees_a_change_to_the_linked_file_only(env: Path) -> None:
    folder = env / "appeals"
    folder.mkdir()
    _linked_native(folder)
    out = env / "site"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(folder), "--out", str(out)]).exit_code == 0
    again = runner.invoke(cli, ["build", str(folder), "--out", str(out)])
    assert "0 appeal(s) read and rendered" in again.output  # the cache knows it
    welsh_file = folder / "osian.cy.md"
    welsh_file.write_text(
        welsh_file.read_text(encoding="utf-8").replace("Cafodd ei weld", "Gwelwyd ef"), "utf-8"
    )
    changed = runner.invoke(cli, ["build", str(folder), "--out", str(out)])
    assert changed.exit_code == 0, changed.output
    assert "1 appeal(s) read and rendered" in changed.output
    page = next(out.rglob("cy/**/missing-osian-example/index.html"))
    assert "Gwelwyd ef ddiwethaf" in page.read_text(encoding="utf-8")
