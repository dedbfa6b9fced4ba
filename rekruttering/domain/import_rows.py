"""Rows of the centre's old spreadsheets: guess the columns, parse a row, name its problems.

Pure: no Flask, no database. The caller passes what it knows of the centre (the
activities and channels by name) and today's date. ``parse_row`` never raises on any
text: it returns a ``ParsedRow`` or a non-empty list of ``Problem``s, each naming the
column, what is wrong (a code the interface turns into a sentence) and the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from rekruttering.domain.dates import is_event_date, parse_date
from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.domain.person_name import clean_name, has_visible_letter
from rekruttering.domain.phone import InvalidPhoneNumber, normalise_phone
from rekruttering.domain.text import clean, key


class Field(StrEnum):
    """What a column holds."""

    FULL_NAME = "full_name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    PHONE = "phone"
    LANGUAGE = "language"
    ACTIVITY = "activity"
    CHANNEL = "channel"
    DATE = "date"
    STATUS = "status"
    ROLE = "role"
    NOTE = "note"
    SMS_CONSENT = "sms_consent"


class ProblemCode(StrEnum):
    MISSING_NAME = "missing_name"
    TOO_LONG = "too_long"
    BAD_PHONE = "bad_phone"
    DUPLICATE_PHONE = "duplicate_phone"
    UNKNOWN_LANGUAGE = "unknown_language"
    UNKNOWN_ACTIVITY = "unknown_activity"
    UNKNOWN_CHANNEL = "unknown_channel"
    BAD_DATE = "bad_date"
    FUTURE_DATE = "future_date"
    UNKNOWN_STATUS = "unknown_status"
    STATUS_NEEDS_ACTIVITY = "status_needs_activity"
    UNKNOWN_ROLE = "unknown_role"
    BAD_CONSENT = "bad_consent"


@dataclass(frozen=True)
class Problem:
    field: Field
    code: ProblemCode
    value: str = ""
    #: For a duplicate: the earlier row with the same phone.
    other_row: int | None = None


@dataclass(frozen=True)
class ParsedRow:
    """A row ready to import: a person and, optionally, one contact."""

    first_name: str
    last_name: str = ""
    phone: str | None = None  # E.164
    language: str = "nb"
    activity_id: int | None = None
    channel_id: int | None = None
    occurred_on: date | None = None
    #: The funnel stage the row says the person reached (None: no contact to log).
    stage: Stage | None = None
    #: "said no" / "not now", kept as the contact's outcome.
    outcome: Outcome | None = None
    role: Role = Role.PARTICIPANT
    note: str = ""
    sms_consent: bool | None = None


@dataclass(frozen=True)
class Lookups:
    """The centre's activities and channels, by normalised name (see ``key``)."""

    activities: Mapping[str, int] = field(default_factory=dict)
    channels: Mapping[str, int] = field(default_factory=dict)


# --- text -------------------------------------------------------------------------

MAX_NAME = 80
MAX_NOTE = 2000


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: dates as ISO, 91234567.0 as 91234567, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0, 0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def is_blank(cells: Sequence[object]) -> bool:
    return all(not clean(cell_text(c)) for c in cells)


# --- columns ----------------------------------------------------------------------

#: Header words (normalised by ``key``) -> field. Norwegian and English.
HEADER_WORDS: dict[str, Field] = {
    "navn": Field.FULL_NAME,
    "fullt navn": Field.FULL_NAME,
    "name": Field.FULL_NAME,
    "full name": Field.FULL_NAME,
    "deltaker": Field.FULL_NAME,
    "fornavn": Field.FIRST_NAME,
    "first name": Field.FIRST_NAME,
    "firstname": Field.FIRST_NAME,
    "given name": Field.FIRST_NAME,
    "etternavn": Field.LAST_NAME,
    "last name": Field.LAST_NAME,
    "lastname": Field.LAST_NAME,
    "surname": Field.LAST_NAME,
    "family name": Field.LAST_NAME,
    "telefon": Field.PHONE,
    "tlf": Field.PHONE,
    "tlf.": Field.PHONE,
    "tlf nr": Field.PHONE,
    "tlf.nr": Field.PHONE,
    "telefonnummer": Field.PHONE,
    "mobil": Field.PHONE,
    "mobilnummer": Field.PHONE,
    "mobilnr": Field.PHONE,
    "phone": Field.PHONE,
    "phone number": Field.PHONE,
    "mobile": Field.PHONE,
    "telephone": Field.PHONE,
    "sprak": Field.LANGUAGE,
    "morsmal": Field.LANGUAGE,
    "language": Field.LANGUAGE,
    "aktivitet": Field.ACTIVITY,
    "tilbud": Field.ACTIVITY,
    "activity": Field.ACTIVITY,
    "kanal": Field.CHANNEL,
    "kilde": Field.CHANNEL,
    "hort om via": Field.CHANNEL,
    "hvordan hort om": Field.CHANNEL,
    "channel": Field.CHANNEL,
    "source": Field.CHANNEL,
    "dato": Field.DATE,
    "kontaktdato": Field.DATE,
    "date": Field.DATE,
    "status": Field.STATUS,
    "trinn": Field.STATUS,
    "utfall": Field.STATUS,
    "resultat": Field.STATUS,
    "stage": Field.STATUS,
    "outcome": Field.STATUS,
    "rolle": Field.ROLE,
    "role": Field.ROLE,
    "notat": Field.NOTE,
    "merknad": Field.NOTE,
    "kommentar": Field.NOTE,
    "note": Field.NOTE,
    "notes": Field.NOTE,
    "comment": Field.NOTE,
    "samtykke": Field.SMS_CONSENT,
    "sms-samtykke": Field.SMS_CONSENT,
    "samtykke sms": Field.SMS_CONSENT,
    "consent": Field.SMS_CONSENT,
    "sms consent": Field.SMS_CONSENT,
}

