"""The JSON API under /api/v1: people, contacts, channels, activities, sessions.

Thin like the pages: read and check the input, call the same services the pages
call (create_person, log_contact, the people search), answer JSON. Every view is
``@allow(PUBLIC)`` to the page access rules, because it does not use the session at
all, and ``@token_required``: the bearer token decides who and which centre.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, g, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import audit, tenancy
from rekruttering.access import PUBLIC, allow
from rekruttering.api import serialize
from rekruttering.api.auth import forget_token_user, token_required
from rekruttering.api.errors import ApiError, register_handlers
from rekruttering.api.openapi import openapi_document
from rekruttering.api.queries import activities_of, channels_of, enrolments_of
from rekruttering.api.validation import MAX_PAGE, MAX_PER_PAGE, Reader, json_body, query_args
from rekruttering.channels.service import KINDS_BY_HAND, add_channel
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_day_bounds
from rekruttering.domain.funnel import Outcome, Role
from rekruttering.errors import NotFound
from rekruttering.models import Activity, Channel, ChannelKind, Person, Session, UserRole
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.pages import paginate
from rekruttering.people.search import PeopleFilter, people_query
from rekruttering.people.service import DuplicatePhone, create_person
from rekruttering.transaction import transaction

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.teardown_request(forget_token_user)
register_handlers(bp)

#: Ids in URLs stop at the largest 32-bit integer: larger ones are simply not found.
ID = "int(max=2147483647)"

PERSON_FIELDS = {"first_name", "last_name", "phone", "language", "target_group", "recruited_by_id"}
#: Query parameters each list accepts (the OpenAPI test checks the document says so).
PEOPLE_QUERY = {"q", "page", "per_page"}
ACTIVITIES_QUERY: set[str] = set()
CHANNELS_QUERY: set[str] = set()
CHANNEL_FIELDS = {"name", "kind", "note"}
SESSIONS_QUERY = {"from", "to", "page", "per_page"}

CONTACT_FIELDS = {
    "person_id",
    "outcome",
    "activity_id",
    "channel_id",
    "role",
    "occurred_at",
    "note",
    "follow_up_on",
    "recruited_by_id",
    "idempotency_key",
}


def _paging(args: Reader) -> tuple[int, int]:
    default = min(current_settings().app.page_size, MAX_PER_PAGE)
    page = args.number("page", 1, 1, MAX_PAGE)
    per_page = args.number("per_page", default, 1, MAX_PER_PAGE)
    return page, per_page


def _exists(reader: Reader, model: type, name: str, ident: int | None, centre_id: int) -> None:
    """A referenced id must name an object of this centre: else a field error, not a 404."""
    if ident is None:
        return
    try:
        tenancy.fetch(model, ident, centre_id)
    except NotFound:
        reader.fail(name, _("No such item in this centre."))


@bp.route("/openapi.json")
@allow(PUBLIC)
def openapi() -> Response:
    """The OpenAPI 3 description of this API (public: it holds no data)."""
    return jsonify(openapi_document())


@bp.route("/people")
@allow(PUBLIC)
@token_required
def people() -> Response:
    args = query_args()
    q = args.text("q", 100) or ""
    page, per_page = _paging(args)
    args.done(PEOPLE_QUERY)
    query = people_query(
        tenancy.current_centre_id(), PeopleFilter(q=q, sort="name"), with_enrolments=False
    )
    result = paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return jsonify(serialize.page([serialize.person(p) for p in result.items], result))


@bp.route(f"/people/<{ID}:person_id>")
@allow(PUBLIC)
@token_required
def person(person_id: int) -> Response:
    found = tenancy.get_or_404(Person, person_id)
    return jsonify(serialize.person_detail(found, enrolments_of(found.id)))


@bp.route("/people", methods=["POST"])
@allow(PUBLIC)
@token_required
def create_person_view() -> tuple[Response, int]:
    centre_id = tenancy.current_centre_id()
    body = Reader(json_body())
    values: dict[str, Any] = {
        "first_name": body.text("first_name", 80, required=True),
        "last_name": body.text("last_name", 80) or "",
        "phone": body.text("phone", 40),
        "language": body.text("language", 10) or "nb",
        "target_group": body.text("target_group", 40),
        "recruited_by_id": body.identifier("recruited_by_id"),
    }
    _exists(body, Person, "recruited_by_id", values["recruited_by_id"], centre_id)
    body.done(PERSON_FIELDS)
    try:
        with transaction():
            created = create_person(centre_id, **values)
            audit.record("api_person_created", person_id=created.id, detail="api")
    except DuplicatePhone as exc:
        raise ApiError(
            409, exc.message, {"phone": exc.message}, existing_person_id=exc.existing.id
        ) from None
    response = jsonify(serialize.person(created))
    response.headers["Location"] = url_for("api.person", person_id=created.id)
    return response, 201


@bp.route("/contacts", methods=["POST"])
@allow(PUBLIC)
@token_required
def create_contact() -> tuple[Response, int]:
    centre_id = tenancy.current_centre_id()
    body = Reader(json_body())
    person_id = body.identifier("person_id", required=True)
    outcome = body.choice("outcome", Outcome, required=True)
    activity_id = body.identifier("activity_id")
    channel_id = body.identifier("channel_id")
    role = body.choice("role", Role) or Role.PARTICIPANT
    occurred_at = body.moment("occurred_at")
    note = body.text("note", 2000) or ""
    follow_up_on = body.day("follow_up_on")
    recruited_by_id = body.identifier("recruited_by_id")
    key = body.text("idempotency_key", 64)
    _exists(body, Person, "person_id", person_id, centre_id)
    _exists(body, Activity, "activity_id", activity_id, centre_id)
    _exists(body, Channel, "channel_id", channel_id, centre_id)
    _exists(body, Person, "recruited_by_id", recruited_by_id, centre_id)
    body.done(CONTACT_FIELDS)
    assert person_id is not None and outcome is not None  # done() raised otherwise
    with transaction():
        contact = log_contact(
            centre_id,
            ContactInput(
                person_id=person_id,
                outcome=outcome,
                activity_id=activity_id,
                channel_id=channel_id,
                role=role,
                occurred_at=occurred_at,
                by_user_id=current_user.id,
                note=note,
                follow_up_on=follow_up_on,
                recruited_by_id=recruited_by_id,
                form_token=_form_token(centre_id, current_user.id, key),
            ),
        )
        audit.record("api_contact_logged", person_id=person_id, detail=f"contact {contact.id}")
    return jsonify(serialize.contact(contact)), 201


def _form_token(centre_id: int, user_id: int, key: str | None) -> str | None:
    """The client's idempotency key, made unique per centre and user (the column is
    unique across the installation, and one client's key must not match another's)."""
    if not key:
        return None
    return "api-" + hashlib.sha256(f"{centre_id}:{user_id}:{key}".encode()).hexdigest()[:60]


@bp.route("/channels")
@allow(PUBLIC)
@token_required
def channels() -> Response:
    """The centre's channels (retired ones too, with ``active`` false): the ids
    POST /contacts takes as ``channel_id``."""
    args = query_args()
    args.done(CHANNELS_QUERY)
    found = channels_of(tenancy.current_centre_id())
    return jsonify({"items": [serialize.channel(c) for c in found]})


@bp.route("/channels", methods=["POST"])
@allow(PUBLIC)
@token_required
def create_channel() -> tuple[Response, int]:
    """Add a channel: only with the token of one of the centre's admins."""
    if g.get("role") != UserRole.ADMIN:
        raise ApiError(403, _("Only the centre's admin can add channels."))
    centre_id = tenancy.current_centre_id()
    body = Reader(json_body())
    name = body.text("name", 120, required=True)
    kind = body.choice("kind", ChannelKind, required=True)
    note = body.text("note", 500) or ""
    if kind is not None and kind not in KINDS_BY_HAND:
        body.fail(
            "kind", _("Partner channels are made by adding a partner (Partners and sign-up).")
        )
    body.done(CHANNEL_FIELDS)
    assert name is not None and kind is not None  # done() raised otherwise
    with transaction():
        channel = add_channel(centre_id, name, kind, note)
    return jsonify(serialize.channel(channel)), 201


@bp.route("/activities")
@allow(PUBLIC)
@token_required
def activities() -> Response:
    args = query_args()
    args.done(ACTIVITIES_QUERY)
    found = activities_of(tenancy.current_centre_id())
    return jsonify({"items": [serialize.activity(a) for a in found]})


@bp.route(f"/activities/<{ID}:activity_id>/sessions")
@allow(PUBLIC)
@token_required
def sessions(activity_id: int) -> Response:
    found = tenancy.get_or_404(Activity, activity_id)
    args = query_args()
    start = args.day("from")
    end = args.day("to")
    page, per_page = _paging(args)
    if start and end and end < start:
        args.fail("to", _("Must not be before 'from'."))
    args.done(SESSIONS_QUERY)
    query = tenancy.scoped(Session).where(Session.activity_id == found.id)
    if start is not None:
        query = query.where(Session.starts_at >= oslo_day_bounds(start)[0])
    if end is not None:
        query = query.where(Session.starts_at < oslo_day_bounds(end)[1])
    query = query.order_by(Session.starts_at, Session.id)
    result = paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return jsonify(serialize.page([serialize.session(s) for s in result.items], result))
