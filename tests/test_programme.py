"""The programme (issue 16): public page, embed, calendar feeds, printed programme."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from rekruttering import create_app
from rekruttering.activities.service import add_cancelled_date
from rekruttering.activities.sessions import generate_sessions
from rekruttering.domain.clock import oslo_to_utc
from rekruttering.errors import ServiceError
from rekruttering.extensions import db, limiter
from rekruttering.models import (
    ActivityText,
    Channel,
    ChannelKind,
    Contact,
    Person,
    ProgrammeSource,
    Session,
    Source,
    User,
    UserRole,
)
from rekruttering.programme import queries, service
from rekruttering.transaction import transaction
from tests.conftest import clean_and_close, make_settings

OSLO = ZoneInfo("Europe/Oslo")
SUNDAY = 6


@pytest.fixture
def centre(make: Any) -> Any:
    return make.centre("Borgen nærmiljøsentral")


def _publish(centre: Any) -> str:
    with transaction():
        row = service.publish(centre.id)
    return row.source.code


def _public(make: Any, centre: Any, name: str, **kw: Any) -> Any:
    activity = make.activity(centre, name=name, **kw)
    with transaction():
        service.set_public(centre.id, activity.id, True)
    return activity


def _feed(client: FlaskClient, url: str) -> tuple[icalendar.Calendar, ics.Calendar, str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    return icalendar.Calendar.from_ical(body), ics.Calendar(body), body


def _events(cal: icalendar.Calendar) -> list[Any]:
    return list(cal.walk("VEVENT"))


@pytest.mark.parametrize(
    ("today", "before", "after"),
    [
        # Spring: 18:00 in Oslo is 17:00 UTC on 21 March (CET), 16:00 UTC on 28 March (CEST).
        (date(2027, 3, 20), date(2027, 3, 21), date(2027, 3, 28)),
        # Autumn: 16:00 UTC on 24 October (CEST), 17:00 UTC on 31 October (CET).
        (date(2027, 10, 23), date(2027, 10, 24), date(2027, 10, 31)),
    ],
)
def test_feed_times_are_right_across_summer_time(
    client: FlaskClient, make: Any, centre: Any, clock: Any, today: date, before: date, after: date
) -> None:
    """Both parsers read 18:00 Oslo time on the Sundays either side of the change."""
    clock.move_to(datetime.combine(today, time(9), tzinfo=UTC))
    activity = _public(make, centre, "Søndagskafe", weekday=SUNDAY, start=time(18), end=time(20))
    with transaction():
        generate_sessions(centre.id, activity.id, 3)
    # 28 March 2027 is also Easter Sunday, a public holiday that generation skips; the
    # centre opens that evening anyway and adds it by hand (it is in the feed like any).
    made = {
        s.astimezone(OSLO).date() if s.tzinfo else s.replace(tzinfo=UTC).astimezone(OSLO).date()
        for s in db.session.scalars(
            sa.select(Session.starts_at).where(Session.activity_id == activity.id)
        )
    }
    for day in (before, after):
        if day not in made:
            make.session(activity, oslo_to_utc(day, time(18)), place="Kafeen")
    code = _publish(centre)

    cal, other, body = _feed(client, f"/p/{code}/calendar.ics")
    starts = sorted(e.decoded("dtstart") for e in _events(cal))
    assert [s.astimezone(OSLO).date() for s in starts[:2]] == [before, after]
    assert all(s.astimezone(OSLO).time() == time(18) for s in starts)
    assert all(s.utcoffset() == UTC.utcoffset(None) for s in starts)  # written in UTC
    offsets = [s.astimezone(OSLO).utcoffset().total_seconds() / 3600 for s in starts[:2]]
    assert offsets in ([1, 2], [2, 1])
    second = sorted(other.events, key=lambda e: e.begin)
    assert [e.begin.to("Europe/Oslo").hour for e in second] == [18] * len(second)
    assert [e.end.to("Europe/Oslo").hour for e in second] == [20] * len(second)
    assert [e.begin.datetime for e in second] == starts
    assert "BEGIN:VCALENDAR" in body and "X-WR-TIMEZONE:Europe/Oslo" in body


def test_a_cancelled_session_is_a_cancelled_event_with_a_stable_uid(
    client: FlaskClient, make: Any, centre: Any, clock: Any
) -> None:
    """A cancelled date stays in the feed as STATUS:CANCELLED under the same UID."""
    clock.move_to(datetime(2027, 3, 1, 9, tzinfo=UTC))
    activity = _public(make, centre, "Språkkafe", weekday=3)
    with transaction():
        generate_sessions(centre.id, activity.id, 4)
    code = _publish(centre)
    url = f"/p/{code}/activities/{activity.id}/calendar.ics"
    first, _other, _body = _feed(client, url)
    uids = [str(e["uid"]) for e in _events(first)]
    assert len(uids) == len(set(uids)) >= 3
    assert {str(e["status"]) for e in _events(first)} == {"CONFIRMED"}

    with transaction():
        add_cancelled_date(centre.id, activity.id, date(2027, 3, 11), "Vinterferie", 4)
    again, other, _body = _feed(client, url)
    assert [str(e["uid"]) for e in _events(again)] == uids  # updated, not duplicated
    by_day = {e.decoded("dtstart").astimezone(OSLO).date(): e for e in _events(again)}
    cancelled = by_day[date(2027, 3, 11)]
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) > 0
    assert str(by_day[date(2027, 3, 4)]["status"]) == "CONFIRMED"
    statuses = {e.begin.to("Europe/Oslo").date(): e.status for e in other.events}
    assert statuses[date(2027, 3, 11)] == "CANCELLED"
    assert statuses[date(2027, 3, 18)] == "CONFIRMED"


def test_a_private_activity_never_appears(
    app: Flask, client: FlaskClient, make: Any, centre: Any, login: Any
) -> None:
    """Not on the page, the embed, the feeds nor the printed programme."""
    shown = _public(make, centre, "Mat og prat")
    hidden = make.activity(centre, name="Hemmelig gruppe")
    retired = _public(make, centre, "Nedlagt kurs")
    retired.active = False
    db.session.commit()
    with transaction():
        generate_sessions(centre.id, None, 2)
        service.save_texts(centre.id, hidden.id, [service.TextInput("ar", "سري", "سري")])
    code = _publish(centre)
    for url in (f"/p/{code}", f"/p/{code}/embed", f"/p/{code}?lang=ar"):
        html = client.get(url).get_data(as_text=True)
        assert "Mat og prat" in html
        assert "Hemmelig gruppe" not in html and "Nedlagt kurs" not in html
        assert "سري" not in html
    _cal, _other, body = _feed(client, f"/p/{code}/calendar.ics")
    assert "Mat og prat" in body and "Hemmelig" not in body and "Nedlagt" not in body
    assert client.get(f"/p/{code}/activities/{shown.id}/calendar.ics").status_code == 200
    for activity in (hidden, retired):
        assert client.get(f"/p/{code}/activities/{activity.id}/calendar.ics").status_code == 404
    assert queries.offered_languages(centre.id) == ["nb"]  # the hidden one's Arabic is not offered

    login(make.user(centre))
    with transaction():
        run = service.create_print_run(
            centre.id, service.PrintRunInput("month", date(2026, 12, 1), "nb")
        )
    html = client.get(f"/programme/runs/{run.id}/print").get_data(as_text=True)
    assert "Mat og prat" in html and "Hemmelig gruppe" not in html and "Nedlagt kurs" not in html


def test_public_addresses_answer_404_for_unknown_offline_and_other_codes(
    client: FlaskClient, make: Any, centre: Any
) -> None:
    """Only a published programme's code opens it; a poster's code or another centre's
    activity under this code is not found."""
    mine = _public(make, centre, "Språkkafe")
    other_centre = make.centre()
    theirs = _public(make, other_centre, "Strikkekafe")
    poster = make.source(centre)
    code = _publish(centre)
    other_code = _publish(other_centre)
    for url in ("/p/nosuch", f"/p/{poster.code}", f"/p/{poster.code}/calendar.ics"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/p/{code}/activities/{theirs.id}/calendar.ics").status_code == 404
    assert client.get(f"/p/{other_code}/activities/{mine.id}/calendar.ics").status_code == 404
    assert client.get(f"/p/{other_code}/activities/{theirs.id}/calendar.ics").status_code == 200
    assert "Strikkekafe" not in client.get(f"/p/{code}").get_data(as_text=True)

    with transaction():
        service.unpublish(centre.id)
    for suffix in ("", "/embed", "/calendar.ics", f"/activities/{mine.id}/calendar.ics"):
        assert client.get(f"/p/{code}{suffix}").status_code == 404, suffix
    with transaction():
        again = service.publish(centre.id)
    assert again.source.code == code  # the same address, so links on websites keep working
    assert client.get(f"/p/{code}").status_code == 200


def test_only_the_embed_may_be_framed(client: FlaskClient, make: Any, centre: Any) -> None:
    _public(make, centre, "Språkkafe")
    code = _publish(centre)
    embed = client.get(f"/p/{code}/embed")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    assert "script-src 'self'" in embed.headers["Content-Security-Policy"]
    page = client.get(f"/p/{code}")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


@pytest.mark.settings(**{"programme.embed_ancestors": "https://www.asker.kommune.no"})
def test_the_embed_names_the_configured_sites(client: FlaskClient, make: Any, centre: Any) -> None:
    _public(make, centre, "Språkkafe")
    code = _publish(centre)
    policy = client.get(f"/p/{code}/embed").headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.asker.kommune.no" in policy


def test_links_carry_the_website_source_and_sign_ups_count_under_it(
    app: Flask, client: FlaskClient, make: Any, centre: Any
) -> None:
    """The page's and the feed's sign-up links go through the website source, with the
    activity chosen; a sign-up through them is counted under that source."""
    activity = _public(make, centre, "Språkkafe")
    with transaction():
        generate_sessions(centre.id, None, 2)
    code = _publish(centre)
    html = client.get(f"/p/{code}").get_data(as_text=True)
    link = f"/s/{code}?activity={activity.id}&amp;lang=nb"
    assert link in html
    _cal, _other, body = _feed(client, f"/p/{code}/calendar.ics")
    assert f"/s/{code}?activity={activity.id}&lang=nb" in body.replace("\r\n ", "")
    form = client.get(f"/s/{code}?activity={activity.id}&lang=nb").get_data(as_text=True)
    assert f'<option value="{activity.id}" selected>' in form

    source = db.session.scalar(sa.select(Source).where(Source.code == code))
    channel = db.session.get(Channel, source.channel_id)
    assert channel.name == "Sentralens nettside"
    from rekruttering.signup.service import SignupInput, sign_up
    from rekruttering.signup.spam import SpamGuard

    guard = SpamGuard(app.secret_key, min_fill_seconds=0, max_age_seconds=3600)
    with transaction():
        sign_up(
            code,
            SignupInput("Kari Nordmann", "+4791234567", True, "nb", activity.id, guard.issue(code)),
            guard,
        )
    contact = db.session.scalar(sa.select(Contact))
    assert contact.source_id == source.id and contact.activity_id == activity.id
    stats = queries.stats_by_language(centre.id)
    assert [(s.kind, s.signups) for s in stats] == [("website", 1)]


def test_a_print_run_is_a_print_source_named_after_it(
    client: FlaskClient, make: Any, centre: Any, login: Any, clock: Any
) -> None:
    """Staff make an Arabic December programme: its own QR source on the printed
    programme's channel (posters and brochures kind), right to left, one QR per activity."""
    clock.move_to(datetime(2026, 12, 1, 9, tzinfo=UTC))
    sprakkafe = _public(make, centre, "Språkkafe")
    _public(make, centre, "Mat og prat", weekday=1)
    with transaction():
        service.save_texts(
            centre.id, sprakkafe.id, [service.TextInput("ar", "مقهى اللغة", "تدرّب على النرويجية")]
        )
        add_cancelled_date(centre.id, sprakkafe.id, date(2026, 12, 24), "Jul", 8)
        generate_sessions(centre.id, None, 8)
    login(make.user(centre))
    response = client.post(
        "/programme/", data={"period": "month", "starts_on": "2026-12-10", "language": "ar"}
    )
    assert response.status_code == 302
    run = db.session.scalar(sa.select(ProgrammeSource))
    assert run.starts_on == date(2026, 12, 1) and run.language == "ar"
    assert run.source.name == "Program, desember 2026, arabisk"
    assert run.source.channel.kind == ChannelKind.PRINT
    assert run.source.channel.name == "Trykt program (arabisk)"
    assert run.source.activity_id is None
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "مقهى اللغة" in html and "Mat og prat" in html
    assert html.count('src="data:image/svg+xml;base64,') == 2
    assert f"/s/{run.source.code}?activity={sprakkafe.id}&amp;lang=ar" in html
    assert "ملغى" in html  # the cancelled Christmas Eve
    assert 'class="navbar' not in html  # no app menu on the sheet
    page = client.get("/programme/").get_data(as_text=True)
    assert "Program, desember 2026, arabisk" in page


