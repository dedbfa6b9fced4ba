"""The demo centres: activities of the evaluation report, channels, partners."""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING

from sqlalchemy import select

from rekruttering.centre_settings.service import SettingsInput, update_settings
from rekruttering.centres.service import create_centre
from rekruttering.channels.service import add_channel, edit_channel
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_today
from rekruttering.domain.target_groups import TargetGroup
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Centre,
    Channel,
    ChannelKind,
    Partner,
    PartnerCentre,
    PartnerKind,
    WeeklySlot,
)
from rekruttering.partners.organisations import partner_channel
from rekruttering.reminders.service import save_template

if TYPE_CHECKING:
    from rekruttering.demo import DemoContext

MON, TUE, WED, THU, FRI = range(5)

#: slug, name, target group, [(weekday, start, end, place)], extra attributes
ACTIVITIES: tuple[tuple[str, str, TargetGroup, list[tuple[int, str, str, str]], dict], ...] = (
    (
        "mat-og-prat",
        "Mat og prat",
        TargetGroup.IMMIGRANT,
        [(TUE, "11:00", "13:30", "Kjøkkenet")],
        {},
    ),
    (
        "datahjelp",
        "Datahjelp for ukrainske seniorer",
        TargetGroup.IMMIGRANT,
        [(WED, "10:00", "12:00", "Datarommet")],
        {},
    ),
    (
        "sprakkafe",
        "Språkkafe",
        TargetGroup.IMMIGRANT,
        [(THU, "11:00", "13:00", "Kafeen")],
        {"wished_volunteer_ratio": 0.5},
    ),
    (
        "foreldreprat",
        "Foreldreprat",
        TargetGroup.CHILDREN_YOUTH,
        [(MON, "17:30", "19:00", "Møterommet")],
        {},
    ),
    (
        "kreativt-verksted",
        "Kreativt verksted",
        TargetGroup.OTHERS,
        [(WED, "18:00", "21:00", "Verkstedet")],
        {"wished_volunteer_ratio": 0.25},
    ),
    (
        "ferieaktiviteter",
        "Ferieaktiviteter",
        TargetGroup.CHILDREN_YOUTH,
        [(MON, "10:00", "14:00", "Hele huset"), (WED, "10:00", "14:00", "Hele huset")],
        {"signup_required": True, "capacity": 20},
    ),
    (
        "mat-og-lek",
        "Mat og lek",
        TargetGroup.CHILDREN_YOUTH,
        [(FRI, "12:30", "14:30", "Kjøkkenet")],
        {},
    ),
    (
        "jentegruppe",
        "Jentegruppe",
        TargetGroup.CHILDREN_YOUTH,
        [(TUE, "14:30", "16:00", "Ungdomsrommet")],
        {},
    ),
    (
        "kime",
        "KIME",
        TargetGroup.IMMIGRANT,
        [(MON, "09:00", "14:00", "Kafeen"), (WED, "09:00", "14:00", "Kafeen")],
        {},
    ),
)

#: key, name, kind, partner key
CHANNELS: tuple[tuple[str, str, ChannelKind, str | None], ...] = (
    ("word_of_mouth", "Muntlig fra deltakere og naboer", ChannelKind.WORD_OF_MOUTH, None),
    ("brochure", "Brosjyre", ChannelKind.PRINT, None),
    ("poster", "Plakat", ChannelKind.PRINT, None),
    ("facebook", "Facebook", ChannelKind.SOCIAL_MEDIA, None),
    ("kindergarten", "Besøk i barnehagen", ChannelKind.PARTNER, "kindergarten"),
    ("school", "Hagaløkka skole", ChannelKind.PARTNER, "school"),
    ("nav", "NAV", ChannelKind.PARTNER, "nav"),
    ("refugee", "Flyktningetjenesten", ChannelKind.PARTNER, "refugee"),
    ("inclusion", "Avdeling for inkludering og mangfold", ChannelKind.PARTNER, "inclusion"),
    ("drop_in", "Treffetid på innbyggertorget", ChannelKind.OUTREACH, None),
    ("internal", "Annen aktivitet på sentralen", ChannelKind.INTERNAL, None),
    ("bleiker", "Bleiker VGS", ChannelKind.PARTNER, "bleiker"),
)

PARTNERS: tuple[tuple[str, str, PartnerKind], ...] = (
    ("kindergarten", "Borgen barnehage", PartnerKind.KINDERGARTEN),
    ("school", "Hagaløkka skole", PartnerKind.SCHOOL),
    ("nav", "NAV Asker", PartnerKind.NAV),
    ("refugee", "Flyktningetjenesten i Asker", PartnerKind.REFUGEE_SERVICE),
    ("inclusion", "Asker kommune, inkludering og mangfold", PartnerKind.MUNICIPAL),
    ("bleiker", "Bleiker videregående skole", PartnerKind.SCHOOL),
)

