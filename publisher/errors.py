"""The project's own small error tree. Third-party errors are translated into these at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "AmbiguousPublishError",
    "BuildError",
    "ChannelDisabled",
    "PermanentPublishError",
    "Problem",
    "PublishError",
    "PublisherError",
    "RecordInvalid",
    "TransientPublishError",
]


class PublisherError(Exception):
    """Base of every error this project raises on purpose. ``exit_code`` is used by the CLI."""

    exit_code = 1

    def format_message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, which field, what."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}:{field} {self.message}"


class RecordInvalid(PublisherError):
    """An input file that cannot become an appeal. Names the file, the line and the field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = Problem(message=message, file=file, line=line, field=field)
        super().__init__(str(self.problem))

    @property
    def file(self) -> str | None:
        return self.problem.file

    @property
    def line(self) -> int | None:
        return self.problem.line

    @property
    def field(self) -> str | None:
        return self.problem.field


class BuildError(PublisherError):
    """A build that could not complete; nothing was written."""


class PublishError(PublisherError):
    """A channel could not publish.

    ``posted_ids``: for a thread, the remote ids of the parts already posted before the error
    (in order), so a retry resumes after them instead of posting them again.
    """

    posted_ids: tuple[str, ...] = ()


class TransientPublishError(PublishError):
    """Try again later; ``retry_at`` is when the platform said it would accept us again."""

    def __init__(self, message: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class PermanentPublishError(PublishError):
    """Will not succeed as it is: fix the content or the credentials."""

    def __init__(self, message: str, *, credentials: bool = False) -> None:
        super().__init__(message)
        self.credentials = credentials


class AmbiguousPublishError(PublishError):
    """The request may have reached the platform: a person must confirm before any resend."""


class ChannelDisabled(PermanentPublishError):
    """The channel's credentials failed earlier; it is not tried until an operator re-enables it."""
