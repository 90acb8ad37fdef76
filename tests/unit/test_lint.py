"""The accessibility and safety linter: each check with a case it must flag and one it must not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from publisher.channel import Media, PlatformLimits, RenderContext, Rendition, SocialPost
from publisher.channels.x import XChannel
from publisher.channels.x.render import X_LIMITS
from publisher.domain.record import (
    Appeal,
    BulletList,
    CallToAction,
    Contact,
    ContactKind,
    ContactList,
    Heading,
    Image,
    Paragraph,
    Quote,
    Span,
    Topic,
)
from publisher.lint import Finding, has_errors, lint_appeal, lint_renditions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="module")
def sample() -> Appeal:
    return Appeal.from_json((FIXTURES / "sample.json").read_text(encoding="utf-8"))


def para(*parts: str | Span) -> Paragraph:
    return Paragraph(spans=tuple(Span(text=p) if isinstance(p, str) else p for p in parts))


def appeal(base: Appeal, *blocks: Any, **update: Any) -> Appeal:
    """``base`` with a new body (when blocks are given) and other fields replaced."""
    if blocks:
        update["body"] = tuple(blocks)
    return base.model_copy(update=update)


def phone(name: str, value: str, display: str) -> Contact:
    return Contact(name=name, kind=ContactKind.PHONE, value=value, display=display)


def codes(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


# --- The sample itself ---------------------------------------------------------------------


def test_sample_has_no_errors_and_only_the_unexplained_rank(sample: Appeal) -> None:
    findings = lint_appeal(sample)
    assert not has_errors(findings)
    assert [(f.code, f.field) for f in findings] == [("abbreviation", "body[1].speaker")]


def test_finding_to_dict_and_file(sample: Appeal) -> None:
    finding = lint_appeal(sample)[0]
    data = finding.to_dict()
    assert data["code"] == "abbreviation"
    assert data["severity"] == "warning"
    assert data["file"] == "tests/fixtures/sample.json"
    assert data["field"] == "body[1].speaker"
    assert data["line"] is None
    assert json.loads(json.dumps(data)) == data


def test_has_errors() -> None:
    warning = Finding("emoji", "warning", "m", "f")
    error = Finding("mojibake", "error", "m", "f")
    assert not has_errors([])
    assert not has_errors([warning])
    assert has_errors([warning, error])
    assert has_errors(iter([error]))


# --- Line numbers --------------------------------------------------------------------------


def test_lines_mapping_uses_the_field_or_its_nearest_parent(sample: Appeal) -> None:
    findings = lint_appeal(sample, lines={"body[1]": 12, "title": 2})
    assert findings[0].field == "body[1].speaker"
    assert findings[0].line == 12
    exact = lint_appeal(sample, lines={"body[1].speaker": 14, "body[1]": 12})
    assert exact[0].line == 14


# --- Alt text ------------------------------------------------------------------------------


def test_alt_text_missing_is_a_warning(sample: Appeal) -> None:
    image = Image(url="https://www.example.police.uk/img/sam.jpg")  # type: ignore[arg-type]
    findings = codes(lint_appeal(appeal(sample, image=image)), "alt-text-missing")
    assert [(f.severity, f.field) for f in findings] == [("warning", "image.alt")]
    assert "not be posted to social media" in findings[0].message


def test_alt_text_present_and_meaningful_passes(sample: Appeal) -> None:
    findings = lint_appeal(sample)
    assert not codes(findings, "alt-text-missing")
    assert not codes(findings, "alt-text-meaningless")


def test_no_image_no_alt_finding(sample: Appeal) -> None:
    findings = lint_appeal(appeal(sample, image=None))
    assert not [f for f in findings if f.code.startswith("alt-text")]


@pytest.mark.parametrize(
    ("alt", "reason"),
    [
        ("IMG_1234.jpg", "file name"),
        ("sam-photo.JPEG", "file name"),
        ("DSC 0042", "file name"),
        ("sam_example_smiling", "underscores"),
        ("Image of a woman smiling", "image of"),
        ("A photo of Sam on a beach", "image of"),
        ("picture of the car", "image of"),
        ("Have you seen Sam Example?", "repeats the title"),
        ("Sam", "only 3 characters"),
        ("photo", "only"),
        ("Image", "only says that there is an image"),
    ],
)
def test_meaningless_alt_text_is_an_error(sample: Appeal, alt: str, reason: str) -> None:
    image = Image(url="https://www.example.police.uk/img/sam.jpg", alt=alt)  # type: ignore[arg-type]
    findings = codes(lint_appeal(appeal(sample, image=image)), "alt-text-meaningless")
    assert len(findings) == 1
    assert findings[0].severity == "error"
    assert reason in findings[0].message
    assert has_errors(findings)


@pytest.mark.parametrize(
    "alt",
    [
        "Sam Example, a woman with short dark hair, smiling.",
        "A silver Ford Focus parked outside a shop",
        "Police officers talking to a man in a park",
    ],
)
def test_descriptive_alt_text_passes(sample: Appeal, alt: str) -> None:
    image = Image(url="https://www.example.police.uk/img/sam.jpg", alt=alt)  # type: ignore[arg-type]
    assert not codes(lint_appeal(appeal(sample, image=image)), "alt-text-meaningless")


# --- Block capitals ------------------------------------------------------------------------


def test_block_capitals_run_is_flagged_with_a_sentence_case_fix(sample: Appeal) -> None:
    body = (para("PLEASE CALL US NOW if you saw anything."),)
    findings = codes(lint_appeal(appeal(sample, *body)), "block-capitals")
    assert len(findings) == 1
    assert findings[0].severity == "warning"
    assert "'PLEASE CALL US NOW'" in findings[0].message
    assert "'Please call us now'" in findings[0].fix
    assert findings[0].field == "body[0]"


def test_all_capitals_title_is_flagged(sample: Appeal) -> None:
    findings = codes(lint_appeal(appeal(sample, title="MISSING WOMAN")), "block-capitals")
    assert [(f.field, f.severity) for f in findings] == [("title", "warning")]
    assert "'Missing woman'" in findings[0].fix


@pytest.mark.parametrize(
    "text",
    [
        "If you're deaf, you can register with emergencySMS. Text REGISTER to 999.",
        "DCI Jane Doe said the NHS and CCTV footage helped.",
        "The National LGBT+ Domestic Abuse Helpline, SMS and CCTV: PC Smith can help.",
        "Call 101 NOW.",
    ],
)
def test_single_capital_words_and_initialisms_pass(sample: Appeal, text: str) -> None:
    assert not codes(lint_appeal(appeal(sample, para(text))), "block-capitals")


def test_initialisms_do_not_make_a_run(sample: Appeal) -> None:
    findings = lint_appeal(appeal(sample, para("NHS CCTV SMS DCI LGBT+ are all fine here.")))
    assert not codes(findings, "block-capitals")
    shouty = lint_appeal(appeal(sample, para("CCTV SHOWS THE CAR LEAVING at speed.")))
    assert len(codes(shouty, "block-capitals")) == 1


# --- Emoji ---------------------------------------------------------------------------------


def test_more_than_one_emoji_in_a_paragraph_is_flagged(sample: Appeal) -> None:
    findings = codes(
        lint_appeal(appeal(sample, para("Please share this appeal 🙏 and help us find Sam ❤️"))),
        "emoji",
    )
    assert len(findings) == 1
    assert "2 emoji" in findings[0].message
    assert "folded hands" in findings[0].message


def test_emoji_in_place_of_words_is_flagged(sample: Appeal) -> None:
    findings = codes(lint_appeal(appeal(sample, para("If you saw anything 📞 101."))), "emoji")
    assert len(findings) == 1
    assert "telephone receiver" in findings[0].message
    assert "Call 101" in findings[0].fix


def test_one_emoji_at_the_end_passes(sample: Appeal) -> None:
    findings = lint_appeal(appeal(sample, para("Thank you for sharing this appeal. 💙")))
    assert not codes(findings, "emoji")
    assert not codes(lint_appeal(sample), "emoji")


def test_copyright_sign_is_not_an_emoji(sample: Appeal) -> None:
    findings = lint_appeal(appeal(sample, para("Photo © Example Constabulary ™ ®.")))
    assert not codes(findings, "emoji")


# --- Hashtags ------------------------------------------------------------------------------


def test_lower_case_hashtag_gets_a_camel_case_suggestion(sample: Appeal) -> None:
    findings = codes(lint_appeal(appeal(sample, hashtags=("youarenotalone",))), "hashtag-camelcase")
    assert len(findings) == 1
    assert findings[0].field == "hashtags[0]"
    assert "#YouAreNotAlone" in findings[0].fix


def test_hashtag_in_body_text_is_checked_once(sample: Appeal) -> None:
    body = para("Share with #findsam today."), para("Again: #findsam")
    findings = codes(lint_appeal(appeal(sample, *body, hashtags=("findsam",))), "hashtag-camelcase")
    assert len(findings) == 1
    assert findings[0].field == "body[0]"
    assert "#FindSam" in findings[0].fix


def test_all_capitals_and_first_capital_only_hashtags_are_flagged(sample: Appeal) -> None:
    findings = codes(
        lint_appeal(appeal(sample, hashtags=("STAYHOMESAVELIVES", "Knifecrime"))),
        "hashtag-camelcase",
    )
    fixes = [f.fix for f in findings]
    assert fixes == ["Write it as #StayHomeSaveLives.", "Write it as #KnifeCrime."]


def test_unreliable_split_gets_generic_advice(sample: Appeal) -> None:
    findings = codes(lint_appeal(appeal(sample, hashtags=("thinkb4youpost",))), "hashtag-camelcase")
    assert len(findings) == 1
    assert "start each word with a capital letter" in findings[0].fix


@pytest.mark.parametrize(
    "tag", ["FindSam", "YouAreNotAlone", "NHSHeroes", "police", "COVID19", "Derbyshire", "999"]
)
def test_camel_case_and_single_word_hashtags_pass(sample: Appeal, tag: str) -> None:
    assert not codes(lint_appeal(appeal(sample, hashtags=(tag,))), "hashtag-camelcase")


# --- Link text -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["click here", "here", "Read more", "this link", "More info."])
def test_vague_link_text_is_flagged(sample: Appeal, text: str) -> None:
    link = Span(text=text, href="https://www.example.police.uk/advice/")
    findings = codes(lint_appeal(appeal(sample, para("For advice", link, "."))), "link-text")
    assert len(findings) == 1
    assert findings[0].severity == "warning"
    assert f"'{text}'" in findings[0].message


def test_bare_url_as_link_text_is_flagged(sample: Appeal) -> None:
    link = Span(
        text="www.derbyshire.police.uk/advice/advice-and-information/daa/domestic-abuse/",
        href="https://www.derbyshire.police.uk/advice/advice-and-information/daa/domestic-abuse/",
    )
    findings = codes(lint_appeal(appeal(sample, para("See our website:", link))), "link-text")
    assert len(findings) == 1
    assert "bare web address" in findings[0].message


def test_unlinked_click_here_is_flagged(sample: Appeal) -> None:
    findings = lint_appeal(appeal(sample, para("Click here to report it online.")))
    assert len(codes(findings, "link-text")) == 1


def test_descriptive_link_text_passes(sample: Appeal) -> None:
    link = Span(text="advice on domestic abuse", href="https://www.example.police.uk/advice/")
    findings = lint_appeal(appeal(sample, para("Read our", link, "on our website.")))
    assert not codes(findings, "link-text")
    assert not codes(lint_appeal(sample), "link-text")  # contact lists and tel: links are fine


# --- Long sentences ------------------------------------------------------------------------


LONG = (
    "If you're already living with domestic abuse, then the current restrictions on movement "
    "to slow the spread of the virus have probably left you fearful of being isolated in the "
    "house with your abuser and as if there is nowhere to go for help."
)


def test_long_sentence_is_flagged_with_its_start_and_count(sample: Appeal) -> None:
    findings = codes(lint_appeal(appeal(sample, para(f"Help is here. {LONG}"))), "long-sentence")
    assert len(findings) == 1
    assert "has 44 words" in findings[0].message
    assert "'If you're already living with domestic abuse" in findings[0].message


def test_long_sentence_in_a_quote_names_the_quote_paragraph(sample: Appeal) -> None:
    quote = Quote(speaker="Jane Doe", paragraphs=(para("We care."), para(LONG)))
    findings = codes(lint_appeal(appeal(sample, quote)), "long-sentence")
    assert [f.field for f in findings] == ["body[0].paragraphs[1]"]


def test_sentences_of_25_words_pass(sample: Appeal) -> None:
    words = " ".join(["word"] * 24)
    assert not codes(lint_appeal(appeal(sample, para(f"{words} end."))), "long-sentence")
    assert codes(lint_appeal(appeal(sample, para(f"{words} one end."))), "long-sentence")


# --- Reading age ---------------------------------------------------------------------------


HARD = (
    "Government regulations have been introduced necessitating considerable modifications to "
    "operational procedures. Consequently, individuals experiencing difficulties should "
    "communicate immediately with specialist organisations."
)


def test_reading_age_over_nine_is_reported_with_the_hardest_paragraphs(sample: Appeal) -> None:
    body = para("Sam is missing. Call 101 if you see her."), para(HARD)
    findings = codes(lint_appeal(appeal(sample, *body)), "reading-age")
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity == "warning"
    assert finding.message.startswith("The appeal has a reading age of ")
    assert "Hardest paragraphs: body[1]" in finding.message
    assert finding.field == "body[1]"


def test_plain_appeal_has_no_reading_age_finding(sample: Appeal) -> None:
    body = para("Sam is missing. She is 34."), para("Call 101 if you see her. Thank you.")
    assert not codes(lint_appeal(appeal(sample, *body)), "reading-age")


# --- Welsh is not read with English rules ---------------------------------------------------


WELSH_HARD = (
    "Mae rheoliadau llywodraethol wedi cael eu cyflwyno sy'n golygu bod angen addasiadau "
    "sylweddol i weithdrefnau gweithredol y sefydliadau arbenigol perthnasol ledled Cymru, ac "
    "felly dylai unigolion sy'n profi anawsterau gysylltu ar unwaith â'r sefydliadau hynny."
)


@pytest.mark.parametrize("locale", ["cy_GB", "cy", "gd_GB"])
def test_an_appeal_not_in_english_gets_no_english_readability_checks(
    sample: Appeal, locale: str
) -> None:
    body = (
        para(WELSH_HARD),
        para(HARD),
        para(f"Help is here. {LONG}"),
        para("Ffoniwch y DVLA. ", Span(text="cliciwch yma", href="https://example.org/")),
    )
    english = {f.code for f in lint_appeal(appeal(sample, *body))}
    assert {"long-sentence", "reading-age"} <= english  # the same words, read as English
    welsh = lint_appeal(appeal(sample, *body, locale=locale))
    assert not {f.code for f in welsh} & {"long-sentence", "reading-age", "abbreviation"}
    # The language-neutral checks still read it.
    shouting = para("FFONIWCH 999 NAWR OS YDYCH CHI MEWN PERYGL UNIONGYRCHOL HEDDIW")
    assert codes(lint_appeal(appeal(sample, shouting, locale=locale)), "block-capitals")


def test_english_rules_are_only_the_english_ones() -> None:
    from publisher.lint._appeal import CHECKS, ENGLISH_RULES, is_english

    assert set(CHECKS) > ENGLISH_RULES
    assert [is_english(x) for x in ("en_GB", "en", "en-US", "EN_gb", "cy_GB", "gd")] == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]


# --- Abbreviations -------------------------------------------------------------------------


def test_unexplained_rank_is_flagged_once(sample: Appeal) -> None:
    body = para("DCI Jane Doe leads the inquiry."), para("DCI Doe said thank you.")
    findings = codes(lint_appeal(appeal(sample, *body)), "abbreviation")
    assert len(findings) == 1
    assert findings[0].message.startswith("DCI is not explained")
    assert findings[0].fix == "Write 'Detective Chief Inspector (DCI)' the first time."
    assert findings[0].field == "body[0]"


@pytest.mark.parametrize(
    "text",
    [
        "Detective Chief Inspector (DCI) Jane Doe leads. DCI Doe said thanks.",
        "Detective Chief Inspector Jane Doe leads. Later DCI Doe said thanks.",
        "Temporary Detective Chief Inspector Brian Bilby said so. T/Ch. Insp. Bilby added more.",
        "DCI (Detective Chief Inspector) Jane Doe leads.",
        "CCTV shows the NHS car.",
    ],
)
def test_explained_or_well_known_abbreviations_pass(sample: Appeal, text: str) -> None:
    assert not codes(lint_appeal(appeal(sample, para(text))), "abbreviation")


def test_abbreviation_in_summary_is_checked_on_its_own(sample: Appeal) -> None:
    body = para("Detective Chief Inspector Jane Doe leads the inquiry.")
    findings = codes(
        lint_appeal(appeal(sample, body, summary="DCI Jane Doe asks for help.")), "abbreviation"
    )
    assert [f.field for f in findings] == ["summary"]


# --- Mojibake ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("We know that Âcoronavirus is hard.", "Â"),
        ("It doesnâ€™t matter.", "â€™"),
        ("He said â€œhelloâ€ to us.", "â€œ"),
        ("A cafÃ© on the corner.", "Ã©"),
        ("The name was lost: J�rgen.", "�"),
    ],
)
def test_mojibake_is_an_error(sample: Appeal, text: str, bad: str) -> None:
    findings = codes(lint_appeal(appeal(sample, para(text))), "mojibake")
    assert len(findings) == 1
    assert findings[0].severity == "error"
    assert f"'{bad}" in findings[0].message
    assert findings[0].field == "body[0].spans[0].text"


def test_mojibake_fix_suggests_the_repaired_text(sample: Appeal) -> None:
    findings = codes(lint_appeal(appeal(sample, para("It doesnâ€™t matter."))), "mojibake")
    assert "doesn’t" in findings[0].fix


def test_mojibake_in_a_contact_name_is_found(sample: Appeal) -> None:
    contact = Contact(
        name="Menâ€™s Advice Line",
        kind=ContactKind.PHONE,
        value="+448088010327",
        display="0808 801 0327",
    )
    findings = codes(lint_appeal(appeal(sample, ContactList(contacts=(contact,)))), "mojibake")
    assert [f.field for f in findings] == ["body[0].contacts[0].name"]


@pytest.mark.parametrize(
    "text", ["Men’s Advice Line – “open” now…", "Café, naïve, résumé, £5, São Paulo", "Ângela"]
)
def test_good_unicode_is_not_mojibake(sample: Appeal, text: str) -> None:
    assert not codes(lint_appeal(appeal(sample, para(text))), "mojibake")


# --- Phone numbers -------------------------------------------------------------------------


def test_unparseable_phone_number_in_text_is_an_error(sample: Appeal) -> None:
    findings = codes(
        lint_appeal(appeal(sample, para("Call the Respect Phoneline on 0808 802404 for help."))),
        "phone-unparsed",
    )
    assert len(findings) == 1
    assert findings[0].severity == "error"
    assert "'0808 802404'" in findings[0].message


def test_valid_phone_numbers_pass(sample: Appeal) -> None:
    text = "Call 999 in an emergency, 101 otherwise, or the helpline on 0808 802 4040."
    assert not codes(lint_appeal(appeal(sample, para(text))), "phone-unparsed")


def test_contact_with_a_bad_value_is_an_error(sample: Appeal) -> None:
    contact = Contact(name="Helpline", kind=ContactKind.PHONE, value="+44808", display="0808")
    findings = codes(
        lint_appeal(appeal(sample, ContactList(contacts=(contact,)))), "phone-unparsed"
    )
    assert [f.field for f in findings] == ["body[0].contacts[0]"]
    assert has_errors(findings)


def test_contact_shown_and_dialled_numbers_must_agree(sample: Appeal) -> None:
    wrong = Contact(
        name="Helpline", kind=ContactKind.PHONE, value="+448082000247", display="0800 085 3481"
    )
    right = Contact(
        name="Helpline", kind=ContactKind.PHONE, value="+448082000247", display="0808 200 0247"
    )
    web = Contact(
        name="Site", kind=ContactKind.WEB, value="https://example.org/", display="example.org"
    )
    findings = lint_appeal(appeal(sample, ContactList(contacts=(wrong, right, web))))
    assert [f.field for f in codes(findings, "phone-mismatch")] == ["body[0].contacts[0]"]
    assert not codes(findings, "phone-unparsed")


# --- Title, summary, topics ----------------------------------------------------------------


def test_title_over_65_characters_is_a_warning(sample: Appeal) -> None:
    title = "Have you seen Sam Example, who has been missing from Exampletown since Friday?"
    findings = codes(lint_appeal(appeal(sample, title=title)), "title-too-long")
    assert [(f.severity, f.field) for f in findings] == [("warning", "title")]
    assert f"{len(title)} characters" in findings[0].message
    assert not codes(lint_appeal(appeal(sample, title="x" * 65)), "title-too-long")


def test_summary_over_160_characters_is_a_warning(sample: Appeal) -> None:
    summary = "We need your help. " * 9
    findings = codes(lint_appeal(appeal(sample, summary=summary)), "summary-too-long")
    assert [(f.severity, f.field) for f in findings] == [("warning", "summary")]
    assert not codes(lint_appeal(appeal(sample, summary="s" * 160)), "summary-too-long")


def test_inferred_sensitive_topic_asks_the_author_to_confirm(sample: Appeal) -> None:
    inferred = appeal(sample, inferred_topics=(Topic.DOMESTIC_ABUSE,))
    findings = codes(lint_appeal(inferred), "topics-unconfirmed")
    assert [(f.severity, f.field) for f in findings] == [("warning", "topics")]
    assert "topics: [domestic-abuse]" in findings[0].fix
    confirmed = appeal(inferred, topics=(Topic.DOMESTIC_ABUSE,))
    assert not codes(lint_appeal(confirmed), "topics-unconfirmed")


# --- Other blocks are read too ---------------------------------------------------------------


def test_headings_bullets_and_calls_to_action_are_checked(sample: Appeal) -> None:
    body = (
        Heading(text="WHAT YOU CAN DO NOW"),
        BulletList(items=(para("Call 📞 101."),)),
        CallToAction(spans=(Span(text="Share #findsam"),)),
    )
    findings = lint_appeal(appeal(sample, *body))
    assert [(f.code, f.field) for f in findings] == [
        ("block-capitals", "body[0]"),
        ("emoji", "body[1].items[0]"),
        ("hashtag-camelcase", "body[2]"),
    ]


# --- Renditions ----------------------------------------------------------------------------


OTHER = PlatformLimits(name="Other", max_weight=500, max_alt=1500)
"""Another platform's limits, as a channel for it would declare them."""
LIMITS = {"x": X_LIMITS, "other": OTHER}


