"""Which links a channel may write: one check for every channel. Pure, standard library only.

:func:`safe_href` is the only way a link from a record reaches an output. It allows absolute
http(s) links with a host, ``mailto:`` an address, and ``tel:``/``sms:`` a number; everything
else (``javascript:``, ``data:``, relative links with nothing to resolve them against, and any
URL with a space, a quote or an angle bracket in it) is refused, and the text is shown unlinked.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

__all__ = ["SAFE_SCHEMES", "safe_href"]

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel", "sms"})

# Every C0 control (tab, newline and carriage return included: browsers drop them inside URLs,
# so "java\tscript:" is "javascript:"), DEL, the C1 controls, lone surrogates and the
# non-characters HTML and XML forbid.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_NUMBER_URI = re.compile(r"^(tel|sms):\+?[0-9]{2,20}$")
_EMAIL = re.compile(r"^[^@\s<>\"'()]+@[^@\s<>\"'()]+\.[^@\s<>\"'()]+$")
_UNSAFE_CHARS = frozenset("<>\"'`")


def safe_href(href: str | None, base: str | None = None) -> str | None:
    """``href`` as a link a channel may write, or None (the text is then shown unlinked).

    Control characters are removed first, then surrounding spaces. A relative link is resolved
    against ``base`` (the appeal's own URL) when one is given; without it a relative link fails.
    What is left must be an http(s) URL with a host, ``mailto:`` an address, or ``tel:``/``sms:``
    a number (an optional ``+`` and 2 to 20 digits), with no whitespace, quote, backtick or angle
    bracket anywhere in it.
    """
    return _safe_href(href, base)


@lru_cache(maxsize=4096)  # pure, and an appeal's links are checked by every channel
def _safe_href(href: str | None, base: str | None) -> str | None:
    if href is None:
        return None
    cleaned = _CONTROL.sub("", href).strip()
    if not cleaned:
        return None
    if base is not None:
        try:
            cleaned = urljoin(base, cleaned)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            return None
    match = _SCHEME.match(cleaned)
    if match is None or any(c.isspace() or c in _UNSAFE_CHARS for c in cleaned):
        return None
    scheme = match.group(1).lower()
    if scheme not in SAFE_SCHEMES:
        return None
    if scheme in ("http", "https"):
        try:
            host = urlsplit(cleaned).hostname
        except ValueError:
            return None
        return cleaned if host else None
    if scheme in ("tel", "sms"):
        return cleaned if _NUMBER_URI.match(cleaned.lower()) else None
    address = cleaned[len("mailto:") :].split("?", 1)[0]
    return cleaned if _EMAIL.match(address) else None
