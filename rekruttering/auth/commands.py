"""``rekruttering create-user`` and ``unlock-user``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from rekruttering.auth.service import create_installation_admin, unlock
from rekruttering.auth.service import create_user as create_user_service
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import CENTRE_ROLES, Centre, UserRole
from rekruttering.transaction import transaction


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    type=click.Choice([*(r.value for r in CENTRE_ROLES), UserRole.INSTALLATION_ADMIN.value]),
    default=UserRole.STAFF.value,
    show_default=True,
    help="installation-admin: runs the installation, above the centres (no --centre).",
)
@click.option("--centre", "centres", multiple=True, help="Centre slug (repeat for several).")
@click.password_option(help="Asked for when not given.")
@with_appcontext
def create_user(email: str, name: str, role: str, centres: tuple[str, ...], password: str) -> None:
    """Create a login with a role in one or more centres, or an installation admin."""
    if role == UserRole.INSTALLATION_ADMIN.value:
        if centres:
            raise click.UsageError("an installation admin belongs to no centre: drop --centre")
        try:
            with transaction():
                user = create_installation_admin(email, name, password)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"Created installation admin {user.email}.")
        return
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
        with transaction():
            user = create_user_service(email, name, password, {c.id: UserRole(role) for c in found})
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {role} user {user.email} in {', '.join(c.slug for c in found)}.")


@click.command("unlock-user")
@click.argument("email")
@with_appcontext
def unlock_user(email: str) -> None:
    """Lift the lock after failed logins now, instead of waiting for it to expire."""
    with transaction():
        user = unlock(email)
    if user is None:
        raise click.ClickException(f"no user with email {email!r}")
    click.echo(f"Unlocked {user.email}.")
