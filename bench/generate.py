"""Synthetic installations: a municipality's (or a country's) centres in one database.

``generate_installation(people, centres, largest_share, seed)`` fills an empty schema
(made with ``db.create_all()`` or the migrations) with centres, staff, partners,
activities with a year of weekly sessions, and people with about ten contacts and
twenty attendances each. The largest centre holds ``largest_share`` of the people.
Rows go in with bulk inserts: PostgreSQL COPY through psycopg, SQLite ``executemany``
on the raw connection, so 100,000 people (about three million rows) take a few
minutes at most. Columns a model gains later are filled from their defaults (or NULL),
so the generator keeps working as the schema grows.

The same seed on the same day gives the same installation. Times are relative to
today (Oslo), so the follow-up queue and today's check-in have something in them.

    python -m bench.generate --people 10000 --url sqlite:///instance/bench-10k.db
"""

from __future__ import annotations

import argparse
import random
import time as clock_time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from rekruttering.domain.clock import OSLO, oslo_to_utc, oslo_today, start_of_oslo_day
from rekruttering.domain.search_text import SEARCH_KEY_LENGTH, fold, person_keys, plain
from rekruttering.domain.text import name_key
from rekruttering.funnel import referral_acted_on
from rekruttering.models import person_trigram
from rekruttering.models.types import UTCDateTime

PASSWORD = "bench-password-2026"  # noqa: S105 - synthetic data only
MUNICIPALITY_EMAIL = "kommune@bench.test"
PARTNER_EMAIL = "partner@bench.test"

#: How many centres, and the largest one's share, per benchmark size (the issue's sizes).
SIZES: dict[int, tuple[int, float]] = {
    1_000: (5, 0.2),
    10_000: (20, 0.2),
    100_000: (50, 0.2),
}

CHANNELS = (
    ("Muntlig fra deltakere og naboer", "word_of_mouth"),
    ("Brosjyre", "print"),
    ("Plakat", "print"),
    ("Facebook", "social_media"),
    ("Besøk i barnehagen", "partner"),
    ("Skolen", "partner"),
    ("NAV", "partner"),
    ("Flyktningetjenesten", "partner"),
    ("Treffetid på innbyggertorget", "outreach"),
    ("Annen aktivitet på sentralen", "internal"),
)
ACTIVITY_NAMES = (
    "Mat og prat",
    "Datahjelp",
    "Språkkafe",
    "Foreldreprat",
    "Kreativt verksted",
    "Ferieaktiviteter",
    "Mat og lek",
    "Jentegruppe",
    "KIME",
    "Lunsjklubb",
    "Friluftstrim",
    "Strikkekafe",
)
TARGET_GROUPS = ("immigrant", "children_youth", "volunteers_seniors", "others")
LANGUAGES = ("nb",) * 10 + ("uk",) * 3 + ("ar",) * 3 + ("so",) * 2 + ("en", "pl", "ti")
PARTNERS = (
    ("NAV", "nav"),
    ("Flyktningetjenesten", "refugee_service"),
    ("Barnehagen", "kindergarten"),
    ("Barneskolen", "school"),
    ("Avdeling for inkludering og mangfold", "municipal"),
)
WEEKS_BACK = 52
WEEKS_AHEAD = 8
BLOCK = 2_000  # people generated and written per block (bounds the generator's memory)


