"""Door tablets: check-in-only logins an admin creates, names, sees in use and revokes."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from rekruttering.access import ADMIN, DOOR
from rekruttering.devices import routes, service
from rekruttering.navigation import add_nav_item
from rekruttering.transaction import transaction


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    add_nav_item(app, "devices.index", _l("Door tablets"), ADMIN, order=92, menu="admin")
    add_nav_item(app, "checkin.index", _l("Check-in"), DOOR, order=10)
    app.before_request(_note_tablet_use)


def _note_tablet_use() -> None:
    if current_user.is_authenticated and current_user.is_device:
        with transaction():
            service.record_use(current_user._get_current_object())
