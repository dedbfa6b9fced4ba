"""The texts of the account mails, and the absolute links in them."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from rekruttering.config import current_settings
from rekruttering.mail.service import send_mail
from rekruttering.models import User


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for a mail or to copy: on ``app.public_base_url`` when that is set."""
    base = current_settings().app.public_base_url
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def link_url(token: str) -> str:
    return absolute_url("accounts.use_link", token=token)


def mail_invitation(
    user: User, link: str, centre_name: str, days: int, centre_id: int | None
) -> None:
    send_mail(
        user.email,
        _("Invitation to %(centre)s", centre=centre_name),
        _(
            "Hello %(name)s,\n\nyou are invited to log in to %(centre)s's recruitment tool. "
            "Open this link within %(days)d days to choose your password:\n\n%(link)s\n",
            name=user.name,
            centre=centre_name,
            days=days,
            link=link,
        ),
        centre_id,
    )
