"""The web channel: structure, accessibility rules, escaping, site files and publishing.

Pages are parsed (lxml) and their structure asserted; nothing compares against a hard-coded
page, so a layout change only fails the rule it breaks.
"""

from __future__ import annotations

import errno
import itertools
import json
import posixpath
import random
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from markupsafe import Markup

from publisher.channel import Channel, RenderContext, Rendition, Target
from publisher.channels.feeds import FeedsChannel
from publisher.channels.web import WebChannel, human_time
from publisher.channels.web.views import Inline, inline_html
from publisher.domain.links import safe_href
from publisher.domain.record import (
    Appeal,
    AppealStatus,
    BulletList,
    Contact,
    ContactKind,
    ContactList,
    Image,
    Paragraph,
    Quote,
    Span,
    Topic,
)
from publisher.errors import BuildError, PermanentPublishError, TransientPublishError

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "sample.json"
CTX = RenderContext(
    site_url="https://appeals.example.org/",
    site_name="Example appeals",
    exit_url="https://www.bbc.co.uk/weather",
)
# Paths the other channels write beside ours (text: index.txt; feeds: feeds/…).
OTHER_CHANNELS = re.compile(r"(^|/)index\.txt$|^feeds/")


def sample() -> Appeal:
    return Appeal.from_json(FIXTURE.read_text(encoding="utf-8"))


def variant(base: Appeal, **update: Any) -> Appeal:
    """A copy of ``base`` with fields changed, validated like any record."""
    data = json.loads(base.to_json())
    data.update(update)
    return Appeal.model_validate(data)


def page_of(appeal: Appeal, ctx: RenderContext = CTX) -> tuple[str, Any]:
    rendition = WebChannel().render(appeal, ctx)
    assert [f.path for f in rendition.files] == [f"{appeal.path}index.html"]
    text = rendition.files[0].content.decode("utf-8")
    return text, lxml.html.document_fromstring(text)


def meta(doc: Any, key: str) -> str | None:
    found = doc.xpath(f"//meta[@property='{key}' or @name='{key}']/@content")
    assert len(found) <= 1, f"{key} appears {len(found)} times"
    return found[0] if found else None


def jsonld(doc: Any) -> dict[str, Any]:
    scripts = doc.xpath("//script[@type='application/ld+json']")
    assert len(scripts) == 1
    data: dict[str, Any] = json.loads(scripts[0].text)
    return data


def main_of(doc: Any) -> Any:
    mains = doc.xpath("//main")
    assert len(mains) == 1
    return mains[0]


def span(text: str, **kw: Any) -> dict[str, Any]:
    return {"text": text, **kw}


def para(*spans: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "spans": list(spans)}


# The page ------------------------------------------------------------------------------------


def test_the_web_channel_is_a_site_channel() -> None:
    channel: Channel = WebChannel()
    assert channel.writes_site_files and channel.can_delete and not channel.can_update
    assert channel.name == "web"
    assert channel.idempotent is True


def test_page_has_language_title_viewport_and_charset() -> None:
    text, doc = page_of(sample())
    assert text.startswith("<!DOCTYPE html>\n")
    assert doc.get("lang") == "en-GB"
    assert doc.xpath("//head/meta[1]/@charset") == ["utf-8"]
    viewport = meta(doc, "viewport") or ""
    assert "width=device-width" in viewport
    assert "maximum-scale" not in viewport and "user-scalable" not in viewport
    assert doc.findtext(".//title") == "Have you seen Sam Example? – Example Constabulary"
    assert doc.xpath("//link[@rel='canonical']/@href") == [str(sample().url)]


def test_skip_link_is_the_first_focusable_element_and_targets_main() -> None:
    _, doc = page_of(sample())
    focusable = doc.xpath("//body//*[self::a[@href] or self::button or self::input]")
    assert focusable[0].get("href") == "#main-content"
    assert "skip" in focusable[0].text_content().lower()
    assert main_of(doc).get("id") == "main-content"


def test_landmarks_breadcrumb_and_a_single_h1_with_headings_in_order() -> None:
    _, doc = page_of(sample())
    assert len(doc.xpath("//header")) == 1
    assert len(doc.xpath("//footer")) == 1
    navs = doc.xpath("//nav")
    assert [n.get("aria-label") for n in navs] == ["Breadcrumb"]
    assert [a.text_content() for a in navs[0].iter("a")] == ["Home", "Example Shire"]
    # Everything the body shows is inside a landmark (skip links excepted).
    for child in doc.body:
        assert child.tag in ("header", "footer", "div", "a"), child.tag
        if child.tag == "a":
            assert "skip-link" in child.get("class", "")
    for wrapper in doc.xpath("/html/body/div"):
        assert {c.tag for c in wrapper} <= {"nav", "main"}
    h1s = doc.xpath("//h1")
    assert [h.text_content() for h in h1s] == ["Have you seen Sam Example?"]
    levels = [int(h.tag[1]) for h in doc.xpath("//*[self::h1 or self::h2 or self::h3 or self::h4]")]
    assert levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, levels


def test_ids_are_unique() -> None:
    appeal = variant(sample(), topics=["domestic-abuse"])
    _, doc = page_of(appeal)
    ids = doc.xpath("//@id")
    assert len(ids) == len(set(ids))


def test_times_are_shown_in_the_records_zone_with_the_right_offset() -> None:
    # 00:30 UTC on 25 October 2020 is 1:30am BST; 01:30 UTC is 1:30am GMT (clocks went back).
    appeal = variant(
        sample(),
        published_at="2020-10-25T00:30:00Z",
        updated_at="2020-10-25T01:30:00Z",
        status="updated",
    )
    _, doc = page_of(appeal)
    times = main_of(doc).xpath(".//time")
    assert [(t.get("datetime"), t.text) for t in times] == [
        ("2020-10-25T01:30:00+01:00", "25 October 2020, 1:30am"),
        ("2020-10-25T01:30:00+00:00", "25 October 2020, 1:30am"),
    ]
    dates = main_of(doc).xpath(".//*[time]")[0].text_content()
    assert "Published 25 October 2020" in dates and "Updated 25 October 2020" in dates


