"""Demo referrals from NAV and the refugee service, and QR codes on posters and brochures.

Everything goes through the real use cases (refer_person, sign_up, log_contact,
set_not_reached), backdated over the last weeks, so the partners' lists show every
status: received, contacted, came, not reached and declined. A second partner login
(the refugee service) is made here: ``flyktning@partner.demo`` with the demo password.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from faker import Faker
from sqlalchemy import update

from rekruttering.auth.service import create_user
from rekruttering.demo.accounts import DEMO_PASSWORD
from rekruttering.demo.people import NAMES
from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome
from rekruttering.domain.phone import try_normalise_phone
from rekruttering.extensions import db
from rekruttering.models import Activity, Centre, Channel, Notification, Partner, User, UserRole
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.partners.referrals import ReferralInput, refer_person, set_not_reached
from rekruttering.signup.service import SignupInput, SourceInput, create_source, sign_up
from rekruttering.signup.spam import SpamGuard

if TYPE_CHECKING:
    from rekruttering.demo import DemoContext

#: partner key, centre slug, activity slug, language, days ago, what happened since
#: ("" = nothing yet, "contacted", "came", "not_reached", "declined").
REFERRALS: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("nav", "borgen", "kime", "so", 40, "came"),
    ("nav", "borgen", "mat-og-prat", "ar", 33, "came"),
    ("nav", "borgen", "sprakkafe", "ti", 26, "declined"),
    ("nav", "borgen", "kime", "ar", 19, "not_reached"),
    ("nav", "borgen", "sprakkafe", "uk", 9, "contacted"),
    ("nav", "borgen", "mat-og-prat", "so", 1, ""),
    ("nav", "heggedal", "sprakkafe", "prs", 12, "came"),
    ("nav", "heggedal", "strikkekafe", "pl", 2, ""),
    ("refugee", "borgen", "datahjelp", "uk", 35, "came"),
    ("refugee", "borgen", "foreldreprat", "ar", 21, "contacted"),
    ("refugee", "borgen", "mat-og-prat", "ti", 14, "came"),
    ("refugee", "borgen", "foreldreprat", "prs", 6, "not_reached"),
    ("refugee", "borgen", "datahjelp", "uk", 3, ""),
    ("refugee", "heggedal", "sprakkafe", "ar", 4, "contacted"),
)

NOTES = (
    "",
    "Ring etter kl. 12.",
    "Snakker litt norsk, tolk kan hjelpe.",
    "Har barn i barnehagen, ønsker formiddag.",
    "",
)

#: name, channel key, activity slug (or None), sign-ups (days ago, language, came?)
SOURCES: tuple[tuple[str, str, str | None, tuple[tuple[int, str, bool], ...]], ...] = (
    (
        "Plakat på Innbyggertorget",
        "poster",
        None,
        ((30, "nb", True), (18, "ar", False), (5, "en", False)),
    ),
    (
        "Brosjyre i barnehagen",
        "brochure",
        "foreldreprat",
        ((25, "so", True), (11, "ar", True), (2, "nb", False)),
    ),
    ("Plakat på biblioteket", "poster", "sprakkafe", ((8, "uk", False),)),
)


def _name(fake: Faker, rng: random.Random, language: str) -> str:
    if language in ("nb", "en") or language not in NAMES:
        return f"{fake.first_name()} {fake.last_name()}"
    given, family = NAMES[language]
    return f"{rng.choice(given)} {rng.choice(family)}"


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        number = try_normalise_phone(f"+479{rng.randrange(10**7):07d}")
        if number is not None and number not in used:
            used.add(number)
            return number


def load(context: DemoContext) -> None:
    rng = context.rng
    fake = Faker("no_NO")
    fake.seed_instance(rng.randrange(10**6))
    now = utcnow()
    used: set[str] = set()
    centres = {slug: context.objects[f"centre:{slug}"] for slug in ("borgen", "heggedal")}
    staff: User = context.objects["user:staff"]
    heggedal_staff: User = context.objects["user:heggedal"]
    refugee: Partner = context.objects["partner:refugee"]
    users = {
        "nav": context.objects["user:partner"],
        "refugee": create_user(
            "flyktning@partner.demo",
            "Jonas Lie (Flyktningetjenesten)",
            DEMO_PASSWORD,
            dict.fromkeys((c.id for c in centres.values()), UserRole.PARTNER),
            partner_id=refugee.id,
        ),
    }
    context.objects["user:refugee_partner"] = users["refugee"]

    for partner_key, slug, activity_slug, language, days, outcome in REFERRALS:
        centre: Centre = centres[slug]
        activity: Activity = context.objects[f"activity:{slug}:{activity_slug}"]
        at = now - timedelta(days=days, hours=rng.randrange(1, 8))
        referral = refer_person(
            users[partner_key],
            ReferralInput(
                centre_id=centre.id,
                name=_name(fake, rng, language),
                phone=_phone(rng, used),
                language=language,
                activity_id=activity.id,
                note=rng.choice(NOTES),
                consent=True,
            ),
            at=at,
        )
        by = staff if slug == "borgen" else heggedal_staff
        follow = at + timedelta(days=min(2, max(days - 1, 0)), hours=2)
        if outcome in ("contacted", "came", "declined"):
            log_contact(
                centre.id,
                ContactInput(
                    person_id=referral.person_id,
                    outcome=Outcome.DECLINED if outcome == "declined" else Outcome.ASKED,
                    activity_id=activity.id,
                    occurred_at=follow,
                    by_user_id=by.id,
                    referral_id=referral.id,
                ),
            )
        if outcome == "came":
            log_contact(
                centre.id,
                ContactInput(
                    person_id=referral.person_id,
                    outcome=Outcome.SHOWED_UP,
                    activity_id=activity.id,
                    occurred_at=follow + timedelta(days=5),
                    by_user_id=by.id,
                    referral_id=referral.id,
                ),
            )
        if outcome == "not_reached":
            set_not_reached(centre.id, referral.id, True)

    borgen: Centre = centres["borgen"]
    guard = SpamGuard(secrets.token_hex(16), min_fill_seconds=0)
    for name, channel_key, source_slug, signups in SOURCES:
        channel: Channel = context.objects[f"channel:borgen:{channel_key}"]
        target = context.objects[f"activity:borgen:{source_slug}"] if source_slug else None
        source = create_source(
            borgen.id,
            SourceInput(name, channel.id, target.id if target else None),
        )
        context.objects[f"source:{name}"] = source
        for days, language, came in signups:
            at = now - timedelta(days=days, hours=rng.randrange(1, 10))
            contact = sign_up(
                source.code,
                SignupInput(
                    name=_name(fake, rng, language),
                    phone=_phone(rng, used),
                    consent=True,
                    language=language,
                    stamp=guard.issue(source.code, now=at.timestamp() - 40),
                ),
                guard,
                now=at,
            )
            if came:
                log_contact(
                    borgen.id,
                    ContactInput(
                        person_id=contact.person_id,
                        outcome=Outcome.SHOWED_UP,
                        activity_id=contact.activity_id
                        or context.objects["activity:borgen:mat-og-prat"].id,
                        occurred_at=at + timedelta(days=3),
                        by_user_id=staff.id,
                    ),
                )

    # Staff have read the older notices; the last few days' are still new.
    db.session.execute(
        update(Notification)
        .where(Notification.read_at.is_(None), Notification.created_at < now - timedelta(days=4))
        .values(read_at=now),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
