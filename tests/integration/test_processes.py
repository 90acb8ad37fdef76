"""The static site server for OUTPUT_DIR: content types, index pages, ETags, safety."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.entrypoints.site import content_type, etag_for, make_site_server
from publisher.entrypoints.supervisor import ChildSpec, Supervisor
from tests.integration.conftest import Processes, app_env, free_port, wait_until

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.json"
RSS = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel></channel></rss>\n'
ATOM = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n<!-- generated -->\n"
    b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>\n'
)


@dataclass
class Site:
    root: Path
    port: int

    def get(
        self, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            conn.close()


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "site"
    (root / "appeals" / "missing-person").mkdir(parents=True)
    (root / "index.html").write_text("<h1>Appeals</h1>", encoding="utf-8")
    (root / "appeals" / "missing-person" / "index.html").write_text(
        "<h1>Missing</h1>", encoding="utf-8"
    )
    (root / "appeals" / "missing-person.txt").write_text("Café – 0800 555 111", encoding="utf-8")
    (root / "rss.xml").write_bytes(RSS)
    (root / "atom.xml").write_bytes(ATOM)
    (root / "sitemap.xml").write_bytes(b"<?xml version='1.0'?><urlset/>")
    (root / "empty").mkdir()
    (root / ".publisher-build").write_text("secret-ish marker", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("not served", encoding="utf-8")
    server = make_site_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Site(root=root, port=server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_folders_are_served_by_their_index_page(site: Site) -> None:
    status, headers, body = site.get("/")
    assert (status, body) == (200, b"<h1>Appeals</h1>")
    assert headers["content-type"] == "text/html; charset=utf-8"
    status, _, body = site.get("/appeals/missing-person/")
    assert (status, body) == (200, b"<h1>Missing</h1>")


def test_folder_without_slash_redirects_keeping_the_query(site: Site) -> None:
    status, headers, _ = site.get("/appeals/missing-person?x=1")
    assert status == 301
    assert headers["location"] == "/appeals/missing-person/?x=1"


def test_plain_text_is_utf8(site: Site) -> None:
    status, headers, body = site.get("/appeals/missing-person.txt")
    assert status == 200
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert body.decode("utf-8") == "Café – 0800 555 111"
    assert headers["content-length"] == str(len(body))


def test_feeds_are_served_with_feed_types(site: Site) -> None:
    assert site.get("/rss.xml")[1]["content-type"] == "application/rss+xml; charset=utf-8"
    assert site.get("/atom.xml")[1]["content-type"] == "application/atom+xml; charset=utf-8"
    assert site.get("/sitemap.xml")[1]["content-type"] == "application/xml; charset=utf-8"


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.rss", b"", "application/rss+xml; charset=utf-8"),
        ("a.atom", b"", "application/atom+xml; charset=utf-8"),
        (
            "feed.xml",
            b"<!DOCTYPE x><atom:feed xmlns:atom='x'/>",
            "application/atom+xml; charset=utf-8",
        ),
        (
            "feed.xml",
            b"\xef\xbb\xbf<?xml version='1.0'?><rss/>",
            "application/rss+xml; charset=utf-8",
        ),
        ("page.HTML", b"", "text/html; charset=utf-8"),
        ("photo.jpg", b"", "image/jpeg"),
        ("blob", b"", "application/octet-stream"),
    ],
)
def test_content_type(name: str, head: bytes, expected: str) -> None:
    assert content_type(Path(name), head) == expected


def test_etag_comes_from_the_content(site: Site) -> None:
    _, first, body = site.get("/rss.xml")
    assert first["etag"] == etag_for(RSS) == etag_for(body)
    # Rewriting the same bytes (as an idempotent republish does) keeps the tag.
    (site.root / "rss.xml").write_bytes(RSS)
    assert site.get("/rss.xml")[1]["etag"] == first["etag"]
    status, headers, body = site.get("/rss.xml", headers={"If-None-Match": first["etag"]})
    assert (status, body) == (304, b"")
    assert headers["etag"] == first["etag"]
    (site.root / "rss.xml").write_bytes(RSS.replace(b"<channel>", b"<channel><title>x</title>"))
    status, changed, _ = site.get("/rss.xml", headers={"If-None-Match": first["etag"]})
    assert status == 200
    assert changed["etag"] != first["etag"]


def test_head_sends_headers_only(site: Site) -> None:
    status, headers, body = site.get("/atom.xml", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len(ATOM))


@pytest.mark.parametrize(
    "path",
    ["/missing.html", "/empty/", "/.publisher-build", "/../outside.txt", "/%2e%2e/outside.txt"],
)
def test_missing_hidden_and_outside_files_are_not_served(site: Site, path: str) -> None:
    status, _, body = site.get(path)
    assert status == 404
    assert b"not served" not in body
    assert b"marker" not in body


def test_custom_404_page(site: Site) -> None:
    (site.root / "404.html").write_text("<h1>Page not found</h1>", encoding="utf-8")
    status, headers, body = site.get("/nope")
    assert (status, body) == (404, b"<h1>Page not found</h1>")
    assert headers["content-type"] == "text/html; charset=utf-8"


# --------------------------------------------------------------------------- the supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] != "Z"


def test_supervisor_stops_every_child_when_asked(tmp_path: Path) -> None:
    supervisor = Supervisor(
        children=[ChildSpec("a", SLEEPER), ChildSpec("b", SLEEPER)], stop_timeout=5
    )
    supervisor.start()
    pids = [p.pid for p in supervisor._procs.values()]
    assert all(os.getpgid(pid) == pid for pid in pids)  # each child leads its own group
    threading.Timer(0.5, supervisor.request_stop).start()
    assert supervisor.wait() == 0
    assert not any(_alive(pid) for pid in pids)


def test_supervisor_stops_the_rest_when_one_child_dies(tmp_path: Path) -> None:
    messages: list[str] = []
    dying = [sys.executable, "-c", "import time, sys; time.sleep(0.5); sys.exit(3)"]
    supervisor = Supervisor(
        children=[ChildSpec("site", SLEEPER), ChildSpec("worker", dying)],
        stop_timeout=5,
        echo=messages.append,
    )
    supervisor.start()
    pids = [p.pid for p in supervisor._procs.values()]
    started = time.monotonic()
    assert supervisor.wait() == 1
    assert time.monotonic() - started < 5
    assert messages == ["error: worker exited unexpectedly (exit code 3); stopping the rest"]
    assert not any(_alive(pid) for pid in pids)


@pytest.mark.parametrize("forced", [False, True], ids=["timeout", "second-signal"])
def test_supervisor_kills_a_child_that_ignores_sigterm_with_its_group(
    tmp_path: Path, forced: bool
) -> None:
    pidfile = tmp_path / "grandchild.pid"
    stubborn = [
        sys.executable,
        "-c",
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"p = subprocess.Popen({SLEEPER!r})\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n",
    ]
    messages: list[str] = []
    supervisor = Supervisor(
        children=[ChildSpec("stubborn", stubborn)],
        stop_timeout=30 if forced else 1,
        echo=messages.append,
    )
    supervisor.start()
    deadline = time.monotonic() + 10
    while not (pidfile.exists() and pidfile.read_text()):
        assert time.monotonic() < deadline, "the child never started its own child"
        time.sleep(0.05)
    grandchild = int(pidfile.read_text())
    supervisor.request_stop()
    if forced:  # Ctrl-C again, half a second later
        threading.Timer(0.5, supervisor.request_stop).start()
    started = time.monotonic()
    assert supervisor.wait() == 0
    assert time.monotonic() - started < 10
    assert messages[0].startswith("stopping: waiting for work in progress")
    reason = "asked to stop twice" if forced else "did not stop in 1s"
    assert messages[-1] == f"error: stubborn {reason}; killing it"
    deadline = time.monotonic() + 5
    while _alive(grandchild):
        assert time.monotonic() < deadline, "the grandchild outlived the supervisor"
        time.sleep(0.05)


# --------------------------------------------------------------------------- publisher run


def _processes_with_env(marker: str) -> list[int]:
    """Live processes whose environment mentions ``marker`` (ours: a unique temp path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def test_run_serves_the_site_publishes_and_stops_cleanly(
    tmp_path: Path, processes: Processes
) -> None:
    from publisher.bootstrap import build_registry
    from publisher.domain.record import Appeal
    from publisher.settings import Settings

    port = free_port()
    data_dir = tmp_path / "run-data"
    env = app_env(
        {
            "PUBLISHER_DATA_DIR": str(data_dir),
            "OUTPUT_DIR": str(tmp_path / "run-site"),
            "PUBLISHER_WEB_PORT": str(port),
            "SITE_URL": f"http://127.0.0.1:{port}/",
            "DISPATCH_INTERVAL": "0.5",
        }
    )
    run = processes.publisher("run", "run", "--approve", str(SAMPLE), env=env)
    appeal = Appeal.from_json(SAMPLE.read_text(encoding="utf-8"))
    registry = build_registry(Settings.from_env(env))
    page = registry.get("web").render(appeal, registry.context).file(".html")

    def fetch(path: str) -> tuple[int, bytes] | None:
        processes.check_alive(run)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        except OSError:
            return None
        finally:
            conn.close()

    wait_until(lambda: fetch("/"), timeout=30, what="the site to answer")
    wait_until(
        lambda: (fetch("/" + page.path) or (0, b""))[0] == 200,
        timeout=40,
        what=f"the appeal page /{page.path} to be published",
    )
    assert fetch("/" + page.path) == (200, page.content)
    outbox = data_dir / "outbox" / "x.jsonl"
    wait_until(outbox.is_file, timeout=20, what="the X post in the dry-run outbox")
    assert f"Site: http://127.0.0.1:{port}/" in run.log_text()
    assert "Operators: publisher deliveries / publisher status" in run.log_text()
    children = _processes_with_env(str(data_dir))
    assert len(children) >= 4, "run, site, worker (+ pool) and beat should all be running"

    assert run.proc is not None
    run.proc.send_signal(signal.SIGINT)
    assert run.proc.wait(timeout=40) == 0, run.log_text()[-4000:]
    deadline = time.monotonic() + 5
    while _processes_with_env(str(data_dir)):
        assert time.monotonic() < deadline, (
            f"orphans left behind: {_processes_with_env(str(data_dir))}"
        )
        time.sleep(0.1)


def test_run_stops_everything_and_fails_when_a_child_dies(
    tmp_path: Path, processes: Processes
) -> None:
    import socket

    data_dir = tmp_path / "busy-data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = app_env(
            {
                "PUBLISHER_DATA_DIR": str(data_dir),
                "OUTPUT_DIR": str(tmp_path / "busy-site"),
                "PUBLISHER_WEB_PORT": str(port),
            }
        )
        run = processes.publisher("run", "run", env=env)
        assert run.proc is not None
        code = run.proc.wait(timeout=40)
    log = run.log_text()
    assert code == 1, log[-4000:]
    assert f"cannot serve the site on 127.0.0.1:{port}" in log
    assert "error: site exited unexpectedly (exit code 1); stopping the rest" in log
    deadline = time.monotonic() + 5
    while _processes_with_env(str(data_dir)):
        assert time.monotonic() < deadline, "the worker or beat outlived run"
        time.sleep(0.1)


