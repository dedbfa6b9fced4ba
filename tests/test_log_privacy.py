"""No phone numbers or names in the logs (issue 12, item 7).

Attack: someone with the log files (a hosting provider, a support person, a backup)
reads who was searched for and the values of failing statements.
"""

from __future__ import annotations

import http.cookiejar
import logging
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from rekruttering.extensions import db


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app behind werkzeug's real server (with its access log), on localhost."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(5)


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records) + caplog.text


def test_attack_logs_show_searched_phone_and_name(
    app: Flask, make: Any, server: str, caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> None:
    """A search by phone and by name, and a failing statement with both as values."""
    centre = make.centre()
    user = make.user(centre)
    person = make.person(centre, phone="+4793898906", first_name="Solveig", last_name="Brattbakk")
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy.engine", "sqlalchemy.pool", "werkzeug", "rekruttering", "flask"):
        caplog.set_level(logging.DEBUG, logger=name)

    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = urllib.parse.urlencode({"email": user.email, "password": make.PASSWORD}).encode()
    browser.open(f"{server}/login", data=form).read()
    for query in (
        "/people?q=93898906",
        "/people?q=%2B47+938+98+906",
        "/people?q=Solveig+Brattbakk",
        f"/people/{person.id}?link_q=Brattbakk",
    ):
        assert browser.open(server + query).status == 200

    def failing_search(*args: Any, **kwargs: Any) -> Any:
        db.session.execute(
            sa.text("SELECT id FROM no_such_table WHERE phone = :phone AND name = :name"),
            {"phone": person.phone, "name": "Solveig Brattbakk"},
        )

    monkeypatch.setattr("rekruttering.people.routes.people_page", failing_search)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with pytest.raises(urllib.error.HTTPError) as failed:
        browser.open(f"{server}/people?q=Solveig")
    assert failed.value.code == 500

    logged = _everything_logged(caplog)
    for secret in ("93898906", "938 98 906", "938+98+906", "Solveig", "Brattbakk"):
        assert secret not in logged, secret
    assert "no_such_table" in logged  # the error itself is logged, without its values
    assert "q=***" in logged  # and the searches are, masked


def test_mask() -> None:
    """Search values and phone-like numbers go; dates, times and ids stay."""
    from rekruttering.log_privacy import mask

    line = '127.0.0.1 - - [29/Nov/2026 01:22:33] "GET /people?page=2&q=93898906 HTTP/1.1" 200 -'
    assert mask(line) == (
        '127.0.0.1 - - [29/Nov/2026 01:22:33] "GET /people?page=2&q=*** HTTP/1.1" 200 -'
    )
    assert mask("/people/12?link_q=Kari%20Nordmann&x=1") == "/people/12?link_q=***&x=1"
    assert mask("Referer: /s/abc?phone=%2B4793898906") == "Referer: /s/abc?phone=***"
    assert mask("call +47 938 98 906 on 2026-11-29") == "call *** on 2026-11-29"


def test_gunicorn_access_log_is_masked() -> None:
    """gunicorn's access log line (request line, query string, Referer) is masked."""
    from types import SimpleNamespace

    from gunicorn.config import Config

    from rekruttering.gunicorn_conf import PrivateAccessLogger

    logger = PrivateAccessLogger(Config())
    request = SimpleNamespace(
        method="GET",
        uri="/people?q=93898906",
        path="/people",
        query="q=93898906",
        version=(1, 1),
        headers=[("REFERER", "https://x.test/people?q=Solveig")],
    )
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/people?q=93898906",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/people",
        "QUERY_STRING": "q=93898906",
        "HTTP_REFERER": "https://x.test/people?q=Solveig",
    }
    atoms = logger.atoms(response, request, environ, timedelta(seconds=1))
    assert "93898906" not in atoms["r"] + atoms["q"] and "Solveig" not in atoms["f"]
