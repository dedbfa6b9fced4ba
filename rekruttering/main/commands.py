"""``rekruttering create-centre``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from rekruttering.centres.service import create_centre as create_centre_service
from rekruttering.errors import ServiceError
from rekruttering.transaction import transaction


@click.command("create-centre")
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--municipality", default="")
@with_appcontext
def create_centre(name: str, slug: str, municipality: str) -> None:
    """Add a centre to the installation (with its starter channels)."""
    try:
        with transaction():
            create_centre_service(name, slug, municipality)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created centre {slug}.")
