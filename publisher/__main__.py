"""``python -m publisher`` runs the CLI."""

from __future__ import annotations

from publisher.entrypoints.cli import main

if __name__ == "__main__":
    main()
