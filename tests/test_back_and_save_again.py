"""Back and save again: the same contact form sent a second time shows the contact the
first post saved, with a note, and saves nothing twice."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from rekruttering.extensions import db
from rekruttering.models import Contact, Person, UserRole


def test_contact_form_sent_again_shows_the_first_contact_with_a_note(
    client: FlaskClient, make: Any, login: Any
) -> None:
    centre = make.centre()
    login(make.user(centre, role=UserRole.STAFF))
    client.post("/language", data={"lang": "en"})
    activity = make.activity(centre)
    html = client.get("/contacts/new").get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)
    assert token is not None
    data = {
        "new_first_name": "Olena",
        "new_language": "uk",
        "activity_id": activity.id,
        "outcome": "heard",
        "role": "participant",
        "form_token": token.group(1),
    }
    first = client.post("/contacts/new", data=data)
    assert first.status_code == 302
    again = client.post("/contacts/new", data=data, follow_redirects=True)
    assert again.status_code == 200
    assert db.session.query(Contact).count() == 1
    assert db.session.query(Person).count() == 1
    assert "This form was already saved" in again.get_data(as_text=True)
    assert again.request.path == first.headers["Location"]


def test_pages_restore_the_token_after_back() -> None:
    """The browser side: app.js puts the first token back when Back reloads the page."""
    script = (Path(__file__).parents[1] / "rekruttering" / "static" / "app.js").read_text()
    assert "back_forward" in script and "form_token" in script
