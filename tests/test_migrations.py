"""Migrations: upgrade, downgrade, upgrade again, and the models match them."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from rekruttering import create_app
from rekruttering.extensions import db
from rekruttering.models import person_trigram
from tests.conftest import make_settings


def _fresh_url(database_url: str, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    url = make_url(database_url)
    name = f"{url.database}_mig"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def test_upgrade_downgrade_upgrade_and_no_drift(database_url: str, tmp_path: Path) -> None:
    """Head on an empty database, back to base, head again; autogenerate finds nothing."""
    app = create_app(make_settings(_fresh_url(database_url, tmp_path)))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_object": person_trigram.include_object,
                },
            )
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


# Every revision that has landed on main, with the SHA-256 of its file. A released
# revision never changes (databases out there have run it): a schema change is a new
# revision. Add a new revision here in the commit that adds it.
RELEASED_REVISIONS = {
    "0001_initial_schema.py": "dd9e6ffceb62c29fb272ba9172937099b0e80b4787002afb79a85de7a796b21b",
    "0002_reconcile_initial_indexes.py": (
        "d7e87c8d0426682e0f69dddacebbebb2f65758851a70d54d0c5eb85a4f823262"
    ),
    "partner_trust_centre_links.py": (
        "477f84e81cb941502a889bbd64282cb3544385db0680dff9485256fb5f0a1104"
    ),
    "channel_admin.py": "b8e3c73cb3a6ac66ac65126c3bc063ddc1d198f26b0b3564064c6d605feb0b6c",
    "offline_checkin.py": "1bbfbd267444f0401399e693ae579348ee8d457be501730faf65982806c7d990",
    "privacy_trust_opt_out_hash_rate_limits.py": (
        "b32716a509e702136f4de128219eea49e5a7ebcf1333080f723fb83b3937c5ac"
    ),
    "staff_accounts.py": "24d54d7feddd4a40b4173f6086303fb5c079ea46c17c0b899d383ddfe92ba276",
    "closed_periods.py": "f8673d3221a2e9d7e62b095d801925c44f13b05811e61de23398b0ff5ddfdc39",
    "programme.py": "3a49d2626c8b938f8fe8a91e09422ae61cc27ed59a9027f3bd7fe1698aa479d7",
    "person_search_key.py": "51f9170d24b295ca21dd30169e33e1a9e1822f2d0ec913e709aabcf00d3e43db",
    "perf_indexes.py": "db605cc1ec2aca3e3c6e22e7ac922cfe0dcc218e7167f880a6b7d71a418df149",
    "account_phone.py": "ad3e12c98ac26a20c69f5f688f6ae24f81f693cec05c1382cb4437b0df499bff",
    "report_snapshots.py": "1b5795dd92f198ebbbb4f970ed16060bdd1f7a5d96573b37b522fe5b01fd5eaa",
    "person_trigram.py": "5613575e3823079752a82328cea588c488975f904d243d52ea9980dec5b0b98c",
    "report_checkin_changes.py": (
        "0289c2efa0604055f85f9ac7d4ed6a77cd7a0f82d72b8a9351bea5042922c612"
    ),
    "referral_acted_on.py": "de5d89a45073fbce4a7b7710f987ee401e7bb8a223a9ab23abb821f43485cdc6",
    "person_textable_name.py": "2472738089c492eac5db24223f30e04f8a93b812aa27e3fa4a0afaee396ca68b",
    "list_page_indexes.py": "59b0f4ae2168c94372973a11d6e9ba98a5beda612925b52548caddb4ea1e9bd5",
    "trigram_candidates.py": "03b3889fa7cb814ae01c0700d55c80a3f0230e5eeaa908424b5eb59d67f1aab1",
    "person_centre_trigram.py": (
        "75034becbe38112f3b47b09e6f3113261a085703c760c5604530f652bea9045c"
    ),
    "people_list_rows.py": "c57fa35b1bc10b373f45c971b100170ace32053c9b9746c167a451ba00524fef",
}
VERSIONS = Path(__file__).resolve().parents[1] / "rekruttering" / "migrations" / "versions"


def test_released_revisions_never_change() -> None:
    """Each revision file is recorded, and a recorded (released) one is unchanged."""
    files = {p.name: p for p in VERSIONS.glob("*.py")}
    unrecorded = sorted(set(files) - set(RELEASED_REVISIONS))
    assert not unrecorded, f"record these revisions in RELEASED_REVISIONS: {unrecorded}"
    missing = sorted(set(RELEASED_REVISIONS) - set(files))
    assert not missing, f"released revisions were deleted: {missing}"
    for name, digest in RELEASED_REVISIONS.items():
        text = files[name].read_bytes().replace(b"\r\n", b"\n")
        assert hashlib.sha256(text).hexdigest() == digest, (
            f"{name} was released and must not change: put the change in a new revision"
        )


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(VERSIONS.parent))
    return ScriptDirectory.from_config(config)


def test_one_head_and_a_straight_history() -> None:
    """Revisions form one line from base to a single head (no branches to merge)."""
    script = _script()
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    revisions = list(script.walk_revisions())
    assert all(not isinstance(r.down_revision, tuple) for r in revisions)


def _value_for(column: sa.Column, row: int) -> Any:
    """A plausible value for ``column`` in the ``row``-th filler row."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return row % 2 == 0
    if isinstance(kind, sa.Integer):
        return row + 1
    if isinstance(kind, sa.Numeric | sa.Float):
        return row + 1
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 11, 2, 10, row, tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return date(2026, 11, 2 + row)
    if isinstance(kind, sa.Time):
        return time(10, row)
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.LargeBinary):
        return b"x"
    length = getattr(kind, "length", None) or 40
    return f"{column.name[: max(1, length - 3)]}{row}"[:length]


