"""Issue 12, hole 3: an SMS from an unknown number belongs to the centre whose number
(or messaging service) received it, else to nobody in the web UI; never to every
centre's admins."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from rekruttering.config import ConfigError, parse_settings
from rekruttering.extensions import db
from rekruttering.models import Message, UserRole
from tests.factories import PASSWORD
from tests.sms_fakes import AUTH_TOKEN, PUBLIC_BASE_URL, TWILIO_SETTINGS

BORGEN_NUMBER = "+4722334401"
HEGGEDAL_SERVICE = "MG" + "b" * 32
SETTINGS = TWILIO_SETTINGS | {
    "sms.inbound_centres": {BORGEN_NUMBER: "borgen", HEGGEDAL_SERVICE: "heggedal"}
}

pytestmark = pytest.mark.settings(**TWILIO_SETTINGS)


class FreshClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _client(app: Flask, user: Any) -> FlaskClient:
    client = FreshClient(app, app.response_class, use_cookies=True)
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    return client


def _post(client: FlaskClient, body: str, to: str, sid: str, service: str = "") -> Any:
    params = {"MessageSid": sid, "From": "+4791112233", "To": to, "Body": body}
    if service:
        params["MessagingServiceSid"] = service
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_BASE_URL + "/sms/inbound", params
    )
    return client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def admins(make: Any) -> dict[str, Any]:
    borgen = make.centre("Borgen", slug="borgen")
    heggedal = make.centre("Heggedal", slug="heggedal")
    return {
        "borgen": borgen,
        "heggedal": heggedal,
        "borgen_admin": make.user(borgen, role=UserRole.ADMIN),
        "heggedal_admin": make.user(heggedal, role=UserRole.ADMIN),
    }


@pytest.mark.settings(**SETTINGS)
def test_unknown_sender_is_shown_only_to_the_receiving_centre(
    app: Flask, admins: dict[str, Any]
) -> None:
    """A text from an unknown number to Borgen's number: Borgen's admins see it,
    Heggedal's do not; one to Heggedal's messaging service: the other way round."""
    webhook = app.test_client()
    assert (
        _post(webhook, "Hei Borgen, hvem er dette?", BORGEN_NUMBER, "SM" + "1" * 32).status_code
        == 200
    )
    assert (
        _post(
            webhook, "Hei Heggedal fra ukjent", "+4759449999", "SM" + "2" * 32, HEGGEDAL_SERVICE
        ).status_code
        == 200
    )
    by_body = dict(db.session.execute(sa.select(Message.body, Message.centre_id)).all())
    assert by_body == {
        "Hei Borgen, hvem er dette?": admins["borgen"].id,
        "Hei Heggedal fra ukjent": admins["heggedal"].id,
    }
    borgen = _client(app, admins["borgen_admin"]).get("/reminders/unknown-senders")
    heggedal = _client(app, admins["heggedal_admin"]).get("/reminders/unknown-senders")
    assert "Hei Borgen" in borgen.get_data(as_text=True)
    assert "Hei Heggedal" not in borgen.get_data(as_text=True)
    assert "Hei Heggedal" in heggedal.get_data(as_text=True)
    assert "Hei Borgen" not in heggedal.get_data(as_text=True)


def test_unknown_sender_to_an_unmapped_number_is_shown_to_no_centre(
    app: Flask, admins: dict[str, Any]
) -> None:
    """No centre owns the receiving number: no centre's admin sees or deletes the text;
    it is kept (for the installation's operator, through the CLI)."""
    _post(app.test_client(), "Til et ukjent nummer", "+4759448888", "SM" + "3" * 32)
    stored = db.session.scalar(sa.select(Message))
    assert stored.centre_id is None
    for admin in ("borgen_admin", "heggedal_admin"):
        client = _client(app, admins[admin])
        assert "Til et ukjent nummer" not in client.get("/reminders/unknown-senders").get_data(
            as_text=True
        )
        assert client.post(f"/reminders/unknown-senders/{stored.id}/delete").status_code == 404
    assert db.session.get(Message, stored.id) is not None
    result = app.test_cli_runner().invoke(args=["unknown-senders"])
    assert result.exit_code == 0 and "Til et ukjent nummer" in result.output


def test_inbound_centres_setting_is_checked() -> None:
    """A bad mapping stops start-up with a message naming the key."""
    with pytest.raises(ConfigError, match="sms.inbound_centres"):
        parse_settings({"sms": {"inbound_centres": {"+4722334401": 3}}}, environ={})
    with pytest.raises(ConfigError, match="sms.inbound_centres"):
        parse_settings({"sms": {"inbound_centres": "borgen"}}, environ={})
    settings = parse_settings({"sms": {"inbound_centres": {"+47 22 33 44 01": "borgen"}}})
    assert settings.sms.inbound_centres == {"+4722334401": "borgen"}
