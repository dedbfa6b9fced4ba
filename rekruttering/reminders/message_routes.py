"""Message pages: the outbox, texts from unknown senders, a person's messages and
SMS status (opt out, opt in, able to take SMS)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import ADMIN, STAFF, allow
from rekruttering.config import current_settings
from rekruttering.models import Person
from rekruttering.pages import paginate
from rekruttering.reminders import queries, service
from rekruttering.reminders.blueprint import _page, bp
from rekruttering.reminders.eligibility import why_not_textable
from rekruttering.reminders.outbox import scheduled_reminders
from rekruttering.transaction import transaction

# --- outbox and unknown senders -------------------------------------------------------


@bp.route("/outbox")
@allow(*STAFF)
def outbox() -> str:
    query = queries.outbox_query(tenancy.current_centre_id())
    page = paginate(query, page=_page(), per_page=current_settings().app.page_size)
    scheduled, scheduled_total = scheduled_reminders(tenancy.current_centre_id())
    return render_template(
        "reminders/outbox.html",
        page=page,
        gateway=current_settings().sms.gateway,
        scheduled=scheduled,
        scheduled_total=scheduled_total,
    )


@bp.route("/unknown-senders")
@allow(*ADMIN)
def unknown_senders() -> str:
    query = queries.unknown_senders_query(tenancy.current_centre_id())
    page = paginate(query, page=_page(), per_page=current_settings().app.page_size)
    return render_template("reminders/unknown_senders.html", page=page)


@bp.route("/unknown-senders/<int:message_id>/delete", methods=["POST"])
@allow(*ADMIN)
def delete_unknown(message_id: int) -> Response:
    with transaction():  # another centre's message: NotFound, answered 404
        service.delete_unknown_sender_message(tenancy.current_centre_id(), message_id)
    flash(_("The message is deleted."), "success")
    return redirect(url_for("reminders.unknown_senders"))


# --- a person's messages and SMS status -----------------------------------------------


@bp.route("/people/<int:person_id>")
@allow(*STAFF)
def person_messages(person_id: int) -> str:
    person = tenancy.get_or_404(Person, person_id)
    messages = paginate(
        queries.messages_of_person_query(person.centre_id, person.id),
        page=_page(),
        per_page=current_settings().app.page_size,
    )
    reminders = queries.latest_reminders_of_person(person.centre_id, person.id, limit=20)
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