def _fill(connection: sa.Connection, rows_per_table: int = 2) -> dict[str, int]:
    """Put ``rows_per_table`` rows in every table of the schema as it is, FKs pointing at real rows."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
    ids: dict[str, list[Any]] = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        if table.name.startswith(person_trigram.TRIGRAM_TABLE):
            # SQLite's FTS5 index of names and its shadow tables: kept by triggers on
            # person, not rows to insert (FTS5 rewrites its shadow tables itself).
            continue
        for row in range(rows_per_table):
            values: dict[str, Any] = {}
            for column in table.columns:
                fks = list(column.foreign_keys)
                if fks:
                    target = fks[0].column.table.name
                    if target == table.name or not ids.get(target):
                        if column.nullable:
                            continue
                        raise AssertionError(f"cannot fill {table.name}.{column.name}")
                    values[column.name] = ids[target][row % len(ids[target])]
                elif (
                    column.primary_key
                    and isinstance(column.type, sa.Integer)
                    and len(table.primary_key.columns) == 1
                ):
                    continue  # the database numbers it (not a part of a composite key)
                else:
                    values[column.name] = _value_for(column, row)
            result = connection.execute(table.insert().values(values))
            pk = result.inserted_primary_key
            ids.setdefault(table.name, []).append(pk[0] if pk else None)
    return {name: len(rows) for name, rows in ids.items()}


def test_upgrade_keeps_the_data_of_the_previous_head(database_url: str, tmp_path: Path) -> None:
    """A database filled at the previous head upgrades to the head with its rows intact."""
    script = _script()
    head = script.get_current_head()
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    app = create_app(make_settings(_fresh_url(database_url, tmp_path)))
    with app.app_context():
        upgrade(revision=previous)
        with db.engine.begin() as conn:
            counts = _fill(conn)
        upgrade()
        with db.engine.connect() as conn:
            after = {
                name: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                for name in counts
            }
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
        db.engine.dispose()
    assert counts and after == counts


def test_a_database_from_an_earlier_0001_gets_the_released_indexes(
    database_url: str, tmp_path: Path
) -> None:
    """0001 was regenerated in place before release; 0002 repairs databases made before."""
    app = create_app(make_settings(_fresh_url(database_url, tmp_path)))
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            # What an earlier copy of 0001 left: the old name index, no merged_into_id index.
            conn.execute(sa.text("DROP INDEX ix_person_merged_into_id"))
            conn.execute(
                sa.text(
                    "CREATE INDEX ix_person_centre_name ON person (centre_id, last_name, first_name)"
                )
            )
        upgrade(revision="0002")
        with db.engine.connect() as conn:
            names = {ix["name"] for ix in sa.inspect(conn).get_indexes("person")}
        db.engine.dispose()
    assert "ix_person_merged_into_id" in names
    assert "ix_person_centre_name" not in names


def test_opt_out_numbers_become_keyed_hashes(database_url: str, tmp_path: Path) -> None:
    """An opt-out stored as a number before the upgrade is still honoured after it."""
    app = create_app(make_settings(_fresh_url(database_url, tmp_path)))
    with app.app_context():
        upgrade(revision="channel_admin")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO opt_out (phone, source, created_at) "
                    "VALUES ('+4791234567', 'keyword', CURRENT_TIMESTAMP)"
                )
            )
        upgrade(revision="privacy_trust")
        from rekruttering.sms.opt_out import is_opted_out

        assert is_opted_out("+4791234567") and not is_opted_out("+4791234568")
        with db.engine.connect() as conn:
            dumped = [tuple(row) for row in conn.execute(sa.text("SELECT * FROM opt_out"))]
        assert "91234567" not in repr(dumped)
        db.session.remove()
        db.engine.dispose()


def _filled_at(revision: str, first_person_update: str) -> list[int]:
    """Upgrade to ``revision``, fill every table, and change the first person with
    ``first_person_update`` (its ``:id``); the people's ids, in order."""
    upgrade(revision=revision)
    with db.engine.begin() as conn:
        _fill(conn)
        ids = list(conn.scalars(sa.text("SELECT id FROM person ORDER BY id")))
        conn.execute(sa.text(first_person_update), {"id": ids[0]})
    return ids


