"""Take the README's screenshots of the web app in headless Chromium: an appeal with its checks
and previews, and the week's calendar.

    .venv/bin/python scripts/app_screenshots.py [--out docs/screenshots]

Starts ``publisher web`` on a temporary SQLite store, adds an author, imports the first seed
appeal and schedules it, signs in and saves full-page PNGs. Needs Debian's chromium
(scripts/test.sh installs it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seeds" / "000_5b8f5bd9f8757259.txt"
PASSWORD = "screenshots only, not a real account"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from publisher.settings import ENVIRONMENT_VARIABLES

    work = Path(tempfile.mkdtemp(prefix="publisher-app-shots-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_VARIABLES}
    env.update(
        PUBLISHER_DATA_DIR=str(work / "var"), OUTPUT_DIR=str(work / "site"), PUBLISHER_APP_URL=url
    )

    def cli(*words: str, stdin: str | None = None) -> str:
        return subprocess.run(
            [sys.executable, "-m", "publisher", *words],
            env=env,
            input=stdin,
            text=True,
            check=True,
            capture_output=True,
        ).stdout

    cli("users", "add", "sam", "--role", "author", "--password-stdin", stdin=PASSWORD)
    cli("users", "add", "checker", "--role", "approver")
    appeal_id = cli("import", str(SEED)).split(":")[0]
    cli("approve", appeal_id, "--as", "checker")
    cli("schedule", str(SEED), "-c", "web", "-c", "x", "--at", "now")
    server = subprocess.Popen(
        [sys.executable, "-m", "publisher", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("publisher web did not start") from None
                time.sleep(0.1)
        args.out.mkdir(parents=True, exist_ok=True)
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url + "sign-in")
            page.get_by_label("Name").fill("sam")
            page.get_by_label("Password").fill(PASSWORD)
            with page.expect_navigation():
                page.get_by_role("button", name="Sign in").click()
            appeal = page.locator("table a").first.get_attribute("href")
            assert appeal is not None
            for name, path in (("app-appeal", appeal.lstrip("/")), ("app-calendar", "calendar")):
                page.goto(url + path)
                target = args.out / f"{name}-1280.png"
                page.screenshot(path=str(target), full_page=True)
                shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
                print(f"wrote {shown}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
