"""The opt-out list keeps a keyed hash of each number, never the number itself.

HMAC-SHA256 with a secret key: the list still answers "has this number said STOP?"
(hash the number and look it up), but a copy of the database does not give the
numbers back, and without the key nobody can test guesses against it (Norwegian
mobile numbers are few enough to try them all against a plain hash).

The key is ``[privacy] opt_out_key`` (or $REKRUTTERING_OPTOUT_KEY). Without it the
key is derived from ``app.secret_key``, so rotating the secret key would forget the
list: a real installation sets its own opt-out key and keeps it (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from rekruttering.config import current_settings

_DERIVATION_LABEL = b"rekruttering opt-out list v1"


def opt_out_key(configured: str, secret_key: str) -> bytes:
    """The HMAC key: the configured one, else one derived from the app's secret key."""
    if configured:
        return configured.encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), _DERIVATION_LABEL, hashlib.sha256).digest()


def number_hash(phone: str, key: bytes) -> str:
    """The list's entry for an E.164 number (64 hex characters)."""
    return hmac.new(key, phone.encode("utf-8"), hashlib.sha256).hexdigest()


def current_key() -> bytes:
    """The running app's key (inside an app context)."""
    return opt_out_key(current_settings().privacy.opt_out_key, current_app.config["SECRET_KEY"])


def hash_of(phone: str) -> str:
    """``number_hash`` with the running app's key."""
    return number_hash(phone, current_key())
