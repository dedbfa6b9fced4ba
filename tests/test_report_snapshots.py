"""Stored funder figures agree with the live ones, whatever happened in between.

The property (funder report): random small histories — check-ins (many back-dated into closed months)
and their undoing, cancelled, moved and generated sessions, an activity changing target group,
merges, erasures, retention runs and the clock moving on — and after every step the
funder report of several periods (closed months, the year so far, the current month,
a period reaching into the future) read through the stored figures equals the report
computed live, figure for figure. The stored figures are read before each step too,
so a step that forgot to make them out of date would be caught.

The same for the conversion report (five filters) and the municipality report (two
centres): contacts through channels into activities, back-dated too, check-ins and their
undoing, merged channels, a channel changing kind, an activity changing target group,
merged people, erasures, retention runs.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekruttering.activities.sessions import generate_sessions
from rekruttering.channels.service import merge_channels
from rekruttering.checkin.service import check_in, undo_check_in
from rekruttering.domain.clock import oslo_today, start_of_oslo_day, utcnow
from rekruttering.domain.funnel import Outcome, Role
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Channel,
    ChannelKind,
    Person,
    ReportSnapshot,
    Session,
    UserRole,
)
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.people.service import merge_people
from rekruttering.privacy.anonymise import erase_person
from rekruttering.privacy.retention import anonymise_due
from rekruttering.reports import conversion, funder
from rekruttering.reports.conversion import conversion_report
from rekruttering.reports.filters import Attribution, ReportFilter
from rekruttering.reports.funder import funder_report
from rekruttering.reports.municipality import municipality_report
from rekruttering.transaction import transaction

PEOPLE = 4
#: Days from today (Oslo) of each activity's sessions: closed months, today, ahead.
SESSION_DAYS = (-150, -95, -64, -33, -12, -1, 0, 3)
#: Days of a third activity's (same target group as the first) few sessions: a check-in
#: there counts for "new" in the group only in periods where it has a session.
RARE_DAYS = (-150, 3)
FUNDER_SESSIONS = 2 * len(SESSION_DAYS) + len(RARE_DAYS)

checkin_steps = st.one_of(
    st.tuples(
        st.just("check_in"),
        st.integers(0, FUNDER_SESSIONS - 1),
        st.integers(0, PEOPLE - 1),
        st.sampled_from([Role.PARTICIPANT, Role.VOLUNTEER]),
    ),
    st.tuples(st.just("undo"), st.integers(0, FUNDER_SESSIONS - 1), st.integers(0, PEOPLE - 1)),
)
steps = st.one_of(
    checkin_steps,
    st.tuples(st.just("cancel"), st.integers(0, FUNDER_SESSIONS - 1)),
    st.tuples(st.just("move"), st.integers(0, FUNDER_SESSIONS - 1), st.integers(-40, 40)),
    st.tuples(st.just("target_group"), st.integers(0, 1)),
    st.tuples(st.just("merge"), st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)),
    st.tuples(st.just("erase"), st.integers(0, PEOPLE - 1)),
    st.tuples(st.just("retention"), st.integers(1, 6)),
    st.tuples(st.just("clock"), st.integers(1, 30)),
    st.tuples(st.just("generate"), st.integers(1, 8)),
)


def _periods(today: date) -> list[tuple[date, date]]:
    this_month = today.replace(day=1)
    three_back = (this_month - timedelta(days=80)).replace(day=1)
    return [
        (three_back, this_month - timedelta(days=1)),  # closed months
        (today.replace(month=1, day=1), today),  # the year so far (the default)
        (this_month, today),  # the open month
        (today - timedelta(days=45), today + timedelta(days=10)),  # into the future
        (today - timedelta(days=70), today - timedelta(days=20)),  # closed, mid-month
    ]


def _figures(report: Any) -> Any:
    values = dataclasses.asdict(report)
    values.pop("generated_at")
    return values


def _agree(centre_id: int, today: date) -> None:
    for start, end in _periods(today):
        with transaction():
            stored = funder_report(centre_id, start, end)
        live = funder_report(centre_id, start, end, stored=False)
        assert _figures(stored) == _figures(live), (start, end)


def _apply(step: tuple[Any, ...], centre: Any, sessions: list[int], people: list[int], clock: Any):
    kind = step[0]
    centre_id = centre.id
    try:
        with transaction():
            if kind == "check_in":
                check_in(centre_id, sessions[step[1]], people[step[2]], role=step[3])
            elif kind == "undo":
                undo_check_in(centre_id, sessions[step[1]], people[step[2]])
            elif kind == "cancel":
                s = db.session.get_one(Session, sessions[step[1]])
                s.cancelled = not s.cancelled
            elif kind == "move":
                s = db.session.get_one(Session, sessions[step[1]])
                shift = timedelta(days=step[2], minutes=7 * step[1])
                s.starts_at, s.ends_at = s.starts_at + shift, s.ends_at + shift
            elif kind == "target_group":
                activity = db.session.scalars(
                    sa.select(Activity).where(Activity.centre_id == centre_id).order_by(Activity.id)
                ).all()[step[1]]
                activity.target_group = (
                    "others" if activity.target_group != "others" else "immigrant"
                )
            elif kind == "merge" and step[1] != step[2]:
                merge_people(centre_id, people[step[1]], people[step[2]])
            elif kind == "erase":
                erase_person(centre_id, people[step[1]], "asked_in_person")
            elif kind == "retention":
                anonymise_due(utcnow(), step[1], centre_id)
            elif kind == "clock":
                clock.shift(timedelta(hours=step[1]))
            elif kind == "generate":  # the nightly job: sessions ahead, one bulk INSERT
                generate_sessions(centre_id, weeks_ahead=step[1])
    except (ServiceError, sa.exc.IntegrityError, sa.exc.NoResultFound):
        # A refused step: merging a merged person, a session moved onto another, a step
        # on a session the generation removed (ahead, off the schedule, nobody came).
        pass


def _count_live_funder_figures(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The funder figures computed live from now on (each call's arguments), still
    computed by the real code."""
    computed: list[tuple[Any, ...]] = []
    live_figures = funder._figures

    def counting(*args: Any) -> Any:
        computed.append(args)
        return live_figures(*args)

    monkeypatch.setattr(funder, "_figures", counting)
    return computed


@settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(
        st.tuples(st.lists(checkin_steps, max_size=5), st.one_of(st.none(), steps)).map(
            lambda batch: [*batch[0], *([batch[1]] if batch[1] else [])]
        ),
        min_size=1,
        max_size=6,
    )
)
def test_stored_funder_figures_agree_with_live_ones(app, make, clock, history) -> None:
    """Read after each batch of steps: check-ins and their undoing (of one person, at
    one session or several, back-dated too), which fold into the stored figures at
    once, and perhaps one other step (which does not)."""
    centre = make.centre()
    activities = [
        make.activity(centre, target_group="immigrant"),
        make.activity(centre, target_group="children_youth"),
    ]
    today = oslo_today()
    sessions = [
        make.session(activity, start_of_oslo_day(today + timedelta(days=d)) + timedelta(hours=h))
        for activity in activities
        for d, h in zip(SESSION_DAYS, (10, 11, 12, 13, 14, 15, 16, 17), strict=True)
    ]
    rare = make.activity(centre, target_group="immigrant")
    sessions += [
        make.session(rare, start_of_oslo_day(today + timedelta(days=d)) + timedelta(hours=9))
        for d in RARE_DAYS
    ]
    people = [make.person(centre) for _ in range(PEOPLE)]
    session_ids, person_ids = [s.id for s in sessions], [p.id for p in people]
    # A history to start from: everyone came to the oldest sessions.
    for person_id in person_ids[:2]:
        with transaction():
            check_in(centre.id, session_ids[0], person_id)
            check_in(centre.id, session_ids[len(SESSION_DAYS) + 1], person_id)
    _agree(centre.id, today)
    for batch in history:
        for step in batch:
            _apply(step, centre, session_ids, person_ids, clock)
        db.session.expire_all()
        _agree(centre.id, today)


