"""RSS and Atom feeds: parsed by feedparser and lxml, never compared as strings alone."""

from __future__ import annotations

import errno
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import feedgen.entry
import feedgen.feed
import feedparser
import lxml.html
import pytest
from lxml import etree

from publisher.channel import Channel, RenderContext, Rendition, Target
from publisher.channels.feeds import EMPTY_FEED_UPDATED, MAX_ENTRIES, FeedsChannel, entry_html
from publisher.domain.record import Appeal
from publisher.errors import BuildError, PermanentPublishError, TransientPublishError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
CONTEXT = RenderContext(site_url="https://appeals.example.org/", site_name="Example appeals")
ATOM = "{http://www.w3.org/2005/Atom}"
NS = {"atom": "http://www.w3.org/2005/Atom"}


def make_appeal(**changes: Any) -> Appeal:
    data = json.loads(FIXTURE.read_text())
    data.update(changes)
    return Appeal.model_validate(data)


def paragraph(text: str, href: str | None = None) -> dict[str, Any]:
    return {"type": "paragraph", "spans": [{"text": text, "href": href}]}


def site_appeal(number: int, **changes: Any) -> Appeal:
    fields: dict[str, Any] = {
        "id": f"appeal-{number}",
        "url": f"https://www.example.police.uk/news/appeal-{number}/",
        "title": f"Appeal {number}",
        "published_at": f"2020-04-{number % 28 + 1:02d}T12:00:00Z",
    }
    fields.update(changes)
    return make_appeal(**fields)


def page(appeal: Appeal) -> str:
    """Where the web channel publishes the appeal's page: its path under the site's URL."""
    return CONTEXT.absolute(appeal.path)


