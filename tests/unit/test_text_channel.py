"""The plain-text channel: reading order, expansions, labelled numbers, no markup, SMS counts."""

from __future__ import annotations

import errno
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import emoji
import pytest

from publisher.channel import Channel, RenderContext, Rendition, Target
from publisher.channels.text import (
    WITHDRAWN_NOTICE,
    TextChannel,
    clean_text,
    sms_segments,
    spoken_time,
)
from publisher.domain.record import Appeal
from publisher.errors import PermanentPublishError, TransientPublishError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
CONTEXT = RenderContext(site_url="https://appeals.example.org/")
LONDON = ZoneInfo("Europe/London")


def make_appeal(**changes: Any) -> Appeal:
    data = json.loads(FIXTURE.read_text())
    data.update(changes)
    return Appeal.model_validate(data)


def span(text: str, **extra: Any) -> dict[str, Any]:
    return {"text": text, **extra}


def paragraph(*spans: dict[str, Any] | str) -> dict[str, Any]:
    return {
        "type": "paragraph",
        "spans": [span(s) if isinstance(s, str) else s for s in spans],
    }


def phone(name: str, value: str, display: str, kind: str = "phone") -> dict[str, Any]:
    return {"name": name, "kind": kind, "value": value, "display": display}


def text_of(appeal: Appeal) -> str:
    rendition = TextChannel().render(appeal, CONTEXT)
    [item] = rendition.files
    return item.content.decode("utf-8")


def test_is_a_channel_writing_index_txt_at_the_page_path() -> None:
    appeal = make_appeal()
    channel: Channel = TextChannel()
    assert not channel.writes_site_files and channel.limits is None
    assert (channel.name, channel.idempotent) == ("text", True)
    rendition = channel.render(appeal, CONTEXT)
    [item] = rendition.files
    assert item.path == "news/2020/october/missing-sam/index.txt"
    assert item.media_type == "text/plain; charset=utf-8"
    assert (rendition.channel, rendition.appeal_id, rendition.revision) == ("text", appeal.id, 1)


def test_sample_reads_in_order_with_labelled_numbers() -> None:
    text = text_of(make_appeal())
    assert text == (
        "Have you seen Sam Example?\n"
        "\n"
        "Published 25 October 2020 at 1:30am\n"
        "\n"
        "We are appealing for help to find Sam, 34, missing from Exampletown since Friday.\n"
        "\n"
        "Image: Sam Example, a woman with short dark hair, smiling.\n"
        "\n"
        "Sam was last seen in Example Road at 11pm on Friday 23 October.\n"
        "\n"
        "Detective Chief Inspector (DCI) Jane Doe, from the Major Crime Unit, said:\n"
        "\n"
        '"We are worried about Sam. If you see her, call 999 straight away."\n'
        "\n"
        '"Any information helps."\n'
        "\n"
        "You can help us:\n"
        "\n"
        "Call 101 quoting incident 123 of 23 October.\n"
        "If you are deaf, use our textphone on 18001 101 (Relay UK).\n"
        "\n"
        "Support is available:\n"
        "\n"
        "National Domestic Abuse Helpline: phone 0808 200 0247\n"
        "Our website: https://www.example.police.uk/advice/\n"
        "\n"
        "Share this appeal using #FindSam.\n"
        "\n"
        "Read this online: https://www.example.police.uk/news/2020/october/missing-sam/\n"
    )


def test_render_is_deterministic() -> None:
    appeal = make_appeal()
    assert TextChannel().render(appeal, CONTEXT) == TextChannel().render(appeal, CONTEXT)


def test_published_date_in_words_in_london_time() -> None:
    text = text_of(make_appeal(published_at="2020-04-02T12:53:00Z"))
    assert "\nPublished 2 April 2020 at 1:53pm\n" in text
    text = text_of(
        make_appeal(published_at="2020-01-02T12:00:00Z", updated_at="2020-01-03T00:00:00Z")
    )
    assert "\nPublished 2 January 2020 at midday\nUpdated 3 January 2020 at midnight\n" in text