def test_a_page_without_an_update_shows_no_updated_line() -> None:
    _, doc = page_of(sample())
    assert "Updated" not in main_of(doc).text_content()


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2020, 4, 2, 13, 53), "2 April 2020, 1:53pm"),
        (datetime(2020, 11, 6, 7, 15), "6 November 2020, 7:15am"),
        (datetime(2020, 11, 6, 7, 0), "6 November 2020, 7am"),
        (datetime(2021, 1, 1, 0, 0), "1 January 2021, midnight"),
        (datetime(2021, 1, 1, 12, 0), "1 January 2021, midday"),
        (datetime(2021, 1, 1, 12, 5), "1 January 2021, 12:05pm"),
        (datetime(2021, 1, 1, 0, 5), "1 January 2021, 12:05am"),
    ],
)
def test_human_time_follows_the_gov_uk_style(moment: datetime, expected: str) -> None:
    assert human_time(moment) == expected


def test_published_time_in_summer_and_winter() -> None:
    summer = variant(sample(), published_at="2020-04-02T12:53:00Z")
    winter = variant(sample(), published_at="2020-11-06T07:15:00Z")
    assert jsonld(page_of(summer)[1])["datePublished"] == "2020-04-02T13:53:00+01:00"
    assert jsonld(page_of(winter)[1])["datePublished"] == "2020-11-06T07:15:00+00:00"
    assert "2 April 2020, 1:53pm" in main_of(page_of(summer)[1]).text_content()


# Body blocks ---------------------------------------------------------------------------------


def test_spans_join_exactly_as_written() -> None:
    appeal = sample()
    _, doc = page_of(appeal)
    quote = next(b for b in appeal.body if isinstance(b, Quote))
    paragraphs = [p.text_content() for p in doc.xpath("//blockquote/p")]
    assert paragraphs == [p.text for p in quote.paragraphs]


def test_quote_is_a_figure_with_the_speaker_in_the_caption() -> None:
    _, doc = page_of(sample())
    figures = doc.xpath("//figure[blockquote]")
    assert len(figures) == 1
    assert figures[0].findtext("figcaption") == "DCI Jane Doe, from the Major Crime Unit"


def test_bullets_are_a_list_and_the_call_to_action_stands_out() -> None:
    appeal = sample()
    _, doc = page_of(appeal)
    bullets = next(b for b in appeal.body if isinstance(b, BulletList))
    items = doc.xpath("//main//ul[contains(concat(' ', @class, ' '), ' list-bullet ')]/li")
    assert [li.text_content() for li in items] == [p.text for p in bullets.items]
    cta = doc.xpath("//*[contains(concat(' ', @class, ' '), ' call-to-action ')]")
    assert len(cta) == 1
    assert cta[0].text_content().strip() == "Share this appeal using #FindSam."


def test_hashtags_are_text_not_links() -> None:
    _, doc = page_of(sample())
    assert "#FindSam" in main_of(doc).text_content()
    for href in doc.xpath("//a/@href"):
        assert "twitter.com" not in href and "x.com" not in href
        assert "FindSam" not in href


def test_contact_list_is_a_headed_card_of_linked_numbers() -> None:
    _, doc = page_of(sample())
    cards = doc.xpath("//*[contains(concat(' ', @class, ' '), ' contact-block ')]")
    assert len(cards) == 1
    assert cards[0].xpath("./h2")[0].text_content()
    links = cards[0].xpath(".//ul/li//a")
    assert [(a.get("href"), a.text_content()) for a in links] == [
        ("tel:+448082000247", "0808 200 0247"),
        ("https://www.example.police.uk/advice/", "www.example.police.uk/advice/"),
    ]


def test_a_sensitive_appeal_heads_its_contacts_get_help() -> None:
    _, doc = page_of(variant(sample(), topics=["domestic-abuse"]))
    assert (
        doc.xpath("//*[contains(concat(' ', @class, ' '), ' contact-block ')]/h2")[0].text_content()
        == "Get help"
    )


def test_every_contact_number_has_a_working_link() -> None:
    extra = ContactList(
        contacts=(
            Contact(name="emergencySMS", kind=ContactKind.TEXT, value="999", display="999"),
            Contact(
                name="Police textphone",
                kind=ContactKind.TEXTPHONE,
                value="18001101",
                display="18001 101",
            ),
            Contact(
                name="Respect Phoneline",
                kind=ContactKind.PHONE,
                value="+448088024040",
                display="0808 8024040",
            ),
        )
    )
    appeal = sample().model_copy(update={"body": (*sample().body, extra)})
    _, doc = page_of(appeal)
    links = {(a.get("href"), a.text_content()) for a in main_of(doc).iter("a")}
    numbers = [c for c in appeal.contacts if c.is_number]
    assert len(numbers) == 6  # the textphone appears twice: contacts are unique
    for contact in numbers:
        assert contact.tel_uri is not None
        assert any(href == contact.tel_uri for href, _ in links), contact
    assert ("sms:999", "999") in links
    assert ("tel:18001101", "18001 101") in links
    # Visible digits are grouped for reading, even where the author ran them together.
    assert ("tel:+448088024040", "0808 802 4040") in links
    textphone = doc.xpath(
        "//li[.//a[@href='tel:18001101']][contains(concat(' ', @class, ' '), ' contact ')]"
    )
    assert "Relay UK" in textphone[0].text_content()


def test_an_inline_textphone_number_says_what_it_is_when_the_sentence_does_not() -> None:
    body = [
        para(
            span("Deaf people can use "),
            span(
                "18001 101",
                contact={
                    "name": "Police textphone",
                    "kind": "textphone",
                    "value": "18001101",
                    "display": "18001 101",
                },
            ),
            span("."),
        )
    ]
    _, doc = page_of(variant(sample(), body=body))
    paragraph = main_of(doc).xpath(".//article/p[a]")[0]
    assert paragraph.text_content() == "Deaf people can use 18001 101 (textphone, Relay UK)."


def test_bare_web_addresses_show_without_their_scheme() -> None:
    body = [
        para(
            span("More advice: "),
            span(
                "https://www.example.police.uk/advice/",
                href="https://www.example.police.uk/advice/",
            ),
        )
    ]
    _, doc = page_of(variant(sample(), body=body))
    link = main_of(doc).xpath(".//article//a[starts-with(@href, 'https:')]")[0]
    assert link.text_content() == "www.example.police.uk/advice/"
    assert link.get("href") == "https://www.example.police.uk/advice/"


