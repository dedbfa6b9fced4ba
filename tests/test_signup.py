"""Self sign-up through QR sources: staff make the codes, people sign up, bots do not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from markupsafe import escape

from rekruttering import create_app
from rekruttering.domain.funnel import Outcome, Stage
from rekruttering.errors import ServiceError
from rekruttering.extensions import db, limiter
from rekruttering.models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    Contact,
    Enrolment,
    MessageTemplate,
    Notification,
    Person,
    Source,
    UserRole,
)
from rekruttering.signup import service
from rekruttering.signup.form_texts import KEYS, TEXTS
from rekruttering.signup.spam import SpamGuard, SpamSuspected
from rekruttering.transaction import transaction
from tests.conftest import clean_and_close, make_settings


class FreshClient(FlaskClient):
    """Requests do not inherit another client's logged-in user from the shared ``g``."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _client(app: Flask, user: Any = None) -> FlaskClient:
    client = FreshClient(app, app.response_class, use_cookies=True)
    if user is not None:
        response = client.post(
            "/login", data={"email": user.email, "password": "correct-horse-battery"}
        )
        assert response.status_code == 302
    return client


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Person, Contact, Consent, Notification, Enrolment)
    }


@pytest.fixture
def poster(make: Any) -> Source:
    centre = make.centre("Borgen nærmiljøsentral")
    for language in ("nb", "ar", "uk"):
        db.session.add(MessageTemplate(centre_id=centre.id, language=language, body="Hei"))
    db.session.commit()
    make.activity(centre, name="Språkkafe")
    return make.source(centre, name="Plakat på Innbyggertorget")


def _guard(app: Flask) -> SpamGuard:
    return SpamGuard(app.secret_key, min_fill_seconds=3, max_age_seconds=24 * 3600)


def _stamp(app: Flask, source: Source, seconds_ago: int = 30) -> str:
    return _guard(app).issue(source.code, now=time.time() - seconds_ago)


def _post(client: FlaskClient, app: Flask, source: Source, **kw: Any) -> Any:
    data = {
        "name": "Olena Test",
        "phone": "912 34 567",
        "consent": "yes",
        "lang": "uk",
        "stamp": _stamp(app, source),
        "website": "",
    }
    data.update(kw)
    return client.post(f"/s/{source.code}", data=data)


# --- staff make QR sources -----------------------------------------------------------