def test_another_zone_is_named() -> None:
    text = text_of(make_appeal(published_at="2020-04-02T12:53:00Z", timezone="Europe/Paris"))
    assert "Published 2 April 2020 at 2:53pm (CEST)" in text


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(0, 0, "midnight"), (0, 5, "12:05am"), (9, 0, "9am"), (12, 0, "midday"), (12, 30, "12:30pm"),
     (13, 53, "1:53pm"), (23, 59, "11:59pm")],
)  # fmt: skip
def test_spoken_time(hour: int, minute: int, expected: str) -> None:
    moment = datetime(2020, 4, 2, hour, minute, tzinfo=LONDON)
    assert spoken_time(moment) == f"2 April 2020 at {expected}"


def seed_001_like() -> Appeal:
    """The shape of seed 001: a rank spelt out, then two abbreviated ranks later on."""
    body = [
        {
            "type": "quote",
            "speaker": "Temporary Detective Chief Inspector Brian Bilby",
            "role": "from our Public Protection Unit",
            "paragraphs": [paragraph("We know that this is a difficult time.")],
        },
        {
            "type": "quote",
            "speaker": "T/Ch. Insp. Bilby",
            "verb": "added",
            "paragraphs": [paragraph("You are not alone.")],
        },
        paragraph("DCI Bilby and DCI Smith said PC Ann Lee and the CID team helped."),
        {
            "type": "contacts",
            "contacts": [
                phone("National LBGT+ Domestic Abuse Helpline", "+448009995428", "0800 999 5428")
            ],
        },
        paragraph("Report it to PC Lee."),
    ]
    return make_appeal(body=body, image=None)


def test_every_rank_is_expanded_at_first_use_only() -> None:
    text = text_of(seed_001_like())
    assert (
        "Temporary Detective Chief Inspector Brian Bilby, from our Public Protection Unit, said:"
        in text
    )
    assert "Temporary Chief Inspector (T/Ch. Insp.) Bilby added:" in text
    assert (
        "Detective Chief Inspector (DCI) Bilby and DCI Smith said Police Constable (PC) Ann Lee "
        "and the Criminal Investigation Department (CID) team helped."
    ) in text
    assert "National lesbian, gay, bisexual and trans (LGBT+) Domestic Abuse Helpline: " in text
    assert "Report it to PC Lee." in text


def test_speaker_line_with_role_and_without() -> None:
    text = text_of(seed_001_like())
    assert ", from our Public Protection Unit, said:\n\n" in text
    assert 'T/Ch. Insp.) Bilby added:\n\n"You are not alone."' in text


def test_contact_kinds_are_labelled() -> None:
    contacts = [
        phone("Derby City Domestic Abuse Service", "+448000853481", "0800 085 3481"),
        phone("Police textphone", "18001101", "18001 101", kind="textphone"),
        phone("emergencySMS", "999", "999", kind="text"),
        {"name": "Our website", "kind": "web", "value": "https://x.example.uk/a/", "display": "x"},
        {"name": "Press office", "kind": "email", "value": "press@example.uk", "display": "mail"},
        {**phone("Childline", "08001111", "0800 1111"), "note": "free, 24 hours"},
    ]
    text = text_of(make_appeal(body=[{"type": "contacts", "contacts": contacts}]))
    assert (
        "Derby City Domestic Abuse Service: phone 0800 085 3481\n"
        "Police textphone: textphone (Relay UK) 18001 101\n"
        "emergencySMS: text 999\n"
        "Our website: https://x.example.uk/a/\n"
        "Press office: email press@example.uk\n"
        "Childline: phone 0800 1111 (free, 24 hours)\n"
    ) in text


def test_numbers_in_sentences_stay_readable_and_grouped() -> None:
    body = [
        paragraph(
            "If you are worried, call the Respect Phoneline,",
            span("0808 8024040", contact=phone("Respect", "+448088024040", "0808 802 4040")),
            ".",
        ),
        paragraph("Call", span("Childline", contact=phone("Childline", "08001111", "0800 1111"))),
        paragraph(
            "Textphone users can use Relay UK on",
            span("18001 101", contact=phone("Textphone", "18001101", "18001 101", "textphone")),
        ),
    ]
    text = text_of(make_appeal(body=body))
    assert "call the Respect Phoneline, 0808 802 4040.\n" in text
    assert "Call Childline (phone 0800 1111)\n" in text
    assert "Textphone users can use Relay UK on 18001 101\n" in text  # said once only


