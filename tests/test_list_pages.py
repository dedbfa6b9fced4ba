"""List pages that cost the same at any size (issue 17): capped counts, the person
search's id subquery, the check-in list a page at a time, a contact saved without
reading the pickers' lists, and what the bench posts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from rekruttering import pages
from rekruttering.checkin import routes as checkin_routes
from rekruttering.checkin.service import check_in
from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome
from rekruttering.extensions import db
from rekruttering.models import Attendance, Contact
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.people.search import quick_search
from rekruttering.privacy.anonymise import anonymise_people
from rekruttering.transaction import transaction
from tests.statement_counter import count_statements

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


# --- the people list: a capped count ---------------------------------------------------


@pytest.mark.settings(**{"app.page_size": 5})
def test_people_list_counts_only_up_to_the_cap(
    client: Any, make: Any, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cap (at least one page past the current one) the list says "more than";
    a page that is not full is its own count; the pages still lead to every person."""
    monkeypatch.setattr(pages, "COUNT_CAP", 8)
    centre = make.centre()
    login(make.user(centre))
    for n in range(12):
        make.person(centre, first_name=f"Hansen{n:02d}", last_activity_at=T0 + timedelta(days=n))
    first = client.get("/people/?q=hansen").get_data(as_text=True)
    assert "more than 10" in first or "flere enn 10" in first
    assert "Hansen11" in first and "Hansen06" not in first
    assert 'href="/people/?q=hansen&amp;page=2"' in first
    second = client.get("/people/?q=hansen&page=2").get_data(as_text=True)
    # Counting one page further (up to 15) finds all 12.
    assert "Found: 12" in second or "Funnet: 12" in second
    third = client.get("/people/?q=hansen&page=3").get_data(as_text=True)
    assert "Hansen00" in third and "Hansen05" not in third
    with count_statements() as counted:
        few = client.get("/people/?q=hansen1").get_data(as_text=True)
    assert "Found: 2<" in few or "Funnet: 2<" in few
    assert not any("count(*)" in s.lower() for s in counted.statements)


# --- the person search: matched in a subquery of the centre's index --------------------


def test_search_keeps_to_the_centre_and_its_active_people(make: Any) -> None:
    """The name is matched in a subquery of the centre's people: another centre's
    namesake, a merged and an anonymised person stay out; exact matches come first."""
    centre, other = make.centre(), make.centre()
    kept = make.person(centre, first_name="Kasem", last_name="Ali")
    make.person(other, first_name="Kasem", last_name="Ali")
    merged = make.person(centre, first_name="Kasem", last_name="Ali")
    merged.merged_into_id = kept.id
    gone = make.person(centre, first_name="Kasem", last_name="Ali")
    gone.anonymised_at = utcnow()
    ase = make.person(centre, first_name="Åse", last_name="Berg")
    db.session.commit()
    assert [p.id for p in quick_search(centre.id, "kasem")] == [kept.id]
    assert [p.id for p in quick_search(centre.id, "ase")] == [kept.id, ase.id]
    assert [p.id for p in quick_search(other.id, "åse")] == []


# --- the check-in list, a page at a time ------------------------------------------------


def _asked(make: Any, centre: Any, activity: Any, name: str) -> Any:
    person = make.person(centre, first_name=name, last_name="Test")
    with transaction():
        log_contact(
            centre.id,
            ContactInput(
                person.id, Outcome.ASKED, activity.id, occurred_at=utcnow() - timedelta(weeks=1)
            ),
        )
    return person