def parse(content: bytes) -> Any:
    parsed = feedparser.parse(content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def files(rendition: Any) -> dict[str, bytes]:
    return {item.path: item.content for item in rendition.files}


# --- The port -------------------------------------------------------------------------------


def test_is_a_site_channel() -> None:
    channel: Channel = FeedsChannel()
    assert channel.writes_site_files and channel.can_delete
    assert not (channel.resumes_threads or channel.can_update) and channel.limits is None
    assert channel.name == "feeds"
    assert channel.idempotent is True


def test_render_makes_a_one_entry_pair_for_the_appeal() -> None:
    appeal = make_appeal()
    rendition = FeedsChannel().render(appeal, CONTEXT)
    assert rendition.channel == "feeds"
    assert (rendition.appeal_id, rendition.revision) == (appeal.id, appeal.revision)
    paths = [item.path for item in rendition.files]
    assert paths == [f"feeds/appeals/{appeal.id}/rss.xml", f"feeds/appeals/{appeal.id}/atom.xml"]
    assert rendition.file("rss.xml").media_type.startswith("application/rss+xml")
    assert rendition.file("atom.xml").media_type.startswith("application/atom+xml")
    for item in rendition.files:
        feed = parse(item.content)
        assert len(feed.entries) == 1
        assert feed.entries[0].title == appeal.title
        assert feed.entries[0].link == page(appeal)
        assert feed.entries[0].link == "https://appeals.example.org/news/2020/october/missing-sam/"


# --- feedgen's quirks, pinned ----------------------------------------------------------------


def test_rss_guid_is_the_permalink_and_atom_id_the_url() -> None:
    appeal = make_appeal()
    rendition = FeedsChannel().render(appeal, CONTEXT)
    rss = etree.fromstring(rendition.file("rss.xml").content)
    [guid] = rss.findall("channel/item/guid")
    assert guid.text == page(appeal)
    assert guid.get("isPermaLink") == "true"
    assert parse(rendition.file("rss.xml").content).entries[0].id == page(appeal)
    atom = etree.fromstring(rendition.file("atom.xml").content)
    assert atom.findtext(f"{ATOM}entry/{ATOM}id") == page(appeal)


def test_self_link_comes_first_and_urls_are_absolute() -> None:
    appeal = make_appeal()
    rendition = FeedsChannel().render(appeal, CONTEXT)
    atom = etree.fromstring(rendition.file("atom.xml").content)
    links = atom.findall(f"{ATOM}link")
    assert [link.get("rel") for link in links] == ["self", "alternate"]
    assert links[0].get("href") == CONTEXT.absolute(f"feeds/appeals/{appeal.id}/atom.xml")
    assert links[1].get("href") == page(appeal)
    assert atom.findtext(f"{ATOM}id") == links[0].get("href")

    rss = etree.fromstring(rendition.file("rss.xml").content)
    channel = rss.find("channel")
    assert channel is not None
    [self_link] = channel.findall("atom:link", NS)
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == CONTEXT.absolute(f"feeds/appeals/{appeal.id}/rss.xml")
    assert channel.findtext("link") == page(appeal)
    for content in (rendition.file("rss.xml").content, rendition.file("atom.xml").content):
        for href in etree.fromstring(content).xpath("//@href"):
            assert str(href).startswith("https://")


def test_dates_carry_the_local_offset() -> None:
    summer = make_appeal(published_at="2020-04-02T12:53:00Z")  # 1:53pm BST
    rendition = FeedsChannel().render(summer, CONTEXT)
    rss = etree.fromstring(rendition.file("rss.xml").content)
    assert rss.findtext("channel/item/pubDate") == "Thu, 02 Apr 2020 13:53:00 +0100"
    assert rss.findtext("channel/lastBuildDate") == "Thu, 02 Apr 2020 13:53:00 +0100"
    atom = etree.fromstring(rendition.file("atom.xml").content)
    assert atom.findtext(f"{ATOM}entry/{ATOM}published") == "2020-04-02T13:53:00+01:00"
    assert atom.findtext(f"{ATOM}entry/{ATOM}updated") == "2020-04-02T13:53:00+01:00"
    parsed = parse(rendition.file("rss.xml").content)
    assert parsed.entries[0].published_parsed[:5] == (2020, 4, 2, 12, 53)  # same instant, UTC

    winter = make_appeal(
        published_at="2020-01-10T09:05:00Z", updated_at="2020-11-06T07:15:00+00:00"
    )
    rendition = FeedsChannel().render(winter, CONTEXT)
    rss = etree.fromstring(rendition.file("rss.xml").content)
    assert rss.findtext("channel/item/pubDate") == "Fri, 10 Jan 2020 09:05:00 +0000"
    atom = etree.fromstring(rendition.file("atom.xml").content)
    assert atom.findtext(f"{ATOM}entry/{ATOM}updated") == "2020-11-06T07:15:00+00:00"
    assert atom.findtext(f"{ATOM}updated") == "2020-11-06T07:15:00+00:00"


def test_feed_level_fields_author_language_generator() -> None:
    rendition = FeedsChannel().render(make_appeal(), CONTEXT)
    rss = etree.fromstring(rendition.file("rss.xml").content)
    assert rss.findtext("channel/language") == "en-GB"
    assert rss.findtext("channel/generator") == "publisher"
    assert rss.findtext("channel/{http://purl.org/dc/elements/1.1/}creator") == (
        "Example Constabulary"
    )
    assert rss.find("channel/managingEditor") is None  # RSS needs an address: none configured
    atom = etree.fromstring(rendition.file("atom.xml").content)
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    assert atom.findtext(f"{ATOM}author/{ATOM}name") == "Example Constabulary"
    assert atom.findtext(f"{ATOM}generator") == "publisher"
    assert atom.find(f"{ATOM}generator").attrib == {}  # no version: stable across upgrades

    edited = FeedsChannel(editor_email="press@example.police.uk").render(make_appeal(), CONTEXT)
    rss = etree.fromstring(edited.file("rss.xml").content)
    assert rss.findtext("channel/managingEditor") == (
        "press@example.police.uk (Example Constabulary)"
    )


def test_bytes_do_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    appeal = make_appeal()
    first = FeedsChannel().render(appeal, CONTEXT)
    site_first = FeedsChannel().render_site([appeal, site_appeal(3)], CONTEXT)

    class LikeDatetime(type):
        def __instancecheck__(cls, instance: object) -> bool:
            return isinstance(instance, datetime)

    class Later(metaclass=LikeDatetime):
        """feedgen's ``datetime``, with a clock that says 2031."""

        @staticmethod
        def now(tz: Any = None) -> datetime:
            return datetime(2031, 7, 1, 12, 0, tzinfo=tz)

    monkeypatch.setattr(feedgen.feed, "datetime", Later)
    monkeypatch.setattr(feedgen.entry, "datetime", Later)
    assert feedgen.feed.FeedGenerator().updated().year == 2031  # the patch took effect
    second = FeedsChannel().render(appeal, CONTEXT)
    site_second = FeedsChannel().render_site([appeal, site_appeal(3)], CONTEXT)
    assert files(first) == files(second)
    assert files(site_first) == files(site_second)
    for content in files(second).values():
        assert b"2031" not in content


# --- Content and escaping --------------------------------------------------------------------


def test_content_is_escaped_html_with_safe_absolute_links() -> None:
    appeal = make_appeal()
    rendition = FeedsChannel().render(appeal, CONTEXT)
    atom = parse(rendition.file("atom.xml").content)
    entry = atom.entries[0]
    assert entry.summary == appeal.summary
    [content] = entry.content
    assert content.type == "text/html"
    raw = etree.fromstring(rendition.file("atom.xml").content)
    html = raw.findtext(f"{ATOM}entry/{ATOM}content")  # feedparser would drop tel: links
    assert html is not None
    body = lxml.html.fromstring(f"<div>{html}</div>")
    hrefs = [a.get("href") for a in body.iter("a")]
    assert hrefs == [
        "tel:999",
        "tel:101",
        "tel:18001101",
        "tel:+448082000247",
        "https://www.example.police.uk/advice/",
    ]
    text = body.text_content()
    assert "call 999 straight away." in text  # spans are joined with spaces
    assert "DCI Jane Doe, from the Major Crime Unit, said:" in text
    assert "National Domestic Abuse Helpline: phone 0808 200 0247" in text
    [image] = body.iter("img")
    assert image.get("alt") == appeal.image.alt if appeal.image else False

    rss = parse(rendition.file("rss.xml").content)
    description = lxml.html.fromstring(f"<div>{rss.entries[0].description}</div>")
    assert description.text_content().startswith(appeal.summary)


def test_contact_numbers_are_grouped_as_on_the_web_page() -> None:
    respect = {
        "name": "Respect Phoneline",
        "kind": "phone",
        "value": "+448088024040",
        "display": "08088024040",
    }
    appeal = make_appeal(body=[{"type": "contacts", "contacts": [respect]}])
    html = entry_html(appeal)
    assert 'Respect Phoneline: phone <a href="tel:+448088024040">0808 802 4040</a>' in html


HOSTILE = '<script>alert("x")</script> ]]> & "><img src=x onerror=alert(1)> \x00\x07\x1b end'


def test_hostile_text_never_becomes_markup() -> None:
    body = [
        paragraph(HOSTILE),
        paragraph("click me", href="javascript:alert(1)"),
        paragraph("relative", href="/advice/"),
        {"type": "heading", "text": HOSTILE},
        {
            "type": "quote",
            "speaker": "<b>Boss</b>",
            "role": HOSTILE,
            "paragraphs": [paragraph(HOSTILE)],
        },
    ]
    appeal = make_appeal(
        title=f"Title {HOSTILE}",
        summary=f"Summary {HOSTILE}",
        organisation="Org <i>&</i>",
        body=body,
        image={"url": "https://www.example.police.uk/i.jpg", "alt": HOSTILE},
    )
    rendition = FeedsChannel().render(appeal, CONTEXT)
    site = FeedsChannel().render_site([appeal], CONTEXT)
    for item in (*rendition.files, *site.files):
        tree = etree.fromstring(item.content)  # well-formed, or this raises
        # No element came from record text: only the feed formats' own names.
        names = {etree.QName(el).localname for el in tree.iter() if isinstance(el.tag, str)}
        assert not names & {"script", "img", "b", "i", "a"}
        assert b"\x00" not in item.content and b"\x07" not in item.content
        parsed = parse(item.content)
        assert len(parsed.entries) == 1
        # The title is escaped HTML (as readers take RSS titles; Atom declares it): shown as
        # HTML, it reads exactly as the record's words, with no markup of its own.
        title = parsed.entries[0].title_detail
        assert title.type == "text/html"
        shown = lxml.html.fragment_fromstring(title.value, create_parent="div")
        assert [el.tag for el in shown.iter()] == ["div"]
        assert shown.text_content() == (
            'Title <script>alert("x")</script> ]]> & "><img src=x onerror=alert(1)>  end'
        )
    atom = parse(rendition.file("atom.xml").content)
    html = atom.entries[0].content[0].value
    fragment = lxml.html.fromstring(f"<div>{html}</div>")
    assert [el.tag for el in fragment.iter() if el.tag in ("script", "b", "i")] == []
    [image] = fragment.iter("img")  # the appeal's own image, with the text as its alt
    assert image.get("src") == "https://www.example.police.uk/i.jpg"
    assert image.get("onerror") is None
    assert [a.get("href") for a in fragment.iter("a")] == ["https://www.example.police.uk/advice/"]
    assert "click me" in fragment.text_content()
    assert '<script>alert("x")</script>' in fragment.text_content()


def test_resolved_appeal_shows_title_and_resolution_only() -> None:
    appeal = make_appeal(status="resolved", resolution="Sam has been found. Thank you.")
    rendition = FeedsChannel().render(appeal, CONTEXT)
    for item in rendition.files:
        assert b"Exampletown" not in item.content  # the summary's personal details
        assert b"sam.jpg" not in item.content
        assert b"Example Road" not in item.content
        entry = parse(item.content).entries[0]
        assert entry.title == f"Found: {appeal.title}"
        text = lxml.html.fromstring(f"<div>{entry.description}</div>").text_content()
        assert text == "Sam has been found. Thank you."


def test_items_link_to_the_page_we_publish_not_the_source_site() -> None:
    appeal = make_appeal()
    for item in FeedsChannel().render(appeal, CONTEXT).files:
        tree = etree.fromstring(item.content)
        links = tree.xpath(
            "//item/link/text() | //item/guid/text() | //atom:entry/atom:id/text()"
            " | //atom:entry/atom:link[not(@rel) or @rel='alternate']/@href",
            namespaces=NS,
        )
        assert links and set(links) == {page(appeal)}
    # Relative links in the record still resolve against the source page they were written on.
    relative = make_appeal(body=[paragraph("advice", href="../advice/")])
    html = entry_html(relative)
    assert 'href="https://www.example.police.uk/news/2020/october/advice/"' in html


def _entry(rendition: Rendition, name: str) -> Any:
    return parse(rendition.file(name).content).entries[0]


def test_an_item_follows_the_appeal_through_update_and_resolution() -> None:
    first = make_appeal()
    updated = make_appeal(
        revision=2,
        status="updated",
        updated_at="2020-10-26T09:00:00Z",
        summary="Sam was seen in Example Park on Sunday morning.",
    )
    found = make_appeal(
        revision=3,
        status="resolved",
        updated_at="2020-10-27T18:30:00Z",
        resolution="Sam has been found safe and well. Thank you for sharing our appeal.",
    )
    titles, updates, texts = [], [], []
    for appeal in (first, updated, found):
        rendition = FeedsChannel().render(appeal, CONTEXT)
        atom, rss = _entry(rendition, "atom.xml"), _entry(rendition, "rss.xml")
        assert atom.title == rss.title
        titles.append(atom.title)
        updates.append(atom.updated)
        texts.append(rss.description)
        assert rss.published == "Sun, 25 Oct 2020 01:30:00 +0100"  # first published, always
        assert atom.link == rss.link == page(appeal)  # the same item throughout
    assert titles == [
        "Have you seen Sam Example?",
        "Update: Have you seen Sam Example?",
        "Found: Have you seen Sam Example?",
    ]
    assert updates == [
        "2020-10-25T01:30:00+01:00",
        "2020-10-26T09:00:00+00:00",
        "2020-10-27T18:30:00+00:00",
    ]
    assert "Example Park" in texts[1] and "Example Park" not in texts[0]
    assert lxml.html.fromstring(texts[2]).text_content() == found.resolution


@pytest.mark.parametrize(
    ("changes", "title"),
    [
        (
            {"kind": "witness-appeal", "status": "resolved", "resolution": "A man was charged."},
            "Update: Have you seen Sam Example?",
        ),
        ({"updated_at": "2020-10-26T09:00:00Z"}, "Update: Have you seen Sam Example?"),
        ({"updated_at": "2020-10-25T00:30:00Z"}, "Have you seen Sam Example?"),  # same moment
        ({"title": "UPDATE: Sam found", "status": "updated"}, "UPDATE: Sam found"),
        ({"title": "Found: Sam", "status": "resolved", "resolution": "Found."}, "Found: Sam"),
    ],
)
def test_update_and_found_titles(changes: dict[str, Any], title: str) -> None:
    rendition = FeedsChannel().render(make_appeal(**changes), CONTEXT)
    assert _entry(rendition, "rss.xml").title == title
    assert _entry(rendition, "atom.xml").title == title


def test_the_share_image_is_an_enclosure_with_its_type() -> None:
    appeal = make_appeal()
    rendition = FeedsChannel().render(appeal, CONTEXT)
    rss = etree.fromstring(rendition.file("rss.xml").content)
    [enclosure] = rss.findall("channel/item/enclosure")
    assert dict(enclosure.attrib) == {
        "url": "https://www.example.police.uk/img/sam.jpg",
        "length": "0",  # unknown
        "type": "image/jpeg",
    }
    atom = etree.fromstring(rendition.file("atom.xml").content)
    links = atom.findall(f"{ATOM}entry/{ATOM}link")
    assert [(link.get("rel") or "alternate") for link in links] == ["alternate", "enclosure"]
    assert dict(links[1].attrib) == {
        "rel": "enclosure",
        "type": "image/jpeg",
        "href": "https://www.example.police.uk/img/sam.jpg",
    }
    for name in ("rss.xml", "atom.xml"):
        [parsed] = _entry(rendition, name).enclosures
        assert parsed.href == "https://www.example.police.uk/img/sam.jpg"
        assert parsed.type == "image/jpeg"


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "resolved", "resolution": "Sam has been found."},
        {"image": {"url": "https://www.example.police.uk/img/sam.jpg", "alt": None}},
        {"image": {"url": "https://www.example.police.uk/photo?id=3", "alt": "Sam, smiling."}},
        {"image": None},
    ],
    ids=["resolved", "no alt text", "type unknown", "no image"],
)
def test_no_enclosure_where_the_entry_shows_no_image_or_its_type_is_unknown(
    changes: dict[str, Any],
) -> None:
    for item in FeedsChannel().render(make_appeal(**changes), CONTEXT).files:
        assert b"enclosure" not in item.content


