"""``rekruttering generate-sessions``: the nightly job, by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from rekruttering.activities.sessions import (
    GenerationResult,
    backfill_sessions,
    generate_sessions,
)
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_today
from rekruttering.extensions import db
from rekruttering.models import Activity, Centre
from rekruttering.transaction import transaction


def generate_for_centres(weeks: int, centre_slug: str | None = None) -> dict[str, GenerationResult]:
    """Generate sessions for every centre (or one), one transaction per centre."""
    query = select(Centre).order_by(Centre.slug)
    if centre_slug:
        query = query.where(Centre.slug == centre_slug)
    results: dict[str, GenerationResult] = {}
    for centre in db.session.scalars(query).all():
        with transaction():
            results[centre.slug] = generate_sessions(centre.id, None, weeks)
    return results


@click.command("generate-sessions")
@click.option("--centre", "centre_slug", default=None, help="Only this centre (its slug).")
@click.option(
    "--weeks",
    type=click.IntRange(1, 104),
    default=None,
    help="Weeks ahead (default: funnel.sessions_ahead_weeks).",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Also add past sessions from this date (YYYY-MM-DD) to yesterday, "
    "to register attendance from paper lists.",
)
@with_appcontext
def generate_sessions_command(
    centre_slug: str | None, weeks: int | None, since: datetime | None
) -> None:
    """Generate sessions ahead from the weekly schedules (idempotent)."""
    weeks = weeks or current_settings().funnel.sessions_ahead_weeks
    results = generate_for_centres(weeks, centre_slug)
    if centre_slug and not results:
        raise click.ClickException(f"no centre with slug {centre_slug!r}")
    if since is not None:
        yesterday = oslo_today() - timedelta(days=1)
        for slug in results:
            centre_id = db.session.scalars(select(Centre.id).where(Centre.slug == slug)).one()
            with transaction():
                added = sum(
                    backfill_sessions(centre_id, activity_id, since.date(), yesterday)
                    for activity_id in db.session.scalars(
                        select(Activity.id).where(Activity.centre_id == centre_id)
                    )
                )
            click.echo(f"{slug}: {added} past sessions added")
    for slug, result in results.items():
        click.echo(
            f"{slug}: {result.created} created, {result.cancelled} cancelled, "
            f"{result.restored} restored, {result.removed} removed"
        )
