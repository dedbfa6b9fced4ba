"""Demo people for Borgen (a few hundred) and Heggedal (about thirty), with a year of outreach.

Every contact goes through the real use case (``outreach.service.log_contact``), so the
funnel, attribution and "recruited by" are exactly what staff would have produced:
people hear of an activity through a channel, some are asked, some say no or "not
now", some show up; people who came bring neighbours (word of mouth); a child at Mat
og lek brings a parent to Foreldreprat; Mat og prat leads to Språkkafe. Most people
gave SMS consent; some follow-up dates are due today.

Names are generated: Faker ``no_NO`` for Norwegian speakers and short lists of common
given and family names (transliterated) for the other languages. No real person.

For the steps after this one (sessions and check-ins, reminders) the step leaves in
``context.objects``:

* ``people:<centre slug>`` - list of the Person rows made for that centre;
* ``enrolments:showed_up:<centre slug>`` - list of the Enrolment rows that reached
  "showed up" (``showed_up_at`` is the first visit: check-ins belong from then on);
* ``enrolments:regular:<centre slug>`` - the subset meant to come often (to become
  regulars once their attendance is generated).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from faker import Faker
from sqlalchemy import select

from rekruttering.domain.clock import oslo_today, start_of_oslo_day, utcnow
from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.domain.phone import try_normalise_phone
from rekruttering.domain.target_groups import TargetGroup
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Centre,
    Channel,
    ConsentMethod,
    ConsentPurpose,
    Enrolment,
    LinkKind,
    Person,
    User,
)
from rekruttering.outreach.service import ContactInput, log_contact, mark_follow_up_done
from rekruttering.people.service import create_person, link_family
from rekruttering.privacy.consent import give_consent

if TYPE_CHECKING:
    from rekruttering.demo import DemoContext

BORGEN_PEOPLE = 300
HEGGEDAL_PEOPLE = 30
FAMILIES = 12  # parents with a child at Mat og lek

#: Given and family names by language, transliterated as staff would write them.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ar": (
        (
            "Amal",
            "Fatima",
            "Rasha",
            "Huda",
            "Nour",
            "Samira",
            "Lina",
            "Mariam",
            "Rana",
            "Yasmin",
            "Ahmad",
            "Omar",
            "Khaled",
            "Mahmoud",
            "Yusuf",
            "Hassan",
            "Ali",
            "Sami",
        ),
        (
            "Al-Hassan",
            "Haddad",
            "Khalil",
            "Nasser",
            "Saleh",
            "Mansour",
            "Darwish",
            "Aziz",
            "Ibrahim",
            "Hamdan",
            "Suleiman",
            "Jaber",
        ),
    ),
    "so": (
        (
            "Hodan",
            "Faadumo",
            "Amina",
            "Sahra",
            "Hibaaq",
            "Ayaan",
            "Ubah",
            "Nimco",
            "Sagal",
            "Maryan",
            "Abdi",
            "Mohamed",
            "Farah",
            "Abdirahman",
            "Liban",
        ),
        (
            "Warsame",
            "Abdullahi",
            "Hassan",
            "Jama",
            "Farah",
            "Osman",
            "Aden",
            "Ismail",
            "Yusuf",
            "Hersi",
        ),
    ),
    "ti": (
        (
            "Senait",
            "Helen",
            "Saba",
            "Mebrat",
            "Tsega",
            "Selam",
            "Yordanos",
            "Rahel",
            "Winta",
            "Tesfay",
            "Yonas",
            "Dawit",
            "Filmon",
            "Merhawi",
        ),
        (
            "Tesfamariam",
            "Ghebremedhin",
            "Haile",
            "Berhane",
            "Kidane",
            "Woldu",
            "Tekle",
            "Gebremichael",
            "Habte",
            "Mehari",
        ),
    ),
    "uk": (
        (
            "Olena",
            "Iryna",
            "Natalia",
            "Oksana",
            "Svitlana",
            "Tetiana",
            "Halyna",
            "Liudmyla",
            "Valentyna",
            "Mykola",
            "Volodymyr",
            "Petro",
            "Serhii",
            "Viktor",
        ),
        (
            "Kovalenko",
            "Shevchenko",
            "Bondarenko",
            "Tkachenko",
            "Kravchenko",
            "Melnyk",
            "Oliinyk",
            "Boiko",
            "Moroz",
            "Lysenko",
            "Savchenko",
        ),
    ),
    "prs": (
        (
            "Zahra",
            "Mariam",
            "Fereshta",
            "Nilofar",
            "Shabnam",
            "Parwana",
            "Marzia",
            "Hamida",
            "Sima",
            "Ahmad",
            "Mustafa",
            "Farid",
            "Javid",
            "Wahid",
        ),
        (
            "Ahmadi",
            "Rahimi",
            "Hosseini",
            "Karimi",
            "Sultani",
            "Noori",
            "Haidari",
            "Sharifi",
            "Nazari",
            "Jafari",
        ),
    ),
    "pl": (
        (
            "Anna",
            "Katarzyna",
            "Agnieszka",
            "Magdalena",
            "Joanna",
            "Ewa",
            "Monika",
            "Piotr",
            "Tomasz",
            "Marcin",
            "Krzysztof",
            "Pawel",
        ),
        (
            "Nowak",
            "Kowalska",
            "Wiśniewska",
            "Wójcik",
            "Kaminski",
            "Lewandowska",
            "Zielinski",
            "Szymanska",
            "Dabrowski",
            "Kozlowska",
        ),
    ),
    "en": (
        (
            "Grace",
            "Joy",
            "Mercy",
            "Sarah",
            "Emily",
            "Priya",
            "Maria",
            "John",
            "Daniel",
            "James",
            "Samuel",
            "Michael",
        ),
        (
            "Okafor",
            "Mensah",
            "Smith",
            "Johnson",
            "Fernandes",
            "Reyes",
            "Santos",
            "Brown",
            "Adeyemi",
            "Mwangi",
        ),
    ),
}

#: Language mix of the people Borgen reaches (nb = Norwegian speakers).
LANGUAGE_WEIGHTS = {
    "nb": 34,
    "ar": 14,
    "uk": 13,
    "so": 10,
    "ti": 8,
    "prs": 8,
    "pl": 7,
    "en": 6,
}

#: Profiles: (weight, languages, activities, role, channel weights).
#: Conversion differs by channel, as in the evaluation report: word of mouth and the
#: refugee service work, drop-in hours at the citizens' service centre give little.
PROFILES = {
    "immigrant_women": (
        ("ar", "so", "ti", "prs", "pl", "en"),
        ("mat-og-prat", "sprakkafe", "kime", "foreldreprat"),
        Role.PARTICIPANT,
        {
            "word_of_mouth": 30,
            "refugee": 16,
            "nav": 10,
            "kindergarten": 10,
            "brochure": 6,
            "facebook": 6,
            "drop_in": 6,
            "inclusion": 4,
            "poster": 4,
        },
    ),
    "ukrainian_seniors": (
        ("uk",),
        ("datahjelp", "sprakkafe"),
        Role.PARTICIPANT,
        {"word_of_mouth": 35, "refugee": 30, "facebook": 15, "poster": 10, "drop_in": 5},
    ),
    "norwegian_volunteers": (
        ("nb",),
        ("sprakkafe", "kreativt-verksted", "mat-og-prat", "ferieaktiviteter"),
        Role.VOLUNTEER,
        {"word_of_mouth": 35, "facebook": 25, "poster": 15, "brochure": 15, "drop_in": 5},
    ),
    "creative_neighbours": (
        ("nb", "pl", "en"),
        ("kreativt-verksted",),
        Role.PARTICIPANT,
        {"word_of_mouth": 30, "facebook": 30, "poster": 25, "brochure": 15},
    ),
    "pupils": (
        ("nb", "ar", "so", "ti", "prs"),
        ("mat-og-lek", "jentegruppe", "ferieaktiviteter"),
        Role.PARTICIPANT,
        {"school": 70, "word_of_mouth": 20, "poster": 10},
    ),
    "bleiker_students": (
        ("nb",),
        ("mat-og-lek",),
        Role.VOLUNTEER,
        {"bleiker": 100},
    ),
}
PROFILE_WEIGHTS = {
    "immigrant_women": 44,
    "ukrainian_seniors": 14,
    "norwegian_volunteers": 14,
    "creative_neighbours": 10,
    "pupils": 14,
    "bleiker_students": 4,
}

#: Chance that a person who heard is personally asked, and that an asked person comes.
ASK_CHANCE = {"drop_in": 0.35, "facebook": 0.55, "poster": 0.5, "brochure": 0.55}
COME_CHANCE = {
    "word_of_mouth": 0.8,
    "refugee": 0.65,
    "bleiker": 0.95,
    "school": 0.7,
    "drop_in": 0.2,
}

HEGGEDAL_ACTIVITIES = ("sprakkafe", "strikkekafe")
HEGGEDAL_CHANNELS = {"word_of_mouth": 40, "facebook": 20, "nav": 15, "refugee": 15, "poster": 10}


@dataclass
class Builder:
    """The state of one centre's generation."""

    context: DemoContext
    centre: Centre
    rng: random.Random
    fake: Faker
    staff: list[User]
    phones: set[str]
    now: datetime
    people: list[Person] = field(default_factory=list)
    came: list[tuple[datetime, Person]] = field(default_factory=list)
    showed_up: list[Enrolment] = field(default_factory=list)

    def activity(self, slug: str) -> Activity:
        return self.context.objects[f"activity:{self.centre.slug}:{slug}"]

    def channel(self, key: str) -> Channel | None:
        found = self.context.objects.get(f"channel:{self.centre.slug}:{key}")
        return found if isinstance(found, Channel) else None

    def phone(self) -> str:
        while True:
            first = self.rng.choice("94")
            number = f"+47{first}{self.rng.randrange(10**7):07d}"
            e164 = try_normalise_phone(number)
            if e164 is not None and e164 not in self.phones:
                self.phones.add(e164)
                return e164

    def name(self, language: str) -> tuple[str, str]:
        if language == "nb":
            return self.fake.first_name(), self.fake.last_name()
        given, family = NAMES[language]
        return self.rng.choice(given), self.rng.choice(family)

    def by(self) -> int | None:
        return self.rng.choice(self.staff).id if self.staff else None

    def contact(
        self,
        person: Person,
        outcome: Outcome,
        activity: Activity,
        at: datetime,
        channel: Channel | None = None,
        role: Role = Role.PARTICIPANT,
        **extra: Any,
    ) -> None:
        contact = log_contact(
            self.centre.id,
            ContactInput(
                person_id=person.id,
                outcome=outcome,
                activity_id=activity.id,
                channel_id=channel.id if channel else None,
                role=role,
                occurred_at=min(at, self.now - timedelta(minutes=5)),
                by_user_id=self.by(),
                partner_id=channel.partner_id if channel else None,
                **extra,
            ),
        )
        due = contact.follow_up_on
        if due is not None and due < oslo_today(self.now) - timedelta(days=7):
            # Long past: the staff did follow up back then.
            mark_follow_up_done(
                self.centre.id, contact.id, start_of_oslo_day(due) + timedelta(hours=10)
            )

    def add_person(
        self,
        language: str,
        first_at: datetime,
        with_phone: bool = True,
        target_group: str | None = None,
    ) -> Person:
        first, last = self.name(language)
        person = create_person(
            self.centre.id,
            first,
            last,
            self.phone() if with_phone else None,
            language,
            target_group=target_group,
        )
        person.created_at = first_at
        self.people.append(person)
        if with_phone and self.rng.random() < 0.85:
            give_consent(
                self.centre.id,
                person.id,
                ConsentPurpose.SMS,
                ConsentMethod.IN_PERSON,
                recorded_by_id=self.by(),
                at=first_at,
            )
        return person

    def journey(
        self,
        person: Person,
        activity: Activity,
        channel_key: str,
        heard_at: datetime,
        role: Role,
    ) -> Enrolment | None:
        """Heard -> maybe asked -> showed up, said no or not now; returns the enrolment."""
        rng = self.rng
        channel = self.channel(channel_key)
        recruiter = None
        if channel_key == "word_of_mouth":
            earlier = [p for at, p in self.came if at < heard_at and p.id != person.id]
            if earlier:
                recruiter = rng.choice(earlier[-60:])
        self.contact(
            person,
            Outcome.HEARD,
            activity,
            heard_at,
            channel,
            role,
            recruited_by_id=recruiter.id if recruiter else None,
        )
        if rng.random() > ASK_CHANCE.get(channel_key, 0.75):
            # Not asked (yet): some already said no or "not now" when they heard of it.
            answered_at = heard_at + timedelta(days=1)
            roll = rng.random()
            if roll < 0.2 and answered_at < self.now:
                self.contact(person, Outcome.DECLINED, activity, answered_at, role=role)
            elif roll < 0.5 and answered_at < self.now:
                self.contact(
                    person,
                    Outcome.NOT_NOW,
                    activity,
                    answered_at,
                    role=role,
                    follow_up_on=(answered_at + timedelta(days=rng.randint(30, 120))).date(),
                )
            return self._enrolment(person, activity, role)
        asked_at = heard_at + timedelta(days=rng.randint(2, 30), hours=rng.randint(0, 6))
        if asked_at >= self.now:
            return self._enrolment(person, activity, role)
        self.contact(person, Outcome.ASKED, activity, asked_at, channel, role)
        came_at = asked_at + timedelta(days=rng.randint(1, 21))
        if rng.random() < COME_CHANCE.get(channel_key, 0.55) and came_at < self.now:
            self.contact(person, Outcome.SHOWED_UP, activity, came_at, role=role)
            self.came.append((came_at, person))
            enrolment = self._enrolment(person, activity, role)
            if enrolment is not None:
                self.showed_up.append(enrolment)
            return enrolment
        answered_at = asked_at + timedelta(days=rng.randint(1, 10))
        if self.now - asked_at < timedelta(days=30) and rng.random() < 0.5:
            return self._enrolment(person, activity, role)  # no answer yet: follow them up
        if answered_at < self.now:
            if rng.random() < 0.4:
                self.contact(person, Outcome.DECLINED, activity, answered_at, role=role)
            else:
                follow_up = (answered_at + timedelta(days=rng.randint(20, 90))).date()
                self.contact(
                    person,
                    Outcome.NOT_NOW,
                    activity,
                    answered_at,
                    role=role,
                    follow_up_on=follow_up,
                    note=rng.choice(("", "", "Har mye å gjøre nå, spør igjen senere.")),
                )
        return self._enrolment(person, activity, role)

    def _enrolment(self, person: Person, activity: Activity, role: Role) -> Enrolment | None:
        return db.session.scalar(
            select(Enrolment).where(
                Enrolment.person_id == person.id,
                Enrolment.activity_id == activity.id,
                Enrolment.role == role,
            )
        )


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _staff_of(context: DemoContext, *keys: str) -> list[User]:
    return [u for k in keys if isinstance(u := context.objects.get(f"user:{k}"), User)]


