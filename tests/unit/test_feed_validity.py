"""Every feed we write passes the W3C feed validator's rules (as ``tests/feedcheck.py`` has them).

The checker is run on the seeds, the sample appeal and a generated set (resolved, withdrawn,
hostile text, several areas and campaigns, winter and summer time, an update), for every file
of ``render`` and ``render_site``. Then hand-written bad feeds show that it finds each problem,
so a clean result means something.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from publisher.channel import OutputFile, RenderContext
from publisher.channels.feeds import FeedsChannel
from publisher.domain.record import Appeal
from publisher.importers import load_appeal
from tests.support.feedcheck import Problem, check_feed, iter_dates

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE = FIXTURES / "sample.json"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt")) or sorted(
    Path("/work/shared/seeds").glob("*.txt")
)
CONTEXT = RenderContext(site_url="https://appeals.example.org/", site_name="Example appeals")
NOW = datetime(2026, 1, 1, tzinfo=UTC)  # the checker's clock: every fixture is in the past

HOSTILE = '<script>alert("x")</script> ]]> & "><img src=x onerror=alert(1)> \x00\x07\x1b\x85 end'


def make_appeal(**changes: Any) -> Appeal:
    data = json.loads(SAMPLE.read_text())
    data.update(changes)
    return Appeal.model_validate(data)


def paragraph(text: str, href: str | None = None) -> dict[str, Any]:
    return {"type": "paragraph", "spans": [{"text": text, "href": href}]}


def generated(number: int, **changes: Any) -> Appeal:
    fields: dict[str, Any] = {
        "id": f"generated-{number}",
        "url": f"https://www.example.police.uk/news/generated-{number}/",
        "title": f"Generated appeal {number}",
    }
    fields.update(changes)
    return make_appeal(**fields)


def generated_set() -> list[Appeal]:
    contacts = {
        "type": "contacts",
        "intro": paragraph("Other ways to reach us:"),
        "contacts": [
            {
                "name": "Text us",
                "kind": "text",
                "value": "+447700900123",
                "display": "07700 900123",
            },
            {
                "name": "Press office",
                "kind": "email",
                "value": "press@example.police.uk",
                "display": "press@example.police.uk",
            },
            {
                "name": "Report online",
                "kind": "web",
                "value": "https://www.example.police.uk/report/",
                "display": "example.police.uk/report",
            },
        ],
    }
    return [
        generated(  # GMT: January
            1,
            published_at="2021-01-15T09:30:00Z",
            area="North Division",
            campaigns=["winter-safety"],
            body=[paragraph("Winter words."), contacts],
        ),
        generated(  # BST: July
            2,
            published_at="2021-07-15T09:30:00Z",
            area="South Division",
            campaigns=["summer-safety", "winter-safety"],
        ),
        generated(  # published in GMT, updated in BST
            3,
            status="updated",
            revision=2,
            published_at="2021-03-20T10:00:00Z",
            updated_at="2021-04-02T08:00:00Z",
            area="North Division",
        ),
        generated(
            4,
            status="resolved",
            resolution="Sam has been found safe. Thank you for sharing.",
            published_at="2021-05-01T12:00:00Z",
            updated_at="2021-05-02T07:45:00Z",
        ),
        generated(
            5,
            status="withdrawn",
            area="Gone Area",
            campaigns=["gone"],
            published_at="2021-06-01T12:00:00Z",
            updated_at="2021-06-03T12:00:00Z",
        ),
        generated(
            6,
            title=f"Title {HOSTILE}",
            summary=f"Summary {HOSTILE}",
            organisation="Org <i>&</i>",
            area=f"Area {HOSTILE}",
            campaigns=["<b>campaign</b>"],
            published_at="2021-02-02T02:02:02Z",
            image={"url": "https://www.example.police.uk/i.jpg", "alt": HOSTILE},
            body=[
                paragraph(HOSTILE),
                paragraph("click me", href="javascript:alert(1)"),
                paragraph("relative", href="/advice/"),
                paragraph("data", href="data:text/html,<script>alert(1)</script>"),
                {"type": "heading", "text": HOSTILE},
                {
                    "type": "quote",
                    "speaker": "<b>Boss</b>",
                    "role": HOSTILE,
                    "paragraphs": [paragraph(HOSTILE)],
                },
                {"type": "bullets", "items": [paragraph(HOSTILE)]},
                {"type": "call-to-action", "spans": [{"text": HOSTILE}]},
            ],
        ),
    ]


def seeds() -> list[Appeal]:
    assert SEEDS, "no seed appeals found"
    return [load_appeal(path).appeal for path in SEEDS]


def all_appeals() -> list[Appeal]:
    return [*seeds(), make_appeal(), *generated_set()]


def renditions(appeals: Sequence[Appeal]) -> list[OutputFile]:
    out: list[OutputFile] = []
    for channel in (FeedsChannel(), FeedsChannel(editor_email="press@example.police.uk")):
        for appeal in appeals:
            out.extend(channel.render(appeal, CONTEXT).files)
        out.extend(channel.render_site(appeals, CONTEXT).files)
    return out


def check(item: OutputFile) -> list[Problem]:
    return check_feed(item.content, location=CONTEXT.absolute(item.path), now=NOW)


# --- Our feeds are valid -------------------------------------------------------------------


@pytest.mark.parametrize(
    "appeals",
    [
        pytest.param(seeds, id="seeds"),
        pytest.param(lambda: [make_appeal()], id="sample"),
        pytest.param(lambda: [a for a in generated_set() if "<" not in a.title], id="generated"),
        pytest.param(lambda: [a for a in all_appeals() if "<" not in a.title], id="together"),
    ],
)
def test_every_feed_file_passes(appeals: Any) -> None:
    files = renditions(appeals())
    assert files
    report = {item.path: check(item) for item in files}
    assert {path: problems for path, problems in report.items() if problems} == {}


def test_hostile_text_leaves_no_problem_at_all() -> None:
    """Record text that literally says ``</script>`` is escaped as HTML in every text element
    (titles, summaries, the subtitle and the channel description included), so no text holds
    markup after one round of XML parsing and the checker has nothing to report, not even the
    ContainsHTML warnings it gives for an end tag in plain text."""
    files = renditions(all_appeals())
    hostile_files = [item for item in files if b"&amp;lt;/script&amp;gt;" in item.content]
    assert len(hostile_files) > 4  # the appeal's own pair and the site feeds that carry it
    assert {item.path: check(item) for item in files if check(item)} == {}


def test_dates_in_both_offsets_were_checked() -> None:
    dates = [when for item in renditions(all_appeals()) for when in iter_dates(item.content)]
    assert any(when.endswith(" +0000") for when in dates)
    assert any(when.endswith(" +0100") for when in dates)
    assert any(when.endswith("+00:00") for when in dates)
    assert any(when.endswith("+01:00") for when in dates)
    assert not any(when.endswith((" GMT", "Z")) for when in dates)


def test_enclosures_and_updated_titles_were_checked() -> None:
    files = renditions(all_appeals())
    assert any(b"<enclosure " in item.content for item in files)
    assert any(b'rel="enclosure"' in item.content for item in files)
    assert any(b"<title>Found: " in item.content for item in files)
    assert any(b"<title>Update: " in item.content for item in files)


def test_empty_site_feeds_pass() -> None:
    for item in FeedsChannel().render_site([], CONTEXT).files:
        assert check(item) == [], item.path


def test_a_feed_served_elsewhere_is_reported() -> None:
    item = FeedsChannel().render(make_appeal(), CONTEXT).file("atom.xml")
    moved = check_feed(item.content, location="https://mirror.example.net/feed.xml", now=NOW)
    assert [p.rule for p in moved] == ["SelfDoesntMatchLocation"]


# --- The checker finds what it should --------------------------------------------------------

GOOD_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Appeals</title>
    <link>https://www.example.org/</link>
    <description>Appeals from Example.</description>
    <atom:link href="https://www.example.org/feeds/rss.xml" rel="self"
               type="application/rss+xml"/>
    <language>en-GB</language>
    <lastBuildDate>Thu, 02 Apr 2020 13:53:00 +0100</lastBuildDate>
    <dc:creator>Example Constabulary</dc:creator>
    <item>
      <title>Have you seen Sam?</title>
      <link>https://www.example.org/news/sam/</link>
      <description>&lt;p&gt;Call &lt;a href="tel:101"&gt;101&lt;/a&gt; or see
        &lt;a href="https://www.example.org/advice/"&gt;advice&lt;/a&gt;.&lt;/p&gt;
        &lt;p&gt;&lt;img src="https://www.example.org/sam.jpg" alt="Sam"&gt;&lt;/p&gt;</description>
      <guid isPermaLink="true">https://www.example.org/news/sam/</guid>
      <pubDate>Fri, 10 Jan 2020 09:05:00 +0000</pubDate>
      <enclosure url="https://www.example.org/sam.jpg" length="0" type="image/jpeg"/>
    </item>
    <item>
      <title>Second</title>
      <link>https://www.example.org/news/second/</link>
      <description>&lt;p&gt;Text &lt;a href="sms:+447700900123"&gt;us&lt;/a&gt;.&lt;/p&gt;
        </description>
      <guid>https://www.example.org/news/second/</guid>
      <pubDate>Thu, 02 Apr 2020 13:53:00 +0100</pubDate>
    </item>
  </channel>
</rss>
"""

