"""The record in more than one language: Translation, languages, in_language, the digest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from publisher.domain.record import Appeal, Translation, language_code, translatable_digest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "appeals" / "missing-leah-example.json"


def _english() -> Appeal:
    return Appeal.from_json(FIXTURE.read_bytes())


def _welsh(appeal: Appeal, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "locale": "cy_GB",
        "title": "Merch yn ei harddegau ar goll: ydych chi wedi gweld Leah?",
        "summary": "Rydym yn apelio am help i ddod o hyd i Leah Example, 15 oed.",
        "body": [
            {
                "type": "paragraph",
                "spans": [{"text": "Cafodd Leah ei gweld ddiwethaf ddydd Mawrth."}],
            }
        ],
        "image_alt": "Leah Example, merch yn ei harddegau gyda gwallt hir tywyll.",
        "hashtags": ["DodOHydILeah"],
        "source_digest": translatable_digest(appeal),
    }
    data.update(changes)
    return data


def _bilingual(**changes: Any) -> Appeal:
    english = _english()
    data = english.model_dump(mode="json")
    data["translations"] = [_welsh(english, **changes)]
    return Appeal.model_validate(data)


def test_languages_lists_the_primary_first() -> None:
    assert _english().languages == ("en_GB",)
    assert _bilingual().languages == ("en_GB", "cy_GB")


def test_in_language_puts_the_welsh_words_in_place_and_keeps_the_shared_facts() -> None:
    appeal = _bilingual()
    welsh = appeal.in_language("cy_GB")
    assert welsh.locale == "cy_GB"
    assert welsh.title.startswith("Merch yn ei harddegau")
    assert welsh.hashtags == ("DodOHydILeah",)
    assert welsh.translations == ()
    assert welsh.image is not None and appeal.image is not None
    assert welsh.image.url == appeal.image.url
    assert welsh.image.alt == "Leah Example, merch yn ei harddegau gyda gwallt hir tywyll."
    assert (welsh.published_at, welsh.area) == (appeal.published_at, appeal.area)


def test_in_language_gives_the_welsh_page_its_own_address_under_the_language_code() -> None:
    appeal = _bilingual()
    assert str(appeal.url) == "https://www.example.police.uk/news/2024/june/missing-leah-example/"
    welsh = appeal.in_language("cy_GB")
    assert str(welsh.url) == "https://www.example.police.uk/cy/news/2024/june/missing-leah-example/"
    assert welsh.path == "cy/news/2024/june/missing-leah-example/"
    assert appeal.in_language("en_GB").url == appeal.url


def test_the_derived_address_keeps_the_port_and_drops_query_and_fragment() -> None:
    data = _bilingual().model_dump(mode="json")
    data["url"] = "http://localhost:8000/news/leah?from=rss#top"
    welsh = Appeal.model_validate(data).in_language("cy_GB")
    assert str(welsh.url) == "http://localhost:8000/cy/news/leah/"


def test_the_language_code_is_the_locales_language_part_in_lower_case() -> None:
    assert language_code("cy_GB") == "cy"
    assert language_code("cy-GB") == "cy"
    assert language_code("gd") == "gd"
    data = _english().model_dump(mode="json")
    data["translations"] = [_welsh(_english(), locale="gd_GB")]
    welsh = Appeal.model_validate(data).in_language("gd_GB")
    assert welsh.path == "gd/news/2024/june/missing-leah-example/"


def test_in_language_uses_the_translations_own_url_when_given() -> None:
    url = "https://www.example.police.uk/newyddion/leah/"
    welsh = _bilingual(url=url).in_language("cy_GB")
    assert str(welsh.url) == url
    assert welsh.path == "newyddion/leah/"


def test_in_language_of_the_primary_drops_the_translations() -> None:
    appeal = _bilingual()
    english = appeal.in_language("en_GB")
    assert english.translations == ()
    assert english.model_dump(exclude={"translations"}) == appeal.model_dump(
        exclude={"translations"}
    )
    plain = _english()
    assert plain.in_language("en_GB") is plain


def test_in_language_names_a_missing_language() -> None:
    with pytest.raises(KeyError, match="no 'fr_FR' translation"):
        _bilingual().in_language("fr_FR")


def test_a_translation_in_the_primary_locale_is_refused() -> None:
    with pytest.raises(ValidationError, match="appeal's own locale"):
        _bilingual(locale="en_GB")


def test_two_translations_for_one_locale_are_refused() -> None:
    english = _english()
    data = english.model_dump(mode="json")
    data["translations"] = [_welsh(english), _welsh(english)]
    with pytest.raises(ValidationError, match="more than one translation for locale 'cy_GB'"):
        Appeal.model_validate(data)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("locale", "Welsh", "is not like 'cy_GB'"),
        ("source_digest", "abc", "64 lower-case hex"),
        ("hashtags", ["two words"], "is not one X would link"),
        ("title", "", "at least 1 character"),
    ],
)
def test_a_bad_translation_field_is_refused(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _bilingual(**{field: value})


def test_a_resolved_appeal_needs_the_resolution_in_every_language() -> None:
    english = _english()
    data = english.model_dump(mode="json")
    data.update(status="resolved", resolution="Leah has been found.")
    data["translations"] = [_welsh(english)]
    with pytest.raises(ValidationError, match="translation 'cy_GB' has none"):
        Appeal.model_validate(data)
    data["translations"] = [_welsh(english, resolution="Mae Leah wedi cael ei darganfod.")]
    assert Appeal.model_validate(data).in_language("cy_GB").resolution is not None


def test_the_digest_follows_the_words_only() -> None:
    english = _english()
    base = translatable_digest(english)
    assert len(base) == 64
    assert translatable_digest(english) == base
    data = english.model_dump(mode="json")
    later = Appeal.model_validate({**data, "updated_at": "2024-06-13T10:00:00Z", "revision": 2})
    assert translatable_digest(later) == base
    for field, value in [
        ("title", "Missing teenager: have you seen Leah Example?"),
        ("summary", "Please help us find Leah."),
        ("hashtags", ["FindLeah"]),
        ("resolution", "Leah is safe."),
        ("image", {"url": data["image"]["url"], "alt": "Leah smiling."}),
    ]:
        changed = Appeal.model_validate({**data, field: value})
        assert translatable_digest(changed) != base, field
    body = json.loads(json.dumps(data["body"]))
    body[0]["spans"][0]["text"] = "Leah was last seen on Tuesday."
    assert translatable_digest(Appeal.model_validate({**data, "body": body})) != base
    # The translations themselves are not part of the English words.
    assert translatable_digest(_bilingual()) == base


def test_json_round_trips_translations_and_a_monolingual_record_is_unchanged() -> None:
    assert _english().to_json() == FIXTURE.read_text(encoding="utf-8")
    appeal = _bilingual()
    text = appeal.to_json()
    assert '"translations": [' in text
    assert Appeal.from_json(text) == appeal


def test_translation_looks_up_by_locale() -> None:
    appeal = _bilingual()
    found = appeal.translation("cy_GB")
    assert isinstance(found, Translation) and found.locale == "cy_GB"
    assert appeal.translation("fr_FR") is None
