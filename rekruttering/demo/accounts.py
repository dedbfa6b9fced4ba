"""Demo logins, printed by ``make run``. They exist only in demo data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rekruttering.auth.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from rekruttering.auth.service import create_user
from rekruttering.models import Centre, Partner, UserRole

if TYPE_CHECKING:
    from rekruttering.demo import DemoContext

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "load"]


def load(context: DemoContext) -> None:
    borgen: Centre = context.objects["centre:borgen"]
    heggedal: Centre = context.objects["centre:heggedal"]
    nav: Partner = context.objects["partner:nav"]
    users = {
        "admin": create_user(
            "leder@borgen.demo",
            "Kari Nordmann (daglig leder)",
            DEMO_PASSWORD,
            {borgen.id: UserRole.ADMIN, heggedal.id: UserRole.STAFF},
        ),
        "staff": create_user(
            "miljo@borgen.demo", "Ola Hansen", DEMO_PASSWORD, {borgen.id: UserRole.STAFF}
        ),
        "staff2": create_user(
            "miljo2@borgen.demo", "Amina Rahimi", DEMO_PASSWORD, {borgen.id: UserRole.STAFF}
        ),
        "heggedal": create_user(
            "ansatt@heggedal.demo", "Per Berg", DEMO_PASSWORD, {heggedal.id: UserRole.ADMIN}
        ),
        "partner": create_user(
            "nav@partner.demo",
            "Siri Veileder (NAV Asker)",
            DEMO_PASSWORD,
            {borgen.id: UserRole.PARTNER, heggedal.id: UserRole.PARTNER},
            partner_id=nav.id,
        ),
        "municipality": create_user(
            "kommune@asker.demo",
            "Asker kommune, oppvekst",
            DEMO_PASSWORD,
            {borgen.id: UserRole.MUNICIPALITY, heggedal.id: UserRole.MUNICIPALITY},
        ),
    }
    for key, user in users.items():
        context.objects[f"user:{key}"] = user