def test_vague_link_text_is_replaced_by_the_address() -> None:
    body = [
        para(
            span("For advice "),
            span("click here", href="https://www.example.police.uk/advice/"),
            span(" or write to "),
            span("this", href="mailto:help@example.org"),
            span("."),
        )
    ]
    _, doc = page_of(variant(sample(), body=body))
    links = main_of(doc).xpath(".//article//a")
    assert [(a.get("href"), a.text_content()) for a in links] == [
        ("https://www.example.police.uk/advice/", "www.example.police.uk/advice/"),
        ("mailto:help@example.org", "help@example.org"),
    ]


def test_a_link_to_the_plain_text_version_sits_beside_the_page() -> None:
    _, doc = page_of(sample())
    links = doc.xpath("//main//a[@href='index.txt']")
    assert len(links) == 1
    assert "plain text" in links[0].text_content()


def test_no_third_party_resources_are_loaded() -> None:
    # The one exception is a missing person's (or wanted person's) own photo, from where the
    # force publishes it, requested without a referrer (see the photo tests below).
    _, doc = page_of(variant(sample(), topics=["stalking"], kind="advice"))
    assert doc.xpath("//img | //iframe | //video | //audio | //object | //embed") == []
    _, doc = page_of(variant(sample(), topics=["stalking"]))
    assert doc.xpath("//iframe | //video | //audio | //object | //embed") == []
    (photo,) = doc.xpath("//img")
    assert photo.get("src") == str(sample().image.url if sample().image else "")
    assert photo.get("referrerpolicy") == "no-referrer"
    for src in doc.xpath("//script/@src"):
        assert not re.match(r"^[a-z]+:|^//", src), src
    for link in doc.xpath("//link[@rel='stylesheet' or @rel='preload' or @rel='icon']/@href"):
        assert not re.match(r"^[a-z]+:|^//", link), link
    assert (
        "@import"
        not in WebChannel().render_site([sample()], CTX).file("style.css").content.decode()
    )


# Head metadata -------------------------------------------------------------------------------


def test_open_graph_and_twitter_tags_use_absolute_urls() -> None:
    appeal = sample()
    _, doc = page_of(appeal)
    assert meta(doc, "og:title") == appeal.title
    assert meta(doc, "og:description") == appeal.summary
    assert meta(doc, "og:type") == "article"
    assert meta(doc, "og:url") == str(appeal.url)
    assert meta(doc, "og:image") == "https://www.example.police.uk/img/sam.jpg"
    assert meta(doc, "og:image:alt") == "Sam Example, a woman with short dark hair, smiling."
    assert meta(doc, "og:locale") == "en_GB"
    assert meta(doc, "og:site_name") == CTX.site_name
    assert meta(doc, "twitter:card") == "summary_large_image"
    assert meta(doc, "twitter:image:alt") == "Sam Example, a woman with short dark hair, smiling."
    for key in ("og:url", "og:image", "twitter:image"):
        assert (meta(doc, key) or "").startswith("https://")


def test_without_an_image_the_card_is_a_summary_and_no_image_tags() -> None:
    _, doc = page_of(variant(sample(), image=None))
    assert meta(doc, "twitter:card") == "summary"
    assert meta(doc, "og:image") is None
    assert meta(doc, "og:image:alt") is None
    assert "image" not in jsonld(doc)


def test_an_image_without_alt_text_has_no_alt_tags() -> None:
    _, doc = page_of(variant(sample(), image={"url": "https://example.org/x.jpg", "alt": None}))
    assert meta(doc, "og:image") == "https://example.org/x.jpg"
    assert meta(doc, "og:image:alt") is None
    assert meta(doc, "twitter:image:alt") is None


def test_json_ld_is_a_news_article_with_offsets() -> None:
    appeal = variant(sample(), updated_at="2020-11-02T09:00:00Z", status="updated")
    _, doc = page_of(appeal)
    data = jsonld(doc)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == appeal.title
    assert data["datePublished"] == "2020-10-25T01:30:00+01:00"
    assert data["dateModified"] == "2020-11-02T09:00:00+00:00"
    assert data["author"] == {"@type": "Organization", "name": "Example Constabulary"}
    assert data["publisher"] == data["author"]
    assert data["image"] == ["https://www.example.police.uk/img/sam.jpg"]
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": str(appeal.url)}
    for key in ("datePublished", "dateModified"):
        assert datetime.fromisoformat(data[key]).utcoffset() is not None


# A page in another language -------------------------------------------------------------------


def welsh(**changes: Any) -> Appeal:
    body = json.loads(sample().to_json())["body"]
    body[0] = para(span("Gwelwyd Sam ddiwethaf yn Heol Example am 11pm nos Wener 23 Hydref."))
    relay = {
        "name": "Ffôn testun",
        "kind": "textphone",
        "value": "18001101",
        "display": "18001 101",
    }
    body.append(para(span("Ffoniwch "), span("18001 101", contact=relay), span(".")))
    fields: dict[str, Any] = {
        "locale": "cy_GB",
        "title": "Ydych chi wedi gweld Sam Example?",
        "summary": "Rydym yn apelio am help i ddod o hyd i Sam, 34, sydd ar goll ers dydd Gwener.",
        "area": "Sir Enghraifft",
        "body": body,
        "topics": ["stalking"],  # the exit button and the warning too
    }
    fields.update(changes)
    return variant(sample(), **fields)


def _lang_of(element: Any) -> str | None:
    while element is not None:
        if element.get("lang") is not None:
            return str(element.get("lang"))
        element = element.getparent()
    return None


def _text_in(doc: Any, words: str) -> Any:
    found = [el for el in doc.xpath("//body//*") if words in "".join(el.xpath("./text()"))]
    assert found, words
    return found[0]


OUR_WORDS = [
    "Skip to main content",
    "Exit this page",
    "Missing person",
    "Published",
    "If you are in danger, call",
    "How to browse more safely",
    "Get help",  # a sensitive topic's contact heading
    "Telephone:",
    "(textphone, Relay UK)",  # the note after a number in a sentence
    "Read this page as plain text",
    "Home",
    "All appeals",
    "In an emergency, call",
]


# Welsh has a catalogue (publisher/locale/cy), so a Welsh page's words are all Welsh (see
# tests/unit/test_web_languages.py). A language with none, Scottish Gaelic here, keeps our words
# English and marks them so.
NO_CATALOGUE = "gd_GB"


