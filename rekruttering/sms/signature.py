"""Is this webhook request really from Twilio? (``X-Twilio-Signature``)

Twilio signs the full public URL it called plus the POST parameters with our auth
token. Behind a reverse proxy the URL Flask sees (``http://127.0.0.1:8000/...``) is
not the one Twilio called (``https://centre.example.org/...``), so we validate against
``app.public_base_url`` + path + query when it is set, and Flask's own URL otherwise
(correct when the app is reached directly or ``app.trusted_proxies`` is set).
"""

from __future__ import annotations

from flask import Request
from twilio.request_validator import RequestValidator

from rekruttering.config import Settings

try:  # newer twilio releases also sign with HMAC-SHA256 and name the algorithm
    from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, get_signature_algorithm
except ImportError:  # pragma: no cover - older library
    SIGNATURE_SETTINGS_HEADER = ""
    get_signature_algorithm = None

SIGNATURE_HEADER = "X-Twilio-Signature"


def signed_url(request: Request, public_base_url: str) -> str:
    """The URL Twilio called, as it signed it."""
    if not public_base_url:
        return request.url
    query = request.query_string.decode("utf-8", "replace")
    return f"{public_base_url.rstrip('/')}{request.path}" + (f"?{query}" if query else "")


def is_from_twilio(request: Request, settings: Settings) -> bool:
    token = settings.twilio.auth_token
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    url = signed_url(request, settings.app.public_base_url)
    validator = RequestValidator(token)
    if get_signature_algorithm is not None:
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        return bool(validator.validate(url, request.form, signature, algorithm))
    return bool(validator.validate(url, request.form, signature))