def test_staff_make_a_qr_source_and_get_svg_png_and_a_short_url(app: Flask, make: Any) -> None:
    """A new source has a short URL and a QR code as SVG and PNG for printing."""
    centre = make.centre()
    staff = make.user(centre, role=UserRole.STAFF)
    channel = make.channel(centre, name="Plakat")
    activity = make.activity(centre, name="Foreldreprat")
    client = _client(app, staff)
    response = client.post(
        "/sources/new",
        data={
            "name": "Brosjyre i barnehagen",
            "channel_id": channel.id,
            "activity_id": activity.id,
        },
    )
    assert response.status_code == 302
    source = db.session.scalar(sa.select(Source))
    assert (source.name, source.channel_id, source.activity_id) == (
        "Brosjyre i barnehagen",
        channel.id,
        activity.id,
    )
    assert len(source.code) == 6 and not set(source.code) & set("01lio")
    page = client.get(f"/sources/{source.id}").get_data(as_text=True)
    assert f"http://localhost/s/{source.code}" in page
    svg = client.get(f"/sources/{source.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = client.get(f"/sources/{source.id}/qr.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert "Brosjyre i barnehagen" in client.get("/sources/").get_data(as_text=True)


@pytest.mark.settings(**{"app.public_base_url": "https://borgen.example.no"})
def test_the_short_url_uses_the_public_address(app: Flask, make: Any) -> None:
    """Behind a proxy the printed address is the configured public one."""
    centre = make.centre()
    source = make.source(centre)
    client = _client(app, make.user(centre, role=UserRole.STAFF))
    page = client.get(f"/sources/{source.id}").get_data(as_text=True)
    assert f"https://borgen.example.no/s/{source.code}" in page


def test_a_source_needs_a_channel_of_the_centre(make: Any) -> None:
    """Creating a source with another centre's channel is refused."""
    mine, other = make.centre(), make.centre()
    with pytest.raises(ServiceError), transaction():
        service.create_source(mine.id, service.SourceInput("X", make.channel(other).id))
    with pytest.raises(ServiceError) as caught:
        service.create_source(mine.id, service.SourceInput("X", None))
    assert caught.value.field == "channel_id"


# --- the sign-up journey --------------------------------------------------------------


def test_sign_up_through_a_qr_source_puts_the_person_into_the_funnel(
    app: Flask, poster: Source
) -> None:
    """Scan, fill in, thanks in their language; heard via the source and its channel."""
    visitor = _client(app)
    form = visitor.get(f"/s/{poster.code}?lang=uk")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert str(escape(TEXTS["uk"]["consent"])) in html and 'name="website"' in html
    activity_id = db.session.scalar(sa.select(sa.func.min(Enrolment.id)))  # none yet
    assert activity_id is None
    from rekruttering.models import Activity

    activity = db.session.scalar(sa.select(Activity))
    response = _post(visitor, app, poster, activity_id=activity.id)
    assert response.status_code == 302
    thanks = visitor.get(response.headers["Location"]).get_data(as_text=True)
    assert TEXTS["uk"]["thanks_title"] in thanks
    assert "Borgen nærmiljøsentral" in thanks

    person = db.session.scalar(sa.select(Person))
    assert (person.first_name, person.last_name, person.phone, person.language) == (
        "Olena",
        "Test",
        "+4791234567",
        "uk",
    )
    contact = db.session.scalar(sa.select(Contact))
    assert contact.outcome == Outcome.HEARD
    assert (contact.source_id, contact.channel_id) == (poster.id, poster.channel_id)
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert enrolment.stage == Stage.HEARD and enrolment.first_channel_id == poster.channel_id
    consents = db.session.scalars(sa.select(Consent)).all()
    assert {c.purpose for c in consents} == {ConsentPurpose.REGISTER, ConsentPurpose.SMS}
    assert {c.method for c in consents} == {ConsentMethod.WEB_FORM}
    assert db.session.scalar(sa.select(Notification)).kind == "signup"
    stats = service.stats_by_source(poster.centre_id)[poster.id]
    assert (stats.signups, stats.came) == (1, 0)


def test_the_form_speaks_norwegian_english_and_the_template_languages(
    app: Flask, poster: Source
) -> None:
    """nb and en from the catalogues; Arabic (a template language) right to left; Somali
    (no template at this centre) is not offered."""
    visitor = _client(app)
    nb = visitor.get(f"/s/{poster.code}?lang=nb").get_data(as_text=True)
    assert "Vil du komme til Borgen nærmiljøsentral?" in nb
    en = visitor.get(f"/s/{poster.code}?lang=en").get_data(as_text=True)
    assert "Would you like to come to Borgen nærmiljøsentral?" in en
    ar = visitor.get(f"/s/{poster.code}?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in ar and TEXTS["ar"]["submit"] in ar
    assert "Soomaali" not in ar
    so = visitor.get(f"/s/{poster.code}?lang=so").get_data(as_text=True)
    assert TEXTS["so"]["submit"] not in so
    guess = visitor.get(f"/s/{poster.code}", headers={"Accept-Language": "uk,en;q=0.5"})
    assert TEXTS["uk"]["title"] % {"centre": "Borgen nærmiljøsentral"} in guess.get_data(
        as_text=True
    )


def test_every_extra_language_has_every_label() -> None:
    """Each language in the data dict has all the form's words, placeholders intact."""
    for language, texts in TEXTS.items():
        assert set(texts) == set(KEYS), language
        assert "%(centre)s" in texts["title"] and "%(centre)s" in texts["thanks_body"]
        assert "%(activity)s" in texts["interest_in"]


def test_a_known_phone_attaches_the_sign_up(app: Flask, poster: Source, make: Any) -> None:
    """A phone already in the centre: the sign-up is held on a new record for staff to
    merge; the known person is not touched (issue 12)."""
    known = make.person(_centre(poster), phone="+4791234567")
    assert _post(_client(app), app, poster).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Person.id))) == 2
    held = db.session.get(Person, db.session.scalar(sa.select(Contact)).person_id)
    assert held.id != known.id and held.held_match_id == known.id