@dataclass
class Installation:
    """What was generated: sizes, row counts and who to log in as."""

    people: int
    centres: int
    largest_centre_id: int
    staff_email: str
    admin_email: str
    municipality_email: str
    partner_email: str
    password: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def centre_sizes(people: int, centres: int, largest_share: float) -> list[int]:
    """People per centre: the first holds ``largest_share``, the rest share the others."""
    if centres < 1 or people < centres:
        raise ValueError("need at least one person per centre")
    if centres == 1:
        return [people]
    largest = max(1, round(people * largest_share))
    rest, others = people - largest, centres - 1
    return [largest] + [rest // others + (1 if i < rest % others else 0) for i in range(others)]


class BulkWriter:
    """Buffered bulk inserts into one table; missing columns get their defaults."""

    def __init__(self, conn: sa.Connection, table: sa.Table, columns: Sequence[str]) -> None:
        self.conn = conn
        self.table = table
        self.dialect = conn.dialect.name
        self.columns = list(columns)
        self.extra: list[tuple[str, Any]] = []
        for column in table.columns:
            if column.name in self.columns:
                continue
            value = _default_for(column)
            if value is _SKIP:
                continue
            self.extra.append((column.name, value))
        self.names = self.columns + [name for name, _ in self.extra]
        self.tail = tuple(value for _, value in self.extra)
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0
        if self.dialect == "sqlite":
            # (position, converter) for the columns that need one; timestamps take a
            # direct format (SQLAlchemy's chain of processors was a fifth of the time).
            self.converters: list[tuple[int, Any]] = []
            for position, name in enumerate(self.names):
                column = table.c[name]
                if isinstance(column.type, UTCDateTime):
                    self.converters.append((position, _sqlite_timestamp(column, conn.dialect)))
                    continue
                processor = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                if processor is not None:
                    self.converters.append((position, processor))

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row + self.tail)

    def flush(self) -> None:
        if not self.rows:
            return
        raw = self.conn.connection.dbapi_connection
        quoted = ", ".join(f'"{name}"' for name in self.names)
        if self.dialect == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f'COPY "{self.table.name}" ({quoted}) FROM STDIN') as copy,
            ):
                for row in self.rows:
                    copy.write_row(row)
        else:
            converted = []
            for row in self.rows:
                values = list(row)
                for position, convert in self.converters:
                    if values[position] is not None:
                        values[position] = convert(values[position])
                converted.append(values)
            marks = ", ".join("?" for _ in self.names)
            cursor = raw.cursor()
            cursor.executemany(
                f'INSERT INTO "{self.table.name}" ({quoted}) VALUES ({marks})', converted
            )
            cursor.close()
        self.count += len(self.rows)
        self.rows = []


_SKIP = object()

#: How SQLAlchemy's SQLite dialect stores a DATETIME (naive UTC for UTCDateTime).
_SQLITE_DATETIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def _sqlite_timestamp(column: sa.Column[Any], dialect: Any) -> Any:
    """A UTC timestamp as SQLite stores it, checked once against SQLAlchemy's own chain."""

    def convert(value: datetime) -> str:
        u = value.astimezone(UTC)
        return _SQLITE_DATETIME % (
            u.year,
            u.month,
            u.day,
            u.hour,
            u.minute,
            u.second,
            u.microsecond,
        )

    sample = datetime(2026, 3, 29, 1, 2, 3, 4567, tzinfo=UTC).astimezone(OSLO)
    bound = column.type.process_bind_param(sample, dialect)
    processor = column.type.impl.dialect_impl(dialect).bind_processor(dialect)
    expected = processor(bound) if processor else bound
    if convert(sample) != expected:
        raise AssertionError(f"bench.generate: {convert(sample)!r} != SQLAlchemy's {expected!r}")
    return convert


def _default_for(column: sa.Column[Any]) -> Any:
    """The value for a column the generator does not set: its default, or NULL."""
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg
    if default is not None and getattr(default, "is_callable", False):
        return default.arg(None)
    if column.server_default is not None or column.primary_key:
        return _SKIP
    if column.nullable:
        return None
    raise ValueError(
        f"bench.generate: {column.table.name}.{column.name} is required and has no default; "
        "add it to the generator"
    )


def _next_id(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) or 0) + 1


def _name_pools(seed: int) -> tuple[list[str], list[str]]:
    from faker import Faker

    fake = Faker("no_NO")  # Faker's name for Norwegian bokmål: generated names only
    fake.seed_instance(seed)
    first = sorted({fake.first_name() for _ in range(600)})
    last = sorted({fake.last_name() for _ in range(600)})
    return first, last