def test_a_page_in_a_language_without_a_catalogue_marks_our_english_words_as_english() -> None:
    appeal = welsh(locale=NO_CATALOGUE)
    _, doc = page_of(appeal)
    assert doc.xpath("/html/@lang") == ["gd-GB"]
    for words in OUR_WORDS:
        assert _lang_of(_text_in(doc, words)) == "en", words
    # The record's words are in the page's language: nothing marks them English.
    for words in (
        appeal.title,
        "Gwelwyd Sam ddiwethaf",
        "Sir Enghraifft",  # the area, a breadcrumb among English ones
        "DCI Jane Doe",
        "National Domestic Abuse Helpline",
    ):
        assert _lang_of(_text_in(doc, words)) == "gd-GB", words
    (img,) = doc.xpath("//main//img")
    assert _lang_of(img) == "gd-GB"  # its alt text is the record's
    assert doc.xpath("//nav[@aria-label='Breadcrumb']/@lang") == ["en"]


def test_an_english_page_has_no_lang_attributes_but_the_documents() -> None:
    text, doc = page_of(variant(sample(), topics=["stalking"]))
    assert doc.xpath("//@lang") == ["en-GB"]
    assert ' lang="en"' not in text
    site = WebChannel().render_site([welsh()], CTX)
    for item in site.files:
        if item.path.endswith(".html"):
            assert b' lang="en"' not in item.content, item.path


def test_a_resolved_page_without_a_catalogue_marks_found_as_english() -> None:
    appeal = welsh(
        locale=NO_CATALOGUE,
        status="resolved",
        resolution="Mae Sam wedi cael ei chanfod yn ddiogel.",
    )
    _, doc = page_of(appeal)
    assert _lang_of(_text_in(doc, "Found")) == "en"
    assert _lang_of(_text_in(doc, "Mae Sam wedi cael ei chanfod")) == "gd-GB"


# The person's photo ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["missing-person", "wanted"])
def test_a_missing_or_wanted_persons_photo_is_near_the_top_with_its_alt_text(kind: str) -> None:
    appeal = variant(sample(), kind=kind)
    _, doc = page_of(appeal)
    main = main_of(doc)
    (img,) = main.xpath(".//img")
    assert appeal.image is not None
    assert img.get("src") == str(appeal.image.url)
    assert img.get("alt") == appeal.image.alt
    # Under the heading and the dates, before any of the appeal's text.
    order = [el for el in main.iter() if el.tag in ("h1", "img", "p", "figure", "ul", "h2")]
    assert [el.tag for el in order][:1] == ["p"]  # the caption ("Missing person")
    tags = [el.tag for el in order]
    assert tags.index("h1") < tags.index("img")
    first_block = main.xpath(".//p[contains(., 'Example Road')]")[0]
    assert order.index(img) < order.index(first_block)
    # No size is forced on it: the style sheet keeps its proportions.
    assert img.get("width") is None and img.get("height") is None
    assert img.get("style") is None


def test_the_photo_is_never_stretched_and_never_wider_than_the_column() -> None:
    css = WebChannel().render_site([sample()], CTX).file("style.css").content.decode()
    rule = re.search(r"\.appeal__photo img \{([^}]*)\}", css)
    assert rule is not None
    declarations = dict(
        (part.split(":", 1)[0].strip(), part.split(":", 1)[1].strip())
        for part in rule.group(1).split(";")
        if ":" in part
    )
    assert declarations["max-width"] == "100%"
    assert declarations["width"] == "auto" and declarations["height"] == "auto"
    assert "max-height" in declarations


@pytest.mark.parametrize("kind", ["appeal", "witness-appeal", "advice", "news"])
def test_other_kinds_show_no_photo(kind: str) -> None:
    # Their share image is usually the force's card for social sites, not a person.
    _, doc = page_of(variant(sample(), kind=kind))
    assert doc.xpath("//img") == []
    assert meta(doc, "og:image") == "https://www.example.police.uk/img/sam.jpg"


def test_a_photo_without_alt_text_is_not_shown_and_the_rendition_says_why() -> None:
    appeal = variant(sample(), image={"url": "https://example.org/x.jpg", "alt": "  "})
    rendition = WebChannel().render(appeal, CTX)
    doc = lxml.html.document_fromstring(rendition.files[0].content.decode())
    assert doc.xpath("//img") == []
    assert any("photo has no alt text" in warning for warning in rendition.warnings)
    assert not any("photo" in w for w in WebChannel().render(sample(), CTX).warnings)


def test_a_photo_from_an_unsafe_address_is_not_shown() -> None:
    appeal = variant(sample(), image={"url": 'https://example.org/a"onerror="x.jpg', "alt": "A"})
    text, doc = page_of(appeal)
    for img in doc.xpath("//img"):
        assert img.get("onerror") is None
        assert img.get("src", "").startswith("https://example.org/")
    assert 'onerror="' not in text


# Resolved and withdrawn ------------------------------------------------------------------------


def test_a_resolved_appeal_shows_the_resolution_and_nothing_personal() -> None:
    appeal = variant(sample(), status="resolved", resolution="Sam has been found safe and well.")
    text, doc = page_of(appeal)
    main = main_of(doc)
    assert doc.xpath("//h1")[0].text_content() == appeal.title
    assert "Sam has been found safe and well." in main.text_content()
    assert "Example Road" not in text
    assert "DCI Jane Doe" not in text
    assert appeal.summary not in text
    assert meta(doc, "robots") == "noindex"
    assert meta(doc, "og:image") is None
    assert meta(doc, "twitter:image") is None
    assert meta(doc, "og:description") == appeal.resolution
    assert "image" not in jsonld(doc)
    assert "sam.jpg" not in text
    assert main.xpath(".//img") == []
    assert main.xpath(".//a[starts-with(@href, 'tel:')]") == []
    # A missing person's page says they were found.
    assert [h.text_content() for h in main.xpath(".//h2[@class='panel__title']")] == ["Found"]


def test_a_resolved_appeal_of_another_kind_says_resolved() -> None:
    appeal = variant(sample(), kind="wanted", status="resolved", resolution="Man arrested.")
    _, doc = page_of(appeal)
    assert [h.text_content() for h in doc.xpath("//h2[@class='panel__title']")] == ["Resolved"]
    assert doc.xpath("//img") == []


