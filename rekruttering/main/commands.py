"""``rekruttering create-centre``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from rekruttering.extensions import db
from rekruttering.models import Centre


@click.command("create-centre")
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--municipality", default="")
@with_appcontext
def create_centre(name: str, slug: str, municipality: str) -> None:
    """Add a centre to the installation."""
    if db.session.scalar(select(Centre.id).where(Centre.slug == slug)):
        raise click.ClickException(f"a centre with slug {slug!r} exists already")
    db.session.add(Centre(name=name, slug=slug, municipality=municipality))
    db.session.commit()
    click.echo(f"Created centre {slug}.")
