"""Use cases and queries behind the home, language and health pages."""

from __future__ import annotations

from sqlalchemy import text

from rekruttering.extensions import db
from rekruttering.models import User


def remember_language(user: User, lang: str) -> None:
    """Keep the chosen language on the login (the caller has checked ``lang``)."""
    user.locale = lang


def database_answers() -> bool:
    """Whether the database answers a trivial query (the health check)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return False
    return True
