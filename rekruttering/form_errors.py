"""A service's refusal shown where the person will look: on its field, else as a flash."""

from __future__ import annotations

from typing import Any

from flask import flash

from rekruttering.errors import ServiceError


def show_error(form: Any, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")
