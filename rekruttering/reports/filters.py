"""What a report is about: the filters every report query shares."""

from __future__ import annotations

from collections.abc import Callable
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
        return channel_column(self.attribution)


def channel_column(attribution: Attribution) -> InstrumentedAttribute[int | None]:
    """The enrolment's channel a person is counted under."""
    if attribution == Attribution.ASK:
        return Enrolment.ask_channel_id
    return Enrolment.first_channel_id


def heard_moment() -> sa.ColumnElement[datetime]:
    """When the person first heard; an enrolment made without a time counts from its creation."""
    return sa.func.coalesce(Enrolment.heard_at, Enrolment.created_at)


#: The conditions a filter can set, by the name of the value each compares with (the
#: bound parameter's name in ``conversion_statements``). One list for both builders.
CONDITIONS = ("activity_id", "role", "target_group", "start", "end", "partner_id")


def filter_values(f: ReportFilter) -> dict[str, Any]:
    """The values of the conditions ``f`` sets, by name (``CONDITIONS``)."""
    values = {
        "activity_id": f.activity_id,
        "role": f.role,
        "target_group": f.target_group or None,
        "start": f.start_utc,
        "end": f.end_utc,
        "partner_id": f.partner_id,
    }
    return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class FilterShape:
    """Which of a filter's conditions apply (not their values), and the attribution: what
    a statement built once with bound parameters depends on (``conversion_statements``)."""

    attribution: Attribution
    conditions: frozenset[str]

    @classmethod
    def of(cls, f: ReportFilter) -> FilterShape:
        return cls(f.attribution, frozenset(filter_values(f)))

    def channel_column(self) -> InstrumentedAttribute[int | None]:
        return channel_column(self.attribution)


def shaped_conditions(
    shape: FilterShape,
    value: Callable[[str], Any],
    in_centres: Callable[[InstrumentedAttribute[int]], sa.ColumnElement[bool]],
) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions on Enrolment for a filter of ``shape``: ``value(name)`` gives what
    a condition compares with (the filter's value, or a bound parameter), and
    ``in_centres(column)`` the condition on a centre column."""
    conditions = [in_centres(Enrolment.centre_id)]
    if "activity_id" in shape.conditions:
        conditions.append(Enrolment.activity_id == value("activity_id"))
    if "role" in shape.conditions:
        conditions.append(Enrolment.role == value("role"))
    if "target_group" in shape.conditions:
        conditions.append(
            Enrolment.activity_id.in_(
                sa.select(Activity.id).where(
                    in_centres(Activity.centre_id), Activity.target_group == value("target_group")
                )
            )
        )
    if "start" in shape.conditions:
        conditions.append(heard_moment() >= value("start"))
    if "end" in shape.conditions:
        conditions.append(heard_moment() < value("end"))
    if "partner_id" in shape.conditions:
        # Brought by the partner: a referral from it, or first heard through its channel.
        conditions.append(
            sa.or_(
                Enrolment.partner_id == value("partner_id"),
                Enrolment.first_channel_id.in_(
                    sa.select(Channel.id).where(
                        in_centres(Channel.centre_id), Channel.partner_id == value("partner_id")
                    )
                ),
            )
        )
    return conditions


def enrolment_conditions(centre_ids: list[int], f: ReportFilter) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions on Enrolment for ``f`` in the given centres."""

    def in_centres(column: InstrumentedAttribute[int]) -> sa.ColumnElement[bool]:
        return column.in_(centre_ids) if len(centre_ids) != 1 else column == centre_ids[0]

    return shaped_conditions(FilterShape.of(f), filter_values(f).__getitem__, in_centres)


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