def test_numbers_run_together_are_grouped_as_on_the_web_page() -> None:
    respect = phone("Respect Phoneline", "+448088024040", "08088024040")
    body = [
        paragraph("Call", span("08088024040", contact=respect), "."),
        {"type": "contacts", "contacts": [respect]},
    ]
    text = text_of(make_appeal(body=body))
    assert "Call 0808 802 4040.\n" in text
    assert "Respect Phoneline: phone 0808 802 4040\n" in text


def test_links_are_text_then_url_and_bare_urls_once() -> None:
    body = [
        paragraph("Read", span("our advice", href="/advice/"), "today."),
        paragraph(
            "More on our website here:",
            span(
                "www.derbyshire.police.uk/advice/", href="https://www.derbyshire.police.uk/advice/"
            ),
        ),
        paragraph("Do not", span("click this", href="javascript:alert(1)"), "please."),
        paragraph("Email", span("our team", href="mailto:team@example.uk"), "now."),
    ]
    text = text_of(make_appeal(body=body))
    assert "Read our advice: https://www.example.police.uk/advice/ today.\n" in text
    assert "More on our website here: https://www.derbyshire.police.uk/advice/\n" in text
    assert "Do not click this please.\n" in text
    assert "javascript" not in text
    assert "Email our team: team@example.uk now.\n" in text


def test_bullets_are_plain_lines_ending_in_a_stop() -> None:
    body = [
        {
            "type": "bullets",
            "intro": paragraph("You can report this to us:"),
            "items": [
                paragraph("If someone is in immediate danger, call 999"),
                paragraph("- Report it online"),
                paragraph("Visit www.example.police.uk/report"),
                paragraph("Is it safe?"),
            ],
        }
    ]
    text = text_of(make_appeal(body=body))
    assert (
        "You can report this to us:\n\n"
        "If someone is in immediate danger, call 999.\n"
        "Report it online.\n"
        "Visit www.example.police.uk/report\n"
        "Is it safe?\n"
    ) in text


HOSTILE = (
    '<script>alert("x")</script> "><img src=x onerror=alert(1)> ]]> & \x00\x07\x1b '
    "🚨👮🏽‍♀️ 1️⃣ 🇬🇧 **Help** _us_ `now` [site](https://e.example/) 5 < 6"
)


def test_no_markup_markdown_emoji_or_control_characters() -> None:
    body = [
        paragraph(HOSTILE),
        {"type": "heading", "text": f"## {HOSTILE}"},
        {"type": "quote", "speaker": "DCI <b>Bo</b> 🚔", "paragraphs": [paragraph(HOSTILE)]},
        {"type": "bullets", "items": [paragraph(f"* {HOSTILE}")]},
        {"type": "call-to-action", "spans": [span(f"> {HOSTILE}")]},
        {"type": "contacts", "contacts": [phone(f"Line 📞 {HOSTILE}", "101", "101")]},
    ]
    appeal = make_appeal(
        title=f"Missing 😢 {HOSTILE}",
        summary=f"Summary 🙏 {HOSTILE}",
        body=body,
        image={"url": "https://e.example/i.jpg", "alt": f"A 📷 {HOSTILE}"},
    )
    text = text_of(appeal)
    assert "<" not in text and ">" not in text
    assert emoji.emoji_count(text) == 0
    assert not any(0xFE00 <= ord(c) <= 0xFE0F or 0x1F1E6 <= ord(c) <= 0x1F1FF for c in text)
    assert not any(ord(c) < 32 and c != "\n" for c in text)
    for symbol in ("**", "`", "##", "_us_", "](", "\n* ", "\n> ", "\n- "):
        assert symbol not in text
    assert 'alert("x") "' in text
    assert "site: https://e.example/" in text
    assert "5 less than 6" in text
    assert "Help us now" in text


def test_clean_text_keeps_ordinary_characters() -> None:
    assert clean_text("Crown copyright © 2020 – ‘quoted’ “words”…") == (
        "Crown copyright © 2020 - 'quoted' \"words\"..."
    )
    assert clean_text("a_b_c www.x.uk/a_b") == "a_b_c www.x.uk/a_b"
    assert clean_text("Stay safe 👍.") == "Stay safe."


def test_resolved_is_title_and_resolution_only() -> None:
    appeal = make_appeal(status="resolved", resolution="Sam has been found safe. Thank you.")
    assert text_of(appeal) == "Have you seen Sam Example?\n\nSam has been found safe. Thank you.\n"