def _rendition(channel: str, *posts: SocialPost) -> Rendition:
    return Rendition(
        channel=channel,
        appeal_id="missing-woman-sam-example",
        revision=1,
        posts=posts,
        limits=LIMITS.get(channel),
    )


def test_the_linter_checks_what_the_x_channel_declares(sample: Appeal) -> None:
    """One place for X's limits: the channel declares them, stamps them on its renditions,
    and the linter checks against them."""
    assert XChannel.limits is X_LIMITS
    assert (X_LIMITS.max_weight, X_LIMITS.max_alt) == (280, 1000)
    rendition = XChannel().render(sample, RenderContext())
    assert rendition.limits is X_LIMITS


def test_post_with_too_many_hashtags_and_links(sample: Appeal) -> None:
    post = SocialPost(
        text="Find Sam #FindSam #Missing #Derbyshire https://a.example/1 https://b.example/2",
        weight=100,
    )
    findings = lint_renditions(sample, [_rendition("x", post)])
    assert sorted(f.code for f in findings) == ["social-hashtags", "social-links"]
    assert all(f.severity == "warning" and f.field == "x.posts[0]" for f in findings)


def test_post_within_limits_passes(sample: Appeal) -> None:
    post = SocialPost(
        text="Have you seen Sam? Call 101. #FindSam https://www.example.police.uk/news/",
        weight=90,
        media=(Media(url="https://www.example.police.uk/img/sam.jpg", alt_text="Sam, smiling."),),
    )
    assert lint_renditions(sample, [_rendition("x", post)]) == []


