"""Error pages a person can act on, in their language."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from rekruttering.errors import NotFound
from rekruttering.extensions import db


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template("errors/error.html", code=400, csrf=True), 400

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> tuple[str, int]:
        """A service's "no such object here" (another centre's, a retired code): 404."""
        return render_template("errors/error.html", code=404, detail=None), 404

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        # A description given where the error was raised says what to correct.
        detail = error.description if error.description != type(error).description else None
        return render_template("errors/error.html", code=error.code, detail=detail), error.code

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render_template("errors/error.html", code=500), 500
