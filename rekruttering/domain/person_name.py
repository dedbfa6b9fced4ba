"""People's names as typed: invisible characters out, and at least one visible letter.

Forms, import, the API, partner referrals and the public sign-up all go through
``clean_name`` (via ``people.service.create_person`` / ``update_person`` and the
import's row check), so a name made only of zero-width spaces, soft hyphens or
right-to-left overrides is refused everywhere, and a real name keeps no hidden
characters that would make two equal-looking names differ or reverse the text
around them on a page.
"""

from __future__ import annotations

import unicodedata

from rekruttering.domain.text import clean


def _invisible(char: str) -> bool:
    # Cf: zero-width space/joiners, soft hyphen, bidi embeddings, overrides and
    # isolates, the byte-order mark, word joiner... none is part of a name.
    return unicodedata.category(char) == "Cf"


def clean_name(text: object) -> str:
    """``text`` without control or invisible formatting characters, spaces tidied."""
    return clean("".join(c for c in clean(text) if not _invisible(c)))


def has_visible_letter(name: str) -> bool:
    """True when ``name`` holds at least one letter (of any script)."""
    return any(unicodedata.category(c).startswith("L") for c in name)
