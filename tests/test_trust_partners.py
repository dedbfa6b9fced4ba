"""Issue 12, hole 1: partner organisations never cross centres silently.

Each test performs one of the attacks found by walking the app as the staff of a
second centre (Heggedal) against a partner of Borgen, and checks that it fails.
The last tests cover the explicit, agreed step by which a partner works with
another centre.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from rekruttering.extensions import db
from rekruttering.models import (
    AuditEvent,
    Invitation,
    Partner,
    PartnerCentre,
    User,
    UserRole,
)
from tests.factories import PASSWORD


class FreshClient(FlaskClient):
    """Requests do not inherit another client's logged-in user from the shared ``g``."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _client(app: Flask, user: Any = None, password: str = PASSWORD) -> FlaskClient:
    client = FreshClient(app, app.response_class, use_cookies=True)
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get_one(User, user_id)


def _centres_of(user_id: int) -> set[int]:
    return {m.centre_id for m in _user(user_id).memberships}


@pytest.fixture
def world(make: Any) -> dict[str, Any]:
    borgen = make.centre("Borgen nærmiljøsentral")
    heggedal = make.centre("Heggedal nærmiljøsentral")
    kindergarten = make.partner(name="Borgen Barnehage", centres=[borgen])
    nav = make.partner(name="NAV Asker", centres=[borgen, heggedal])
    nav_user = make.user(
        centres=[borgen, heggedal], role=UserRole.PARTNER, partner=nav, email="kari@nav.test"
    )
    return {
        "borgen": borgen,
        "heggedal": heggedal,
        "kindergarten": kindergarten,
        "kindergarten_user": make.user(
            borgen, role=UserRole.PARTNER, partner=kindergarten, email="styrer@barnehage.test"
        ),
        "nav": nav,
        "nav_user": nav_user,
        "nav_referral": make.referral(borgen, nav, name_given="Referert Til Borgen"),
        "borgen_staff": make.user(borgen, role=UserRole.STAFF),
        "heggedal_staff": make.user(heggedal, role=UserRole.STAFF),
    }


def test_adding_a_partner_by_name_never_joins_another_centres_partner(
    app: Flask, world: dict[str, Any]
) -> None:
    """Heggedal adds 'borgen BARNEHAGE': it gets an organisation of its own, and sees
    nothing of Borgen's (users, e-mails, password links, referrals)."""
    kindergarten, secret_user = world["kindergarten"], world["kindergarten_user"]
    heggedal = _client(app, world["heggedal_staff"])
    response = heggedal.post("/partners/new", data={"name": "borgen BARNEHAGE", "kind": "other"})
    assert response.status_code == 302
    links = db.session.scalars(
        sa.select(PartnerCentre.centre_id).where(PartnerCentre.partner_id == kindergarten.id)
    ).all()
    assert links == [world["borgen"].id]
    own = db.session.scalar(
        sa.select(Partner)
        .join(PartnerCentre, PartnerCentre.partner_id == Partner.id)
        .where(PartnerCentre.centre_id == world["heggedal"].id, Partner.id != world["nav"].id)
    )
    assert own is not None and own.id != kindergarten.id
    page = heggedal.get(f"/partners/{own.id}").get_data(as_text=True)
    assert secret_user.email not in page
    # The attack's next steps, with the real organisation's ids: all not found.
    assert heggedal.get(f"/partners/{kindergarten.id}").status_code == 404
    base = f"/partners/{kindergarten.id}/users/{secret_user.id}"
    assert heggedal.post(f"{base}/new-link").status_code == 404
    assert heggedal.post(f"{base}/deactivate").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert _user(secret_user.id).check_password(PASSWORD)
    assert _user(secret_user.id).is_active_account


