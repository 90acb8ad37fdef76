"""Every rendered page passes axe-core (WCAG 2.2 AA + best practice) and the Nu Html Checker."""

from __future__ import annotations

import json
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest

from .conftest import Site

pytestmark = pytest.mark.e2e

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:5])
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return "\n".join(lines)


def _png(width: int, height: int) -> bytes:
    """A grey PNG of the given size (a stand-in for a force's photo: no network in tests)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _photos(site: Site) -> set[str]:
    """The missing or wanted people's photos the pages show (from where the force hosts them:
    the one request a page may make outside the site)."""
    found: set[str] = set()
    for path in site.pages():
        doc = lxml.html.document_fromstring(path.read_bytes())
        found.update(doc.xpath("//div[@class='appeal__photo']/img/@src"))
    return found


PHOTO_FITS = """() => [...document.querySelectorAll('.appeal__photo img')].map(img => {
  const box = img.getBoundingClientRect();
  return {
    loaded: img.complete && img.naturalWidth > 0,
    ratio: box.width / box.height,
    natural: img.naturalWidth / img.naturalHeight,
    enlarged: box.width > img.naturalWidth + 0.5,
    overflows: box.right > document.documentElement.clientWidth + 0.5,
  };
})"""


def test_site_has_the_pages_we_expect(site: Site) -> None:
    pages = {p.relative_to(site.root).as_posix() for p in site.pages()}
    assert "index.html" in pages
    assert "safety/index.html" in pages
    assert any(p.startswith("areas/") for p in pages)
    # The two seeds, five generated appeals and the bilingual fixture each have a page; the
    # bilingual one has its Welsh page too, and the site its Welsh home, area indexes, safety
    # and 404 pages (all checked below, like every page).
    assert len([p for p in pages if p.startswith("news/")]) == 8
    welsh = [p for p in pages if p.startswith("cy/")]
    assert "cy/news/2025/march/missing-osian-example/index.html" in welsh
    assert {"cy/index.html", "cy/safety/index.html", "cy/404.html"} <= set(welsh)
    assert {p.removeprefix("cy/") for p in welsh if p.startswith("cy/areas/")} == {
        p for p in pages if p.startswith("areas/")
    }


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_no_violations_on_any_page(
    site: Site, browser: Any, axe_js: Path, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    outside: list[str] = []
    site_host = urlsplit(site.url).netloc
    photos = _photos(site)
    assert photos, "the fixture's missing person has a photo on their page"
    portrait = _png(600, 800)  # larger than a 320px screen: it must shrink, not stretch

    def watch(request: Any) -> None:
        if urlsplit(request.url).netloc not in (site_host, "") and request.url not in photos:
            outside.append(request.url)

    def photo(route: Any) -> None:
        route.fulfill(status=200, content_type="image/png", body=portrait)

    context.on("request", watch)
    for url in photos:
        context.route(url, photo)
    failures = {}
    badly_shown: list[str] = []
    page = context.new_page()
    for path in site.pages():
        page.goto(site.url_of(path))
        for shown in page.evaluate(PHOTO_FITS):
            stretched = abs(shown["ratio"] - shown["natural"]) > 0.02
            if not shown["loaded"] or shown["enlarged"] or shown["overflows"] or stretched:
                badly_shown.append(f"{path.relative_to(site.root).as_posix()}: {shown}")
        page.add_script_tag(path=str(axe_js))
        result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        if result["violations"]:
            failures[path.relative_to(site.root).as_posix()] = _describe(result["violations"])
        # Reflow (WCAG 1.4.10): no horizontal scrolling at 320 CSS pixels.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            failures.setdefault(path.name, "")
            failures[path.relative_to(site.root).as_posix()] += (
                f"\nscrolls sideways by {overflow}px"
            )
    context.close()
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    assert not outside, f"pages requested third-party URLs: {outside}"
    assert not badly_shown, "photos not shown whole at their own proportions:\n" + "\n".join(
        badly_shown
    )


def test_nu_html_checker_finds_no_errors(site: Site, vnu_jar: Path) -> None:
    pages = [str(p) for p in site.pages()]
    proc = subprocess.run(
        ["java", "-jar", str(vnu_jar), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(proc.stderr or '{"messages": []}')
    errors = [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]
    shown = "\n".join(
        f"{Path(urlsplit(m.get('url', '')).path).relative_to(site.root)}:{m.get('lastLine')}: "
        f"{m['message']}"
        for m in errors
    )
    assert not errors, shown
    assert proc.returncode == 0
