"""The pure row parser of imports: column guesses, every problem named, never an exception."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.domain.import_rows import (
    DuplicatePhones,
    Field,
    Lookups,
    ParsedRow,
    Problem,
    ProblemCode,
    apply_mapping,
    cell_text,
    guess_mapping,
    mapping_problems,
    parse_row,
)

TODAY = date(2026, 4, 15)
KNOWN = Lookups(
    activities={"mat og prat": 1, "sprakkafe": 2, "foreldreprat": 3},
    channels={"besok i barnehagen": 10, "facebook": 11},
)


def _codes(result: ParsedRow | list[Problem]) -> set[ProblemCode]:
    assert isinstance(result, list), result
    return {p.code for p in result}


def test_norwegian_headers_are_recognised() -> None:
    """navn/mobil/språk/aktivitet/kanal/dato/status/notat map to their fields."""
    headers = ["Navn", "Mobil", "Språk", "Aktivitet", "Kanal", "Dato", "Status", "Notat", "Annet"]
    assert guess_mapping(headers) == [
        Field.FULL_NAME,
        Field.PHONE,
        Field.LANGUAGE,
        Field.ACTIVITY,
        Field.CHANNEL,
        Field.DATE,
        Field.STATUS,
        Field.NOTE,
        None,
    ]


def test_english_headers_and_each_field_once() -> None:
    """first name/last name/phone are found; a second phone column is left unmapped."""
    headers = ["First name", "Last name", "Phone", "Telefon (jobb)", "Mobile phone number"]
    assert guess_mapping(headers) == [Field.FIRST_NAME, Field.LAST_NAME, Field.PHONE, None, None]


def test_mapping_problems_name_missing_name_and_duplicates() -> None:
    """A mapping without a name column, or with a field twice, is refused."""
    assert mapping_problems([Field.PHONE]) == ["no_name"]
    assert mapping_problems([Field.FULL_NAME, Field.PHONE, Field.PHONE]) == ["duplicate:phone"]
    assert mapping_problems([Field.FIRST_NAME, None]) == []


def test_a_good_row_is_parsed() -> None:
    """Name split, phone to E.164, language, activity, channel, date, status, role, note."""
    row = parse_row(
        {
            Field.FULL_NAME: "Amina  Rahimi",
            Field.PHONE: "912 34 567",
            Field.LANGUAGE: "Dari",
            Field.ACTIVITY: "Språkkafe",
            Field.CHANNEL: "Besøk i barnehagen",
            Field.DATE: "05.03.2026",
            Field.STATUS: "Møtt opp",
            Field.ROLE: "frivillig",
            Field.NOTE: "Kom med naboen\nVil lære data",
            Field.SMS_CONSENT: "Ja",
        },
        KNOWN,
        TODAY,
    )
    assert row == ParsedRow(
        first_name="Amina",
        last_name="Rahimi",
        phone="+4791234567",
        language="prs",
        activity_id=2,
        channel_id=10,
        occurred_on=date(2026, 3, 5),
        stage=Stage.SHOWED_UP,
        outcome=Outcome.SHOWED_UP,
        role=Role.VOLUNTEER,
        note="Kom med naboen\nVil lære data",
        sms_consent=True,
    )


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Kari Nordmann", "Kari", "Nordmann"),
        ("Nordmann, Kari", "Kari", "Nordmann"),
        ("Kari", "Kari", ""),
    ],
)
def test_full_names_are_split(full: str, first: str, last: str) -> None:
    """ "First Last", "Last, First" and a single name."""
    row = parse_row({Field.FULL_NAME: full}, KNOWN, TODAY)
    assert isinstance(row, ParsedRow) and (row.first_name, row.last_name) == (first, last)


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({Field.PHONE: "91234567"}, ProblemCode.MISSING_NAME),
        ({Field.FIRST_NAME: "Ola", Field.PHONE: "123"}, ProblemCode.BAD_PHONE),
        ({Field.FIRST_NAME: "Ola", Field.PHONE: "+47 1234 5678 9999"}, ProblemCode.BAD_PHONE),
        ({Field.FIRST_NAME: "Ola", Field.LANGUAGE: "klingon"}, ProblemCode.UNKNOWN_LANGUAGE),
        ({Field.FIRST_NAME: "Ola", Field.ACTIVITY: "Bowling"}, ProblemCode.UNKNOWN_ACTIVITY),
        ({Field.FIRST_NAME: "Ola", Field.CHANNEL: "Radio"}, ProblemCode.UNKNOWN_CHANNEL),
        ({Field.FIRST_NAME: "Ola", Field.DATE: "2026/31/12"}, ProblemCode.BAD_DATE),
        ({Field.FIRST_NAME: "Ola", Field.DATE: "31.02.2026"}, ProblemCode.BAD_DATE),
        ({Field.FIRST_NAME: "Ola", Field.DATE: "in march"}, ProblemCode.BAD_DATE),
        ({Field.FIRST_NAME: "Ola", Field.DATE: "01.01.2030"}, ProblemCode.FUTURE_DATE),
        (
            {Field.FIRST_NAME: "Ola", Field.ACTIVITY: "Mat og prat", Field.STATUS: "maybe"},
            ProblemCode.UNKNOWN_STATUS,
        ),
        ({Field.FIRST_NAME: "Ola", Field.STATUS: "spurt"}, ProblemCode.STATUS_NEEDS_ACTIVITY),
        ({Field.FIRST_NAME: "Ola", Field.ROLE: "boss"}, ProblemCode.UNKNOWN_ROLE),
        ({Field.FIRST_NAME: "Ola", Field.SMS_CONSENT: "kanskje"}, ProblemCode.BAD_CONSENT),
        ({Field.FIRST_NAME: "O" * 81}, ProblemCode.TOO_LONG),
    ],
)
def test_each_problem_is_named(values: dict[Field, str], code: ProblemCode) -> None:
    """Every kind of bad value gives its own problem code, with the column."""
    assert code in _codes(parse_row(values, KNOWN, TODAY))


def test_all_problems_of_a_row_are_listed_at_once() -> None:
    """A row with three bad values names all three, not only the first."""
    result = parse_row(
        {Field.FIRST_NAME: "", Field.PHONE: "12", Field.DATE: "32.13.2026"}, KNOWN, TODAY
    )
    assert _codes(result) == {ProblemCode.MISSING_NAME, ProblemCode.BAD_PHONE, ProblemCode.BAD_DATE}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-05", date(2026, 3, 5)),
        ("2026-03-05 00:00:00", date(2026, 3, 5)),
        ("5.3.2026", date(2026, 3, 5)),
        ("05/03/2026", date(2026, 3, 5)),
        ("05-03-26", date(2026, 3, 5)),
        ("05.03.00", date(2000, 3, 5)),
    ],
)
def test_dates_in_the_forms_people_write(text: str, expected: date) -> None:
    """ISO, day-first with dots, slashes or dashes, two-digit years."""
    row = parse_row({Field.FIRST_NAME: "Ola", Field.DATE: text}, KNOWN, TODAY)
    assert isinstance(row, ParsedRow) and row.occurred_on == expected


def test_dates_before_2000_are_refused() -> None:
    """Events lie in 2000-2100 (domain.dates.EVENT_RANGE): '99' reads as 1999, refused."""
    row = parse_row({Field.FIRST_NAME: "Ola", Field.DATE: "05.03.99"}, KNOWN, TODAY)
    assert isinstance(row, list) and row[0].code is ProblemCode.BAD_DATE


def test_regular_and_refusals_map_to_stage_and_outcome() -> None:
    """'fast deltaker' reaches regular; 'sa nei' keeps 'said no' as a fact, no stage."""
    regular = parse_row(
        {Field.FIRST_NAME: "A", Field.ACTIVITY: "mat og prat", Field.STATUS: "Fast deltaker"},
        KNOWN,
        TODAY,
    )
    said_no = parse_row(
        {Field.FIRST_NAME: "A", Field.ACTIVITY: "mat og prat", Field.STATUS: "Sa nei"}, KNOWN, TODAY
    )
    assert isinstance(regular, ParsedRow) and regular.stage == Stage.REGULAR
    assert isinstance(said_no, ParsedRow)
    assert (said_no.stage, said_no.outcome) == (None, Outcome.DECLINED)


def test_duplicate_phones_within_a_file() -> None:
    """The second row with a phone names the first; empty phones never clash."""
    check = DuplicatePhones()
    assert check.check(2, "+4791234567") is None
    assert check.check(3, None) is None
    assert check.check(4, None) is None
    problem = check.check(5, "+4791234567")
    assert problem is not None and problem.other_row == 2
    assert problem.code == ProblemCode.DUPLICATE_PHONE


def test_cells_become_text() -> None:
    """Excel numbers, dates and empty cells come out as the text a person typed."""
    assert cell_text(91234567.0) == "91234567"
    assert cell_text(datetime(2026, 3, 5)) == "2026-03-05"
    assert cell_text(None) == ""
    assert cell_text(True) == "ja"
    assert apply_mapping(["Kari", "912"], [Field.FIRST_NAME, None, Field.PHONE]) == {
        Field.FIRST_NAME: "Kari",
        Field.PHONE: "",
    }


TEXT = st.text(max_size=120)
ROWS = st.dictionaries(st.sampled_from(list(Field)), TEXT, max_size=len(Field))


@settings(max_examples=400, deadline=None)
@given(values=ROWS)
def test_never_raises_on_any_text(values: dict[Field, str]) -> None:
    """Property: any text in any column gives a parsed row or a non-empty list of problems."""
    result = parse_row(values, KNOWN, TODAY)
    if isinstance(result, list):
        assert result and all(isinstance(p, Problem) for p in result)
    else:
        assert isinstance(result, ParsedRow)
        assert (
            result.first_name and "\x00" not in result.first_name + result.last_name + result.note
        )
        assert len(result.first_name) <= 80


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(
        st.one_of(st.none(), TEXT, st.integers(), st.floats(), st.booleans()), max_size=15
    )
)
def test_any_cells_with_any_mapping_never_raise(cells: list[object]) -> None:
    """Property: odd cell types (floats, NaN, None) and short rows are handled too."""
    mapping = list(Field)[: len(cells) + 2]
    result = parse_row(apply_mapping(cells, mapping), KNOWN, TODAY)
    assert isinstance(result, ParsedRow | list)


NAME = st.text(st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    first=NAME,
    last=NAME,
    number=st.integers(40000000, 41999999) | st.integers(90000000, 99999999),
    day=st.dates(date(2000, 1, 1), TODAY),
    style=st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]),
)
def test_valid_rows_round_trip(first: str, last: str, number: int, day: date, style: str) -> None:
    """Property: a well-formed row (Norwegian mobile, any date style) parses to its values."""
    row = parse_row(
        {
            Field.FIRST_NAME: first,
            Field.LAST_NAME: last,
            Field.PHONE: f"{number // 100000} {number % 100000:05d}",
            Field.DATE: day.strftime(style),
            Field.ACTIVITY: "Mat og prat",
        },
        KNOWN,
        TODAY,
    )
    assert isinstance(row, ParsedRow), row
    assert (row.first_name, row.last_name) == (first, last)
    assert row.phone == f"+47{number}"
    assert row.occurred_on == day and row.activity_id == 1 and row.stage == Stage.HEARD