def _centre(source: Source) -> Any:
    from rekruttering.models import Centre

    return db.session.get(Centre, source.centre_id)


def test_a_double_submitted_form_signs_up_once(app: Flask, poster: Source) -> None:
    """The same stamp twice: one person, one contact, one notice."""
    visitor = _client(app)
    stamp = _stamp(app, poster)
    assert _post(visitor, app, poster, stamp=stamp).status_code == 302
    assert _post(visitor, app, poster, stamp=stamp).status_code == 302
    assert _counts()["Contact"] == 1 and _counts()["Notification"] == 1


def test_a_source_taken_down_takes_no_sign_ups(app: Flask, poster: Source, make: Any) -> None:
    """After 'take down' the short URL answers 404."""
    staff = make.user(_centre(poster), role=UserRole.STAFF)
    client = _client(app, staff)
    assert client.post(f"/sources/{poster.id}/active", data={"active": "0"}).status_code == 302
    assert _client(app).get(f"/s/{poster.code}").status_code == 404
    client.post(f"/sources/{poster.id}/active", data={"active": "1"})
    assert _client(app).get(f"/s/{poster.code}").status_code == 200


def test_came_counts_people_who_attended_after_signing_up(
    app: Flask, poster: Source, make: Any
) -> None:
    """The source list shows sign-ups and how many of them came since."""
    from datetime import timedelta

    from rekruttering.domain.clock import utcnow
    from rekruttering.models import Activity

    _post(_client(app), app, poster)
    _post(_client(app), app, poster, phone="+4791234568", name="Ivan")
    person = db.session.scalar(sa.select(Person).where(Person.phone == "+4791234567"))
    activity = db.session.scalar(sa.select(Activity))
    make.attendance(make.session(activity, utcnow() + timedelta(minutes=5)), person)
    stats = service.stats_by_source(poster.centre_id)[poster.id]
    assert (stats.signups, stats.came) == (2, 1)


# --- bad input: refused with a clear message, nothing stored ----------------------------


