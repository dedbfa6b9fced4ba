"""Where the check-in list gets each person's answer to "are you coming?".

The answers are the reminders feature's (JA/NEI replies to a reminder), and reminders
sits above check-in (it reminds the people check-in expects), so check-in does not
import it: reminders registers its query here in its ``init_app``. Without reminders
installed the list simply shows no answers.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

#: session id -> {person id: "yes" / "no"}
RsvpSource = Callable[[int], dict[int, str]]

_KEY = "rekruttering.checkin.rsvp_source"


def register_rsvp_source(app: Flask, source: RsvpSource) -> None:
    app.extensions[_KEY] = source


def rsvp_answers(session_id: int) -> dict[int, str]:
    source: RsvpSource | None = current_app.extensions.get(_KEY)
    return source(session_id) if source is not None else {}
