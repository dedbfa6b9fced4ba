"""Every user's own account: name, language, password, "log out everywhere". Never commits."""

from __future__ import annotations

from flask_babel import gettext as _

from rekruttering import audit
from rekruttering.auth import links
from rekruttering.auth.passwords import check_new_password
from rekruttering.domain.phone import try_normalise_phone
from rekruttering.errors import ServiceError
from rekruttering.i18n import LANGUAGES
from rekruttering.models import User


def update_profile(user: User, name: str, locale: str, phone: str | None = None) -> None:
    """Name, language and (optional, blank clears it) the account holder's own mobile."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ServiceError(_("A name of at most 120 characters is needed."), field="name")
    if locale not in LANGUAGES:
        raise ServiceError(_("Choose a language."), field="locale")
    if phone is not None:
        phone = phone.strip()
        number = try_normalise_phone(phone) if phone else None
        if phone and number is None:
            raise ServiceError(
                _("Write a mobile number like 912 34 567 or +47 912 34 567."), field="phone"
            )
        user.phone = number
    user.name = name
    user.locale = locale
    audit.record("account_updated", user_id=user.id)


def change_password(user: User, old: str, new: str, again: str) -> None:
    """The old password is required; every other session of the user ends."""
    if not user.check_password(old or ""):
        raise ServiceError(_("The current password is wrong."), field="old_password")
    if new != again:
        raise ServiceError(_("The two passwords are not the same."), field="password_again")
    check_new_password(new)
    user.set_password(new)
    user.end_sessions()
    links.expire_links(user.id)
    audit.record("password_changed", user_id=user.id)


def log_out_everywhere(user: User) -> None:
    user.end_sessions()
    audit.record("logged_out_everywhere", user_id=user.id)
