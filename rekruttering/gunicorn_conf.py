"""gunicorn settings for production: ``gunicorn -c python:rekruttering.gunicorn_conf``.

Bind address and worker count come from the command line or $GUNICORN_CMD_ARGS; this
module adds what the app needs of every worker.
"""

from __future__ import annotations

import gc
from typing import Any

from gunicorn.glogging import Logger

from rekruttering.log_privacy import mask

wsgi_app = "rekruttering:create_app()"


class PrivateAccessLogger(Logger):
    """gunicorn's logger with searches and phone numbers masked in the access log
    (the request line, the query string and the Referer)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask(atoms[key])
        return atoms


logger_class = PrivateAccessLogger


def post_worker_init(worker: Any) -> None:
    """Move the objects made at start-up out of the garbage collector's sight.

    The app builds thousands of long-lived objects (models, templates, translations);
    without this every full collection walks them all, which the benchmark saw as
    ~85 ms pauses in the slowest requests (docs/performance.md).
    """
    gc.collect()
    gc.freeze()
