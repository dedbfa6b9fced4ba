"""Translation catalogues: find UI text without a Norwegian translation, compile .mo.

    python -m tools.i18n missing            # msgids with no nb translation, as .po entries
    python -m tools.i18n compile            # every .po -> .mo (make translations)

Source strings are English; each feature keeps its Norwegian catalogue in
``rekruttering/<feature>/translations/nb/LC_MESSAGES/messages.po`` (shared text in
``rekruttering/translations``). The test suite checks that nothing is missing and that
every .mo matches its .po.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rekruttering"
TEMPLATES = ROOT / "templates"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def catalogue_files() -> list[Path]:
    return sorted(PACKAGE.rglob("translations/nb/LC_MESSAGES/messages.po"))


def used_messages() -> dict[str, str]:
    """Every msgid used in code and templates -> one place it is used."""
    found: dict[str, str] = {}
    sources = [
        (PACKAGE, [("**.py", "python")]),
        (TEMPLATES, [("**.html", "jinja2"), ("**.txt", "jinja2"), ("**.svg", "jinja2")]),
    ]
    for directory, method_map in sources:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(directory),
            method_map=method_map,
            keywords=KEYWORDS,
            options_map={"**.html": {"extensions": "jinja2.ext.do"}},
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, f"{directory.name}/{filename}:{lineno}")
    return found


def translations() -> dict[str, str]:
    """msgid -> Norwegian text, over all catalogues (fuzzy entries do not count)."""
    merged: dict[str, str] = {}
    for path in catalogue_files():
        with path.open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings):
                for msgid in ids:
                    merged[msgid] = strings[0]
    return merged


def missing() -> dict[str, str]:
    done = translations()
    return {msgid: where for msgid, where in used_messages().items() if msgid not in done}


def stale_mo_files() -> list[Path]:
    """Catalogues whose compiled .mo does not say what the .po says."""
    stale = []
    for po_path in catalogue_files():
        mo_path = po_path.with_suffix(".mo")
        with po_path.open("rb") as fh:
            po = read_po(fh)
        if not mo_path.exists():
            stale.append(po_path)
            continue
        with mo_path.open("rb") as fh:
            mo = read_mo(fh)
        want = {_key(m.id): _key(m.string) for m in po if m.id and not m.fuzzy}
        have = {_key(m.id): _key(m.string) for m in mo if m.id}
        if want != have:
            stale.append(po_path)
    return stale


def _key(value: object) -> object:
    """Plural entries come back as tuples from .po and lists from .mo: compare alike."""
    return tuple(value) if isinstance(value, list | tuple) else value


def compile_all() -> None:
    for po_path in catalogue_files():
        with po_path.open("rb") as fh:
            catalog: Catalog = read_po(fh, locale="nb")
        # Fixed dates: the .mo then changes only when a translation does.
        catalog.creation_date = catalog.revision_date = FIXED_DATE
        with po_path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "missing"
    if command == "compile":
        compile_all()
        return 0
    if command == "missing":
        for msgid, where in sorted(missing().items(), key=lambda kv: kv[1]):
            print(f'#: {where}\nmsgid "{_po_escape(msgid)}"\nmsgstr ""\n')
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