def test_check_in_list_is_shown_a_page_at_a_time(
    client: Any, make: Any, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of the list in name order; the counts are the whole list's; a tap on page 3
    comes back to page 3; the search still finds people on any page."""
    monkeypatch.setattr(checkin_routes, "LIST_PAGE_ROWS", 2)
    centre = make.centre()
    login(make.user(centre))
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    people = [_asked(make, centre, activity, name) for name in ("Eva", "Ali", "Dina", "Bo", "Cem")]
    url = f"/checkin/sessions/{session.id}"
    first = client.get(url).get_data(as_text=True)
    listed = first.split("<template")[0]
    assert listed.count("checkin-button") == 2
    assert "Ali Test" in listed and "Bo Test" in listed and "Cem Test" not in listed
    assert "of 5 on the list" in first or "av 5 på listen" in first
    assert 'data-listed-elsewhere="3"' in first
    assert f'href="{url}?page=3"' in first
    eva = people[0]
    response = client.post(
        f"{url}/check-in", data={"person_id": eva.id, "role": "participant", "page": "3"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}?page=3#p-{eva.id}")
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    again = client.get(url).get_data(as_text=True)
    assert 'data-checked-in-elsewhere="1"' in again
    assert '<span class="js-checked-in-count">1</span>' in again
    third = client.get(f"{url}?page=3").get_data(as_text=True)
    assert "Eva Test" in third.split("<template")[0] and 'data-checked-in-elsewhere="0"' in third
    found = client.get(f"{url}?q=eva").get_data(as_text=True)
    assert "Eva Test" in found and "Ali Test" not in found
    # A page past the end shows the last one.
    assert "Eva Test" in client.get(f"{url}?page=9").get_data(as_text=True)


# --- log a contact: the post reads no picker lists ------------------------------------


def test_a_saved_contact_reads_neither_recent_people_nor_recruiters(
    client: Any, make: Any, login: Any
) -> None:
    """The pickers' lists are read to show the form, not to save it; a refused post
    shows the form again with them."""
    centre = make.centre()
    staff = make.user(centre)
    login(staff)
    activity = make.activity(centre)
    person = make.person(centre, first_name="Amina")
    data = {
        "person_id": person.id,
        "activity_id": activity.id,
        "outcome": "asked",
        "role": "participant",
        "by_user_id": staff.id,
        "form_token": "tok-list-pages",
    }
    with count_statements() as counted:
        assert client.post("/contacts/new", data=data).status_code == 302
    orders = [s for s in counted.statements if "ORDER BY person.first_name" in s]
    assert orders == []
    assert not any("ORDER BY person.last_activity_at" in s for s in counted.statements)
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
    refused = client.post(
        "/contacts/new", data={**data, "activity_id": "", "form_token": "tok-list-pages-2"}
    )
    assert refused.status_code == 400
    assert f'value="{person.id}"' in refused.get_data(as_text=True)


# --- the bench posts what a person can press --------------------------------------------


def test_bench_forms_skip_templates_and_mark_hidden_forms() -> None:
    """A <template>'s form is inert (a script copies it); a hidden form has no button
    anyone can press: the bench's check-in tap must post neither (it answered 400)."""
    from bench.forms import parse_forms

    html = (
        '<form method="post" action="/t"><input name="person_id" value="1"></form>'
        '<form method="post" action="/t" hidden><input name="person_id" value="2"></form>'
        '<template><li><form method="post" action="/t"><input name="person_id" value="">'
        "</form></li></template>"
    )
    forms = parse_forms(html)
    assert [(f.data()["person_id"], f.hidden) for f in forms] == [("1", False), ("2", True)]


# --- SQLite: a page cache that holds a list page's rows -----------------------------------


@pytest.mark.sqlite_only
def test_sqlite_connections_keep_a_larger_page_cache(app: Any) -> None:
    """16 MB per connection (app._sqlite_pragmas), not SQLite's 2 MB: a list page of a
    large centre reads rows spread over a few hundred pages (docs/performance.md)."""
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -16000


def test_check_in_list_order_is_the_folded_name_on_every_page(
    client: Any, make: Any, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database orders the list (the stored folded name, then the id), as Python's
    casefold of the shown name did: case does not matter, Å and Ø come after Z, two
    people of one name by id, a checked-in anonymised person under "Anonymisert"; the
    pages and a search keep that order."""
    monkeypatch.setattr(checkin_routes, "LIST_PAGE_ROWS", 3)
    centre = make.centre()
    login(make.user(centre))
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    names = ("Øystein", "åse", "Zoe", "anne", "Bjørn", "Anne", "ÆRLIG")
    people = {name: _asked(make, centre, activity, name) for name in names}
    gone = _asked(make, centre, activity, "Karl")
    with transaction():
        check_in(centre.id, session.id, gone.id)
        anonymise_people([gone.id])
    url = f"/checkin/sessions/{session.id}"
    shown: list[int] = []
    for page in (1, 2, 3):
        html = client.get(f"{url}?page={page}").get_data(as_text=True).split("<template")[0]
        shown += [int(i) for i in re.findall(r'data-person-id="(\d+)"', html)]
    two_annes = sorted((people["anne"].id, people["Anne"].id))
    expected = [*two_annes, gone.id, people["Bjørn"].id, people["Zoe"].id]
    expected += [people["åse"].id, people["ÆRLIG"].id, people["Øystein"].id]
    assert shown == expected
    found = client.get(f"{url}?q=test").get_data(as_text=True).split("<template")[0]
    assert [int(i) for i in re.findall(r'data-person-id="(\d+)"', found)] == [
        *two_annes,
        people["Bjørn"].id,
    ]
