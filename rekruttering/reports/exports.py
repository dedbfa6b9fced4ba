"""Downloads: the conversion report as CSV and XLSX, the funder report as XLSX.

CSV goes through ``rekruttering.csv_export`` (the reader's dialect: semicolons and
decimal commas in bokmål). Spreadsheets are written with openpyxl in write-only mode (rows stream to a
temporary file instead of building a whole workbook in memory). Text that came from
people (channel and activity names) is neutralised when it starts like a formula,
so a channel called "=HYPERLINK(...)" is shown, never run.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from rekruttering.analytics import Rate
from rekruttering.csv_export import CsvDialect, csv_text, one_decimal
from rekruttering.reports.conversion import ConversionReport, Funnel
from rekruttering.reports.funder import FunderReport, FunderRow
from rekruttering.reports.labels import RATE_LABELS, target_group_label

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_text(value: str) -> str:
    """A cell text that a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _share(r: Rate) -> float | None:
    return None if r.empty else r.proportion


def _percent(value: float | None) -> Decimal | None:
    """A share as a percentage number with one decimal (26.8), None for no data."""
    return None if value is None else one_decimal(value * 100)


def conversion_header() -> list[str]:
    header = [_("Channel"), _("Heard of it"), _("Asked"), _("Showed up"), _("Regular")]
    for label in RATE_LABELS.values():
        header += [
            _("%(rate)s (%%)", rate=label),
            _("%(rate)s, lowest likely (%%)", rate=label),
            _("%(rate)s, highest likely (%%)", rate=label),
        ]
    header += [_("Too few to judge"), _("Median days from hearing to showing up")]
    return header


def _funnel_values(funnel: Funnel) -> list[Any]:
    values: list[Any] = [funnel.heard, funnel.asked, funnel.showed_up, funnel.regular]
    for _key, r in funnel.rates():
        values += [_share(r), None if r.empty else r.low, None if r.empty else r.high]
    overall = funnel.heard_to_showed_up
    values.append(_("yes") if overall.too_few else _("no"))
    values.append(None if funnel.median_days is None else round(funnel.median_days, 1))
    return values


def conversion_rows(report: ConversionReport) -> Iterator[list[Any]]:
    """The channel rows and the total, shares as fractions (None = no data)."""
    for row in report.rows:
        yield [safe_text(row.name), *_funnel_values(row.funnel)]
    yield [_("All channels (each person once)"), *_funnel_values(report.total)]


def conversion_csv(report: ConversionReport, dialect: CsvDialect | None = None) -> str:
    """CSV in the reader's dialect (``csv_export``); shares as percentages, one decimal."""

    def rows() -> Iterator[list[Any]]:
        yield conversion_header()
        for values in conversion_rows(report):
            yield [
                *values[:5],
                *(_percent(v) for v in values[5:-2]),
                values[-2],
                one_decimal(values[-1]),
            ]

    return csv_text(rows(), dialect)


