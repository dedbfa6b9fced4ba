"""An app context whose transaction only read ends it with COMMIT (``read_only_commit``),
so PostgreSQL keeps the connection's prepared statements; one that wrote anything, or
ended in an exception, still rolls back."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Blueprint, Flask, abort
from flask.testing import FlaskClient

from rekruttering.access import PUBLIC, allow
from rekruttering.extensions import db
from rekruttering.models import Centre
from rekruttering.read_only_commit import reads_only


def _alone(call: Callable[..., Any], *args: Any) -> Any:
    """``call`` outside the test's app context, so a request pushes and pops its own
    app context (and ends its own session) as a served request does."""
    return contextvars.Context().run(call, *args)


@pytest.fixture
def ends(app: Flask) -> Iterator[list[str]]:
    """How each transaction on the app's engine ended, in order."""
    seen: list[str] = []

    def committed(_conn: Any) -> None:
        seen.append("commit")

    def rolled_back(_conn: Any) -> None:
        seen.append("rollback")

    sa.event.listen(db.engine, "commit", committed)
    sa.event.listen(db.engine, "rollback", rolled_back)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "commit", committed)
        sa.event.remove(db.engine, "rollback", rolled_back)


@pytest.fixture
def probe(app: Flask, make: Any) -> tuple[FlaskClient, int]:
    """Views that read a centre and then write to it in the ways a request can, or fail."""
    centre_id = make.centre(name="Before").id
    bp = Blueprint("read_only_probe", __name__)

    def name() -> str:
        return db.session.scalar(sa.select(Centre.name).where(Centre.id == centre_id)) or ""

    @bp.route("/probe/read")
    @allow(PUBLIC)
    def read() -> str:
        return name()

    @bp.route("/probe/flush-then-404")
    @allow(PUBLIC)
    def flush_then_not_found() -> str:
        name()
        centre = db.session.get(Centre, centre_id)
        assert centre is not None
        centre.name = "Flushed"
        db.session.flush()
        abort(404)

    @bp.route("/probe/flush-then-form-error")
    @allow(PUBLIC)
    def flush_then_form_error() -> tuple[str, int]:
        centre = db.session.get(Centre, centre_id)
        assert centre is not None
        centre.name = "Flushed"
        db.session.flush()
        return "the form has an error", 200

    @bp.route("/probe/update-not-committed")
    @allow(PUBLIC)
    def update_not_committed() -> str:
        db.session.execute(sa.update(Centre).where(Centre.id == centre_id).values(name="Updated"))
        return name()

    @bp.route("/probe/insert-not-committed")
    @allow(PUBLIC)
    def insert_not_committed() -> str:
        name()
        db.session.execute(sa.insert(Centre).values(name="Inserted", slug="inserted"))
        return "ok"

    @bp.route("/probe/added-not-flushed")
    @allow(PUBLIC)
    def added_not_flushed() -> str:
        name()
        db.session.add(Centre(name="Added", slug="added"))
        return "ok"

    @bp.route("/probe/savepoint")
    @allow(PUBLIC)
    def savepoint() -> str:
        with db.session.begin_nested():
            return name()

    @bp.route("/probe/read-then-raise")
    @allow(PUBLIC)
    def read_then_raise() -> str:
        name()
        raise RuntimeError("the view failed after reading")

    @bp.route("/probe/read-then-lose-the-connection")
    @allow(PUBLIC)
    def read_then_lose_the_connection() -> str:
        found = name()
        db.session.connection().invalidate()  # as a disconnect an error page handled would
        return found

    app.register_blueprint(bp)
    return app.test_client(), centre_id


def _names() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(sa.select(Centre.name)))


def test_a_request_that_only_read_ends_with_a_commit(
    probe: tuple[FlaskClient, int], ends: list[str]
) -> None:
    client, _ = probe
    response = _alone(client.get, "/probe/read")
    assert response.get_data(as_text=True) == "Before"
    assert ends == ["commit"]


@pytest.mark.parametrize(
    "path",
    [
        "/probe/flush-then-404",
        "/probe/flush-then-form-error",
        "/probe/update-not-committed",
        "/probe/insert-not-committed",
    ],
)
def test_a_request_that_wrote_without_committing_rolls_back(
    probe: tuple[FlaskClient, int], ends: list[str], path: str
) -> None:
    client, _ = probe
    _alone(client.get, path)
    assert ends == ["rollback"]
    assert _names() == {"Before"}


def test_an_object_added_and_never_flushed_is_not_written(
    probe: tuple[FlaskClient, int], ends: list[str]
) -> None:
    client, _ = probe
    _alone(client.get, "/probe/added-not-flushed")
    assert "commit" not in ends
    assert _names() == {"Before"}