def test_new_password_link_for_a_login_serving_another_centre_is_refused(
    app: Flask, world: dict[str, Any]
) -> None:
    """Heggedal cannot issue a password link for NAV's login that also serves Borgen:
    it could take over the login and read NAV's referrals at Borgen."""
    nav, nav_user = world["nav"], world["nav_user"]
    heggedal = _client(app, world["heggedal_staff"])
    response = heggedal.post(
        f"/partners/{nav.id}/users/{nav_user.id}/new-link", follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "/invitation/" not in html
    assert "installation" in html.lower() or "installasjon" in html.lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert _user(nav_user.id).check_password(PASSWORD)


def test_new_link_for_a_login_of_this_centre_only_still_works(
    app: Flask, make: Any, world: dict[str, Any]
) -> None:
    """A login that serves only this centre gets a new link as before."""
    nav = world["nav"]
    only_here = make.user(world["heggedal"], role=UserRole.PARTNER, partner=nav)
    heggedal = _client(app, world["heggedal_staff"])
    html = heggedal.post(f"/partners/{nav.id}/users/{only_here.id}/new-link").get_data(as_text=True)
    assert "/invitation/" in html


def test_invite_from_one_centre_grants_that_centre_only(app: Flask, world: dict[str, Any]) -> None:
    """A login Heggedal invites for the shared NAV does not read NAV's Borgen referrals."""
    nav = world["nav"]
    heggedal = _client(app, world["heggedal_staff"])
    html = heggedal.post(
        f"/partners/{nav.id}/invite", data={"name": "Ny Bruker", "email": "ny@nav.test"}
    ).get_data(as_text=True)
    token = re.search(r"/invitation/([A-Za-z0-9_-]+)", html).group(1)  # type: ignore[union-attr]  # no link fails the test
    new = db.session.scalar(sa.select(User).where(User.email == "ny@nav.test"))
    assert _centres_of(new.id) == {world["heggedal"].id}
    visitor = _client(app)
    response = visitor.post(
        f"/invitation/{token}",
        data={"password": "et langt passord 1", "password_again": "et langt passord 1"},
    )
    assert response.status_code == 302
    assert _centres_of(new.id) == {world["heggedal"].id}
    page = visitor.get("/partner/").get_data(as_text=True)
    assert "Referert Til Borgen" not in page


def test_deactivating_removes_access_to_that_centre_only(app: Flask, world: dict[str, Any]) -> None:
    """Heggedal removing NAV's login leaves the login working at Borgen."""
    nav, nav_user = world["nav"], world["nav_user"]
    heggedal = _client(app, world["heggedal_staff"])
    assert heggedal.post(f"/partners/{nav.id}/users/{nav_user.id}/deactivate").status_code == 302
    assert _centres_of(nav_user.id) == {world["borgen"].id}
    assert _user(nav_user.id).is_active_account
    partner = _client(app, _user(nav_user.id))
    assert "Referert Til Borgen" in partner.get("/partner/").get_data(as_text=True)
    # Heggedal can no longer act on it: the login is Borgen's now.
    assert heggedal.post(f"/partners/{nav.id}/users/{nav_user.id}/deactivate").status_code == 404


def test_rename_from_one_centre_is_not_seen_by_another(app: Flask, world: dict[str, Any]) -> None:
    """Heggedal renames the shared NAV: Borgen's staff and NAV itself see the old name."""
    nav = world["nav"]
    heggedal = _client(app, world["heggedal_staff"])
    response = heggedal.post(
        f"/partners/{nav.id}/edit", data={"name": "Heggedals navn på NAV", "kind": "nav"}
    )
    assert response.status_code == 302
    assert "Heggedals navn på NAV" in heggedal.get(f"/partners/{nav.id}").get_data(as_text=True)
    borgen = _client(app, world["borgen_staff"])
    for url in (f"/partners/{nav.id}", "/partners/", "/referrals"):
        html = borgen.get(url).get_data(as_text=True)
        assert "Heggedals navn" not in html and "NAV Asker" in html, url


def test_actions_on_a_shared_partner_are_in_every_touched_centres_audit_log(
    app: Flask, world: dict[str, Any]
) -> None:
    """Heggedal inviting to and removing a login of the shared NAV: Borgen's audit log
    shows it too."""
    nav, nav_user = world["nav"], world["nav_user"]
    heggedal = _client(app, world["heggedal_staff"])
    heggedal.post(f"/partners/{nav.id}/invite", data={"name": "Ny", "email": "ny2@nav.test"})
    heggedal.post(f"/partners/{nav.id}/users/{nav_user.id}/deactivate")
    for centre in (world["borgen"], world["heggedal"]):
        actions = set(
            db.session.scalars(
                sa.select(AuditEvent.action).where(AuditEvent.centre_id == centre.id)
            )
        )
        assert {"partner_user_invited", "partner_user_deactivated"} <= actions, centre.name


# --- the explicit step: a partner agrees to work with another centre -------------------


def _request_model() -> Any:
    from rekruttering.models import PartnerLinkRequest

    return PartnerLinkRequest


def _ask(client: FlaskClient, email: str, name: str = "NAV Asker") -> Any:
    return client.post(
        "/partners/requests/new",
        data={"email": email, "name": name, "kind": "nav"},
        follow_redirects=True,
    )


def test_a_request_answers_the_same_for_known_and_unknown_e_mails(
    app: Flask, make: Any, world: dict[str, Any]
) -> None:
    """Asking an organisation to work with a centre reveals nothing about the address."""
    centre = make.centre("Vollen nærmiljøsentral")
    staff = _client(app, make.user(centre, role=UserRole.STAFF))
    known = _ask(staff, world["kindergarten_user"].email)
    unknown = _ask(staff, "ingen@barnehage.test")
    assert known.status_code == unknown.status_code == 200

    def shape(html: str) -> str:
        html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
        html = re.sub(r"/partners/requests/\d+/", "/partners/requests/N/", html)
        return html.replace(world["kindergarten_user"].email, "E").replace(
            "ingen@barnehage.test", "E"
        )

    assert shape(known.get_data(as_text=True)).count("E") >= 1
    # Nothing is linked before the partner agrees.
    links = db.session.scalars(
        sa.select(PartnerCentre.centre_id).where(
            PartnerCentre.partner_id == world["kindergarten"].id
        )
    ).all()
    assert links == [world["borgen"].id]


def test_partner_accepts_a_request_and_works_with_the_new_centre(
    app: Flask, make: Any, world: dict[str, Any]
) -> None:
    """Vollen asks; the kindergarten's user sees the request and accepts: the partner is
    linked under Vollen's name for it, the accepting login gets Vollen only, and both
    centres' audit logs show it. Another login of the same partner cannot accept."""
    vollen = make.centre("Vollen nærmiljøsentral")
    kindergarten, user = world["kindergarten"], world["kindergarten_user"]
    colleague = make.user(world["borgen"], role=UserRole.PARTNER, partner=kindergarten)
    staff = _client(app, make.user(vollen, role=UserRole.STAFF))
    _ask(staff, user.email.upper(), name="Barnehagen i Borgen")
    ask = db.session.scalar(sa.select(_request_model()))
    # A colleague sees nothing and cannot accept it.
    other = _client(app, colleague)
    assert "Vollen" not in other.get("/partner/").get_data(as_text=True)
    other.post("/partner/requests/accept", data={"request_id": ask.id})
    assert _centres_of(colleague.id) == {world["borgen"].id}
    # The person asked sees and accepts it.
    partner = _client(app, user)
    assert "Vollen nærmiljøsentral" in partner.get("/partner/").get_data(as_text=True)
    assert partner.post("/partner/requests/accept", data={"request_id": ask.id}).status_code == 302
    assert _centres_of(user.id) == {world["borgen"].id, vollen.id}
    assert _centres_of(colleague.id) == {world["borgen"].id}
    link = db.session.scalar(
        sa.select(PartnerCentre).where(
            PartnerCentre.partner_id == kindergarten.id, PartnerCentre.centre_id == vollen.id
        )
    )
    assert link is not None and link.name == "Barnehagen i Borgen"
    assert db.session.get(Partner, kindergarten.id).name == "Borgen Barnehage"
    for centre in (world["borgen"], vollen):
        assert db.session.scalar(
            sa.select(AuditEvent.id).where(
                AuditEvent.centre_id == centre.id, AuditEvent.action == "partner_link_accepted"
            )
        ), centre.name
    # Vollen now sees the login that agreed, and no other of the organisation's.
    page = staff.get(f"/partners/{kindergarten.id}").get_data(as_text=True)
    assert user.email in page and colleague.email not in page
    # Accepting twice does nothing more.
    partner.post("/partner/requests/accept", data={"request_id": ask.id})
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PartnerCentre)
            .where(PartnerCentre.partner_id == kindergarten.id)
        )
        == 2
    )


