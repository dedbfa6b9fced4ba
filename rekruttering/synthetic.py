"""A fast generator of a whole installation of made-up data, for load tests and benchmarks.

    generate_installation(people=100_000, centres=5, largest_share=0.5, seed=1)

Rows go in with SQLAlchemy Core ``insert`` and executemany (no ORM objects, no
services), so 100,000 people with their funnel histories, contacts and check-ins take
seconds. The data follow the funnel's rules (stage times in order, "regular" after
three check-ins, ``attendance_count`` equal to the check-ins) so every report and
screen works on it. Names are drawn from a pool made once with Faker (no_NO): no real
person is in it. Ids are assigned here; on PostgreSQL the sequences are moved past them.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from faker import Faker

from rekruttering.domain.clock import oslo_to_utc, oslo_today, utcnow
from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.domain.target_groups import TargetGroup
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Attendance,
    Centre,
    Channel,
    ChannelKind,
    Contact,
    Enrolment,
    Partner,
    PartnerCentre,
    PartnerKind,
    Person,
    Session,
)
from rekruttering.models.types import UTCDateTime

CHANNELS: tuple[tuple[str, ChannelKind, int | None, float], ...] = (
    # name, kind, index of the partner (or None), weight as first channel
    ("Muntlig fra deltakere", ChannelKind.WORD_OF_MOUTH, None, 0.30),
    ("Brosjyre", ChannelKind.PRINT, None, 0.10),
    ("Plakat", ChannelKind.PRINT, None, 0.08),
    ("Facebook", ChannelKind.SOCIAL_MEDIA, None, 0.17),
    ("Skolen", ChannelKind.PARTNER, 0, 0.10),
    ("NAV", ChannelKind.PARTNER, 1, 0.10),
    ("Flyktningetjenesten", ChannelKind.PARTNER, 2, 0.08),
    ("Annen aktivitet på sentralen", ChannelKind.INTERNAL, None, 0.07),
)

ACTIVITIES: tuple[tuple[str, TargetGroup, int, float | None], ...] = (
    # name, target group, weekday, wished volunteer ratio
    ("Mat og prat", TargetGroup.IMMIGRANT, 1, None),
    ("Språkkafe", TargetGroup.IMMIGRANT, 3, 0.5),
    ("Foreldreprat", TargetGroup.CHILDREN_YOUTH, 0, None),
    ("Kreativt verksted", TargetGroup.OTHERS, 2, 0.25),
    ("Mat og lek", TargetGroup.CHILDREN_YOUTH, 4, None),
    ("Lunsjklubb", TargetGroup.VOLUNTEERS_SENIORS, 1, None),
)

PARTNERS = (
    ("Skolen", PartnerKind.SCHOOL),
    ("NAV", PartnerKind.NAV),
    ("Flyktningetjenesten", PartnerKind.REFUGEE_SERVICE),
)

BATCH = 20_000


@dataclass
class Installation:
    """What was made: ids to find it again, and row counts."""

    centre_ids: list[int]
    partner_ids: list[int]
    people_per_centre: dict[int, int]
    rows: dict[str, int] = field(default_factory=dict)


class _Ids:
    """Next free id per table (explicit ids let rows refer to each other before insert)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.next: dict[str, int] = {}

    def take(self, table: sa.Table) -> int:
        name = table.name
        if name not in self.next:
            current = self.connection.scalar(sa.select(sa.func.max(table.c.id)))
            self.next[name] = (current or 0) + 1
        value = self.next[name]
        self.next[name] += 1
        return value


def _name_pool(rng: random.Random) -> tuple[list[str], list[str]]:
    fake = Faker("no_NO")
    fake.seed_instance(rng.randrange(1 << 30))
    first = sorted({fake.first_name() for _ in range(400)})
    last = sorted({fake.last_name() for _ in range(400)})
    return first, last


def _split(people: int, centres: int, largest_share: float) -> list[int]:
    if centres < 1:
        raise ValueError("at least one centre")
    if centres == 1:
        return [people]
    largest = round(people * max(0.0, min(1.0, largest_share)))
    rest = people - largest
    share, extra = divmod(rest, centres - 1)
    return [largest] + [share + (1 if i < extra else 0) for i in range(centres - 1)]