def test_withdrawn_appeal_feed_has_no_entry_and_none_of_its_words() -> None:
    appeal = make_appeal(status="withdrawn")
    for item in FeedsChannel().render(appeal, CONTEXT).files:
        assert parse(item.content).entries == []
        assert b"Sam" not in item.content
        assert b"Exampletown" not in item.content


def test_summary_repeating_the_opening_is_not_doubled_and_images_need_alt() -> None:
    opening = "We are raising awareness of how you can contact us."
    appeal = make_appeal(
        summary=opening,
        body=[paragraph(opening)],
        image={"url": "https://www.example.police.uk/brand.jpg", "alt": None},
    )
    rendition = FeedsChannel().render(appeal, CONTEXT)
    rss = parse(rendition.file("rss.xml").content)
    assert rss.entries[0].description.count(opening) == 1
    for item in rendition.files:
        assert b"brand.jpg" not in item.content
    other = make_appeal(summary="A different summary.")
    description = parse(FeedsChannel().render(other, CONTEXT).file("rss.xml").content)
    assert description.entries[0].description.startswith("<p>A different summary.</p>")


# --- The site's feeds --------------------------------------------------------------------------


def test_site_area_and_campaign_feeds() -> None:
    appeals = [
        site_appeal(1, area="Example Shire", campaigns=["you-are-not-alone"]),
        site_appeal(2, area="Other Town", campaigns=["you-are-not-alone", "Summer Safety"]),
        site_appeal(3, area="Example Shire"),
        site_appeal(4, area="Example Shire", status="withdrawn", campaigns=["gone"]),
    ]
    rendition = FeedsChannel().render_site(appeals, CONTEXT)
    assert rendition.channel == "feeds" and rendition.appeal_id is None
    out = files(rendition)
    expected = {
        f"feeds/{folder}{name}"
        for folder in (
            "",
            "areas/example-shire/",
            "areas/other-town/",
            "campaigns/you-are-not-alone/",
            "campaigns/summer-safety/",
            "campaigns/gone/",
        )
        for name in ("rss.xml", "atom.xml")
    }
    assert set(out) == expected

    def ids(path: str) -> list[str]:
        return [entry.link for entry in parse(out[path]).entries]

    def url(number: int) -> str:
        return f"https://appeals.example.org/news/appeal-{number}/"

    assert ids("feeds/rss.xml") == [url(3), url(2), url(1)]  # newest first, withdrawn left out
    assert ids("feeds/atom.xml") == [url(3), url(2), url(1)]
    assert ids("feeds/areas/example-shire/rss.xml") == [url(3), url(1)]
    assert ids("feeds/areas/other-town/atom.xml") == [url(2)]
    assert ids("feeds/campaigns/you-are-not-alone/rss.xml") == [url(2), url(1)]
    assert ids("feeds/campaigns/summer-safety/rss.xml") == [url(2)]
    assert ids("feeds/campaigns/gone/rss.xml") == []

    area = etree.fromstring(out["feeds/areas/example-shire/atom.xml"])
    assert [link.get("href") for link in area.findall(f"{ATOM}link")] == [
        CONTEXT.absolute("feeds/areas/example-shire/atom.xml"),
        CONTEXT.absolute("areas/example-shire/"),
    ]
    site = etree.fromstring(out["feeds/rss.xml"])
    assert site.findtext("channel/link") == CONTEXT.site_url
    assert site.findtext("channel/title") == "Example appeals"