def test_an_active_appeal_is_indexable() -> None:
    _, doc = page_of(sample())
    assert meta(doc, "robots") is None


def test_a_withdrawn_appeal_renders_a_removal_and_publishing_deletes_the_page(
    tmp_path: Path,
) -> None:
    channel = WebChannel()
    live = sample()
    channel.publish(channel.render(live, CTX), Target(output_dir=tmp_path))
    page = tmp_path / live.path / "index.html"
    assert page.is_file()
    withdrawn = variant(live, status="withdrawn", revision=2)
    rendition = channel.render(withdrawn, CTX)
    assert rendition.files == ()
    assert rendition.removals == (f"{live.path}index.html",)
    receipt = channel.publish(rendition, Target(output_dir=tmp_path))
    assert not page.exists()
    assert receipt.paths == (f"{live.path}index.html",)
    again = channel.publish(rendition, Target(output_dir=tmp_path))
    assert again.paths == ()


# Exit this page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["topics", "inferred_topics"])
def test_a_sensitive_appeal_has_exit_this_page(field: str) -> None:
    appeal = variant(sample(), **{field: [Topic.DOMESTIC_ABUSE.value]})
    assert appeal.sensitive
    _, doc = page_of(appeal)
    exits = doc.xpath("//a[normalize-space(.)='Exit this page' or .//text()='Exit this page']")
    assert len(exits) == 2
    for link in exits:
        assert link.get("href") == CTX.exit_url
        assert {"nofollow", "noreferrer"} <= set(link.get("rel", "").split())
    button = doc.xpath("//main//a[contains(concat(' ', @class, ' '), ' exit-this-page ')]")
    assert len(button) == 1
    skip = doc.xpath("//header/a[contains(concat(' ', @class, ' '), ' skip-link ')]")
    assert skip and skip[0].text_content() == "Exit this page"
    focusable = doc.xpath("//body//a[@href]")
    assert focusable[0].get("href") == "#main-content"
    assert focusable[1] is skip[0]
    live = doc.xpath("//*[@aria-live]")
    assert len(live) == 1 and live[0].get("id") == "exit-this-page-status"
    safety = doc.xpath("//main//a[normalize-space(.)='How to browse more safely']/@href")
    assert safety == ["../../../../safety/index.html"]
    scripts = doc.xpath("//script[@src]/@src")
    assert scripts == ["../../../../assets/exit-this-page.js"]


def _warnings(doc: Any) -> list[Any]:
    return list(doc.xpath("//main//div[@class='warning-text']"))


def _check_danger_warning(warning: Any) -> None:
    # The GOV.UK warning text: an icon screen readers skip, then "Warning:" and the words.
    (icon,) = warning.xpath("./span[@class='warning-text__icon']")
    assert icon.get("aria-hidden") == "true"
    (words,) = warning.xpath("./strong[@class='warning-text__text']")
    assert words.xpath("./span[@class='visually-hidden']")[0].text_content() == "Warning: "
    assert " ".join(words.text_content().split()) == "Warning: If you are in danger, call 999."
    assert words.xpath(".//a/@href") == ["tel:999"]


@pytest.mark.parametrize("topic", sorted(t.value for t in Topic))
def test_a_sensitive_appeal_warns_call_999_near_the_top(topic: str) -> None:
    appeal = variant(sample(), topics=[topic], kind="advice")
    _, doc = page_of(appeal)
    (warning,) = _warnings(doc)
    _check_danger_warning(warning)
    main = main_of(doc)
    order = list(main.iter())
    h1 = main.xpath(".//h1")[0]
    first_text = main.xpath(".//p[contains(., 'Example Road')]")[0]
    assert order.index(h1) < order.index(warning) < order.index(first_text)
    # Resolved, the warning stays: it is not personal.
    resolved = variant(appeal, status="resolved", resolution="Sam has been found.")
    (warning,) = _warnings(page_of(resolved)[1])
    _check_danger_warning(warning)


def test_the_safety_page_has_the_same_warning() -> None:
    doc = lxml.html.document_fromstring(site_docs()["safety/index.html"])
    (warning,) = _warnings(doc)
    _check_danger_warning(warning)
    h1 = doc.xpath("//h1")[0]
    order = list(doc.iter())
    assert order.index(h1) < order.index(warning) < order.index(doc.xpath("//main//h2")[0])


def test_a_non_sensitive_appeal_has_no_exit_this_page() -> None:
    text, doc = page_of(sample())
    assert _warnings(doc) == []
    assert "Exit this page" not in text
    assert doc.xpath("//script[@src]") == []
    assert doc.xpath("//*[@aria-live]") == []


def test_the_exit_script_leaves_with_replace_and_counts_shift_presses() -> None:
    script = WebChannel().render_site([sample()], CTX).file("exit-this-page.js").content.decode()
    assert "location.replace(" in script
    assert "Shift, press 2 more times to exit." in script
    assert "Shift, press 1 more time to exit." in script
    assert "Exit this page expired." in script
    assert "5000" in script
    assert "http" not in script.replace("https://", "").split("*/", 1)[1]


def test_an_unsafe_exit_url_is_refused() -> None:
    ctx = RenderContext(exit_url="javascript:alert(1)")
    with pytest.raises(BuildError, match="exit_url"):
        WebChannel().render(variant(sample(), topics=["stalking"]), ctx)


# Escaping ------------------------------------------------------------------------------------


HOSTILE = '</script><script>alert(1)</script> "><img src=x onerror=alert(2)> & ]]> \x07\x1b'


def hostile_appeal() -> Appeal:
    body = [
        para(span(HOSTILE)),
        para(
            span("click", href="javascript:alert(3)"),
            span(" or "),
            span("this", href=" JaVa\tScRiPt:alert(4)"),
        ),
        para(
            span("data", href="data:text/html,<script>alert(5)</script>"),
            span(" and "),
            span("rel", href="/relative"),
        ),
        {
            "type": "quote",
            "speaker": '<script>alert("speaker")</script>',
            "role": '"><b onmouseover=alert(6)>',
            "paragraphs": [para(span(HOSTILE))],
        },
        {
            "type": "contacts",
            "contacts": [
                {
                    "name": "<i>Bad</i>",
                    "kind": "web",
                    "value": "javascript:alert(7)",
                    "display": "x",
                },
                {"name": "Bad tel", "kind": "phone", "value": "12;alert(8)", "display": "12"},
                {"name": "Mail", "kind": "email", "value": "a@b.uk?body=<x>", "display": "a@b.uk"},
            ],
        },
    ]
    return variant(
        sample(),
        title=HOSTILE.strip(),
        summary=HOSTILE,
        organisation="</script>Org",
        area="Other <Area>",
        image={"url": "https://example.org/a.jpg?x=<y>&z=1", "alt": HOSTILE},
        body=body,
        topics=["domestic-abuse"],
    )


