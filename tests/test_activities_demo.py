"""The demo step for sessions: a year back, eight weeks ahead, attendance by the real rule."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Stage
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Attendance,
    Centre,
    Enrolment,
    Person,
    Session,
    SessionSignup,
)


def test_demo_step_makes_sessions_attendance_and_regulars(app: Any, make: Any) -> None:
    """Enrolments that showed up get attendances through check-in; regulars by the rule."""
    # Imported here: rekruttering.demo imports the auth feature, which the app loads first.
    from rekruttering.demo import DemoContext, centres
    from rekruttering.demo import sessions as demo_sessions

    context = DemoContext(rng=random.Random(7))
    centres.load(context)
    borgen = db.session.scalar(select(Centre).where(Centre.slug == "borgen"))
    activity = db.session.scalar(
        select(Activity).where(Activity.centre_id == borgen.id, Activity.slug == "mat-og-prat")
    )
    long_ago = utcnow() - timedelta(days=200)
    regular = make.person(borgen)
    newcomer = make.person(borgen)
    make.enrolment(regular, activity, stage=Stage.REGULAR, showed_up_at=long_ago, asked_at=long_ago)
    make.enrolment(newcomer, activity, stage=Stage.SHOWED_UP, showed_up_at=long_ago)
    for _ in range(25):
        make.person(borgen)
    demo_sessions.load(context)
    db.session.commit()
    now = utcnow()
    past = db.session.scalar(select(func.count(Session.id)).where(Session.starts_at < now))
    ahead = db.session.scalar(select(func.count(Session.id)).where(Session.starts_at > now))
    assert past > 300 and ahead > 50
    enrolments = {
        e.person_id: e
        for e in db.session.scalars(select(Enrolment).where(Enrolment.activity_id == activity.id))
    }
    assert enrolments[regular.id].stage == Stage.REGULAR
    assert enrolments[regular.id].attendance_count >= 3
    assert 1 <= enrolments[newcomer.id].attendance_count <= 2
    assert (
        db.session.scalar(select(func.count(SessionSignup.id)).where(SessionSignup.waitlisted)) == 3
    )
    assert db.session.scalar(select(func.count(Session.id)).where(Session.cancelled)) >= 1


# Another seed than the command's: the demo's generator does not depend on one lucky
# draw. That is the generator's property, not the database's (test_cli_demo loads the
# demo on both), so it runs once.
@pytest.mark.sqlite_only
def test_whole_demo_loads(app: Any) -> None:
    """`rekruttering demo` loads with the sessions step in it, with another seed too."""
    from rekruttering.demo import load_demo

    assert load_demo(seed=3)
    assert db.session.scalar(select(func.count(Session.id))) > 0
    assert db.session.scalar(select(func.count(Person.id))) > 0
    assert db.session.scalar(select(func.count(Attendance.id))) > 0
