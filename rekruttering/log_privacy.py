"""No personal data in the logs: query strings masked, SQL parameters and rows left out.

* Access logs (werkzeug's for ``rekruttering serve``, gunicorn's through
  ``gunicorn_conf.PrivateAccessLogger``) record a search as ``?q=***``: the values
  of ``SENSITIVE_PARAMETERS`` are masked, and so is anything that looks like a phone
  number anywhere in the line (a Referer, a path).
* The SQLAlchemy engine runs with ``hide_parameters=True`` (app.py), so a failing
  statement is logged without its values (phone numbers, message bodies), and the
  engine's DEBUG lines with result rows are dropped.
* Our own loggers (the app's, ``rekruttering.*``) mask phone-like values in messages
  and in logged exceptions.
"""

from __future__ import annotations

import logging
import re
from typing import Any

#: Query parameters whose values are people's data (searches, names, numbers).
SENSITIVE_PARAMETERS = ("q", "link_q", "phone", "name", "email", "first_name", "last_name")
MASK = "***"

_PARAMETER = re.compile(
    r"(?P<key>(?:^|[?&;]|%3F|%26)(?:" + "|".join(SENSITIVE_PARAMETERS) + r")=)[^&;\s\"']*",
    re.IGNORECASE,
)
#: Eight digits or more, with spaces (or %20) between, maybe after + (or %2B / 00):
#: Norwegian and international phone numbers, never a date (2026-11-29) or a time.
PHONE_LIKE = re.compile(r"(?:\+|%2B)?\d(?:(?:\s|%20)?\d){7,}", re.IGNORECASE)


def mask(text: str) -> str:
    """``text`` with sensitive query values and phone-like numbers replaced by ***."""
    text = _PARAMETER.sub(lambda m: m.group("key") + MASK, text)
    return PHONE_LIKE.sub(MASK, text)


class MaskingFilter(logging.Filter):
    """Rewrites a record's message (and its exception text) through ``mask``."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = mask(text), None
        return True


class NoRowsFilter(logging.Filter):
    """Drops the SQLAlchemy engine's DEBUG lines that carry result rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


#: Loggers that get the masking filter.
MASKED_LOGGERS = (
    "werkzeug",
    "gunicorn.access",
    "gunicorn.error",
    "rekruttering",
    "rekruttering_jobs",
)
ENGINE_LOGGER = "sqlalchemy.engine.Engine"


def _add_once(logger: logging.Logger, kind: type[logging.Filter]) -> None:
    if not any(isinstance(f, kind) for f in logger.filters):
        logger.addFilter(kind())


def install(app_logger: logging.Logger | None = None) -> None:
    """Put the filters on the loggers (idempotent).

    A logger's filter sees only the records logged on it, not its children's, so
    every ``rekruttering.*`` and ``rekruttering_jobs.*`` logger that exists by now gets one.
    """
    names = set(MASKED_LOGGERS) | {
        name
        for name in logging.root.manager.loggerDict
        if name.startswith(("rekruttering.", "rekruttering_jobs."))
    }
    for name in sorted(names):
        _add_once(logging.getLogger(name), MaskingFilter)
    if app_logger is not None:
        _add_once(app_logger, MaskingFilter)
    engine = logging.getLogger(ENGINE_LOGGER)
    _add_once(engine, NoRowsFilter)
    _add_once(engine, MaskingFilter)


def engine_options() -> dict[str, Any]:
    """Engine options every database gets: failing statements are logged without values."""
    return {"hide_parameters": True}