def test_hostile_text_is_escaped_everywhere() -> None:
    appeal = hostile_appeal()
    text, doc = page_of(appeal)
    # The only scripts are ours: the JSON-LD and the exit script.
    scripts = doc.xpath("//script")
    assert [s.get("type") or s.get("src") for s in scripts] == [
        "application/ld+json",
        "../../../../assets/exit-this-page.js",
    ]
    assert "alert(1)</script>" not in text
    assert doc.xpath("//b | //i") == []
    # The one image is the missing person's photo: the hostile alt text stays an attribute.
    (photo,) = doc.xpath("//img")
    assert photo.getparent().get("class") == "appeal__photo"
    assert photo.get("src") == "https://example.org/a.jpg?x=%3Cy%3E&z=1"
    assert photo.get("alt") == " ".join(HOSTILE.replace("\x07", "").replace("\x1b", "").split())
    assert doc.xpath("//*[@onerror or @onmouseover]") == []
    # Text survives as text.
    visible_title = appeal.title.replace("\x07", "").replace("\x1b", "")
    assert doc.xpath("//h1")[0].text_content() == visible_title
    assert doc.findtext(".//title").startswith(visible_title)
    assert doc.xpath("//figcaption")[0].text_content().startswith('<script>alert("speaker")')
    # JSON-LD stays one parseable element and round-trips the hostile title.
    assert jsonld(doc)["headline"] == appeal.title
    raw = doc.xpath("//script[@type='application/ld+json']")[0].text
    assert "<" not in raw and ">" not in raw and "&" not in raw
    # Control characters never reach the page.
    assert "\x07" not in text and "\x1b" not in text


def test_inline_html_escapes_every_value_it_is_given() -> None:
    """The helper that lays out a paragraph's runs makes the only elements: a record's text,
    note, spaces, address or class never runs as markup, even where no check came before."""
    hostile = '<b onmouseover="x">&\'</b>'
    parts = [
        Inline(text=hostile, before=hostile, after=hostile),
        Inline(text=hostile, href=f'https://example.org/"{hostile}', css=hostile, note=hostile),
        Inline(text=hostile, css=hostile, note=hostile),
        Inline(text=hostile, href="https://example.org/"),
    ]
    for en in (Markup(""), Markup(' lang="en"')):
        html = inline_html(parts, en)
        assert isinstance(html, Markup)
        assert "<b" not in html and '"x"' not in html and "'" not in html
        assert html.count("&lt;b onmouseover=&#34;x&#34;&gt;&amp;&#39;&lt;/b&gt;") == 11
        fragment = lxml.html.fragment_fromstring(f"<p>{html}</p>")
        assert fragment.xpath(".//b | .//*[@onmouseover]") == []
        assert [a.get("href") for a in fragment.xpath(".//a")] == [
            f'https://example.org/"{hostile}',
            "https://example.org/",
        ]
        assert fragment.xpath(".//a[1]/@class") == [hostile]
        assert len(fragment.xpath(".//span[@lang='en']")) == (2 if en else 0)
        assert fragment.text_content() == "".join(
            [hostile * 3, hostile, f" {hostile}", hostile, f" {hostile}", hostile]
        )


def test_only_safe_link_schemes_become_links() -> None:
    _, doc = page_of(hostile_appeal())
    hrefs = doc.xpath("//a/@href")
    for href in hrefs:
        cleaned = re.sub(r"[\s\x00-\x1f]", "", href).lower()
        assert not cleaned.startswith(("javascript:", "data:", "vbscript:")), href
        assert re.match(r"^(https?:|tel:|sms:|mailto:|#|\.\./|index\.)", href), href
    main = main_of(doc)
    # The unsafe links' words are still there, as text.
    assert "click or this" in main.text_content()
    assert "data and rel" in main.text_content()
    assert not main.xpath(".//a[normalize-space(.)='click' or normalize-space(.)='data']")
    # A relative link is resolved against the appeal's own URL, as the other channels do.
    assert main.xpath(".//a[normalize-space(.)='rel']/@href") == [
        "https://www.example.police.uk/relative"
    ]
    assert "tel:12;alert(8)" not in hrefs
    assert not any(h.startswith("mailto:a@b.uk") for h in hrefs)  # raw "<" in the address
    assert "a@b.uk" in main.text_content()


