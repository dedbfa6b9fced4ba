"""Send a mail and keep a record of it; read the stored mail. Never commits."""

from __future__ import annotations

import logging
import smtplib

from flask import current_app
from sqlalchemy import Select, select

from rekruttering.config import current_settings
from rekruttering.extensions import db
from rekruttering.mail.gateway import MailGateway, OutgoingMail, gateway_from_settings
from rekruttering.models import MailMessage

log = logging.getLogger(__name__)

STORED, SENT, FAILED = "stored", "sent", "failed"


def mail_gateway() -> MailGateway | None:
    """The app's gateway (tests may put their own in ``app.extensions``)."""
    override = current_app.extensions.get("rekruttering.mail_gateway")
    if override is not None:
        return override
    return gateway_from_settings(current_settings())


def mail_enabled() -> bool:
    """Whether the installation sends (or at least stores) mail."""
    return mail_gateway() is not None


def send_mail(to: str, subject: str, body: str, centre_id: int | None) -> MailMessage | None:
    """Send ``body`` to ``to`` and record it; None when mail is off.

    ``centre_id`` says whose admins may read the record (None: the installation admin
    only). A failed SMTP delivery is recorded as failed, not raised: the caller shows
    the link on screen anyway, and "Forgot password?" answers the same either way.
    """
    gateway = mail_gateway()
    if gateway is None:
        return None
    record = MailMessage(
        centre_id=centre_id,
        to_address=to,
        subject=subject[:200],
        body=body if gateway.keeps_body else "",
        status=STORED if gateway.name == "outbox" else SENT,
        error="",
    )
    try:
        gateway.send(OutgoingMail(to=to, subject=subject, body=body))
    except (OSError, smtplib.SMTPException) as exc:
        record.status = FAILED
        record.error = type(exc).__name__[:200]
        log.warning("mail %r could not be sent: %s", subject, type(exc).__name__)
    db.session.add(record)
    db.session.flush()
    return record


def stored_mail(centre_id: int | None) -> Select[tuple[MailMessage]]:
    """Newest first: a centre's mail, or (None) every mail of the installation."""
    query = select(MailMessage).order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
    if centre_id is not None:
        query = query.where(MailMessage.centre_id == centre_id)
    return query
