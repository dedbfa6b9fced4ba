"""Who may call which route. Default deny: every view declares its audience.

A view without ``@allow(...)`` stops start-up, so a new route cannot be left open
by forgetting a decorator; a test walks the URL map to prove the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, request
from flask_login import current_user

from rekruttering.extensions import login_manager
from rekruttering.models import UserRole

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"  # anyone, logged in or not
ANY_USER = "any_user"  # any logged-in user, whatever the role

STAFF = (UserRole.STAFF, UserRole.ADMIN)
ADMIN = (UserRole.ADMIN,)
PARTNER = (UserRole.PARTNER,)
MUNICIPALITY = (UserRole.MUNICIPALITY,)
DOOR = (UserRole.DOOR,)  # a door tablet: check-in only
#: Whoever runs the server: above the centres, with no current centre of its own.
INSTALLATION = (UserRole.INSTALLATION_ADMIN,)

ATTRIBUTE = "access_roles"


def allow(*audience: str | UserRole | tuple[UserRole, ...]) -> Callable[[F], F]:
    """Declare who may call a view: ``@allow(*STAFF)``, ``@allow(PUBLIC)``."""
    flat: set[str] = set()
    for item in audience:
        if isinstance(item, tuple):
            flat.update(str(role) for role in item)
        else:
            flat.add(str(item))

    def decorate(view: F) -> F:
        setattr(view, ATTRIBUTE, frozenset(flat))
        return view

    return decorate


def audience_of(app: Flask, endpoint: str) -> frozenset[str] | None:
    if endpoint == "static" or endpoint.endswith(".static"):
        return frozenset({PUBLIC})
    view = app.view_functions.get(endpoint)
    return getattr(view, ATTRIBUTE, None)


def init_app(app: Flask) -> None:
    undeclared = [e for e in app.view_functions if audience_of(app, e) is None]
    if undeclared:
        raise RuntimeError(f"views without @allow(...): {', '.join(sorted(undeclared))}")
    app.before_request(enforce)


def enforce() -> Any:
    if request.endpoint is None:
        return None  # 404 / 405 follow
    audience = audience_of(current_app, request.endpoint) or frozenset()
    if PUBLIC in audience:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if ANY_USER in audience:
        return None
    role = g.get("role")
    if role is None or str(role) not in audience:
        abort(403)
    return None