GOOD_ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">
  <id>https://www.example.org/feeds/atom.xml</id>
  <title>Appeals</title>
  <updated>2020-04-02T13:53:00+01:00</updated>
  <author><name>Example Constabulary</name></author>
  <link href="https://www.example.org/feeds/atom.xml" rel="self" type="application/atom+xml"/>
  <link href="https://www.example.org/" rel="alternate" type="text/html"/>
  <entry>
    <id>https://www.example.org/news/sam/</id>
    <title>Have you seen Sam?</title>
    <updated>2020-01-10T09:05:00+00:00</updated>
    <published>2020-01-10T09:05:00+00:00</published>
    <link href="https://www.example.org/news/sam/"/>
    <link href="https://www.example.org/sam.jpg" rel="enclosure" type="image/jpeg"/>
    <summary>Sam is missing.</summary>
    <content type="html">&lt;p&gt;Call &lt;a href="tel:101"&gt;101&lt;/a&gt; or
      &lt;a href="mailto:press@example.org"&gt;email&lt;/a&gt;.&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>https://www.example.org/news/second/</id>
    <title>Second</title>
    <updated>2020-07-01T11:00:00+01:00</updated>
    <link href="https://www.example.org/news/second/" rel="alternate" type="text/html"/>
    <content type="html">&lt;p&gt;Words.&lt;/p&gt;</content>
  </entry>
