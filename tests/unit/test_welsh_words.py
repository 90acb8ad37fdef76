"""No English of ours in Welsh output (issue 14).

Every channel's Welsh rendering of a bilingual appeal carries none of the fixed English words
the channels write into English output: labels, headings, the quote's verb, the site's name,
and the names the importer gives the contacts it recognises (999, 101…), which are facts shared
by both languages and so are named in the output's language. The list of English words is taken
from the channels' own fixed strings (never from a record), and the same reading of the English
outputs must find them, so the check reads what it should.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
from babel.messages.pofile import read_po

from publisher.bootstrap import Registry, build_registry
from publisher.channel import RenderContext
from publisher.channel.i18n import DEFAULT_SITE_NAME, chrome_for, contact_name
from publisher.channels.feeds import WITHDRAWN_DESCRIPTION
from publisher.channels.text import WITHDRAWN_NOTICE, render_text
from publisher.channels.x.lines import ENGLISH
from publisher.domain.phones import WELL_KNOWN_NAMES, known_name
from publisher.domain.record import Appeal, AppealStatus, Contact, ContactKind, translatable_digest
from publisher.importers import load_appeal, parse_appeal
from publisher.importers.inline import to_spans
from publisher.importers.structure import parse_contact_line
from publisher.settings import Settings

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "bilingual" / "missing-osian-example.md"
CATALOGUE = REPO / "publisher" / "locale" / "cy" / "LC_MESSAGES" / "web.po"
WELSH = "cy_GB"
SOCIAL = ("x", "mastodon", "bluesky", "facebook")

WITNESS = """---
title: "Witness appeal after a crash in Bangor"
organisation: Example Police
area: Gwynedd
url: https://www.example.police.uk/news/2025/march/crash-bangor-example/
published: 10:30 09/03/2025
kind: witness-appeal
hashtags: [Bangor]
---

We are appealing for witnesses after a crash on High Street, Bangor, on Saturday 8 March.

> Anyone who saw the crash should get in touch.
— Insp Sian Example, from the Roads Policing Unit

If you are deaf or cannot speak, use textphone 18001 101, or text 999 in an emergency. You can \
also call 116 123 or 0800 555 111.

Ways to contact us:

Crimestoppers - 0800 555 111 (free and anonymous)
Report online - https://www.example.police.uk/report/

--- cy
title: "Apêl am dystion ar ôl gwrthdrawiad ym Mangor"
hashtags: [Bangor]
---

Rydym yn apelio am dystion ar ôl gwrthdrawiad ar y Stryd Fawr, Bangor, ddydd Sadwrn 8 Mawrth.

> Dylai unrhyw un a welodd y gwrthdrawiad gysylltu â ni.
— Arolygydd Sian Example, o'r Uned Plismona Ffyrdd

Os ydych yn fyddar neu'n methu siarad, defnyddiwch ffôn testun 18001 101, neu anfonwch neges \
destun i 999 mewn argyfwng. Gallwch hefyd ffonio 116 123 neu 0800 555 111.

Ffyrdd o gysylltu â ni:

Taclo'r Tacle - 0800 555 111 (am ddim ac yn ddienw)
Rhoi gwybod ar-lein - https://www.example.police.uk/report/
"""
"""A second bilingual appeal with what the fixture has not: a contact list, a textphone, short
codes the importer names (999, 101 by Relay UK, 116 123, a number it can only call "Phone
number"), a witness appeal's label and a rank."""


def _catalogue() -> dict[str, str]:
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle, locale="cy")
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str)}


def _english_chrome() -> set[str]:
    """The English words the channels write of their own, where Welsh has other words."""
    catalogue = _catalogue()
    words = {
        # The text channel's.
        "Published",
        "Updated",
        "Image:",
        "Read this online:",
        WITHDRAWN_NOTICE,
        "phone",
        "textphone",
        "text",
        "email",
        # The quote's verb (text, feeds) and the feeds' titles and descriptions.
        "said:",
        "Found:",
        "Update:",
        WITHDRAWN_DESCRIPTION,
        # The social channels' (channels/x/lines.py).
        ENGLISH.who_to_contact,
        f"{ENGLISH.update}:",
        ENGLISH.aged.split("{", 1)[0].strip(),
        *(label for label, _ in ENGLISH.attention.values()),
        *ENGLISH.kind_word.values(),
        # Notify's SMS.
        "Call",
        # The site's name when none is configured.
        DEFAULT_SITE_NAME,
    }
    # The names of well-known contacts, where Welsh names them otherwise ("Samaritans" is
    # "Samariaid"; "Childline" is Childline in both).
    words |= {
        name
        for key in WELL_KNOWN_NAMES
        if (name := known_name(key)) is not None and catalogue.get(name, name) != name
    }
    # The web's own words (its catalogue's messages) that Welsh writes otherwise.
    words |= {en for en, cy in catalogue.items() if en != cy and "%(" not in en}
    return words


