"""The follow-up queue ("Å følge opp"): its four sections, their actions, and a bounded cost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from rekruttering.domain.clock import oslo_today
from rekruttering.domain.funnel import Outcome
from rekruttering.extensions import db
from rekruttering.funnel.referral_acted_on import out_of_step
from rekruttering.models import Contact, Notification, Referral, UserRole
from rekruttering.outreach import follow_up
from rekruttering.outreach.follow_up import follow_up_queue
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.transaction import transaction
from tests.conftest import TEST_NOW
from tests.statement_counter import count_statements

NOW = TEST_NOW  # the frozen clock's instant (read at import, before any test runs)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _stored_acted_on_follows_the_rule(app: Any) -> Any:
    """After each test, every referral's stored "acted on" is the rule's."""
    yield
    db.session.rollback()
    assert out_of_step(db.session.connection()) == []


def queue(centre: Any, days: int = 14) -> Any:
    return follow_up_queue(centre.id, heard_days=days, now=NOW)


def ids(section: Any) -> set[int]:
    rows = [r[0] if isinstance(r, tuple) or hasattr(r, "_fields") else r for r in section.rows]
    return {getattr(r, "person_id", None) for r in rows}


def test_heard_but_not_asked_after_the_configured_days(make: Any) -> None:
    """Heard 15 days ago shows (14-day setting); heard 3 days ago, asked, or said no do not."""
    centre = make.centre()
    activity = make.activity(centre)
    waiting, fresh, asked, declined, not_now = (make.person(centre) for _ in range(5))
    make.enrolment(waiting, activity, heard_at=NOW - 15 * DAY)
    make.enrolment(fresh, activity, heard_at=NOW - 3 * DAY)
    make.enrolment(asked, activity, heard_at=NOW - 30 * DAY, asked_at=NOW - 20 * DAY)
    make.enrolment(declined, activity, heard_at=NOW - 30 * DAY, declined_at=NOW - 29 * DAY)
    make.enrolment(not_now, activity, heard_at=NOW - 30 * DAY, not_now_at=NOW - 29 * DAY)
    assert ids(queue(centre).heard_not_asked) == {waiting.id}
    assert ids(queue(centre, days=2).heard_not_asked) == {waiting.id, fresh.id}


def test_a_follow_up_date_ahead_keeps_them_out_until_due(make: Any) -> None:
    """Somebody with a follow-up date still ahead is not asked for again meanwhile."""
    centre = make.centre()
    activity = make.activity(centre)
    person = make.person(centre)
    make.enrolment(person, activity, heard_at=NOW - 20 * DAY)
    make.contact(person, activity_id=activity.id, follow_up_on=oslo_today() + 5 * DAY)
    assert ids(queue(centre).heard_not_asked) == set()


def test_asked_but_not_showed_up_after_the_next_session(make: Any) -> None:
    """Asked before a session that has passed: shows; no session yet, came, or cancelled: no."""
    centre = make.centre()
    activity, quiet = make.activity(centre), make.activity(centre)
    missed, waiting, came, other = (make.person(centre) for _ in range(4))
    make.session(activity, NOW - 2 * DAY)
    make.session(quiet, NOW - 2 * DAY, cancelled=True)
    make.session(quiet, NOW + 5 * DAY)
    make.enrolment(missed, activity, heard_at=NOW - 9 * DAY, asked_at=NOW - 5 * DAY)
    make.enrolment(waiting, quiet, heard_at=NOW - 9 * DAY, asked_at=NOW - 5 * DAY)
    make.enrolment(
        came, activity, heard_at=NOW - 9 * DAY, asked_at=NOW - 5 * DAY, showed_up_at=NOW - 2 * DAY
    )
    # asked after the last session: waiting for the next one
    make.enrolment(other, activity, heard_at=NOW - 9 * DAY, asked_at=NOW - DAY)
    section = queue(centre).asked_not_showed
    assert ids(section) == {missed.id}
    enrolment, missed_at = section.rows[0]
    assert missed_at is not None and missed_at < NOW


def test_asked_again_after_not_now_comes_back(make: Any) -> None:
    """'Not now' before a new ask does not hide the new ask."""
    centre = make.centre()
    activity = make.activity(centre)
    person = make.person(centre)
    make.session(activity, NOW - 2 * DAY)
    make.enrolment(
        person,
        activity,
        heard_at=NOW - 40 * DAY,
        not_now_at=NOW - 30 * DAY,
        asked_at=NOW - 5 * DAY,
    )
    assert ids(queue(centre).asked_not_showed) == {person.id}


def test_follow_up_dates_due(make: Any) -> None:
    """Due today or earlier and not done: shows (passed ones apart, as overdue); in the
    future or done: no."""
    centre = make.centre()
    person = make.person(centre)
    due = make.contact(person, follow_up_on=oslo_today())
    late = make.contact(person, follow_up_on=oslo_today() - 3 * DAY)
    make.contact(person, follow_up_on=oslo_today() + DAY)
    make.contact(person, follow_up_on=oslo_today() - DAY, follow_up_done_at=NOW)
    q = queue(centre)
    assert [c.id for c in q.due_today.rows] == [due.id]
    assert [c.id for c in q.overdue.rows] == [late.id]


def test_new_referrals_until_someone_acts(make: Any) -> None:
    """A received referral shows until a staff contact follows the partner's intake."""
    centre = make.centre()
    partner = make.partner(centres=[centre])
    person = make.person(centre)
    referral = Referral(centre_id=centre.id, partner_id=partner.id, person_id=person.id)
    db.session.add(referral)
    db.session.commit()
    with transaction():  # the partner's own "heard of it" contact
        log_contact(centre.id, ContactInput(person.id, Outcome.HEARD, referral_id=referral.id))
    make.notification(person, kind="referral")
    q = queue(centre)
    assert [r.id for r in q.referrals.rows] == [referral.id]
    assert q.notifications.total == 0  # the referral row stands for the notice
    with transaction():
        log_contact(centre.id, ContactInput(person.id, Outcome.NOT_NOW))
    assert queue(centre).referrals.total == 0