REMINDER_TEMPLATES: dict[str, str] = {
    "nb": (
        "Hei {first_name}! Velkommen til {activity} {day} kl. {time}, {place}. "
        "Kommer du? Svar JA eller NEI. Hilsen {staff_name}, Borgen. Svar STOPP for å avslutte."
    ),
    "en": (
        "Hi {first_name}! Welcome to {activity} {day} at {time}, {place}. "
        "Are you coming? Reply YES or NO. {staff_name}, Borgen. Reply STOP to opt out."
    ),
    "uk": (
        "Вітаю, {first_name}! Запрошуємо на {activity} {day} о {time}, {place}. "
        "Прийдете? Відповідайте JA або NEI. {staff_name}, Borgen. STOPP - відписатися."
    ),
    "ar": (
        "مرحبا {first_name}! أهلا بك في {activity} {day} الساعة {time}، {place}. "
        "هل ستأتي؟ أجب JA أو NEI. {staff_name}، Borgen. أرسل STOPP لإيقاف الرسائل."
    ),
    "so": (
        "Salaan {first_name}! Ku soo dhawoow {activity} {day} saacadda {time}, {place}. "
        "Ma imanaysaa? Ku jawaab JA ama NEI. {staff_name}, Borgen. STOPP si aad u joojiso."
    ),
}


def _hm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _season(today: date) -> tuple[date, date]:
    start_year = today.year if today.month >= 8 else today.year - 1
    return date(start_year - 1, 8, 15), date(start_year + 1, 6, 20)


def _channels(context: DemoContext, centre: Centre) -> None:
    """The demo's channels, made as an admin makes them: the starter set renamed to the
    demo's names, the rest added, the partners' channels from their partners."""
    starters: dict[ChannelKind, list[Channel]] = {}
    for channel in db.session.scalars(
        select(Channel).where(Channel.centre_id == centre.id).order_by(Channel.id)
    ):
        starters.setdefault(channel.kind, []).append(channel)
    for key, name, kind, partner_key in CHANNELS:
        if centre.slug == "heggedal" and key in ("school", "bleiker", "kindergarten", "inclusion"):
            continue
        if partner_key:
            partner: Partner = context.objects[f"partner:{partner_key}"]
            channel = partner_channel(centre.id, partner)
            edit_channel(centre.id, channel.id, name)
        elif starters.get(kind):
            channel = starters[kind].pop(0)
            edit_channel(centre.id, channel.id, name)
        else:
            channel = add_channel(centre.id, name, kind)
        context.objects[f"channel:{centre.slug}:{key}"] = channel


def load(context: DemoContext) -> None:
    today = oslo_today()
    borgen = create_centre("Borgen nærmiljøsentral", "borgen", "Asker")
    heggedal = create_centre("Heggedal nærmiljøsentral", "heggedal", "Asker")
    context.objects["centre:borgen"] = borgen
    context.objects["centre:heggedal"] = heggedal

    for key, name, kind in PARTNERS:
        partner = Partner(name=name, kind=kind)
        db.session.add(partner)
        db.session.flush()
        context.objects[f"partner:{key}"] = partner
        # NAV and the refugee service agreed to work with both centres.
        for centre in (borgen, heggedal) if key in ("nav", "refugee") else (borgen,):
            db.session.add(
                PartnerCentre(partner_id=partner.id, centre_id=centre.id, name=name, kind=kind)
            )

    for centre in (borgen, heggedal):
        _channels(context, centre)
        for language, body in REMINDER_TEMPLATES.items():
            save_template(centre.id, language, body)
    update_settings(
        borgen.id,
        SettingsInput(
            address="Borgenveien 1, 1388 Borgen",
            phone="66 00 00 00",
            email="borgen@example.no",
            wished_volunteer_ratio=None,
            reminder_days_before=1,
            reminder_time=time(18, 0),
            sms_signature="",
            reminder_languages=("nb", *(code for code in REMINDER_TEMPLATES if code != "nb")),
            retention_months=current_settings().retention.months,
        ),
    )

    season_start, season_end = _season(today)
    for slug, name, group, slots, extra in ACTIVITIES:
        activity = Activity(
            centre_id=borgen.id,
            name=name,
            slug=slug,
            target_group=group.value,
            season_start=season_start,
            season_end=season_end,
            **extra,
        )
        for weekday, start, end, place in slots:
            activity.schedules.append(
                WeeklySlot(
                    centre_id=borgen.id,
                    weekday=weekday,
                    start_time=_hm(start),
                    end_time=_hm(end),
                    place=place,
                )
            )
        db.session.add(activity)
        db.session.flush()
        context.objects[f"activity:borgen:{slug}"] = activity

    for slug, name, group, weekday, start, end in (
        ("sprakkafe", "Språkkafe Heggedal", TargetGroup.IMMIGRANT, TUE, "17:00", "19:00"),
        ("strikkekafe", "Strikkekafe", TargetGroup.OTHERS, THU, "12:00", "14:00"),
    ):
        activity = Activity(
            centre_id=heggedal.id,
            name=name,
            slug=slug,
            target_group=group.value,
            season_start=season_start,
            season_end=season_end,
        )
        activity.schedules.append(
            WeeklySlot(
                centre_id=heggedal.id,
                weekday=weekday,
                start_time=_hm(start),
                end_time=_hm(end),
                place="Grendehuset",
            )
        )
        db.session.add(activity)
        db.session.flush()
        context.objects[f"activity:heggedal:{slug}"] = activity