def test_staff_write_texts_and_mark_activities_public(
    client: FlaskClient, make: Any, centre: Any, login: Any
) -> None:
    activity = make.activity(centre, name="Språkkafe")
    login(make.user(centre))
    detail = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert f"/programme/activities/{activity.id}" in detail  # from the activity's page
    assert 'name="title_ar"' in client.get(f"/programme/activities/{activity.id}").get_data(
        as_text=True
    )
    response = client.post(
        f"/programme/activities/{activity.id}",
        data={
            "is_public": "y",
            "title_ar": "مقهى اللغة",
            "description_ar": "تدرّب على النرويجية",
            "description_nb": "Øv på norsk.",
        },
    )
    assert response.status_code == 302
    db.session.refresh(activity)
    assert activity.is_public
    texts = {
        t.language: (t.title, t.description) for t in db.session.scalars(sa.select(ActivityText))
    }
    assert texts == {"ar": ("مقهى اللغة", "تدرّب على النرويجية"), "nb": ("", "Øv på norsk.")}
    assert queries.offered_languages(centre.id) == ["nb", "ar"]
    client.post(f"/programme/activities/{activity.id}", data={"description_nb": "Øv på norsk."})
    db.session.refresh(activity)
    assert not activity.is_public
    assert db.session.scalar(sa.select(sa.func.count(ActivityText.id))) == 1  # empty ones go
    too_long = client.post(
        f"/programme/activities/{activity.id}", data={"description_nb": "x" * 601}
    )
    assert too_long.status_code == 200
    assert "600" in too_long.get_data(as_text=True)
    with pytest.raises(ServiceError), transaction():
        service.save_texts(centre.id, activity.id, [service.TextInput("<script>", "x")])