def test_partner_declines_a_request(app: Flask, make: Any, world: dict[str, Any]) -> None:
    """Declined: nothing is linked and the request is gone from the partner's page."""
    vollen = make.centre("Vollen nærmiljøsentral")
    staff = _client(app, make.user(vollen, role=UserRole.STAFF))
    _ask(staff, world["kindergarten_user"].email)
    ask = db.session.scalar(sa.select(_request_model()))
    partner = _client(app, world["kindergarten_user"])
    partner.post("/partner/requests/decline", data={"request_id": ask.id})
    assert "Vollen" not in partner.get("/partner/").get_data(as_text=True)
    assert _centres_of(world["kindergarten_user"].id) == {world["borgen"].id}


def test_staff_cancel_their_own_request_only(app: Flask, make: Any, world: dict[str, Any]) -> None:
    """Another centre's request answers 404; the centre's own is cancelled."""
    vollen = make.centre("Vollen nærmiljøsentral")
    staff = _client(app, make.user(vollen, role=UserRole.STAFF))
    _ask(staff, world["kindergarten_user"].email)
    ask = db.session.scalar(sa.select(_request_model()))
    heggedal = _client(app, world["heggedal_staff"])
    assert heggedal.post(f"/partners/requests/{ask.id}/cancel").status_code == 404
    assert staff.post(f"/partners/requests/{ask.id}/cancel").status_code == 302
    partner = _client(app, world["kindergarten_user"])
    assert "Vollen" not in partner.get("/partner/").get_data(as_text=True)