def test_entries_sorted_by_published_then_id_and_capped() -> None:
    same_time = "2021-05-05T10:00:00Z"
    appeals = [site_appeal(n, published_at=same_time) for n in (7, 3, 5)]
    appeals += [site_appeal(100 + n, published_at=f"2019-01-01T00:{n:02d}:00Z") for n in range(55)]
    out = files(FeedsChannel().render_site(appeals, CONTEXT))
    links = [entry.link for entry in parse(out["feeds/rss.xml"]).entries]
    assert len(links) == MAX_ENTRIES
    assert links[:4] == [
        "https://appeals.example.org/news/appeal-3/",
        "https://appeals.example.org/news/appeal-5/",
        "https://appeals.example.org/news/appeal-7/",
        "https://appeals.example.org/news/appeal-154/",
    ]
    assert "https://appeals.example.org/news/appeal-100/" not in links  # the oldest go
    assert [e.link for e in parse(out["feeds/atom.xml"]).entries] == links
    # Input order does not matter.
    again = files(FeedsChannel().render_site(list(reversed(appeals)), CONTEXT))
    assert again == out


def test_feed_updated_is_the_latest_change_even_a_withdrawal() -> None:
    live = site_appeal(1, published_at="2020-04-01T10:00:00Z", updated_at="2020-04-03T10:00:00Z")
    gone = site_appeal(
        2,
        area="Far Away",
        published_at="2020-04-02T10:00:00Z",
        updated_at="2020-06-01T08:30:00Z",
        status="withdrawn",
    )
    out = files(FeedsChannel().render_site([live, gone], CONTEXT))
    site = etree.fromstring(out["feeds/atom.xml"])
    assert site.findtext(f"{ATOM}updated") == "2020-06-01T09:30:00+01:00"
    area = etree.fromstring(out["feeds/areas/far-away/rss.xml"])
    assert area.findall("channel/item") == []
    assert area.findtext("channel/lastBuildDate") == "Mon, 01 Jun 2020 09:30:00 +0100"
    assert area.findtext("channel/link") == CONTEXT.site_url  # no live area page to point at
    other = etree.fromstring(out["feeds/areas/example-shire/atom.xml"])
    assert other.findtext(f"{ATOM}updated") == "2020-04-03T11:00:00+01:00"