def _borgen(context: DemoContext, fake: Faker, phones: set[str]) -> Builder:
    rng = context.rng
    now = utcnow()
    b = Builder(
        context=context,
        centre=context.objects["centre:borgen"],
        rng=rng,
        fake=fake,
        staff=_staff_of(context, "admin", "staff", "staff2"),
        phones=phones,
        now=now,
    )
    # Plan everyone first, then play the year in time order so recruiters exist.
    plans = []
    for _ in range(BORGEN_PEOPLE - 2 * FAMILIES):
        profile = _weighted(rng, PROFILE_WEIGHTS)
        languages, activities, role, channels = PROFILES[profile]
        if profile == "immigrant_women":
            language = _weighted(rng, {k: LANGUAGE_WEIGHTS[k] for k in languages})
        else:
            language = rng.choice(languages)
        heard_at = now - timedelta(days=rng.uniform(3, 365), hours=rng.uniform(0, 8))
        plans.append((heard_at, profile, language, rng.choice(activities), role, channels))
    plans.sort(key=lambda plan: plan[0])
    target = {
        "immigrant_women": TargetGroup.IMMIGRANT,
        "ukrainian_seniors": TargetGroup.IMMIGRANT,
        "norwegian_volunteers": TargetGroup.VOLUNTEERS_SENIORS,
        "creative_neighbours": TargetGroup.OTHERS,
        "pupils": TargetGroup.CHILDREN_YOUTH,
        "bleiker_students": TargetGroup.VOLUNTEERS_SENIORS,
    }
    regulars: list[Enrolment] = []
    for heard_at, profile, language, slug, role, channels in plans:
        channel_key = _weighted(rng, channels)
        if channel_key == "word_of_mouth" and not b.came:
            channel_key = "poster"
        person = b.add_person(
            language,
            heard_at,
            with_phone=profile != "pupils" and rng.random() > 0.04,
            target_group=target[profile].value,
        )
        enrolment = b.journey(person, b.activity(slug), channel_key, heard_at, role)
        if enrolment is not None and enrolment.stage == Stage.SHOWED_UP and rng.random() < 0.5:
            regulars.append(enrolment)
        # Mat og prat leads to Språkkafe: some who came there hear of it at the centre.
        if (
            slug == "mat-og-prat"
            and enrolment is not None
            and enrolment.showed_up_at is not None
            and rng.random() < 0.4
        ):
            later = enrolment.showed_up_at + timedelta(days=rng.randint(7, 40))
            if later < now:
                # Some come as learners; a few who speak Norwegian well help as volunteers.
                sprak_role = Role.VOLUNTEER if rng.random() < 0.15 else Role.PARTICIPANT
                b.journey(person, b.activity("sprakkafe"), "internal", later, sprak_role)

    _families(b, regulars)
    _due_follow_ups(b)
    context.objects["enrolments:regular:borgen"] = regulars
    return b