def test_withdrawn_overwrites_with_a_notice() -> None:
    assert text_of(make_appeal(status="withdrawn")) == WITHDRAWN_NOTICE + "\n"


def test_summary_repeating_the_title_or_first_paragraph_is_not_read_twice() -> None:
    first = "We are raising awareness of how you can contact us."
    text = text_of(make_appeal(summary=first, body=[paragraph(first)], image=None))
    assert text.count(first) == 1
    spans = paragraph(
        "If you see her, call", span("999", contact=phone("Police", "999", "999")), "now."
    )
    text = text_of(make_appeal(summary="If you see her, call 999 now.", body=[spans]))
    assert text.count("If you see her") == 1
    text = text_of(make_appeal(summary="Have you seen Sam Example", image=None))
    assert text.count("Have you seen Sam Example") == 1


# --- SMS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "characters"),
    [
        ("", "GSM-7", 1, 0),
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 161),
        ("a" * 306, "GSM-7", 2, 306),
        ("a" * 307, "GSM-7", 3, 307),
        ("€" * 80, "GSM-7", 1, 160),  # extended characters count 2
        ("€" * 81, "GSM-7", 2, 162),
        ("a" * 152 + "[" + "a" * 10, "GSM-7", 2, 164),
        ("a" * 152 + "[" + "a" * 152, "GSM-7", 3, 306),  # "[" is not split: 152 | 2+151 | 1
        ("£ é Ñ @ ¿ \n", "GSM-7", 1, 11),
        ("ó", "UCS-2", 1, 1),
        ("ó" * 70, "UCS-2", 1, 70),
        ("ó" * 71, "UCS-2", 2, 71),
        ("ó" * 134, "UCS-2", 2, 134),
        ("ó" * 135, "UCS-2", 3, 135),
        ("😀" * 35, "UCS-2", 1, 70),  # outside the BMP: two code units each
        ("a" * 66 + "😀" + "a" * 4, "UCS-2", 2, 72),
    ],
)
def test_sms_segments(text: str, encoding: str, segments: int, characters: int) -> None:
    info = sms_segments(text)
    assert (info.encoding, info.segments, info.characters) == (encoding, segments, characters)


def test_sms_info_of_a_rendition() -> None:
    rendition = TextChannel().render(make_appeal(), CONTEXT)
    text = rendition.files[0].content.decode()
    info = TextChannel.sms_info(rendition)
    assert info == sms_segments(text[:-1])
    assert info.encoding == "GSM-7"  # typography is folded so the text stays GSM-7
    assert info.segments == -(-info.characters // 153)
    curly = make_appeal(summary="It’s “urgent” – please help…")
    assert TextChannel.sms_info(TextChannel().render(curly, CONTEXT)).encoding == "GSM-7"


# --- Publishing ------------------------------------------------------------------------------


def test_publish_writes_the_file(tmp_path: Path) -> None:
    channel = TextChannel()
    rendition = channel.render(make_appeal(), CONTEXT)
    target = Target(output_dir=tmp_path)
    receipt = channel.publish(rendition, target)
    written = tmp_path / "news/2020/october/missing-sam/index.txt"
    assert written.read_bytes() == rendition.files[0].content
    assert receipt.paths == ("news/2020/october/missing-sam/index.txt",)
    assert receipt.details == {"written": "1", "unchanged": "0", "removed": "0"}
    again = channel.publish(rendition, target)
    assert again.details["written"] == "0" and again.paths == ()
    with pytest.raises(PermanentPublishError):
        channel.publish(rendition, Target(output_dir=None))
    with pytest.raises(PermanentPublishError):
        channel.publish(Rendition(channel="web", appeal_id="x", revision=1), target)


@pytest.mark.parametrize(
    ("code", "error"),
    [(errno.ENOSPC, TransientPublishError), (errno.EACCES, PermanentPublishError)],
)
def test_publish_translates_file_system_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, error: type[Exception]
) -> None:
    def failing_write(path: Path, content: bytes) -> str | None:
        raise OSError(code, "simulated")

    monkeypatch.setattr("publisher.channel.files._staged_write", failing_write)
    channel = TextChannel()
    with pytest.raises(error) as caught:
        channel.publish(channel.render(make_appeal(), CONTEXT), Target(output_dir=tmp_path))
    assert isinstance(caught.value.__cause__, OSError)
    assert "missing-sam/index.txt" in str(caught.value)


