"""Pure SMS rules: segment counting, reply keywords, reminder times, reminder texts."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rekruttering.domain.clock import OSLO
from rekruttering.domain.reminder_text import (
    DEFAULT_TEMPLATES,
    placeholder_values,
    render,
    template_problems,
)
from rekruttering.domain.reminder_time import QuietHours, default_due_at, plan_due_at
from rekruttering.domain.sms_keywords import (
    NO_WORDS,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    YES_WORDS,
    ReplyKind,
    parse_reply,
)
from rekruttering.domain.sms_segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    Encoding,
    count_segments,
    is_gsm7,
)

# --- segments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", Encoding.GSM7, 0, 0),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        ("Blåbærsyltetøy på Ørje, ÆØÅ", Encoding.GSM7, 27, 1),
        ("€" * 80, Encoding.GSM7, 160, 1),
        ("€" * 81, Encoding.GSM7, 162, 2),
        ("ж" * 70, Encoding.UCS2, 70, 1),
        ("ж" * 71, Encoding.UCS2, 71, 2),
        ("ж" * 134, Encoding.UCS2, 134, 2),
        ("ж" * 135, Encoding.UCS2, 135, 3),
        ("Hei 😀", Encoding.UCS2, 6, 1),
        ("It’s", Encoding.UCS2, 4, 1),
    ],
)
def test_segment_counts(text: str, encoding: Encoding, units: int, segments: int) -> None:
    """GSM-7 fits 160/153, UCS-2 70/67; extension characters and emoji count double."""
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_extension_character_is_never_split_across_parts() -> None:
    """An escape pair that would straddle a part boundary moves whole to the next part."""
    # 152 plain + "€" (2 septets) = 154: the € cannot sit at 153/154, so it starts part 2.
    assert count_segments("a" * 152 + "€" + "a" * 152).segments == 3
    assert count_segments("a" * 151 + "€" + "a" * 153).segments == 2


def test_emoji_is_never_split_across_parts() -> None:
    """A surrogate pair at a UCS-2 part boundary moves whole to the next part."""
    assert count_segments("ж" * 66 + "😀" + "ж" * 67).segments == 3
    assert count_segments("ж" * 65 + "😀" + "ж" * 67).segments == 2


def test_ucs2_characters_are_named() -> None:
    """The characters that force UCS-2 are listed, so staff can replace them."""
    assert count_segments("Vi ses i morgen – kl. 11 ’ok’").ucs2_characters == ("–", "’")


@given(st.text(alphabet="abcdefghij ÆØÅæøå€[]\f^{}\\~|–’😀Жé\x00") | st.text())
def test_is_gsm7_is_every_character_in_the_alphabet_or_its_extension(text: str) -> None:
    """``is_gsm7`` (a set's own loop) says what the loop over each character said."""
    assert is_gsm7(text) == all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


@given(st.text(alphabet="abcdefghij ÆØÅæøå€[]", max_size=600))
def test_gsm_text_never_costs_more_than_its_units_allow(text: str) -> None:
    """For GSM-7 text: parts * 153 >= septets, and one part whenever it fits in 160."""
    count = count_segments(text)
    assert count.encoding is Encoding.GSM7
    if count.units <= 160:
        assert count.segments == (1 if text else 0)
    else:
        assert count.segments * 153 >= count.units
        assert (count.segments - 1) * 153 < count.units


# --- keywords -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        "Stopp",
        "STOPP",
        "Stopp takk!",
        "stopp.",
        "  stopp  ",
        "AVSLUTT",
        "avslutt nå",
        "Slutt!!!",
        "UNSUBSCRIBE",
        "cancel",
        "End",
        "quit",
        "STOPALL",
        "Stop please",
        "STOP 🙏",
        "\nStopp\n",
        "ＳＴＯＰ",
    ],
)
def test_opt_out_variants(body: str) -> None:
    """STOP, STOPP, AVSLUTT, SLUTT and the English words opt out, in any form."""
    assert parse_reply(body).kind is ReplyKind.OPT_OUT


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("START", ReplyKind.OPT_IN),
        ("unstop", ReplyKind.OPT_IN),
        ("Ja", ReplyKind.YES),
        ("JA, jeg kommer!", ReplyKind.YES),
        ("yes!", ReplyKind.YES),
        ("Nei takk", ReplyKind.NO),
        ("NO", ReplyKind.NO),
        ("nei.", ReplyKind.NO),
        ("Kan dere stoppe meldingene?", ReplyKind.OTHER),
        ("Stoppested?", ReplyKind.OTHER),
        ("Jakob kommer", ReplyKind.OTHER),
        ("Yesterday", ReplyKind.OTHER),
        ("Nora", ReplyKind.OTHER),
        ("", ReplyKind.OTHER),
        ("👍", ReplyKind.OTHER),
    ],
)
def test_other_replies(body: str, kind: ReplyKind) -> None:
    """START opts in; JA/YES and NEI/NO answer; a keyword inside a word or later in a
    sentence does not count."""
    assert parse_reply(body).kind is kind


