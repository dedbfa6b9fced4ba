"""A small hand-built data set for the report tests: every count in it is known.

Centre "Testsenter" with two activities (A1 Mat og prat, target group immigrant; A2
Foreldreprat, children_youth), channels Facebook, NAV (partner NAV) and Muntlig.
Participants (dates 2025, UTC; Oslo is UTC+1 in winter):

=====  ====  =====  ====================  ============  ============  ==========  =======
who    act   first  heard                 asked (ask)   showed up     regular     partner
=====  ====  =====  ====================  ============  ============  ==========  =======
P1     A1    FB     01-05 10:00           01-10 (WOM)   01-15 10:00   02-20
P2     A1    FB     01-06 10:00           01-08 (NAV)   01-26 10:00
P3     A1    FB     01-07 10:00                                                   NAV
P4     A1    FB     01-31 23:30 (Feb 1 Oslo)  02-02 (FB)
P5     A1    NAV    02-03 10:00           02-04 (NAV)   02-07 10:00               NAV
P6     A2    NAV    02-10 10:00
P7     A2    -      02-11 10:00           02-12 (WOM)   02-13 10:00
P1     A2    WOM    02-01 10:00
P8     A1    WOM    01-20 10:00           01-21 (WOM)   01-22 10:00   (volunteer)
=====  ====  =====  ====================  ============  ============  ==========  =======

P2 was brought by P1, P3 by P1, P7 by P2 (a chain P1 -> P2 -> P7), P6 by P5.

``add_sessions`` adds check-ins (A1 wishes 0.5 volunteers per participant):

====  ====  ===================  ======================  ==========  =========
sess  act   starts (UTC)         participants            volunteers  note
====  ====  ===================  ======================  ==========  =========
S0    A1    2024-12-10 10:00     P2
S1    A1    2025-01-15 10:00     P1, P2                  P8
S2    A1    2025-01-26 10:00     P1, P2, P3
S3    A1    2025-02-07 10:00     P1, P5                  P8
S4    A1    2025-02-20 10:00     P1
S5    A1    2025-02-27 10:00     P2                                  cancelled
S6    A2    2025-02-13 10:00     P7                      P1
S7    A2    2025-03-05 10:00                                         nobody came
====  ====  ===================  ======================  ==========  =========
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rekruttering.domain.funnel import Role
from rekruttering.domain.target_groups import TargetGroup
from rekruttering.extensions import db
from rekruttering.models import ChannelKind


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Dataset:
    centre: Any
    a1: Any
    a2: Any
    fb: Any
    nav: Any
    wom: Any
    nav_partner: Any
    people: dict[str, Any]


def build(make: Any) -> Dataset:
    centre = make.centre("Testsenter")
    nav_partner = make.partner(centres=[centre], name="NAV Test")
    a1 = make.activity(centre, "Mat og prat", target_group=TargetGroup.IMMIGRANT.value)
    a2 = make.activity(centre, "Foreldreprat", target_group=TargetGroup.CHILDREN_YOUTH.value)
    fb = make.channel(centre, "Facebook", kind=ChannelKind.SOCIAL_MEDIA)
    nav = make.channel(centre, "NAV", kind=ChannelKind.PARTNER, partner_id=nav_partner.id)
    wom = make.channel(centre, "Muntlig", kind=ChannelKind.WORD_OF_MOUTH)
    p = {f"P{i}": make.person(centre, first_name=f"P{i}", last_name="Test") for i in range(1, 9)}
    p["P2"].recruited_by_id = p["P1"].id
    p["P3"].recruited_by_id = p["P1"].id
    p["P7"].recruited_by_id = p["P2"].id
    p["P6"].recruited_by_id = p["P5"].id
    db.session.commit()
    e = make.enrolment
    e(
        p["P1"],
        a1,
        first_channel_id=fb.id,
        heard_at=at(1, 5),
        asked_at=at(1, 10),
        ask_channel_id=wom.id,
        showed_up_at=at(1, 15),
        regular_at=at(2, 20),
    )
    e(
        p["P2"],
        a1,
        first_channel_id=fb.id,
        heard_at=at(1, 6),
        asked_at=at(1, 8),
        ask_channel_id=nav.id,
        showed_up_at=at(1, 26),
    )
    e(p["P3"], a1, first_channel_id=fb.id, heard_at=at(1, 7), partner_id=nav_partner.id)
    e(
        p["P4"],
        a1,
        first_channel_id=fb.id,
        heard_at=at(1, 31, 23, 30),
        asked_at=at(2, 2),
        ask_channel_id=fb.id,
    )
    e(
        p["P5"],
        a1,
        first_channel_id=nav.id,
        heard_at=at(2, 3),
        asked_at=at(2, 4),
        ask_channel_id=nav.id,
        showed_up_at=at(2, 7),
        partner_id=nav_partner.id,
    )
    e(p["P6"], a2, first_channel_id=nav.id, heard_at=at(2, 10))
    e(
        p["P7"],
        a2,
        heard_at=at(2, 11),
        asked_at=at(2, 12),
        ask_channel_id=wom.id,
        showed_up_at=at(2, 13),
    )
    e(p["P1"], a2, first_channel_id=wom.id, heard_at=at(2, 1))
    e(
        p["P8"],
        a1,
        role=Role.VOLUNTEER,
        first_channel_id=wom.id,
        heard_at=at(1, 20),
        asked_at=at(1, 21),
        ask_channel_id=wom.id,
        showed_up_at=at(1, 22),
    )
    return Dataset(centre, a1, a2, fb, nav, wom, nav_partner, p)


def add_sessions(make: Any, data: Dataset) -> dict[str, Any]:
    p = data.people
    data.a1.wished_volunteer_ratio = 0.5
    db.session.commit()
    plan = [
        ("S0", data.a1, datetime(2024, 12, 10, 10, tzinfo=UTC), ["P2"], [], False),
        ("S1", data.a1, at(1, 15), ["P1", "P2"], ["P8"], False),
        ("S2", data.a1, at(1, 26), ["P1", "P2", "P3"], [], False),
        ("S3", data.a1, at(2, 7), ["P1", "P5"], ["P8"], False),
        ("S4", data.a1, at(2, 20), ["P1"], [], False),
        ("S5", data.a1, at(2, 27), ["P2"], [], True),
        ("S6", data.a2, at(2, 13), ["P7"], ["P1"], False),
        ("S7", data.a2, at(3, 5), [], [], False),
    ]
    sessions = {}
    for name, activity, starts, participants, volunteers, cancelled in plan:
        session = make.session(activity, starts, cancelled=cancelled)
        sessions[name] = session
        for who in participants:
            make.attendance(session, p[who])
        for who in volunteers:
            make.attendance(session, p[who], role=Role.VOLUNTEER)
    return sessions