# --- The seeds, through the importer --------------------------------------------------------

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


def seed_text(prefix: str) -> str:
    from publisher.importers import load_appeal

    [path] = SEEDS.glob(f"{prefix}_*.txt")
    return text_of(load_appeal(path).appeal)


def test_seed_000_reads_plainly() -> None:
    text = seed_text("000")
    assert "\nPublished 2 April 2020 at 1:53pm\n" in text
    assert (
        "Detective Chief Inspector (DCI) Brian Bilby, from the force's Public Protection Unit, "
        "said:\n"
    ) in text
    assert "\nDCI Bilby said that" in text  # later uses as written
    assert "Derby City Domestic Abuse Service: phone 0800 085 3481\n" in text
    assert "National lesbian, gay, bisexual and trans (LGBT+) Domestic Abuse Helpline: " in text
    assert "call 999 if you or someone else is in danger" in text
    assert "<" not in text and ">" not in text and emoji.emoji_count(text) == 0


def test_seed_001_expands_the_abbreviated_rank() -> None:
    text = seed_text("001")
    assert "\nPublished 6 November 2020 at 7:15am\n" in text
    assert (
        "Temporary Detective Chief Inspector Brian Bilby, from our Public Protection Unit" in text
    )
    assert "Temporary Chief Inspector (T/Ch. Insp.) Bilby added" in text
    assert "textphone service on 18001 101 (Relay UK)" in text
    assert "\n- " not in text and "\n * " not in text


# Quotes around a number ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        (['Call "', "101", '" quoting incident 412.'], 'Call "101" quoting incident 412.'),
        (['Call "', "101", '".'], 'Call "101".'),
        (["Call “", "101", "” now."], 'Call "101" now.'),
        (["Call ‘", "101", "’ now."], "Call '101' now."),
        (['He said "call', "999", '" twice.'], 'He said "call 999" twice.'),
        (['"Call', "999", '" and "text', "999", '".'], '"Call 999" and "text 999".'),
        (["Call (", "101", ")."], "Call (101)."),
        (["Call", "101", "now."], "Call 101 now."),  # spans without spaces still read apart
    ],
)
def test_quotes_around_a_number_get_no_spaces_inside(spans: list[str], expected: str) -> None:
    parts: list[dict[str, Any] | str] = [
        span(part, contact=phone("Police", part, part)) if part in ("101", "999") else part
        for part in spans
    ]
    text = text_of(make_appeal(body=[paragraph(*parts)]))
    assert f"\n\n{expected}\n\n" in text


# Ranks and terms, as forces write them --------------------------------------------------------

