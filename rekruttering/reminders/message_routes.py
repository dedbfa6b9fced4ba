"""Message pages: the outbox, texts from unknown senders, a person's messages and
SMS status (opt out, opt in, able to take SMS)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import ADMIN, STAFF, allow
from rekruttering.config import current_settings
from rekruttering.extensions import db
from rekruttering.models import Direction, Message, Person, Reminder, Session
from rekruttering.reminders import service
from rekruttering.reminders.blueprint import _page, bp
from rekruttering.reminders.eligibility import why_not_textable
from rekruttering.reminders.outbox import scheduled_reminders
from rekruttering.transaction import transaction

# --- outbox and unknown senders -------------------------------------------------------


@bp.route("/outbox")
@allow(*STAFF)
def outbox() -> str:
    query = (
        tenancy.scoped(Message)
        .where(Message.gateway == "outbox", Message.direction == Direction.OUTBOUND)
        .options(joinedload(Message.person))
        .order_by(Message.created_at.desc(), Message.id.desc())
    )
    page = db.paginate(query, page=_page(), per_page=current_settings()["app.page_size"])
    scheduled, scheduled_total = scheduled_reminders(tenancy.current_centre_id())
    return render_template(
        "reminders/outbox.html",
        page=page,
        gateway=current_settings()["sms.gateway"],
        scheduled=scheduled,
        scheduled_total=scheduled_total,
    )


def _unknown_senders() -> sa.Select:
    """Texts from unknown numbers received on this centre's number (sms.inbound_centres).

    Texts to a number no centre owns are for the installation's operator only
    (``rekruttering unknown-senders``), never for every centre's admins.
    """
    return tenancy.scoped(Message).where(
        Message.person_id.is_(None), Message.direction == Direction.INBOUND
    )


@bp.route("/unknown-senders")
@allow(*ADMIN)
def unknown_senders() -> str:
    query = _unknown_senders().order_by(Message.created_at.desc(), Message.id.desc())
    page = db.paginate(query, page=_page(), per_page=current_settings()["app.page_size"])
    return render_template("reminders/unknown_senders.html", page=page)


@bp.route("/unknown-senders/<int:message_id>/delete", methods=["POST"])
@allow(*ADMIN)
def delete_unknown(message_id: int) -> Response:
    message = db.session.scalar(_unknown_senders().where(Message.id == message_id))
    if message is None:
        abort(404)
    with transaction():
        db.session.delete(message)
    flash(_("The message is deleted."), "success")
    return redirect(url_for("reminders.unknown_senders"))


# --- a person's messages and SMS status -----------------------------------------------


@bp.route("/people/<int:person_id>")
@allow(*STAFF)
def person_messages(person_id: int) -> str:
    person = tenancy.get_or_404(Person, person_id)
    messages = db.paginate(
        tenancy.scoped(Message)
        .where(Message.person_id == person.id)
        .order_by(Message.created_at.desc(), Message.id.desc()),
        page=_page(),
        per_page=current_settings()["app.page_size"],
    )
    reminders = db.session.scalars(
        tenancy.scoped(Reminder)
        .where(Reminder.person_id == person.id)
        .options(joinedload(Reminder.session).joinedload(Session.activity))
        .order_by(Reminder.due_at.desc(), Reminder.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "reminders/person_messages.html",
        person=person,
        messages=messages,
        reminders=reminders,
        not_textable=why_not_textable(person),
        has_person_page="people.detail" in current_app.view_functions,
    )


def _person_action(person_id: int, action: Any, done: str) -> Response:
    person = tenancy.get_or_404(Person, person_id)
    with transaction():
        action(tenancy.current_centre_id(), person.id)
    flash(done, "success")
    return redirect(url_for("reminders.person_messages", person_id=person.id))


@bp.route("/people/<int:person_id>/opt-out", methods=["POST"])
@allow(*STAFF)
def opt_out(person_id: int) -> Response:
    return _person_action(
        person_id, service.opt_out_by_staff, _("Opted out: no more SMS to this person.")
    )


@bp.route("/people/<int:person_id>/opt-in", methods=["POST"])
@allow(*STAFF)
def opt_in(person_id: int) -> Response:
    return _person_action(person_id, service.opt_in_by_staff, _("Opted in to SMS again."))


@bp.route("/people/<int:person_id>/textable", methods=["POST"])
@allow(*STAFF)
def textable(person_id: int) -> Response:
    return _person_action(
        person_id, service.clear_not_textable, _("The phone is marked as able to take SMS.")
    )
