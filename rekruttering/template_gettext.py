"""The templates' ``_()``, ``gettext`` and ``ngettext``, bound once per render.

Flask-Babel installs template callables that look up the request's translations on
every call (the context, the locale, the catalogue cache: ~0.1 ms each when profiled),
and a list page says the same few words on every row. A context processor binds the
catalogue of the current locale once, when ``render_template`` starts, and gives the
template functions that behave exactly like Jinja's new-style gettext (the text is
always a format string, autoescaped, ``num`` filled in for ``ngettext``). A template
imported without context (a macro file) keeps Flask-Babel's own callables.

Filters that translate a fixed word (a stage, a role, a language) are wrapped by
``remembered``: each value is translated once per render (the same few words are on
every row of a list).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

#: The context variable that holds one render's remembered words.
MEMO = "_words_of_this_render"


def remembered(function: Callable[[Any], str]) -> Callable[..., str]:
    """A Jinja filter that gives ``function(value)``, remembered for the render (the
    locale cannot change within one). Without the render's memo (a macro file imported
    without context) it calls ``function`` every time."""

    @pass_context
    def filter_(context: Context, value: Any) -> str:
        memo = context.get(MEMO)
        if memo is None or not isinstance(value, Hashable):
            return function(value)
        key = (function, value)
        found = memo.get(key)
        if found is None:
            found = memo[key] = function(value)
        return found

    return filter_


def bound_gettext() -> dict[str, Any]:
    """``gettext`` and ``ngettext`` for one render, in the locale of that moment."""
    translations = get_translations()
    translate, translate_plural = translations.ugettext, translations.ungettext

    @pass_context
    def gettext(context: Context, string: str, /, **variables: Any) -> str:
        text = translate(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the catalogue's own text, as Jinja's i18n does
        return text % variables

    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = translate_plural(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the catalogue's own text, as Jinja's i18n does
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext, MEMO: {}}


def init_app(app: Flask) -> None:
    app.context_processor(bound_gettext)
