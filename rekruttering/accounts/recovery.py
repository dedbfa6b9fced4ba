"""Links that set a password: accepting an invitation, a reset, "Forgot password?".

The answer to "Forgot password?" is the same for every address, known or not, so the
form cannot be used to find out who has an account. Never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from rekruttering import audit
from rekruttering.auth import links
from rekruttering.auth.passwords import check_new_password
from rekruttering.domain.clock import utcnow
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.mail.service import send_mail
from rekruttering.models import Invitation, LinkPurpose, User

PASSWORD_PURPOSES = (LinkPurpose.INVITE, LinkPurpose.RESET)


def usable_link(token: str) -> Invitation:
    """An unused, unexpired invitation or reset link of an active account."""
    link = links.valid_link(token, PASSWORD_PURPOSES)
    if link is None:
        raise NotFound(_("This link has expired or has been used. Ask for a new one."))
    if not link.user.is_active_account:
        raise NotFound(_("This account is deactivated. Ask the centre's admin."))
    return link


def use_link(token: str, name: str | None, password: str, again: str) -> User:
    """Choose a password (and, on an invitation, one's name) with a link; used once."""
    link = usable_link(token)
    user = link.user
    if link.purpose == LinkPurpose.INVITE:
        name = (name or "").strip()
        if not name or len(name) > 120:
            raise ServiceError(_("A name of at most 120 characters is needed."), field="name")
        user.name = name
    if password != again:
        raise ServiceError(_("The two passwords are not the same."), field="password_again")
    check_new_password(password)
    now = utcnow()
    user.set_password(password)
    user.end_sessions()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    link.used_at = now
    links.expire_links(user.id, LinkPurpose.RESET, now)
    audit.record(
        "invitation_accepted" if link.purpose == LinkPurpose.INVITE else "password_reset",
        user_id=user.id,
    )
    return user


def request_reset(email: str, link_url: Callable[[str], str], hours: int) -> None:
    """Mail a reset link to an active account with this address; otherwise nothing."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.is_active_account or user.is_device or not email:
        audit.record("password_reset_requested", detail="unknown or inactive address")
        return
    token = links.issue_link(user, LinkPurpose.RESET, None, timedelta(hours=hours))
    centre_ids = {m.centre_id for m in user.memberships}
    send_mail(
        user.email,
        _("Choose a new password"),
        _(
            "Hello %(name)s,\n\nsomeone (we hope you) asked for a new password. Open this link "
            "within %(hours)d hours to choose one:\n\n%(link)s\n\nIf it was not you, ignore "
            "this message: your password stays as it is.",
            name=user.name,
            hours=hours,
            link=link_url(token),
        ),
        # Readable by the centre's admin only when the login belongs to that centre alone.
        centre_ids.pop() if len(centre_ids) == 1 and user.partner_id is None else None,
    )
    audit.record("password_reset_requested", user_id=user.id)
