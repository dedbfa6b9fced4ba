"""``rekruttering reports-warm``: compute and store the funder figures of the periods
the report opens on, for every centre (after an upgrade, or at night after the
retention job), so the first person to open the report does not wait for them."""

from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from rekruttering.domain.activity_figures import report_year
from rekruttering.domain.clock import oslo_today
from rekruttering.extensions import db
from rekruttering.models import Centre
from rekruttering.reports.funder import funder_report
from rekruttering.transaction import transaction


def warm_periods(today: date) -> list[tuple[date, date]]:
    """The period the funder report opens on, and last calendar year."""
    last_year = (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    return list(dict.fromkeys([report_year(today), last_year]))


@click.command("reports-warm")
@with_appcontext
def warm() -> None:
    """Store the funder report's figures of this year so far and last year, per centre."""
    today = oslo_today()
    centre_ids = list(db.session.scalars(sa.select(Centre.id).order_by(Centre.id)))
    for centre_id in centre_ids:
        for start, end in warm_periods(today):
            with transaction():
                funder_report(centre_id, start, end)
    click.echo(f"Funder figures stored for {len(centre_ids)} centres.")
