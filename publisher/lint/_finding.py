"""One thing the linter found, and how to tell whether any of them blocks scheduling."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Finding", "Severity", "has_errors"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """A problem in an appeal or one of its renditions.

    ``code`` is a stable id (documented in docs/checks.md); ``message`` says what is wrong,
    quoting the text; ``fix`` says, in plain English, what to do about it. Errors block
    scheduling; warnings are advice.
    """

    code: str
    severity: Severity
    message: str
    fix: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "file": self.file,
            "line": self.line,
            "field": self.field,
        }


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when at least one finding is an error (the appeal must not be scheduled)."""
    return any(finding.severity == "error" for finding in findings)