def _families(b: Builder, regulars: list[Enrolment]) -> None:
    """A child at Mat og lek is how a parent finds Foreldreprat (a channel of its own)."""
    rng, now = b.rng, b.now
    for _ in range(FAMILIES):
        language = rng.choice(("ar", "so", "ti", "prs", "uk"))
        started = now - timedelta(days=rng.uniform(60, 330))
        parent = b.add_person(language, started, target_group=TargetGroup.CHILDREN_YOUTH.value)
        child = b.add_person(
            language, started, with_phone=False, target_group=TargetGroup.CHILDREN_YOUTH.value
        )
        child.last_name = parent.last_name
        link_family(b.centre.id, parent.id, child.id, LinkKind.PARENT_OF)
        enrolment = b.journey(child, b.activity("mat-og-lek"), "school", started, Role.PARTICIPANT)
        if enrolment is not None and enrolment.showed_up_at is not None:
            heard = enrolment.showed_up_at + timedelta(days=rng.randint(3, 30))
            if heard < now:
                b.journey(parent, b.activity("foreldreprat"), "internal", heard, Role.PARTICIPANT)


def _due_follow_ups(b: Builder) -> None:
    """A handful of follow-up dates that are due now, so the queue has work today."""
    rng, today = b.rng, oslo_today(b.now)
    candidates = [p for p in b.people if p.phone]
    for person in rng.sample(candidates, min(12, len(candidates))):
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.person_id == person.id).limit(1)
        )
        if enrolment is None:
            continue
        at = b.now - timedelta(days=rng.randint(8, 40))
        if enrolment.heard_at is not None and at <= enrolment.heard_at:
            at = b.now - timedelta(hours=2)  # never earlier than they heard of it
        b.contact(
            person,
            Outcome.NOT_NOW,
            enrolment.activity,
            at,
            role=enrolment.role,
            follow_up_on=today - timedelta(days=rng.randint(0, 5)),
            note=rng.choice(("Ring etter ferien.", "Spør om hun vil ta med naboen.", "")),
        )


