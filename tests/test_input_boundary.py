"""The input boundary: control characters, over-long values and out-of-range numbers
get a 400 that names the field; ids stop at the database's integer; ``next`` stays on
the site; signed Twilio webhooks still pass, and bad signed ones get a 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from rekruttering.extensions import db
from rekruttering.input_boundary import safe_next
from rekruttering.models import Person, UserRole
from tests.sms_fakes import PUBLIC_BASE_URL, TWILIO_SETTINGS
from tests.test_sms_webhooks import _sent_reminder, _signed, _status, post_inbound, post_status

HUGE = "99999999999999999999"


@pytest.fixture
def staff(client: FlaskClient, make: Any, login: Any) -> Any:
    centre = make.centre()
    login(make.user(centre, role=UserRole.ADMIN))
    return centre


@pytest.mark.parametrize(
    "url",
    [
        "/people/?q=a%00b",
        "/people/?language=nb%00",
        "/contacts/new?q=%00",
        f"/people/?activity_id={HUGE}",
        f"/people/?channel_id={HUGE}",
        f"/people/?page={HUGE}",
        f"/referrals?partner_id={HUGE}",
        f"/reminders/?page={HUGE}",
        "/people/?q=" + "x" * 10_000,
    ],
)
def test_bad_query_values_get_400_naming_the_field(
    client: FlaskClient, staff: Any, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 400, url
    field = url.split("?")[1].split("=")[0]
    assert field in response.get_data(as_text=True)


def test_nul_in_a_form_field_is_refused_and_nothing_is_written(
    client: FlaskClient, staff: Any
) -> None:
    response = client.post("/people/new", data={"first_name": "Kari\x00", "language": "nb"})
    assert response.status_code == 400
    assert "first_name" in response.get_data(as_text=True)
    assert db.session.query(Person).count() == 0


def test_notes_keep_their_line_breaks(client: FlaskClient, staff: Any) -> None:
    response = client.post(
        "/people/new", data={"first_name": "Kari", "language": "nb", "note": "a\r\nb\tc"}
    )
    assert response.status_code == 302


def test_ids_in_urls_beyond_the_database_integer_are_not_found(
    client: FlaskClient, staff: Any
) -> None:
    assert client.get(f"/people/{HUGE}").status_code == 404
    assert client.get(f"/people/{2**31}").status_code == 404
    assert client.get(f"/activities/{HUGE}").status_code == 404


def test_json_with_nul_or_huge_number_gets_a_json_400(
    client: FlaskClient, make: Any, staff: Any
) -> None:
    token = make.api_token(staff).plain
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/people", json={"first_name": "Ka\x00ri"}, headers=headers)
    assert response.status_code == 400
    assert "first_name" in response.get_json()["error"]["fields"]
    response = client.post(
        "/api/v1/contacts", json={"person_id": 10**20, "outcome": "heard"}, headers=headers
    )
    assert response.status_code == 400


def test_login_next_with_crlf_is_refused(client: FlaskClient, make: Any) -> None:
    user = make.user(make.centre())
    response = client.post(
        "/login?next=/people/%0d%0aSet-Cookie:%20x=1",
        data={"email": user.email, "password": make.PASSWORD},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "/a\r\nb", "javascript:x"],
)
def test_safe_next_keeps_redirects_on_the_site(target: str) -> None:
    assert safe_next(target, "/home") == "/home"
    assert safe_next("/people/?q=a", "/home") == "/people/?q=a"


# --- signed webhooks ------------------------------------------------------------------


@pytest.mark.settings(**TWILIO_SETTINGS)
def test_a_valid_signed_webhook_still_passes(client: FlaskClient, make: Any) -> None:
    _reminder, message = _sent_reminder(make)
    response = post_status(client, message.id, _status(message.provider_sid, "delivered"))
    assert response.status_code == 204
    reply = {
        "MessageSid": "SM" + "b" * 32,
        "From": "+4791234567",
        "To": "+4790000000",
        "Body": "Ja\nkommer",
    }
    assert post_inbound(client, reply).status_code == 200


@pytest.mark.settings(**TWILIO_SETTINGS)
@pytest.mark.parametrize(
    "params",
    [
        {
            "MessageSid": "SM" + "c" * 32,
            "From": "+4791234567",
            "To": "+4790000000",
            "Body": "Ja\x00",
        },
        {"MessageSid": "SM" + "d" * 298, "From": "+4791234567", "To": "+4790000000", "Body": "Ja"},
    ],
)
def test_signed_inbound_with_bad_values_gets_4xx(
    client: FlaskClient, make: Any, params: dict[str, str]
) -> None:
    response = post_inbound(client, params)
    assert 400 <= response.status_code < 500


@pytest.mark.settings(**TWILIO_SETTINGS)
def test_signed_status_with_huge_message_id_gets_4xx(client: FlaskClient, make: Any) -> None:
    params = _status("SM" + "e" * 32, "delivered")
    path = f"/sms/status?m={HUGE}"
    response = client.post(path, data=params, headers=_signed(PUBLIC_BASE_URL + path, params))
    assert 400 <= response.status_code < 500
    params = _status("SM" + "f" * 298, "delivered")
    response = post_status(client, 1, params)
    assert 400 <= response.status_code < 500
