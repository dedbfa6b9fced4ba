"""Serving pages leaves the app as it was built (state made lazily at a first request
would also make the test suite build a fresh app after every test that renders a page:
tests/conftest.py keeps an app only while it is unchanged)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from rekruttering.models import UserRole
from tests.conftest import _fingerprint, _unchanged

PAGES = ("/", "/people/", "/follow-up", "/checkin/", "/reports/", "/channels/", "/account")


def test_pages_leave_the_app_as_it_was_built(
    app: Flask, client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    make.person(centre)
    admin = make.user(centre, role=UserRole.ADMIN)
    before = _fingerprint(app)
    login(admin)
    for path in PAGES:
        assert client.get(path).status_code in (200, 302), path
    assert _unchanged(app, before), "a request changed the app (lazily made state?)"