def test_yes_is_an_answer_not_an_opt_in() -> None:
    """YES (Twilio's opt-in word too) is read as 'coming'; only START opts back in."""
    reply = parse_reply("YES")
    assert reply.kind is ReplyKind.YES
    assert reply.answered_by_provider  # Twilio may act on it; we do not opt in


def _case_variants(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda flags: "".join(c.upper() if up else c for c, up in zip(word, flags, strict=True))
    )


_tails = st.one_of(
    st.just(""),
    st.tuples(st.sampled_from(" .,!?:;-\n\t)"), st.text(max_size=30)).map(
        lambda parts: parts[0] + parts[1]
    ),
)
_leading = st.text(alphabet=" \n\t.,!-*\"'", max_size=5)


@given(
    word=st.sampled_from(sorted(OPT_OUT_WORDS)).flatmap(_case_variants),
    lead=_leading,
    tail=_tails,
)
def test_any_opt_out_word_in_any_case_with_any_tail_opts_out(
    word: str, lead: str, tail: str
) -> None:
    """Property: an opt-out word, any casing, after spaces/punctuation and followed by a
    non-letter and anything at all, always opts out."""
    assert parse_reply(lead + word + tail).kind is ReplyKind.OPT_OUT


@given(
    kind_words=st.sampled_from(
        [(ReplyKind.OPT_IN, OPT_IN_WORDS), (ReplyKind.YES, YES_WORDS), (ReplyKind.NO, NO_WORDS)]
    ).flatmap(lambda kw: st.tuples(st.just(kw[0]), st.sampled_from(sorted(kw[1])))),
    tail=_tails,
)
def test_keyword_kinds_are_stable_under_case_and_tail(
    kind_words: tuple[ReplyKind, str], tail: str
) -> None:
    """Property: START/JA/YES/NEI/NO keep their meaning in upper case and with a tail."""
    kind, word = kind_words
    assert parse_reply(word.upper() + tail).kind is kind
    assert parse_reply(word.capitalize() + tail).kind is kind


@given(st.text(max_size=80))
def test_parser_never_fails_and_is_case_insensitive(body: str) -> None:
    """Property: any text parses, and the upper-cased ASCII text means the same."""
    reply = parse_reply(body)
    assert reply.kind in ReplyKind
    if body.isascii():
        assert parse_reply(body.upper()).kind is reply.kind


@given(st.from_regex(r"[a-zæøå]{1,12}", fullmatch=True), _tails)
def test_only_keywords_opt_out(word: str, tail: str) -> None:
    """Property: a first word that is not an opt-out keyword never opts out."""
    if word not in OPT_OUT_WORDS:
        assert parse_reply(word + tail).kind is not ReplyKind.OPT_OUT


# --- reminder times -------------------------------------------------------------------


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("session_start", "expected_due"),
    [
        # Spring 2026: clocks go forward on Sunday 29 March at 02:00.
        # Sunday session: reminder Saturday 28 March 18:00 CET (UTC+1).
        (_utc(2026, 3, 29, 9, 0), _utc(2026, 3, 28, 17, 0)),
        # Monday session: reminder Sunday 29 March 18:00 CEST (UTC+2).
        (_utc(2026, 3, 30, 9, 0), _utc(2026, 3, 29, 16, 0)),
        # Autumn 2026: clocks go back on Sunday 25 October at 03:00.
        # Sunday session: reminder Saturday 24 October 18:00 CEST (UTC+2).
        (_utc(2026, 10, 25, 10, 0), _utc(2026, 10, 24, 16, 0)),
        # Monday session: reminder Sunday 25 October 18:00 CET (UTC+1).
        (_utc(2026, 10, 26, 10, 0), _utc(2026, 10, 25, 17, 0)),
    ],
)
def test_evening_before_is_18_oslo_across_summer_time_changes(
    session_start: datetime, expected_due: datetime
) -> None:
    """A reminder the evening before a session on the Sunday/Monday of both summer-time
    changes is due at 18:00 on the Oslo clock, never 17:00 or 19:00."""
    due = default_due_at(session_start)
    assert due == expected_due
    assert due.astimezone(OSLO).hour == 18


