"""Trusted devices: why a stranger cannot lock staff out of their own account.

After enough failed logins an account is locked for a while (see service.py). That
lock would let anyone who knows a staff member's email keep them out for good, by
failing a few times every quarter of an hour. So a browser that has logged in as
the user before carries a signed cookie naming the user, and the lock does not
apply to it (the pattern OWASP calls "device cookies"). Guessing from a trusted
browser is still slowed by the rate limit per address.

The cookie is signed with the app's secret key, lasts ``MAX_AGE``, is sent only to
the login page, and stops working when the user's password changes.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Request, current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from rekruttering.models import User

COOKIE = "rk_device"
MAX_AGE = timedelta(days=180)
SALT = "rekruttering.trusted-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _password_tag(user: User) -> str:
    # A changed password (the usual answer to a suspected break-in) ends all devices.
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def remember_device(response: Response, user: User) -> None:
    """Mark this browser as one the user has logged in from."""
    token = _serializer().dumps({"u": user.id, "p": _password_tag(user)})
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(MAX_AGE.total_seconds()),
        path=url_for("auth.login"),
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Strict",
    )


def is_trusted_device(request: Request, user: User) -> bool:
    """True when the request carries a valid device cookie of ``user``."""
    token = request.cookies.get(COOKIE)
    if not token:
        return False
    try:
        data = _serializer().loads(token, max_age=int(MAX_AGE.total_seconds()))
    except BadSignature:
        return False
    return (
        isinstance(data, dict) and data.get("u") == user.id and data.get("p") == _password_tag(user)
    )
