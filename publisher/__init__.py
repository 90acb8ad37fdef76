"""publisher: one appeal record in; web pages, feeds, social posts and plain text out."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
