"""The commands that run publisher's processes: migrate, worker, beat, site, web, and run (all
of them on one machine). See docs/operations.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import quote

import click

from publisher.entrypoints.cli._common import app, errors_to_exit, ids, load, now

__all__ = ["COMMANDS"]


@click.command()
@errors_to_exit
def migrate() -> None:
    """Create or upgrade the database schema (DATABASE_URL)."""
    from publisher.store import Store

    settings = app().settings
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)
    try:
        store.migrate()
    finally:
        store.dispose()
    click.echo(f"Database is up to date: {store.engine.url.render_as_string(hide_password=True)}")


@click.command()
@click.option("--concurrency", "-c", type=click.IntRange(1), default=2, show_default=True)
@click.option("--loglevel", "-l", default="info", show_default=True)
@errors_to_exit
def worker(concurrency: int, loglevel: str) -> None:
    """Run a Celery worker: publishes the deliveries the dispatcher hands out.

    Safe to stop at any moment, even with SIGKILL: a delivery whose publication was cut short is
    returned to the schedule (or, for X, marked unknown for a person to confirm) by the reconciler.
    """
    from publisher.entrypoints.worker import run_worker

    wired = app()
    wired.store  # noqa: B018  (the embedded SQLite database is created on first use)
    wired.close()
    sys.exit(run_worker(wired.settings, concurrency=concurrency, loglevel=loglevel))


@click.command()
@click.option("--loglevel", "-l", default="info", show_default=True)
@errors_to_exit
def beat(loglevel: str) -> None:
    """Run Celery beat: the dispatcher tick (DISPATCH_INTERVAL) and the reconciler. Run one only."""
    from publisher.entrypoints.worker import run_beat

    sys.exit(run_beat(app().settings, loglevel=loglevel))


@click.command()
@errors_to_exit
def site() -> None:
    """Serve OUTPUT_DIR over HTTP on PUBLISHER_WEB_HOST:PUBLISHER_WEB_PORT (for one machine)."""
    from publisher.entrypoints.site import run_site

    sys.exit(run_site(app().settings))


@click.command()
@click.option("--host", default=None, help="Default: PUBLISHER_APP_HOST (127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default: 8001.")
@errors_to_exit
def web(host: str | None, port: int | None) -> None:
    """Serve the comms web app (and its JSON API under /api) on PUBLISHER_APP_HOST:PORT.

    On the first start, with no users yet, it creates the user admin and prints a one-time
    sign-in link for them (PUBLISHER_APP_URL + sign-in/link/TOKEN). Add more users with
    publisher users add.
    """
    from publisher.entrypoints.web.server import run_web

    sys.exit(run_web(app().settings, host=host, port=port))


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--concurrency", type=click.IntRange(1), default=2, show_default=True)
@click.option(
    "--approve",
    is_flag=True,
    help="Approve the INPUTS as the person running this command (recorded as yours), so they "
    "go out at once; without it they wait for an approver in the web app.",
)
@errors_to_exit
def run(inputs: tuple[Path, ...], concurrency: int, approve: bool) -> None:
    """Run everything on this machine: the site server, the web app, a worker and beat. Ctrl-C
    stops them.

    With INPUTS (appeal files or folders), imports them first. Each goes out on every channel
    once it is approved: at once with --approve, else when an approver approves it in the web
    app. X posts go to the dry-run outbox when no X credentials are set.
    """
    from publisher import services
    from publisher.entrypoints.supervisor import ChildSpec, Supervisor, child_argv, wait_for_port
    from publisher.entrypoints.web.server import first_sign_in

    wired = app()
    settings = wired.settings
    wired.store.migrate()
    if inputs:
        appeals = load(inputs)
        approver = f"command line ({_login()})" if approve else None
        for done in services.publish_everywhere(
            wired.store, wired.registry, appeals, actor="run", approved_by=approver, now=now()
        ):
            if done.waiting:
                click.echo(
                    f"{done.appeal_id}: revision {done.revision}, waiting for approval "
                    f"({settings.app_url}/appeals/{quote(done.appeal_id, safe='')})"
                )
            elif done.channels:
                click.echo(
                    f"{done.appeal_id}: revision {done.revision}, publishing now on "
                    f"{', '.join(done.channels)} (deliveries {ids(done.deliveries)})"
                )
            else:
                click.echo(f"{done.appeal_id}: revision {done.revision}, already on every channel")
    wired.close()
    link = first_sign_in(settings)

    supervisor = Supervisor(
        children=[
            ChildSpec("site", child_argv("site")),
            ChildSpec("web", child_argv("web")),
            ChildSpec("worker", child_argv("worker", "--concurrency", str(concurrency))),
            ChildSpec("beat", child_argv("beat")),
        ]
    )

    def ready() -> None:
        """Say where to look once the site answers (if it dies instead, the supervisor says)."""
        host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "::", "") else settings.web_host
        if wait_for_port(
            host,
            settings.web_port,
            timeout=15,
            while_=lambda: supervisor.alive("site") and not supervisor.stopping(),
        ):
            click.echo(
                f"Site: http://{host}:{settings.web_port}/  "
                f"Outbox: {settings.outbox_dir}  "
                "Operators: publisher deliveries / publisher status"
            )
        app_host = "127.0.0.1" if settings.app_host in ("0.0.0.0", "::", "") else settings.app_host
        if wait_for_port(
            app_host,
            settings.app_port,
            timeout=15,
            while_=lambda: supervisor.alive("web") and not supervisor.stopping(),
        ):
            click.echo(f"Web app: {settings.app_url}")
            if link is not None:
                click.echo(f"First start: sign in as admin once with this link: {link}")

    sys.exit(supervisor.run(ready=ready))


def _login() -> str:
    """Who is at the command line, as the operating system says."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return f"uid {os.getuid()}"


COMMANDS: tuple[click.Command, ...] = (migrate, worker, beat, site, web, run)
