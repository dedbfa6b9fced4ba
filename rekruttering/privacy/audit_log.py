"""Reading the audit log: what an admin of one centre may search.

An admin sees the centre's own entries, and the logins of the centre's users (a
login belongs to no centre yet, so it is matched through the user's membership).
Failed logins for unknown addresses belong to no centre and are left to operators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from rekruttering.domain.clock import oslo_day_bounds
from rekruttering.extensions import db
from rekruttering.models import AuditEvent, Membership, User

#: Actions in words: the log is read by a manager, not a developer. Every action the
#: code records has a label here (tests/test_privacy_audit.py reads the code to check).
ACTION_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "login_locked": _l("Login while locked"),
    "logout": _l("Logged out"),
    "logged_out_everywhere": _l("Logged out everywhere"),
    "user_created": _l("User created"),
    "user_unlocked": _l("User unlocked"),
    "installation_admin_created": _l("Installation admin created"),
    "account_updated": _l("Own account changed"),
    "password_changed": _l("Password changed"),
    "password_link_made": _l("Password link made"),
    "password_reset_requested": _l("New password asked for"),
    "password_reset": _l("Password set from a link"),
    "staff_invited": _l("Colleague invited"),
    "staff_reinvited": _l("Colleague invited again"),
    "staff_role_changed": _l("Colleague's role changed"),
    "staff_deactivated": _l("Colleague's account closed"),
    "staff_reactivated": _l("Colleague's account opened again"),
    "invitation_accepted": _l("Invitation accepted"),
    "centre_created": _l("Centre created"),
    "centre_admin_invited": _l("Centre manager invited"),
    "centre_settings_changed": _l("Centre settings changed"),
    "municipality_user_invited": _l("Municipality user invited"),
    "municipality_centres_changed": _l("Municipality's centres changed"),
    "channel_added": _l("Channel added"),
    "channel_renamed": _l("Channel renamed"),
    "channel_retired": _l("Channel retired"),
    "channel_reinstated": _l("Channel taken back into use"),
    "channel_merged": _l("Channels merged"),
    "channel_sources_moved": _l("QR codes moved to another channel"),
    "door_tablet_created": _l("Door tablet added"),
    "door_tablet_link": _l("Door tablet link made"),
    "door_tablet_paired": _l("Door tablet paired"),
    "door_tablet_revoked": _l("Door tablet revoked"),
    "person_viewed": _l("Viewed a person"),
    "person_changed": _l("Changed a person"),
    "person_created": _l("Person added"),
    "person_updated": _l("Person edited"),
    "person_merged": _l("People merged"),
    "person_merged_away": _l("Merged into another person"),
    "person_kept_apart": _l("Kept apart (not the same person)"),
    "person_exported": _l("Data handed out (access)"),
    "person_erased": _l("Erased on request"),
    "retention_anonymised": _l("Anonymised (retention)"),
    "consent_given": _l("Consent given"),
    "consent_withdrawn": _l("Consent withdrawn"),
    "signup": _l("Signed up (QR code)"),
    "source_created": _l("QR code made"),
    "source_updated": _l("QR code changed"),
    "source_activated": _l("QR code switched on"),
    "source_deactivated": _l("QR code switched off"),
    "import": _l("Spreadsheet imported"),
    "referral_created": _l("Referral made"),
    "referral_marked": _l("Referral status set"),
    "partner_created": _l("Partner added"),
    "partner_updated": _l("Partner changed"),
    "partner_unlinked": _l("Partner no longer works with the centre"),
    "partner_link_requested": _l("Partner link asked for"),
    "partner_link_accepted": _l("Partner link accepted"),
    "partner_link_declined": _l("Partner link declined"),
    "partner_link_cancelled": _l("Partner link request withdrawn"),
    "partner_user_invited": _l("Partner user invited"),
    "partner_user_reinvited": _l("Partner user invited again"),
    "partner_user_deactivated": _l("Partner user's account closed"),
    "reminders.schedule": _l("Reminders planned"),
    "reminders.decide": _l("Reminder decided"),
    "reminders.cancel": _l("Reminder cancelled"),
    "reminders.test_sent": _l("Test SMS sent to oneself"),
    "sms.opt_in": _l("Said yes to SMS"),
    "sms.opt_out": _l("Said no to SMS"),
    "sms.textable": _l("SMS permission set"),
    "activity_texts_saved": _l("Programme texts of an activity saved"),
    "programme_print_run": _l("Programme printed"),
    "programme_published": _l("Programme published"),
    "programme_unpublished": _l("Programme taken down"),
    "api_token_created": _l("API token made"),
    "api_token_revoked": _l("API token revoked"),
    "api_person_created": _l("Person added through the API"),
    "api_contact_logged": _l("Contact logged through the API"),
}


def action_label(action: str) -> str:
    """The action in words; an unknown code (an old entry) as "Other (code)"."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else str(_l("Other (%(code)s)", code=action))


_IMPORT_DETAIL = re.compile(
    r"^(?P<rows>\d+) rows, (?P<people>\d+) new people, (?P<contacts>\d+) contacts"
    r"(?:, (?P<skipped>\d+) rows skipped)?$"
)


def detail_text(action: str, detail: str) -> str:
    """An entry's detail for the reader: the import's counts in the reader's language."""
    if action == "import":
        match = _IMPORT_DETAIL.match(detail or "")
        if match:
            counts = {k: int(v or 0) for k, v in match.groupdict().items()}
            text = str(
                _l(
                    "%(rows)d rows, %(people)d new people, %(contacts)d contacts",
                    rows=counts["rows"],
                    people=counts["people"],
                    contacts=counts["contacts"],
                )
            )
            if counts["skipped"]:
                text += ", " + str(_l("%(num)d rows skipped", num=counts["skipped"]))
            return text
    return detail or ""


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    user_id: int | None = None
    person_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def centre_users(centre_id: int) -> sa.Select:
    return sa.select(Membership.user_id).where(Membership.centre_id == centre_id)


def audit_query(centre_id: int, flt: AuditFilter) -> sa.Select:
    """The entries an admin of ``centre_id`` may see, filtered, newest first."""
    query = sa.select(AuditEvent).where(
        sa.or_(
            AuditEvent.centre_id == centre_id,
            sa.and_(
                AuditEvent.centre_id.is_(None), AuditEvent.user_id.in_(centre_users(centre_id))
            ),
        )
    )
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.user_id is not None:
        query = query.where(AuditEvent.user_id == flt.user_id)
    if flt.person_id is not None:
        query = query.where(AuditEvent.person_id == flt.person_id)
    if flt.date_from is not None:
        query = query.where(AuditEvent.at >= oslo_day_bounds(flt.date_from)[0])
    if flt.date_to is not None:
        query = query.where(AuditEvent.at < oslo_day_bounds(flt.date_to)[1])
    return query.options(joinedload(AuditEvent.user)).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc()
    )


def known_actions(centre_id: int) -> list[str]:
    """The actions that occur in the centre's log (for the filter's choices)."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(
                sa.or_(
                    AuditEvent.centre_id == centre_id,
                    sa.and_(
                        AuditEvent.centre_id.is_(None),
                        AuditEvent.user_id.in_(centre_users(centre_id)),
                    ),
                )
            )
            .distinct()
            .order_by(AuditEvent.action)
        )
    )


def centre_user_choices(centre_id: int) -> list[tuple[int, str]]:
    return [
        (u.id, u.name)
        for u in db.session.scalars(
            sa.select(User).where(User.id.in_(centre_users(centre_id))).order_by(User.name)
        )
    ]
