"""Small helpers shared by the file channels (feeds, text): text hygiene, links, file output."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from publisher.channel import Receipt, Rendition, Target
from publisher.channel.files import write_files
from publisher.domain.record import Block, Paragraph
from publisher.errors import PermanentPublishError, TransientPublishError

__all__ = [
    "SAFE_SCHEMES",
    "join_texts",
    "needs_space",
    "opening_text",
    "publish_files",
    "safe_href",
    "same_words",
    "strip_control",
]

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel", "sms"})

# C0 controls except tab and newline (CR is folded to a newline first), DEL, C1 controls,
# lone surrogates and the two non-characters XML 1.0 forbids.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NO_SPACE_BEFORE = re.compile(r"^[.,;:!?)\]}%…’]")
_NO_SPACE_AFTER = re.compile(r"[(\[{£$‘“]$")


def strip_control(text: str) -> str:
    """``text`` without control characters (illegal in XML, invisible and risky elsewhere)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def needs_space(before: str, after: str) -> bool:
    """Whether two inline runs (spans) need a space between them.

    Spans keep their spaces as written, but the channels clean each run on its own (which
    trims it), so the space between "call" and "999" has to be put back: never before closing
    punctuation or after an opening bracket, and never twice.
    """
    if not before or not after or before[-1].isspace() or after[0].isspace():
        return False
    return not (_NO_SPACE_BEFORE.match(after) or _NO_SPACE_AFTER.search(before))


def join_texts(texts: Iterable[str]) -> str:
    """Join inline runs with :func:`needs_space` spacing."""
    out = ""
    for text in texts:
        if needs_space(out, text):
            out += " "
        out += text
    return out


def same_words(a: str, b: str) -> bool:
    """Whether two texts say the same words (case, punctuation and spacing aside)."""

    def norm(text: str) -> str:
        return re.sub(r"[\W_]+", " ", text.casefold()).strip()

    return norm(a) == norm(b)


def opening_text(body: Sequence[Block]) -> str:
    """The words of the body's first block when it is a paragraph (else ""): a summary that
    only repeats them is not shown twice."""
    first = body[0] if body else None
    if not isinstance(first, Paragraph):
        return ""
    return join_texts(span.text for span in first.spans)


def safe_href(href: str, base: str) -> str | None:
    """An absolute link with an allowed scheme, or None (the text is then shown unlinked).

    Relative links are resolved against ``base`` (the appeal's own URL).
    """
    href = strip_control(href).strip()
    if not href:
        return None
    absolute = urljoin(base, href)
    try:
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES:
        return None
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        return None
    if any(char.isspace() or char in "<>\"'`" for char in absolute):
        return None
    return absolute


_PERMANENT_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.ENAMETOOLONG,
        errno.EEXIST,
        errno.EINVAL,
        errno.ELOOP,
    }
)


def publish_files(channel: str, rendition: Rendition, target: Target) -> Receipt:
    """Write a rendition's files atomically under ``target.output_dir``.

    Unchanged files are left untouched. Errors from the file system become the project's own:
    permissions, read-only or wrong paths are permanent (a person must fix them); anything else
    (disk full, I/O errors, busy) is transient, which is safe because the writes are idempotent.
    """
    if target.output_dir is None:
        raise PermanentPublishError(f"the {channel} channel needs a target with an output_dir")
    if rendition.channel != channel:
        raise PermanentPublishError(
            f"the {channel} channel cannot publish a {rendition.channel!r} rendition"
        )
    try:
        changed = write_files(target.output_dir, rendition.files)
    except OSError as exc:
        message = f"{channel}: could not write to {target.output_dir}: {exc}"
        if exc.errno in _PERMANENT_ERRNOS:
            raise PermanentPublishError(message) from exc
        raise TransientPublishError(message) from exc
    return Receipt(
        channel=channel,
        paths=tuple(item.path for item in rendition.files),
        published_at=datetime.now(UTC),
        details={
            "changed": str(len(changed)),
            "unchanged": str(len(rendition.files) - len(changed)),
        },
    )