def _registry() -> Registry:
    return build_registry(Settings.from_env({"PUBLISHER_DATA_DIR": "var"}))


def _bilingual() -> tuple[Appeal, Appeal]:
    witness = parse_appeal(WITNESS, source="witness.md").appeal
    return load_appeal(FIXTURE).appeal, witness


def _states(appeal: Appeal) -> Iterator[Appeal]:
    """The appeal as published, updated (a second revision), resolved in both languages and
    withdrawn."""
    data: dict[str, Any] = appeal.model_dump()
    yield appeal
    later = datetime.fromisoformat("2025-03-10T12:00:00+00:00")
    yield Appeal.model_validate({**data, "revision": 2, "updated_at": later})
    yield Appeal.model_validate(
        {
            **data,
            "revision": 3,
            "updated_at": later,
            "status": "resolved",
            "resolution": "Thank you to everyone who shared our appeal.",
            "translations": [
                {**tr, "resolution": "Diolch i bawb a rannodd ein hapêl."}
                for tr in data["translations"]
            ],
        }
    )
    yield appeal.model_copy(update={"status": AppealStatus.WITHDRAWN})


_URL = re.compile(r"(?:https?://|www\.|example\.police\.uk)\S*")


def _page_texts(content: bytes) -> list[str]:
    """What a page says in its own language: its visible text (leaving out any part marked as
    in another language, such as the language switch's "English"), its title, the
    descriptions and names in its meta tags, feed links' titles, alt texts and labels."""
    doc = lxml.html.document_fromstring(content.decode("utf-8"))
    own = str(doc.get("lang")).split("-")[0]
    texts = [str(t) for t in doc.xpath("//head/title/text()")]
    texts += [str(v) for v in doc.xpath("//head/meta/@content | //head/link/@title")]
    for element in doc.xpath("//body//*"):
        lang = str(element.xpath("string(ancestor-or-self::*[@lang][1]/@lang)"))
        if element.tag in ("script", "style") or lang.split("-")[0] != own:
            continue
        texts += [str(t) for t in element.xpath("./text()")]
        texts += [str(v) for v in element.xpath("./@aria-label | ./@alt | ./@title")]
    return texts


def _feed_texts(content: bytes) -> list[str]:
    """What a feed says: every element's text, the entries' HTML read as text."""
    doc = lxml.etree.fromstring(content)
    texts = []
    for text in doc.itertext():
        inner = lxml.html.fragment_fromstring(text, create_parent="div") if "<" in text else None
        texts.append(" ".join(inner.itertext()) if inner is not None else text)
    return texts


def _outputs(appeal: Appeal, locale: str, registry: Registry, context: RenderContext) -> str:
    """Everything the channels write in ``locale`` for ``appeal`` (bilingual), as text."""
    version = appeal.in_language(locale)
    lang = locale.replace("_", "-")
    texts: list[str] = []
    for file in registry.get("web").render(appeal, context).files:
        if lxml.html.document_fromstring(file.content).get("lang") == lang:
            texts += _page_texts(file.content)
    for file in registry.get("feeds").render(appeal, context).files:
        if f"<language>{lang}</language>".encode() in file.content or (
            f'xml:lang="{lang}"'.encode() in file.content
        ):
            texts += _feed_texts(file.content)
    plain = render_text(version).encode("utf-8")
    assert plain in {f.content for f in registry.get("text").render(appeal, context).files}
    texts.append(plain.decode("utf-8"))
    for name in SOCIAL:
        channel = registry.get(name)
        texts += [p.text for p in channel.render(version, context).posts]
        if appeal.status is not AppealStatus.WITHDRAWN:
            texts += [p.text for p in channel.render_update(version, context).posts]
    for file in registry.get("notify").render(version, context).files:
        alert = json.loads(file.content)
        texts += [alert["email"]["subject"], alert["email"]["body"], alert["sms"]["body"]]
    return "\n".join(_URL.sub(" ", html.unescape(t)) for t in texts)


def _found(words: set[str], text: str) -> set[str]:
    """The words that ``text`` has as words (not inside others: "text" is not in "context")."""

    def pattern(word: str) -> str:
        before = r"(?<!\w)" if word[0].isalnum() else ""
        after = r"(?!\w)" if word[-1].isalnum() else ""
        return before + re.escape(word) + after

    return {w for w in words if re.search(pattern(w), text)}


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    """All the Welsh output and all the English output of both appeals in every state."""
    registry = _registry()
    out = {"cy": "", "en": ""}
    for appeal in _bilingual():
        assert appeal.languages == ("en_GB", WELSH)
        for state in _states(appeal):
            out["cy"] += _outputs(state, WELSH, registry, registry.context)
            out["en"] += _outputs(state, state.locale, registry, registry.context)
    return out


def test_welsh_outputs_carry_no_english_words_of_the_channels(rendered: dict[str, str]) -> None:
    assert _found(_english_chrome(), rendered["cy"]) == set()