#: Word fragments for headers that are not in the list ("Mobil (privat)").
HEADER_FRAGMENTS: tuple[tuple[str, Field], ...] = (
    ("fornavn", Field.FIRST_NAME),
    ("etternavn", Field.LAST_NAME),
    ("telefon", Field.PHONE),
    ("mobil", Field.PHONE),
    ("phone", Field.PHONE),
    ("sprak", Field.LANGUAGE),
    ("samtykke", Field.SMS_CONSENT),
    ("consent", Field.SMS_CONSENT),
    ("aktivitet", Field.ACTIVITY),
    ("kanal", Field.CHANNEL),
    ("dato", Field.DATE),
    ("date", Field.DATE),
    ("navn", Field.FULL_NAME),
    ("name", Field.FULL_NAME),
    ("notat", Field.NOTE),
)


def guess_field(header: str) -> Field | None:
    word = key(header)
    word = re.sub(r"[\s_:]+", " ", word).strip()
    if word in HEADER_WORDS:
        return HEADER_WORDS[word]
    for fragment, found in HEADER_FRAGMENTS:
        if fragment in word:
            return found
    return None


def guess_mapping(headers: Sequence[str]) -> list[Field | None]:
    """A field for each header, each field used once (the first matching column wins)."""
    used: set[Field] = set()
    mapping: list[Field | None] = []
    for header in headers:
        guessed = guess_field(header)
        if guessed is not None and guessed in used:
            guessed = None
        if guessed is not None:
            used.add(guessed)
        mapping.append(guessed)
    return mapping


def mapping_problems(mapping: Sequence[Field | None]) -> list[str]:
    """What is wrong with a column mapping: fields used twice, no name column."""
    problems = []
    chosen = [f for f in mapping if f is not None]
    for duplicate in sorted({f for f in chosen if chosen.count(f) > 1}):
        problems.append(f"duplicate:{duplicate}")
    if not {Field.FULL_NAME, Field.FIRST_NAME} & set(chosen):
        problems.append("no_name")
    return problems


def apply_mapping(cells: Sequence[object], mapping: Sequence[Field | None]) -> dict[Field, str]:
    """The row's values by field; columns mapped to nothing are left out."""
    values: dict[Field, str] = {}
    for index, chosen in enumerate(mapping):
        if chosen is None:
            continue
        values[chosen] = cell_text(cells[index]) if index < len(cells) else ""
    return values


# --- values -----------------------------------------------------------------------

