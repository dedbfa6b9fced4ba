"""The stored mail: what the outbox kept (and the envelopes of mail sent by SMTP)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from rekruttering.access import ADMIN, INSTALLATION, allow
from rekruttering.config import current_settings
from rekruttering.mail.service import stored_mail
from rekruttering.models import UserRole
from rekruttering.pages import paginate

bp = Blueprint("mail", __name__)


@bp.route("/mail")
@allow(*ADMIN, *INSTALLATION)
def outbox() -> str:
    """An admin reads the centre's mail; the installation admin reads all of it."""
    centre_id = None if g.role == UserRole.INSTALLATION_ADMIN else g.centre.id
    page = paginate(stored_mail(centre_id), page=request.args.get("page", 1, type=int), per_page=25)
    return render_template("mail/outbox.html", page=page, gateway=current_settings().mail.gateway)