@contextlib.contextmanager
def _supervisor_process(marker: str) -> Iterator[subprocess.Popen[str]]:
    """A real supervisor process with two sleeping children, all carrying ``marker`` in their
    environment; yields once the children run."""
    script = (
        "import sys\n"
        "from publisher.entrypoints.supervisor import ChildSpec, Supervisor\n"
        f"sleeper = {SLEEPER!r}\n"
        "supervisor = Supervisor(children=[ChildSpec('a', sleeper), ChildSpec('b', sleeper)])\n"
        "sys.exit(supervisor.run(ready=lambda: print('ready', flush=True)))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        env={**os.environ, "SUPERVISED_MARKER": marker},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
        wait_until(
            lambda: len(_processes_with_env(marker)) == 3, timeout=10, what="the two children"
        )
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_supervisor_process_exits_0_on_sigterm_and_sigint(tmp_path: Path, sig: int) -> None:
    marker = str(tmp_path / "supervised")
    with _supervisor_process(marker) as proc:
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == 0
    assert _processes_with_env(marker) == []


def test_children_do_not_outlive_a_killed_supervisor(tmp_path: Path) -> None:
    marker = str(tmp_path / "orphans")
    with _supervisor_process(marker) as proc:
        proc.kill()  # SIGKILL: no handler runs, nothing is stopped in order
        proc.wait(timeout=10)
    wait_until(lambda: _processes_with_env(marker) == [], timeout=10, what="the orphans to be gone")