def test_post_over_the_platform_weight_is_an_error(sample: Appeal) -> None:
    post = SocialPost(text="a" * 290, weight=290)
    findings = lint_renditions(sample, [_rendition("x", post)])
    assert [(f.code, f.severity) for f in findings] == [("post-too-long", "error")]
    assert lint_renditions(sample, [_rendition("other", post)]) == []


@pytest.mark.parametrize(("channel", "limit"), [("x", 1000), ("other", 1500)])
def test_alt_text_over_each_platform_limit(sample: Appeal, channel: str, limit: int) -> None:
    def post(length: int) -> SocialPost:
        media = Media(url="https://www.example.police.uk/img/sam.jpg", alt_text="a" * length)
        return SocialPost(text="Find Sam", weight=8, media=(media,))

    over = lint_renditions(sample, [_rendition(channel, post(limit + 1))])
    assert [(f.code, f.severity, f.field) for f in over] == [
        ("alt-text-too-long", "error", f"{channel}.posts[0].media[0]")
    ]
    assert lint_renditions(sample, [_rendition(channel, post(limit))]) == []


def test_post_image_without_alt_text_is_an_error(sample: Appeal) -> None:
    media = Media(url="https://www.example.police.uk/img/sam.jpg", alt_text=" ")
    findings = lint_renditions(sample, [_rendition("x", SocialPost("Find Sam", 8, (media,)))])
    assert [(f.code, f.severity) for f in findings] == [("alt-text-missing", "error")]


