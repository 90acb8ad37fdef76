"""End-to-end fixtures: a real built site, served on loopback, opened in Debian's Chromium.

Nothing here downloads a browser: Playwright drives /usr/bin/chromium (``apt-get install
chromium``); axe-core and vnu.jar come from ``npm ci --prefix tests/e2e`` (scripts/test.sh).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from publisher.bootstrap import build_registry
from publisher.domain.record import Appeal, AppealStatus, Contact, ContactKind, ContactList, Topic
from publisher.services.build import build_site
from publisher.settings import Settings

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
NODE_MODULES = HERE / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(path: Path, how: str) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: {how}", pytrace=False)
    return path


def _variant(appeal: Appeal, **changes: Any) -> Appeal:
    """A validated copy with some fields changed (``model_copy`` would skip validation)."""
    return Appeal.model_validate({**appeal.model_dump(), **changes})


def generated_appeals() -> list[Appeal]:
    """Appeals covering every block type, status and sensitivity, built from the fixture."""
    sample = Appeal.from_json((TESTS / "fixtures" / "sample.json").read_text(encoding="utf-8"))
    missing_people = Contact(
        name="Missing People (24 hours, free)",
        kind=ContactKind.PHONE,
        value="116000",
        display="116 000",
    )
    # A missing-person appeal on a non-sensitive topic: its helpline is Missing People's.
    body = tuple(
        block.model_copy(update={"contacts": (missing_people, *block.contacts[1:])})
        if isinstance(block, ContactList)
        else block
        for block in sample.body
    )
    base = _variant(sample, body=body)
    sensitive = _variant(
        base,
        id="sensitive-example",
        url="https://www.example.police.uk/news/2021/march/sensitive-example/",
        topics=(Topic.DOMESTIC_ABUSE,),
        kind="advice",
        title="Support is there if home is not safe",
    )
    resolved = _variant(
        base,
        id="resolved-example",
        url="https://www.example.police.uk/news/2021/april/resolved-example/",
        status=AppealStatus.RESOLVED,
        resolution="Sam has been found safe and well. Thank you for sharing our appeal.",
        revision=2,
    )
    hostile = _variant(
        base,
        id="hostile-example",
        url="https://www.example.police.uk/news/2021/may/hostile-example/",
        title='Seen <script>alert(1)</script> "><img src=x onerror=alert(2)>?',
        summary="Ampersands & <b>tags</b> ]]> stay text.",
        area="Other <Area>",
    )
    welsh = _variant(
        sensitive,
        id="welsh-example",
        url="https://www.example.police.uk/news/2021/june/welsh-example/",
        locale="cy_GB",
        title="Mae cymorth ar gael os nad yw eich cartref yn ddiogel",
        summary="Mae cymorth ar gael i unrhyw un sy'n byw gyda cham-drin domestig.",
    )
    return [base, sensitive, resolved, hostile, welsh]


@dataclass(frozen=True)
class Site:
    root: Path
    url: str
    exit_url: str

    def pages(self) -> list[Path]:
        return sorted(self.root.rglob("*.html"))

    def url_of(self, page: Path) -> str:
        rel = page.relative_to(self.root).as_posix()
        if rel.endswith("index.html"):
            rel = rel[: -len("index.html")]
        return self.url + rel


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The seeds, the fixtures (the bilingual one too) and the generated set, built by
    ``publisher build`` and served."""
    served = tmp_path_factory.mktemp("served")
    (served / "neutral").mkdir()
    (served / "neutral" / "index.html").write_text(
        '<!doctype html><html lang="en"><title>Weather</title><h1>Weather</h1></html>',
        encoding="utf-8",
    )
    inputs = tmp_path_factory.mktemp("inputs")
    for appeal in generated_appeals():
        (inputs / f"{appeal.id}.json").write_text(appeal.to_json(), encoding="utf-8")
    for seed in sorted((TESTS / "fixtures" / "seeds").glob("*.txt")):
        shutil.copy(seed, inputs / seed.name)
    # A bilingual appeal: an English page and a Welsh one (cy/...), linked by hreflang.
    for bilingual in sorted((TESTS / "fixtures" / "bilingual").glob("*.md")):
        shutil.copy(bilingual, inputs / bilingual.name)

    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{port}/"
    exit_url = origin + "neutral/"
    settings = Settings.from_env({"SITE_URL": origin + "site/", "EXIT_URL": exit_url})
    build_site([inputs], served / "site", build_registry(settings))
    try:
        yield Site(root=served / "site", url=origin + "site/", exit_url=exit_url)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install chromium", pytrace=False)
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="session")
def axe_js() -> Path:
    return _require(AXE_JS, "run 'npm ci --prefix tests/e2e' (scripts/test.sh does)")


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    return _require(VNU_JAR, "run 'npm ci --prefix tests/e2e' (scripts/test.sh does)")