def _bold(ws: Any, value: Any, size: int | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = Font(bold=True, size=size) if size else Font(bold=True)
    return cell


def _share_cell(ws: Any, value: Any) -> Any:
    if not isinstance(value, float):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = "0.0%"
    return cell


def conversion_xlsx(report: ConversionReport, centre_name: str, filters: list[str]) -> bytes:
    """The report as a workbook: per channel (with the filters on top), and per month."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Conversion"))
    ws.column_dimensions["A"].width = 36
    ws.append([_bold(ws, _("Conversion by channel"), 14)])
    ws.append([safe_text(centre_name)])
    for line in filters:
        ws.append([safe_text(line)])
    ws.append([])
    ws.append([_bold(ws, h) for h in conversion_header()])
    for values in conversion_rows(report):
        ws.append([_share_cell(ws, v) for v in values])

    months = wb.create_sheet(_("By month"))
    months.column_dimensions["A"].width = 16
    months.append(
        [
            _bold(months, h)
            for h in (
                _("Month first heard"),
                _("Heard of it"),
                _("Asked"),
                _("Showed up"),
                _("Regular"),
                _("Heard → showed up"),
            )
        ]
    )
    for cohort in report.cohorts:
        f = cohort.funnel
        months.append(
            [
                cohort.label,
                f.heard,
                f.asked,
                f.showed_up,
                f.regular,
                _share_cell(months, _share(f.heard_to_showed_up)),
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _funder_header() -> list[str]:
    return [
        _("Sessions held"),
        _("Total attendance"),
        _("Unique participants"),
        _("New participants"),
        _("Volunteers"),
        _("Volunteer hours"),
        _("Cancelled sessions"),
        _("Empty sessions (no check-ins)"),
    ]


def _funder_values(ws: Any, row: FunderRow) -> list[Any]:
    hours = WriteOnlyCell(ws, value=round(row.volunteer_hours, 2))
    hours.number_format = "0.0"
    return [
        row.sessions,
        row.attendance,
        row.participants,
        row.new_participants,
        row.volunteers,
        hours,
        row.cancelled_sessions,
        row.empty_sessions,
    ]


#: The header row of the funder sheets is row 4 (title, period, a blank line, header):
#: rows 1-4 and the first column stay in view while scrolling.
FUNDER_FREEZE = "B5"


def funder_xlsx(report: FunderReport) -> bytes:
    """The funder report: a readable first sheet, then per activity and per target group."""
    wb = Workbook(write_only=True)
    about = wb.create_sheet(_("About this report"))
    about.column_dimensions["A"].width = 110
    period = _(
        "%(start)s to %(end)s",
        start=format_date(report.start, "long"),
        end=format_date(report.end, "long"),
    )
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(text: str, bold: bool = False, size: int | None = None) -> None:
        cell = WriteOnlyCell(about, value=safe_text(text))
        cell.alignment = wrap
        if bold:
            cell.font = Font(bold=True, size=size) if size else Font(bold=True)
        about.append([cell])

    line(_("Activity report for funders"), bold=True, size=16)
    line(report.centre_name, bold=True, size=13)
    line(_("Period: %(period)s", period=period))
    line(_("Made: %(when)s", when=format_datetime(report.generated_at, "short")))
    line("")
    line(_("What the figures mean"), bold=True)
    for text in (
        _(
            "Sessions held: sessions of the activity in the period that were not cancelled and where at least one person checked in."
        ),
        _("Total attendance: all check-ins at those sessions, participants and volunteers."),
        _(
            "Unique participants: different people who came as participants; a person who came ten times counts once."
        ),
        _(
            "New participants: of those, people who came as participants for the first time in the period."
        ),
        _("Volunteers: different people who came as volunteers."),
        _(
            "Volunteer hours: for each session held, its length in hours times the volunteers who checked in."
        ),
        _("Cancelled sessions: sessions the centre cancelled; they are not counted as held."),
        _(
            "Empty sessions: sessions on the schedule that were not cancelled but where nobody checked in; they are not counted as held."
        ),
        _(
            "In the rows per target group and in the total, a person who came to several activities counts once, so those rows can be smaller than the sum of the activities."
        ),
        _("The next sheets hold the figures per activity and per target group."),
    ):
        line(text)

    for title, rows, per_activity in (
        (_("Per activity"), report.activities, True),
        (_("Per target group"), report.target_groups, False),
    ):
        ws = wb.create_sheet(title)
        ws.freeze_panes = FUNDER_FREEZE
        ws.column_dimensions["A"].width = 40
        ws.column_dimensions["B"].width = 36
        ws.append([_bold(ws, title, 13)])
        ws.append([_("Period: %(period)s", period=period)])
        ws.append([])
        if per_activity:
            ws.append([_bold(ws, h) for h in [_("Activity"), _("Target group"), *_funder_header()]])
            for row in rows:
                ws.append(
                    [
                        safe_text(row.label),
                        target_group_label(row.target_group),
                        *_funder_values(ws, row),
                    ]
                )
            total = [
                _bold(ws, _("Total (each person once)")),
                None,
                *_funder_values(ws, report.total),
            ]
        else:
            ws.append([_bold(ws, h) for h in [_("Target group"), *_funder_header()]])
            for row in rows:
                ws.append([target_group_label(row.key), *_funder_values(ws, row)])
            total = [_bold(ws, _("Total (each person once)")), *_funder_values(ws, report.total)]
        ws.append(total)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
