"""A small feed checker: the W3C Feed Validation Service's rules that matter to us.

Written from the rules of the W3C validator (``w3c/feedvalidator``: ``channel.py``,
``item.py``, ``feed.py``, ``entry.py``, ``link.py``, ``content.py``, ``validators.py``) and its
documentation, for RSS 2.0 and Atom 1.0, plus a few rules of this project (marked *project*):

Both formats
    ``NotWellFormed`` (not XML), ``UndeterminableVocabulary`` (neither RSS 2.0 nor Atom),
    ``BadCharacters`` (C1 controls or U+FFFD in text), ``RelativeSelf``,
    ``SelfDoesntMatchLocation`` (when the feed's location is given), ``SelfNotAtom``,
    ``InvalidFullLink`` (a URL that must be absolute is not), ``InvalidLanguage``,
    ``MissingDCLanguage``, ``ImplausibleDate`` (before 1990 or more than ten minutes ahead),
    ``DuplicateElement``, ``UndefinedElement`` (markup inside a text element; unknown RSS
    element), ``NotBlank``, ``DuplicateEntries`` (two items with one guid or one atom:id).
    Inside escaped HTML (RSS ``description``, Atom ``content``/``summary`` of type html):
    ``NotHtml`` (unbalanced or unknown tags), ``SecurityRisk`` (script, iframe, object…),
    ``SecurityRiskAttr`` (``on*`` handlers, attributes outside the validator's safe list),
    ``ContainsRelRef`` (a relative ``href``/``src``) and *project* ``UnsafeLinkScheme`` (any
    scheme but http, https, mailto, tel and sms). In plain-text elements:
    ``ContainsHTML``/``ContainsUndeclaredHTML`` (an end tag in text: warnings).
    *project* ``WrongUtcOffset``: every date must carry the UTC offset of the given zone
    (Europe/London by default) at that instant: ``+0100`` in summer time, not ``GMT``.

RSS 2.0
    ``MissingChannel`` (not exactly one ``channel``), ``MissingTitle``, ``MissingLink``,
    ``MissingDescription``, ``MissingAtomSelfLink``,
    ``MisplacedItem``, ``InvalidRFC2822Date``, ``ProblematicalRFC822Date``, ``IncorrectDOW``,
    ``ItemMustContainTitleOrDescription``, ``MissingGuid``, ``InvalidBooleanAttribute``,
    ``InvalidHttpGUID`` (a permalink guid that is not a full URL), ``InvalidPermalink``
    (``tag:``/``urn:uuid:`` as a permalink), *project* ``NotPermalink`` (every guid must be the
    item's permalink), ``DuplicateSemantics`` (``managingEditor`` and ``dc:creator``),
    ``DuplicateItemSemantics`` (``author`` and ``dc:creator``), ``InvalidContact``;
    ``enclosure`` (``item.py``): ``MissingAttribute`` (``url``, ``length`` or ``type``),
    ``InvalidIntegerAttribute`` (a length that is not a number), ``InvalidNonNegativeInteger``
    (below 0), ``UseZeroForUnknown`` (``-1``; 0 is how an unknown length is given),
    ``InvalidMIMEAttribute``, ``InvalidFullLink`` (the url is not a full http(s) URL).

Atom 1.0
    ``MissingElement`` (feed ``id``/``title``/``updated``; entry ``id``/``title``/
    ``updated``; entry ``author`` when the feed has none), ``MissingSelf``,
    ``DuplicateAtomLink``, ``MissingHref``, ``MisplacedMetadata``, ``InvalidRFC3339Date``,
    ``NonCanonicalURI`` (ids), ``MissingTextualContent``, ``MissingContentOrAlternate``,
    ``InvalidTextType``, ``HtmlFragment`` (``type="text/html"`` content that is not a whole
    document), ``UnexpectedWhitespace`` (around an id); links (``link.py``):
    ``InvalidMIMEType`` (``type``), ``InvalidNonNegativeInteger`` (``length``).

:func:`check_feed` returns every problem found as :class:`Problem` ``(rule, message,
location)``; ``location`` is ``"line N: /path/to/element"``. :data:`WARNING_RULES` lists the
rules the W3C service reports as warnings rather than errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_tz
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
from lxml import etree

__all__ = [
    "ALLOWED_CONTENT_SCHEMES",
    "ATOM_NS",
    "WARNING_RULES",
    "Problem",
    "check_feed",
    "iter_dates",
]

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
A = f"{{{ATOM_NS}}}"

ALLOWED_CONTENT_SCHEMES = frozenset({"http", "https", "mailto", "tel", "sms"})
"""Schemes a link or image inside entry content may use (project rule)."""

WARNING_RULES = frozenset(
    {
        "ContainsHTML",
        "ContainsUndeclaredHTML",
        "ContainsRelRef",
        "DuplicateEntries",
        "DuplicateSemantics",
        "DuplicateItemSemantics",
        "HtmlFragment",
        "ImplausibleDate",
        "MissingAtomSelfLink",
        "MissingDCLanguage",
        "MissingGuid",
        "MissingSelf",
        "NonCanonicalURI",
        "ProblematicalRFC822Date",
        "SecurityRisk",
        "SecurityRiskAttr",
        "SelfDoesntMatchLocation",
        "UseZeroForUnknown",
    }
)
"""Rules the W3C service reports as warnings (the rest are errors)."""


class Problem(NamedTuple):
    rule: str
    message: str
    location: str


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- Vocabulary ------------------------------------------------------------------------------

_ISO639_1 = _words(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
    "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
    "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
    "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
    "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu"
)
_LANG_RE = re.compile(r"^([A-Za-z]{2,3})(-[A-Za-z0-9]{1,8})*$")

_RSS_CHANNEL = _words(
    "title link description language copyright managingEditor webMaster pubDate lastBuildDate "
    "category generator docs cloud ttl image rating textInput skipHours skipDays item"
)
_RSS_CHANNEL_ONCE = _RSS_CHANNEL - {"category", "item"}
_RSS_ITEM = _words("title link description author category comments enclosure guid pubDate source")
_RSS_ITEM_ONCE = _RSS_ITEM - {"category"}
_ATOM_FEED_ONCE = frozenset({"id", "title", "updated", "subtitle", "rights", "generator", "icon"})
_ATOM_FEED_ONCE |= {"logo"}
_ATOM_ENTRY_ONCE = frozenset(
    {"id", "title", "updated", "published", "summary", "content", "rights", "source"}
)

# The W3C validator's HTML lists (validators.HTMLValidator), trimmed to what a feed may carry.
_SAFE_ELEMENTS = _words(
    "a abbr acronym address area article aside audio b bdi big blockquote br button canvas "
    "caption center cite code col colgroup command data datagrid datalist dd del details dfn "
    "dialog dir div dl dt em eventsource fieldset figcaption figure footer font form header h1 "
    "h2 h3 h4 h5 h6 hgroup hr i img input ins keygen kbd label legend li m main map mark menu "
    "meter multicol nav nextid ol output optgroup option p picture pre progress q rp rt ruby s "
    "samp section select small sound source spacer span strike strong sub summary sup table "
    "tbody td template textarea time tfoot th thead tr track tt u ul var video noscript "
    "wbr"
)
_HTML_ELEMENTS = _SAFE_ELEMENTS | _words(
    "applet base basefont body embed frame frameset head html iframe isindex link meta "
    "noframes object param script slot style title xmp plaintext comment listing"
)
_SAFE_ATTRIBUTES = _words(
    "abbr accept accept-charset accesskey action align alt autocomplete autofocus autoplay "
    "axis background bgcolor border cellpadding cellspacing char charoff charset checked cite "
    "class clear color cols colspan compact contenteditable coords datetime default dir "
    "disabled download draggable enctype face for form headers height hidden high href "
    "hreflang hspace id inputmode ismap itemprop itemscope itemtype label lang loading "
    "longdesc loop low max maxlength media method min multiple name nohref noshade nowrap "
    "open optimum pattern placeholder poster preload readonly rel rev reversed rows rowspan "
    "rules scope selected shape size sizes span spellcheck src srclang srcset start step "
    "summary tabindex target title translate type usemap valign value vspace width wrap"
)
_VOID_ELEMENTS = _words("area base br col embed hr img input link meta param source track wbr")

# validators.rfc822: the strict RFC 2822 form, and the looser RFC 822 one it tolerates.
_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_ZONES = "UT|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z"
_RFC2822_RE = re.compile(
    rf"^(?:(?P<dow>{_DAYS}), )?\d\d? (?:{_MONTHS}) \d\d\d\d \d\d:\d\d(?::\d\d)? "
    rf"(?P<zone>[+-]?\d\d[03]0|{_ZONES})$"
)
_RFC822_RE = re.compile(
    rf"^(?:(?:{_DAYS})\s*,\s*)?\d\d?\s+(?:{_MONTHS})\s+\d\d(?:\d\d)?\s+\d\d:\d\d(?::\d\d)?"
    rf"\s+(?:[+-]\d\d\d\d|{_ZONES}|[A-IK-Za-ik-z])?$",
    re.IGNORECASE,
)
_RFC3339_RE = re.compile(
    r"^(\d\d\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$"
)
_FULL_URL_RE = re.compile(r"^[a-zA-Z][0-9a-zA-Z+\-.]*:(//)?[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+$")
_END_TAG_RE = re.compile(r"</\w+>")
_EMAIL_WITH_NAME_RE = re.compile(r"^[\w.+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+( \(.+\))?$")
_BAD_CHARS_RE = re.compile("[\x80-\x9f\ufffd]")
_SELF_TYPES = frozenset({"application/atom+xml", "application/rss+xml", "application/rdf+xml"})
# validators.mime_re: type/subtype, then parameters.
_TOKEN = r'[^\s()<>,;:\\"/\[\]?=]+'
_MIME_RE = re.compile(rf'^{_TOKEN}/{_TOKEN}(\s*;\s*{_TOKEN}=("(\\"|[^"])*"|{_TOKEN}))*$')


# --- Entry point -----------------------------------------------------------------------------


def check_feed(
    content: bytes,
    *,
    location: str | None = None,
    zone: ZoneInfo | None = None,
    now: datetime | None = None,
) -> list[Problem]:
    """Every problem in one RSS 2.0 or Atom document.

    ``location``: the absolute URL the feed is served from (its self link must match it).
    ``zone``: the zone whose UTC offset every date must carry (default Europe/London).
    ``now``: the clock for ``ImplausibleDate`` (default: the real one).
    """
    checker = _Checker(
        location=location,
        zone=zone or ZoneInfo("Europe/London"),
        now=now or datetime.now(UTC),
    )
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        return [Problem("NotWellFormed", str(exc), f"line {exc.lineno}")]
    checker.run(root)
    return checker.problems


# --- The checker -----------------------------------------------------------------------------


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _where(element: etree._Element) -> str:
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = f"{node.prefix}:{_local(node)}" if node.prefix else _local(node)
        parent = node.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return f"line {element.sourceline}: /" + "/".join(reversed(parts))


def _children(element: etree._Element) -> list[etree._Element]:
    """Element children (no comments or processing instructions)."""
    return [child for child in element if isinstance(child.tag, str)]


class _Checker:
    def __init__(self, *, location: str | None, zone: ZoneInfo, now: datetime) -> None:
        self.location = location
        self.zone = zone
        self.now = now
        self.problems: list[Problem] = []

    def log(self, rule: str, message: str, element: etree._Element) -> None:
        self.problems.append(Problem(rule, message, _where(element)))

    # Dispatch ---------------------------------------------------------------------------------

    def run(self, root: etree._Element) -> None:
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for text in (element.text, element.tail, *element.attrib.values()):
                if text and _BAD_CHARS_RE.search(text):
                    self.log("BadCharacters", "C1 control or replacement character", element)
                    break
        if root.tag == "rss" and root.get("version") == "2.0":
            self.rss(root)
        elif root.tag == f"{A}feed":
            self.atom(root)
        else:
            version = root.get("version")
            self.log(
                "UndeterminableVocabulary",
                f"root <{root.tag}> (version {version!r}) is neither RSS 2.0 nor Atom 1.0",
                root,
            )

    # Shared rules -----------------------------------------------------------------------------

    def once(self, parent: etree._Element, names: Iterable[str], ns: str = "") -> None:
        seen: set[str] = set()
        wanted = set(names)
        for child in _children(parent):
            qname = etree.QName(child)
            if (qname.namespace or "") != ns or qname.localname not in wanted:
                continue
            if qname.localname in seen:
                self.log("DuplicateElement", f"<{qname.localname}> appears twice", child)
            seen.add(qname.localname)

    def text_only(self, element: etree._Element) -> str:
        """The text of an element that must not contain markup."""
        for child in _children(element):
            self.log("UndefinedElement", f"<{_local(child)}> inside <{_local(element)}>", child)
        return element.text or ""

    def full_url(self, value: str, element: etree._Element, what: str) -> bool:
        value = value.strip()
        parts = urlsplit(value)
        ok = bool(_FULL_URL_RE.match(value)) and (
            parts.scheme.lower() not in ("http", "https") or bool(parts.netloc)
        )
        if not ok:
            self.log("InvalidFullLink", f"{what} must be a full URL: {value!r}", element)
        return ok

    def language(self, value: str | None, element: etree._Element) -> None:
        if value is None:
            self.log("MissingDCLanguage", "no language given", element)
            return
        match = _LANG_RE.match(value.strip())
        primary = match.group(1).lower() if match else ""
        if not match or (len(primary) == 2 and primary not in _ISO639_1):
            self.log("InvalidLanguage", f"{value!r} is not an ISO 639 language code", element)

    def self_link(self, link: etree._Element) -> None:
        href = (link.get("href") or "").strip()
        if not urlsplit(href).netloc:
            self.log("RelativeSelf", f"self link {href!r} is relative", link)
        kind = (link.get("type") or "").split(";")[0].strip()
        if kind and kind not in _SELF_TYPES:
            self.log("SelfNotAtom", f"self link type {kind!r} is not a feed type", link)
        if self.location is not None and urljoin(self.location, href) != self.location:
            self.log(
                "SelfDoesntMatchLocation",
                f"self link {href!r} is not where the feed is served ({self.location})",
                link,
            )

    def plausible(self, moment: datetime, element: etree._Element) -> None:
        if moment.year < 1990 or moment > self.now + timedelta(minutes=10):
            self.log("ImplausibleDate", f"{moment.isoformat()} is implausible", element)

    def offset(self, moment: datetime, element: etree._Element) -> None:
        expected = moment.astimezone(self.zone).utcoffset()
        if moment.utcoffset() != expected:
            self.log(
                "WrongUtcOffset",
                f"{moment.isoformat()} carries offset {moment.utcoffset()}, but {self.zone.key} "
                f"was at {expected} then",
                element,
            )

    def plain_text(self, element: etree._Element, rule: str) -> str:
        text = self.text_only(element)
        if _END_TAG_RE.search(text):
            self.log(rule, f"<{_local(element)}> holds text that looks like HTML", element)
        return text

    def html(self, markup: str, element: etree._Element) -> None:
        """Escaped HTML: well formed, safe, links absolute with an allowed scheme."""
        balance = _TagBalance()
        balance.feed(markup)
        balance.close()
        for message in balance.errors:
            self.log("NotHtml", message, element)
        if not markup.strip():
            return
        fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
        for node in fragment.iter():
            if not isinstance(node.tag, str):
                continue
            tag = node.tag.lower()
            if node is not fragment and tag not in _SAFE_ELEMENTS:
                self.log("SecurityRisk", f"<{tag}> in content", element)
            for name, value in node.attrib.items():
                lowered = name.lower()
                if lowered not in _SAFE_ATTRIBUTES and not lowered.startswith("data-"):
                    self.log("SecurityRiskAttr", f"attribute {name!r} on <{tag}>", element)
                if lowered in ("href", "src", "cite", "longdesc", "poster", "background"):
                    self.content_url(value, tag, lowered, element)

    def content_url(self, value: str, tag: str, attr: str, element: etree._Element) -> None:
        ref = value.strip()
        scheme = urlsplit(ref).scheme.lower() if re.match(r"^[A-Za-z][\w+.-]*:", ref) else ""
        if not scheme:
            self.log("ContainsRelRef", f"<{tag} {attr}={ref!r}> is relative", element)
        elif scheme not in ALLOWED_CONTENT_SCHEMES:
            self.log("UnsafeLinkScheme", f"<{tag} {attr}={ref!r}>: scheme {scheme!r}", element)
        elif scheme in ("http", "https") and not urlsplit(ref).netloc:
            self.log("ContainsRelRef", f"<{tag} {attr}={ref!r}> has no host", element)

    # RSS 2.0 ----------------------------------------------------------------------------------

    def rss(self, root: etree._Element) -> None:
        channels = [child for child in _children(root) if child.tag == "channel"]
        if len(channels) != 1:
            self.log("MissingChannel", f"{len(channels)} <channel> elements, not one", root)
            return
        channel = channels[0]
        names = [_local(child) for child in _children(channel) if not etree.QName(child).namespace]
        for required, rule in (
            ("title", "MissingTitle"),
            ("link", "MissingLink"),
            ("description", "MissingDescription"),
        ):
            if required not in names:
                self.log(rule, f"channel has no <{required}>", channel)
        self.once(channel, _RSS_CHANNEL_ONCE)
        self.once(channel, ["link"], ATOM_NS)  # one self link is enough; checked below
        language = channel.find("language")
        self.language(None if language is None else (language.text or ""), channel)
        seen_item = False
        for child in _children(channel):
            qname = etree.QName(child)
            if not qname.namespace:
                if qname.localname not in _RSS_CHANNEL:
                    self.log("UndefinedElement", f"<{qname.localname}> is not RSS 2.0", child)
                if qname.localname == "item":
                    seen_item = True
                elif seen_item:
                    self.log("MisplacedItem", "channel metadata after an <item>", child)
            elif seen_item:
                self.log("MisplacedItem", "channel metadata after an <item>", child)
        for name in ("title", "description", "link", "generator", "docs"):
            for child in channel.findall(name):
                text = self.plain_text(child, "ContainsHTML")
                if name in ("link", "docs"):
                    self.full_url(text, child, f"channel <{name}>")
                elif name == "title" and not text.strip():
                    self.log("NotBlank", "channel <title> is blank", child)
        for name in ("pubDate", "lastBuildDate"):
            for child in channel.findall(name):
                self.rfc822(child)
        editor = channel.find("managingEditor")
        creator = channel.find(f"{{{DC_NS}}}creator")
        if editor is not None:
            self.contact(editor)
            if creator is not None:
                self.log("DuplicateSemantics", "both <managingEditor> and <dc:creator>", channel)
        selves = [link for link in channel.findall(f"{A}link") if (link.get("rel") or "") == "self"]
        if not selves:
            self.log("MissingAtomSelfLink", 'no <atom:link rel="self">', channel)
        for link in channel.findall(f"{A}link"):
            if link.get("href") is None:
                self.log("MissingHref", "<atom:link> without href", link)
        for link in selves:
            self.self_link(link)
        guids: dict[str, etree._Element] = {}
        for item in channel.findall("item"):
            self.rss_item(item, guids)

    def rss_item(self, item: etree._Element, guids: dict[str, etree._Element]) -> None:
        names = {_local(child) for child in _children(item) if not etree.QName(child).namespace}
        for name in names - _RSS_ITEM:
            self.log("UndefinedElement", f"<{name}> is not an RSS 2.0 item element", item)
        self.once(item, _RSS_ITEM_ONCE)
        if not names & {"title", "description"}:
            self.log("ItemMustContainTitleOrDescription", "item has neither", item)
        if "author" in names and item.find(f"{{{DC_NS}}}creator") is not None:
            self.log("DuplicateItemSemantics", "both <author> and <dc:creator>", item)
        for title in item.findall("title"):
            if not self.plain_text(title, "ContainsHTML").strip():
                self.log("NotBlank", "item <title> is blank", title)
        for link in item.findall("link"):
            self.full_url(self.text_only(link), link, "item <link>")
        for description in item.findall("description"):
            self.html(self.text_only(description), description)
        for when in item.findall("pubDate"):
            self.rfc822(when)
        for author in item.findall("author"):
            self.contact(author)
        for enclosure in item.findall("enclosure"):
            self.enclosure(enclosure)
        guid = item.find("guid")
        if guid is None:
            self.log("MissingGuid", "item has no <guid>", item)
            return
        self.guid(guid, item, guids)

    def guid(
        self, guid: etree._Element, item: etree._Element, guids: dict[str, etree._Element]
    ) -> None:
        value = self.text_only(guid).strip()
        flag = guid.get("isPermaLink")
        if flag is not None and flag not in ("true", "false"):
            self.log("InvalidBooleanAttribute", f"isPermaLink={flag!r}", guid)
        if flag == "false":
            self.log("NotPermalink", "guid is not the item's permalink", guid)
        else:
            parts = urlsplit(value)
            if value.lower().startswith(("tag:", "urn:uuid:")):
                self.log("InvalidPermalink", f"{value!r} cannot be a permalink", guid)
            elif not _FULL_URL_RE.match(value) or parts.scheme not in ("http", "https"):
                self.log("InvalidHttpGUID", f"permalink guid {value!r} is not a full URL", guid)
            elif not parts.netloc:
                self.log("InvalidHttpGUID", f"permalink guid {value!r} has no host", guid)
            link = item.findtext("link")
            if link is not None and link.strip() != value:
                self.log("NotPermalink", f"guid {value!r} is not the item link {link!r}", guid)
        if value in guids:
            self.log("DuplicateEntries", f"guid {value!r} is used by two items", guid)
        guids.setdefault(value, guid)

    def enclosure(self, element: etree._Element) -> None:
        for name in ("url", "length", "type"):
            if element.get(name) is None:
                self.log("MissingAttribute", f"<enclosure> has no {name}", element)
        length = element.get("length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                self.log("InvalidIntegerAttribute", f"length={length!r}", element)
            else:
                if size == -1:
                    self.log("UseZeroForUnknown", "an unknown length is 0, not -1", element)
                elif size < 0:
                    self.log("InvalidNonNegativeInteger", f"length={length!r}", element)
        kind = element.get("type")
        if kind is not None and not _MIME_RE.match(kind):
            self.log("InvalidMIMEAttribute", f"type={kind!r}", element)
        url = element.get("url")
        if url is not None:
            parts = urlsplit(url.strip())
            if parts.scheme not in ("http", "https") or not parts.netloc:
                self.log("InvalidFullLink", f"enclosure url {url!r} is not a full URL", element)

    def contact(self, element: etree._Element) -> None:
        value = self.text_only(element).strip()
        if not _EMAIL_WITH_NAME_RE.match(value):
            self.log("InvalidContact", f"{value!r} is not 'address (Name)'", element)

    def rfc822(self, element: etree._Element) -> None:
        value = self.text_only(element).strip()
        match = _RFC2822_RE.match(value)
        if not match:
            if _RFC822_RE.match(value):
                self.log("ProblematicalRFC822Date", f"{value!r} is RFC 822, not 2822", element)
            else:
                self.log("InvalidRFC2822Date", f"{value!r} is not an RFC 2822 date", element)
            return
        parsed = parsedate_tz(value)
        if parsed is None:
            self.log("InvalidRFC2822Date", f"{value!r} does not parse", element)
            return
        try:
            day = date(parsed[0], parsed[1], parsed[2])
            east = timezone(timedelta(seconds=parsed[9] or 0))  # seconds east of UTC
            moment = datetime(*parsed[:6], tzinfo=east)
        except ValueError as exc:
            self.log("InvalidRFC2822Date", f"{value!r}: {exc}", element)
            return
        if match.group("dow") and day.strftime("%a") != match.group("dow"):
            self.log("IncorrectDOW", f"{value!r}: that day is a {day:%A}", element)
            return
        self.plausible(moment, element)
        self.offset(moment, element)

    # Atom 1.0 ---------------------------------------------------------------------------------

    def atom(self, feed: etree._Element) -> None:
        self.language(feed.get(XML_LANG), feed)
        entries = feed.findall(f"{A}entry")
        names = [_local(child) for child in _children(feed) if child.tag.startswith(A)]
        for required in ("id", "title", "updated"):
            if required not in names:
                self.log("MissingElement", f"feed has no <{required}>", feed)
        self.once(feed, _ATOM_FEED_ONCE, ATOM_NS)
        seen_entry = False
        for child in _children(feed):
            if child.tag == f"{A}entry":
                seen_entry = True
            elif seen_entry:
                self.log("MisplacedMetadata", f"<{_local(child)}> after an entry", child)
        feed_has_author = feed.find(f"{A}author") is not None
        self.atom_common(feed)
        links = feed.findall(f"{A}link")
        selves = [link for link in links if link.get("rel") == "self"]
        if not selves:
            self.log("MissingSelf", 'no <link rel="self">', feed)
        for link in selves:
            self.self_link(link)
        self.duplicate_links(links, feed, alternates_only=False)
        for generator in feed.findall(f"{A}generator"):
            if not self.text_only(generator).strip():
                self.log("NotBlank", "<generator> is blank", generator)
        ids: dict[str, etree._Element] = {}
        for entry in entries:
            self.atom_entry(entry, feed_has_author, ids)

    def atom_common(self, element: etree._Element) -> None:
        """Rules shared by feed and entry: id, links, dates, text constructs, authors."""
        for identifier in element.findall(f"{A}id"):
            value = self.text_only(identifier)
            if value != value.strip():
                self.log("UnexpectedWhitespace", "whitespace around the id", identifier)
            if self.full_url(value, identifier, "<id>"):
                self.canonical(value.strip(), identifier)
        for link in element.findall(f"{A}link"):
            href = link.get("href")
            if href is None:
                self.log("MissingHref", "<link> without href", link)
            else:
                self.full_url(href, link, "<link href>")
            kind = link.get("type")
            if kind is not None and not _MIME_RE.match(kind):
                self.log("InvalidMIMEType", f"link type={kind!r}", link)
            length = link.get("length")
            if length is not None and not re.fullmatch(r"\d+", length.strip()):
                self.log("InvalidNonNegativeInteger", f"link length={length!r}", link)
        for name in ("updated", "published"):
            for when in element.findall(f"{A}{name}"):
                self.rfc3339(when)
        for name in ("title", "subtitle", "rights", "summary", "content"):
            for construct in element.findall(f"{A}{name}"):
                self.text_construct(construct)
        for person in (*element.findall(f"{A}author"), *element.findall(f"{A}contributor")):
            if not (person.findtext(f"{A}name") or "").strip():
                self.log("MissingElement", f"<{_local(person)}> has no <name>", person)

    def atom_entry(
        self, entry: etree._Element, feed_has_author: bool, ids: dict[str, etree._Element]
    ) -> None:
        names = {_local(child) for child in _children(entry) if child.tag.startswith(A)}
        for required in ("id", "title", "updated"):
            if required not in names:
                self.log("MissingElement", f"entry has no <{required}>", entry)
        if "author" not in names and not feed_has_author:
            self.log("MissingElement", "entry has no <author> and neither has the feed", entry)
        self.once(entry, _ATOM_ENTRY_ONCE, ATOM_NS)
        self.atom_common(entry)
        links = entry.findall(f"{A}link")
        self.duplicate_links(links, entry, alternates_only=True)
        if "content" not in names:
            if "summary" not in names:
                self.log("MissingTextualContent", "entry has neither content nor summary", entry)
            if not any((link.get("rel") or "alternate") == "alternate" for link in links):
                self.log("MissingContentOrAlternate", "no content and no alternate link", entry)
        identifier = (entry.findtext(f"{A}id") or "").strip()
        if identifier:
            if identifier in ids:
                self.log("DuplicateEntries", f"id {identifier!r} is used by two entries", entry)
            ids.setdefault(identifier, entry)

    def duplicate_links(
        self, links: list[etree._Element], parent: etree._Element, *, alternates_only: bool
    ) -> None:
        seen: set[tuple[str, str, str]] = set()
        for link in links:
            rel = link.get("rel") or "alternate"
            if alternates_only and rel != "alternate":
                continue
            key = (rel, link.get("type") or "", link.get("hreflang") or "")
            if key in seen:
                self.log("DuplicateAtomLink", f"two links with rel/type/hreflang {key}", link)
            seen.add(key)

    def canonical(self, value: str, element: etree._Element) -> None:
        parts = urlsplit(value)
        if parts.scheme in ("http", "https"):
            host = parts.netloc
            default_port = ":80" if parts.scheme == "http" else ":443"
            if (
                value.split(":", 1)[0] != parts.scheme
                or host != host.lower()
                or host.endswith(default_port)
                or not parts.path
            ):
                self.log("NonCanonicalURI", f"{value!r} is not in canonical form", element)

    def rfc3339(self, element: etree._Element) -> None:
        value = self.text_only(element).strip()
        match = _RFC3339_RE.match(value)
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if match else None
        except ValueError:
            moment = None
        if moment is None:
            self.log("InvalidRFC3339Date", f"{value!r} is not an RFC 3339 date-time", element)
            return
        self.plausible(moment, element)
        self.offset(moment, element)

    def text_construct(self, element: etree._Element) -> None:
        kind = element.get("type", "text")
        name = _local(element)
        if element.get("src") is not None:
            return
        if kind not in ("text", "html", "xhtml"):
            if name != "content" or "/" not in kind:
                self.log("InvalidTextType", f"type={kind!r}", element)
            elif kind.split(";")[0].strip().endswith("/html"):
                markup = self.text_only(element)
                if "<html" not in markup.lower():
                    self.log("HtmlFragment", f"type={kind!r} needs a whole document", element)
                self.html(markup, element)
            return
        if kind == "xhtml":
            return  # we never write it; its rules (one xhtml:div) are not needed here
        if kind == "html":
            text = self.text_only(element)
            self.html(text, element)
        else:
            text = self.plain_text(element, "ContainsUndeclaredHTML")
        if name == "title" and not text.strip():
            self.log("NotBlank", "<title> is blank", element)


class _TagBalance(HTMLParser):
    """Reports unknown tags and start/end tags that do not pair up."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_ELEMENTS:
            self.errors.append(f"<{tag}> is not an HTML element")
        if tag not in _VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_ELEMENTS:
            self.errors.append(f"<{tag}/> is not an HTML element")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_ELEMENTS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close the open <{self.open()}>")
            if tag in self.stack:
                del self.stack[self.stack.index(tag) :]
            return
        self.stack.pop()

    def open(self) -> str:
        return self.stack[-1] if self.stack else "(nothing)"

    def close(self) -> None:
        super().close()
        for tag in self.stack:
            self.errors.append(f"<{tag}> is never closed")
        self.stack.clear()


def iter_dates(content: bytes) -> Iterator[str]:
    """Every date string in a feed (RSS pubDate/lastBuildDate, Atom updated/published)."""
    root = etree.fromstring(content)
    for element in root.iter():
        if isinstance(element.tag, str) and _local(element) in (
            "pubDate",
            "lastBuildDate",
            "updated",
            "published",
        ):
            yield (element.text or "").strip()