class NameKeys:
    """``person_keys`` for names drawn from the pools, folded once per name, not per person.

    Folding works word by word (spaces are only tidied), so the keys of "first last" are
    the two folded names joined by a space; checked against ``person_keys`` for every
    first name and every last name before use.
    """

    def __init__(self, first_names: Sequence[str], last_names: Sequence[str]) -> None:
        names = set(first_names) | set(last_names)
        self.folded = {name: fold(name) for name in names}
        self.plain = {name: plain(name) for name in names}
        for first, last in zip(first_names, reversed(last_names), strict=False):
            if self(first, last) != person_keys(first, last):
                raise AssertionError(f"bench.generate: keys of {first!r} {last!r} differ")

    def __call__(self, first: str, last: str) -> tuple[str, str]:
        return (
            f"{self.folded[first]} {self.folded[last]}"[:SEARCH_KEY_LENGTH],
            f"{self.plain[first]} {self.plain[last]}"[:SEARCH_KEY_LENGTH],
        )


def generate_installation(
    people: int = 1_000,
    centres: int = 5,
    largest_share: float = 0.2,
    seed: int = 2026,
    *,
    engine: sa.Engine | None = None,
    contacts_per_person: int = 10,
    attendances_per_person: int = 20,
    today: date | None = None,
    vacuum: bool = False,
) -> Installation:
    """Fill the (empty) schema behind ``engine`` (default: the app's ``db.engine``).

    ``vacuum``: on PostgreSQL, ``VACUUM`` the tables too, as autovacuum would in a
    running installation (the benchmark's databases; a minute or more at 100,000 people,
    which the tests that only need the rows do without).
    """
    if engine is None:
        from rekruttering.extensions import db

        engine = db.engine
    from rekruttering.extensions import db

    tables = db.metadata.tables
    started = clock_time.perf_counter()
    rng = random.Random(seed)
    today = today or oslo_today()
    # Midnight (Oslo) starting today: the same seed on the same day, the same rows.
    now = start_of_oslo_day(today)
    first_names, last_names = _name_pools(seed)
    name_keys = NameKeys(first_names, last_names)
    sizes = centre_sizes(people, centres, largest_share)
    password_hash = generate_password_hash(PASSWORD)

    with engine.connect() as conn:
        ids = {name: _next_id(conn, tables[name]) for name in _ID_TABLES if name in tables}

        def take(name: str) -> int:
            value = ids[name]
            ids[name] += 1
            return value

        def writer(name: str, columns: Sequence[str]) -> BulkWriter:
            return BulkWriter(conn, tables[name], columns)

        w = {
            "centre": writer("centre", ("id", "name", "slug", "municipality", "created_at")),
            "partner": writer("partner", ("id", "name", "kind", "created_at")),
            "partner_centre": writer(
                "partner_centre", ("id", "partner_id", "centre_id", "name", "kind")
            ),
            "user_account": writer(
                "user_account",
                ("id", "email", "name", "password_hash", "is_active_account", "partner_id"),
            ),
            "membership": writer("membership", ("id", "user_id", "centre_id", "role")),
            "channel": writer(
                "channel",
                ("id", "centre_id", "name", "name_key", "kind", "partner_id", "active"),
            ),
            "activity": writer(
                "activity",
                (
                    "id",
                    "centre_id",
                    "name",
                    "slug",
                    "target_group",
                    "season_start",
                    "season_end",
                    "active",
                ),
            ),
            "weekly_slot": writer(
                "weekly_slot",
                ("id", "centre_id", "activity_id", "weekday", "start_time", "end_time", "place"),
            ),
            "session": writer(
                "session",
                ("id", "centre_id", "activity_id", "starts_at", "ends_at", "place", "cancelled"),
            ),
            "source": writer(
                "source", ("id", "centre_id", "name", "code", "channel_id", "activity_id")
            ),
            "person": writer(
                "person",
                (
                    "id",
                    "centre_id",
                    "first_name",
                    "last_name",
                    "phone",
                    "language",
                    "target_group",
                    "created_at",
                    "updated_at",
                    "last_activity_at",
                    "recruited_by_id",
                    "search_key",
                    "search_plain",
                ),
            ),
            "enrolment": writer(
                "enrolment",
                (
                    "id",
                    "centre_id",
                    "person_id",
                    "activity_id",
                    "role",
                    "stage",
                    "heard_at",
                    "asked_at",
                    "showed_up_at",
                    "regular_at",
                    "declined_at",
                    "not_now_at",
                    "first_channel_id",
                    "ask_channel_id",
                    "partner_id",
                    "attendance_count",
                    "created_at",
                ),
            ),
            "contact": writer(
                "contact",
                (
                    "id",
                    "centre_id",
                    "person_id",
                    "activity_id",
                    "channel_id",
                    "role",
                    "outcome",
                    "occurred_at",
                    "by_user_id",
                    "note",
                    "follow_up_on",
                ),
            ),
            "attendance": writer(
                "attendance",
                (
                    "id",
                    "centre_id",
                    "session_id",
                    "person_id",
                    "role",
                    "checked_in_at",
                    "by_user_id",
                    "walk_in",
                ),
            ),
            "consent": writer(
                "consent", ("id", "centre_id", "person_id", "purpose", "method", "given_at")
            ),
            "referral": writer(
                "referral",
                (
                    "id",
                    "centre_id",
                    "partner_id",
                    "person_id",
                    "activity_id",
                    "note",
                    "status",
                    "created_at",
                ),
            ),
        }
        order = list(w)  # parents before children, for the foreign keys
        rebuild = _drop_indexes(conn, [tables[name] for name in order])
        _skip_foreign_key_triggers(conn)

        def flush() -> None:
            for name in order:
                w[name].flush()

        # The installation: partners, the municipality and partner logins.
        centre_ids = [take("centre") for _ in sizes]
        for n, cid in enumerate(centre_ids, start=1):
            w["centre"].add((cid, f"Senter {n:03d}", f"senter-{n:03d}", "Benchkommune", now))
        partner_ids = []
        for name, kind in PARTNERS:
            pid = take("partner")
            partner_ids.append(pid)
            w["partner"].add((pid, f"{name} (bench {seed})", kind, now))
            for cid in centre_ids:
                w["partner_centre"].add(
                    (take("partner_centre"), pid, cid, f"{name} (bench {seed})", kind)
                )
        staff_by_centre: dict[int, int] = {}
        for n, cid in enumerate(centre_ids, start=1):
            uid = take("user_account")
            staff_by_centre[cid] = uid
            w["user_account"].add(
                (uid, f"staff{n}@bench.test", f"Ansatt {n}", password_hash, True, None)
            )
            w["membership"].add((take("membership"), uid, cid, "staff"))
        admin = take("user_account")
        w["user_account"].add(
            (admin, "admin1@bench.test", "Daglig leder 1", password_hash, True, None)
        )
        w["membership"].add((take("membership"), admin, centre_ids[0], "admin"))
        municipality = take("user_account")
        w["user_account"].add(
            (municipality, MUNICIPALITY_EMAIL, "Benchkommune", password_hash, True, None)
        )
        partner_user = take("user_account")
        w["user_account"].add(
            (partner_user, PARTNER_EMAIL, "NAV-veileder", password_hash, True, partner_ids[0])
        )
        for cid in centre_ids:
            w["membership"].add((take("membership"), municipality, cid, "municipality"))
            w["membership"].add((take("membership"), partner_user, cid, "partner"))
        flush()

        season_start = date(today.year - 1, 8, 15)
        season_end = date(today.year + 1, 6, 20)
        first_week = today - timedelta(weeks=WEEKS_BACK)
        centres_setup: list[_CentreSetup] = []
        for n, (cid, size) in enumerate(zip(centre_ids, sizes, strict=True), start=1):
            staff = staff_by_centre[cid]
            channels = []
            for name, kind in CHANNELS:
                chid = take("channel")
                partner = (
                    partner_ids[len(channels) % len(partner_ids)] if kind == "partner" else None
                )
                channels.append((chid, partner))
                w["channel"].add((chid, cid, name, name_key(name), kind, partner, True))
            # A big centre runs more activities: about one per 400 people, 9 to 60.
            activities: list[tuple[int, list[tuple[int, datetime]]]] = []
            for a in range(min(60, max(9, size // 400))):
                aid = take("activity")
                name = ACTIVITY_NAMES[a % len(ACTIVITY_NAMES)]
                if a >= len(ACTIVITY_NAMES):
                    name = f"{name} {a // len(ACTIVITY_NAMES) + 1}"
                w["activity"].add(
                    (aid, cid, name, f"a{a}", TARGET_GROUPS[a % 4], season_start, season_end, True)
                )
                weekday_offset = a % 7  # activity 0 meets today, so check-in has a session
                start = time(9 + (a % 5) * 2, 0)
                end = time(start.hour + 2, 0)
                w["weekly_slot"].add(
                    (
                        take("weekly_slot"),
                        cid,
                        aid,
                        (first_week + timedelta(days=weekday_offset)).weekday(),
                        start,
                        end,
                        "Kafeen",
                    )
                )
                past: list[tuple[int, datetime]] = []
                for week in range(WEEKS_BACK + WEEKS_AHEAD + 1):
                    day = first_week + timedelta(weeks=week, days=weekday_offset)
                    starts = oslo_to_utc(day, start)
                    sid = take("session")
                    w["session"].add(
                        (sid, cid, aid, starts, starts + timedelta(hours=2), "Kafeen", False)
                    )
                    if day < today:
                        past.append((sid, starts))
                activities.append((aid, past))
            for s in range(3):
                w["source"].add(
                    (
                        take("source"),
                        cid,
                        f"Plakat {s + 1}",
                        f"b{seed % 1000}c{n}s{s}",
                        channels[2][0],
                        activities[s][0],
                    )
                )
            centres_setup.append(_CentreSetup(cid, staff, channels, activities, []))
        flush()
        # People of all centres arrive interleaved, as they join a real installation over
        # time: rows written centre by centre would leave each table physically ordered
        # by centre, which real data never is (and which steers PostgreSQL's planner).
        arrivals = [c for c, size in zip(centres_setup, sizes, strict=True) for _ in range(size)]
        random.Random(seed + 1).shuffle(arrivals)
        for block_start in range(0, len(arrivals), BLOCK):
            for centre in arrivals[block_start : block_start + BLOCK]:
                _person(
                    rng,
                    w,
                    take,
                    centre,
                    partner_ids,
                    first_names,
                    last_names,
                    name_keys,
                    now,
                    today,
                    contacts_per_person,
                    attendances_per_person,
                )
            flush()
        conn.commit()
        rebuild(conn)
        conn.commit()
        if conn.dialect.name == "postgresql":
            for name in _ID_TABLES:
                if name in tables:
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                            f'(SELECT coalesce(max(id), 0) + 1 FROM "{name}"), false)'
                        )
                    )
            conn.commit()
        # Rows written in bulk pass no ORM session: each referral's stored "acted on"
        # is worked out once here, as the migration fills it. With statistics first:
        # without any, PostgreSQL planned the rule's lookups as if the tables were empty.
        conn.execute(sa.text("ANALYZE"))
        referral_acted_on.refresh(conn)
        conn.commit()
        counts = {name: writer.count for name, writer in w.items()}

    _analyze(engine, vacuum)
    return Installation(
        people=people,
        centres=len(sizes),
        largest_centre_id=centre_ids[0],
        staff_email="staff1@bench.test",
        admin_email="admin1@bench.test",
        municipality_email=MUNICIPALITY_EMAIL,
        partner_email=PARTNER_EMAIL,
        password=PASSWORD,
        counts=counts,
        seconds=clock_time.perf_counter() - started,
    )


_ID_TABLES = (
    "centre",
    "partner",
    "partner_centre",
    "user_account",
    "membership",
    "channel",
    "activity",
    "weekly_slot",
    "session",
    "source",
    "person",
    "enrolment",
    "contact",
    "attendance",
    "consent",
    "referral",
)

OUTCOMES_AFTER_ASK = ("asked", "asked", "showed_up", "heard", "not_now", "declined")


class _CentreSetup(NamedTuple):
    """What a centre's people are made with: its staff, channels and activities."""

    id: int
    staff: int
    channels: list[tuple[int, int | None]]
    activities: list[tuple[int, list[tuple[int, datetime]]]]
    people: list[int]  # ids of its people so far (a recruiter is one of them)


def _person(
    rng: random.Random,
    w: dict[str, BulkWriter],
    take: Any,
    centre: _CentreSetup,
    partner_ids: list[int],
    first_names: list[str],
    last_names: list[str],
    name_keys: NameKeys,
    now: datetime,
    today: date,
    contacts_per_person: int,
    attendances_per_person: int,
) -> None:
    """One person with enrolments, contacts, attendances, consent, maybe a referral."""
    cid, staff, channels, activities, earlier = centre
    pid = take("person")
    # Word of mouth: about one in six was brought by someone already at the centre.
    recruiter = earlier[rng.randrange(len(earlier))] if earlier and rng.random() < 0.15 else None
    earlier.append(pid)
    created = now - timedelta(days=rng.randint(30, 700), seconds=rng.randint(0, 86_399))
    phone = None if rng.random() < 0.05 else f"+479{pid:07d}"
    # Which activities (and roles): most people try one or two, some volunteer too.
    picked = rng.sample(activities, k=min(len(activities), 1 + (rng.random() < 0.6)))
    roles = [(activity, "participant") for activity in picked]
    if rng.random() < 0.08:
        roles.append((rng.choice(activities), "volunteer"))
    # Attendances: a quarter never came; the others came 10-43 times (mean about 20).
    want = 0 if rng.random() < 0.25 else rng.randint(10, 43) * attendances_per_person // 20
    attended: list[tuple[int, datetime, str, int]] = []
    if want:  # (sampling none draws no random number: the same rows as building the pool)
        pool = [(sid, starts, role, aid) for (aid, past), role in roles for sid, starts in past]
        if len({aid for (aid, _past), _role in roles}) < len(roles):  # one per session
            seen: set[int] = set()
            pool = [p for p in pool if not (p[0] in seen or seen.add(p[0]))]
        attended = sorted(rng.sample(pool, k=min(want, len(pool))), key=lambda p: p[1])
    # Contacts: about ten, spread over the last year, oldest first.
    n_contacts = max(1, contacts_per_person + rng.randint(-4, 4))
    contact_times = sorted(
        now - timedelta(days=rng.randint(0, 365), seconds=rng.randint(0, 86_399))
        for _ in range(n_contacts)
    )
    first_channel, first_partner = channels[0] if recruiter else rng.choice(channels)
    partner = first_partner if rng.random() < 0.5 else None
    last = max([contact_times[-1]] + [p[1] for p in attended[-1:]])
    first_name, last_name = rng.choice(first_names), rng.choice(last_names)
    w["person"].add(
        (
            pid,
            cid,
            first_name,
            last_name,
            phone,
            rng.choice(LANGUAGES),
            rng.choice(TARGET_GROUPS),
            created,
            last,
            last,
            recruiter,
            # Bulk rows bypass the model's hook: the search keys are written here.
            *name_keys(first_name, last_name),
        )
    )
    for (aid, _past), role in roles:
        times = [p[1] for p in attended if p[2] == role and p[3] == aid]
        heard = min([contact_times[0]] + times[:1])
        asked = contact_times[1] if len(contact_times) > 1 else None
        showed = times[0] if times else None
        regular = times[2] if len(times) >= 3 else None
        stage = (
            "regular"
            if regular
            else "showed_up"
            if showed
            else "asked"
            if asked and rng.random() < 0.6
            else "heard"
        )
        declined = contact_times[-1] if stage == "heard" and rng.random() < 0.3 else None
        w["enrolment"].add(
            (
                take("enrolment"),
                cid,
                pid,
                aid,
                role,
                stage,
                heard,
                asked if stage != "heard" else None,
                showed,
                regular,
                declined,
                None,
                first_channel,
                rng.choice(channels)[0] if stage != "heard" else None,
                partner,
                len(times),
                heard,
            )
        )
    for i, at in enumerate(contact_times):
        (aid, _past), role = rng.choice(roles)
        outcome = "heard" if i == 0 else rng.choice(OUTCOMES_AFTER_ASK)
        follow_up = None
        if i == len(contact_times) - 1 and rng.random() < 0.1:
            follow_up = today + timedelta(days=rng.randint(-14, 14))
        w["contact"].add(
            (
                take("contact"),
                cid,
                pid,
                aid if rng.random() < 0.9 else None,
                first_channel if i == 0 else rng.choice(channels)[0],
                role,
                outcome,
                at,
                staff,
                "",
                follow_up,
            )
        )
    for sid, starts, role, _aid in attended:
        w["attendance"].add(
            (
                take("attendance"),
                cid,
                sid,
                pid,
                role,
                starts + timedelta(minutes=rng.randint(0, 30)),
                staff,
                rng.random() < 0.05,
            )
        )
    if phone and rng.random() < 0.7:
        w["consent"].add((take("consent"), cid, pid, "sms", "in_person", created))
    if rng.random() < 0.03:
        w["referral"].add(
            (
                take("referral"),
                cid,
                rng.choice(partner_ids),
                pid,
                roles[0][0][0],
                "",
                "received",
                created,
            )
        )


def _drop_indexes(
    conn: sa.Connection, tables: Sequence[sa.Table]
) -> Callable[[sa.Connection], None]:
    """Drop what is quicker built once after the load than kept row by row, and give
    what builds it again. SQLite: the tables' secondary indexes (one sort per index at
    the end instead of a B-tree insert per row: a 100,000-person load takes a third
    less). PostgreSQL: only the people's trigram index (GIN); its B-trees gain nothing
    beside COPY. The FTS5 trigram table of SQLite is kept by triggers as rows arrive."""
    if conn.dialect.name == "sqlite":
        dropped = [index for table in tables for index in table.indexes]
        for index in dropped:
            index.drop(conn)

        def rebuild(connection: sa.Connection) -> None:
            for index in dropped:
                index.create(connection)

        return rebuild
    if any(table.name == "person" for table in tables):
        person_trigram.drop(conn)
        return person_trigram.create
    return lambda connection: None


def _skip_foreign_key_triggers(conn: sa.Connection) -> None:
    """PostgreSQL, connected as a superuser: no foreign-key triggers until the load's
    commit (``SET LOCAL session_replication_role = replica``). They checked every
    reference of every row, half of a 100,000-person load. The generator's rows are the
    same on SQLite for the same seed and day, and SQLite checks every key as they arrive
    (the test suite loads both), so a wrong reference still fails a run. Another role
    loads with the checks on."""
    if conn.dialect.name != "postgresql":
        return
    if conn.scalar(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))