def test_installation_operator_issues_a_link_and_accepts_a_request(
    app: Flask, make: Any, world: dict[str, Any]
) -> None:
    """The CLI (the installation's operator) may do what no single centre may: a new
    password link for a login serving two centres, and a link the partner agreed to."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["partner-password-link", world["nav_user"].email])
    assert result.exit_code == 0 and "/invitation/" in result.output
    for centre in (world["borgen"], world["heggedal"]):
        assert db.session.scalar(
            sa.select(AuditEvent.id).where(
                AuditEvent.centre_id == centre.id, AuditEvent.action == "partner_user_reinvited"
            )
        )
    vollen = make.centre("Vollen nærmiljøsentral")
    ask = make.link_request(vollen, name="Barnehagen")
    kindergarten = world["kindergarten"]
    result = runner.invoke(args=["accept-partner-request", str(ask.id), str(kindergarten.id)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert vollen.id in {
        link.centre_id
        for link in db.session.scalars(
            sa.select(PartnerCentre).where(PartnerCentre.partner_id == kindergarten.id)
        )
    }
    assert _centres_of(world["kindergarten_user"].id) == {world["borgen"].id}


#: The new routes of issue 12 and who may call them (the URL-map walks in test_access
#: and test_partner_access check every role against these declarations).
NEW_ROUTES = {
    "partners.ask": {"staff", "admin"},
    "partners.cancel_request": {"staff", "admin"},
    "partners.accept_request": {"partner"},
    "partners.decline_request": {"partner"},
    "people.keep_apart": {"staff", "admin"},
}


def test_new_routes_declare_their_audience(app: Flask) -> None:
    """Each new route is in the URL map with the audience above."""
    from rekruttering.access import audience_of

    for endpoint, audience in NEW_ROUTES.items():
        assert set(audience_of(app, endpoint) or ()) == audience, endpoint