def generate_installation(
    people: int,
    centres: int = 1,
    largest_share: float = 1.0,
    seed: int = 0,
    months: int = 12,
    commit: bool = True,
) -> Installation:
    """Make ``centres`` centres holding ``people`` people in all, the largest holding
    ``largest_share`` of them, with a year of sessions, funnels, contacts and check-ins.

    The same seed gives the same data (apart from ids, which follow what exists).
    """
    rng = random.Random(seed)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        # A bigger page cache for this connection: the indexes of 500,000 new rows
        # otherwise spill to disk page by page.
        connection.exec_driver_sql("PRAGMA cache_size = -262144")
    ids = _Ids(connection)
    first_names, last_names = _name_pool(rng)
    now = utcnow()
    today = oslo_today()
    window_start = today - timedelta(days=months * 30)
    token = f"{seed}-{rng.getrandbits(32):08x}"
    rows: dict[str, list[dict[str, Any]]] = {}

    def add(table: sa.Table, row: dict[str, Any]) -> None:
        rows.setdefault(table.name, []).append(row)

    partner_ids = []
    for name, kind in PARTNERS:
        pid = ids.take(Partner.__table__)
        partner_ids.append(pid)
        add(
            Partner.__table__,
            {
                "id": pid,
                "name": f"{name} (syntetisk {token})",
                "kind": kind.value,
                "created_at": now,
            },
        )

    installation = Installation([], partner_ids, {})
    phone_counter = 0
    for index, count in enumerate(_split(people, centres, largest_share)):
        cid = ids.take(Centre.__table__)
        installation.centre_ids.append(cid)
        installation.people_per_centre[cid] = count
        add(
            Centre.__table__,
            {
                "id": cid,
                "name": f"Syntetisk senter {index + 1} ({token})",
                "slug": f"synt-{token}-{index + 1}",
                "municipality": "Syntetisk kommune",
                "created_at": now,
            },
        )
        for pid in partner_ids:
            add(
                PartnerCentre.__table__,
                {"id": ids.take(PartnerCentre.__table__), "partner_id": pid, "centre_id": cid},
            )

        channel_ids, weights, word_of_mouth = [], [], 0
        for name, kind, partner_index, weight in CHANNELS:
            ch = ids.take(Channel.__table__)
            channel_ids.append(ch)
            weights.append(weight)
            if kind == ChannelKind.WORD_OF_MOUTH:
                word_of_mouth = ch
            add(
                Channel.__table__,
                {
                    "id": ch,
                    "centre_id": cid,
                    "name": name,
                    "kind": kind.value,
                    "partner_id": partner_ids[partner_index] if partner_index is not None else None,
                    "active": True,
                },
            )

        activity_sessions: dict[int, list[tuple[int, datetime]]] = {}
        activity_ids = []
        for number, (name, group, weekday, ratio) in enumerate(ACTIVITIES):
            aid = ids.take(Activity.__table__)
            activity_ids.append(aid)
            add(
                Activity.__table__,
                {
                    "id": aid,
                    "centre_id": cid,
                    "name": name,
                    "slug": f"akt-{number}",
                    "description": "",
                    "target_group": group.value,
                    "capacity": None,
                    "signup_required": False,
                    "wished_volunteer_ratio": ratio,
                    "season_start": window_start,
                    "season_end": today + timedelta(days=180),
                    "reminder_days_before": 1,
                    "reminder_time": time(18, 0),
                    "active": True,
                    "created_at": now,
                },
            )
            sessions = []
            day = window_start + timedelta(days=(weekday - window_start.weekday()) % 7)
            while day <= today + timedelta(days=28):
                starts = oslo_to_utc(day, time(11, 0))
                sid = ids.take(Session.__table__)
                sessions.append((sid, starts))
                add(
                    Session.__table__,
                    {
                        "id": sid,
                        "centre_id": cid,
                        "activity_id": aid,
                        "starts_at": starts,
                        "ends_at": starts + timedelta(hours=2),
                        "place": "Kafeen",
                        "cancelled": False,
                    },
                )
                day += timedelta(days=7)
            activity_sessions[aid] = [s for s in sessions if s[1] <= now]

        person_ids: list[int] = []
        for _ in range(count):
            person_id = ids.take(Person.__table__)
            phone_counter += 1
            recruited_by = (
                rng.choice(person_ids[-2000:]) if person_ids and rng.random() < 0.15 else None
            )
            created = now - timedelta(seconds=rng.randrange(months * 30 * 86400))
            add(
                Person.__table__,
                {
                    "id": person_id,
                    "centre_id": cid,
                    "first_name": rng.choice(first_names),
                    "last_name": rng.choice(last_names),
                    "phone": f"+479{phone_counter:07d}",
                    "language": rng.choice(("nb", "nb", "nb", "ar", "uk", "so", "en")),
                    "target_group": None,
                    "note": "",
                    "recruited_by_id": recruited_by,
                    "created_at": created,
                    "updated_at": created,
                    "last_activity_at": created,
                },
            )
            person_ids.append(person_id)
            chosen = rng.sample(activity_ids, 2 if rng.random() < 0.3 else 1)
            for activity_id in chosen:
                _enrol(
                    add,
                    ids,
                    rng,
                    cid,
                    person_id,
                    activity_id,
                    created,
                    now,
                    channel_ids,
                    weights,
                    word_of_mouth if recruited_by else None,
                    activity_sessions[activity_id],
                    recruited_by,
                )

    order = [
        Partner.__table__,
        Centre.__table__,
        PartnerCentre.__table__,
        Channel.__table__,
        Activity.__table__,
        Session.__table__,
        Person.__table__,
        Enrolment.__table__,
        Contact.__table__,
        Attendance.__table__,
    ]
    for table in order:
        batch = rows.get(table.name, [])
        # recruited_by always points at an earlier person, inserted before it.
        _insert(connection, table, batch)
        installation.rows[table.name] = len(batch)
    if connection.dialect.name == "postgresql":
        for table in order:
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table.name}"))'
                )
            )
    # Fresh statistics, as autovacuum would gather them, so the planner knows the sizes.
    connection.exec_driver_sql("ANALYZE")
    if commit:
        db.session.commit()
    return installation


