"""``rekruttering unknown-senders``: texts no centre owns, for the installation's operator."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from rekruttering.domain.clock import to_oslo
from rekruttering.domain.phone import mask_phone
from rekruttering.extensions import db
from rekruttering.models import Direction, Message


@click.command("unknown-senders")
@click.option("--limit", default=50, show_default=True, type=int)
@with_appcontext
def unknown_senders(limit: int) -> None:
    """List texts from unknown numbers to a number no centre owns (sms.inbound_centres).

    No centre's staff see these; map the receiving number to a centre to route them.
    """
    messages = db.session.scalars(
        sa.select(Message)
        .where(Message.centre_id.is_(None), Message.direction == Direction.INBOUND)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    if not messages:
        click.echo("No texts without a centre.")
    for message in messages:
        when = to_oslo(message.created_at).strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{message.id}\t{when}\tfrom {mask_phone(message.from_number)}"
            f"\tto {message.to_number}\t{message.body}"
        )
