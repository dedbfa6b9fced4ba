"""The ``rekruttering`` command: Flask's CLI plus serve, worker and demo."""

from __future__ import annotations

import contextlib
import gc
import logging
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from rekruttering.config import ConfigError

log = logging.getLogger(__name__)


def _create_app() -> Flask:
    # Imported here: the console script starts (and answers --help) without importing
    # every feature; only a command that runs builds the app.
    from rekruttering.app import create_app

    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """rekruttering: recruitment funnel and outreach tracker."""


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Web only (run `rekruttering worker` apart).")
@with_appcontext
def serve(host: str, port: int, no_scheduler: bool) -> None:
    """Serve the web app and, for a small centre, the scheduler in one process."""
    # Imported here: only this command serves or schedules (APScheduler loads for it).
    from werkzeug.serving import run_simple

    from rekruttering_jobs.scheduler import build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    scheduler = None
    if not no_scheduler:
        scheduler = build_scheduler(app)
        scheduler.start()
    if app.config.get("DEMO"):
        from rekruttering.auth.demo_logins import DEMO_LOGINS

        click.echo("Demo mode: SQLite in instance/, SMS go to the outbox (nothing is sent).")
        for email, password, role in DEMO_LOGINS:
            click.echo(f"  demo login ({role}): {email} / {password}")
    click.echo(f"Serving on http://{host}:{port}")
    gc.collect()
    gc.freeze()  # start-up objects out of the collector's sight (see gunicorn_conf.py)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@cli.command("worker")
@with_appcontext
def worker() -> None:
    """Run the scheduler alone (as many as you like, against PostgreSQL)."""
    # Imported here: APScheduler loads only for the commands that schedule.
    from rekruttering_jobs.scheduler import build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    scheduler = build_scheduler(app, blocking=True)
    click.echo("Worker started; Ctrl-C stops it.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has a centre.")
@click.option("--seed", default=2026, show_default=True, type=int)
@with_appcontext
@click.option(
    "--outside-demo-mode",
    is_flag=True,
    help="Load even though app.demo is off (a staging copy); the demo logins then exist.",
)
def demo(if_empty: bool, seed: int, outside_demo_mode: bool) -> None:
    """Load the demo centre (nine activities, channels, partners, a few hundred people)."""
    # Imported here: the demo imports every feature's use cases; only this command needs it.
    from rekruttering.demo import load_demo

    if not current_app.config.get("DEMO") and not outside_demo_mode:
        # The demo logins have a published password: never in a real installation.
        raise click.ClickException(
            "app.demo is off: demo data (with its published demo passwords) is not loaded "
            "into a real installation. Use --outside-demo-mode for a staging copy."
        )

    loaded = load_demo(seed=seed, if_empty=if_empty)
    click.echo("Demo data loaded." if loaded else "The database has data already; left as is.")


def main() -> None:
    cli(obj=ScriptInfo(create_app=_create_app))


if __name__ == "__main__":
    main()
