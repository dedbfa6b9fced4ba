"""Report pages: thin views over the report services."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from rekruttering import number_format, tenancy
from rekruttering.access import MUNICIPALITY, STAFF, allow
from rekruttering.analytics.sentences import comparison_sentence
from rekruttering.config import current_settings
from rekruttering.domain.activity_figures import report_year
from rekruttering.domain.clock import oslo_today
from rekruttering.domain.funnel import Role
from rekruttering.errors import ServiceError
from rekruttering.models import Person
from rekruttering.pages import paginate
from rekruttering.reports import charts, exports, percent, ratio, word_of_mouth
from rekruttering.reports.conversion import ConversionReport, compare_channels, conversion_report
from rekruttering.reports.filters import Attribution, ReportFilter
from rekruttering.reports.forms import (
    ALL,
    CompareForm,
    FunderForm,
    ReportFilterForm,
    VolunteerFilterForm,
)
from rekruttering.reports.funder import funder_report
from rekruttering.reports.labels import (
    RATE_LABELS,
    STAGE_LABELS,
    channel_kind_label,
    target_group_label,
    translated_now,
)
from rekruttering.reports.municipality import municipality_centre_ids, municipality_report
from rekruttering.reports.periods import Granularity
from rekruttering.reports.queries import activities, centre_names, partners
from rekruttering.reports.snapshots import commit_without_waiting_for_disk, figures_to_store
from rekruttering.reports.volunteers import default_period, volunteer_ratios
from rekruttering.transaction import transaction

bp = Blueprint("reports", __name__, url_prefix="/reports")
log = logging.getLogger(__name__)


@bp.after_request
def _store_computed_figures(response: Response) -> Response:
    """Figures a report computed (``reports.snapshots``) are committed once its page is
    made. Committing before rendering would expire every loaded object, and the layout
    would read them again one by one (a municipality user's 50 memberships).

    A report page is a GET that writes nothing but the figures, so its commit does not
    wait for the disk (``commit_without_waiting_for_disk``: figures lost in a crash
    are computed again)."""
    if response.status_code < 400 and figures_to_store():
        try:
            with transaction():
                if request.method == "GET":
                    commit_without_waiting_for_disk()
        except Exception:  # noqa: BLE001 - computed again next time; never break the page
            log.warning("report figures could not be stored", exc_info=True)
    return response


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value not in (None, ALL, "") else None


def _filter_form(
    centre_ids: list[int], with_activity: bool = True
) -> tuple[ReportFilterForm, bool]:
    """The filter form read from the query string, and whether it is valid."""
    form = ReportFilterForm(formdata=request.args if request.args else None)
    form.set_choices(
        activities(centre_ids[0]) if with_activity else [], partners(centre_ids), with_activity
    )
    valid = form.validate() if request.args else True
    return form, valid


def _report_filter(form: ReportFilterForm, role: Role | None = None) -> ReportFilter:
    chosen_role = form.role.data
    return ReportFilter(
        activity_id=_int_or_none(form.activity_id.data)
        if hasattr(form, "activity_id") and form.activity_id
        else None,
        role=role
        if role is not None
        else (None if chosen_role == "all" else Role(chosen_role or "participant")),
        target_group=form.target_group.data or None,
        start=form.start.data,
        end=form.end.data,
        partner_id=_int_or_none(form.partner_id.data),
        attribution=Attribution(form.attribution.data or Attribution.FIRST_HEARD.value),
    )


def _form_problems(form: Any) -> str:
    """The filter form's errors as one sentence, for an export that cannot be made."""
    return " ".join(
        f"{getattr(form, name).label.text}: {message}"
        for name, messages in form.errors.items()
        for message in messages
    )


def _apply_service_error(form: Any, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _filter_lines(form: ReportFilterForm) -> list[str]:
    """The chosen filters in words (for exports and print)."""
    lines = []
    for name in ("activity_id", "role", "target_group", "partner_id", "attribution"):
        field = getattr(form, name, None)
        if field is None or field.data in (None, ALL, ""):
            continue
        label = {str(k): str(v) for k, v in field.choices}.get(str(field.data), field.data)
        lines.append(f"{field.label.text}: {label}")
    if form.start.data or form.end.data:
        lines.append(
            _(
                "First heard: %(start)s – %(end)s",
                start=format_date(form.start.data) if form.start.data else "…",
                end=format_date(form.end.data) if form.end.data else "…",
            )
        )
    return lines


def _month_label(day: date, short: bool = False) -> str:
    # As flask_babel.format_date gives a date, with the pattern parsed once.
    return number_format.current_formats().day(day, "MMM yy" if short else "MMMM yyyy")


def _conversion_charts(report: ConversionReport, prefix: str) -> dict[str, Any]:
    stage_names = [str(v) for v in STAGE_LABELS.values()]
    bars = [
        charts.FunnelBar(
            row.name, [row.funnel.heard, row.funnel.asked, row.funnel.showed_up, row.funnel.regular]
        )
        for row in report.rows
        if not row.funnel.empty
    ]
    funnel = charts.funnel_chart(
        f"{prefix}-funnel",
        _("The funnel per channel"),
        _(
            "For each channel, one bar with the number of people who heard of it, were "
            "asked, showed up and became regulars. The same numbers are in the table."
        ),
        bars,
        stage_names,
    )
    intervals = charts.interval_chart(
        f"{prefix}-intervals",
        _("Share who showed up, per channel, with the likely range"),
        _(
            "For each channel a dot at the share of people who heard and then showed up, "
            "and a line over the range the true share probably lies in (95 % interval). "
            "Grey lines have too few people to judge."
        ),
        [(row.name, row.funnel.heard_to_showed_up) for row in report.rows if not row.funnel.empty],
        _("too few"),
        _("no data"),
        percent=percent,
    )
    trend = charts.trend_chart(
        f"{prefix}-trend",
        _("People per month of first hearing"),
        _(
            "For each month, the number of people who first heard of the centre that "
            "month, and how many of them have shown up since."
        ),
        [_month_label(c.first_day, short=True) for c in report.cohorts],
        [
            (str(STAGE_LABELS["heard"]), [c.funnel.heard for c in report.cohorts]),
            (str(STAGE_LABELS["showed_up"]), [c.funnel.showed_up for c in report.cohorts]),
        ],
    )
    return {"funnel_chart": funnel, "interval_chart": intervals, "trend_chart": trend}


def _render_conversion(template: str, role: Role | None, **extra: Any) -> tuple[str, int]:
    centre_id = tenancy.current_centre_id()
    form, valid = _filter_form([centre_id])
    report = comparison = compare_form = None
    status = 200
    if valid:
        try:
            report = conversion_report(centre_id, _report_filter(form, role))
        except ServiceError as error:
            _apply_service_error(form, error)
            status = 400
    else:
        status = 400
    context: dict[str, Any] = {}
    if report is not None:
        compare_form = CompareForm(formdata=request.args if "a" in request.args else None)
        choices = [(str(r.channel_id), r.name) for r in report.comparable]
        compare_form.a.choices = choices
        compare_form.b.choices = choices
        a_id = b_id = None
        if "a" in request.args and compare_form.validate():
            a_id, b_id = int(compare_form.a.data), int(compare_form.b.data)
        found = compare_channels(report, a_id, b_id)
        if found is not None:
            a, b, result = found
            compare_form.a.data, compare_form.b.data = str(a.channel_id), str(b.channel_id)
            comparison = {
                "a": a,
                "b": b,
                "result": result,
                "sentence": comparison_sentence(a.name, b.name, result, _, ngettext),
            }
        context = _conversion_charts(report, template.split("/")[-1].split(".")[0])
    return (
        render_template(
            template,
            form=form,
            report=report,
            compare_form=compare_form,
            comparison=comparison,
            rate_labels=translated_now(RATE_LABELS),
            stage_labels=STAGE_LABELS,
            month_label=_month_label,
            filter_lines=_filter_lines(form) if report else [],
            **context,
            **extra,
        ),
        status,
    )


@bp.route("/")
@allow(*STAFF)
def conversion() -> tuple[str, int]:
    return _render_conversion("reports/conversion.html", None)


def _export_report() -> tuple[ConversionReport, ReportFilterForm]:
    centre_id = tenancy.current_centre_id()
    form, valid = _filter_form([centre_id])
    if not valid:
        abort(400, description=_form_problems(form))
    try:
        return conversion_report(centre_id, _report_filter(form)), form
    except ServiceError as error:
        abort(400, description=error.message)


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{oslo_today().isoformat()}.{extension}"


@bp.route("/conversion.csv")
@allow(*STAFF)
def conversion_csv() -> Response:
    report, _form = _export_report()
    return Response(
        exports.conversion_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename("conversion", "csv")}"'},
    )


@bp.route("/conversion.xlsx")
@allow(*STAFF)
def conversion_xlsx() -> Response:
    report, form = _export_report()
    centre = g.centre
    data = exports.conversion_xlsx(report, centre.name, _filter_lines(form))
    return Response(
        data,
        mimetype=exports.XLSX_MIMETYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{_filename("conversion", "xlsx")}"'
        },
    )