def test_unread_signups_show_until_seen(make: Any) -> None:
    """An unread sign-up notice shows; once read it does not."""
    centre = make.centre()
    person = make.person(centre)
    notice = make.notification(person, kind="signup")
    make.notification(person, kind="reply")  # not a queue kind
    assert [n.id for n in queue(centre).notifications.rows] == [notice.id]
    notice.read_at = NOW
    db.session.commit()
    assert queue(centre).notifications.total == 0


def test_other_centres_and_merged_people_stay_out(make: Any) -> None:
    """The queue holds only the centre's own, living records."""
    mine, other = make.centre(), make.centre()
    stranger = make.person(other)
    make.contact(stranger, follow_up_on=oslo_today())
    keep, merged = make.person(mine), make.person(mine)
    merged.merged_into_id = keep.id
    db.session.commit()
    make.contact(merged, follow_up_on=oslo_today())
    assert queue(mine).total == 0


@pytest.mark.settings(**{"app.page_size": 5})
def test_sections_are_capped_and_say_how_many_more(make: Any) -> None:
    """A long section shows the page size and counts the rest."""
    centre = make.centre()
    for _ in range(7):
        make.contact(make.person(centre), follow_up_on=oslo_today())
    section = follow_up_queue(centre.id, heard_days=14, limit=5).due_today
    assert (len(section.rows), section.total, section.more) == (5, 7, 2)
    second = follow_up_queue(centre.id, heard_days=14, limit=5, pages={"today": 2}).due_today
    assert (len(second.rows), second.first, second.last, second.pages) == (2, 6, 7, 2)
    assert not {c.id for c in section.rows} & {c.id for c in second.rows}
    past_the_end = follow_up_queue(centre.id, heard_days=14, limit=5, pages={"today": 9})
    assert past_the_end.due_today.page == 2


