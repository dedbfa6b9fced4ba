"""The demo's programme: Borgen publishes most of its activities, with texts in
Norwegian, English and Arabic written for the demo, and one printed programme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import force_locale
from sqlalchemy import select

from rekruttering.domain.clock import oslo_today
from rekruttering.extensions import db
from rekruttering.models import Activity, Centre

if TYPE_CHECKING:
    from rekruttering.demo import DemoContext

#: slug -> language -> (title, description). Activities not listed stay private.
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "mat-og-prat": {
        "nb": ("", "Vi lager lunsj sammen og prater om løst og fast. Ta gjerne med en venn."),
        "en": ("Food and chat", "We cook lunch together and talk. Bring a friend."),
        "ar": ("طعام وحديث", "نطبخ الغداء معًا ونتحدث. أحضر صديقًا معك."),
    },
    "sprakkafe": {
        "nb": ("", "Øv på norsk med frivillige over en kopp kaffe. Alle nivåer."),
        "en": ("Language café", "Practise Norwegian with volunteers over a cup of coffee."),
        "ar": ("مقهى اللغة", "تدرّب على اللغة النرويجية مع متطوعين على فنجان قهوة."),
        "uk": ("Мовне кафе", "Практикуйте норвезьку з волонтерами за чашкою кави."),
    },
    "foreldreprat": {
        "nb": ("", "Samtalegruppe for foreldre om hverdagen med barn i Norge."),
        "ar": (
            "حديث الأهل",
            "مجموعة حوار للآباء والأمهات عن الحياة اليومية مع الأطفال في النرويج.",
        ),
    },
    "kreativt-verksted": {
        "nb": ("", "Maling, strikking og snekring for alle kreative sjeler."),
        "en": ("Creative workshop", "Painting, knitting and woodwork for every creative soul."),
    },
    "ferieaktiviteter": {
        "nb": (
            "",
            "Aktiviteter for barn og unge i skoleferien. Påmelding, begrenset antall plasser.",
        ),
        "ar": ("أنشطة العطلة", "أنشطة للأطفال والشباب في العطلة المدرسية. التسجيل مطلوب."),
    },
    "mat-og-lek": {
        "nb": ("", "Lunsj og lek for småbarn og foreldrene deres."),
        "ar": ("طعام ولعب", "غداء ولعب للأطفال الصغار وأهاليهم."),
    },
}


def load(context: DemoContext) -> None:
    from rekruttering.programme.service import (
        PrintRunInput,
        TextInput,
        create_print_run,
        publish,
        save_texts,
        set_public,
    )

    centre = db.session.scalar(select(Centre).where(Centre.slug == "borgen"))
    if centre is None:
        return
    with force_locale("nb"):
        for slug, texts in TEXTS.items():
            activity = db.session.scalar(
                select(Activity).where(Activity.centre_id == centre.id, Activity.slug == slug)
            )
            if activity is None:
                continue
            save_texts(
                centre.id,
                activity.id,
                [TextInput(code, title, text) for code, (title, text) in texts.items()],
            )
            set_public(centre.id, activity.id, True)
        context.objects["programme:borgen"] = publish(centre.id)
        context.objects["programme:borgen:print"] = create_print_run(
            centre.id, PrintRunInput("month", oslo_today(), "ar")
        )
