"""Telling the browser to forget what this site stored on it.

The check-in page keeps today's list and a queue of taps on a door tablet (Cache
Storage, IndexedDB, a service worker). At logout, and wherever a tablet's login is
revoked, the answer carries ``Clear-Site-Data`` so all of it is removed at once.
Cookies are left alone: the session cookie is cleared by the logout itself, and the
language choice may stay.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

HEADER = "Clear-Site-Data"
VALUE = '"cache", "storage"'


def clear_site_data(response: Response) -> Response:
    """Ask the browser to drop this site's caches and storage (service workers too)."""
    response.headers[HEADER] = VALUE
    return response
