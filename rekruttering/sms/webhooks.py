"""Twilio's webhooks: POST /sms/status and POST /sms/inbound.

Public (Twilio has no login) but every request must carry a valid
``X-Twilio-Signature`` (403 otherwise), and CSRF-exempt (Twilio cannot send our token;
the signature is the proof). Both are idempotent: Twilio retries, and the same
callback twice changes nothing.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, Response, abort, request
from twilio.twiml.messaging_response import MessagingResponse

from rekruttering.access import PUBLIC, allow
from rekruttering.config import current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.domain.sms_keywords import ReplyKind
from rekruttering.extensions import db
from rekruttering.sms.delivery import apply_status
from rekruttering.sms.inbound import receive
from rekruttering.sms.receiving_centre import receiving_centre_id
from rekruttering.sms.signature import is_from_twilio
from rekruttering.sms.twilio_gateway import INBOUND_PATH, STATUS_PATH
from rekruttering.transaction import transaction

log = logging.getLogger(__name__)

bp = Blueprint("sms_webhooks", __name__)

#: Our confirmation for the Norwegian stop words, which Twilio does not answer itself.
OPT_OUT_CONFIRMATION = "Du får ikke flere SMS fra oss. Send START for å få SMS igjen."


def _require_signature() -> None:
    if not is_from_twilio(request, current_settings()):
        log.warning("webhook %s refused: missing or wrong Twilio signature", request.path)
        abort(403)


def _twiml(response: MessagingResponse | None = None) -> Response:
    return Response(str(response or MessagingResponse()), mimetype="text/xml")


@bp.route(STATUS_PATH, methods=["POST"])
@allow(PUBLIC)
def status() -> Response:
    _require_signature()
    try:
        message_id: int | None = int(request.args["m"])
    except (KeyError, ValueError):
        message_id = None
    try:
        with transaction():
            outcome = apply_status(
                message_id=message_id,
                sid=request.form.get("MessageSid", "") or request.form.get("SmsSid", ""),
                status=request.form.get("MessageStatus", "") or request.form.get("SmsStatus", ""),
                error_code=request.form.get("ErrorCode") or None,
                now=utcnow(),
                settings=current_settings(),
            )
    except sa.exc.IntegrityError:
        outcome = "duplicate"  # a concurrent copy of this callback got there first
    log.debug("status callback: %s", outcome)
    return Response(status=204)


@bp.route(INBOUND_PATH, methods=["POST"])
@allow(PUBLIC)
def inbound() -> Response:
    _require_signature()
    try:
        with transaction():
            to_number = request.form.get("To", "")
            result = receive(
                sid=request.form.get("MessageSid", "") or request.form.get("SmsSid", ""),
                from_number=request.form.get("From", ""),
                to_number=to_number,
                body=request.form.get("Body", ""),
                now=utcnow(),
                receiving_centre_id=receiving_centre_id(
                    current_settings().sms.inbound_centres,
                    to_number,
                    request.form.get("MessagingServiceSid", ""),
                ),
            )
    except sa.exc.IntegrityError:
        db.session.rollback()
        return _twiml()  # the same message, delivered twice at once: filed already
    response = MessagingResponse()
    if (
        not result.duplicate
        and result.reply.kind is ReplyKind.OPT_OUT
        and not result.reply.answered_by_provider
    ):
        response.message(OPT_OUT_CONFIRMATION)
    return _twiml(response)
