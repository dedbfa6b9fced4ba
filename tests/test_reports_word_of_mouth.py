"""Word of mouth: who brought whom, the best recruiters and chains of referrals."""

from __future__ import annotations

from typing import Any

import pytest

from rekruttering.errors import NotFound
from rekruttering.extensions import db
from rekruttering.models import UserRole
from rekruttering.reports.word_of_mouth import (
    brought_people_select,
    chain_of,
    longest_chains,
    showed_up_among,
    top_recruiters,
)
from tests import report_data


@pytest.fixture
def data(app: Any, make: Any) -> report_data.Dataset:
    return report_data.build(make)


def test_top_recruiters_are_ranked_by_referrals_who_showed_up(data: Any) -> None:
    """P1 brought P2 (came) and P3; P2 brought P7 (came); P5 brought P6 (did not)."""
    p = data.people
    found = [(r.person_id, r.brought, r.showed_up) for r in top_recruiters(data.centre.id)]
    assert found == [(p["P1"].id, 2, 1), (p["P2"].id, 1, 1), (p["P5"].id, 1, 0)]


def test_chains_start_with_someone_nobody_brought(data: Any) -> None:
    """P1's chain holds P2, P3 and P7 over two steps; P5's holds P6."""
    p = data.people
    chains = [
        (c.root_id, c.people, c.generations, c.showed_up) for c in longest_chains(data.centre.id)
    ]
    assert chains == [(p["P1"].id, 3, 2, 2), (p["P5"].id, 1, 1, 0)]


def test_chain_of_one_person_up_and_down(data: Any) -> None:
    """The chain page lists who brought the person and everyone below, depth first."""
    p = data.people
    tree = chain_of(data.centre.id, p["P2"].id)
    assert [a.id for a in tree.ancestors] == [p["P1"].id]
    assert [(m.person_id, m.depth, m.showed_up) for m in tree.members] == [(p["P7"].id, 1, True)]
    tree = chain_of(data.centre.id, p["P1"].id)
    assert tree.ancestors == []
    assert [(m.person_id, m.depth) for m in tree.members] == [
        (p["P2"].id, 1),
        (p["P7"].id, 2),
        (p["P3"].id, 1),
    ]


def test_a_loop_in_the_data_does_not_hang(data: Any) -> None:
    """If A brought B and B brought A (bad data after a merge), the chain still ends."""
    p = data.people
    p["P1"].recruited_by_id = p["P7"].id  # P1 -> P2 -> P7 -> P1
    db.session.commit()
    tree = chain_of(data.centre.id, p["P2"].id)
    assert {m.person_id for m in tree.members} <= {p["P7"].id, p["P1"].id, p["P3"].id, p["P2"].id}
    assert {a.id for a in tree.ancestors} == {p["P1"].id, p["P7"].id}
    longest_chains(data.centre.id)  # no root in the loop, no endless recursion


def test_who_brought_whom_list_and_show_up_flags(data: Any) -> None:
    """The list holds the four people someone brought; one query tells who came."""
    p = data.people
    people = db.session.scalars(brought_people_select(data.centre.id)).unique().all()
    assert {x.id for x in people} == {p[k].id for k in ("P2", "P3", "P6", "P7")}
    assert showed_up_among(data.centre.id, [x.id for x in people]) == {p["P2"].id, p["P7"].id}


def test_another_centres_person_is_not_found(data: Any, make: Any) -> None:
    """A person of another centre has no chain here."""
    stranger = make.person(make.centre())
    with pytest.raises(NotFound):
        chain_of(data.centre.id, stranger.id)


def test_word_of_mouth_pages(client: Any, make: Any, login: Any, data: Any) -> None:
    """The page shows recruiters, chains and the paginated list; the chain page a tree."""
    login(make.user(data.centre, role=UserRole.STAFF))
    response = client.get("/reports/word-of-mouth?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("<h1") == 1
    assert "P1 Test" in html and "Best recruiters" in html and "Who brought whom" in html
    response = client.get(f"/reports/word-of-mouth/{data.people['P1'].id}?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Chain of referrals: P1 Test" in html and "P7 Test" in html
    stranger = make.person(make.centre())
    assert client.get(f"/reports/word-of-mouth/{stranger.id}").status_code == 404
