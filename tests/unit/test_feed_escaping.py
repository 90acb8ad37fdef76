"""Record text never becomes markup in any feed, at any level.

Every text field of an appeal carries hostile HTML. Every feed ``FeedsChannel`` writes (the
appeal's own pair, the site's, each area's, each campaign's) is parsed once as XML, as any feed
reader does; then, for every element and attribute, at the feed level (RSS ``channel``, Atom
``feed``) and in every item/entry:

- text the formats declare HTML (RSS ``description``, Atom text constructs with
  ``type="html"``) parses, as HTML, to no active element (script, iframe, svg, ...; ``img``
  only as the appeal's own image) and no ``on*`` attribute;
- any other text holds no ``<`` at all, so a reader that renders it as HTML anyway (many render
  RSS titles and the channel description so) gets text, not markup.

The helpers that build appeals are those of ``tests/unit/test_feeds_channel.py``.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import lxml.html
import pydantic
import pytest
from lxml import etree

from publisher.channel import OutputFile, RenderContext
from publisher.channels.feeds import FeedsChannel
from publisher.domain.record import Appeal
from tests.unit.test_feeds_channel import make_appeal, paragraph, site_appeal

ATOM_NS = "http://www.w3.org/2005/Atom"
PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "</description><script>x</script>",
    "</title><svg onload=alert(2)>",
    '"><iframe src=javascript:alert(3)>',
    "&lt;script&gt;alert(4)&lt;/script&gt;",  # already "escaped": must not be unescaped once
)
HOSTILE = " ".join(PAYLOADS)
IMAGE = "https://www.example.police.uk/img/hostile.jpg"
ACTIVE_TAGS = frozenset(
    {"script", "iframe", "svg", "object", "embed", "style", "math", "form", "frame", "base"}
)
CONTEXT = RenderContext(site_url="https://appeals.example.org/", site_name="Example appeals")
HOSTILE_CONTEXT = RenderContext(
    site_url="https://appeals.example.org/", site_name=f"Site {HOSTILE}"
)


def hostile_body() -> list[dict[str, Any]]:
    contact = {
        "name": f"Line {HOSTILE}",
        "kind": "phone",
        "value": "101",
        "display": "101",
        "note": f"Note {HOSTILE}",
    }
    return [
        paragraph(f"Body {HOSTILE}"),
        paragraph(f"Link {HOSTILE}", href="https://www.example.police.uk/advice/"),
        {"type": "heading", "text": f"Heading {HOSTILE}"},
        {
            "type": "quote",
            "speaker": f"Speaker {HOSTILE}",
            "role": f"Role {HOSTILE}",
            "verb": f"verb {HOSTILE}",
            "paragraphs": [paragraph(f"Quoted {HOSTILE}")],
        },
        {
            "type": "bullets",
            "intro": paragraph(f"Intro {HOSTILE}"),
            "items": [paragraph(f"Bullet {HOSTILE}")],
        },
        {"type": "contacts", "intro": paragraph(f"Contacts {HOSTILE}"), "contacts": [contact]},
        {
            "type": "call-to-action",
            "spans": [
                {"text": f"Share {HOSTILE} "},
                {"text": f"#Tag{HOSTILE}", "hashtag": True},
            ],
        },
    ]


def hostile_appeal(number: int, **changes: Any) -> Appeal:
    """An appeal whose every free-text field carries the payloads."""
    fields: dict[str, Any] = {
        "title": f"Title {number} {HOSTILE}",
        "summary": f"Summary {number} {HOSTILE}",
        "organisation": f"Org {HOSTILE}",
        "area": f"Area {number} {HOSTILE}",
        "campaigns": [f"Campaign {HOSTILE}", f"<b>campaign {number}</b>"],
        "hashtags": ["FindSam"],  # the record refuses markup here (see the test below)
        "image": {"url": IMAGE, "alt": f"Alt {HOSTILE}"},
        "body": hostile_body(),
    }
    fields.update(changes)
    return site_appeal(number, **fields)


def hostile_appeals() -> list[Appeal]:
    return [
        hostile_appeal(1),
        hostile_appeal(2, area=f"Other {HOSTILE}", updated_at="2020-12-01T10:00:00Z"),
        hostile_appeal(3, status="resolved", resolution=f"Resolved {HOSTILE}"),
        hostile_appeal(4, status="withdrawn"),
        # The summary repeats the title: the per-appeal feed describes itself with the title.
        hostile_appeal(5, summary=f"Title 5 {HOSTILE}"),
        hostile_appeal(6, organisation=None),
    ]


def rendered() -> Iterator[tuple[str, OutputFile]]:
    appeals = hostile_appeals()
    for context in (CONTEXT, HOSTILE_CONTEXT):
        for channel in (FeedsChannel(), FeedsChannel(editor_email="press@example.police.uk")):
            label = f"{context.site_name[:4]}/{channel.editor_email or 'no editor'}"
            for appeal in appeals:
                for item in channel.render(appeal, context).files:
                    yield label, item
            for item in channel.render_site(appeals, context).files:
                yield label, item


def declared_html(element: etree._Element) -> bool:
    name = etree.QName(element)
    if name.namespace is None and name.localname == "description":
        return True  # RSS: the channel's and the items' descriptions
    return name.namespace == ATOM_NS and element.get("type") == "html"


def html_problems(markup: str) -> list[str]:
    """What a reader rendering ``markup`` as HTML would run."""
    if not markup.strip():
        return []
    fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    problems = []
    for node in fragment.iter():
        if not isinstance(node.tag, str):
            continue
        tag = node.tag.lower()
        if tag in ACTIVE_TAGS:
            problems.append(f"<{tag}> element")
        if tag == "img" and not (node.get("src") == IMAGE and set(node.attrib) == {"src", "alt"}):
            problems.append(f"<img {dict(node.attrib)}> that is not the appeal's image")
        problems.extend(
            f"{name}= attribute on <{tag}>" for name in node.attrib if name.lower().startswith("on")
        )
    return problems


def path_of(element: etree._Element) -> str:
    """``/feed/entry[2]/title``: local names, so failures read well in both formats."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        same = [] if parent is None else [c for c in parent if c.tag == node.tag]
        steps.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
        node = parent
    return "/" + "/".join(reversed(steps))


