"""Norwegian bokmål by default, English on request (Flask-Babel).

Source strings are English. Each feature keeps its own Norwegian catalogue in
``<feature>/translations/nb/LC_MESSAGES/messages.po`` (compiled to .mo by
``make translations``); the app merges them all. The chosen language is remembered
in the session and, for a logged-in user, on the account.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale, refresh
from flask_login import current_user

from rekruttering.config import current_settings
from rekruttering.extensions import babel

LANGUAGES = {"nb": "Norsk bokmål", "en": "English"}
SESSION_KEY = "lang"
PACKAGE_DIR = Path(__file__).resolve().parent


def translation_directories() -> list[str]:
    """Every ``translations`` folder in the package (one per feature)."""
    return sorted(str(p) for p in PACKAGE_DIR.rglob("translations") if p.is_dir())


def select_locale() -> str:
    settings = current_settings()
    if not has_request_context():
        return settings.app.default_locale
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if request.args.get("lang") in LANGUAGES:
        return request.args["lang"]
    return settings.app.default_locale


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = "nb"
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Oslo"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel caches the locale on the app context, which outlives a request when
    # one is already pushed (CLI, tests): choose afresh for every request.
    app.before_request(refresh)

    @app.context_processor
    def language_context() -> dict[str, object]:
        return {"languages": LANGUAGES, "current_language": str(get_locale())}
