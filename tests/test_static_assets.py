"""Static files: fingerprinted URLs, cached a year; anything else asked for each time."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, url_for

from rekruttering import create_app
from rekruttering.static_assets import CACHE_SECONDS
from tests.conftest import make_settings

FINGERPRINTED = re.compile(r"""(?:href|src)="(/[^"]*static/[^"?]+)\?v=([0-9a-f]{12})\"""")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_pages_link_their_files_with_the_content_fingerprint(app: Any) -> None:
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    linked = FINGERPRINTED.findall(html)
    paths = {path for path, _ in linked}
    assert "/static/app.css" in paths and "/static/app.js" in paths
    assert any(path.startswith("/bootstrap/static/") for path in paths)  # Bootstrap-Flask's
    assert not re.search(r"""(?:href|src)="/[^"]*static/[^"?]+\"""", html), "a file without ?v="
    own = dict(linked)["/static/app.css"]
    assert own == _sha(Path(app.static_folder) / "app.css")
    for path, version in linked:
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200, path
        cache = response.cache_control
        assert cache.public and cache.immutable and cache.max_age == CACHE_SECONDS, path


def test_a_file_asked_for_without_or_with_an_old_fingerprint_is_not_kept(app: Any) -> None:
    client = app.test_client()
    for url in ("/static/app.css", "/static/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age is None and not response.cache_control.immutable
        assert response.cache_control.no_cache
    assert client.get("/static/no-such-file.css?v=000000000000").status_code == 404


def test_a_changed_file_gets_a_new_url(tmp_path: Path, database_url: str) -> None:
    """The fingerprint follows the content (a deploy that changes app.css changes its URL)."""
    (tmp_path / "x.css").write_text("body { color: black }")
    app = create_app(make_settings(database_url))
    app.register_blueprint(Blueprint("assets_under_test", __name__, static_folder=str(tmp_path)))
    with app.test_request_context():
        first = url_for("assets_under_test.static", filename="x.css")
        assert first.endswith(f"?v={_sha(tmp_path / 'x.css')}")
        (tmp_path / "x.css").write_text("body { color: darkblue }")
        second = url_for("assets_under_test.static", filename="x.css")
        assert second != first and second.endswith(f"?v={_sha(tmp_path / 'x.css')}")
        assert "?v=" not in url_for("assets_under_test.static", filename="missing.css")