@pytest.mark.settings(**{"app.page_size": 5})
def test_a_long_section_counts_up_to_the_cap(
    make: Any, monkeypatch: pytest.MonkeyPatch, client: Any, login: Any
) -> None:
    """Past COUNT_CAP the count stops and says "N+": the page costs the same for any size."""
    from rekruttering.outreach import follow_up

    monkeypatch.setattr(follow_up, "COUNT_CAP", 6)
    centre = make.centre()
    for _ in range(8):
        make.contact(make.person(centre), follow_up_on=oslo_today())
    section = follow_up_queue(centre.id, heard_days=14, limit=5).due_today
    assert (len(section.rows), section.total, section.capped, section.total_label) == (
        5,
        6,
        True,
        "6+",
    )
    exact = follow_up_queue(centre.id, heard_days=14, limit=8).due_today
    assert (exact.total, exact.capped, exact.total_label) == (8, False, "8")
    login(make.user(centre))
    html = client.get("/follow-up").get_data(as_text=True)
    assert ">6+</span>" in html


# --- the page -----------------------------------------------------------------------


def _fill(make: Any, centre: Any, n: int) -> None:
    """n people in each section of the queue."""
    activity = make.activity(centre)
    partner = make.partner(centres=[centre])
    make.session(activity, NOW - DAY)
    for _ in range(n):
        make.enrolment(make.person(centre), activity, heard_at=NOW - 20 * DAY)
        make.enrolment(
            make.person(centre), activity, heard_at=NOW - 9 * DAY, asked_at=NOW - 5 * DAY
        )
        make.contact(make.person(centre), activity_id=activity.id, follow_up_on=oslo_today())
        person = make.person(centre)
        db.session.add(Referral(centre_id=centre.id, partner_id=partner.id, person_id=person.id))
        make.notification(make.person(centre), kind="signup")
    db.session.commit()


def test_staff_start_on_the_follow_up_queue(client: Any, make: Any, login: Any) -> None:
    """Staff and admins land on the queue after login."""
    centre = make.centre()
    login(make.user(centre, role=UserRole.ADMIN))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/follow-up")


def test_page_shows_each_row_with_its_action(client: Any, make: Any, login: Any) -> None:
    """Each section lists its people with the one action that moves them on."""
    centre = make.centre()
    login(make.user(centre))
    _fill(make, centre, 1)
    html = client.get("/follow-up").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert html.count("outcome=asked") >= 3  # heard-not-asked, referral, sign-up
    assert "follow_up_id=" in html and "/done" in html and "/seen" in html


def test_done_and_seen_buttons(client: Any, make: Any, login: Any) -> None:
    """'Done' closes a follow-up; 'Seen' reads a notice; both return to the queue."""
    centre = make.centre()
    login(make.user(centre))
    person = make.person(centre)
    contact = make.contact(person, follow_up_on=oslo_today())
    notice = make.notification(person)
    response = client.post(f"/follow-up/{contact.id}/done")
    assert response.status_code == 302 and response.headers["Location"].endswith("/follow-up")
    response = client.post(f"/notifications/{notice.id}/seen")
    assert response.status_code == 302
    assert db.session.scalar(select(Contact.follow_up_done_at)) is not None
    assert db.session.scalar(select(Notification.read_at)) is not None


