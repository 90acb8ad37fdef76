"""A number reads the same on every channel: grouped as people read it (``0808 802 4040`` for a
record's ``0808 8024040``), and quotes around it get no spaces inside, on the page, in the
feeds, in the plain text and in X posts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest

from publisher.channel import RenderContext
from publisher.channels.facebook import FacebookChannel
from publisher.channels.feeds import FeedsChannel
from publisher.channels.text import TextChannel
from publisher.channels.web import WebChannel
from publisher.channels.x import XChannel
from publisher.domain.record import Appeal

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
CONTEXT = RenderContext(site_url="https://appeals.example.org/")
RESPECT = {
    "name": "Respect Phoneline",
    "kind": "phone",
    "value": "+448088024040",
    "display": "0808 8024040",
}
POLICE = {"name": "Police", "kind": "phone", "value": "101", "display": "101"}


def appeal() -> Appeal:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["kind"] = "advice"
    data["summary"] = "Support is there for anyone worried about their own behaviour."
    data["body"] = [
        {"type": "paragraph", "spans": [{"text": "Help is there, whatever is happening."}]},
        {
            "type": "call-to-action",
            "spans": [
                {"text": "If you are worried, call the Respect Phoneline on "},
                {"text": "0808 8024040", "contact": RESPECT},
                {"text": '. To report it, call "'},
                {"text": "101", "contact": POLICE},
                {"text": '" and ask for the Public Protection Unit.'},
            ],
        },
        {"type": "contacts", "contacts": [RESPECT]},
    ]
    return Appeal.model_validate(data)


def _web() -> str:
    (page,) = WebChannel().render(appeal(), CONTEXT).files
    main = lxml.html.document_fromstring(page.content).xpath("//main")[0]
    return " ".join(main.text_content().split())


def _feed(name: str) -> str:
    rendition = FeedsChannel().render(appeal(), CONTEXT)
    entry = feedparser.parse(rendition.file(name).content).entries[0]
    html = entry.content[0].value if name == "atom.xml" else entry.description
    return " ".join(lxml.html.fromstring(f"<div>{html}</div>").text_content().split())


def _text() -> str:
    (item,) = TextChannel().render(appeal(), CONTEXT).files
    return " ".join(item.content.decode("utf-8").split())


def _x() -> str:
    return " ".join(
        " ".join(post.text for post in XChannel().render(appeal(), CONTEXT).posts).split()
    )


def _facebook() -> str:
    (post,) = FacebookChannel().render(appeal(), CONTEXT).posts
    return " ".join(post.text.split())


RENDERED = {
    "web": _web,
    "rss": lambda: _feed("rss.xml"),
    "atom": lambda: _feed("atom.xml"),
    "text": _text,
    "x": _x,
    "facebook": _facebook,
}


@pytest.mark.parametrize("channel", sorted(RENDERED))
def test_a_number_is_grouped_the_same_on_every_channel(channel: str) -> None:
    shown = RENDERED[channel]()
    assert "0808 802 4040" in shown
    assert "0808 8024040" not in shown
    assert "call the Respect Phoneline on 0808 802 4040." in shown


@pytest.mark.parametrize("channel", sorted(RENDERED))
def test_quotes_around_a_number_get_no_spaces_inside_on_every_channel(channel: str) -> None:
    shown = RENDERED[channel]()
    assert 'call "101" and ask' in shown
    assert '" 101' not in shown and '101 "' not in shown
