"""Which template a person's reminder is written from, and the text it makes.

Fall-back order for a person whose language is ``uk``: the centre's own ``uk``
template, the built-in ``uk`` one, the centre's ``nb`` template, the built-in ``nb``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

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


class TemplateBook:
    """A centre's reminder templates, loaded once for a batch of people."""

    def __init__(self, centre_id: int) -> None:
        rows = db.session.scalars(
            sa.select(MessageTemplate).where(
                MessageTemplate.centre_id == centre_id, MessageTemplate.kind == KIND
            )
        ).all()
        self.custom = {row.language: row.body for row in rows}

    def choose(self, language: str | None) -> TemplateChoice:
        wanted = normalise_language(language)
        for code in dict.fromkeys((wanted, FALLBACK_LANGUAGE)):
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
            staff_name=staff_name,
            language=choice.language,
        )
        return render(choice.body, values), choice.language
