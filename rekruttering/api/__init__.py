"""The JSON API for integrations (/api/v1) and the page where staff make API tokens.

The API is authenticated by personal bearer tokens only, is exempt from CSRF (it never
reads the session cookie), and answers every error as JSON. Its OpenAPI document is
served at /api/v1/openapi.json.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import ADMIN
from rekruttering.api import commands, errors, routes, token_routes
from rekruttering.extensions import csrf
from rekruttering.navigation import add_nav_item


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    csrf.exempt(routes.bp)
    errors.init_app(app)
    app.register_blueprint(token_routes.bp)
    app.cli.add_command(commands.create_api_token)
    add_nav_item(app, "api_tokens.index", _l("API tokens"), ADMIN, order=95, menu="admin")
