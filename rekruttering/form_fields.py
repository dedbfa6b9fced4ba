"""Small form helpers every feature's forms use (below the features, so a feature's
forms never import another feature's forms for them)."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField

from rekruttering.domain.dates import parse_time

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def as_choices(pairs: Any) -> list[Any]:
    """(value, label) pairs as the choices the installed WTForms wants."""
    if SelectChoice is None:
        return [(value, label) for value, label in pairs]
    return [SelectChoice(value, label) for value, label in pairs]


def optional_int(value: object) -> int | None:
    """A select's value as an id, or None for the empty choice (and anything not a number)."""
    if value in (None, "", "None"):
        return None
    if not isinstance(value, str | int):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class TypedTimeField(StringField):
    """A time field that takes 11, 11:00 or 11.00."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).setdefault("type", "time")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        self.raw_text = (valuelist[0] if valuelist else "") or ""
        if not self.raw_text.strip():
            return
        parsed = parse_time(self.raw_text)
        if parsed is None:
            raise ValueError(_l("Write the time as 11:00."))
        self.data = parsed

    def _value(self) -> str:
        if isinstance(self.data, time):
            return self.data.strftime("%H:%M")
        return getattr(self, "raw_text", "") or ""