def test_a_savepoint_counts_as_a_write(probe: tuple[FlaskClient, int], ends: list[str]) -> None:
    client, _ = probe
    _alone(client.get, "/probe/savepoint")
    assert ends[-1] == "rollback"


def test_a_request_that_raised_rolls_back_even_if_it_only_read(
    probe: tuple[FlaskClient, int], ends: list[str]
) -> None:
    client, _ = probe
    with pytest.raises(RuntimeError, match="failed after reading"):
        _alone(client.get, "/probe/read-then-raise")
    assert ends == ["rollback"]


def test_a_lost_connection_does_not_stop_the_session_being_closed(
    probe: tuple[FlaskClient, int], ends: list[str]
) -> None:
    """The hook never raises: Flask would skip the teardown that closes the session."""
    client, _ = probe
    assert _alone(client.get, "/probe/read-then-lose-the-connection").status_code == 200
    assert "commit" not in ends
    assert _alone(client.get, "/probe/read").get_data(as_text=True) == "Before"


class _Interrupted(BaseException):
    """As a worker's timeout or Ctrl-C: not an ``Exception``."""


def test_a_commit_interrupted_mid_way_still_closes_the_session(
    probe: tuple[FlaskClient, int], ends: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The teardowns after the hook do not run when it is interrupted, so the hook
    closes the session itself: its connection is rolled back and given back."""
    client, _ = probe

    def interrupted(_self: sa.Connection) -> None:
        raise _Interrupted

    monkeypatch.setattr(sa.Connection, "commit", interrupted)
    with pytest.raises(_Interrupted):
        _alone(client.get, "/probe/read")
    monkeypatch.undo()
    assert ends == ["rollback"]


def test_an_app_context_that_wrote_without_committing_rolls_back(
    app: Flask, make: Any, ends: list[str]
) -> None:
    """A job or a command: its own app context, ended without a commit."""
    centre_id = make.centre(name="Before").id
    ends.clear()

    def job() -> None:
        with app.app_context():
            db.session.execute(
                sa.update(Centre).where(Centre.id == centre_id).values(name="Updated")
            )

    _alone(job)
    assert ends == ["rollback"]
    assert _names() == {"Before"}


@pytest.mark.postgres_only
def test_read_only_requests_keep_their_prepared_statements(
    probe: tuple[FlaskClient, int],
) -> None:
    """psycopg prepares a statement on its sixth run on a connection; a ROLLBACK at the end
    of each request would make it forget it (DEALLOCATE ALL)."""
    client, _ = probe
    used: set[Any] = set()

    def remember(conn: sa.Connection, *_args: Any) -> None:
        used.add(conn.connection.driver_connection)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        # The pool hands its idle connections out in turn (at most pool_size=5 of them):
        # 30 requests run the statement at least 6 times on each connection used.
        for _ in range(30):
            assert _alone(client.get, "/probe/read").get_data(as_text=True) == "Before"
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)
    assert 1 <= len(used) <= 5
    for raw in used:
        statements = [s for (s,) in raw.execute("SELECT statement FROM pg_prepared_statements")]
        raw.commit()
        assert any("FROM centre" in s for s in statements), statements


@pytest.mark.parametrize(
    ("statement", "read"),
    [
        ("SELECT centre.name FROM centre WHERE centre.id = %(id)s", True),
        ("\n  select 1", True),
        ("WITH RECURSIVE langs(l) AS (SELECT 1) SELECT l FROM langs", True),
        ("SELECT contact.updated_at, person.deleted_at FROM contact, person", True),
        ("WITH moved AS (DELETE FROM contact RETURNING id) SELECT id FROM moved", False),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", False),
        ("SELECT id FROM reminder WHERE id = 1 FOR UPDATE", False),
        ("SELECT id FROM reminder FOR NO KEY UPDATE SKIP LOCKED", False),
        ("SELECT id FROM reminder FOR KEY SHARE", False),
        ("SELECT * INTO copy FROM centre", False),
        ("SELECT set_config('plan_cache_mode', 'force_generic_plan', false)", False),
        ("SELECT pg_notify('c', 'x')", False),
        ("SELECT nextval('message_id_seq')", False),
        ("SELECT pg_advisory_xact_lock(1)", False),
        ("INSERT INTO centre (name) VALUES (%(name)s)", False),
        ("UPDATE centre SET name = %(name)s", False),
        ("DELETE FROM centre", False),
        ("SAVEPOINT sa_savepoint_1", False),
        ("SET plan_cache_mode = force_generic_plan", False),
        ("PRAGMA foreign_keys=ON", False),
        ("/* a comment first */ SELECT 1", False),
        ("SELECTED", False),
    ],
)
def test_what_counts_as_a_plain_read(statement: str, read: bool) -> None:
    assert reads_only(statement) is read
