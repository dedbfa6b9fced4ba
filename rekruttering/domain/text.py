"""Text as people type it: control characters out, spacing tidied, names compared loosely."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean(text: object, keep_newlines: bool = False) -> str:
    """Text without control characters (NUL breaks PostgreSQL) and with tidy spaces."""
    value = "" if text is None else str(text)
    out = []
    for char in value:
        if char in "\n\r" and keep_newlines:
            out.append("\n" if char == "\n" else "")
        elif unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") or char in "\u2028\u2029":
            out.append(" ")
        else:
            out.append(char)
    result = "".join(out)
    if keep_newlines:
        return "\n".join(_SPACES.sub(" ", line).strip() for line in result.split("\n")).strip()
    return _SPACES.sub(" ", result).strip()


def key(text: str) -> str:
    """How names are compared: case, accents on Latin letters and spacing do not matter."""
    folded = clean(text).casefold()
    folded = folded.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(text: str) -> str:
    """How names that must be unique are compared: letter case (in any alphabet) and
    spacing do not matter; accents do ("Plakat" and "Plåkat" are two words)."""
    return unicodedata.normalize("NFKC", clean(text)).casefold()[:120]