def test_existing_people_get_their_search_keys(database_url: str, tmp_path: Path) -> None:
    """person_search_key folds the names already there in Python (SQLite's lower()
    knows only A-Z), so "åse" finds an Åse registered before the upgrade."""
    app = create_app(make_settings(_fresh_url(database_url, tmp_path)))
    with app.app_context():
        ids = _filled_at(
            "closed_periods",
            "UPDATE person SET first_name = 'ÅSE', last_name = 'Ærø  Økland', "
            "anonymised_at = NULL WHERE id = :id",
        )
        upgrade(revision="person_search_key")
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, search_key, search_plain FROM person ORDER BY id")
            ).all()
            indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("person")}
        db.engine.dispose()
    assert rows[0] == (ids[0], "åse ærø økland", "ase aero okland")
    assert all(row[1] == "" for row in rows[1:])  # anonymised people are not searched
    assert {"ix_person_centre_search_key", "ix_person_centre_search_plain"} <= indexes


def _trigram_matches(conn: sa.Connection, word: str) -> set[int]:
    """The ids the trigram index finds for ``word`` in search_plain (either database)."""
    if conn.dialect.name == "sqlite":
        statement = person_trigram.sqlite_matches(f'search_plain : "{word}"')
        return set(conn.scalars(statement))
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return set(
        conn.scalars(
            sa.text("SELECT id FROM person WHERE search_plain LIKE :p"), {"p": f"%{word}%"}
        )
    )


def test_existing_people_are_put_in_the_trigram_index(database_url: str, tmp_path: Path) -> None:
    """person_trigram indexes the people already there, and the index follows the
    writes after it; the triggers (SQLite) are there at head."""
    app = create_app(make_settings(_fresh_url(database_url, tmp_path)))
    with app.app_context():
        ids = _filled_at(
            "report_snapshots",
            "UPDATE person SET search_key = 'kåsem økland', "
            "search_plain = 'kasem okland' WHERE id = :id",
        )
        upgrade(revision="person_trigram")
        with db.engine.begin() as conn:
            found_before = _trigram_matches(conn, "asem")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE person SET search_plain = 'ola asemsen' WHERE id = :id"),
                {"id": ids[-1]},
            )
            conn.execute(
                sa.text("UPDATE person SET search_plain = '' WHERE id = :id"), {"id": ids[0]}
            )
        with db.engine.begin() as conn:
            found_after = _trigram_matches(conn, "asem")
        upgrade()
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                objects = set(
                    conn.scalars(
                        sa.text("SELECT name FROM sqlite_master WHERE name LIKE 'person_trigram%'")
                    )
                )
                assert {
                    "person_trigram",
                    "person_trigram_insert",
                    "person_trigram_update",
                    "person_trigram_delete",
                } <= objects
                conn.exec_driver_sql(
                    "INSERT INTO person_trigram(person_trigram, rank) VALUES ('integrity-check', 1)"
                )
                indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("person")}
                assert person_trigram.CANDIDATE_INDEX in indexes  # revision people_list_rows
                assert person_trigram.FORMER_CANDIDATE_INDEX not in indexes
                columns = conn.exec_driver_sql(
                    f"SELECT name FROM pragma_index_info('{person_trigram.CANDIDATE_INDEX}')"
                ).scalars()
                assert tuple(columns) == (
                    person_trigram.CANDIDATE_COLUMNS + person_trigram.ROW_COLUMNS
                )
            else:
                indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("person")}
                # revision person_centre_trigram: the centre in the index, the old one gone
                assert person_trigram.TRIGRAM_INDEX in indexes
                assert "ix_person_search_trgm" not in indexes
                assert person_trigram.CANDIDATE_INDEX not in indexes
            shown = {ix["name"] for ix in sa.inspect(conn).get_indexes("enrolment")}
            assert "ix_enrolment_person_shown" in shown  # revision people_list_rows
        db.engine.dispose()
    assert found_before == {ids[0]}
    assert found_after == {ids[-1]}
