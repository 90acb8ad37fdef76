"""A credential value that cannot reach a log or an output by accident."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Secret"]


@dataclass(frozen=True)
class Secret:
    """A credential: never shown by repr/str, so it cannot reach logs or outputs by accident."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def reveal(self) -> str:
        return self.value
