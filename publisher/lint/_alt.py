"""The share image's alt text: present, and meaningful."""

from __future__ import annotations

import re
import unicodedata

from publisher.lint._context import Context, quote
from publisher.lint._finding import Finding

__all__ = ["check_alt_text", "meaningless_alt_reason"]

MIN_ALT_LENGTH = 5
_IMAGE_EXTENSION_RE = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|heic|heif|tiff?|bmp|svg)\b", re.IGNORECASE
)
_CAMERA_NAME_RE = re.compile(r"\b(?:IMG|DSC|DSCN|PXL|DCIM|Screenshot)[-_ ]?\d+", re.IGNORECASE)
_OPENING_RE = re.compile(
    r"^\s*(?:an?\s+|the\s+)?(?:image|picture|photo|photograph|pic|graphic)\s+of\b",
    re.IGNORECASE,
)
_GENERIC = frozenset(
    {"image", "picture", "photo", "photograph", "graphic", "img", "pic", "untitled",
     "placeholder", "alt", "alt text", "default", "banner", "thumbnail", "logo"}
)  # fmt: skip


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def meaningless_alt_reason(alt: str, title: str) -> str | None:
    """Why ``alt`` tells a reader nothing, or None when it may be meaningful."""
    stripped = alt.strip()
    if len(stripped) < MIN_ALT_LENGTH:
        return f"it is only {len(stripped)} characters long"
    if _IMAGE_EXTENSION_RE.search(stripped) or _CAMERA_NAME_RE.search(stripped):
        return "it is a file name"
    if "_" in stripped:
        return "it contains underscores, like a file name"
    if _normal(stripped) in _GENERIC:
        return "it only says that there is an image"
    if _OPENING_RE.match(stripped):
        return "screen readers already say it is an image, so 'image of' or 'photo of' is noise"
    if _normal(stripped) == _normal(title):
        return "it repeats the title instead of describing the image"
    return None


def check_alt_text(ctx: Context) -> list[Finding]:
    image = ctx.appeal.image
    if image is None:
        return []
    alt = (image.alt or "").strip()
    if not alt:
        return [
            ctx.finding(
                "alt-text-missing",
                "warning",
                "The share image has no alt text, so it will not be posted to social media "
                "and people who cannot see it miss what it shows.",
                "Add alt text that says what the image shows, e.g. 'A police officer talking "
                "to a woman at her front door'. Leave out what the text already says.",
                "image.alt",
            )
        ]
    reason = meaningless_alt_reason(alt, ctx.appeal.title)
    if reason is None:
        return []
    return [
        ctx.finding(
            "alt-text-meaningless",
            "error",
            f"The share image's alt text {quote(alt)} does not describe the image: {reason}.",
            "Describe what the image shows in a short sentence, as you would to someone on the "
            "phone, e.g. 'Sam, a woman in her 30s with short dark hair, smiling'. Do not start "
            "with 'image of'.",
            "image.alt",
        )
    ]
