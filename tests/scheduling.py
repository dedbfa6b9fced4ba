"""How `pytest -n 2` shares the suite between its workers (pytest-xdist).

The browser tests of each database share one served app (a live server per backend,
seeded with the demo), so each backend's browser tests go to one worker as a whole,
and the two backends' to different workers when there are two; every other test is
handed out one at a time to whichever worker is free (as ``--dist load``).

This replaces ``--dist loadgroup`` with ``xdist_group`` marks: with pytest 9.2 and
pytest-xdist 3.8 the group never reaches the scheduler (xdist writes it into the node
id by assigning ``item._nodeid``, which pytest no longer reads), so the marks were
silently ignored and each worker started both live servers.
"""

from __future__ import annotations

import re

from xdist.scheduler import LoadScopeScheduling

BROWSER_TESTS = "tests/browser/"
_PARAMS = re.compile(r"\[([^\]]*)\]$")


def scope_of(nodeid: str) -> str:
    """The unit a worker gets: a backend's browser tests together, any other test alone."""
    if not nodeid.startswith(BROWSER_TESTS):
        return nodeid
    params = _PARAMS.search(nodeid)
    ids = params.group(1).split("-") if params else []
    return "browser-postgresql" if "postgresql" in ids else "browser-sqlite"


class BrowserGroupScheduling(LoadScopeScheduling):
    """``--dist load`` but for the browser tests, kept together per backend."""

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)
