"""Flask's signed-cookie sessions, with ``Max-Age`` on the permanent session cookie.

Flask sends only ``Expires``, an absolute date the browser compares with its own
clock. A door tablet whose clock is off by more than the idle timeout would then drop
every session the moment it is set. ``Max-Age`` is relative to when the cookie
arrives, and browsers prefer it over ``Expires`` (RFC 6265, 5.3 step 3).
"""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class MaxAgeSessionInterface(SecureCookieSessionInterface):
    """Adds ``Max-Age`` (the session lifetime) to a permanent session cookie."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if not session.permanent or not session:
            return
        prefix = f"{self.get_cookie_name(app)}="
        max_age = int(app.permanent_session_lifetime.total_seconds())
        cookies = response.headers.getlist("Set-Cookie")
        if not any(c.startswith(prefix) and "Max-Age=" not in c for c in cookies):
            return
        response.headers.setlist(
            "Set-Cookie",
            [
                f"{c}; Max-Age={max_age}" if c.startswith(prefix) and "Max-Age=" not in c else c
                for c in cookies
            ],
        )