def test_an_appeal_twice_in_the_site_is_an_error() -> None:
    with pytest.raises(BuildError, match="appeal-1"):
        FeedsChannel().render_site([site_appeal(1), site_appeal(2), site_appeal(1)], CONTEXT)


def test_empty_site_feed_is_valid_and_dated_the_epoch() -> None:
    out = files(FeedsChannel().render_site([], CONTEXT))
    assert set(out) == {"feeds/rss.xml", "feeds/atom.xml"}
    atom = etree.fromstring(out["feeds/atom.xml"])
    assert atom.findtext(f"{ATOM}updated") == EMPTY_FEED_UPDATED.isoformat()
    assert parse(out["feeds/rss.xml"]).entries == []


# --- Publishing --------------------------------------------------------------------------------


def test_publish_writes_atomically_and_leaves_unchanged_files(tmp_path: Path) -> None:
    channel = FeedsChannel()
    rendition = channel.render_site([make_appeal()], CONTEXT)
    receipt = channel.publish(rendition, Target(output_dir=tmp_path))
    assert receipt.channel == "feeds"
    assert set(receipt.paths) == set(files(rendition))
    assert receipt.details["written"] == str(len(rendition.files))
    assert (tmp_path / "feeds/rss.xml").read_bytes() == rendition.file("feeds/rss.xml").content
    again = channel.publish(rendition, Target(output_dir=tmp_path))
    assert again.paths == ()
    assert again.details == {"written": "0", "unchanged": str(len(rendition.files)), "removed": "0"}


