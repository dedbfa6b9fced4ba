"""Starting and ending a login session; revocation by the user's session generation.

The session cookie is signed but lives in the browser, so a copy of it (a shared
computer, a stolen cookie) would work until it times out. Flask-Login stores the
user's ``get_id()`` in the session, and ours is ``"<id>:<session_generation>"``; the
user loader refuses an id whose generation is not the user's current one. Raising the
generation (``User.end_sessions``) therefore ends every session of the user, and
every copy of each, at the next request: on logout, a password change or reset,
deactivation, "log out everywhere", and a door tablet's revocation.
"""

from __future__ import annotations

from flask import session
from flask_login import login_user, logout_user

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import User


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user, if the session's generation is current."""
    ident, _, generation = user_id.partition(":")
    try:
        user = db.session.get(User, int(ident))
        current = int(generation)
    except ValueError:
        return None
    if user is None or user.session_generation != current:
        return None
    return user


def _fresh_session() -> None:
    """A new session (no fixation), keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(user: User) -> None:
    """Log ``user`` in in this browser (after login, an accepted link, a new password)."""
    _fresh_session()
    session.permanent = True
    session["login_at"] = utcnow().isoformat()
    login_user(user)


def end_browser_session() -> None:
    """Forget the login in this browser (the generation is raised by the service)."""
    logout_user()
    _fresh_session()