def _heggedal(context: DemoContext, fake: Faker, phones: set[str]) -> Builder:
    rng = context.rng
    now = utcnow()
    b = Builder(
        context=context,
        centre=context.objects["centre:heggedal"],
        rng=rng,
        fake=fake,
        staff=_staff_of(context, "heggedal"),
        phones=phones,
        now=now,
    )
    starts = sorted(now - timedelta(days=rng.uniform(3, 300)) for _ in range(HEGGEDAL_PEOPLE))
    for heard_at in starts:
        language = _weighted(rng, {"nb": 12, "uk": 6, "ar": 5, "ti": 4, "so": 3})
        slug = rng.choice(HEGGEDAL_ACTIVITIES)
        channel_key = _weighted(rng, HEGGEDAL_CHANNELS)
        if channel_key == "word_of_mouth" and not b.came:
            channel_key = "poster"
        person = b.add_person(language, heard_at)
        role = Role.VOLUNTEER if language == "nb" and slug == "sprakkafe" else Role.PARTICIPANT
        b.journey(person, b.activity(slug), channel_key, heard_at, role)
    return b


def load(context: DemoContext) -> None:
    fake = Faker("no_NO")  # Faker's name for Norwegian bokmål
    fake.seed_instance(context.rng.randrange(2**31))
    phones: set[str] = set()
    for build in (_borgen, _heggedal):
        builder = build(context, fake, phones)
        slug = builder.centre.slug
        context.objects[f"people:{slug}"] = builder.people
        context.objects[f"enrolments:showed_up:{slug}"] = builder.showed_up
    context.objects.setdefault("enrolments:regular:heggedal", [])