def test_post_emoji_and_new_hashtags_are_checked(sample: Appeal) -> None:
    post = SocialPost(text="Find Sam 🙏🙏 #findsam #missingperson", weight=40)
    findings = lint_renditions(sample, [_rendition("x", post)])
    assert sorted(f.code for f in findings) == ["emoji", "hashtag-camelcase"]
    assert "#MissingPerson" in codes(findings, "hashtag-camelcase")[0].fix


def test_file_renditions_have_no_findings(sample: Appeal) -> None:
    assert lint_renditions(sample, [Rendition(channel="web", appeal_id="a", revision=1)]) == []


# --- Real files through the importer ---------------------------------------------------------


def _seed_dir() -> Path:
    """The seeds: copied into the tests' fixtures, or in shared/ beside the repository."""
    here = Path(__file__).resolve()
    for candidate in (FIXTURES / "seeds", here.parents[3] / "shared" / "seeds"):
        if sorted(candidate.glob("*.txt")):
            return candidate
    raise AssertionError("the seed appeals are missing (tests/fixtures/seeds or ../shared/seeds)")


def test_bad_appeal_fixture_shows_each_kind_of_problem() -> None:
    from publisher.importers import load_appeal

    findings = lint_appeal(load_appeal(FIXTURES / "lint" / "bad-appeal.md").appeal)
    found = {f.code for f in findings}
    assert {
        "block-capitals",
        "emoji",
        "hashtag-camelcase",
        "long-sentence",
        "link-text",
        "abbreviation",
        "reading-age",
        "summary-too-long",
        "alt-text-meaningless",
    } <= found
    assert has_errors(findings)
    assert all(f.file and f.file.endswith("bad-appeal.md") for f in findings)