def test_publish_translates_file_system_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = FeedsChannel()
    rendition = channel.render(make_appeal(), CONTEXT)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(PermanentPublishError) as permanent:
        channel.publish(rendition, Target(output_dir=blocker))
    assert isinstance(permanent.value.__cause__, OSError)
    with pytest.raises(PermanentPublishError):
        channel.publish(rendition, Target(output_dir=None))
    target = Target(output_dir=tmp_path)
    with pytest.raises(PermanentPublishError):
        channel.publish(Rendition(channel="web", appeal_id=None, revision=None), target)

    def disk_full(path: Path, content: bytes) -> str | None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("publisher.channel.files._staged_write", disk_full)
    with pytest.raises(TransientPublishError) as transient:
        channel.publish(rendition, target)
    assert isinstance(transient.value.__cause__, OSError)
    assert rendition.files[0].path in str(transient.value)  # the message names the file


# --- The seeds, through the importer --------------------------------------------------------

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


def test_seeds_make_valid_feeds_with_local_offsets() -> None:
    from publisher.importers import load_appeal

    appeals = [load_appeal(path).appeal for path in sorted(SEEDS.glob("*.txt"))]
    out = files(FeedsChannel().render_site(appeals, CONTEXT))
    for path, content in out.items():
        parse(content)
        assert etree.fromstring(content) is not None, path
    rss = etree.fromstring(out["feeds/rss.xml"])
    assert [item.findtext("pubDate") for item in rss.findall("channel/item")] == [
        "Fri, 06 Nov 2020 07:15:00 +0000",
        "Thu, 02 Apr 2020 13:53:00 +0100",
    ]
    assert rss.findtext("channel/lastBuildDate") == "Fri, 06 Nov 2020 07:15:00 +0000"
    areas = {path.split("/")[2] for path in out if path.startswith("feeds/areas/")}
    assert areas == {"derbyshire"}