LANGUAGES: dict[str, str] = {
    "nb": "nb",
    "no": "nb",
    "nn": "nb",
    "nob": "nb",
    "norsk": "nb",
    "bokmal": "nb",
    "norwegian": "nb",
    "en": "en",
    "engelsk": "en",
    "english": "en",
    "uk": "uk",
    "ukrainsk": "uk",
    "ukrainian": "uk",
    "ru": "ru",
    "russisk": "ru",
    "russian": "ru",
    "ar": "ar",
    "arabisk": "ar",
    "arabic": "ar",
    "so": "so",
    "somali": "so",
    "somalisk": "so",
    "ti": "ti",
    "tigrinja": "ti",
    "tigrinya": "ti",
    "fa": "fa",
    "persisk": "fa",
    "farsi": "fa",
    "persian": "fa",
    "prs": "prs",
    "dari": "prs",
    "ps": "ps",
    "pashto": "ps",
    "ur": "ur",
    "urdu": "ur",
    "ku": "ku",
    "kurdisk": "ku",
    "kurdish": "ku",
    "pl": "pl",
    "polsk": "pl",
    "polish": "pl",
    "lt": "lt",
    "litauisk": "lt",
    "lithuanian": "lt",
    "tr": "tr",
    "tyrkisk": "tr",
    "turkish": "tr",
    "es": "es",
    "spansk": "es",
    "spanish": "es",
    "fr": "fr",
    "fransk": "fr",
    "french": "fr",
    "de": "de",
    "tysk": "de",
    "german": "de",
    "sv": "sv",
    "svensk": "sv",
    "swedish": "sv",
    "da": "da",
    "dansk": "da",
    "danish": "da",
    "th": "th",
    "thai": "th",
    "vi": "vi",
    "vietnamesisk": "vi",
    "vietnamese": "vi",
    "tl": "tl",
    "tagalog": "tl",
    "am": "am",
    "amharisk": "am",
    "amharic": "am",
}

#: Status words -> (stage reached, outcome kept as a fact).
STATUS_WORDS: dict[str, tuple[Stage | None, Outcome]] = {
    "hort om": (Stage.HEARD, Outcome.HEARD),
    "hort": (Stage.HEARD, Outcome.HEARD),
    "heard": (Stage.HEARD, Outcome.HEARD),
    "heard of it": (Stage.HEARD, Outcome.HEARD),
    "spurt": (Stage.ASKED, Outcome.ASKED),
    "spurt direkte": (Stage.ASKED, Outcome.ASKED),
    "invitert": (Stage.ASKED, Outcome.ASKED),
    "asked": (Stage.ASKED, Outcome.ASKED),
    "mott": (Stage.SHOWED_UP, Outcome.SHOWED_UP),
    "mott opp": (Stage.SHOWED_UP, Outcome.SHOWED_UP),
    "kom": (Stage.SHOWED_UP, Outcome.SHOWED_UP),
    "showed up": (Stage.SHOWED_UP, Outcome.SHOWED_UP),
    "came": (Stage.SHOWED_UP, Outcome.SHOWED_UP),
    "fast": (Stage.REGULAR, Outcome.SHOWED_UP),
    "fast deltaker": (Stage.REGULAR, Outcome.SHOWED_UP),
    "fast frivillig": (Stage.REGULAR, Outcome.SHOWED_UP),
    "regular": (Stage.REGULAR, Outcome.SHOWED_UP),
    "nei": (None, Outcome.DECLINED),
    "sa nei": (None, Outcome.DECLINED),
    "said no": (None, Outcome.DECLINED),
    "declined": (None, Outcome.DECLINED),
    "no": (None, Outcome.DECLINED),
    "ikke na": (None, Outcome.NOT_NOW),
    "not now": (None, Outcome.NOT_NOW),
    "senere": (None, Outcome.NOT_NOW),
    "later": (None, Outcome.NOT_NOW),
}

ROLE_WORDS: dict[str, Role] = {
    "deltaker": Role.PARTICIPANT,
    "participant": Role.PARTICIPANT,
    "frivillig": Role.VOLUNTEER,
    "volunteer": Role.VOLUNTEER,
}

YES_WORDS = frozenset({"ja", "j", "yes", "y", "x", "1", "true", "sant", "ok"})
NO_WORDS = frozenset({"nei", "n", "no", "0", "false", "usant"})


def _names(values: Mapping[Field, str]) -> tuple[str, str]:
    first, last = (
        _visible(values.get(Field.FIRST_NAME, "")),
        _visible(values.get(Field.LAST_NAME, "")),
    )
    full = _visible(values.get(Field.FULL_NAME, ""))
    if first or not full:
        return first, last
    if "," in full:  # "Nordmann, Kari"
        family, _, given = full.partition(",")
        return clean(given) or clean(family), clean(family) if clean(given) else ""
    given, _, family = full.rpartition(" ")
    if not given:
        return family, last
    return given, last or family


def _visible(text: str) -> str:
    """A name part without invisible characters; "" when no letter is left."""
    name = clean_name(text)
    return name if has_visible_letter(name) else ""


