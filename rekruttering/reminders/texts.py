"""Which template a person's reminder is written from, and the text it makes.

Fall-back order for a person whose language is ``uk``: the centre's own ``uk``
template, the built-in ``uk`` one, then the same for the first language the centre
writes reminders in (its settings page; ``nb`` by default), then the built-in ``nb``.
A person whose language the centre does not write reminders in gets that first one.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from rekruttering.centre_settings.service import settings_of
from rekruttering.domain.reminder_text import (
    DEFAULT_TEMPLATES,
    FALLBACK_LANGUAGE,
    placeholder_values,
    render,
)
from rekruttering.extensions import db
from rekruttering.models import MessageTemplate, Person, Session

KIND = "reminder"

#: Codes people write that mean a language we have under another code.
ALIASES = {"no": "nb", "nob": "nb", "nno": "nn", "ukr": "uk", "eng": "en", "pol": "pl"}


def normalise_language(code: str | None) -> str:
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return ALIASES.get(base, base) or FALLBACK_LANGUAGE


@dataclass(frozen=True)
class TemplateChoice:
    body: str
    language: str  # the language the text is in
    custom: bool  # the centre's own template, not a built-in one


def signed(staff_name: str, signature: str) -> str:
    """The ``{staff_name}`` value: the staff member's name and the centre's signature."""
    return ", ".join(part for part in (staff_name.strip(), signature.strip()) if part)


class TemplateBook:
    """A centre's reminder templates, loaded once for a batch of people.

    The centre's settings say which languages it writes reminders in (a person whose
    language is not among them gets the first) and the signature after the staff name.
    """

    def __init__(self, centre_id: int) -> None:
        rows = db.session.scalars(
            sa.select(MessageTemplate).where(
                MessageTemplate.centre_id == centre_id, MessageTemplate.kind == KIND
            )
        ).all()
        self.custom = {row.language: row.body for row in rows}
        settings = settings_of(centre_id)
        self.languages = settings.languages or (FALLBACK_LANGUAGE,)
        self.signature = settings.sms_signature

    def choose(self, language: str | None) -> TemplateChoice:
        wanted = normalise_language(language)
        if wanted not in self.languages:
            wanted = self.languages[0]
        for code in dict.fromkeys((wanted, self.languages[0], FALLBACK_LANGUAGE)):
            if code in self.custom:
                return TemplateChoice(self.custom[code], code, True)
            if code in DEFAULT_TEMPLATES:
                return TemplateChoice(DEFAULT_TEMPLATES[code], code, False)
        return TemplateChoice(DEFAULT_TEMPLATES[FALLBACK_LANGUAGE], FALLBACK_LANGUAGE, False)

    def text_for(self, person: Person, session: Session, staff_name: str) -> tuple[str, str]:
        """The reminder ``person`` would get for ``session``: (text, its language)."""
        choice = self.choose(person.language)
        activity = session.activity
        place = session.place or next((s.place for s in activity.schedules if s.place), "")
        values = placeholder_values(
            first_name=person.first_name,
            activity=activity.name,
            starts_at=session.starts_at,
            place=place,
            staff_name=signed(staff_name, self.signature),
            language=choice.language,
        )
        return render(choice.body, values), choice.language
