"""``rekruttering create-user``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from rekruttering.auth.service import create_user as create_user_service
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Centre, UserRole


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    type=click.Choice([r.value for r in UserRole]),
    default=UserRole.STAFF.value,
    show_default=True,
)
@click.option("--centre", "centres", multiple=True, help="Centre slug (repeat for several).")
@click.password_option(help="Asked for when not given.")
@with_appcontext
def create_user(email: str, name: str, role: str, centres: tuple[str, ...], password: str) -> None:
    """Create a login with a role in one or more centres."""
    query = select(Centre)
    if centres:
        query = query.where(Centre.slug.in_(centres))
    found = db.session.scalars(query.order_by(Centre.id)).all()
    if centres and len(found) != len(set(centres)):
        missing = set(centres) - {c.slug for c in found}
        raise click.UsageError(f"no centre with slug: {', '.join(sorted(missing))}")
    if not found:
        raise click.UsageError("there is no centre yet: run `rekruttering demo` or add one")
    if not centres:
        found = found[:1]
    try:
        user = create_user_service(email, name, password, {c.id: UserRole(role) for c in found})
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Created {role} user {user.email} in {', '.join(c.slug for c in found)}.")
