"""What the pages and the API show of an appeal: the real renderers' output, put side by side."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from starlette.datastructures import UploadFile

from publisher.channel.registry import Registry
from publisher.channels.text import TextChannel
from publisher.domain.record import Appeal
from publisher.errors import UsageError
from publisher.importers import ImportResult, parse_appeal, sniff
from publisher.lint import Finding, language_name

__all__ = [
    "Post",
    "Previews",
    "SocialPreview",
    "WebPage",
    "appeal_from_text",
    "findings_by_field",
    "previews",
]


@dataclass(frozen=True)
class Post:
    number: int
    text: str
    weight: int


@dataclass(frozen=True)
class SocialPreview:
    """One social channel's posts of an appeal, as that platform counts them."""

    channel: str
    platform: str
    posts: tuple[Post, ...]
    max_weight: int


@dataclass(frozen=True)
class WebPage:
    """The web page of an appeal in one of its languages."""

    locale: str
    language: str
    """Its name in English: "Welsh"."""
    lang: str
    """For ``lang`` attributes: ``cy-GB``."""
    html: str


@dataclass(frozen=True)
class Previews:
    """Each channel's rendition of one appeal (empty where a channel renders nothing)."""

    web: str
    rss: str
    rss_item: str
    atom: str
    posts: tuple[Post, ...]
    """X's, as :attr:`social` has them too."""
    max_weight: int | None
    text: str
    sms_segments: int
    sms_encoding: str
    social: tuple[SocialPreview, ...] = ()
    """Every social channel's (those with platform limits), in the registry's order."""
    translated_pages: tuple[WebPage, ...] = ()
    """The web page in each translation's language (:attr:`web` is the primary's)."""


def _text(rendition_files: Iterable[tuple[str, bytes]], suffix: str) -> str:
    for path, content in rendition_files:
        if path.endswith(suffix):
            return content.decode("utf-8")
    return ""


def _item(rss: str) -> str:
    """The first ``<item>`` of an RSS document (feedgen escapes text, so tags are tags)."""
    start, end = rss.find("<item>"), rss.rfind("</item>")
    return rss[start : end + len("</item>")] if start >= 0 and end > start else ""


def previews(appeal: Appeal, registry: Registry) -> Previews:
    """Render ``appeal`` with the web, feeds and text channels of ``registry``, and with every
    social channel it has (X first)."""
    context = registry.context
    web = registry.get("web").render(appeal, context)
    feeds = registry.get("feeds").render(appeal, context)
    text = registry.get("text").render(appeal, context)
    feed_files = [(f.path, f.content) for f in feeds.files]
    rss = _text(feed_files, "rss.xml")
    sms = TextChannel.sms_info(text) if text.files else None
    social: list[SocialPreview] = []
    for channel in registry.channels():
        if channel.limits is None:
            continue
        rendition = channel.render(appeal, context)
        limits = rendition.limits or channel.limits
        social.append(
            SocialPreview(
                channel=channel.name,
                platform=limits.name,
                posts=tuple(
                    Post(number=n, text=post.text, weight=post.weight)
                    for n, post in enumerate(rendition.posts, start=1)
                ),
                max_weight=limits.max_weight,
            )
        )
    x = next((s for s in social if s.channel == "x"), None)
    pages = [f.content.decode("utf-8") for f in web.files if f.path.endswith(".html")]
    translated: tuple[WebPage, ...] = ()
    if len(pages) == len(appeal.languages):  # the primary's page, then one per translation
        translated = tuple(
            WebPage(locale, language_name(locale), locale.replace("_", "-"), html)
            for locale, html in zip(appeal.languages[1:], pages[1:], strict=True)
        )
    return Previews(
        translated_pages=translated,
        web=_text(((f.path, f.content) for f in web.files), ".html"),
        rss=rss,
        rss_item=_item(rss),
        atom=_text(feed_files, "atom.xml"),
        posts=() if x is None else x.posts,
        max_weight=None if x is None else x.max_weight,
        text=_text(((f.path, f.content) for f in text.files), ".txt"),
        sms_segments=0 if sms is None else sms.segments,
        sms_encoding="" if sms is None else sms.encoding,
        social=tuple(social),
    )


def findings_by_field(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Findings keyed by the top-level record field they name (``image.alt`` → ``image``;
    ``body[2].paragraphs[0]`` → ``body``); those naming none under ``""``."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        key = (finding.field or "").split(".")[0].split("[")[0]
        grouped.setdefault(key, []).append(finding)
    return grouped


async def read_upload(value: object, *, max_bytes: int) -> tuple[str, str] | None:
    """(file name, text) of an uploaded file, or None when no file was chosen;
    :class:`UsageError` for a file that is too large or not UTF-8 text."""
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    data = await value.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UsageError("The file is larger than 1 MB")
    try:
        return value.filename, data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError("The file is not UTF-8 text") from exc


def appeal_from_text(text: str, upload: tuple[str, str] | None, *, max_bytes: int) -> ImportResult:
    """Parse an appeal from an uploaded file (name, text) or, without one, from typed text
    (sniffed, native by default): :class:`UsageError` for nothing given or too large,
    :class:`RecordInvalid` naming the line and field otherwise."""
    if upload is None and not text.strip():
        raise UsageError("Write the appeal in the box, or choose a file")
    if upload is not None:
        source, body, fmt = upload[0], upload[1], None
    else:
        source, body, fmt = "appeal.md", text, sniff(text) or "native"
    if len(body.encode("utf-8")) > max_bytes:
        raise UsageError("The appeal is larger than 1 MB")
    return parse_appeal(body, source=source, fmt=fmt)