def test_stored_figures_are_served_until_a_back_dated_check_in(app, make, monkeypatch) -> None:
    """Stored figures are used (the live computation is not run) until a check-in in a
    month the period depends on; a check-in after the period leaves them alone."""
    centre = make.centre()
    activity = make.activity(centre, target_group="immigrant")
    today = oslo_today()
    old = make.session(activity, start_of_oslo_day(today - timedelta(days=100)))
    mid = make.session(activity, start_of_oslo_day(today - timedelta(days=50)))
    recent = make.session(activity, start_of_oslo_day(today - timedelta(days=1)))
    a, b = make.person(centre), make.person(centre)
    make.attendance(old, a)
    make.attendance(mid, a)
    make.attendance(mid, b)
    start = (today - timedelta(days=70)).replace(day=1)
    end = today - timedelta(days=today.day)  # the last day of last month: closed
    computed = _count_live_funder_figures(monkeypatch)
    for _ in range(2):
        with transaction():
            first = funder_report(centre.id, start, end)
        assert (first.total.participants, first.total.new_participants) == (2, 1)
    assert len(computed) == 1
    assert db.session.scalar(sa.select(sa.func.count(ReportSnapshot.id))) >= 1

    with transaction():  # after the period: nothing the period shows changes
        check_in(centre.id, recent.id, b.id)
    with transaction():
        funder_report(centre.id, start, end)
    assert len(computed) == 1

    with transaction():  # back-dated into a month before the period: "new" changes
        check_in(centre.id, old.id, b.id)
    with transaction():
        report = funder_report(centre.id, start, end)
    assert len(computed) == 1  # the logged check-in was folded in
    assert (report.total.participants, report.total.new_participants) == (2, 0)

    with transaction():  # a merge is not a check-in: computed again
        merge_people(centre.id, a.id, b.id)
    with transaction():
        report = funder_report(centre.id, start, end)
    assert len(computed) == 2
    assert (report.total.participants, report.total.new_participants) == (1, 0)


def _in_another_transaction(app: Any, work: Any) -> None:
    """``work`` in a thread of its own: its own app context, session and connection,
    committed there (as another request would)."""

    def run() -> None:
        with app.app_context():
            try:
                with transaction():
                    work()
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def test_a_check_in_committed_while_figures_are_computed_is_not_folded_twice(
    app, make, monkeypatch
) -> None:
    """Figures computed live while another transaction commits a check-in hold that
    check-in, under the counters read before it: they are stored as not foldable, so
    the next read computes them again rather than fold the check-in in a second time."""
    centre = make.centre()
    activity = make.activity(centre, target_group="immigrant")
    today = oslo_today()
    session = make.session(activity, start_of_oslo_day(today - timedelta(days=2)))
    a, b = make.person(centre), make.person(centre)
    make.attendance(session, a)
    centre_id, session_id, b_id = centre.id, session.id, b.id
    start = today.replace(day=1) - timedelta(days=40)
    live_figures = funder._figures
    meanwhile = [lambda: check_in(centre_id, session_id, b_id)]

    def computed_while_someone_checks_in(*args: Any) -> Any:
        while meanwhile:
            _in_another_transaction(app, meanwhile.pop())
        return live_figures(*args)

    monkeypatch.setattr(funder, "_figures", computed_while_someone_checks_in)
    with transaction():
        first = funder_report(centre_id, start, today)
    assert first.total.participants == 2  # the check-in was committed before the pass
    with transaction():
        again = funder_report(centre_id, start, today)
    assert _figures(again) == _figures(funder_report(centre_id, start, today, stored=False))
    assert again.total.participants == 2


