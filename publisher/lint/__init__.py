"""Accessibility and safety checks for appeals and their renditions (``publisher check``).

Errors block scheduling; warnings are advice for the author. Every finding has a stable
``code``, documented with its reason and its fix in docs/checks.md.
"""

from __future__ import annotations

from publisher.lint._appeal import lint_appeal
from publisher.lint._finding import Finding, Severity, has_errors
from publisher.lint._social import lint_renditions
from publisher.lint._translations import language_name

__all__ = [
    "Finding",
    "Severity",
    "has_errors",
    "language_name",
    "lint_appeal",
    "lint_renditions",
]
