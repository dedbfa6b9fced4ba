"""Static files with their content's fingerprint in the URL, cached by browsers for a year.

``url_for("static", filename="app.css")`` (and the same for a blueprint's static files,
such as Bootstrap-Flask's ``bootstrap.static``) gains ``?v=<fingerprint>``: the first
twelve hex digits of the file's SHA-256. A response for the current fingerprint may be
kept a year without asking again (``immutable``); a changed file gets a new URL, so no
page ever uses a stale copy. A request without a fingerprint, or with an old one, is
answered as before (``no-cache``: the browser asks each time whether it changed).

Without this every page view asked again for every stylesheet and script (Bootstrap's
230 KB among them), and the door tablet's slow network paid for each.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask, Response, current_app, request

#: How long a fingerprinted file may be kept (a year, the longest browsers honour).
CACHE_SECONDS = 365 * 24 * 3600
#: The query argument that carries the fingerprint.
VERSION_ARG = "v"


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def _folder(endpoint: str) -> str | None:
    """The folder an app's or blueprint's static endpoint serves files from."""
    if endpoint == "static":
        return current_app.static_folder
    blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint is not None else None


@lru_cache(maxsize=512)
def _fingerprint_of(path: str, modified_ns: int, size: int) -> str:
    """The fingerprint of one state of a file (a changed file has a new key)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def fingerprint(endpoint: str, filename: str) -> str | None:
    """The current fingerprint of a static file, or None when there is no such file."""
    folder = _folder(endpoint)
    if folder is None:
        return None
    path = os.path.join(folder, filename)
    try:
        status = os.stat(path)
    except OSError:
        return None
    return _fingerprint_of(path, status.st_mtime_ns, status.st_size)


def _add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
    if not _is_static(endpoint) or VERSION_ARG in values or "filename" not in values:
        return
    version = fingerprint(endpoint, str(values["filename"]))
    if version is not None:
        values[VERSION_ARG] = version


def _cache_fingerprinted(response: Response) -> Response:
    endpoint = request.endpoint
    if not _is_static(endpoint) or response.status_code != 200:
        return response
    asked = request.args.get(VERSION_ARG)
    filename = (request.view_args or {}).get("filename")
    if asked and filename and asked == fingerprint(str(endpoint), str(filename)):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = CACHE_SECONDS
        response.cache_control.immutable = True
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_fingerprint)
    app.after_request(_cache_fingerprinted)