def test_the_seed_appeals_have_warnings_but_no_errors() -> None:
    from publisher.importers import load_appeal

    seeds = sorted(_seed_dir().glob("*.txt"))
    assert len(seeds) >= 2
    for seed in seeds:
        findings = lint_appeal(load_appeal(seed).appeal)
        assert not has_errors(findings), [f for f in findings if f.severity == "error"]
        assert {"long-sentence", "reading-age"} <= {f.code for f in findings}


def test_misspelt_abbreviation_names_what_was_written(sample: Appeal) -> None:
    findings = codes(
        lint_appeal(appeal(sample, para("The National LBGT+ Helpline."))), "abbreviation"
    )
    assert findings[0].message.startswith("LGBT+ (written 'LBGT+') is not explained")


def test_hostile_text_is_quoted_not_interpreted(sample: Appeal) -> None:
    hostile = '"><img src=x onerror=alert(1)> <script>alert(1)</script> ]]> &amp; \u202e'
    findings = lint_appeal(
        appeal(sample, para(f"Click here {hostile}"), title=f"WATCH OUT NOW {hostile}")
    )
    assert [f.field for f in codes(findings, "block-capitals")] == ["title"]
    link = codes(findings, "link-text")
    assert len(link) == 1
    assert "<script>alert(1)</script>" in link[0].message  # quoted as text: outputs escape
    assert json.loads(json.dumps([f.to_dict() for f in findings]))
