"""The project's one error tree. Third-party errors are translated into these at the edge.

Every error raised on purpose is a :class:`PublisherError`. Each family has its own exit code,
which the command line uses (the README lists them); the web app and the API will map the
same families to HTTP statuses. This module imports nothing of ours, so every layer may use it.

::

    PublisherError
    ├── ContentError ············ 1  the appeal (or a file) must be fixed
    │   ├── RecordInvalid           a file that cannot become an appeal: file, line, field
    │   │   └── InputsInvalid       several files at once, one problem a line
    │   └── NotReadyToPublish       accessibility or safety errors: not scheduled
    ├── UsageError ·············· 2  the command, a setting or a value given is wrong
    │   ├── SettingsError           an environment variable (named)
    │   ├── DatabaseURLError        DATABASE_URL
    │   ├── ScheduleError           a time, a zone or a repeat rule
    │   └── UnknownChannel          a channel name nothing answers to
    ├── NotFound ················ 3
    │   ├── UnknownAppeal
    │   ├── UnknownRevision         the appeal has no revision of that number
    │   └── UnknownDelivery
    ├── Conflict ················ 4  the ledger is not in a state that allows this
    │   ├── ScheduleConflict        already scheduled on that channel, target and time
    │   ├── InvalidTransition       e.g. a retry of a published delivery
    │   ├── NotApproved             the revision waits for someone else's approval
    │   └── AppealExists            a new appeal whose id another appeal has
    ├── Unavailable ············· 5  a service we need (database, broker) cannot be reached
    ├── OutputError ············· 6  the output cannot be written
    │   └── BuildError              a build that could not complete: nothing was written
    ├── PublishError ············ 7  a channel could not publish
    │   ├── TransientPublishError   try again later (retry_at)
    │   ├── PermanentPublishError   fix the content or the credentials
    │   │   └── ChannelDisabled
    │   └── AmbiguousPublishError   it may have gone out: a person confirms
    └── AccessDenied ············ 8  who you are, or what your role allows
        ├── NotSignedIn             no valid session, token or sign-in (HTTP 401)
        └── Forbidden               signed in, but the role does not allow it (HTTP 403)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "AccessDenied",
    "AmbiguousPublishError",
    "AppealExists",
    "BuildError",
    "ChannelDisabled",
    "Conflict",
    "ContentError",
    "DatabaseURLError",
    "Forbidden",
    "InputsInvalid",
    "InvalidTransition",
    "NotApproved",
    "NotFound",
    "NotReadyToPublish",
    "NotSignedIn",
    "OutputError",
    "PermanentPublishError",
    "Problem",
    "PublishError",
    "PublisherError",
    "RecordInvalid",
    "ScheduleConflict",
    "ScheduleError",
    "SettingsError",
    "TransientPublishError",
    "Unavailable",
    "UnknownAppeal",
    "UnknownChannel",
    "UnknownDelivery",
    "UnknownRevision",
    "UsageError",
]


class PublisherError(Exception):
    """Base of every error this project raises on purpose. ``exit_code`` is used by the CLI."""

    exit_code = 1

    def format_message(self) -> str:
        return str(self)


# -------------------------------------------------------------------------------- content (1)


class ContentError(PublisherError):
    """The appeal, or an input file, must be changed before it can go further."""

    exit_code = 1


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


class RecordInvalid(ContentError):
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


class InputsInvalid(RecordInvalid):
    """Several inputs are invalid; each problem is listed, one per line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = problems[0]
        super().__init__(first.message, file=first.file, line=first.line, field=first.field)
        self.args = ("\n".join(str(p) for p in problems),)


class NotReadyToPublish(ContentError):
    """An appeal has accessibility or safety errors: it must not be scheduled or published."""

    def __init__(self, message: str, *, errors: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.errors = tuple(errors)


# ---------------------------------------------------------------------------------- usage (2)


class UsageError(PublisherError):
    """A command, a setting or a value given to us is wrong."""

    exit_code = 2


class SettingsError(UsageError):
    """An environment variable holds a value we cannot use. Names the variable."""


class DatabaseURLError(UsageError):
    """A DATABASE_URL we cannot use."""


class ScheduleError(UsageError):
    """A time or rule we cannot turn into publication slots."""


class UnknownChannel(UsageError):
    """A channel name that no built-in or plug-in channel answers to."""


# ------------------------------------------------------------------------------ not found (3)


class NotFound(PublisherError):
    """No such thing in the store."""

    exit_code = 3


class UnknownAppeal(NotFound):
    """No appeal has this id."""


class UnknownRevision(NotFound):
    """The appeal has no revision of this number."""


class UnknownDelivery(NotFound):
    """No delivery has this id."""


# ------------------------------------------------------------------------------- conflict (4)


class Conflict(PublisherError):
    """What was asked does not fit the state things are in."""

    exit_code = 4


class ScheduleConflict(Conflict):
    """The same appeal is already scheduled on this channel, target, part and slot."""

    def __init__(self, message: str, *, existing: int | None = None) -> None:
        super().__init__(message)
        self.existing = existing


class InvalidTransition(Conflict):
    """The delivery (or appeal) is not in a state that allows this."""


class NotApproved(Conflict):
    """The appeal's current revision is not approved yet: it cannot be scheduled or sent until
    someone with the approver role, other than its author, approves it."""


class AppealExists(Conflict):
    """A new appeal was asked for, but an appeal with its id is already in the store."""

    def __init__(self, message: str, *, appeal_id: str) -> None:
        super().__init__(message)
        self.appeal_id = appeal_id


# ---------------------------------------------------------------------------- unavailable (5)


class Unavailable(PublisherError):
    """A service we need (the database, the broker) cannot be reached."""

    exit_code = 5


# --------------------------------------------------------------------------------- output (6)


class OutputError(PublisherError):
    """The output cannot be written."""

    exit_code = 6


class BuildError(OutputError):
    """A build that could not complete; nothing was written."""


# -------------------------------------------------------------------------------- publish (7)


class PublishError(PublisherError):
    """A channel could not publish.

    ``posted_ids``: for a thread, the remote ids of the parts already posted before the error
    (in order), so a retry resumes after them instead of posting them again.
    """

    exit_code = 7
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


# ---------------------------------------------------------------------------------- access (8)


class AccessDenied(PublisherError):
    """Who you are is not known, or what you asked is not what your role allows."""

    exit_code = 8


class NotSignedIn(AccessDenied):
    """No valid session, token or sign-in. The message never says which part was wrong."""


class Forbidden(AccessDenied):
    """Signed in, but this needs another role (or someone else: an author cannot approve their
    own revision)."""
