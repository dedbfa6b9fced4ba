"""The reports render on the demo centre and on a generated installation of 100,000 people.

Speed is the benchmark's business; these tests prove the pages work at that size
(the 100k data set is generated once per database backend and kept lean).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bench.generate import generate_installation
from rekruttering.extensions import db
from rekruttering.models import Centre, Enrolment, Person

STAFF_PAGES = (
    "/reports/",
    "/reports/?attribution=ask",
    "/reports/?role=volunteer&start=2020-01-01",
    "/reports/conversion.csv",
    "/reports/conversion.xlsx",
    "/reports/volunteers",
    "/reports/volunteers?granularity=week",
    "/reports/word-of-mouth",
    "/reports/funder",
    "/reports/funder.xlsx",
)


@pytest.fixture
def bulk_cleanup(app: Any) -> Iterator[None]:
    """Empty the tables fast after a big test (runs before the app fixture's clean-up).

    On SQLite, deleting 100,000 people row by row with foreign keys on would check
    every self-reference (merged_into_id has no index) against the whole table; with
    the checks off for this one clean-up, every table empties at once. PostgreSQL's
    tables are truncated (the per-test clean-up deletes rows, quicker for a test's few
    rows but not for 100,000 people checked against their self-references).
    """
    yield
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.commit()
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def _login(client: Any, email: str, password: str) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302


def test_reports_render_on_the_demo_centre(app: Any, demo_installation: None) -> None:
    """Every report page answers 200 for the demo's staff and municipality logins."""
    from rekruttering.demo.accounts import DEMO_PASSWORD

    client = app.test_client()
    _login(client, "leder@borgen.demo", DEMO_PASSWORD)
    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    borgen = db.session.scalar(select(Centre).where(Centre.slug == "borgen"))
    someone = db.session.scalar(select(Person.id).where(Person.centre_id == borgen.id).limit(1))
    if someone is not None:  # the demo's people come from the people/outreach step
        assert client.get(f"/reports/word-of-mouth/{someone}").status_code == 200
    client.post("/logout")
    municipality = app.test_client()
    _login(municipality, "kommune@asker.demo", DEMO_PASSWORD)
    response = municipality.get("/reports/municipality")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Borgen" in html and "Heggedal" in html


def test_reports_render_on_100000_generated_people(app: Any, bulk_cleanup: None) -> None:
    """A generated installation of 100,000 people: every report page renders."""
    # The benchmark's generator, leaner per person (the benchmark measures speed).
    installation = generate_installation(
        100_000, 2, 0.8, 5, contacts_per_person=2, attendances_per_person=2
    )
    assert installation.counts["person"] == 100_000
    assert db.session.scalar(select(db.func.count(Enrolment.id))) > 100_000
    largest = installation.largest_centre_id
    client = app.test_client()
    _login(client, installation.admin_email, installation.password)
    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
    root = db.session.scalar(
        select(Person.recruited_by_id)
        .where(Person.centre_id == largest, Person.recruited_by_id.is_not(None))
        .limit(1)
    )
    assert client.get(f"/reports/word-of-mouth/{root}").status_code == 200
    municipality = app.test_client()
    _login(municipality, installation.municipality_email, installation.password)
    html = municipality.get("/reports/municipality").get_data(as_text=True)
    names = db.session.scalars(select(Centre.name).order_by(Centre.id)).all()
    assert all(name in html for name in names)
