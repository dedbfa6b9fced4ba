"""The words of the public interest form, in the visitor's language.

Norwegian and English come from the gettext catalogues like every other page. For
the other languages the centre writes to people in (those with a MessageTemplate),
the form's few labels live in ``TEXTS`` below: a small, reviewable dict instead of a
catalogue per language for twenty strings. To add a language, copy the "pl" entry,
translate the values (keep ``%(centre)s`` and ``%(activity)s``) and add its own name
to ``NATIVE_NAMES``; have a native speaker read it. A language with a template but no
entry here is simply not offered on the form.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

#: The language's name in itself, for the language links on the form.
NATIVE_NAMES: dict[str, str] = {
    "nb": "Norsk",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
    "uk": "Українська",
    "pl": "Polski",
}

#: Written right to left.
RTL = frozenset({"ar", "fa", "prs", "ps", "ur"})

KEYS = (
    "title",
    "intro",
    "name",
    "phone",
    "activity",
    "activity_any",
    "interest_in",
    "consent",
    "privacy_note",
    "submit",
    "thanks_title",
    "thanks_body",
    "err_name",
    "err_phone",
    "err_consent",
    "err_bot",
    "err_too_fast",
    "err_expired",
    "honeypot",
    "language",
)

TEXTS: dict[str, dict[str, str]] = {
    "ar": {
        "title": "هل ترغب في المجيء إلى %(centre)s؟",
        "intro": "اترك اسمك ورقم هاتفك، وسيتواصل معك أحد من المركز. كل شيء مجاني.",
        "name": "اسمك",
        "phone": "رقم الهاتف المحمول",
        "activity": "ما الذي يهمك؟",
        "activity_any": "لست متأكدًا بعد",
        "interest_in": "أنت تسجل اهتمامك بـ: %(activity)s",
        "consent": "أوافق على أن يحفظ المركز اسمي ورقم هاتفي وأن يتواصل معي عبر الهاتف أو الرسائل القصيرة.",
        "privacy_note": "يمكنك أن تطلب منا حذف بياناتك في أي وقت.",
        "submit": "إرسال",
        "thanks_title": "شكرًا لك!",
        "thanks_body": "سيتواصل معك أحد من %(centre)s قريبًا.",
        "err_name": "يرجى كتابة اسمك.",
        "err_phone": "يرجى كتابة رقم هاتف محمول يمكننا الوصول إليه، مثل 912 34 567.",
        "err_consent": "يرجى وضع علامة في المربع حتى نتمكن من التواصل معك.",
        "err_bot": "تعذّر إرسال النموذج. يرجى المحاولة مرة أخرى.",
        "err_too_fast": "كان ذلك سريعًا جدًا. يرجى التحقق من بياناتك والإرسال مرة أخرى.",
        "err_expired": "كان النموذج مفتوحًا لفترة طويلة. يرجى إرساله مرة أخرى.",
        "honeypot": "اترك هذا الحقل فارغًا",
        "language": "اللغة",
    },
    "so": {
        "title": "Ma rabtaa inaad timaaddo %(centre)s?",
        "intro": "Ka tag magacaaga iyo lambarkaaga taleefanka, qof ka tirsan xarunta ayaa kula soo xiriiri doona. Wax walba waa bilaash.",
        "name": "Magacaaga",
        "phone": "Lambarka taleefanka gacanta",
        "activity": "Maxaad xiiseyneysaa?",
        "activity_any": "Weli ma hubo",
        "interest_in": "Waxaad isu diiwaangelinaysaa: %(activity)s",
        "consent": "Waan oggolahay in xaruntu kaydiso magacayga iyo lambarkayga taleefanka, ayna igala soo xiriirto taleefan ama SMS.",
        "privacy_note": "Waqti kasta waad na weydiin kartaa inaan tirtirno xogtaada.",
        "submit": "Dir",
        "thanks_title": "Mahadsanid!",
        "thanks_body": "Qof ka tirsan %(centre)s ayaa dhowaan kula soo xiriiri doona.",
        "err_name": "Fadlan qor magacaaga.",
        "err_phone": "Fadlan qor lambar taleefan gacan oo lagugu heli karo, sida 912 34 567.",
        "err_consent": "Fadlan calaamadee sanduuqa si aan kuula soo xiriirno.",
        "err_bot": "Foomka lama diri karin. Fadlan mar kale isku day.",
        "err_too_fast": "Taasi aad bay u degdeg badnayd. Fadlan hubi xogtaada oo mar kale dir.",
        "err_expired": "Foomku muddo dheer ayuu furnaa. Fadlan mar kale dir.",
        "honeypot": "Goobtan madhan ka tag",
        "language": "Luqadda",
    },
    "uk": {
        "title": "Бажаєте прийти до %(centre)s?",
        "intro": "Залиште своє ім'я та номер телефону, і хтось із центру зв'яжеться з вами. Усе безкоштовно.",
        "name": "Ваше ім'я",
        "phone": "Номер мобільного телефону",
        "activity": "Що вас цікавить?",
        "activity_any": "Ще не знаю",
        "interest_in": "Ви реєструєтеся на: %(activity)s",
        "consent": "Я погоджуюся, що центр зберігатиме моє ім'я та номер телефону і зв'яжеться зі мною телефоном або SMS.",
        "privacy_note": "Ви будь-коли можете попросити нас видалити ваші дані.",
        "submit": "Надіслати",
        "thanks_title": "Дякуємо!",
        "thanks_body": "Незабаром хтось із %(centre)s зв'яжеться з вами.",
        "err_name": "Будь ласка, напишіть своє ім'я.",
        "err_phone": "Будь ласка, напишіть номер мобільного, за яким з вами можна зв'язатися, наприклад 912 34 567.",
        "err_consent": "Будь ласка, поставте позначку, щоб ми могли з вами зв'язатися.",
        "err_bot": "Не вдалося надіслати форму. Спробуйте ще раз.",
        "err_too_fast": "Це було дуже швидко. Перевірте свої дані та надішліть ще раз.",
        "err_expired": "Форма була відкрита дуже довго. Будь ласка, надішліть її ще раз.",
        "honeypot": "Залиште це поле порожнім",
        "language": "Мова",
    },
    "pl": {
        "title": "Chcesz przyjść do %(centre)s?",
        "intro": "Zostaw swoje imię i numer telefonu, a ktoś z centrum się z Tobą skontaktuje. Wszystko jest bezpłatne.",
        "name": "Twoje imię",
        "phone": "Numer telefonu komórkowego",
        "activity": "Co Cię interesuje?",
        "activity_any": "Jeszcze nie wiem",
        "interest_in": "Zgłaszasz zainteresowanie: %(activity)s",
        "consent": "Zgadzam się, aby centrum przechowywało moje imię i numer telefonu oraz kontaktowało się ze mną telefonicznie lub SMS-em.",
        "privacy_note": "W każdej chwili możesz poprosić nas o usunięcie swoich danych.",
        "submit": "Wyślij",
        "thanks_title": "Dziękujemy!",
        "thanks_body": "Wkrótce skontaktuje się z Tobą ktoś z %(centre)s.",
        "err_name": "Napisz swoje imię.",
        "err_phone": "Napisz numer komórkowy, pod którym możemy się z Tobą skontaktować, np. 912 34 567.",
        "err_consent": "Zaznacz pole, abyśmy mogli się z Tobą skontaktować.",
        "err_bot": "Nie udało się wysłać formularza. Spróbuj ponownie.",
        "err_too_fast": "To było bardzo szybko. Sprawdź swoje dane i wyślij ponownie.",
        "err_expired": "Formularz był otwarty bardzo długo. Wyślij go ponownie.",
        "honeypot": "Zostaw to pole puste",
        "language": "Język",
    },
}

#: Languages of the UI catalogues (gettext); the form's words come from there.
GETTEXT_LANGUAGES = ("nb", "en")


def _gettext_texts() -> dict[str, str]:
    return {
        "title": _("Would you like to come to %(centre)s?"),
        "intro": _(
            "Leave your name and phone number, and someone from the centre will contact you. Everything is free."
        ),
        "name": _("Your name"),
        "phone": _("Mobile phone number"),
        "activity": _("What are you interested in?"),
        "activity_any": _("Not sure yet"),
        "interest_in": _("You are signing up for: %(activity)s"),
        "consent": _(
            "I agree that the centre stores my name and phone number and contacts me by phone or SMS."
        ),
        "privacy_note": _("You can ask us to delete your details at any time."),
        "submit": _("Send"),
        "thanks_title": _("Thank you!"),
        "thanks_body": _("Someone from %(centre)s will contact you soon."),
        "err_name": _("Please write your name."),
        "err_phone": _("Please write a mobile number we can reach, like 912 34 567."),
        "err_consent": _("Please tick the box so we may contact you."),
        "err_bot": _("The form could not be sent. Please try again."),
        "err_too_fast": _("That was very quick. Please check your details and send again."),
        "err_expired": _("The form was open for a long time. Please send it again."),
        "honeypot": _("Leave this field empty"),
        "language": _("Language"),
    }


def form_languages(template_languages: set[str] | list[str]) -> list[str]:
    """Norwegian, English, then the centre's template languages we have words for."""
    extra = sorted(set(template_languages) & set(TEXTS))
    return [*GETTEXT_LANGUAGES, *extra]


def texts_for(language: str) -> dict[str, str]:
    """The form's words in ``language`` (English when we have none)."""
    if language in TEXTS:
        return TEXTS[language]
    with force_locale(language if language in GETTEXT_LANGUAGES else "en"):
        return _gettext_texts()


def text_direction(language: str) -> str:
    return "rtl" if language in RTL else "ltr"
