"""Small form helpers every feature's forms use (below the features, so a feature's
forms never import another feature's forms for them)."""

from __future__ import annotations

from typing import Any

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
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
