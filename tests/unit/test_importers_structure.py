"""Body text → typed blocks: quotes, contact lists, bullets, spans (links, numbers, hashtags)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.domain.record import (
    Block,
    BulletList,
    ContactKind,
    ContactList,
    Paragraph,
    Quote,
)
from publisher.errors import RecordInvalid
from publisher.importers.inline import _EMAIL, _MAY_HOLD_URL, _URL
from publisher.importers.structure import (
    Line,
    RawBlock,
    build_body,
    find_links,
    first_sentence,
    parse_contact_line,
    to_spans,
)


def paras(*texts: str) -> list[RawBlock]:
    return [RawBlock("paragraph", (Line(text, i + 1),)) for i, text in enumerate(texts)]


def body(*texts: str, title: str = "A title") -> tuple[Block, ...]:
    return build_body(paras(*texts), title=title, source="t.txt").blocks


# Quotes ----------------------------------------------------------------------------------------


def test_multi_paragraph_quote_in_british_style() -> None:
    blocks = body(
        "DCI Brian Bilby, from the force's Public Protection Unit, said: \"We know this.",
        '"Fears over jobs could make it worse.',
        '"Please remember that you can still call 999."',
        "DCI Bilby said that while services are closed, help is available.",
    )
    quote, after = blocks
    assert isinstance(quote, Quote) and isinstance(after, Paragraph)
    assert quote.speaker == "DCI Brian Bilby"
    assert quote.role == "from the force's Public Protection Unit"
    assert quote.verb == "said"
    assert [p.text for p in quote.paragraphs] == [
        "We know this.",
        "Fears over jobs could make it worse.",
        "Please remember that you can still call 999.",
    ]
    assert after.text.startswith("DCI Bilby said that while")  # reported speech stays


def test_quote_closed_in_its_first_paragraph_with_abbreviated_rank() -> None:
    (quote, para) = body('T/Ch. Insp. Bilby added: "You are not alone."', "Call us.")
    assert isinstance(quote, Quote)
    assert (quote.speaker, quote.role, quote.verb) == ("T/Ch. Insp. Bilby", None, "added")
    assert [p.text for p in quote.paragraphs] == ["You are not alone."]
    assert isinstance(para, Paragraph) and para.text == "Call us."


def test_a_quoted_paragraph_after_a_quote_carries_it_on() -> None:
    blocks = body(
        '"This was a nasty assault," said DI Mark Pearson, of Leeds District CID.',
        '"We are keen to speak to anyone who was there.',
        '"Please get in touch."',
        '"Thank you," he added.',
    )
    quote, last = blocks
    assert isinstance(quote, Quote) and quote.speaker == "DI Mark Pearson"
    assert [p.text for p in quote.paragraphs] == [
        "This was a nasty assault.",
        "We are keen to speak to anyone who was there.",
        "Please get in touch.",
    ]
    assert isinstance(last, Paragraph) and last.text == '"Thank you," he added.'


def test_curly_quotes() -> None:
    (quote,) = body("Sgt Amy Lee, of the roads team, said: “Slow down.", "“Please.”")
    assert isinstance(quote, Quote)
    assert quote.speaker == "Sgt Amy Lee" and quote.role == "of the roads team"
    assert [p.text for p in quote.paragraphs] == ["Slow down.", "Please."]


def test_reverse_quote_forms() -> None:
    first, second, third = body(
        '"We are grateful for your help," said PC Smith.',
        '"Did anyone see him?" PC Jo Jones said.',
        '"Thank you," said Inspector Ray Ng, of the rural crime team.',
    )
    assert isinstance(first, Quote) and isinstance(second, Quote) and isinstance(third, Quote)
    assert (first.speaker, first.verb) == ("PC Smith", "said")
    assert first.paragraphs[0].text == "We are grateful for your help."
    assert second.speaker == "PC Jo Jones" and second.paragraphs[0].text == "Did anyone see him?"
    assert third.speaker == "Inspector Ray Ng" and third.role == "of the rural crime team"


@pytest.mark.parametrize(
    ("text", "speaker", "role", "verb"),
    [
        # Welsh puts the verb first, as Welsh forces write their releases.
        (
            'Dywedodd DS Gareth Jones, o Adran Ymchwiliadau Troseddol Gwynedd: "Rydym yn pryderu."',
            "DS Gareth Jones",
            "o Adran Ymchwiliadau Troseddol Gwynedd",
            "said",
        ),
        (
            'Ychwanegodd Arolygydd Siân Hughes: "Diolch i bawb."',
            "Arolygydd Siân Hughes",
            None,
            "added",
        ),
        # The English word order, with a Welsh verb.
        (
            'DS Gareth Jones, o\'r uned, meddai: "Rydym yn pryderu."',
            "DS Gareth Jones",
            "o'r uned",
            "said",
        ),
        # The quote first.
        ('"Rydym yn pryderu," meddai DS Gareth Jones.', "DS Gareth Jones", None, "said"),
    ],
)
def test_welsh_quotes_are_quotes_with_the_records_verb(
    text: str, speaker: str, role: str | None, verb: str
) -> None:
    (quote,) = body(text)
    assert isinstance(quote, Quote)
    assert (quote.speaker, quote.role, quote.verb) == (speaker, role, verb)
    assert quote.paragraphs[0].text.startswith(("Rydym yn pryderu", "Diolch i bawb"))


@pytest.mark.parametrize(
    "text",
    [
        "Dywedodd yr heddlu fod y dyn wedi ei arestio.",  # reported speech: no quotation
        'Dywedodd: "Rydym yn pryderu."',  # nobody named
    ],
)
def test_welsh_sentences_that_are_not_quotes(text: str) -> None:
    (block,) = body(text)
    assert isinstance(block, Paragraph)


def test_unclosed_quote_warns_with_the_line() -> None:
    result = build_body(paras("x", 'PC Smith said: "It was late.', "Then we left."), title="T")
    quote = result.blocks[1]
    assert isinstance(quote, Quote) and quote.paragraphs[0].text == "It was late."
    assert isinstance(result.blocks[2], Paragraph)
    (warning,) = result.warnings
    assert warning.line == 2 and "never closed" in warning.message


def test_words_after_a_closing_quote_mark_in_a_continuation() -> None:
    blocks = body('PC Smith said: "One.', '"Two." He then left the scene.')
    quote, rest = blocks
    assert isinstance(quote, Quote) and [p.text for p in quote.paragraphs] == ["One.", "Two."]
    assert isinstance(rest, Paragraph) and rest.text == "He then left the scene."


@pytest.mark.parametrize(
    "text",
    [
        'The man was arrested. Police said: "He is in custody."',  # a sentence, not a name
        'PC Smith said: "Stop." and then he left the scene without saying anything else.',
        "Police said that he was in custody.",
        'we said: "lower case start"',
    ],
)
def test_things_that_are_not_quotes(text: str) -> None:
    (block,) = body(text)
    assert isinstance(block, Paragraph)


# Contacts --------------------------------------------------------------------------------------


def test_contact_lines_become_one_list_with_intro() -> None:
    blocks = body(
        "In Derbyshire, the following services are available;",
        "Derby City Domestic Abuse Service - 0800 085 3481",
        "Men's Advice Line – 0808 801 0327",
        "Childline: 0800 1111",
        "Police — 101",
        "Sail Derbyshire - a variety of numbers are available via the website "
        "Sailderbyshire.org.uk",
        "If you're a child, call Childline on 0800 1111.",
    )
    contacts, tail = blocks
    assert isinstance(contacts, ContactList) and isinstance(tail, Paragraph)
    assert contacts.intro is not None
    assert contacts.intro.text == "In Derbyshire, the following services are available;"
    got = [(c.name, c.kind.value, c.value, c.display, c.note) for c in contacts.contacts]
    assert got == [
        ("Derby City Domestic Abuse Service", "phone", "+448000853481", "0800 085 3481", None),
        ("Men's Advice Line", "phone", "+448088010327", "0808 801 0327", None),
        ("Childline", "phone", "+448001111", "0800 1111", None),
        ("Police", "phone", "101", "101", None),
        (
            "Sail Derbyshire",
            "web",
            "https://sailderbyshire.org.uk",
            "Sailderbyshire.org.uk",
            "a variety of numbers are available via the website Sailderbyshire.org.uk",
        ),
    ]


def test_contact_lines_without_blank_lines_and_intro_on_the_first_line() -> None:
    raw = [
        RawBlock(
            "paragraph",
            (
                Line("Help is available from:", 1),
                Line("Victim Support - 0808 168 9111 (24 hours)", 2),
                Line("Email - help@example.org", 3),
                Line("Text us - 07860 022 956", 4),
            ),
        )
    ]
    (contacts,) = build_body(raw, title="T").blocks
    assert isinstance(contacts, ContactList)
    assert contacts.intro is not None and contacts.intro.text == "Help is available from:"
    support, email, text = contacts.contacts
    assert support.note == "24 hours"
    assert (email.kind, email.value) == (ContactKind.EMAIL, "help@example.org")
    assert text.kind is ContactKind.TEXT


def test_a_paragraph_that_does_not_introduce_is_not_the_intro() -> None:
    first, contacts = body("We care about you.", "Victim Support - 0808 168 9111")
    assert isinstance(first, Paragraph)
    assert isinstance(contacts, ContactList) and contacts.intro is None


@pytest.mark.parametrize(
    "line",
    [
        "DCI Smith said: visit www.example.org for more and read the advice carefully",
        "The man - who is 34 - was last seen at 11pm.",
        "Call us - it is free.",
        "Incident number: 123 of 4 May",
    ],
)
def test_lines_that_are_not_contact_lines(line: str) -> None:
    assert parse_contact_line(line) is None


# Bullets ---------------------------------------------------------------------------------------


def test_bullets_take_an_intro_ending_with_a_colon() -> None:
    raw = [
        *paras("You can report this to us:"),
        RawBlock("bullets", (Line("call 999.", 2), Line("call 101.", 3))),
        RawBlock("bullets", (Line("Text REGISTER to 999.", 5),)),
    ]
    (bullets,) = build_body(raw, title="T").blocks
    assert isinstance(bullets, BulletList)
    assert bullets.intro is not None and bullets.intro.text == "You can report this to us:"
    assert [i.text for i in bullets.items] == ["call 999.", "call 101.", "Text REGISTER to 999."]


def test_bullets_without_intro() -> None:
    raw = [*paras("Some news."), RawBlock("bullets", (Line("one", 2),))]
    para, bullets = build_body(raw, title="T").blocks
    assert isinstance(para, Paragraph) and isinstance(bullets, BulletList)
    assert bullets.intro is None


# Spans -----------------------------------------------------------------------------------------


def test_spans_keep_every_character() -> None:
    text = "Call 101, visit www.example.org/help. or email a@b.org #Share now."
    spans = to_spans(text)
    assert "".join(s.text for s in spans) == text


def test_phone_spans_carry_contacts() -> None:
    spans = to_spans("Text REGISTER to 999 or use our textphone on 18001 101.")
    linked = [(s.text, s.contact.kind.value, s.contact.value) for s in spans if s.contact]
    assert linked == [("999", "text", "999"), ("18001 101", "textphone", "18001101")]


def test_number_names_from_context() -> None:
    spans = to_spans("If you're a child, then call Childline on 0800 1111.")
    (contact,) = [s.contact for s in spans if s.contact]
    assert contact.name == "Childline"
    spans = to_spans("Call us on 0800 085 3481.")
    (contact,) = [s.contact for s in spans if s.contact]
    assert contact.name == "Phone number"


def test_invalid_numbers_stay_plain_text() -> None:
    spans = to_spans("Call 07700 900123 now.")
    assert len(spans) == 1 and spans[0].contact is None


@pytest.mark.parametrize(
    ("text", "written", "href"),
    [
        (
            "See https://example.org/a?b=1.",
            "https://example.org/a?b=1",
            "https://example.org/a?b=1",
        ),
        ("See www.example.org/advice/, please", "www.example.org/advice/", None),
        ("Visit Sailderbyshire.org.uk.", "Sailderbyshire.org.uk", "https://sailderbyshire.org.uk"),
        ("(see https://example.org/x_(y))", "https://example.org/x_(y)", None),
        ("(see www.example.org)", "www.example.org", "https://www.example.org"),
        ("Email help@example.org.", "help@example.org", "mailto:help@example.org"),
    ],
)
def test_web_and_email_addresses(text: str, written: str, href: str | None) -> None:
    ((start, end, got),) = find_links(text)
    assert text[start:end] == written
    assert got == (href or f"https://{written}" if not written.startswith("http") else written)


@pytest.mark.parametrize("text", ["e.g. this", "a file.jpg", "3.5 miles", "the end.It"])
def test_not_web_addresses(text: str) -> None:
    assert find_links(text) == []


def test_hashtags() -> None:
    spans = to_spans("Share #YouAreNotAlone and #FindSam2. Not #1 or a&#39;b.")
    assert [s.text for s in spans if s.hashtag] == ["#YouAreNotAlone", "#FindSam2"]


def test_markdown_links_and_schemes() -> None:
    spans = to_spans(
        "Read [our advice](https://example.org/a) or [call us](tel:101).", markdown=True
    )
    linked = [(s.text, s.href, s.contact.value if s.contact else None) for s in spans]
    assert ("our advice", "https://example.org/a", None) in linked
    assert ("call us", None, "101") in linked
    with pytest.raises(RecordInvalid, match="not allowed") as info:
        to_spans("[x](javascript:alert(1))", markdown=True, line=7, source="a.md")
    assert info.value.line == 7 and info.value.file == "a.md"


def test_first_sentence() -> None:
    assert first_sentence("One thing. Two things.") == "One thing."
    assert first_sentence('He said "stop." Then left.') == 'He said "stop."'
    long = "word " * 100
    assert len(first_sentence(long, limit=50)) <= 51 and first_sentence(long, 50).endswith("…")


def test_empty_body_is_an_error() -> None:
    with pytest.raises(RecordInvalid, match="empty"):
        build_body(paras("A title"), title="A title", source="t.txt")


def test_lead_in_before_the_speaker_keeps_the_paragraph_whole() -> None:
    (block,) = body('Speaking about the appeal, PC Jo Smith said: "Please help."')
    assert isinstance(block, Paragraph)
    assert block.text == 'Speaking about the appeal, PC Jo Smith said: "Please help."'


def test_speaker_forms() -> None:
    cases = {
        'A police spokesperson said: "Thanks."': ("A police spokesperson", None),
        'Chief Inspector Jo Bloggs, who leads the inquiry, said: "Thanks."': (
            "Chief Inspector Jo Bloggs",
            "who leads the inquiry",
        ),
        'Sgt Sam Fleming, from Derby, added: "Thanks."': ("Sgt Sam Fleming", "from Derby"),
        '"Thanks," said a police spokesperson.': ("a police spokesperson", None),
    }
    for text, (speaker, role) in cases.items():
        (quote,) = body(text)
        assert isinstance(quote, Quote), text
        assert (quote.speaker, quote.role) == (speaker, role), text


_ADDRESSY = st.lists(
    st.one_of(
        st.text(st.sampled_from("aZ0-.@:/wW _+K\u017f\u0131\u212a"), max_size=6),
        st.sampled_from(["www.", "://", "example", ".uk", ".com", "x@b-.com", "a.b", "WWW."]),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=500)
@given(_ADDRESSY)
def test_a_text_the_address_check_passes_over_holds_no_address(text: str) -> None:
    # find_links skips the two address patterns when _MAY_HOLD_URL finds nothing: that must
    # never hide an address either pattern would have found.
    if _MAY_HOLD_URL.search(text) is None:
        assert _URL.search(text) is None
        assert _EMAIL.search(text) is None


@settings(max_examples=500)
@given(_ADDRESSY | st.text(alphabet="aZ09-.:/wW \u0130\u0131\u017f\u212a\u00e9", max_size=8))
def test_the_address_check_in_parts_is_the_pattern(text: str) -> None:
    from publisher.importers.inline import _may_hold_url

    assert _may_hold_url(text) == (_MAY_HOLD_URL.search(text) is not None)


def test_ascii_title_comparison_is_the_pattern() -> None:
    """ASCII text is compared with the title through a translation table: it must treat each
    ASCII character as the pattern does."""
    from publisher.importers.structure import _ASCII_NOT_WORDS, _NOT_WORDS, normalise_for_compare

    for code in range(128):
        assert (_ASCII_NOT_WORDS[code] == ord(" ")) == bool(_NOT_WORDS.fullmatch(chr(code))), code
        assert chr(code).casefold() == chr(code).lower()
    assert (
        normalise_for_compare("Appeal: #Missing  man_1 (Derby)!") == "appeal #missing man_1 derby"
    )
    assert normalise_for_compare("Apêl: dyn ar goll—Derby") == "apêl dyn ar goll derby"
