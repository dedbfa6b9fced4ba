"""The words around the public and printed programme, in the visitor's language.

Norwegian and English come from the gettext catalogues. For the other languages a
programme is offered in (those the centre wrote activity texts in), the page's few
labels live in ``TEXTS``: a small, reviewable dict, as for the sign-up form
(``signup/form_texts.py``). A language without an entry here gets the English words
around the centre's own texts. Have a native speaker read an entry before relying on it.
The activities' titles and descriptions are always the centre's own (never machine
translated).
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from rekruttering.signup.form_texts import NATIVE_NAMES, RTL

__all__ = ["NATIVE_NAMES", "direction", "texts_for"]

KEYS = (
    "title",
    "intro",
    "for_whom",
    "when",
    "where",
    "signup_needed",
    "drop_in",
    "come_along",
    "sign_up",
    "cancelled",
    "next_sessions",
    "calendar",
    "language",
    "scan",
    "nothing",
    "tg_immigrant",
    "tg_children_youth",
    "tg_volunteers_seniors",
    "tg_others",
    "everyone",
)

TEXTS: dict[str, dict[str, str]] = {
    "ar": {
        "title": "برنامج %(centre)s",
        "intro": "الجميع مرحب بهم. الأنشطة مجانية.",
        "for_whom": "لمن",
        "when": "متى",
        "where": "أين",
        "signup_needed": "يلزم التسجيل مسبقًا",
        "drop_in": "تعال مباشرة، لا حاجة للتسجيل",
        "come_along": "تعال معنا",
        "sign_up": "سجّل",
        "cancelled": "ملغى",
        "next_sessions": "المواعيد القادمة",
        "calendar": "أضف إلى التقويم",
        "language": "اللغة",
        "scan": "امسح الرمز للتسجيل",
        "nothing": "لا توجد أنشطة منشورة حاليًا.",
        "tg_immigrant": "للقادمين الجدد إلى النرويج",
        "tg_children_youth": "للأطفال والشباب وأولياء الأمور",
        "tg_volunteers_seniors": "للمتطوعين وكبار السن",
        "tg_others": "للجميع",
        "everyone": "للجميع",
    },
    "so": {
        "title": "Barnaamijka %(centre)s",
        "intro": "Qof walba waa soo dhowaada. Hawluhu waa bilaash.",
        "for_whom": "Yaa loogu talagalay",
        "when": "Goorma",
        "where": "Halkee",
        "signup_needed": "Waa in horay laysu diiwaangeliyaa",
        "drop_in": "Kaalay oo keliya, diiwaangelin looma baahna",
        "come_along": "Nala soo biir",
        "sign_up": "Isdiiwaangeli",
        "cancelled": "Waa la joojiyay",
        "next_sessions": "Kulamada soo socda",
        "calendar": "Ku dar kalandarka",
        "language": "Luqadda",
        "scan": "Sawir koodka si aad isu diiwaangeliso",
        "nothing": "Hadda ma jiraan hawlo la daabacay.",
        "tg_immigrant": "Dadka cusub ee Norway",
        "tg_children_youth": "Carruurta, dhallinyarada iyo waalidkood",
        "tg_volunteers_seniors": "Tabarucayaasha iyo waayeelka",
        "tg_others": "Qof walba",
        "everyone": "Qof walba",
    },
    "uk": {
        "title": "Програма %(centre)s",
        "intro": "Ласкаво просимо всіх. Заходи безкоштовні.",
        "for_whom": "Для кого",
        "when": "Коли",
        "where": "Де",
        "signup_needed": "Потрібна попередня реєстрація",
        "drop_in": "Просто приходьте, реєстрація не потрібна",
        "come_along": "Приходьте",
        "sign_up": "Зареєструватися",
        "cancelled": "Скасовано",
        "next_sessions": "Найближчі зустрічі",
        "calendar": "Додати до календаря",
        "language": "Мова",
        "scan": "Скануйте код, щоб зареєструватися",
        "nothing": "Зараз немає опублікованих заходів.",
        "tg_immigrant": "Для тих, хто нещодавно в Норвегії",
        "tg_children_youth": "Для дітей, молоді та батьків",
        "tg_volunteers_seniors": "Для волонтерів і людей похилого віку",
        "tg_others": "Для всіх",
        "everyone": "Для всіх",
    },
    "pl": {
        "title": "Program %(centre)s",
        "intro": "Wszyscy są mile widziani. Zajęcia są bezpłatne.",
        "for_whom": "Dla kogo",
        "when": "Kiedy",
        "where": "Gdzie",
        "signup_needed": "Wymagany wcześniejszy zapis",
        "drop_in": "Po prostu przyjdź, zapis nie jest potrzebny",
        "come_along": "Przyjdź",
        "sign_up": "Zapisz się",
        "cancelled": "Odwołane",
        "next_sessions": "Najbliższe spotkania",
        "calendar": "Dodaj do kalendarza",
        "language": "Język",
        "scan": "Zeskanuj kod, aby się zapisać",
        "nothing": "Obecnie nie ma opublikowanych zajęć.",
        "tg_immigrant": "Dla osób nowych w Norwegii",
        "tg_children_youth": "Dla dzieci, młodzieży i rodziców",
        "tg_volunteers_seniors": "Dla wolontariuszy i seniorów",
        "tg_others": "Dla wszystkich",
        "everyone": "Dla wszystkich",
    },
}

#: Languages of the UI catalogues (gettext).
GETTEXT_LANGUAGES = ("nb", "en")


def _gettext_texts() -> dict[str, str]:
    return {
        "title": _("The programme of %(centre)s"),
        "intro": _("Everyone is welcome. The activities are free."),
        "for_whom": _("For whom"),
        "when": _("When"),
        "where": _("Where"),
        "signup_needed": _("Sign up in advance"),
        "drop_in": _("Just come along, no sign-up needed"),
        "come_along": _("Come along"),
        "sign_up": _("Sign up"),
        "cancelled": _("Cancelled"),
        "next_sessions": _("Coming dates"),
        "calendar": _("Add to your calendar"),
        "language": _("Language"),
        "scan": _("Scan the code to sign up"),
        "nothing": _("No activities are published at the moment."),
        "tg_immigrant": _("For people new to Norway"),
        "tg_children_youth": _("For children, young people and their parents"),
        "tg_volunteers_seniors": _("For volunteers and seniors"),
        "tg_others": _("For everyone"),
        "everyone": _("For everyone"),
    }


def texts_for(language: str) -> dict[str, str]:
    """The programme's words in ``language`` (English when we have none)."""
    if language in TEXTS:
        return TEXTS[language]
    with force_locale(language if language in GETTEXT_LANGUAGES else "en"):
        return _gettext_texts()


def direction(language: str) -> str:
    return "rtl" if language in RTL else "ltr"


def language_name(code: str) -> str:
    """A language's name in itself (the code when we know none)."""
    return NATIVE_NAMES.get(code, code)
