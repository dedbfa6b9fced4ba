"""The API tokens page: staff make and revoke their personal tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import STAFF, allow
from rekruttering.api.forms import RevokeForm, TokenForm
from rekruttering.api.tokens import create_token, revoke_token, tokens_of
from rekruttering.errors import ServiceError
from rekruttering.models import ApiToken, UserRole
from rekruttering.transaction import transaction

bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")


def _is_admin() -> bool:
    return tenancy.current_role() == UserRole.ADMIN


@bp.route("/", methods=["GET", "POST"])
@allow(*STAFF)
def index() -> str | Response:
    centre_id = tenancy.current_centre_id()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            with transaction():
                _row, new_token = create_token(
                    centre_id, current_user.id, form.name.data, int(form.days.data)
                )
        except ServiceError as exc:
            getattr(form, exc.field or "name").errors.append(exc.message)
    tokens = tokens_of(centre_id, None if _is_admin() else current_user.id)
    response = current_app.make_response(
        render_template(
            "api/tokens.html",
            form=form,
            revoke_form=RevokeForm(),
            tokens=tokens,
            new_token=new_token,
            show_owner=_is_admin(),
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the new token is on this page once
    return response


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@allow(*STAFF)
def revoke(token_id: int) -> Response:
    token = tenancy.get_or_404(ApiToken, token_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            with transaction():
                revoke_token(token.centre_id, token.id, current_user.id, _is_admin())
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("api_tokens.index"))
