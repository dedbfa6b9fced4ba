"""The password policy (OWASP ASVS 4, V2.1): length and a list of common passwords.

At least 12 characters, at most 128; any character, spaces too; no composition rules
("one digit, one capital"), which make passwords harder to remember and no harder to
guess. A new password is refused when it is one of the 10,000 most common ones
(``data/common-passwords.txt``, shipped with the app; see tools/common_passwords.py).
Every place a password is set calls ``check_new_password``.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from flask_babel import gettext as _

from rekruttering.errors import ServiceError

MIN_LENGTH = 12
MAX_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    text = files("rekruttering.auth").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def check_new_password(password: str, field: str = "password") -> None:
    """Raise ServiceError (with a message for the person) when ``password`` is too weak."""
    if len(password) < MIN_LENGTH:
        raise ServiceError(
            _("The password must have at least %(n)d characters.", n=MIN_LENGTH), field=field
        )
    if len(password) > MAX_LENGTH:
        raise ServiceError(
            _("The password may have at most %(n)d characters.", n=MAX_LENGTH), field=field
        )
    if password.strip().lower() in common_passwords():
        raise ServiceError(
            _("This password is one of the most common ones. Choose another."), field=field
        )
