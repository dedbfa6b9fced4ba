"""JSON errors for the API: a status, a message and, for bad input, a message per field.

Every error under /api/ is answered here, never with an HTML page: routing errors
(404, 405) before the view runs, HTTP errors raised in views, service errors, and
anything unexpected (500, logged, the transaction rolled back).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from rekruttering.errors import Conflict, NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.json_errors import error_response

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

__all__ = ["API_PREFIX", "ApiError", "error_response", "init_app"]


class ApiError(Exception):
    """Raised by API code to answer with a JSON error."""

    def __init__(
        self, status: int, message: str, fields: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.extra = extra


def _http_message(status: int) -> str:
    messages = {
        400: _("The request was not understood."),
        401: _("An API token is needed: send it as 'Authorization: Bearer <token>'."),
        403: _("This token does not give access here."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        415: _("Send JSON with 'Content-Type: application/json'."),
        429: _("Too many requests. Wait a little and try again."),
    }
    return messages.get(status, _("Something went wrong on the server."))


def from_http(error: HTTPException) -> Response:
    status = error.code or 500
    response = error_response(status, _http_message(status))
    valid_methods = getattr(error, "valid_methods", None)  # a MethodNotAllowed's
    if status == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(sorted(valid_methods))
    return response


def routing_error() -> Response | None:
    """A JSON answer for /api/ URLs that match no route (or not with this method)."""
    if request.path.startswith(API_PREFIX) and request.routing_exception is not None:
        error = request.routing_exception
        if isinstance(error, HTTPException):
            return from_http(error)
    return None


def init_app(app: Flask) -> None:
    app.before_request(routing_error)


def register_handlers(blueprint: Any) -> None:
    """JSON for every error raised in the blueprint's views (called once, at import)."""

    @blueprint.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        db.session.rollback()
        return error_response(error.status, error.message, error.fields, **error.extra)

    @blueprint.errorhandler(NotFound)
    def not_found(error: NotFound) -> Response:
        db.session.rollback()
        return error_response(404, _http_message(404))

    @blueprint.errorhandler(Conflict)
    def conflict(error: Conflict) -> Response:
        db.session.rollback()
        fields = {error.field: error.message} if error.field else None
        return error_response(409, error.message, fields)

    @blueprint.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        db.session.rollback()
        fields = {error.field: error.message} if error.field else None
        return error_response(400, error.message, fields)

    @blueprint.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return from_http(error)

    @blueprint.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        db.session.rollback()
        log.exception("API error on %s %s", request.method, request.path)
        return error_response(500, _http_message(500))
