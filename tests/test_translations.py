"""Every piece of UI text exists in Norwegian, and the compiled catalogues are current."""

from tools import i18n


def test_every_ui_string_has_a_norwegian_translation() -> None:
    """Each msgid used in code or templates is translated in some nb catalogue."""
    missing = i18n.missing()
    assert not missing, "untranslated (run `python -m tools.i18n missing`):\n" + "\n".join(
        f"{where}: {msgid}" for msgid, where in sorted(missing.items())
    )


def test_compiled_catalogues_match_their_sources() -> None:
    """Each .mo says what its .po says (run `make translations` after editing a .po)."""
    assert i18n.stale_mo_files() == []
