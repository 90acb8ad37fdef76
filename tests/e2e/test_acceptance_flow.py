"""The comms web app's acceptance flow, end to end with every part really started: ``publisher
run`` (the site server, the web app, a worker and beat, on the embedded broker and SQLite) and
Debian's Chromium. An author writes a missing-person appeal with a lint error, sees the finding
beside the field, fixes it and previews the X thread; an approver signs in and approves; the
author schedules it; the worker publishes it; the page appears on the public site. Then the
same flow with the keyboard only."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from publisher.settings import ENVIRONMENT_VARIABLES

from .test_web_app_browser import PASSWORD, REPO, _cli, _free_port

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Deployment:
    app_url: str
    site_port: int
    env: dict[str, str]
    log: Path

    def site_get(self, path: str) -> tuple[int, str] | None:
        conn = http.client.HTTPConnection("127.0.0.1", self.site_port, timeout=2)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        except OSError:
            return None
        finally:
            conn.close()


def _wait(what: str, check: Callable[[], bool], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen in {timeout} s\n{log.read_text()[-4000:]}")
        time.sleep(0.25)


@pytest.fixture()
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    site_port, app_port = _free_port(), _free_port()
    app_url = f"http://127.0.0.1:{app_port}/"
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_VARIABLES}
    env.update(
        PUBLISHER_DATA_DIR=str(tmp_path / "var"),
        OUTPUT_DIR=str(tmp_path / "site"),
        PUBLISHER_WEB_PORT=str(site_port),
        PUBLISHER_APP_PORT=str(app_port),
        PUBLISHER_APP_URL=app_url,
        SITE_URL=f"http://127.0.0.1:{site_port}/",
        DISPATCH_INTERVAL="0.5",
        PYTHONUNBUFFERED="1",
    )
    env.pop("PYTHONWARNINGS", None)
    for name, role in (("alex", "author"), ("bob", "approver")):
        _cli(env, "users", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "publisher", "run", "--concurrency", "1"],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait("publisher run to serve the app", lambda: "Web app:" in log.read_text(), log)
        yield Deployment(app_url=app_url, site_port=site_port, env=env, log=log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _sign_in(page: Any, url: str, name: str) -> None:
    page.goto(url + "sign-in")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url)


def _sign_out(page: Any, url: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(url + "sign-in*")
