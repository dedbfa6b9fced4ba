"""The status of a referral, derived from the funnel in SQL (what a partner sees).

Nobody has to remember to update a referral: the status is computed from what the
staff recorded after the referral, in one expression that a list query selects (no
query per row). It also honours what is stored on the referral (the staff's "not
reached" mark, and the status outreach.service.log_contact sets when a contact names
the referral). In order of precedence:

* **came**: an attendance, a "showed up" contact, or an enrolment that reached
  "showed up" after the referral;
* **declined**: a "said no" contact or an enrolment marked declined after the referral;
* **not reached**: the staff's mark on the referral;
* **contacted**: a contact logged after the referral by anyone but a partner (staff,
  or an import with no user);
* **received**: none of these yet.

"After the referral" means a later time, or, for contacts, a contact logged after the
referral's own "heard of it" contact (a larger id): staff often date a contact to the
start of the day, which may be earlier than the referral that morning.

Here, in the funnel building blocks, because two features read it: partners (the
status list) and outreach (the follow-up queue's new referrals); the words for each
status are the partners feature's (partners/status.py).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from rekruttering.domain.funnel import Outcome
from rekruttering.models import Attendance, Contact, Enrolment, Referral, ReferralStatus, User


def _intake_contact_id() -> Any:
    """The id of the referral's own 'heard of it' contact (the partner's)."""
    intake = aliased(Contact)
    return (
        select(func.min(intake.id))
        .where(intake.referral_id == Referral.id)
        .correlate(Referral)
        .scalar_subquery()
    )


def _contact_after(*conditions: Any, by_staff: bool = False) -> ColumnElement[bool]:
    intake_id = _intake_contact_id()
    later = and_(
        or_(Contact.occurred_at >= Referral.created_at, Contact.id > intake_id),
        Contact.id != func.coalesce(intake_id, -1),  # the partner's own intake contact
    )
    query = select(Contact.id).where(Contact.person_id == Referral.person_id, later, *conditions)
    if by_staff:
        # Anyone but a partner: staff, or the centre's own tools (imports) with no user.
        partner_user = exists(
            select(User.id).where(User.id == Contact.by_user_id, User.partner_id.is_not(None))
        )
        query = query.where(~partner_user)
    return exists(query.correlate(Referral))


def _since_referral(model: Any, person_column: Any, time_column: Any) -> ColumnElement[bool]:
    """A row of ``model`` about the referred person, timed at or after the referral."""
    return exists(
        select(model.id)
        .where(person_column == Referral.person_id, time_column >= Referral.created_at)
        .correlate(Referral)
    )


def came_condition() -> ColumnElement[bool]:
    return or_(
        _since_referral(Attendance, Attendance.person_id, Attendance.checked_in_at),
        _since_referral(Enrolment, Enrolment.person_id, Enrolment.showed_up_at),
        _contact_after(Contact.outcome == Outcome.SHOWED_UP),
    )


def declined_condition() -> ColumnElement[bool]:
    return or_(
        _since_referral(Enrolment, Enrolment.person_id, Enrolment.declined_at),
        _contact_after(Contact.outcome == Outcome.DECLINED),
    )


def contacted_condition() -> ColumnElement[bool]:
    return _contact_after(by_staff=True)


def status_case() -> ColumnElement[str]:
    """Each referral's status value, as a SQL CASE (unlabelled, for WHERE and GROUP BY)."""
    stored = Referral.status
    return case(
        (or_(stored == ReferralStatus.CAME, came_condition()), ReferralStatus.CAME.value),
        (
            or_(stored == ReferralStatus.DECLINED, declined_condition()),
            ReferralStatus.DECLINED.value,
        ),
        (stored == ReferralStatus.NOT_REACHED, ReferralStatus.NOT_REACHED.value),
        (
            or_(stored == ReferralStatus.CONTACTED, contacted_condition()),
            ReferralStatus.CONTACTED.value,
        ),
        else_=ReferralStatus.RECEIVED.value,
    )


def status_expression() -> ColumnElement[str]:
    """``status_case()`` labelled ``effective_status`` (select it next to Referral)."""
    return status_case().label("effective_status")


@functools.cache
def newly_referred_condition() -> ColumnElement[bool]:
    """True for a referral nobody has acted on yet (for the staff's follow-up queue).

    Built once: it has no parameters, and building its nine subqueries took ~10 ms of
    every follow-up page (docs/performance.md)."""
    return and_(
        Referral.status == ReferralStatus.RECEIVED,
        ~came_condition(),
        ~declined_condition(),
        ~contacted_condition(),
    )
