"""How e-mail leaves the server: the outbox (kept, not sent) or SMTP (the stdlib's smtplib).

The standard library's ``smtplib`` and ``email.message`` speak SMTP with STARTTLS or
TLS and build correct MIME with UTF-8 headers; a Flask wrapper would add a dependency
for the dozen lines below. Tests replace ``SMTP_CLASSES`` with a local fake.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from rekruttering.config import Settings


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str


class MailGateway(Protocol):
    name: str
    #: Whether the message body is kept in the database (only the outbox keeps it).
    keeps_body: bool

    def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail`` or raise OSError / smtplib.SMTPException."""


class OutboxMailGateway:
    """Sends nothing: the stored MailMessage is the outbox an admin reads."""

    name = "outbox"
    keeps_body = True

    def send(self, mail: OutgoingMail) -> None:
        return None


#: The SMTP classes by TLS mode; tests swap in a fake.
SMTP_CLASSES: dict[str, type[smtplib.SMTP]] = {
    "starttls": smtplib.SMTP,
    "none": smtplib.SMTP,
    "ssl": smtplib.SMTP_SSL,
}


@dataclass
class SmtpMailGateway:
    host: str
    port: int
    user: str
    password: str
    tls: str
    sender: str
    timeout: int = 10
    name: str = "smtp"
    keeps_body: bool = False

    def message(self, mail: OutgoingMail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid()
        message.set_content(mail.body)
        return message

    def send(self, mail: OutgoingMail) -> None:
        smtp_class = SMTP_CLASSES[self.tls]
        context = ssl.create_default_context()
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if self.tls == "ssl":
            kwargs["context"] = context
        with smtp_class(self.host, self.port, **kwargs) as smtp:
            if self.tls == "starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(self.message(mail))


def gateway_from_settings(settings: Settings) -> MailGateway | None:
    """The configured gateway, or None when mail is off."""
    kind = settings.mail.gateway
    if kind == "off":
        return None
    if kind == "outbox":
        return OutboxMailGateway()
    return SmtpMailGateway(
        host=settings.mail.smtp_host,
        port=settings.mail.smtp_port,
        user=settings.mail.smtp_user,
        password=settings.mail.smtp_password,
        tls=settings.mail.smtp_tls,
        sender=settings.mail.sender,
        timeout=settings.mail.smtp_timeout_seconds,
    )