RANKS_AND_TERMS = [
    # (as written, spelled out)
    ("PC", "Police Constable"),
    ("PCSO", "Police Community Support Officer"),
    ("SC", "Special Constable"),
    ("DC", "Detective Constable"),
    ("Det. Con.", "Detective Constable"),
    ("PS", "Police Sergeant"),
    ("Sgt", "Sergeant"),
    ("Sgt.", "Sergeant"),
    ("DS", "Detective Sergeant"),
    ("Det. Sgt.", "Detective Sergeant"),
    ("D/Sgt", "Detective Sergeant"),
    ("Insp", "Inspector"),
    ("Insp.", "Inspector"),
    ("DI", "Detective Inspector"),
    ("Det Insp", "Detective Inspector"),
    ("D/Insp.", "Detective Inspector"),
    ("Ch Insp", "Chief Inspector"),
    ("Ch. Insp.", "Chief Inspector"),
    ("Chief Insp.", "Chief Inspector"),
    ("C/Insp", "Chief Inspector"),
    ("DCI", "Detective Chief Inspector"),
    ("Det. Ch. Insp.", "Detective Chief Inspector"),
    ("Supt", "Superintendent"),
    ("Supt.", "Superintendent"),
    ("Det. Supt.", "Detective Superintendent"),
    ("Det Supt", "Detective Superintendent"),
    ("D/Supt", "Detective Superintendent"),
    ("DSupt", "Detective Superintendent"),
    ("DSU", "Detective Superintendent"),
    ("Ch. Supt.", "Chief Superintendent"),
    ("C/Supt", "Chief Superintendent"),
    ("Chief Supt", "Chief Superintendent"),
    ("Det. Ch. Supt.", "Detective Chief Superintendent"),
    ("DCS", "Detective Chief Superintendent"),
    ("Cmdr", "Commander"),
    ("ACC", "Assistant Chief Constable"),
    ("DCC", "Deputy Chief Constable"),
    ("CC", "Chief Constable"),
    # Acting and temporary
    ("A/DS", "Acting Detective Sergeant"),
    ("A/Sgt", "Acting Sergeant"),
    ("A/Insp.", "Acting Inspector"),
    ("T/DCI", "Temporary Detective Chief Inspector"),
    ("T/Ch. Insp.", "Temporary Chief Inspector"),
    ("T/Det. Supt.", "Temporary Detective Superintendent"),
    ("T/Supt", "Temporary Superintendent"),
    ("A/DCC", "Acting Deputy Chief Constable"),
]
TERMS = [
    ("SIO", "senior investigating officer"),
    ("FLO", "family liaison officer"),
    ("CID", "Criminal Investigation Department"),
    ("PPU", "Public Protection Unit"),
    ("MASH", "Multi-Agency Safeguarding Hub"),
    ("MARAC", "Multi-Agency Risk Assessment Conference"),
    ("IDVA", "Independent Domestic Violence Adviser"),
    ("ISVA", "Independent Sexual Violence Adviser"),
    ("SARC", "Sexual Assault Referral Centre"),
    ("CAIT", "Child Abuse Investigation Team"),
    ("MIT", "Major Investigation Team"),
    ("RPU", "Roads Policing Unit"),
    ("PSD", "Professional Standards Department"),
    ("IOPC", "Independent Office for Police Conduct"),
    ("DSI", "death or serious injury"),
    ("PCC", "Police and Crime Commissioner"),
    ("OPCC", "Office of the Police and Crime Commissioner"),
    ("NPCC", "National Police Chiefs' Council"),
    ("BTP", "British Transport Police"),
    ("ANPR", "automatic number plate recognition"),
    ("OCG", "organised crime group"),
    ("CCE", "child criminal exploitation"),
    ("CSE", "child sexual exploitation"),
    ("VAWG", "violence against women and girls"),
    ("DVPO", "Domestic Violence Protection Order"),
    ("CPS", "Crown Prosecution Service"),
]


def test_the_table_has_at_least_forty_ranks_and_terms() -> None:
    assert len(RANKS_AND_TERMS) + len(TERMS) >= 40
    assert len({written for written, _ in RANKS_AND_TERMS + TERMS}) == len(RANKS_AND_TERMS) + len(
        TERMS
    )


@pytest.mark.parametrize(("written", "spelled"), RANKS_AND_TERMS)
def test_a_rank_is_spelled_out_at_first_use(written: str, spelled: str) -> None:
    body = [
        paragraph(f"{written} Jo Bloggs said the road will stay closed."),
        paragraph(f"{written} Bloggs thanked everyone who called."),
    ]
    text = text_of(make_appeal(body=body))
    assert f"\n\n{spelled} ({written}) Jo Bloggs said the road will stay closed.\n\n" in text
    assert f"\n\n{written} Bloggs thanked everyone who called.\n\n" in text  # once only


@pytest.mark.parametrize(("written", "spelled"), TERMS)
def test_a_term_is_spelled_out_at_first_use(written: str, spelled: str) -> None:
    body = [
        paragraph(f"Officers from the {written} are working on the case."),
        paragraph(f"The {written} will update the family."),
    ]
    text = text_of(make_appeal(body=body))
    assert f"\n\nOfficers from the {spelled} ({written}) are working on the case.\n\n" in text
    assert f"\n\nThe {written} will update the family.\n\n" in text


def test_no_emoji_is_pure_ascii() -> None:
    """The text channel skips the emoji search on ASCII text: right only while no emoji is."""
    import emoji

    assert not any(sequence.isascii() for sequence in emoji.EMOJI_DATA)


def test_no_invisible_character_is_ascii() -> None:
    """clean_text looks for invisible characters only beyond ASCII: right only while none is."""
    from publisher.channels.text import _INVISIBLE

    assert not any(_INVISIBLE.match(chr(code)) for code in range(128))
