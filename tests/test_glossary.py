"""The Norwegian words of docs/glossary.md: one thing, one word, in every catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]

#: word the interface must not use -> the word docs/glossary.md chose instead
AVOIDED = {
    r"\b[Øø]kt(?:er|en|ene)?\b": "samling",
    r"\b[Ss]enter(?:et|ets)?\b": "sentral",
}


def _translations() -> list[tuple[Path, str, str]]:
    found = []
    for path in sorted((ROOT / "rekruttering").rglob("translations/nb/LC_MESSAGES/messages.po")):
        with path.open("rb") as file:
            for message in read_po(file):
                if message.id and isinstance(message.string, str):
                    found.append((path, str(message.id), message.string))
    return found


def test_the_glossary_words_are_used_everywhere() -> None:
    bad = [
        f"{path.relative_to(ROOT)}: {msgid!r} -> {text!r} (say {word!r})"
        for path, msgid, text in _translations()
        for pattern, word in AVOIDED.items()
        if re.search(pattern, text)
    ]
    assert not bad, "\n".join(bad)


def test_the_glossary_is_linked_from_the_readme() -> None:
    assert (ROOT / "docs" / "glossary.md").is_file()
    assert "docs/glossary.md" in (ROOT / "README.md").read_text(encoding="utf-8")
