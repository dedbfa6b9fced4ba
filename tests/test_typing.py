"""Type checking: every ``type: ignore`` says which error it silences and why."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: ``# type: ignore[code]  # why`` - mypy itself refuses an ignore without a code.
_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def test_every_type_ignore_has_a_code_and_a_reason() -> None:
    offenders = []
    for folder in ("rekruttering", "jobs", "tests", "bench", "tools"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations/versions" in path.as_posix():
                continue  # released revisions never change
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                match = _IGNORE.search(line)
                if match is None or "_IGNORE" in line:
                    continue
                if not match["codes"] or not re.match(r"\s+#\s*\S", match["rest"]):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
