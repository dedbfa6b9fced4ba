"""Token authentication for the API.

The API is CSRF-exempt, so it must never accept the session cookie: a page on
another site could otherwise make a logged-in browser call it. Every API request is
authenticated by its ``Authorization: Bearer`` token alone; whatever session the
browser has is ignored. The token decides the user and the centre (a token is made
in one centre); the user must still be staff or admin there at each request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin

from rekruttering.api.errors import ApiError
from rekruttering.api.tokens import find_valid_token, touch_token
from rekruttering.domain.clock import utcnow
from rekruttering.models import ApiToken, Membership
from rekruttering.transaction import transaction

F = TypeVar("F", bound=Callable[..., Any])

#: Marks a view as token-protected (a test checks every API view has it).
ATTRIBUTE = "api_token_required"

#: last_used_at is written at most this often per token (not a write per request).
TOUCH_EVERY = timedelta(minutes=5)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_required(view: F) -> F:
    """Answer 401 without a valid token; run the view as the token's user and centre."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # Whatever the cookie said, this request is anonymous until the token speaks.
        g._login_user = AnonymousUserMixin()
        g.centre = None
        g.role = None
        g.memberships = []
        presented = _bearer()
        token = find_valid_token(presented) if presented else None
        if token is None:
            raise ApiError(
                401, _("An API token is needed: send it as 'Authorization: Bearer <token>'.")
            )
        _sign_in(token)
        return view(*args, **kwargs)

    setattr(wrapper, ATTRIBUTE, True)
    return cast(F, wrapper)


def _sign_in(token: ApiToken) -> None:
    membership = _membership(token)
    g._login_user = token.user
    g.centre = membership.centre if membership else None
    g.role = membership.role if membership else None
    g.memberships = [membership] if membership else []
    g.api_token = token
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        with transaction():
            touch_token(token, now)


def _membership(token: ApiToken) -> Membership | None:
    for membership in token.user.memberships:
        if membership.centre_id == token.centre_id:
            return membership
    return None


def forget_token_user(_error: BaseException | None = None) -> None:
    """In tests one app context serves many requests: do not let the token's user
    linger in ``g`` for the next request (production has a fresh ``g`` each time)."""
    for name in ("_login_user", "api_token"):
        g.pop(name, None)
