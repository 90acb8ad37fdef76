"""How big an appeal file, and each part of it, may be: the numbers, in this one place.

Every importer (seed, native, JSON) and the checks on the finished record
(:mod:`publisher.importers.bounds`) read them from :data:`LIMITS`; docs/record-format.md
("Limits") gives each one with its reason. They are far above any real appeal (the longest we
have seen is a few thousand characters, one screen of contacts and a handful of numbers), and
low enough that the worst file they allow is read, checked and built in a few seconds, and that
every path made from it stays well under the file-name (255 bytes) and path (4096 bytes)
limits of common file systems.

Pure: the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LIMITS", "Limits", "describe_size"]


@dataclass(frozen=True)
class Limits:
    """Upper bounds on an appeal file and on the record made from it (inclusive)."""

    file_bytes: int = 1_000_000
    """The whole file, in bytes (1 MB). Checked before the file is read."""
    lines: int = 10_000
    """Lines in a seed or native file."""
    line_chars: int = 5_000
    """Characters in one line of a seed or native file."""
    word_chars: int = 100
    """Characters in one run without a space (a word) in the text; a web address in it
    (``http://``, ``https://`` or ``www.`` up to the next space) counts against ``url_chars``
    instead."""
    block_chars: int = 2_500
    """Characters in one paragraph, heading, list item, quote paragraph or contact; also in
    the summary, the resolution, the image's description and every other text field."""
    body_chars: int = 20_000
    """Characters in the whole text of the body (about 3,300 words)."""
    body_blocks: int = 500
    """Blocks in the body, each paragraph, heading, list item, quoted paragraph and contact
    list counting as one."""
    contacts: int = 100
    """Entries in the body's contact lists, all lists together."""
    phone_numbers: int = 100
    """Phone numbers in the appeal: in its text and in its contact lists."""
    hashtags: int = 30
    """Hashtags of the appeal (written in the metadata or found in the text)."""
    list_items: int = 30
    """Items of one metadata list: topics, campaigns, hashtags as written."""
    depth: int = 20
    """How deep mappings and lists may nest, in YAML metadata and in JSON."""
    id_chars: int = 100
    """Characters in the appeal's id (its short name in addresses and file names)."""
    area_chars: int = 100
    """Characters in the area's name, and in the short name made from it (``areas/<slug>/``)."""
    campaign_chars: int = 100
    """Characters in a campaign's name, and in the short name made from it."""
    url_chars: int = 2_000
    """Characters in a web address (the appeal's own, the image's)."""
    path_segment_chars: int = 100
    """Characters in one part of the appeal's page path (``/news/<part>/``): a folder name."""
    path_chars: int = 1_000
    """Characters in the appeal's whole page path."""
    hashtag_chars: int = 100
    """Characters in one hashtag."""


LIMITS = Limits()
"""The limits every importer applies."""


def describe_size(size: int) -> str:
    """A byte count as people read it: ``3.2 MB (3,221,225 bytes)``, ``512 bytes``."""
    if size >= 100_000:
        return f"{size / 1_000_000:.1f} MB ({size:,} bytes)"
    return f"{size:,} bytes"