def test_per_activity_days_before_and_time() -> None:
    """An activity's own rule (two days before at 12:30) is used in Oslo time."""
    assert default_due_at(_utc(2026, 6, 11, 9, 0), 2, time(12, 30)) == _utc(2026, 6, 9, 10, 30)


QUIET = QuietHours(time(21, 0), time(8, 0))


def test_quiet_hours_move_a_22_30_reminder_to_08_00() -> None:
    """22:30 Oslo is in quiet hours: the reminder moves to 08:00 the next morning."""
    wanted = _utc(2026, 2, 10, 21, 30)  # 22:30 in Oslo (winter, UTC+1)
    assert QUIET.next_allowed(wanted) == _utc(2026, 2, 11, 7, 0)  # 08:00 Oslo


def test_quiet_hours_early_morning_moves_to_same_morning() -> None:
    """06:15 Oslo moves to 08:00 the same day; 08:00 and 20:59 are allowed."""
    assert QUIET.next_allowed(_utc(2026, 7, 1, 4, 15)) == _utc(2026, 7, 1, 6, 0)
    assert not QUIET.contains(_utc(2026, 7, 1, 6, 0))
    assert not QUIET.contains(_utc(2026, 7, 1, 18, 59))
    assert QUIET.contains(_utc(2026, 7, 1, 19, 0))


def test_quiet_hours_across_the_autumn_change_end_at_08_oslo() -> None:
    """A reminder at 23:00 on the Saturday before clocks go back still moves to 08:00."""
    moved = QUIET.next_allowed(_utc(2026, 10, 24, 21, 0))  # 23:00 CEST
    assert moved == _utc(2026, 10, 25, 7, 0)  # 08:00 CET


def test_no_quiet_hours_when_start_equals_end() -> None:
    """Equal start and end switch quiet hours off."""
    assert not QuietHours(time(8, 0), time(8, 0)).contains(_utc(2026, 1, 1, 2, 0))


def test_a_past_time_means_now_but_not_in_quiet_hours() -> None:
    """A due time already past is sent now, unless now is in quiet hours."""
    now = _utc(2026, 3, 3, 12, 0)
    assert plan_due_at(_utc(2026, 3, 2, 17, 0), now, QUIET) == now
    late = _utc(2026, 3, 3, 21, 0)  # 22:00 Oslo
    assert plan_due_at(_utc(2026, 3, 2, 17, 0), late, QUIET) == _utc(2026, 3, 4, 7, 0)


# --- texts ----------------------------------------------------------------------------


def test_built_in_texts_render_and_norwegian_fits_one_segment() -> None:
    """Every built-in text renders; the Norwegian one stays in one GSM-7 segment."""
    for language, template in DEFAULT_TEMPLATES.items():
        assert template_problems(template) == []
        values = placeholder_values(
            first_name="Fatima",
            activity="Mat og prat",
            starts_at=_utc(2026, 3, 12, 10, 0),
            place="Kafeen",
            staff_name="Ola Hansen",
            language=language,
        )
        text = render(template, values)
        assert "{" not in text and "Fatima" in text
    nb = render(
        DEFAULT_TEMPLATES["nb"],
        placeholder_values(
            first_name="Fatima",
            activity="Mat og prat",
            starts_at=_utc(2026, 3, 12, 10, 0),
            place="Kafeen",
            staff_name="Ola Hansen",
            language="nb",
        ),
    )
    assert "torsdag 12. mars kl. 11:00" in nb
    assert count_segments(nb).segments == 1 and count_segments(nb).encoding is Encoding.GSM7


def test_english_time_has_no_unicode_space() -> None:
    """The English time is written 11:00 (no narrow no-break space forcing UCS-2)."""
    values = placeholder_values(
        first_name="Ann",
        activity="Språkkafe",
        starts_at=_utc(2026, 3, 12, 10, 0),
        place="Kafeen",
        staff_name="Ola",
        language="en",
    )
    assert values["time"] == "11:00"
    assert count_segments(render(DEFAULT_TEMPLATES["en"], values)).encoding is Encoding.GSM7


def test_template_problems() -> None:
    """Unknown placeholders and stray braces are found."""
    assert [p.name for p in template_problems("Hei {navn}")] == ["navn"]
    assert template_problems("Hei {first_name")[0].kind == "syntax"
    assert template_problems("Hei {first_name}") == []
