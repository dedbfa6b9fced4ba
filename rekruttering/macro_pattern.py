"""A row macro's HTML for every row of a list at the cost of a few calls of it.

A long list calls its row macro once a row, and most of what the macro writes is the
same on every row: a form's URL, the CSRF token, the labels (the check-in page: two
forms a row, ~20 values, most of its template's time; docs/performance.md).
``macro_pattern(macro, "person_id", "name")`` calls the macro once for each
combination of the arguments that steer it (its ``if``s) with a marker in place of
each value that only fills it in, and gives each row that text with the row's values
put in, escaped as ``{{ value }}`` escapes them.

The contract, for the macro: a value named as filling in is only written, as
``{{ value }}`` or as the text a ``replace`` filter puts in (never tested, compared or
changed by another filter); everything the macro decides by goes in the steering
arguments, which are hashable. A value that does not come out as its marker does (it
went through ``|lower``, say, or was written unescaped) is noticed: the rows are
then rendered by calling the macro, as before; so is one encoded for a URL or for
JSON. A value the macro does not write for some steering (a link shown only to some) is
simply left out. Not noticed, so kept out of the values by the contract: a value tested
(``{% if name %}``) or passed to something whose output depends on its length or
content (``|truncate``): those are steering arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import Any

from markupsafe import Markup, escape

#: A value's marker: private-use characters around a number, "Xx" (a filter that
#: changes case changes it) and an ``&``, which
#: ``{{ }}`` writes as ``&amp;`` (a marker found in its escaped form was escaped once).
_MARK = "\ue000{}Xx&\ue001"

#: A pattern that could not be split: the rows call the macro.
_CALL = None

#: What is left of a marker that was written changed: as it is (unescaped), cut, or
#: encoded for a URL (``url_for``, ``|urlencode``) or for JSON/JavaScript (``|tojson``).
_CHANGED_MARKER = re.compile(r"[\ue000\ue001]|%ee%80%8[01]|\\ue00[01]", re.IGNORECASE)


def _changed_marker(text: str) -> bool:
    return _CHANGED_MARKER.search(text) is not None


class MacroPattern:
    """``macro(*steering, **values)`` for many rows, built from one call per steering."""

    def __init__(self, macro: Callable[..., Any], names: tuple[str, ...]) -> None:
        self.macro, self.names = macro, names
        self.marks = {name: str(escape(_MARK.format(i))) for i, name in enumerate(names)}
        self._find = re.compile("|".join(re.escape(mark) for mark in self.marks.values()))
        self._by_mark = {mark: name for name, mark in self.marks.items()}
        self._patterns: dict[tuple[Hashable, ...], list[str | tuple[str]] | None] = {}

    def _split(self, steering: tuple[Hashable, ...]) -> list[str | tuple[str]] | None:
        # Plain text: its escaped form comes out only where {{ }} (or ``replace`` into
        # Markup) escaped it; a marker left as it is shows a value written unescaped.
        marked = {name: _MARK.format(i) for i, name in enumerate(self.names)}
        text = str(self.macro(*steering, **marked))
        parts: list[str | tuple[str]] = []
        at = 0
        for found in self._find.finditer(text):
            name = self._by_mark[found.group()]
            parts += [text[at : found.start()], (name,)]
            at = found.end()
        parts.append(text[at:])
        if any(_changed_marker(part) for part in parts if isinstance(part, str)):
            return _CALL
        return parts

    def __call__(self, *steering: Hashable, **values: Any) -> Markup:
        if steering not in self._patterns:
            self._patterns[steering] = self._split(steering)
        parts = self._patterns[steering]
        if parts is _CALL:
            return Markup(self.macro(*steering, **values))  # noqa: S704 - the macro's own output
        escaped = {name: str(escape(values[name])) for name in self.names}
        return Markup(  # noqa: S704 - the macro's text with the values escaped
            "".join(part if isinstance(part, str) else escaped[part[0]] for part in parts)
        )


def macro_pattern(macro: Callable[..., Any], *names: str) -> MacroPattern:
    """In a template, once a page: ``{% set row = macro_pattern(row_macro, "person_id",
    "name") %}``; then per row: ``{{ row(checked_in, person_id=p.id, name=p.name) }}``
    (the steering arguments by position, the values by name)."""
    return MacroPattern(macro, names)
