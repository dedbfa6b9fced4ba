"""Mail: the SMTP gateway against a local fake (never the network), failures recorded."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from rekruttering.config import ConfigError
from rekruttering.extensions import db
from rekruttering.mail import gateway as gateway_module
from rekruttering.mail.service import send_mail
from rekruttering.models import MailMessage
from tests.conftest import make_settings

SMTP_SETTINGS = {
    "mail.gateway": "smtp",
    "mail.smtp_host": "smtp.example.test",
    "mail.smtp_port": 2525,
    "mail.smtp_user": "rekruttering",
    "mail.smtp_password": "secret-from-env",
    "mail.sender": "Borgen <post@borgen.example.test>",
}


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what a real server would have been told."""

    sent: list[Any] = []
    fail = False

    def __init__(self, host: str, port: int, **kwargs: Any) -> None:
        self.calls = [("connect", host, port)]
        if FakeSMTP.fail:
            raise ConnectionRefusedError("no server")

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def starttls(self, context: Any = None) -> None:
        self.calls.append(("starttls",))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user, password))

    def send_message(self, message: Any) -> None:
        FakeSMTP.sent.append((self.calls, message))


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    FakeSMTP.sent = []
    FakeSMTP.fail = False
    monkeypatch.setitem(gateway_module.SMTP_CLASSES, "starttls", FakeSMTP)
    return FakeSMTP


@pytest.mark.settings(**SMTP_SETTINGS)
def test_smtp_sends_with_starttls_and_keeps_only_the_envelope(
    app: Flask, make: Any, fake_smtp: type[FakeSMTP]
) -> None:
    centre = make.centre()
    send_mail("kari@example.test", "Velkommen", "Lenke: https://x/link/hemmelig", centre.id)
    db.session.commit()
    calls, message = fake_smtp.sent[0]
    assert calls == [
        ("connect", "smtp.example.test", 2525),
        ("starttls",),
        ("login", "rekruttering", "secret-from-env"),
    ]
    assert message["To"] == "kari@example.test" and message["From"].startswith("Borgen")
    assert "hemmelig" in message.get_content()
    row = db.session.scalar(select(MailMessage))
    assert row.status == "sent" and row.body == ""  # the link stays out of the database


@pytest.mark.settings(**SMTP_SETTINGS)
def test_a_failed_delivery_is_recorded_not_raised(
    app: Flask, make: Any, fake_smtp: type[FakeSMTP]
) -> None:
    fake_smtp.fail = True
    send_mail("kari@example.test", "Velkommen", "...", None)
    db.session.commit()
    row = db.session.scalar(select(MailMessage))
    assert row.status == "failed" and row.error == "ConnectionRefusedError"


def test_smtp_without_host_stops_start_up(database_url: str) -> None:
    from rekruttering import create_app

    with pytest.raises(ConfigError, match="mail.smtp_host"):
        create_app(make_settings(database_url, **{"mail.gateway": "smtp"}))


def test_smtp_password_comes_from_the_environment() -> None:
    from rekruttering.config import parse_settings

    settings = parse_settings({}, environ={"REKRUTTERING_SMTP_PASSWORD": "pw"})
    assert settings.mail.smtp_password == "pw"
    assert isinstance(smtplib.SMTP, type)
