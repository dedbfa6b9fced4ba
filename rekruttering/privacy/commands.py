"""``rekruttering retention --dry-run / --apply``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from rekruttering.domain.clock import to_oslo, utcnow
from rekruttering.extensions import db
from rekruttering.models import Centre
from rekruttering.privacy.retention import anonymise_due, due_people
from rekruttering.transaction import transaction


@click.command("retention")
@click.option(
    "--dry-run/--apply",
    default=True,
    show_default=True,
    help="List who is due (the default), or anonymise them now.",
)
@click.option("--centre", "centre_slug", default=None, help="Only this centre (slug).")
@with_appcontext
def retention(dry_run: bool, centre_slug: str | None) -> None:
    """Anonymise people with no contact, attendance or message for retention.months.

    Prints person ids only, never names: the output may end up in a log.
    """
    months = current_app.extensions["rekruttering.settings"]["retention.months"]
    centre_id = None
    if centre_slug:
        centre_id = db.session.scalar(select(Centre.id).where(Centre.slug == centre_slug))
        if centre_id is None:
            raise click.UsageError(f"no centre with slug {centre_slug!r}")
    now = utcnow()
    if dry_run:
        due = due_people(centre_id, now, months)
        for item in due:
            last = to_oslo(item.last_at).date().isoformat()
            click.echo(f"centre {item.centre_id} person {item.person_id}: last activity {last}")
        click.echo(f"{len(due)} people due (no activity for {months} months). Nothing changed.")
        return
    with transaction():
        done = anonymise_due(now, months, centre_id)
    click.echo(f"Anonymised {len(done)} people (no activity for {months} months).")