@pytest.mark.parametrize(
    ("change", "message_key", "status"),
    [
        ({"consent": ""}, "err_consent", 200),
        ({"phone": "123"}, "err_phone", 200),
        ({"phone": "+47 000"}, "err_phone", 200),
        ({"name": " "}, "err_name", 200),
        ({"website": "http://spam.example"}, "err_bot", 400),
        ({"stamp": "forged"}, "err_bot", 400),
        ({"stamp": None}, "err_too_fast", 400),
        ({"stamp": "old"}, "err_expired", 400),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_stores_nothing(
    app: Flask, poster: Source, change: dict[str, Any], message_key: str, status: int
) -> None:
    """No consent, an impossible phone, a bot in the honeypot, a too quick or stale form."""
    change = dict(change)  # the parameters are shared by the SQLite and PostgreSQL runs
    if change.get("stamp") is None and "stamp" in change:
        change["stamp"] = _guard(app).issue(poster.code)  # sent the second it was shown
    elif change.get("stamp") == "old":
        change["stamp"] = _stamp(app, poster, seconds_ago=2 * 24 * 3600)
    before = _counts()
    response = _post(_client(app), app, poster, **change)
    assert response.status_code == status
    assert str(escape(TEXTS["uk"][message_key])) in response.get_data(as_text=True)
    assert _counts() == before


def test_the_service_refuses_without_flask(app: Flask, poster: Source) -> None:
    """The same checks hold when the service is called directly."""
    guard = _guard(app)
    data = service.SignupInput("Olena", "912 34 567", consent=False, stamp=_stamp(app, poster))
    with pytest.raises(service.SignupRefused) as caught:
        service.sign_up(poster.code, data, guard)
    assert caught.value.reason == "err_consent"
    with pytest.raises(SpamSuspected):
        guard.check(guard.issue("other-code", now=0), "", poster.code, now=60)


@pytest.fixture
def limited_app(database_url: str, _schema: None) -> Iterator[Flask]:
    """An app with the rate limiter on (the usual test app switches it off)."""
    app = create_app(
        make_settings(database_url, **{"signup.rate_limit": "3 per minute"}),
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=True,
    )
    with app.app_context():
        limiter.reset()
        try:
            yield app
        finally:
            limiter.reset()
            clean_and_close(app)


def test_a_burst_of_posts_from_one_address_is_refused(limited_app: Flask) -> None:
    """Beyond the rate limit the form answers 429 with a clear message and stores nothing."""
    from tests import factories  # not the `make` fixture: it would build the usual app

    source = factories.source(factories.centre())
    client = _client(limited_app)
    for n in range(3):
        response = _post(client, limited_app, source, phone=f"+479123456{n}", lang="nb")
        assert response.status_code == 302
    before = _counts()
    response = _post(client, limited_app, source, phone="+4791234569", lang="nb")
    assert response.status_code == 429
    assert "Wait a minute and try again." in response.get_data(as_text=True) or (
        "Vent" in response.get_data(as_text=True)
    )
    assert _counts() == before
    assert client.get(f"/s/{source.code}").status_code == 200  # reading is not limited


# --- the time a person took counts from the first render ------------------------------


def _stamp_on(html: str) -> str:
    marker = 'name="stamp" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_a_person_who_fixes_a_mistake_and_sends_at_once_is_not_a_bot(
    app: Flask, poster: Source, clock: Any
) -> None:
    """Filled in for a while, sent without consent, ticked and sent again a second
    later: signed up (the stamp of the first render is carried, not restarted)."""
    client = _client(app)
    first = _stamp_on(client.get(f"/s/{poster.code}?lang=uk").get_data(as_text=True))
    clock.shift(20)  # typing the name and phone
    answer = _post(client, app, poster, stamp=first, consent="")
    assert answer.status_code == 200
    assert str(escape(TEXTS["uk"]["err_consent"])) in answer.get_data(as_text=True)
    assert _stamp_on(answer.get_data(as_text=True)) == first
    clock.shift(1)  # tick the box, press Send
    again = _post(client, app, poster, stamp=first)
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1


def test_a_bot_posting_at_once_is_still_refused_after_a_re_render(
    app: Flask, poster: Source, clock: Any
) -> None:
    """A fresh stamp posted the instant it was shown is too fast, and posting again
    at once with the stamp the refusal carried is still too fast."""
    client = _client(app)
    fresh = _stamp_on(client.get(f"/s/{poster.code}?lang=uk").get_data(as_text=True))
    refused = _post(client, app, poster, stamp=fresh)
    assert refused.status_code == 400
    assert str(escape(TEXTS["uk"]["err_too_fast"])) in refused.get_data(as_text=True)
    carried = _stamp_on(refused.get_data(as_text=True))
    assert carried == fresh
    assert _post(client, app, poster, stamp=carried).status_code == 400
    assert _counts()["Person"] == 0


def test_only_a_genuine_fresh_enough_stamp_is_carried(app: Flask, poster: Source) -> None:
    guard = _guard(app)
    now = time.time()
    genuine = guard.issue(poster.code, now=now - 10)
    assert guard.carry(genuine, poster.code, now=now) == genuine
    for stamp in (
        "forged",
        "",
        guard.issue("other1", now=now - 10),
        _stamp(app, poster, 3 * 86400),
    ):
        replaced = guard.carry(stamp, poster.code, now=now)
        assert replaced != stamp
        with pytest.raises(SpamSuspected) as caught:
            guard.check(replaced, "", poster.code, now=now)  # counted from now: too fast
        assert caught.value.reason == "too_fast"