def _sqlite_datetime(value: datetime | None) -> str | None:
    """What SQLAlchemy's SQLite DateTime stores (naive UTC text with microseconds), made
    directly: its per-value processing would take most of the run."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _sqlite_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat("microseconds")
    return value


def _insert(connection: sa.Connection, table: sa.Table, batch: list[dict[str, Any]]) -> None:
    """INSERT many rows through the driver's executemany, skipping SQLAlchemy's per-value
    type processing. Every value is a plain str/int/float/bool/None/date/time/datetime."""
    if not batch:
        return
    columns = list(batch[0])
    # Columns added to the model since this was written get their Python default.
    defaults = {}
    for column in table.columns:
        if column.name in columns or column.default is None:
            continue
        default = column.default
        value = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
        defaults[column.name] = getattr(value, "value", value)
    sqlite = connection.dialect.name == "sqlite"
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, defaults, batch)
        return
    marker = "?" if sqlite else "%s"
    names = ", ".join(f'"{name}"' for name in [*columns, *defaults])
    markers = ", ".join(marker for _ in range(len(columns) + len(defaults)))
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({markers})'
    if sqlite:
        # Convert only the columns that need it (this loop runs millions of times).
        first = batch[0]
        datetimes = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime)]
        others = [
            i
            for i, c in enumerate(columns)
            if i not in datetimes and isinstance(first[c], date | time)
        ]
        fixed = tuple(_sqlite_value(v) for v in defaults.values())
    else:
        datetimes, others, fixed = [], [], tuple(defaults.values())
    for start in range(0, len(batch), BATCH):
        values = []
        for row in batch[start : start + BATCH]:
            item = [row[c] for c in columns]
            for i in datetimes:
                item[i] = _sqlite_datetime(item[i])
            for i in others:
                item[i] = _sqlite_value(item[i])
            values.append((*item, *fixed))
        connection.exec_driver_sql(statement, values)


def _copy(
    connection: sa.Connection,
    table: sa.Table,
    columns: list[str],
    defaults: dict[str, Any],
    batch: list[dict[str, Any]],
) -> None:
    """PostgreSQL: COPY ... FROM STDIN through psycopg, many times faster than INSERT."""
    names = ", ".join(f'"{name}"' for name in [*columns, *defaults])
    fixed = tuple(defaults.values())
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
            for row in batch:
                copy.write_row((*(row[c] for c in columns), *fixed))
    finally:
        cursor.close()


def _enrol(
    add: Any,
    ids: _Ids,
    rng: random.Random,
    centre_id: int,
    person_id: int,
    activity_id: int,
    created: datetime,
    now: datetime,
    channel_ids: list[int],
    weights: list[float],
    word_of_mouth: int | None,
    sessions: list[tuple[int, datetime]],
    recruited_by: int | None,
) -> None:
    role = Role.VOLUNTEER if rng.random() < 0.1 else Role.PARTICIPANT
    first_channel = word_of_mouth or rng.choices(channel_ids, weights)[0]
    heard = created
    asked = showed = regular = None
    ask_channel = None
    # Word of mouth converts best, as the evaluation found.
    boost = 0.15 if first_channel == word_of_mouth else 0.0
    if rng.random() < 0.55 + boost:
        asked = heard + timedelta(hours=rng.randrange(1, 24 * 30))
        if asked > now:
            asked = None
        else:
            ask_channel = rng.choice(
                (first_channel, word_of_mouth or channel_ids[0], channel_ids[5])
            )
    attended: list[tuple[int, datetime]] = []
    if asked is not None and rng.random() < 0.5 + boost:
        later = sessions[bisect.bisect_right(sessions, asked, key=lambda s: s[1]) :]
        if later:
            start = rng.randrange(min(len(later), 4))
            attended = later[start : start + rng.choice((1, 1, 2, 3, 4, 6))]
    if attended:
        showed = attended[0][1]
        if len(attended) >= 3 and attended[2][1] - attended[0][1] <= timedelta(weeks=8):
            regular = attended[2][1]
    stage = (
        Stage.REGULAR
        if regular
        else Stage.SHOWED_UP
        if showed
        else Stage.ASKED
        if asked
        else Stage.HEARD
    )
    add(
        Enrolment.__table__,
        {
            "id": ids.take(Enrolment.__table__),
            "centre_id": centre_id,
            "person_id": person_id,
            "activity_id": activity_id,
            "role": role.value,
            "stage": stage.value,
            "heard_at": heard,
            "asked_at": asked,
            "showed_up_at": showed,
            "regular_at": regular,
            "declined_at": None,
            "not_now_at": None,
            "first_channel_id": first_channel,
            "ask_channel_id": ask_channel,
            "partner_id": None,
            "attendance_count": len(attended),
            "created_at": heard,
        },
    )
    for outcome, at, channel in (
        (Outcome.HEARD, heard, first_channel),
        (Outcome.ASKED, asked, ask_channel),
    ):
        if at is None:
            continue
        add(
            Contact.__table__,
            {
                "id": ids.take(Contact.__table__),
                "centre_id": centre_id,
                "person_id": person_id,
                "activity_id": activity_id,
                "channel_id": channel,
                "role": role.value,
                "outcome": outcome.value,
                "occurred_at": at,
                "recruited_by_id": recruited_by if outcome == Outcome.HEARD else None,
                "note": "",
            },
        )
    for session_id, starts in attended:
        add(
            Attendance.__table__,
            {
                "id": ids.take(Attendance.__table__),
                "centre_id": centre_id,
                "session_id": session_id,
                "person_id": person_id,
                "role": role.value,
                "checked_in_at": starts,
                "walk_in": False,
            },
        )
