"""Take the README's screenshots of a seed page at 1280 and 320 CSS pixels in headless Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds the two seed appeals with `publisher build` into a temporary folder, serves it on
loopback, and saves full-page PNGs. Needs Debian's chromium (scripts/test.sh installs it).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from publisher.bootstrap import build_registry
    from publisher.services.build import build_site
    from publisher.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="publisher-shots-"))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(work))
    )
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        registry = build_registry(Settings.from_env({"SITE_URL": origin}))
        report = build_site([SEEDS], work, registry)
        appeal = min(report.appeals, key=lambda a: a.published_at)
        args.out.mkdir(parents=True, exist_ok=True)
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
            for width in (1280, 320):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(origin + appeal.path)
                target = args.out / f"seed-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                print(
                    f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
                )
                page.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