def test_the_english_outputs_show_the_words_the_welsh_ones_must_not(
    rendered: dict[str, str],
) -> None:
    """The same reading of the English outputs finds the English words: the check above reads
    every channel's text, not nothing."""
    found = _found(_english_chrome(), rendered["en"])
    expected = {
        "Published",  # text
        "Updated",
        "Image:",
        "Read this online:",
        "said:",  # text and feeds
        "Update:",  # feeds
        "Found:",
        "phone",
        "textphone",
        "Who to contact:",  # social
        "UPDATE:",
        "Aged",
        "Witness appeal",
        "Call",  # notify
        "Police appeals",  # web and feeds
        "How to contact us",  # web
        "Telephone",
        "Emergency services",  # the importer's names
        "Police non-emergency",
        "Police textphone",
        "Samaritans",
        "Phone number",
        WITHDRAWN_NOTICE,
        WITHDRAWN_DESCRIPTION,
    }
    assert expected - found == set()


def test_welsh_outputs_name_well_known_contacts_in_welsh_and_keep_written_names(
    rendered: dict[str, str],
) -> None:
    welsh = rendered["cy"]
    for name in (
        "Gwasanaethau brys",
        "Heddlu, pan nad yw’n argyfwng",
        "Ffôn testun yr heddlu",
        "Samariaid",
        "Rhif ffôn",
        "Apeliadau’r heddlu",
        "Dywedodd Arolygydd Sian Example",  # feeds and text
        "Ffoniwch",  # notify
    ):
        assert name in welsh, name
    assert "Taclo'r Tacle" in welsh  # as the translator wrote it
    assert "Crimestoppers" in rendered["en"]


def test_the_importer_keys_the_names_it_gives_and_not_the_names_written() -> None:
    inferred = next(s.contact for s in to_spans("Call 999 now.") if s.contact is not None)
    assert (inferred.name, inferred.known) == ("Emergency services", "emergency-services")
    assert contact_name(inferred, chrome_for("cy")) == "Gwasanaethau brys"
    assert contact_name(inferred, chrome_for("en")) == "Emergency services"
    relay = next(s.contact for s in to_spans("Call 18001 116 123.") if s.contact is not None)
    assert relay.known == "samaritans+relay-uk"
    assert contact_name(relay, chrome_for("cy")) == "Samariaid (Relay UK)"
    written = parse_contact_line("Emergency services - 999")
    assert written is not None and written[0].known is None
    assert contact_name(written[0], chrome_for("cy")) == "Emergency services"


def test_a_contacts_key_is_in_its_json_only_when_set_and_never_in_the_translated_words() -> None:
    plain = Contact(name="Police", kind=ContactKind.PHONE, value="101", display="101")
    assert "known" not in plain.model_dump(mode="json")
    keyed = plain.model_copy(update={"known": "police-non-emergency"})
    assert keyed.model_dump(mode="json")["known"] == "police-non-emergency"
    assert Contact.model_validate_json(keyed.model_dump_json()) == keyed
    appeal, _ = _bilingual()
    data = json.loads(appeal.to_json())
    assert "emergency-services" in json.dumps(data)
    stripped = re.sub(r',\s*"known": "[^"]*"', "", appeal.to_json())
    assert "known" not in stripped
    assert translatable_digest(Appeal.from_json(stripped)) == translatable_digest(appeal)
    # So the fixture's translation, made before contacts had keys, is still current.
    translation = appeal.translation(WELSH)
    assert translation is not None
    assert translation.source_digest == translatable_digest(appeal)


def test_a_configured_site_name_stays_as_configured_in_welsh() -> None:
    registry = build_registry(
        Settings.from_env({"PUBLISHER_DATA_DIR": "var", "SITE_NAME": "Example Police appeals"})
    )
    appeal, _ = _bilingual()
    welsh = _outputs(appeal, WELSH, registry, registry.context)
    assert "Example Police appeals" in welsh and "Apeliadau’r heddlu" not in welsh


def test_a_welsh_sentence_that_says_textphone_gets_no_note_saying_it_again() -> None:
    registry = _registry()

    def pages(appeal: Appeal) -> dict[str, str]:
        files = registry.get("web").render(appeal, registry.context).files
        return {
            str(lxml.html.document_fromstring(f.content).get("lang")): f.content.decode("utf-8")
            for f in files
        }

    _, witness = _bilingual()
    said = pages(witness)
    assert "ffôn testun" in said["cy-GB"] and "(ffôn testun, Relay UK)" not in said["cy-GB"]
    assert "(textphone, Relay UK)" not in said["en-GB"]
    unsaid = WITNESS.replace("defnyddiwch ffôn testun 18001 101", "ffoniwch 18001 101")
    assert "(ffôn testun, Relay UK)" in pages(parse_appeal(unsaid, source="w.md").appeal)["cy-GB"]
