"""``rekruttering retention --dry-run / --apply``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from rekruttering.domain.clock import to_oslo, utcnow
from rekruttering.extensions import db
from rekruttering.models import Centre
from rekruttering.privacy.retention import anonymise_due_everywhere, centre_months, due_everywhere
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
    """Anonymise people with no contact, attendance or message for their centre's
    retention period (set on each centre's settings page).

    Prints person ids only, never names: the output may end up in a log.
    """
    centre_id = None
    if centre_slug:
        centre_id = db.session.scalar(select(Centre.id).where(Centre.slug == centre_slug))
        if centre_id is None:
            raise click.UsageError(f"no centre with slug {centre_slug!r}")
    now = utcnow()
    months = centre_months(centre_id)
    period = ", ".join(f"centre {cid}: {m} months" for cid, m in months.items())
    if dry_run:
        due = due_everywhere(now, centre_id)
        for item in due:
            last = to_oslo(item.last_at).date().isoformat()
            click.echo(f"centre {item.centre_id} person {item.person_id}: last activity {last}")
        click.echo(f"{len(due)} people due (no activity for {period}). Nothing changed.")
        return
    with transaction():
        done = anonymise_due_everywhere(now, centre_id)
    click.echo(f"Anonymised {len(done)} people (no activity for {period}).")
