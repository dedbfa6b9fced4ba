"""The languages people at the centre speak: messages are written in them.

Codes are BCP 47 / ISO 639 (Dari is ``prs``). A person may have any code (an import
may bring others); unknown codes are shown as they are.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import force_locale
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


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in LANGUAGES.items()]


def language_code_for(text: str) -> str | None:
    """The code a search text names: a code (``ar``), or a name in the UI language or English."""
    wanted = text.strip().lower()
    if not wanted:
        return None
    if wanted in LANGUAGES:
        return wanted
    for code, name in LANGUAGES.items():
        if wanted == str(name).lower():
            return code
    with force_locale("en"):
        for code, name in LANGUAGES.items():
            if wanted == str(name).lower():
                return code
    return None


def init_app(app: Flask) -> None:
    app.jinja_env.filters["language_name"] = remembered(language_name)


def visitor_language(offered: list[str]) -> str:
    """The language a public page is shown in: ``?lang=`` if offered, else the browser's
    best match among ``offered``, else Norwegian."""
    chosen = request.values.get("lang", "")
    if chosen in offered:
        return chosen
    return request.accept_languages.best_match(offered) or "nb"
