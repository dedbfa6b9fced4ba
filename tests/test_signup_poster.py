"""The QR poster (a printable A4 page) and the public form's privacy notice and page."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest

from rekruttering.extensions import db
from rekruttering.models import MessageTemplate, UserRole
from rekruttering.signup.form_texts import TEXTS
from rekruttering.signup.poster import POSTER_TEXTS, texts_for
from rekruttering.signup.privacy_texts import NOTICE_TEXTS


@pytest.fixture
def setup(make: Any) -> dict[str, Any]:
    centre = make.centre("Borgen-senteret (internt)")
    from rekruttering.centre_settings.service import add_defaults

    row = add_defaults(centre.id)
    row.public_name = "Borgen nærmiljøsentral"
    row.address = "Torget 1, Asker"
    for language in ("nb", "ar", "uk"):
        db.session.add(MessageTemplate(centre_id=centre.id, language=language, body="Hei"))
    db.session.commit()
    activity = make.activity(
        centre,
        name="Språkkafé",
        weekday=1,
        start=time(18),
        end=time(20),
    )
    # The clock fixture: the tests' now. A session next week, one in the past.
    make.session(activity, datetime(2026, 1, 13, 17, tzinfo=UTC))
    source = make.source(centre, name="Intern: plakat Innbyggertorget", activity_id=activity.id)
    staff = make.user(centre, role=UserRole.STAFF)
    return {"centre": centre, "source": source, "staff": staff, "activity": activity}


def test_poster_has_the_public_name_activity_times_place_call_to_action_and_url(
    client: Any, login: Any, setup: dict[str, Any]
) -> None:
    login(setup["staff"])
    client.get("/sources/")  # a flash message or two would show on the next base page
    page = client.get(f"/sources/{setup['source'].id}/poster?lang=nb").get_data(as_text=True)
    assert "Borgen nærmiljøsentral" in page
    assert "Intern: plakat" not in page  # the internal source name is not the title
    assert "Språkkafé" in page
    assert "Hver tirsdag \u206618:00–20:00\u2069" in page
    assert "Kafeen" in page and "Torget 1, Asker" in page
    assert "Skann koden" in page  # the call to action
    assert f"localhost/s/{setup['source'].code}" in page  # the short address, no scheme
    assert 'class="poster-address"' in page
    # No app header, menu or flash messages on a poster.
    assert "navbar" not in page and 'class="alert' not in page


def test_poster_in_several_languages_arabic_right_to_left(
    client: Any, login: Any, setup: dict[str, Any]
) -> None:
    login(setup["staff"])
    url = f"/sources/{setup['source'].id}/poster?lang=nb&lang=ar&lang=uk&lang=xx"
    page = client.get(url).get_data(as_text=True)
    assert '<section class="poster-block" lang="ar" dir="rtl">' in page
    assert '<section class="poster-block" lang="uk" dir="ltr">' in page
    assert POSTER_TEXTS["ar"]["cta"] in page and "Skann koden" in page
    assert 'lang="xx"' not in page  # an unknown language is ignored
    # Somali has no template at this centre: not offered.
    assert "Soomaali" not in page


def test_every_poster_language_has_every_text() -> None:
    keys = set(texts_for("en"))
    for language, texts in POSTER_TEXTS.items():
        assert set(texts) == keys, language
        assert "%(activity)s" in texts["headline_activity"] and "%(day)s" in texts["every"]
    for language in TEXTS:
        assert language in POSTER_TEXTS and language in NOTICE_TEXTS, language


def test_the_source_page_offers_the_poster(client: Any, login: Any, setup: dict[str, Any]) -> None:
    login(setup["staff"])
    page = client.get(f"/sources/{setup['source'].id}").get_data(as_text=True)
    assert f'action="/sources/{setup["source"].id}/poster"' in page
    assert 'value="ar"' in page


def test_public_form_names_the_centre_has_a_privacy_notice_and_no_menu_button(
    client: Any, setup: dict[str, Any]
) -> None:
    code = setup["source"].code
    page = client.get(f"/s/{code}?lang=nb").get_data(as_text=True)
    assert "<title>Borgen nærmiljøsentral · Borgen nærmiljøsentral</title>" in page
    assert '<span class="navbar-brand">Borgen nærmiljøsentral</span>' in page
    assert "rekruttering" not in page.split("<main", 1)[0]
    assert "navbar-toggler" not in page
    assert "Vi lagrer navnet ditt" in page
    assert f'href="/s/{code}/privacy?lang=nb"' in page
    arabic = client.get(f"/s/{code}?lang=ar").get_data(as_text=True)
    assert NOTICE_TEXTS["ar"]["link"] in arabic


def test_the_privacy_page_says_what_why_how_long_and_how_to_withdraw(
    client: Any, setup: dict[str, Any]
) -> None:
    code = setup["source"].code
    page = client.get(f"/s/{code}/privacy?lang=nb").get_data(as_text=True)
    for words in ("Hva vi lagrer", "Hvorfor", "Hvor lenge", "STOPP", "24 måneder"):
        assert words in page, words
    arabic = client.get(f"/s/{code}/privacy?lang=ar")
    assert arabic.status_code == 200 and "What we store" in arabic.get_data(as_text=True)
    assert client.get("/s/nosuchcode/privacy").status_code == 404


def test_the_poster_is_staff_only(
    client: Any, login: Any, make: Any, setup: dict[str, Any]
) -> None:
    url = f"/sources/{setup['source'].id}/poster"
    assert client.get(url).status_code == 302  # to the login page
    partner = make.partner(centres=[setup["centre"]])
    login(make.user(setup["centre"], role=UserRole.PARTNER, partner=partner))
    assert client.get(url).status_code == 403