def test_links_shown_as_text_are_reported_as_warnings() -> None:
    rendition = WebChannel().render(hostile_appeal(), CTX)
    joined = "\n".join(rendition.warnings)
    assert "javascript:alert(3)" in joined
    assert "data:text/html" in joined
    assert "'Bad tel'" in joined and "<i>Bad</i>" in joined
    assert "/relative" not in joined
    assert WebChannel().render(sample(), CTX).warnings == ()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&c=2"),
        ("http://example.org", "http://example.org"),
        ("tel:+448000853481", "tel:+448000853481"),
        ("sms:999", "sms:999"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("data:text/html,x", None),
        ("vbscript:x", None),
        ("/relative/path", None),
        ("//example.org/x", None),
        ("https://", None),
        ("tel:999;ext=<x>", None),
        ("mailto:<x>", None),
        ('https://example.org/"onmouseover=x', None),
        ("https://example.org/<script>", None),
        ("https://exa mple.org", None),
        ("https://example.org/\u00a0x", None),
        ("ht\ttps://example.org/a", "https://example.org/a"),
        ("https://example.org/\x00a\x7f", "https://example.org/a"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("tel:0800-085-3481", None),
        ("mailto:nobody", None),
        ("http://[::1", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_href(url: str | None, expected: str | None) -> None:
    # The one link check every channel uses (publisher.domain.links).
    assert safe_href(url) == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/relative", "https://www.example.police.uk/relative"),
        ("more/", "https://www.example.police.uk/news/appeal/more/"),
        ("//example.org/x", "https://example.org/x"),
        ("https://example.org/a", "https://example.org/a"),
        ("tel:999", "tel:999"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
        ("javascript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("data:text/html,x", None),
        ("/a b", None),
        ('/a"onmouseover=x', None),
    ],
)
def test_safe_href_resolves_relative_links_against_the_base(
    href: str, expected: str | None
) -> None:
    assert safe_href(href, "https://www.example.police.uk/news/appeal/") == expected


# The site ------------------------------------------------------------------------------------


def site_appeals() -> list[Appeal]:
    base = sample()
    return [
        base,
        variant(
            base,
            id="older-in-derbyshire",
            url="https://www.example.police.uk/news/2019/older/",
            area="Derbyshire",
            published_at="2019-03-01T10:00:00Z",
        ),
        variant(
            base,
            id="newest-resolved",
            url="https://www.example.police.uk/news/2021/newest/",
            published_at="2021-06-01T10:00:00Z",
            status="resolved",
            resolution="Found safe.",
        ),
        variant(
            base,
            id="withdrawn-one",
            url="https://www.example.police.uk/news/2021/withdrawn/",
            published_at="2021-07-01T10:00:00Z",
            status="withdrawn",
            title="Withdrawn appeal title",
        ),
        variant(
            base,
            id="same-time-b",
            url="https://www.example.police.uk/news/2020/same-b/",
            published_at="2020-10-25T00:30:00Z",
            title="Same time B",
        ),
    ]


def site_docs(appeals: list[Appeal] | None = None) -> dict[str, bytes]:
    rendition = WebChannel().render_site(appeals or site_appeals(), CTX)
    return {f.path: f.content for f in rendition.files}


def test_site_files() -> None:
    files = site_docs()
    assert set(files) == {
        "index.html",
        "areas/example-shire/index.html",
        "areas/derbyshire/index.html",
        "safety/index.html",
        "404.html",
        "assets/style.css",
        "assets/exit-this-page.js",
    }


def test_home_lists_appeals_newest_first_without_withdrawn_ones() -> None:
    doc = lxml.html.document_fromstring(site_docs()["index.html"])
    titles = [a.text_content() for a in doc.xpath("//main//li//h3/a")]
    hrefs = doc.xpath("//main//li//h3/a/@href")
    assert hrefs == [
        "news/2021/newest/index.html",
        "news/2020/october/missing-sam/index.html",
        "news/2020/same-b/index.html",
        "news/2019/older/index.html",
    ]
    assert "Withdrawn appeal title" not in titles
    assert len(doc.xpath("//h1")) == 1
    cards = doc.xpath("//main//li[.//h3]")
    assert all(card.xpath(".//time[@datetime]") for card in cards)
    assert "Found safe." in cards[0].text_content()
    assert base_summary() not in cards[0].text_content()


def base_summary() -> str:
    return sample().summary


def test_indexes_link_areas_and_feeds() -> None:
    files = site_docs()
    home = lxml.html.document_fromstring(files["index.html"])
    alternates = home.xpath("//head/link[@rel='alternate']")
    assert [(a.get("type"), a.get("href")) for a in alternates] == [
        ("application/rss+xml", "feeds/rss.xml"),
        ("application/atom+xml", "feeds/atom.xml"),
    ]
    assert set(home.xpath("//main//a/@href")) >= {
        "areas/derbyshire/index.html",
        "areas/example-shire/index.html",
    }
    area = lxml.html.document_fromstring(files["areas/derbyshire/index.html"])
    assert area.xpath("//h1")[0].text_content() == "Appeals in Derbyshire"
    assert area.xpath("//head/link[@rel='alternate']/@href")[0] == (
        "../../feeds/areas/derbyshire/rss.xml"
    )
    assert area.xpath("//main//li//h3/a/@href") == ["../../news/2019/older/index.html"]
    assert area.xpath("//link[@rel='canonical']/@href") == [
        "https://appeals.example.org/areas/derbyshire/"
    ]


def test_an_appeal_page_announces_its_area_and_site_feeds() -> None:
    appeal = sample()
    _, doc = page_of(appeal)
    alternates = doc.xpath("//head/link[@rel='alternate']")
    root = "../../../../"
    assert [(a.get("type"), a.get("href")) for a in alternates] == [
        ("application/rss+xml", f"{root}feeds/areas/example-shire/rss.xml"),
        ("application/atom+xml", f"{root}feeds/areas/example-shire/atom.xml"),
        ("application/rss+xml", f"{root}feeds/rss.xml"),
        ("application/atom+xml", f"{root}feeds/atom.xml"),
    ]
    assert [a.get("title") for a in alternates] == [
        "Example appeals: Example Shire (RSS)",
        "Example appeals: Example Shire (Atom)",
        "Example appeals (RSS)",
        "Example appeals (Atom)",
    ]
    # Each one is a file the feeds channel writes for the site.
    written = {f.path for f in FeedsChannel().render_site([appeal], CTX).files}
    page = posixpath.dirname(f"{appeal.path}index.html")
    for link in alternates:
        assert posixpath.normpath(posixpath.join(page, link.get("href"))) in written
    area = lxml.html.document_fromstring(site_docs()["areas/derbyshire/index.html"])
    assert area.xpath("//head/link[@rel='alternate']/@href")[:2] == [
        "../../feeds/areas/derbyshire/rss.xml",
        "../../feeds/areas/derbyshire/atom.xml",
    ]


def test_safety_page_explains_what_exit_does_not_do() -> None:
    files = site_docs()
    doc = lxml.html.document_fromstring(files["safety/index.html"])
    text = doc.text_content()
    assert "does not clear your browsing history" in text
    assert "private" in text.lower()
    hrefs = set(doc.xpath("//main//a/@href"))
    assert {"tel:999", "tel:101", "tel:+448082000247"} <= hrefs
    assert "0808 2000 247" in text
    assert "Derbyshire" not in text
    assert doc.xpath("//main//a[contains(concat(' ', @class, ' '), ' exit-this-page ')]")


def test_404_page_links_are_rooted_at_the_site() -> None:
    ctx = RenderContext(site_url="https://example.org/appeals/")
    files = {f.path: f.content for f in WebChannel().render_site([sample()], ctx).files}
    doc = lxml.html.document_fromstring(files["404.html"])
    assert doc.xpath("//link[@rel='stylesheet']/@href") == ["/appeals/assets/style.css"]
    assert doc.xpath("//main//a/@href") == ["/appeals/index.html"]
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]


def _relative_links(path: str, content: bytes) -> list[str]:
    doc = lxml.html.document_fromstring(content)
    found = []
    for value in doc.xpath("//@href | //@src"):
        if re.match(r"^[a-z]+:|^#|^/", value):
            continue
        found.append(posixpath.normpath(posixpath.join(posixpath.dirname(path), value)))
    return found


def test_every_relative_link_resolves_to_a_file_of_the_site() -> None:
    channel = WebChannel()
    sensitive = variant(sample(), id="sens", url="https://x.org/a/b/", topics=["stalking"])
    appeals = [*site_appeals(), sensitive]
    files: dict[str, bytes] = dict(site_docs(appeals))
    for appeal in appeals:
        for item in channel.render(appeal, CTX).files:
            files[item.path] = item.content
    checked = 0
    for path, content in files.items():
        if not path.endswith(".html") or path == "404.html":
            continue
        for target in _relative_links(path, content):
            assert not target.startswith(".."), (path, target)
            if OTHER_CHANNELS.search(target):
                continue
            assert target in files, f"{path} links to missing {target}"
            checked += 1
    assert checked > 50


def test_style_sheet_has_focus_reflow_and_print_rules() -> None:
    css = site_docs()["assets/style.css"].decode()
    assert "#ffdd00" in css and ":focus" in css
    assert "overflow-wrap: anywhere" in css
    assert "@media print" in css
    assert 'content: " (" attr(href) ")"' in css
    assert "http://" not in css and "https://" not in css and "url(" not in css


def test_renders_are_deterministic() -> None:
    channel = WebChannel()
    appeal = hostile_appeal()
    assert channel.render(appeal, CTX) == channel.render(appeal, CTX)
    appeals = site_appeals()
    first = channel.render_site(appeals, CTX)
    shuffled = appeals[:]
    random.Random(7).shuffle(shuffled)
    assert channel.render_site(shuffled, CTX) == first


def test_an_appeal_under_a_reserved_path_is_refused() -> None:
    appeal = variant(sample(), url="https://www.example.police.uk/safety/")
    with pytest.raises(BuildError, match="safety"):
        WebChannel().render(appeal, CTX)


def test_the_same_id_twice_in_a_site_is_refused() -> None:
    with pytest.raises(BuildError, match="more than once"):
        WebChannel().render_site([sample(), sample()], CTX)


# Publishing ------------------------------------------------------------------------------------


def test_publish_writes_files_and_leaves_unchanged_ones_alone(tmp_path: Path) -> None:
    channel = WebChannel()
    rendition = channel.render_site([sample()], CTX)
    first = channel.publish(rendition, Target(output_dir=tmp_path))
    assert set(first.paths) == {f.path for f in rendition.files}
    assert first.channel == "web"
    assert first.published_at is not None and first.published_at.tzinfo is UTC
    for item in rendition.files:
        assert (tmp_path / item.path).read_bytes() == item.content
    second = channel.publish(rendition, Target(output_dir=tmp_path))
    assert second.paths == ()


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (errno.ENOSPC, TransientPublishError),
        (errno.EIO, TransientPublishError),
        (errno.EACCES, PermanentPublishError),
        (errno.EROFS, PermanentPublishError),
    ],
)
def test_disk_errors_are_translated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, error: type[Exception]
) -> None:
    def failing_write(path: Path, content: bytes) -> str | None:
        raise OSError(code, "simulated", str(path))

    monkeypatch.setattr("publisher.channel.files._staged_write", failing_write)
    with pytest.raises(error) as caught:
        WebChannel().publish(WebChannel().render(sample(), CTX), Target(output_dir=tmp_path))
    assert isinstance(caught.value.__cause__, OSError)
    assert caught.value.__cause__.errno == code