def _analyze(engine: sa.Engine, vacuum: bool) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) / PRAGMA optimize would give.

    With ``vacuum``, on PostgreSQL a ``VACUUM`` too, as autovacuum gives a table after
    many inserts: a freshly loaded table has no visibility map, so an index-only scan
    still reads every row's page (a real installation's tables are vacuumed as they grow).
    """
    if vacuum and engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM (ANALYZE)"))
        return
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        conn.commit()


def create_schema(url: str) -> sa.Engine:
    """A fresh schema at ``url`` (dropped and created from the models)."""
    from rekruttering.app import create_app
    from rekruttering.config import parse_settings
    from rekruttering.extensions import db

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        # Remove the file: with foreign keys on, SQLite's DROP TABLE deletes row by row
        # and checks every child table, which takes many minutes at 100,000 people.
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(parsed.database + suffix).unlink(missing_ok=True)

    app = create_app(parse_settings({"app": {"database_url": url, "secret_key": "bench"}}, {}))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        db.engine.dispose()
    return sa.create_engine(url)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--centres", type=int)
    parser.add_argument("--largest-share", type=float)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--url", required=True, help="database URL (emptied first)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    centres, share = SIZES.get(args.people, (max(1, args.people // 2000), 0.2))
    engine = create_schema(args.url)
    from rekruttering.app import create_app
    from rekruttering.config import parse_settings

    app = create_app(parse_settings({"app": {"database_url": args.url, "secret_key": "bench"}}, {}))
    with app.app_context():
        result = generate_installation(
            args.people,
            args.centres or centres,
            args.largest_share if args.largest_share is not None else share,
            args.seed,
            engine=engine,
            vacuum=True,  # the benchmark measures an installation as it runs
        )
    engine.dispose()
    print(
        f"{result.people} people in {result.centres} centres: {result.rows} rows "
        f"in {result.seconds:.1f} s ({', '.join(f'{k} {v}' for k, v in result.counts.items())})"
    )


if __name__ == "__main__":
    main()
