"""``rekruttering create-api-token``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from rekruttering.api.tokens import LIFETIMES, create_token
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Centre, User
from rekruttering.transaction import transaction


@click.command("create-api-token")
@click.option("--email", required=True, help="The staff member the token acts as.")
@click.option("--centre", "centre_slug", required=True, help="Centre slug.")
@click.option("--name", required=True, help="What will use it.")
@click.option(
    "--days",
    type=click.Choice([str(d) for d in LIFETIMES]),
    default=str(LIFETIMES[-1]),
    show_default=True,
)
@with_appcontext
def create_api_token(email: str, centre_slug: str, name: str, days: str) -> None:
    """Make a personal API token; it is printed once and stored only as a hash."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    centre = db.session.scalar(select(Centre).where(Centre.slug == centre_slug))
    if user is None:
        raise click.UsageError(f"no user with email {email!r}")
    if centre is None:
        raise click.UsageError(f"no centre with slug {centre_slug!r}")
    try:
        with transaction():
            row, token = create_token(centre.id, user.id, name, int(days))
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Token {row.id} for {user.email} in {centre.slug} (shown once, keep it safe):")
    click.echo(token)
