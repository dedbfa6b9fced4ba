"""The account page, staff accounts (admin), invitation and password links, forgot password."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import ADMIN, INSTALLATION, MUNICIPALITY, PARTNER, PUBLIC, STAFF, allow
from rekruttering.accounts import own, recovery, staff
from rekruttering.accounts.forms import (
    AcceptInvitationForm,
    ChoosePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    PasswordChangeForm,
    ProfileForm,
)
from rekruttering.accounts.mails import link_url, mail_invitation
from rekruttering.auth.sessions import end_browser_session, start_session
from rekruttering.config import current_settings
from rekruttering.domain.phone import format_phone
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import limiter
from rekruttering.form_errors import show_error
from rekruttering.mail.service import mail_enabled
from rekruttering.models import LinkPurpose, User
from rekruttering.transaction import transaction

bp = Blueprint("accounts", __name__)

#: Everyone with a person behind the login (door tablets have no account page).
PEOPLE = (*STAFF, *PARTNER, *MUNICIPALITY, *INSTALLATION)


def _rate_limit() -> str:
    return current_settings().security.login_rate_limit


# --- my account -----------------------------------------------------------------------


def _account_page(
    profile: ProfileForm | None = None, password: PasswordChangeForm | None = None
) -> str:
    profile = profile or ProfileForm(
        formdata=None,
        name=current_user.name,
        locale=current_user.locale or "nb",
        phone=format_phone(current_user.phone) if current_user.phone else "",
    )
    return render_template(
        "accounts/account.html",
        profile=profile,
        password=password or PasswordChangeForm(formdata=None),
    )


@bp.route("/account", methods=["GET", "POST"])
@allow(*PEOPLE)
def account() -> str | Response:
    if request.method == "GET":
        return _account_page()
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            with transaction():
                own.update_profile(
                    current_user, form.name.data, form.locale.data, form.phone.data or ""
                )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            session["lang"] = form.locale.data
            flash(_("Saved."), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(profile=form)


@bp.route("/account/password", methods=["POST"])
@allow(*PEOPLE)
@limiter.limit(_rate_limit)
def change_password() -> str | Response:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            with transaction():
                own.change_password(
                    current_user,
                    form.old_password.data,
                    form.password.data,
                    form.password_again.data,
                )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            start_session(current_user._get_current_object())  # this browser stays; others end
            flash(_("Your password is changed. You are logged out everywhere else."), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(password=form)


@bp.route("/account/logout-everywhere", methods=["POST"])
@allow(*PEOPLE)
def logout_everywhere() -> Response:
    with transaction():
        own.log_out_everywhere(current_user)
    end_browser_session()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"))


# --- links: invitation, new password ----------------------------------------------------


@bp.route("/link/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_rate_limit, methods=["POST"])
def use_link(token: str) -> tuple[str, int] | str | Response:
    try:
        link = recovery.usable_link(token)
    except NotFound as exc:
        return render_template("accounts/link_invalid.html", message=exc.message), 410
    invite = link.purpose == LinkPurpose.INVITE
    form = AcceptInvitationForm() if invite else ChoosePasswordForm()
    if request.method == "GET" and invite:
        form.name.data = link.user.name
    if form.validate_on_submit():
        try:
            with transaction():
                user = recovery.use_link(
                    token,
                    form.name.data if invite else None,
                    form.password.data,
                    form.password_again.data,
                )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            start_session(user)
            flash(_("Welcome! Your password is saved."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/use_link.html", form=form, user=link.user, invite=invite)


@bp.route("/forgot-password", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_rate_limit, methods=["POST"])
def forgot_password() -> str:
    form = ForgotPasswordForm()
    enabled = mail_enabled()
    if enabled and form.validate_on_submit():
        hours = current_settings().accounts.reset_link_hours
        with transaction():
            recovery.request_reset(form.email.data, link_url, hours)
        return render_template("accounts/forgot_sent.html", hours=hours)
    return render_template("accounts/forgot.html", form=form, enabled=enabled)


# --- staff accounts (admin) -------------------------------------------------------------


def _member_or_404(user_id: int) -> None:
    try:
        staff.staff_member(tenancy.current_centre_id(), user_id)
    except NotFound:
        abort(404)


@bp.route("/users")
@allow(*ADMIN)
def users() -> str:
    rows = staff.staff_list(tenancy.current_centre_id())
    return render_template("accounts/users.html", rows=rows, mail=mail_enabled())


def _link_page(user: User, link: str, purpose: str, mailed: bool) -> str:
    return render_template(
        "accounts/link.html",
        user=user,
        link=link,
        purpose=purpose,
        mailed=mailed,
        days=current_settings().accounts.invitation_days,
        hours=current_settings().accounts.reset_link_hours,
    )


def _mail_invitation(user: User, token: str) -> bool:
    if not mail_enabled():
        return False
    centre = g.centre
    with transaction():
        mail_invitation(
            user,
            link_url(token),
            centre.name,
            current_settings().accounts.invitation_days,
            centre.id,
        )
    return True


@bp.route("/users/invite", methods=["GET", "POST"])
@allow(*ADMIN)
def invite() -> str | Response:
    form = InviteForm()
    if form.validate_on_submit():
        try:
            with transaction():
                user, token = staff.invite_staff(
                    tenancy.current_centre_id(),
                    form.name.data,
                    form.email.data,
                    form.role.data,
                    current_user.id,
                    current_settings().accounts.invitation_days,
                )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            mailed = _mail_invitation(user, token)
            return _link_page(user, link_url(token), "invite", mailed)
    return render_template("accounts/invite.html", form=form)


@bp.route("/users/<int:user_id>/new-invitation", methods=["POST"])
@allow(*ADMIN)
def new_invitation(user_id: int) -> str | Response:
    _member_or_404(user_id)
    try:
        with transaction():
            user, token = staff.renew_invitation(
                tenancy.current_centre_id(),
                user_id,
                current_user.id,
                current_settings().accounts.invitation_days,
            )
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("accounts.users"))
    mailed = _mail_invitation(user, token)
    return _link_page(user, link_url(token), "invite", mailed)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@allow(*ADMIN)
def change_role(user_id: int) -> Response:
    _member_or_404(user_id)
    try:
        with transaction():
            user = staff.change_role(
                tenancy.current_centre_id(), user_id, request.form.get("role", ""), current_user.id
            )
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("%(name)s's role is changed.", name=user.name), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@allow(*ADMIN)
def deactivate(user_id: int) -> Response:
    _member_or_404(user_id)
    try:
        with transaction():
            user = staff.deactivate(tenancy.current_centre_id(), user_id, current_user.id)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("%(name)s can no longer log in.", name=user.name), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@allow(*ADMIN)
def reactivate(user_id: int) -> Response:
    _member_or_404(user_id)
    with transaction():
        user = staff.reactivate(tenancy.current_centre_id(), user_id, current_user.id)
    flash(_("%(name)s can log in again.", name=user.name), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/password-link", methods=["POST"])
@allow(*ADMIN)
def password_link(user_id: int) -> str | Response:
    _member_or_404(user_id)
    try:
        with transaction():
            user, token = staff.reset_link(
                tenancy.current_centre_id(),
                user_id,
                current_user.id,
                current_settings().accounts.reset_link_hours,
            )
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("accounts.users"))
    return _link_page(user, link_url(token), "reset", False)