</feed>
"""

RSS_SELF = "https://www.example.org/feeds/rss.xml"
ATOM_SELF = "https://www.example.org/feeds/atom.xml"


def rules(text: str, location: str | None = None, **kwargs: Any) -> list[str]:
    return [p.rule for p in check_feed(text.encode(), location=location, now=NOW, **kwargs)]


def test_the_hand_written_feeds_are_valid() -> None:
    assert rules(GOOD_RSS, RSS_SELF) == []
    assert rules(GOOD_ATOM, ATOM_SELF) == []


BAD_RSS = [
    # (what, replace, with, rule)
    (
        "self link missing",
        '<atom:link href="https://www.example.org/feeds/rss.xml" rel="self"',
        '<atom:link href="https://www.example.org/feeds/rss.xml" rel="hub"',
        "MissingAtomSelfLink",
    ),
    (
        "relative self",
        'href="https://www.example.org/feeds/rss.xml"',
        'href="/feeds/rss.xml"',
        "RelativeSelf",
    ),
    (
        "self elsewhere",
        "example.org/feeds/rss.xml",
        "example.org/other/rss.xml",
        "SelfDoesntMatchLocation",
    ),
    ("self wrong type", 'type="application/rss+xml"', 'type="text/html"', "SelfNotAtom"),
    ("relative link in content", "https://www.example.org/advice/", "/advice/", "ContainsRelRef"),
    ("relative image in content", "https://www.example.org/sam.jpg", "sam.jpg", "ContainsRelRef"),
    ("javascript link in content", "tel:101", "javascript:alert(1)", "UnsafeLinkScheme"),
    (
        "script in content",
        "&lt;p&gt;Call",
        "&lt;script&gt;x()&lt;/script&gt;&lt;p&gt;Call",
        "SecurityRisk",
    ),
    ("event handler in content", 'alt="Sam"', 'alt="Sam" onerror="x()"', "SecurityRiskAttr"),
    ("unbalanced html", "advice&lt;/a&gt;", "advice", "NotHtml"),
    ("markup not escaped", "&lt;p&gt;Text", "<p>x</p>&lt;p&gt;Text", "UndefinedElement"),
    (
        "GMT in summer time",
        "Thu, 02 Apr 2020 13:53:00 +0100</pubDate>",
        "Thu, 02 Apr 2020 12:53:00 GMT</pubDate>",
        "WrongUtcOffset",
    ),
    (
        "+0000 in summer time",
        "Thu, 02 Apr 2020 13:53:00 +0100</last",
        "Thu, 02 Apr 2020 12:53:00 +0000</last",
        "WrongUtcOffset",
    ),
    (
        "+0100 in winter",
        "Fri, 10 Jan 2020 09:05:00 +0000",
        "Fri, 10 Jan 2020 10:05:00 +0100",
        "WrongUtcOffset",
    ),
    ("ISO date", "Fri, 10 Jan 2020 09:05:00 +0000", "2020-01-10T09:05:00Z", "InvalidRFC2822Date"),
    ("no such day", "Fri, 10 Jan 2020", "Fri, 31 Feb 2020", "InvalidRFC2822Date"),
    ("wrong weekday", "Fri, 10 Jan 2020", "Mon, 10 Jan 2020", "IncorrectDOW"),
    (
        "two-digit year",
        "Fri, 10 Jan 2020 09:05:00 +0000",
        "10 Jan 20 09:05 +0000",
        "ProblematicalRFC822Date",
    ),
    ("implausible date", "Fri, 10 Jan 2020", "Wed, 10 Jan 1979", "ImplausibleDate"),
    ("future date", "Fri, 10 Jan 2020", "Sat, 10 Jan 2026", "ImplausibleDate"),
    (
        "guid not permalink",
        '<guid isPermaLink="true">',
        '<guid isPermaLink="false">',
        "NotPermalink",
    ),
    (
        "guid not the link",
        "<guid>https://www.example.org/news/second/",
        "<guid>https://www.example.org/news/other/",
        "NotPermalink",
    ),
    (
        "guid not a URL",
        "<guid>https://www.example.org/news/second/</guid>",
        "<guid>12345</guid>",
        "InvalidHttpGUID",
    ),
    (
        "tag guid as permalink",
        "<guid>https://www.example.org/news/second/</guid>",
        "<guid>tag:example.org,2020:second</guid>",
        "InvalidPermalink",
    ),
    ("bad isPermaLink", 'isPermaLink="true"', 'isPermaLink="yes"', "InvalidBooleanAttribute"),
    (
        "guid missing",
        '<guid isPermaLink="true">https://www.example.org/news/sam/</guid>',
        "",
        "MissingGuid",
    ),
    (
        "duplicate guid",
        "<guid>https://www.example.org/news/second/</guid>",
        "<guid>https://www.example.org/news/sam/</guid>",
        "DuplicateEntries",
    ),
    (
        "description missing",
        "<description>Appeals from Example.</description>",
        "",
        "MissingDescription",
    ),
    ("title missing", "<title>Appeals</title>", "", "MissingTitle"),
    ("link missing", "<link>https://www.example.org/</link>", "", "MissingLink"),
    (
        "relative channel link",
        "<link>https://www.example.org/</link>",
        "<link>/</link>",
        "InvalidFullLink",
    ),
    (
        "relative item link",
        "<link>https://www.example.org/news/sam/</link>",
        "<link>/news/sam/</link>",
        "InvalidFullLink",
    ),
    ("language missing", "<language>en-GB</language>", "", "MissingDCLanguage"),
    (
        "language invalid",
        "<language>en-GB</language>",
        "<language>english</language>",
        "InvalidLanguage",
    ),
    (
        "language unknown",
        "<language>en-GB</language>",
        "<language>qq-GB</language>",
        "InvalidLanguage",
    ),
    (
        "two titles",
        "<title>Appeals</title>",
        "<title>Appeals</title><title>B</title>",
        "DuplicateElement",
    ),
    (
        "editor and creator",
        "<language>",
        "<managingEditor>a@example.org (A)</managingEditor><language>",
        "DuplicateSemantics",
    ),
    (
        "editor without address",
        "<language>",
        "<managingEditor>A</managingEditor><language>",
        "InvalidContact",
    ),
    ("metadata after items", "</channel>", "<ttl>60</ttl></channel>", "MisplacedItem"),
    ("unknown element", "<language>", "<colour>red</colour><language>", "UndefinedElement"),
    (
        "markup in a title",
        "<title>Second</title>",
        "<title>&lt;b&gt;S&lt;/b&gt;</title>",
        "ContainsHTML",
    ),
    ("C1 control", "Have you seen", "Have you\x85 seen", "BadCharacters"),
    ("enclosure without length", ' length="0"', "", "MissingAttribute"),
    ("enclosure without type", ' type="image/jpeg"/>', "/>", "MissingAttribute"),
    ("enclosure without url", ' url="https://www.example.org/sam.jpg"', "", "MissingAttribute"),
    ("enclosure length not a number", 'length="0"', 'length="big"', "InvalidIntegerAttribute"),
    ("enclosure length -1", 'length="0"', 'length="-1"', "UseZeroForUnknown"),
    ("enclosure length negative", 'length="0"', 'length="-5"', "InvalidNonNegativeInteger"),
    ("enclosure type not a type", 'type="image/jpeg"', 'type="jpeg"', "InvalidMIMEAttribute"),
    (
        "enclosure url relative",
        'url="https://www.example.org/sam.jpg"',
        'url="/sam.jpg"',
        "InvalidFullLink",
    ),
    (
        "two enclosures",
        "<enclosure ",
        '<enclosure url="https://www.example.org/b.png" length="0" type="image/png"/><enclosure ',
        "DuplicateElement",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "rule"), [case[1:] for case in BAD_RSS], ids=[case[0] for case in BAD_RSS]
)
def test_a_bad_rss_feed_is_reported(old: str, new: str, rule: str) -> None:
    assert old in GOOD_RSS
    assert rule in rules(GOOD_RSS.replace(old, new, 1), RSS_SELF)


def test_an_item_needs_a_title_or_a_description() -> None:
    second = GOOD_RSS.index("<title>Second</title>")
    guid = GOOD_RSS.index("<guid>https://www.example.org/news/second/")
    bare = GOOD_RSS[:second] + "<link>https://www.example.org/news/second/</link>\n      "
    bare += GOOD_RSS[guid:]
    assert rules(bare, RSS_SELF) == ["ItemMustContainTitleOrDescription"]


BAD_ATOM = [
    ("self link missing", 'rel="self"', 'rel="related"', "MissingSelf"),
    (
        "relative self",
        f'href="{ATOM_SELF}" rel="self"',
        'href="atom.xml" rel="self"',
        "RelativeSelf",
    ),
    (
        "self elsewhere",
        f'href="{ATOM_SELF}" rel="self"',
        'href="https://www.example.org/x.xml" rel="self"',
        "SelfDoesntMatchLocation",
    ),
    ("relative link in content", "tel:101", "../advice/", "ContainsRelRef"),
    ("data link in content", "mailto:press@example.org", "data:text/html,x", "UnsafeLinkScheme"),
    ("content not escaped", "&lt;p&gt;Words.&lt;/p&gt;", "<p>Words.</p>", "UndefinedElement"),
    ("Z in summer time", "2020-07-01T11:00:00+01:00", "2020-07-01T10:00:00Z", "WrongUtcOffset"),
    (
        "+01:00 in winter",
        "<updated>2020-01-10T09:05:00+00:00",
        "<updated>2020-01-10T10:05:00+01:00",
        "WrongUtcOffset",
    ),
    (
        "not RFC 3339",
        "<updated>2020-01-10T09:05:00+00:00",
        "<updated>10 Jan 2020",
        "InvalidRFC3339Date",
    ),
    (
        "no seconds",
        "<published>2020-01-10T09:05:00+00:00",
        "<published>2020-01-10T09:05+00:00",
        "InvalidRFC3339Date",
    ),
    (
        "implausible date",
        "<updated>2020-04-02T13:53:00+01:00",
        "<updated>1980-04-02T13:53:00+01:00",
        "ImplausibleDate",
    ),
    (
        "duplicate ids",
        "<id>https://www.example.org/news/second/</id>",
        "<id>https://www.example.org/news/sam/</id>",
        "DuplicateEntries",
    ),
    ("feed updated missing", "<updated>2020-04-02T13:53:00+01:00</updated>", "", "MissingElement"),
    ("entry updated missing", "<updated>2020-07-01T11:00:00+01:00</updated>", "", "MissingElement"),
    ("feed id missing", f"<id>{ATOM_SELF}</id>", "", "MissingElement"),
    (
        "entry author missing",
        "<author><name>Example Constabulary</name></author>",
        "",
        "MissingElement",
    ),
    (
        "id not an IRI",
        "<id>https://www.example.org/news/sam/</id>",
        "<id>sam</id>",
        "InvalidFullLink",
    ),
    (
        "id not canonical",
        "<id>https://www.example.org/news/sam/</id>",
        "<id>https://WWW.Example.org:443/news/sam/</id>",
        "NonCanonicalURI",
    ),
    (
        "relative entry link",
        'link href="https://www.example.org/news/sam/"',
        'link href="/news/sam/"',
        "InvalidFullLink",
    ),
    (
        "link without href",
        '<link href="https://www.example.org/" rel="alternate" type="text/html"/>',
        '<link rel="alternate" type="text/html"/>',
        "MissingHref",
    ),
    (
        "two alternates alike",
        '<link href="https://www.example.org/" rel="alternate" type="text/html"/>',
        '<link href="https://www.example.org/" rel="alternate" '
        'type="text/html"/><link href="https://www.example.org/b/" type="text/html"/>',
        "DuplicateAtomLink",
    ),
    ("no language", ' xml:lang="en-GB"', "", "MissingDCLanguage"),
    ("bad language", 'xml:lang="en-GB"', 'xml:lang="en_GB"', "InvalidLanguage"),
    (
        "no textual content",
        '<content type="html">&lt;p&gt;Words.&lt;/p&gt;</content>',
        "",
        "MissingTextualContent",
    ),
    ("html type as MIME", 'content type="html"', 'content type="text/html"', "HtmlFragment"),
    ("bad text type", "<summary>", '<summary type="markdown">', "InvalidTextType"),
    (
        "markup in a plain title",
        "<title>Second</title>",
        "<title>&lt;b&gt;S&lt;/b&gt;</title>",
        "ContainsUndeclaredHTML",
    ),
    ("blank title", "<title>Second</title>", "<title> </title>", "NotBlank"),
    ("metadata after entries", "</feed>", "<subtitle>Late</subtitle></feed>", "MisplacedMetadata"),
    (
        "two ids",
        "<title>Appeals</title>",
        f"<title>Appeals</title><id>{ATOM_SELF}</id>",
        "DuplicateElement",
    ),
    (
        "no namespace",
        'xmlns="http://www.w3.org/2005/Atom"',
        'xmlns="http://purl.org/atom/ns#"',
        "UndeterminableVocabulary",
    ),
    ("not XML", "</feed>", "", "NotWellFormed"),
    ("enclosure type not a type", 'type="image/jpeg"', 'type="a picture"', "InvalidMIMEType"),
    (
        "enclosure length negative",
        'rel="enclosure"',
        'rel="enclosure" length="-1"',
        "InvalidNonNegativeInteger",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "rule"), [case[1:] for case in BAD_ATOM], ids=[case[0] for case in BAD_ATOM]
)
def test_a_bad_atom_feed_is_reported(old: str, new: str, rule: str) -> None:
    assert old in GOOD_ATOM
    assert rule in rules(GOOD_ATOM.replace(old, new, 1), ATOM_SELF)


def test_problems_name_rule_message_and_place() -> None:
    bad = GOOD_RSS.replace(
        "Thu, 02 Apr 2020 13:53:00 +0100</pubDate>", "Thu, 02 Apr 2020 12:53:00 GMT</pubDate>"
    )
    [problem] = check_feed(bad.encode(), location=RSS_SELF, now=NOW)
    assert problem.rule == "WrongUtcOffset"
    assert "Europe/London" in problem.message
    assert problem.location.endswith("/rss/channel/item[2]/pubDate")
    assert problem.location.startswith("line ")
    # Another zone: the same GMT date is right for a record kept in UTC.
    in_utc = check_feed(bad.encode(), location=RSS_SELF, now=NOW, zone=ZoneInfo("UTC"))
    assert [p for p in in_utc if p.location.endswith("item[2]/pubDate")] == []
