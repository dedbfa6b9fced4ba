"""The centre's closed periods and public holidays: use cases and look-ups. Never commits.

No session is generated on a closed day (``sessions.generate_sessions`` asks
``closed_days``); a session that already exists on one is kept and shown with a flag
(``closed_days`` again, from the session pages), for staff to cancel or keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from rekruttering.domain.closures import (
    MAX_PERIOD_DAYS,
    Closure,
    Period,
    PeriodProblem,
    closures,
    period_problem,
)
from rekruttering.domain.dates import EVENT_RANGE
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import ClosedPeriod
from rekruttering.tenancy import fetch


@dataclass(frozen=True)
class PeriodInput:
    name: str
    first_day: date | None
    last_day: date | None


def _regenerate(centre_id: int, weeks_ahead: int) -> None:
    # Imported here: sessions.py reads closed_days from this module.
    from rekruttering.activities.sessions import generate_sessions

    generate_sessions(centre_id, weeks_ahead=weeks_ahead)


def _check(data: PeriodInput) -> tuple[str, date, date]:
    """The period's name and days, checked; a ServiceError names the field to fix."""
    name = (data.name or "").strip()
    if not name:
        raise ServiceError(_("Give the period a name, such as Christmas."), field="name")
    if len(name) > 120:
        raise ServiceError(_("The name is too long (at most 120 characters)."), field="name")
    problem = period_problem(data.first_day, data.last_day)
    if problem == PeriodProblem.MISSING:
        field = "first_day" if data.first_day is None else "last_day"
        raise ServiceError(_("Choose the first and the last closed day."), field=field)
    if problem == PeriodProblem.ENDS_BEFORE_START:
        raise ServiceError(
            _("The last closed day is before the first. Choose a last day on or after it."),
            field="last_day",
        )
    if problem == PeriodProblem.TOO_LONG:
        raise ServiceError(
            _("A closed period can be at most %(days)d days.", days=MAX_PERIOD_DAYS),
            field="last_day",
        )
    first_day, last_day = data.first_day, data.last_day
    if first_day is None or last_day is None:  # period_problem said MISSING already
        raise ServiceError(_("Choose the first and the last closed day."), field="first_day")
    low, high = EVENT_RANGE
    if first_day < low or last_day > high:
        raise ServiceError(_("Choose dates in a year the centre can plan for."), "first_day")
    return name, first_day, last_day


def add_closed_period(centre_id: int, data: PeriodInput, weeks_ahead: int = 8) -> ClosedPeriod:
    """Add a closed period. Sessions already made on its days are kept (and flagged)."""
    name, first_day, last_day = _check(data)
    period = ClosedPeriod(centre_id=centre_id, name=name, first_day=first_day, last_day=last_day)
    db.session.add(period)
    db.session.flush()
    _regenerate(centre_id, weeks_ahead)
    return period


def update_closed_period(
    centre_id: int, period_id: int, data: PeriodInput, weeks_ahead: int = 8
) -> ClosedPeriod:
    """Change a period; days no longer closed get their sessions at once."""
    period = fetch(ClosedPeriod, period_id, centre_id)
    period.name, period.first_day, period.last_day = _check(data)
    db.session.flush()
    _regenerate(centre_id, weeks_ahead)
    return period


def delete_closed_period(centre_id: int, period_id: int, weeks_ahead: int = 8) -> None:
    """Remove a period; its days (ahead) get their sessions at once."""
    period = fetch(ClosedPeriod, period_id, centre_id)
    db.session.delete(period)
    db.session.flush()
    _regenerate(centre_id, weeks_ahead)


def closed_periods_around(
    centre_id: int, today: date, past_shown: int = 10
) -> tuple[list[ClosedPeriod], list[ClosedPeriod]]:
    """The centre's periods not yet over (soonest first), and the last few that are."""
    ahead = db.session.scalars(
        select(ClosedPeriod)
        .where(ClosedPeriod.centre_id == centre_id, ClosedPeriod.last_day >= today)
        .order_by(ClosedPeriod.first_day)
    ).all()
    past = db.session.scalars(
        select(ClosedPeriod)
        .where(ClosedPeriod.centre_id == centre_id, ClosedPeriod.last_day < today)
        .order_by(ClosedPeriod.first_day.desc())
        .limit(past_shown)
    ).all()
    return list(ahead), list(past)


def periods_between(centre_id: int, first: date, last: date) -> list[Period]:
    """The centre's closed periods that touch ``first``..``last``."""
    return [
        Period(row.first_day, row.last_day, row.name)
        for row in db.session.execute(
            select(ClosedPeriod.first_day, ClosedPeriod.last_day, ClosedPeriod.name).where(
                ClosedPeriod.centre_id == centre_id,
                ClosedPeriod.first_day <= last,
                ClosedPeriod.last_day >= first,
            )
        )
    ]


def closed_days(
    centre_id: int, first: date, last: date, language: str = "nb"
) -> dict[date, Closure]:
    """Every day from ``first`` to ``last`` the centre is closed, and why."""
    if last < first:
        return {}
    return closures(first, last, periods_between(centre_id, first, last), language)
