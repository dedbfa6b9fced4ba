"""The installation's operator's part in partners that work with several centres.

``partner-password-link``: a new password link for a partner login that serves several
centres (no single centre may issue one). ``accept-partner-request``: link a partner to
the centre that asked, on the partner's behalf.
"""

from __future__ import annotations

import click
from flask import current_app, url_for
from flask.cli import with_appcontext
from sqlalchemy import func, select

from rekruttering import audit
from rekruttering.config import current_settings
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import User
from rekruttering.partners.invitations import issue_invitation
from rekruttering.partners.link_requests import accept_for_partner
from rekruttering.transaction import transaction


@click.command("partner-password-link")
@click.argument("email")
@with_appcontext
def partner_password_link(email: str) -> None:
    """Print a new password link for the partner login EMAIL (its old password stops
    working once the link is used). Give it to the person through a channel you trust."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or user.partner_id is None:
        raise click.ClickException("no partner login with that e-mail address")
    settings = current_settings()
    with transaction():
        token = issue_invitation(user, None, settings.partners.invitation_days)
        for membership in user.memberships:
            audit.record(
                "partner_user_reinvited",
                centre_id=membership.centre_id,
                detail=f"user={user.id} by=installation",
            )
    base = settings.app.public_base_url or "http://localhost"
    with current_app.test_request_context():
        path = url_for("partners.accept", token=token)
    click.echo(base.rstrip("/") + path)


@click.command("accept-partner-request")
@click.argument("request_id", type=int)
@click.argument("partner_id", type=int)
@with_appcontext
def accept_partner_request(request_id: int, partner_id: int) -> None:
    """Accept a centre's waiting request REQUEST_ID for partner PARTNER_ID, on the
    partner's behalf (when it has agreed by other means). No login gets access: the
    centre invites the people it wants."""
    try:
        with transaction():
            accept_for_partner(request_id, partner_id)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo("Linked.")
