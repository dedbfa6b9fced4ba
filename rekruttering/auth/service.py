"""Use cases of accounts: authenticate, create a user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from rekruttering import audit
from rekruttering.auth.passwords import check_new_password
from rekruttering.domain.clock import utcnow
from rekruttering.errors import Conflict, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Centre, Membership, User, UserRole

#: Checked against when the email is unknown, so an unknown address takes as long to
#: refuse as a wrong password (no telling which emails have accounts by timing).
_DUMMY_HASH = generate_password_hash("not-a-password-of-anyone")


def refused_message() -> str:
    return _("Wrong email or password, or too many attempts: try again in a few minutes.")


def _count_failure(user_id: int) -> int:
    """Add one failed login to the user's count atomically; the new count."""
    result = db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    )
    return int(result.scalar_one())


@dataclass(frozen=True)
class LoginPolicy:
    attempts: int = 5
    lockout: timedelta = timedelta(minutes=15)


def authenticate(
    email: str,
    password: str,
    policy: LoginPolicy,
    ip: str | None = None,
    trusted_device: Callable[[User], bool] | None = None,
) -> User | None:
    """Return the user for a correct email and password, or None for a refusal.

    A refusal is an outcome, not an exception: the failed attempt (its count, a lock,
    the audit event) must be kept, so the caller's ``transaction()`` keeps it like any
    other outcome, and the caller then shows ``refused_message()``.

    After ``policy.attempts`` failures the account is locked for ``policy.lockout``.
    The lock always expires, and it does not apply to a browser the user has logged
    in from before (``trusted_device``, see device.py), so nobody outside can lock
    staff out; the rate limit per address (Flask-Limiter) slows guessing meanwhile.
    """
    now = utcnow()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    # One answer for a wrong password, an unknown email and a locked account, so the
    # form tells no one which emails have accounts (nor which are locked).
    if user is None or not user.is_active_account:
        check_password_hash(_DUMMY_HASH, password)
        audit.record("login_failed", detail="unknown or inactive account", ip=ip)
        return None
    trusted = bool(trusted_device and trusted_device(user))
    if user.locked_until and user.locked_until > now and not trusted:
        check_password_hash(_DUMMY_HASH, password)  # as slow as any other refusal
        audit.record("login_locked", user_id=user.id, ip=ip)
        return None
    if not user.check_password(password):
        # Counted in the database in one statement, so failures through every worker
        # (and at the same moment) add up: four workers do not allow four times as many.
        failures = _count_failure(user.id)
        if failures >= policy.attempts and not trusted:
            db.session.execute(
                update(User)
                .where(User.id == user.id)
                .values(locked_until=now + policy.lockout, failed_logins=0)
            )
        audit.record(
            "login_failed", user_id=user.id, ip=ip, detail="trusted device" if trusted else ""
        )
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("login", user_id=user.id, ip=ip)
    return user


def unlock(email: str) -> User | None:
    """Lift the lock after failed logins now (the command line); None: no such user."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        return None
    user.locked_until = None
    user.failed_logins = 0
    audit.record("user_unlocked", user_id=user.id, detail="command line")
    return user


def check_password_strength(password: str) -> None:
    """The password policy (see passwords.py); kept under this name for its callers."""
    check_new_password(password)


def create_user(
    email: str,
    name: str,
    password: str | None,
    memberships: dict[int, UserRole],
    partner_id: int | None = None,
    locale: str | None = None,
) -> User:
    """Create a login with a role in each given centre (centre id -> role)."""
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise Conflict(_("A user with this email already exists."), field="email")
    user = User(email=email, name=name.strip(), partner_id=partner_id, locale=locale)
    if password is not None:
        check_password_strength(password)
        user.set_password(password)
    db.session.add(user)
    for centre_id, role in memberships.items():
        if db.session.get(Centre, centre_id) is None:
            raise ServiceError(_("No such centre."))
        user.memberships.append(Membership(centre_id=centre_id, role=role))
    db.session.flush()
    audit.record("user_created", user_id=user.id, detail=f"roles={len(memberships)}")
    return user


def log_out(user: User) -> None:
    """Logout ends every copy of the session (and the user's other sessions)."""
    user.end_sessions()
    audit.record("logout", user_id=user.id)


def create_installation_admin(email: str, name: str, password: str) -> User:
    """Whoever runs the server: above the centres, with no membership."""
    user = create_user(email, name, password, {})
    user.is_installation_admin = True
    audit.record("installation_admin_created", user_id=user.id)
    return user