@bp.route("/volunteers")
@allow(*STAFF)
def volunteers() -> tuple[str, int]:
    centre_id = tenancy.current_centre_id()
    form = VolunteerFilterForm(formdata=request.args if request.args else None)
    form.activity_id.choices = [(ALL, _("All activities"))] + [
        (str(i), name) for i, name in activities(centre_id)
    ]
    status = 200
    ratios = None
    if not request.args or form.validate():
        start, end = form.start.data, form.end.data
        if start is None or end is None:
            default_start, default_end = default_period()
            start, end = start or default_start, end or default_end
            form.start.data, form.end.data = start, end
        try:
            ratios = volunteer_ratios(
                centre_id,
                start,
                end,
                Granularity(form.granularity.data or Granularity.MONTH.value),
                _int_or_none(form.activity_id.data),
            )
        except ServiceError as error:
            _apply_service_error(form, error)
            status = 400
    else:
        status = 400
    funnel = conversion_report(
        centre_id,
        ReportFilter(
            role=Role.VOLUNTEER,
            activity_id=_int_or_none(form.activity_id.data) if status == 200 else None,
        ),
    )
    weekly = form.granularity.data == Granularity.WEEK.value

    # Only activities with check-ins in the period get a chart: the others are named in
    # one line, so the page does not open on a row of all-zero charts.
    def checked_in(item: Any) -> int:
        return sum(p.participants + p.volunteers for p in item.points)

    idle = [item for item in ratios or [] if not checked_in(item)]
    if ratios is not None:
        ratios = [item for item in ratios if checked_in(item)]
    ratio_charts = []
    for item in ratios or []:
        labels = [
            p.bucket.label if weekly else _month_label(p.bucket.first_day, True)
            for p in item.points
        ]
        ratio_charts.append(
            charts.ratio_chart(
                f"ratio-{item.activity_id}",
                _("Volunteers per participant: %(activity)s", activity=item.name),
                _(
                    "Volunteer check-ins divided by participant check-ins for each period, "
                    "with the wished ratio as a dashed line. The same numbers are in the table."
                ),
                labels,
                [p.ratio for p in item.points],
                item.wished_ratio,
                _("wished"),
                number=ratio,
            )
        )
    return (
        render_template(
            "reports/volunteers.html",
            form=form,
            ratios=ratios,
            idle_activities=idle,
            ratio_charts=ratio_charts,
            weekly=weekly,
            report=funnel,
            rate_labels=translated_now(RATE_LABELS),
            stage_labels=STAGE_LABELS,
            month_label=_month_label,
            **_conversion_charts(funnel, "volunteers"),
        ),
        status,
    )


