"""How typed search text and people's names are folded, so "åse", "ÅSE" and "Åse" match.

SQLite's ``lower()`` and ``LIKE`` fold only A-Z, so a search written in lower case
missed every name starting with Æ, Ø or Å. Folding is therefore done here, in Python,
once for the stored name (``person.search_key``, ``person.search_plain``, written on
every save of a person) and once for the typed words; the database only compares
folded text with folded text, the same way on SQLite and PostgreSQL.

Two keys:

* ``fold`` — Unicode-aware case folding (NFKC, ``str.casefold``) with tidy spaces:
  "ÅSE  Økland" -> "åse økland". Letters keep their accents: the exact match.
* ``plain`` — ``fold`` with æ -> ae, ø -> o, å -> a and other accents stripped:
  "Åse Ærø" -> "ase aero". Someone typing on a keyboard without Norwegian letters
  still finds the person, ranked after the exact matches.
"""

from __future__ import annotations

import unicodedata

from rekruttering.domain.text import clean, key

#: Room for a first and a last name of 80 characters each, after folding grows them.
SEARCH_KEY_LENGTH = 200


def fold(text: object) -> str:
    """Case folded in any alphabet, compatibility characters unified, spaces tidied."""
    return clean(unicodedata.normalize("NFKC", clean(text)).casefold())


def plain(text: object) -> str:
    """``fold`` without accents: æ -> ae, ø -> o, å -> a, é -> e, ü -> u."""
    return unicodedata.normalize("NFC", key(fold(text)))


def person_keys(first_name: str | None, last_name: str | None) -> tuple[str, str]:
    """(search_key, search_plain) for a person's name."""
    name = f"{first_name or ''} {last_name or ''}"
    return fold(name)[:SEARCH_KEY_LENGTH], plain(name)[:SEARCH_KEY_LENGTH]


def words(text: object) -> list[tuple[str, str]]:
    """The typed search words, each as (folded, plain)."""
    return [(w, plain(w)) for w in fold(text).split(" ") if w]
