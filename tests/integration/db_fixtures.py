"""Database fixtures (helper STORE), loaded by tests/integration/conftest.py.

``store`` runs a test twice: on SQLite (a migrated temp file) and on PostgreSQL (a database
created for the session on 127.0.0.1:5432 by ``postgres_databases``, migrated once, emptied
before each test). ``make_store`` opens more Store objects on the same database (other
"processes"); every store is disposed after the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher.store import Store
from publisher.store.db import migrate

__all__ = [
    "db_kind",
    "make_store",
    "migrated_postgres_url",
    "migrated_sqlite_template",
    "registry",
    "sample_appeal",
    "store",
    "store_url",
]

TABLES = (
    "subscription_tokens",
    "subscriptions",
    "alerts",
    "sessions",
    "tokens",
    "attempts",
    "deliveries",
    "campaigns",
    "approvals",
    "appeal_revisions",
    "appeals",
    "site_changes",  # the site counter stays: it only ever goes up, as in production
    "audit_log",
    "channel_status",
    "heartbeats",
    "users",
)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; tests work on copies."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_databases: Any) -> str:
    """A PostgreSQL database created for this session and migrated to head."""
    url: str = postgres_databases.create()
    migrate(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture()
def store_url(db_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the parametrised kind, for this test alone."""
    if db_kind == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        target = tmp_path / "publisher.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("migrated_postgres_url")
    cleaner = Store(url)
    try:
        with cleaner.engine.begin() as conn:
            for table in TABLES:  # children first; DELETE is faster than TRUNCATE when tiny
                conn.exec_driver_sql(f"DELETE FROM {table}")
    finally:
        cleaner.dispose()
    return url


@pytest.fixture()
def make_store(store_url: str) -> Iterator[Callable[[], Store]]:
    """Open another Store on this test's database (as another process would)."""
    opened: list[Store] = []

    def factory() -> Store:
        made = Store(store_url)
        opened.append(made)
        return made

    try:
        yield factory
    finally:
        for made in opened:
            made.dispose()


@pytest.fixture()
def store(make_store: Callable[[], Store]) -> Store:
    """A Store on a migrated, empty database: SQLite and PostgreSQL in turn."""
    return make_store()


# ------------------------------------------------------------------------------ test helpers

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"


def sample_appeal(appeal_id: str = "missing-woman-sam-example", **changes: Any) -> Any:
    """tests/fixtures/sample.json as another appeal: its own id and page URL."""
    import json

    from publisher.domain.record import Appeal

    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["id"] = appeal_id
    data["url"] = f"https://www.example.police.uk/news/{appeal_id}/"
    data.update(changes)
    return Appeal.model_validate(data)


@pytest.fixture()
def registry(tmp_path: Path) -> Any:
    """The built-in channels, publishing under tmp_path/site."""
    from publisher.bootstrap import build_registry
    from publisher.settings import Settings

    return build_registry(Settings(data_dir=tmp_path / "var", output_dir=tmp_path / "site"))