@bp.route("/word-of-mouth")
@allow(*STAFF)
def word_of_mouth_page() -> str:
    centre_id = tenancy.current_centre_id()
    page = paginate(
        word_of_mouth.brought_people_select(centre_id),
        page=request.args.get("page", 1, type=int),
        per_page=current_settings().app.page_size,
        error_out=False,
    )
    showed = word_of_mouth.showed_up_among(centre_id, [p.id for p in page.items])
    return render_template(
        "reports/word_of_mouth.html",
        recruiters=word_of_mouth.top_recruiters(centre_id),
        chains=word_of_mouth.longest_chains(centre_id),
        page=page,
        showed=showed,
    )


@bp.route("/word-of-mouth/<int:person_id>")
@allow(*STAFF)
def chain(person_id: int) -> str:
    centre_id = tenancy.current_centre_id()
    tenancy.get_or_404(Person, person_id)
    tree = word_of_mouth.chain_of(centre_id, person_id)
    return render_template("reports/chain.html", tree=tree)


def _funder_form() -> tuple[FunderForm, bool]:
    chosen = "start" in request.args or "end" in request.args
    form = FunderForm(formdata=request.args if chosen else None)
    if not chosen:  # no period asked for (perhaps only ?lang=): this year so far
        form.start.data, form.end.data = report_year(oslo_today())
        return form, True
    return form, form.validate()


@bp.route("/funder")
@allow(*STAFF)
def funder() -> tuple[str, int]:
    form, valid = _funder_form()
    report = None
    status = 200
    if valid:
        try:
            report = funder_report(tenancy.current_centre_id(), form.start.data, form.end.data)
        except ServiceError as error:
            _apply_service_error(form, error)
            status = 400
    else:
        status = 400
    return (
        render_template(
            "reports/funder.html",
            form=form,
            report=report,
            target_group_label=target_group_label,
        ),
        status,
    )


@bp.route("/funder.xlsx")
@allow(*STAFF)
def funder_xlsx() -> Response:
    form, valid = _funder_form()
    if not valid:
        abort(400, description=_form_problems(form))
    try:
        report = funder_report(tenancy.current_centre_id(), form.start.data, form.end.data)
    except ServiceError as error:
        abort(400, description=error.message)
    name = _filename(f"funder-{report.start.isoformat()}-{report.end.isoformat()}", "xlsx")
    return Response(
        exports.funder_xlsx(report),
        mimetype=exports.XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/municipality")
@allow(*MUNICIPALITY)
def municipality() -> tuple[str, int]:
    centre_ids = municipality_centre_ids(current_user.id)
    if not centre_ids:
        abort(403)
    form, valid = _filter_form(centre_ids, with_activity=False)
    report = None
    status = 200
    if valid:
        try:
            report = municipality_report(centre_ids, _report_filter(form))
        except ServiceError as error:
            _apply_service_error(form, error)
            status = 400
    else:
        status = 400
    return (
        render_template(
            "reports/municipality.html",
            form=form,
            report=report,
            stage_labels=STAGE_LABELS,
            channel_kind_label=channel_kind_label,
            centre_names=centre_names(centre_ids),
        ),
        status,
    )
