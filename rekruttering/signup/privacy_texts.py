"""The public form's privacy notice: what is stored, why, for how long, how to withdraw.

Norwegian and English from the catalogues; the other form languages have the link's
words here (the short privacy page itself is shown in English to them, marked so).
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from rekruttering.signup.form_texts import GETTEXT_LANGUAGES

#: The form's one-line notice and its link, in the languages the catalogues do not hold.
NOTICE_TEXTS: dict[str, dict[str, str]] = {
    "ar": {
        "notice": "نحفظ اسمك ورقم هاتفك واهتمامك لكي نتواصل معك. يمكنك سحب موافقتك في أي وقت.",
        "link": "كيف نتعامل مع بياناتك",
    },
    "so": {
        "notice": "Waxaan kaydinaynaa magacaaga, lambarkaaga iyo waxa aad xiisaynayso si aan kula soo xiriirno. Waad ka noqon kartaa oggolaanshahaaga waqti kasta.",
        "link": "Sida aan u maareyno xogtaada",
    },
    "uk": {
        "notice": "Ми зберігаємо ваше ім'я, номер телефону та інтерес, щоб зв'язатися з вами. Ви можете відкликати згоду будь-коли.",
        "link": "Як ми поводимося з вашими даними",
    },
    "pl": {
        "notice": "Przechowujemy Twoje imię, numer telefonu i zainteresowanie, aby się z Tobą skontaktować. Zgodę możesz wycofać w każdej chwili.",
        "link": "Jak postępujemy z Twoimi danymi",
    },
}


def notice_for(language: str) -> dict[str, str]:
    if language in NOTICE_TEXTS:
        return NOTICE_TEXTS[language]
    with force_locale(language if language in GETTEXT_LANGUAGES else "en"):
        return {
            "notice": _(
                "We store your name, phone number and interest so we can contact you. "
                "You can withdraw your consent at any time."
            ),
            "link": _("How we handle your details"),
        }


def page_language(language: str) -> str:
    """The privacy page's own language: Norwegian or English."""
    return language if language in GETTEXT_LANGUAGES else "en"