def test_a_real_file_in_the_way_is_a_permanent_error(tmp_path: Path) -> None:
    (tmp_path / "news").write_text("a file where a folder must go", encoding="utf-8")
    with pytest.raises(PermanentPublishError):
        WebChannel().publish(WebChannel().render(sample(), CTX), Target(output_dir=tmp_path))


def test_publish_needs_an_output_folder_and_a_web_rendition(tmp_path: Path) -> None:
    channel = WebChannel()
    with pytest.raises(PermanentPublishError):
        channel.publish(channel.render(sample(), CTX), Target())
    other = Rendition(channel="text", appeal_id="x", revision=1)
    with pytest.raises(PermanentPublishError):
        channel.publish(other, Target(output_dir=tmp_path))


def test_publishing_the_site_removes_area_indexes_it_no_longer_has(tmp_path: Path) -> None:
    channel = WebChannel()
    target = Target(output_dir=tmp_path)
    appeals = site_appeals()
    channel.publish(channel.render_site(appeals, CTX), target)
    derbyshire = tmp_path / "areas" / "derbyshire" / "index.html"
    assert derbyshire.is_file()
    withdrawn = [variant(a, status="withdrawn") if a.area == "Derbyshire" else a for a in appeals]
    receipt = channel.publish(channel.render_site(withdrawn, CTX), target)
    assert not derbyshire.exists()
    assert "areas/derbyshire/index.html" in receipt.paths
    assert (tmp_path / "areas" / "example-shire" / "index.html").is_file()
    # A single appeal's rendition never sweeps the area indexes.
    channel.publish(channel.render_site(appeals, CTX), target)
    channel.publish(channel.render(sample(), CTX), target)
    assert derbyshire.is_file()


def test_removals_outside_the_output_are_refused(tmp_path: Path) -> None:
    bad = Rendition(channel="web", appeal_id="x", revision=1, removals=("../outside.html",))
    with pytest.raises(PermanentPublishError):
        WebChannel().publish(bad, Target(output_dir=tmp_path))


def test_image_and_span_types_are_the_records() -> None:
    # Guards the fixture assumptions the tests above rely on.
    appeal = sample()
    assert isinstance(appeal.image, Image)
    assert any(isinstance(b, ContactList) for b in appeal.body)
    assert all(
        isinstance(s, Span) for b in appeal.body if isinstance(b, Paragraph) for s in b.spans
    )
    assert appeal.status is AppealStatus.ACTIVE
