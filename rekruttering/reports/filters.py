"""What a report is about: the filters every report query shares."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import InstrumentedAttribute

from rekruttering.domain.clock import start_of_oslo_day
from rekruttering.domain.funnel import Role
from rekruttering.domain.target_groups import TargetGroup
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Activity, Channel, Enrolment, PartnerCentre
from rekruttering.tenancy import fetch


class Attribution(StrEnum):
    """Which channel a person is counted under."""

    FIRST_HEARD = "first_heard"  # the channel through which they first heard
    ASK = "ask"  # the channel of the personal ask


@dataclass(frozen=True)
class ReportFilter:
    """Filters of the conversion report. ``start``/``end`` are Oslo days, both included.

    The period selects people by the day they first heard of the activity (a cohort):
    what happened to them afterwards is counted whenever it happened.
    """

    activity_id: int | None = None
    role: Role | None = Role.PARTICIPANT
    target_group: str | None = None
    start: date | None = None
    end: date | None = None
    partner_id: int | None = None
    attribution: Attribution = Attribution.FIRST_HEARD

    def but(self, **changes: Any) -> ReportFilter:
        return replace(self, **changes)

    @property
    def start_utc(self) -> datetime | None:
        return start_of_oslo_day(self.start) if self.start else None

    @property
    def end_utc(self) -> datetime | None:
        """The moment after the last day (half-open)."""
        return start_of_oslo_day(self.end + timedelta(days=1)) if self.end else None

    def channel_column(self) -> InstrumentedAttribute[int | None]:
        if self.attribution == Attribution.ASK:
            return Enrolment.ask_channel_id
        return Enrolment.first_channel_id


def heard_moment() -> sa.ColumnElement[datetime]:
    """When the person first heard; an enrolment made without a time counts from its creation."""
    return sa.func.coalesce(Enrolment.heard_at, Enrolment.created_at)


def enrolment_conditions(centre_ids: list[int], f: ReportFilter) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions on Enrolment for ``f`` in the given centres."""
    conditions: list[sa.ColumnElement[bool]] = [
        Enrolment.centre_id.in_(centre_ids)
        if len(centre_ids) != 1
        else Enrolment.centre_id == centre_ids[0]
    ]
    if f.activity_id is not None:
        conditions.append(Enrolment.activity_id == f.activity_id)
    if f.role is not None:
        conditions.append(Enrolment.role == f.role)
    if f.target_group:
        conditions.append(
            Enrolment.activity_id.in_(
                sa.select(Activity.id).where(
                    Activity.centre_id.in_(centre_ids), Activity.target_group == f.target_group
                )
            )
        )
    if f.start_utc is not None:
        conditions.append(heard_moment() >= f.start_utc)
    if f.end_utc is not None:
        conditions.append(heard_moment() < f.end_utc)
    if f.partner_id is not None:
        # Brought by the partner: a referral from it, or first heard through its channel.
        conditions.append(
            sa.or_(
                Enrolment.partner_id == f.partner_id,
                Enrolment.first_channel_id.in_(
                    sa.select(Channel.id).where(
                        Channel.centre_id.in_(centre_ids), Channel.partner_id == f.partner_id
                    )
                ),
            )
        )
    return conditions


def check_filter(centre_ids: list[int], f: ReportFilter) -> ReportFilter:
    """Refuse filters that name another centre's objects or make no sense."""
    if f.start and f.end and f.end < f.start:
        raise ServiceError(_("The period ends before it starts."), field="end")
    if f.target_group and f.target_group not in {t.value for t in TargetGroup}:
        raise ServiceError(_("Unknown target group."), field="target_group")
    if f.activity_id is not None:
        if len(centre_ids) != 1:
            raise ServiceError(_("Choose an activity in one centre only."), field="activity_id")
        try:
            fetch(Activity, f.activity_id, centre_ids[0])
        except NotFound:
            raise ServiceError(_("Unknown activity."), field="activity_id") from None
    if f.partner_id is not None:
        works_here = db.session.scalar(
            sa.select(PartnerCentre.id)
            .where(
                PartnerCentre.partner_id == f.partner_id, PartnerCentre.centre_id.in_(centre_ids)
            )
            .limit(1)
        )
        if works_here is None:
            raise ServiceError(_("Unknown partner."), field="partner_id")
    return f