@pytest.mark.parametrize("days", [(-3, -2), (-40, -2)], ids=["same month", "two months"])
def test_one_person_checked_in_at_two_sessions_at_once_folds_right(
    app, make, monkeypatch, days
) -> None:
    """Two tablets check one person in at two sessions at the same moment (each in its
    own transaction); the stored figures fold both in, whatever order they commit in.
    (Sessions of two activities; one activity's case, where both tablets make the
    enrolment, is ``test_checkin.test_two_tablets_enrolling_one_person_at_once_both_check_in``.)"""
    centre = make.centre()
    activities = [make.activity(centre, target_group="immigrant") for _ in days]
    today = oslo_today()
    sessions = [
        make.session(activity, start_of_oslo_day(today + timedelta(days=d)) + timedelta(hours=12))
        for activity, d in zip(activities, days, strict=True)
    ]
    old = make.session(activities[0], start_of_oslo_day(today - timedelta(days=200)))
    a, b = make.person(centre), make.person(centre)
    make.attendance(old, a)
    centre_id, session_ids, b_id = centre.id, [s.id for s in sessions], b.id
    start = today - timedelta(days=60)
    with transaction():
        before = funder_report(centre_id, start, today)
    assert before.total.participants == 0
    ready = threading.Barrier(2)
    errors: list[BaseException] = []

    def tablet(session_id: int) -> None:
        with app.app_context():
            try:
                ready.wait()
                with transaction():
                    check_in(centre_id, session_id, b_id)
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    computed = _count_live_funder_figures(monkeypatch)
    threads = [threading.Thread(target=tablet, args=(sid,)) for sid in session_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with transaction():
        after = funder_report(centre_id, start, today)
    assert not computed  # folded in
    assert _figures(after) == _figures(funder_report(centre_id, start, today, stored=False))
    assert (after.total.participants, after.total.new_participants, after.total.attendance) == (
        1,
        1,
        2,
    )


def test_a_folded_check_in_is_new_where_earlier_ones_are_at_activities_not_reported(
    app, make, monkeypatch
) -> None:
    """ "New" looks at the first check-in in the row's activities that have sessions in
    the period (``funder._Tally``): a check-in long ago at an activity of the same group
    with no session in the period does not make a folded check-in "not new"."""
    centre = make.centre()
    reported = make.activity(centre, target_group="immigrant")
    elsewhere = make.activity(centre, target_group="immigrant")
    today = oslo_today()
    now = make.session(reported, start_of_oslo_day(today - timedelta(days=5)))
    long_ago = make.session(elsewhere, start_of_oslo_day(today - timedelta(days=300)))
    person = make.person(centre)
    make.attendance(long_ago, person)
    start = today - timedelta(days=30)
    with transaction():
        funder_report(centre.id, start, today)
    computed = []
    monkeypatch.setattr(funder, "_figures", lambda *args: computed.append(args))
    with transaction():
        check_in(centre.id, now.id, person.id)
    with transaction():
        folded = funder_report(centre.id, start, today)
    assert not computed
    monkeypatch.undo()
    assert _figures(folded) == _figures(funder_report(centre.id, start, today, stored=False))
    assert (folded.target_groups[0].new_participants, folded.total.new_participants) == (1, 1)


def test_a_merge_makes_every_stored_figure_out_of_date(app, make) -> None:
    centre = make.centre()
    activity = make.activity(centre, target_group="immigrant")
    today = oslo_today()
    session = make.session(activity, start_of_oslo_day(today - timedelta(days=40)))
    a, b = make.person(centre), make.person(centre)
    make.attendance(session, a)
    make.attendance(session, b)
    start, end = today - timedelta(days=60), today - timedelta(days=1)
    with transaction():
        assert funder_report(centre.id, start, end).total.participants == 2
    with transaction():
        merge_people(centre.id, a.id, b.id)
    with transaction():
        assert funder_report(centre.id, start, end).total.participants == 1
    assert db.session.get(Person, b.id).merged_into_id == a.id


@pytest.mark.parametrize("days", [0, 1])
def test_a_session_that_starts_makes_the_open_period_out_of_date(app, make, clock, days) -> None:
    """An empty session becomes "empty" (not "ahead") when it starts: no write, but the
    stored figures of a period reaching into today are computed again."""
    clock.move_to(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # 10:00 in Oslo
    centre = make.centre()
    activity = make.activity(centre)
    make.session(activity, utcnow() + timedelta(hours=1))
    today = oslo_today()
    with transaction():
        before = funder_report(centre.id, today - timedelta(days=days), today)
    assert before.total.empty_sessions == 0
    clock.shift(timedelta(hours=2))
    with transaction():
        after = funder_report(centre.id, today - timedelta(days=days), today)
    assert after.total.empty_sessions == 1


def test_reports_warm_stores_the_default_periods_of_every_centre(app, make) -> None:
    centres = [make.centre(), make.centre()]
    activity = make.activity(centres[0])
    session = make.session(activity, utcnow() - timedelta(days=3))
    make.attendance(session, make.person(centres[0]))
    result = app.test_cli_runner().invoke(args=["reports-warm"])
    assert result.exit_code == 0, result.output
    stored = db.session.execute(
        sa.select(ReportSnapshot.centre_id, ReportSnapshot.period).order_by(
            ReportSnapshot.centre_id, ReportSnapshot.period
        )
    ).all()
    assert {c for c, _ in stored} == {c.id for c in centres}
    assert len(stored) == 4


# --- the conversion and municipality reports ----------------------------------------

enrolment_steps = st.one_of(
    st.tuples(
        st.just("contact"),
        st.integers(0, PEOPLE - 1),
        st.integers(0, 1),  # activity
        st.integers(0, 2),  # channel (2: none)
        st.sampled_from(list(Outcome)),
        st.integers(0, 200),  # days ago
        st.sampled_from([Role.PARTICIPANT, Role.VOLUNTEER]),
    ),
    st.tuples(
        st.just("check_in"),
        st.integers(0, 2 * len(SESSION_DAYS) - 1),
        st.integers(0, PEOPLE - 1),
        st.sampled_from([Role.PARTICIPANT, Role.VOLUNTEER]),
    ),
    st.tuples(
        st.just("undo"), st.integers(0, 2 * len(SESSION_DAYS) - 1), st.integers(0, PEOPLE - 1)
    ),
    st.tuples(st.just("merge_channels"), st.integers(0, 1)),
    st.tuples(st.just("channel_kind"), st.integers(0, 1)),
    st.tuples(st.just("target_group"), st.integers(0, 1)),
    st.tuples(st.just("merge"), st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)),
    st.tuples(st.just("erase"), st.integers(0, PEOPLE - 1)),
    st.tuples(st.just("retention"), st.integers(1, 6)),
    st.tuples(st.just("clock"), st.integers(1, 30)),
)


def _conversion_filters(today: date, activity_id: int) -> list[ReportFilter]:
    return [
        ReportFilter(),
        ReportFilter(attribution=Attribution.ASK),
        ReportFilter(role=None, start=today - timedelta(days=120), end=today - timedelta(days=30)),
        ReportFilter(target_group="immigrant"),
        ReportFilter(activity_id=activity_id, role=Role.VOLUNTEER),
    ]


def _agree_on_enrolments(centre_ids: list[int], today: date, activity_id: int) -> None:
    for f in _conversion_filters(today, activity_id):
        with transaction():
            stored = conversion_report(centre_ids[0], f)
        assert stored == conversion_report(centre_ids[0], f, stored=False), f
    for f in _conversion_filters(today, activity_id)[1:3]:
        with transaction():
            stored_m = municipality_report(centre_ids, f)
        assert stored_m == municipality_report(centre_ids, f, stored=False), f


def _apply_enrolment_step(
    step: tuple[Any, ...],
    centre: Any,
    activities: list[int],
    channels: list[int],
    sessions: list[int],
    people: list[int],
    clock: Any,
) -> None:
    kind = step[0]
    try:
        with transaction():
            if kind == "contact":
                _, person, activity, channel, outcome, days_ago, role = step
                log_contact(
                    centre.id,
                    ContactInput(
                        person_id=people[person],
                        outcome=outcome,
                        activity_id=activities[activity],
                        channel_id=channels[channel] if channel < len(channels) else None,
                        role=role,
                        occurred_at=utcnow() - timedelta(days=days_ago),
                    ),
                )
            elif kind == "merge_channels":
                merge_channels(centre.id, channels[step[1]], channels[1 - step[1]])
            elif kind == "channel_kind":
                channel = db.session.get_one(Channel, channels[step[1]])
                channel.kind = (
                    ChannelKind.PRINT if channel.kind != ChannelKind.PRINT else ChannelKind.PARTNER
                )
            else:
                _apply(step, centre, sessions, people, clock)
    except (ServiceError, sa.exc.IntegrityError):
        pass


@settings(
    max_examples=6,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(enrolment_steps, min_size=1, max_size=10))
def test_stored_conversion_and_municipality_figures_agree_with_live_ones(
    app, make, clock, history
) -> None:
    centre, other = make.centre(), make.centre()
    activities = [
        make.activity(centre, target_group="immigrant"),
        make.activity(centre, target_group="children_youth"),
    ]
    channels = [
        make.channel(centre, kind=ChannelKind.WORD_OF_MOUTH),
        make.channel(centre, kind=ChannelKind.SOCIAL_MEDIA),
    ]
    today = oslo_today()
    sessions = [
        make.session(activity, start_of_oslo_day(today + timedelta(days=d)) + timedelta(hours=h))
        for activity in activities
        for d, h in zip(SESSION_DAYS, (10, 11, 12, 13, 14, 15, 16, 17), strict=True)
    ]
    people = [make.person(centre) for _ in range(PEOPLE)]
    # The other centre: a few people, so the municipality's sums have two columns.
    other_activity = make.activity(other)
    for _ in range(3):
        make.enrolment(make.person(other), other_activity, heard_at=utcnow() - timedelta(days=9))
    person_ids = [p.id for p in people]
    for person_id in person_ids[:2]:
        with transaction():
            log_contact(
                centre.id,
                ContactInput(
                    person_id=person_id,
                    outcome=Outcome.ASKED,
                    activity_id=activities[0].id,
                    channel_id=channels[0].id,
                ),
            )
    centre_ids = [centre.id, other.id]
    _agree_on_enrolments(centre_ids, today, activities[1].id)
    for step in history:
        _apply_enrolment_step(
            step,
            centre,
            [a.id for a in activities],
            [c.id for c in channels],
            [s.id for s in sessions],
            person_ids,
            clock,
        )
        db.session.expire_all()
        _agree_on_enrolments(centre_ids, today, activities[1].id)


def test_report_pages_store_their_figures_after_rendering(app, client, make, login) -> None:
    """The pages commit the figures they computed; the next request is served them."""
    centre = make.centre()
    activity = make.activity(centre, target_group="immigrant")
    session = make.session(activity, utcnow() - timedelta(days=3))
    make.attendance(session, make.person(centre))
    login(make.user(centre, role=UserRole.STAFF))
    for url in ("/reports/funder", "/reports/funder.xlsx", "/reports/"):
        assert client.get(url).status_code == 200
    db.session.remove()
    kinds = set(db.session.scalars(sa.select(ReportSnapshot.kind)))
    assert kinds == {funder.FIGURES_KIND, conversion.FIGURES_KIND}


def test_generating_sessions_ahead_keeps_a_closed_period_stored(app, make, monkeypatch) -> None:
    """The nightly generation inserts sessions weeks ahead with one bulk INSERT: it marks
    only their months, so last months' figures stay stored."""
    centre = make.centre()
    activity = make.activity(centre, target_group="immigrant")  # a weekly slot
    today = oslo_today()
    session = make.session(activity, start_of_oslo_day(today - timedelta(days=60)))
    make.attendance(session, make.person(centre))
    start, end = today - timedelta(days=90), today - timedelta(days=today.day)
    computed = _count_live_funder_figures(monkeypatch)
    with transaction():
        funder_report(centre.id, start, end)
    with transaction():
        assert generate_sessions(centre.id).created > 0
    with transaction():
        report = funder_report(centre.id, start, end)
    assert len(computed) == 1
    assert report.total.participants == 1
    with transaction():  # a session inserted into a closed month: computed again
        make.session(activity, start_of_oslo_day(today - timedelta(days=40)))
    with transaction():
        funder_report(centre.id, start, end)
    assert len(computed) == 2


def test_storing_figures_deletes_old_ones_of_the_centre_and_old_logged_check_ins(app, make) -> None:
    """The housekeeping of ``snapshots._store``: figures of
    the centre not computed for KEEP_FOR go, except the ones stored now (even when their
    old row is that old); other centres' stay; logged check-ins older than KEEP_CHANGES go."""
    from rekruttering.models import ReportCheckinChange
    from rekruttering.reports import snapshots

    here, there = make.centre(), make.centre()
    here_id, there_id = here.id, there.id
    now = utcnow()
    old = now - snapshots.KEEP_FOR - timedelta(days=1)
    recent = now - snapshots.KEEP_FOR + timedelta(days=1)
    rows = [(here, "old", old), (here, "recent", recent), (here, "this", old), (there, "old", old)]
    for centre, period, computed_at in rows:
        db.session.add(
            ReportSnapshot(
                kind="k:1",
                centre_id=centre.id,
                period=period,
                version=1,
                held_until=computed_at,
                payload="{}",
                computed_at=computed_at,
            )
        )
    session = make.session(make.activity(here), now - timedelta(days=5))
    person = make.person(here)
    for created_at in (now - snapshots.KEEP_CHANGES - timedelta(hours=1), now - timedelta(hours=1)):
        db.session.add(
            ReportCheckinChange(
                centre_id=here.id,
                month=date(2026, 1, 1),
                version=1,
                person_id=person.id,
                session_id=session.id,
                role=Role.PARTICIPANT,
                delta=1,
                created_at=created_at,
            )
        )
    db.session.commit()

    with transaction():
        snapshots._store("k:1", here.id, "this", {"1:2026-01-01": 7}, now, '{"x": 1}')

    db.session.remove()
    kept = {
        (centre_id, period): (version, payload)
        for centre_id, period, version, payload in db.session.execute(
            sa.select(
                ReportSnapshot.centre_id,
                ReportSnapshot.period,
                ReportSnapshot.version,
                ReportSnapshot.payload,
            )
        )
    }
    assert kept == {
        (here_id, "recent"): (1, "{}"),
        (here_id, "this"): (7, '{"x": 1}'),
        (there_id, "old"): (1, "{}"),
    }
    changes = db.session.scalars(sa.select(ReportCheckinChange.created_at)).all()
    assert len(changes) == 1 and changes[0] > now - timedelta(hours=2)