def test_logging_from_a_row_closes_it(client: Any, make: Any, login: Any) -> None:
    """A contact logged from a follow-up row marks that follow-up done in the same step."""
    centre = make.centre()
    staff = make.user(centre)
    login(staff)
    person = make.person(centre)
    activity = make.activity(centre)
    due = make.contact(person, activity_id=activity.id, follow_up_on=oslo_today())
    notice = make.notification(person)
    url = (
        f"/contacts/new?person_id={person.id}&activity_id={activity.id}"
        f"&follow_up_id={due.id}&notification_id={notice.id}&next=/follow-up"
    )
    html = client.get(url).get_data(as_text=True)
    assert f'name="follow_up_id" type="hidden" value="{due.id}"' in html
    response = client.post(
        url,
        data={
            "person_id": person.id,
            "activity_id": activity.id,
            "outcome": "asked",
            "role": "participant",
            "by_user_id": staff.id,
            "follow_up_id": due.id,
            "notification_id": notice.id,
            "form_token": "row-token",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/follow-up")
    db.session.refresh(due)
    db.session.refresh(notice)
    assert due.follow_up_done_at is not None and notice.read_at is not None


def test_queue_page_statement_count_is_bounded(client: Any, make: Any, login: Any) -> None:
    """No query per row: 12 people per section cost at most one count more per section."""
    centre = make.centre()
    login(make.user(centre))
    _fill(make, centre, 1)
    client.get("/follow-up")
    with count_statements() as few:
        assert client.get("/follow-up").status_code == 200
    _fill(make, centre, 12)
    client.get("/follow-up")
    with count_statements() as many:
        html = client.get("/follow-up").get_data(as_text=True)
    assert html.count("/done") == 5  # a page of today's follow-ups (5 rows)
    # A full section adds one capped count (follow_up.COUNT_CAP), never a query per row.
    sections = len(follow_up.SECTIONS)
    assert few.count <= many.count <= few.count + sections, "\n".join(
        s[:120] for s in many.statements
    )
    assert many.count <= 20


# --- a start page that fits a phone -------------------------------------------------


def test_overdue_comes_first_and_marked_the_rest_folded(client: Any, make: Any, login: Any) -> None:
    """Overdue, then today, then the other sections in <details> with their counts."""
    centre = make.centre()
    login(make.user(centre))
    _fill(make, centre, 2)
    late = make.contact(make.person(centre, first_name="Sen"), follow_up_on=oslo_today() - 4 * DAY)
    html = client.get("/follow-up").get_data(as_text=True)
    overdue, today = html.index('id="overdue-h"'), html.index('id="today-h"')
    folded = html.index("<details")
    assert overdue < today < folded
    assert html.count("<details") == 3
    assert html.index(f"follow_up_id={late.id}") < today
    assert "follow-up-overdue" in html[overdue:today] and "text-bg-danger" in html[overdue:today]


def test_only_mine_is_remembered_and_keeps_others_follow_ups_out(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    me, colleague = make.user(centre), make.user(centre)
    login(me)
    activity = make.activity(centre)
    ours = make.person(centre)
    theirs = make.person(centre)
    mine = make.contact(ours, follow_up_on=oslo_today(), by_user_id=me.id)
    other = make.contact(theirs, follow_up_on=oslo_today(), by_user_id=colleague.id)
    talked = make.person(centre)
    make.enrolment(talked, activity, heard_at=NOW - 20 * DAY)
    make.contact(talked, by_user_id=me.id)
    stranger = make.person(centre)
    make.enrolment(stranger, activity, heard_at=NOW - 20 * DAY)
    make.notification(make.person(centre), kind="signup")  # nobody's yet: stays

    everyone = client.get("/follow-up").get_data(as_text=True)
    assert f"follow_up_id={mine.id}" in everyone and f"follow_up_id={other.id}" in everyone
    only = client.get("/follow-up?mine=1").get_data(as_text=True)
    assert f"follow_up_id={mine.id}" in only and f"follow_up_id={other.id}" not in only
    remembered = client.get("/follow-up").get_data(as_text=True)
    assert f"follow_up_id={other.id}" not in remembered
    assert f"person_id={talked.id}" in remembered
    assert f"person_id={stranger.id}" not in remembered
    assert "/seen" in remembered
    back = client.get("/follow-up?mine=0").get_data(as_text=True)
    assert f"follow_up_id={other.id}" in back


def test_each_section_pages_on_its_own(client: Any, make: Any, login: Any) -> None:
    centre = make.centre()
    login(make.user(centre))
    _fill(make, centre, 7)
    first = client.get("/follow-up").get_data(as_text=True)
    assert "today=2" in first and "heard=2" in first
    second = client.get("/follow-up?today=2&heard=2").get_data(as_text=True)
    assert second.count("follow_up_id=") == 2  # rows 6-7 of today's
    assert "today=1" in second  # the way back to the first page
    assert (
        second.count("<details") == 3
        and second.count('<details class="mb-2 border rounded px-2 py-1" open>') == 1
    )
    for bad in ("today=0", "today=-3", "today=abc", "heard=999"):
        assert client.get(f"/follow-up?{bad}").status_code == 200, bad


def test_full_sections_are_counted_together_as_each_alone(
    make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counts of the full sections come in one statement and say what each
    section's own count says, capped or not, on a first or a later page."""
    monkeypatch.setattr(follow_up, "COUNT_CAP", 9)
    centre = make.centre()
    _fill(make, centre, 6)  # 6 in each section, then a different number in each
    activity = make.activity(centre)
    partner = make.partner(centres=[centre])
    for _ in range(5):
        make.contact(make.person(centre), follow_up_on=oslo_today() - DAY)  # overdue: 5
        make.contact(make.person(centre), follow_up_on=oslo_today())  # today: 11, "9+"
    for _ in range(2):  # heard: 8
        make.enrolment(make.person(centre), activity, heard_at=NOW - 20 * DAY)
    for _ in range(3):  # notifications: 9
        make.notification(make.person(centre), kind="signup")
    make.referral(centre, partner)  # referrals: 7 (asked: 6)
    for pages in ({}, {"today": 2, "heard": 2}, {"asked": 9}):
        with count_statements() as counted:
            together = follow_up_queue(centre.id, heard_days=14, limit=4, now=NOW, pages=pages)
        combined = [s for s in counted.statements if s.lstrip().startswith("SELECT (SELECT count")]
        assert len(combined) == 1, counted.statements
        today = oslo_today(NOW)
        alone = {
            "overdue": follow_up.follow_ups_due(centre.id, today, 4, 1, overdue=True),
            "today": follow_up.follow_ups_due(
                centre.id, today, 4, pages.get("today", 1), overdue=False
            ),
            "referrals": follow_up.new_referrals(centre.id, 4, pages.get("referrals", 1)),
            "notifications": follow_up.unread_notifications(centre.id, 4),
            "heard": follow_up.heard_not_asked(centre.id, NOW, 14, today, 4, pages.get("heard", 1)),
            "asked": follow_up.asked_not_showed(centre.id, NOW, today, 4, pages.get("asked", 1)),
        }
        got = {
            "overdue": together.overdue,
            "today": together.due_today,
            "referrals": together.referrals,
            "notifications": together.notifications,
            "heard": together.heard_not_asked,
            "asked": together.asked_not_showed,
        }
        for name, section in alone.items():
            mine = got[name]
            assert (mine.total, mine.capped, mine.page, len(mine.rows)) == (
                section.total,
                section.capped,
                section.page,
                len(section.rows),
            ), (name, pages)
    assert [
        (s.total, s.capped)
        for s in (
            together.overdue,
            together.due_today,
            together.referrals,
            together.notifications,
            together.heard_not_asked,
            together.asked_not_showed,
        )
    ] == [(5, False), (9, True), (7, False), (9, False), (8, False), (6, False)]
    assert together.asked_not_showed.page == 2  # past the end: the last page


def test_a_referral_names_its_partner_as_this_centre_does_without_a_query(
    client: Any, make: Any, login: Any
) -> None:
    """Each centre names its own link to a partner: the queue shows this centre's name,
    read with the referral (no statement for the centre's partner names), and a
    partner's own name where the centre has no link to it."""
    from rekruttering.models import PartnerCentre

    centre, other = make.centre(), make.centre()
    login(make.user(centre))
    linked = make.partner(centres=[centre, other], name="Røde Kors")
    db.session.execute(
        PartnerCentre.__table__.update()
        .where(PartnerCentre.partner_id == linked.id, PartnerCentre.centre_id == centre.id)
        .values(name="Røde Kors Sentrum & co")
    )
    unlinked = make.partner(centres=[other], name="Frivilligsentralen")
    make.referral(centre, linked, person=make.person(centre, first_name="Ada"))
    make.referral(centre, unlinked, person=make.person(centre, first_name="Bo"))
    db.session.commit()
    client.get("/follow-up")
    with count_statements() as counted:
        html = client.get("/follow-up").get_data(as_text=True)
    assert "Røde Kors Sentrum &amp; co" in html
    assert "Frivilligsentralen" in html
    assert html.count("Røde Kors") == 1
    # The unlinked partner's referral falls back to partner_label (one read of the names;
    # the page's own statement reads this centre's name as a subquery).
    assert sum(_reads_partner_names(s) for s in counted.statements) == 1
    db.session.execute(Referral.__table__.delete().where(Referral.partner_id == unlinked.id))
    db.session.commit()
    with count_statements() as counted:
        html = client.get("/follow-up").get_data(as_text=True)
    assert "Røde Kors Sentrum &amp; co" in html
    assert not any(_reads_partner_names(s) for s in counted.statements)
    assert sum("FROM partner_centre" in s for s in counted.statements) == 1


def _reads_partner_names(statement: str) -> bool:
    """A statement that reads partner_centre other than the referrals' page itself."""
    return "FROM partner_centre" in statement and "FROM referral" not in statement


def test_rows_name_their_activity_user_and_channel_from_the_page_statements(
    client: Any, make: Any, login: Any
) -> None:
    """The due, referral and heard rows show the names of their activity, the user who
    logged the contact and the first channel, read with the rows (as subqueries): no
    statement reads an activity, a user or a channel by itself; rows without one show
    none."""
    today = oslo_today(NOW)
    centre = make.centre()
    staff = make.user(centre, name="Kari & Co")
    login(make.user(centre))
    activity = make.activity(centre, name="Strikkekafé <3")
    channel = make.channel(centre, name="Plakat på biblioteket")
    with_all = make.person(centre, first_name="Ada")
    bare = make.person(centre, first_name="Bo")
    make.contact(with_all, activity_id=activity.id, by_user_id=staff.id, follow_up_on=today - DAY)
    make.contact(bare, follow_up_on=today)
    heard = make.person(centre, first_name="Cato")
    make.enrolment(heard, activity, heard_at=NOW - 20 * DAY, first_channel_id=channel.id)
    make.enrolment(make.person(centre, first_name="Dag"), activity, heard_at=NOW - 21 * DAY)
    make.referral(centre, activity_id=activity.id, person=make.person(centre, first_name="Eva"))
    db.session.commit()
    found = follow_up_queue(centre.id, heard_days=14)
    assert found.overdue.names == {
        "activity": {found.overdue.rows[0].id: "Strikkekafé <3"},
        "by_user": {found.overdue.rows[0].id: "Kari & Co"},
    }
    assert found.due_today.names == {"activity": {}, "by_user": {}}
    assert list(found.heard_not_asked.names["first_channel"].values()) == ["Plakat på biblioteket"]
    assert list(found.referrals.names["activity"].values()) == ["Strikkekafé <3"]
    db.session.rollback()
    client.get("/follow-up")
    with count_statements() as counted:
        html = client.get("/follow-up").get_data(as_text=True)
    assert html.count("Strikkekafé &lt;3") == 4  # overdue, referral, two heard
    assert "Kari &amp; Co" in html
    assert html.count("Plakat på biblioteket") == 1
    # A lazy load reads one table's row by itself; the page reads at most the logged-in
    # user so (the contact's user is another one).
    alone = [s.split(".", 1)[0] for s in counted.statements if s.startswith("SELECT ")]
    assert "SELECT activity" not in alone
    assert "SELECT channel" not in alone
    assert alone.count("SELECT user_account") <= 1