def leaks(content: bytes) -> list[str]:
    tree = etree.fromstring(content)
    out: list[str] = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        where = path_of(element)
        for name, value in element.attrib.items():
            if "<" in value:
                out.append(f"{where}/@{name}: '<' in {value!r}")
        text = element.text or ""
        if declared_html(element):
            out.extend(f"{where} (HTML): {problem}" for problem in html_problems(text))
        elif "<" in text:
            out.append(f"{where}: '<' in {text[:70]!r}")
        if "<" in (element.tail or ""):
            out.append(f"{where} (tail): '<' in {element.tail!r}")
    return out


def test_no_feed_element_or_attribute_carries_markup() -> None:
    found: dict[str, list[str]] = {}
    files = 0
    for label, item in rendered():
        files += 1
        problems = leaks(item.content)
        if problems:
            found.setdefault(f"{label}: {item.path}", problems)
    # Per appeal 6 x 2, site 2, areas 6 x 2, campaigns 7 x 2; two contexts, two channels.
    assert files == 4 * (12 + 2 + 12 + 14)
    assert found == {}


def test_the_payloads_reach_the_feeds_as_text() -> None:
    """Not vacuous: the feeds do carry the hostile words, as text a reader shows verbatim."""
    appeal = hostile_appeal(1)
    pair = FeedsChannel().render(appeal, HOSTILE_CONTEXT)
    rss = etree.fromstring(pair.file("rss.xml").content)
    description = rss.findtext("channel/description")
    assert description is not None
    shown = lxml.html.fragment_fromstring(description, create_parent="div").text_content()
    assert shown == appeal.summary
    for payload in PAYLOADS:
        assert payload in shown
    title = rss.findtext("channel/title")
    assert title is not None and html.unescape(title) == f"Site {HOSTILE}: {appeal.title}"
    atom = etree.fromstring(pair.file("atom.xml").content)
    for path in ("a:title", "a:subtitle", "a:entry/a:title", "a:entry/a:summary"):
        element = atom.find(path, {"a": ATOM_NS})
        assert element is not None and element.text is not None, path
        assert element.get("type") == "html", path  # Atom says how to read it
        assert HOSTILE in html.unescape(element.text), path

    site = FeedsChannel().render_site([appeal], CONTEXT)
    area = etree.fromstring(site.file(f"feeds/areas/{appeal.area_slug}/rss.xml").content)
    area_description = area.findtext("channel/description")
    assert area_description is not None
    text = lxml.html.fragment_fromstring(area_description, create_parent="div").text_content()
    assert appeal.area in text


def test_hashtags_cannot_carry_markup() -> None:
    """The record refuses markup in hashtags, so no feed can receive it from there."""
    with pytest.raises(pydantic.ValidationError, match="hashtag"):
        make_appeal(hashtags=[PAYLOADS[0]])
