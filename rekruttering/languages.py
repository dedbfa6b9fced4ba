"""The languages people at the centre speak: messages are written in them.

Codes are BCP 47 / ISO 639 (Dari is ``prs``). A person may have any code (an import
may bring others); unknown codes are shown as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from types import MappingProxyType

from flask import Flask, current_app, request
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from rekruttering.template_gettext import remembered

LANGUAGES = {
    "nb": _l("Norwegian"),
    "en": _l("English"),
    "ar": _l("Arabic"),
    "so": _l("Somali"),
    "ti": _l("Tigrinya"),
    "uk": _l("Ukrainian"),
    "ru": _l("Russian"),
    "prs": _l("Dari"),
    "fa": _l("Persian"),
    "ps": _l("Pashto"),
    "pl": _l("Polish"),
    "ku": _l("Kurdish"),
    "tr": _l("Turkish"),
    "ur": _l("Urdu"),
    "es": _l("Spanish"),
    "fr": _l("French"),
    "th": _l("Thai"),
}


def language_name(code: str | None) -> str:
    if not code:
        return ""
    name = LANGUAGES.get(code)
    return str(name) if name is not None else code


#: Where the language choices of each locale are kept (``language_choices``), per app.
CHOICES_BY_LOCALE = "rekruttering.languages.choices"


def language_choices() -> list[tuple[str, str]]:
    """(code, name in the UI language) of every language listed, a new list each call.

    Worked out once per locale and app: a logged contact asks on every post, and each
    name was a catalogue lookup (17 a post; docs/performance.md, "Writes: tenth round")."""
    cache: dict[str, tuple[tuple[str, str], ...]] = current_app.extensions.setdefault(
        CHOICES_BY_LOCALE, {}
    )
    locale = str(get_locale())
    found = cache.get(locale)
    if found is None:
        found = tuple((code, str(name)) for code, name in LANGUAGES.items())
        cache[locale] = found
    return list(found)


#: Where the names of each locale's languages by code are kept (``language_names``).
NAMES_BY_LOCALE = "rekruttering.languages.names"


def language_names() -> Mapping[str, str]:
    """Each listed language's code to its name in the UI language, as ``language_name``
    gives it; worked out once per locale and app, as ``language_choices``: the people
    list names the centre's languages (its filter) and each row's, and each name was a
    catalogue lookup (docs/performance.md, "People search: tenth round (branch
    ``search9``)")."""
    cache: dict[str, Mapping[str, str]] = current_app.extensions.setdefault(NAMES_BY_LOCALE, {})
    locale = str(get_locale())
    found = cache.get(locale)
    if found is None:
        found = cache[locale] = MappingProxyType(dict(language_choices()))
    return found


#: Where the language names of each locale are kept (``_codes_by_name``), per app.
CODES_BY_NAME = "rekruttering.languages.codes_by_name"


def _codes_by_name(english: bool = False) -> dict[str, str]:
    """Each language's name in the UI language (or English), lower case, to its code (the
    first code of a name). Worked out once per locale and app: a people search asks on
    every visit, and each name was a catalogue lookup (34 a search)."""
    cache: dict[str, dict[str, str]] = current_app.extensions.setdefault(CODES_BY_NAME, {})
    locale = "en" if english else str(get_locale())
    found = cache.get(locale)
    if found is None:
        found = {}
        with force_locale(locale) if english else nullcontext():
            for code, name in LANGUAGES.items():
                found.setdefault(str(name).lower(), code)
        cache[locale] = found
    return found


def language_code_for(text: str) -> str | None:
    """The code a search text names: a code (``ar``), or a name in the UI language or English."""
    wanted = text.strip().lower()
    if not wanted:
        return None
    if wanted in LANGUAGES:
        return wanted
    return _codes_by_name().get(wanted) or _codes_by_name(english=True).get(wanted)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["language_name"] = remembered(language_name)
    # The per-locale tables, made empty with the app and filled as locales are asked
    # for: a request adds entries, never new state of the app (tests/test_app_state.py).
    for key in (CHOICES_BY_LOCALE, NAMES_BY_LOCALE, CODES_BY_NAME):
        app.extensions[key] = {}


def visitor_language(offered: list[str]) -> str:
    """The language a public page is shown in: ``?lang=`` if offered, else the browser's
    best match among ``offered``, else Norwegian."""
    chosen = request.values.get("lang", "")
    if chosen in offered:
        return chosen
    return request.accept_languages.best_match(offered) or "nb"
