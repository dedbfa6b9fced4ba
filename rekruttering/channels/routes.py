"""The channels page (staff read it; the admin adds, renames, retires and merges)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import ADMIN, STAFF, allow
from rekruttering.channels import service
from rekruttering.channels.forms import (
    KIND_LABELS,
    ChannelForm,
    MergeForm,
    RetireForm,
    kind_choices,
)
from rekruttering.config import current_settings
from rekruttering.errors import ServiceError
from rekruttering.models import Channel, ChannelKind, UserRole
from rekruttering.pages import paginate
from rekruttering.transaction import transaction

bp = Blueprint("channels", __name__, url_prefix="/channels")


def _form_error(form: Any, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


def _channel(channel_id: int) -> Channel:
    """A channel of this centre; a merged one is gone for every page but the merge."""
    channel = tenancy.get_or_404(Channel, channel_id)
    if channel.merged_into_id is not None:
        abort(404)
    return channel


@bp.route("/")
@allow(*STAFF)
def index() -> str:
    centre_id = tenancy.current_centre_id()
    retired = request.args.get("retired") == "1"
    page = paginate(
        service.channels_query(centre_id, retired=retired),
        page=request.args.get("page", 1, type=int) or 1,
        per_page=current_settings().app.page_size,
        error_out=False,
    )
    retired_count = service.count_channels(centre_id, retired=True)
    return render_template(
        "channels/index.html",
        page=page,
        retired=retired,
        retired_count=retired_count,
        heard=service.heard_counts(centre_id),
        kind_labels=KIND_LABELS,
        is_admin=g.get("role") == UserRole.ADMIN,
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(*ADMIN)
def new() -> str | Response:
    form = ChannelForm()
    form.kind.choices = kind_choices()
    if form.validate_on_submit():
        try:
            with transaction():
                channel = service.add_channel(
                    tenancy.current_centre_id(), form.name.data, form.kind.data, form.note.data
                )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            flash(_("The channel %(name)s is added.", name=channel.name), "success")
            return redirect(url_for(".index"))
    return render_template("channels/form.html", form=form, channel=None)


@bp.route("/<int:channel_id>/edit", methods=["GET", "POST"])
@allow(*ADMIN)
def edit(channel_id: int) -> str | Response:
    channel = _channel(channel_id)
    form = ChannelForm(obj=channel)
    partner_channel = channel.kind == ChannelKind.PARTNER
    if partner_channel:
        del form.kind  # a partner's channel keeps its kind
    else:
        form.kind.choices = kind_choices()
        if request.method == "GET":
            form.kind.data = channel.kind.value
    if form.validate_on_submit():
        try:
            with transaction():
                service.edit_channel(
                    channel.centre_id,
                    channel.id,
                    form.name.data,
                    None if partner_channel else form.kind.data,
                    form.note.data,
                )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".index", retired="1" if not channel.active else None))
    return render_template("channels/form.html", form=form, channel=channel)


def _other_choices(channel: Channel, empty: str) -> list[tuple[Any, str]]:
    others = [c for c in service.active_channels(channel.centre_id) if c.id != channel.id]
    return [("", empty)] + [(c.id, c.name) for c in others]


@bp.route("/<int:channel_id>/retire", methods=["GET", "POST"])
@allow(*ADMIN)
def retire(channel_id: int) -> str | Response:
    channel = _channel(channel_id)
    if not channel.active:
        flash(_("The channel %(name)s is retired.", name=channel.name), "info")
        return redirect(url_for(".index", retired="1"))
    form = RetireForm()
    form.move_to.choices = _other_choices(channel, _("Choose a channel"))
    sources = service.live_sources(channel.centre_id, channel.id)
    if form.validate_on_submit():
        try:
            with transaction():
                service.retire_channel(
                    channel.centre_id, channel.id, form.move_to.data if sources else None
                )
        except ServiceError as exc:
            _form_error(form, exc)
            sources = service.live_sources(channel.centre_id, channel.id)
        else:
            flash(
                _(
                    "The channel %(name)s is retired: gone from the forms, kept in the reports.",
                    name=channel.name,
                ),
                "success",
            )
            return redirect(url_for(".index"))
    return render_template("channels/retire.html", form=form, channel=channel, sources=sources)


@bp.route("/<int:channel_id>/reinstate", methods=["POST"])
@allow(*ADMIN)
def reinstate(channel_id: int) -> Response:
    channel = _channel(channel_id)
    with transaction():
        service.reinstate_channel(channel.centre_id, channel.id)
    flash(_("The channel %(name)s is in use again.", name=channel.name), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:channel_id>/merge", methods=["GET", "POST"])
@allow(*ADMIN)
def merge(channel_id: int) -> str | Response:
    channel = tenancy.get_or_404(Channel, channel_id)
    if channel.merged_into_id is not None:
        # A second click on "Merge": it is done already.
        into = service.find_channel(channel.centre_id, channel.merged_into_id)
        flash(
            _(
                "%(name)s is merged into %(into)s already.",
                name=channel.name,
                into=into.name if into else "?",
            ),
            "info",
        )
        return redirect(url_for(".index"))
    form = MergeForm()
    form.into.choices = _other_choices(channel, _("Choose a channel"))
    counts = service.merge_counts(channel.centre_id, channel.id)
    if form.validate_on_submit():
        try:
            if form.confirm.data == "1":
                with transaction():
                    moved = service.merge_channels(channel.centre_id, channel.id, form.into.data)
                into = service.find_channel(channel.centre_id, form.into.data)
                flash(
                    _(
                        "%(name)s is merged into %(into)s: %(contacts)d contacts and "
                        "%(sources)d QR codes moved.",
                        name=channel.name,
                        into=into.name if into else "",
                        contacts=moved.contacts,
                        sources=moved.sources,
                    ),
                    "success",
                )
                return redirect(url_for(".index"))
            counts = service.merge_counts(channel.centre_id, channel.id, form.into.data)
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            into = service.find_channel(channel.centre_id, form.into.data)
            form.confirm.data = "1"
            return render_template(
                "channels/merge_confirm.html", form=form, channel=channel, into=into, counts=counts
            )
    return render_template("channels/merge.html", form=form, channel=channel, counts=counts)