def test_the_public_page_in_arabic_is_right_to_left(
    client: FlaskClient, make: Any, centre: Any
) -> None:
    activity = _public(make, centre, "Språkkafe")
    with transaction():
        service.save_texts(centre.id, activity.id, [service.TextInput("ar", "مقهى اللغة", "")])
    code = _publish(centre)
    html = client.get(f"/p/{code}?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html and "مقهى اللغة" in html
    assert "الخميس" in html  # Thursday, from the weekly slot
    nb = client.get(f"/p/{code}?lang=nb").get_data(as_text=True)
    assert '<html lang="nb" dir="ltr">' in nb and "Språkkafe" in nb and "torsdag" in nb
    assert "العربية" in nb  # the language link


def test_the_demo_programme_shows_no_personal_data(
    client: FlaskClient, demo_installation: None
) -> None:
    """Every person's and user's name in the demo is searched for on the public page
    (every language), the embed and the feed: none is there."""
    row = db.session.scalar(sa.select(ProgrammeSource).where(ProgrammeSource.kind == "website"))
    code = row.source.code
    pages = [client.get(f"/p/{code}?lang={c}") for c in queries.offered_languages(row.centre_id)]
    pages += [client.get(f"/p/{code}/embed"), client.get(f"/p/{code}/calendar.ics")]
    assert all(p.status_code == 200 for p in pages)
    text = "\n".join(p.get_data(as_text=True) for p in pages)
    assert "Språkkafe" in text and "مقهى اللغة" in text
    names = set()
    for first, last in db.session.execute(sa.select(Person.first_name, Person.last_name)):
        names.update({f"{first} {last}".strip(), last if len(last) > 3 else first})
    names.update(n for n in db.session.scalars(sa.select(User.name)) if n)
    assert len(names) > 100
    leaked = sorted(n for n in names if n and n in text)
    assert leaked == []
    assert "+47" not in text


@pytest.fixture
def limited_app(database_url: str, _schema: None) -> Iterator[Flask]:
    app = create_app(
        make_settings(database_url, **{"programme.rate_limit": "3 per minute"}),
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


def test_public_routes_are_rate_limited(limited_app: Flask) -> None:
    from tests import factories

    centre = factories.centre()
    factories.activity(centre, name="Språkkafe")
    code = _publish(centre)
    client = limited_app.test_client()
    answers = [client.get(f"/p/{code}/calendar.ics").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_staff_page_publishes_and_shows_the_snippet(
    client: FlaskClient, make: Any, centre: Any, login: Any
) -> None:
    login(make.user(centre, role=UserRole.STAFF))
    assert "Publiser programmet" in client.get("/programme/").get_data(as_text=True)
    assert client.post("/programme/publish").status_code == 302
    code = service.website_source(centre.id).source.code
    page = client.get("/programme/").get_data(as_text=True)
    assert f"/p/{code}/embed" in page and "&lt;iframe" in page
    assert f"/p/{code}/calendar.ics" in page
    assert client.post("/programme/unpublish").status_code == 302
    assert client.get(f"/p/{code}").status_code == 404
