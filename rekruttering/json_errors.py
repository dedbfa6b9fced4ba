"""The JSON error shape of the API: ``{"error": {"status", "message", "fields"?}}``.

Kept below the features so the request guard (input_boundary.py) answers a refused
API request in the API's shape without importing the api feature.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response


def error_response(
    status: int, message: str, fields: dict[str, str] | None = None, **extra: Any
) -> Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="rekruttering"'
    return response