def parse_row(
    values: Mapping[Field, str], lookups: Lookups, today: date
) -> ParsedRow | list[Problem]:
    """Check one row. Returns the parsed row, or every problem it has (never raises)."""
    problems: list[Problem] = []

    first_name, last_name = _names(values)
    if not first_name:
        shown = values.get(Field.FULL_NAME) or values.get(Field.LAST_NAME) or ""
        problems.append(Problem(Field.FIRST_NAME, ProblemCode.MISSING_NAME, clean(shown)))
    for name_field, name in ((Field.FIRST_NAME, first_name), (Field.LAST_NAME, last_name)):
        if len(name) > MAX_NAME:
            problems.append(Problem(name_field, ProblemCode.TOO_LONG, name[:40] + "…"))

    phone: str | None = None
    phone_text = clean(values.get(Field.PHONE, ""))
    if phone_text:
        try:
            if len(phone_text) > 40:
                raise InvalidPhoneNumber("too long")
            phone = normalise_phone(phone_text)
        except InvalidPhoneNumber:
            problems.append(Problem(Field.PHONE, ProblemCode.BAD_PHONE, phone_text[:40]))

    language = "nb"
    language_text = clean(values.get(Field.LANGUAGE, ""))
    if language_text:
        found_language = LANGUAGES.get(key(language_text))
        if found_language is None:
            problems.append(Problem(Field.LANGUAGE, ProblemCode.UNKNOWN_LANGUAGE, language_text))
        else:
            language = found_language

    activity_id: int | None = None
    activity_text = clean(values.get(Field.ACTIVITY, ""))
    if activity_text:
        activity_id = lookups.activities.get(key(activity_text))
        if activity_id is None:
            problems.append(Problem(Field.ACTIVITY, ProblemCode.UNKNOWN_ACTIVITY, activity_text))

    channel_id: int | None = None
    channel_text = clean(values.get(Field.CHANNEL, ""))
    if channel_text:
        channel_id = lookups.channels.get(key(channel_text))
        if channel_id is None:
            problems.append(Problem(Field.CHANNEL, ProblemCode.UNKNOWN_CHANNEL, channel_text))

    occurred_on: date | None = None
    date_text = clean(values.get(Field.DATE, ""))
    if date_text:
        occurred_on = parse_date(date_text, today)
        if occurred_on is None or not is_event_date(occurred_on):
            problems.append(Problem(Field.DATE, ProblemCode.BAD_DATE, date_text[:40]))
        elif occurred_on > today:
            problems.append(Problem(Field.DATE, ProblemCode.FUTURE_DATE, date_text[:40]))

    stage: Stage | None = None
    outcome: Outcome | None = None
    status_text = clean(values.get(Field.STATUS, ""))
    if status_text:
        found_status = STATUS_WORDS.get(key(status_text))
        if found_status is None:
            problems.append(Problem(Field.STATUS, ProblemCode.UNKNOWN_STATUS, status_text[:40]))
        elif not activity_text:
            problems.append(
                Problem(Field.STATUS, ProblemCode.STATUS_NEEDS_ACTIVITY, status_text[:40])
            )
        else:
            stage, outcome = found_status
    elif activity_text or channel_text:
        stage, outcome = Stage.HEARD, Outcome.HEARD

    role = Role.PARTICIPANT
    role_text = clean(values.get(Field.ROLE, ""))
    if role_text:
        found_role = ROLE_WORDS.get(key(role_text))
        if found_role is None:
            problems.append(Problem(Field.ROLE, ProblemCode.UNKNOWN_ROLE, role_text[:40]))
        else:
            role = found_role

    sms_consent: bool | None = None
    consent_text = clean(values.get(Field.SMS_CONSENT, ""))
    if consent_text:
        if key(consent_text) in YES_WORDS:
            sms_consent = True
        elif key(consent_text) in NO_WORDS:
            sms_consent = False
        else:
            problems.append(Problem(Field.SMS_CONSENT, ProblemCode.BAD_CONSENT, consent_text[:40]))

    note = clean(values.get(Field.NOTE, ""), keep_newlines=True)
    if len(note) > MAX_NOTE:
        problems.append(Problem(Field.NOTE, ProblemCode.TOO_LONG, note[:40] + "…"))

    if problems:
        return problems
    return ParsedRow(
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        language=language,
        activity_id=activity_id,
        channel_id=channel_id,
        occurred_on=occurred_on,
        stage=stage,
        outcome=outcome,
        role=role,
        note=note,
        sms_consent=sms_consent,
    )


class DuplicatePhones:
    """Remembers the phones seen so far in a file: the same phone twice is a problem."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def check(self, row_number: int, phone: str | None) -> Problem | None:
        if phone is None:
            return None
        first = self._seen.setdefault(phone, row_number)
        if first == row_number:
            return None
        return Problem(Field.PHONE, ProblemCode.DUPLICATE_PHONE, phone, other_row=first)
