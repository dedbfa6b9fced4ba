"""Import steps: upload -> columns -> preview (nothing written) -> confirm -> progress."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from rekruttering.access import STAFF, allow
from rekruttering.config import current_settings
from rekruttering.csv_export import csv_response
from rekruttering.domain.import_rows import guess_mapping, mapping_problems
from rekruttering.imports import preview_record, runner, storage
from rekruttering.imports.forms import ConfirmForm, ImportModeForm, UploadForm, mapping_form
from rekruttering.imports.reading import (
    FileFormat,
    Limits,
    UnreadableFile,
    check_archive,
    count_rows,
    detect_format,
    sheet_names,
)
from rekruttering.imports.service import (
    FIELD_LABELS,
    file_problem_message,
    imported_people,
    mapping_message,
    problem_message,
    read_header,
)
from rekruttering.tenancy import current_centre_id

bp = Blueprint("imports", __name__, url_prefix="/import")

#: States in which the columns can still be chosen (nothing is running).
EDITABLE = frozenset({"uploaded", "checked"})


def _record_or_404(token: str) -> dict[str, Any]:
    """The upload's record, only for its own centre (another centre's is not found)."""
    record = storage.load(token)
    if record is None or record.get("centre_id") != current_centre_id():
        abort(404)
    return record


def _file_gone(token: str, error: UnreadableFile | None = None) -> Response:
    if error is not None:
        flash(file_problem_message(error), "danger")
    else:
        flash(_("The uploaded file is gone (files are kept 24 hours). Upload it again."), "warning")
    storage.delete(token)
    return redirect(url_for("imports.upload"))


@bp.route("/", methods=["GET", "POST"])
@allow(*STAFF)
def upload() -> str | Response:
    storage.purge_expired()
    form = UploadForm()
    if form.validate_on_submit():
        token = storage.new_token()
        path = storage.data_path(token)
        upload_file = form.file.data
        upload_file.save(path)  # streamed to disk in chunks
        filename = secure_filename(upload_file.filename or "")[:100] or "upload"
        limits = Limits.from_settings(current_settings())
        try:
            fmt = detect_format(path, filename)
            sheets: list[str] = []
            if fmt.kind == "xlsx":
                check_archive(path, limits)  # before anything is unpacked
                sheets = sheet_names(path)
            else:
                count_rows(path, fmt, limits)  # cheap: stops one row past the limit
            headers, _samples = read_header(path, fmt)
        except UnreadableFile as exc:
            path.unlink(missing_ok=True)
            form.file.errors = [*form.file.errors, file_problem_message(exc)]
        else:
            storage.save(
                token,
                {
                    "centre_id": current_centre_id(),
                    "user_id": current_user.id,
                    "filename": filename,
                    "format": fmt.as_dict(),
                    "headers": headers,
                    "sheets": sheets,
                    "state": "uploaded",
                    "created_at": datetime.now(UTC).isoformat(),
                },
            )
            return redirect(url_for("imports.columns", token=token))
    return render_template("imports/upload.html", form=form)


@bp.route("/<token>/columns", methods=["GET", "POST"])
@allow(*STAFF)
def columns(token: str) -> str | Response:
    record = _record_or_404(token)
    if record.get("state") not in EDITABLE:
        return redirect(url_for("imports.status", token=token))
    path = storage.data_path(token)
    if not path.exists():
        return _file_gone(token)
    sheet = request.args.get("sheet")
    if sheet is not None and sheet in record.get("sheets", []):
        # Another sheet: its own header, so the mapping is guessed again.
        fmt = {**record["format"], "sheet": sheet}
        record = storage.update(token, format=fmt, mapping=[], state="uploaded", preview=None)
    try:
        headers, samples = read_header(path, FileFormat.from_dict(record["format"]))
    except UnreadableFile as exc:
        if exc.code == "empty" and len(record.get("sheets", [])) > 1:
            headers, samples = [], []
            flash(_("This sheet is empty. Choose another sheet."), "warning")
        else:
            return _file_gone(token, exc)
    chosen = runner.mapping_of(record) or guess_mapping(headers)
    form = mapping_form(headers, chosen, FIELD_LABELS)
    if form.validate_on_submit():
        mapping = form.mapping()
        problems = mapping_problems(mapping)
        if not problems:
            storage.update(
                token,
                mapping=[f.value if f else None for f in mapping],
                state="uploaded",
                preview=None,
            )
            return redirect(url_for("imports.check", token=token))
        for problem in problems:
            flash(mapping_message(problem), "danger")
    columns_with_samples = [
        (field, [row[i] if i < len(row) else "" for row in samples])
        for i, field in enumerate(form.column_fields())
    ]
    return render_template(
        "imports/columns.html",
        form=form,
        record=record,
        token=token,
        columns=columns_with_samples,
        sheet=FileFormat.from_dict(record["format"]).sheet,
    )


@bp.route("/<token>/preview")
@allow(*STAFF)
def check(token: str) -> str | Response:
    """Start the check in the background, show its progress, then its result."""
    record = _record_or_404(token)
    state = record.get("state")
    if state in ("running", "done", "cancelled") or (state == "failed" and record.get("mode")):
        return redirect(url_for("imports.status", token=token))
    if not record.get("mapping"):
        return redirect(url_for("imports.columns", token=token))
    if not storage.data_path(token).exists():
        return _file_gone(token)
    if state == "uploaded":
        runner.start_check(_app(), token)
        return redirect(url_for("imports.check", token=token))
    if state in ("checking", "failed"):
        return _progress_page(token, record)
    result = preview_record.from_dict(record["preview"])
    return render_template(
        "imports/preview.html",
        record=record,
        token=token,
        result=result,
        problem_message=problem_message,
        labels=FIELD_LABELS,
        form=ImportModeForm(),
    )


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask


def _stalled(record: dict[str, Any]) -> bool:
    return runner.stalled(record, current_settings().imports.stalled_minutes)


def _progress_page(token: str, record: dict[str, Any]) -> Response:
    stalled = _stalled(record)
    response = make_response(
        render_template(
            "imports/status.html",
            record=record,
            token=token,
            stalled=stalled,
            error=runner.error_message(record),
            form=ConfirmForm(),
            people=imported_people(
                current_centre_id(), (record.get("result") or {}).get("people") or []
            ),
        )
    )
    if record.get("state") in runner.WORKING and not stalled and not record.get("cancel"):
        # Reload every two seconds while it runs; a header, so no script is needed.
        response.headers["Refresh"] = "2"
    return response


@bp.route("/<token>/confirm", methods=["POST"])
@allow(*STAFF)
def confirm(token: str) -> Response:
    record = _record_or_404(token)
    form = ImportModeForm()
    if not form.validate_on_submit():
        abort(400)
    preview_data = record.get("preview") or {}
    skip = form.mode.data == "skip"
    importable = preview_data.get("rows", 0) - (preview_data.get("problem_rows", 0) if skip else 0)
    if record.get("state") != "checked" or not storage.claim(token):
        # Sent twice: the first request started it.
        return redirect(url_for("imports.status", token=token))
    if preview_data.get("problem_rows") and not skip or importable <= 0:
        storage.unclaim(token)
        flash(_("Nothing to import: every row has a problem."), "danger")
        return redirect(url_for("imports.check", token=token))
    if not storage.data_path(token).exists():
        return _file_gone(token)
    storage.update(token, user_id=current_user.id)
    runner.start_import(_app(), token, skip_bad_rows=skip)
    return redirect(url_for("imports.status", token=token))


@bp.route("/<token>/cancel", methods=["POST"])
@allow(*STAFF)
def cancel(token: str) -> Response:
    """Cancel: delete an upload not yet importing; stop a running check or import."""
    record = _record_or_404(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if record.get("state") in runner.WORKING and not _stalled(record):
        storage.update(token, cancel=True)
        flash(_("Cancelling… nothing is imported."), "info")
        return redirect(url_for("imports.status", token=token))
    if record.get("state") != "done":
        storage.delete(token)
        flash(_("The upload is deleted; nothing was imported."), "info")
    return redirect(url_for("imports.upload"))


@bp.route("/<token>/restart", methods=["POST"])
@allow(*STAFF)
def restart(token: str) -> Response:
    """Start a check or import again that stopped (its process died) or failed."""
    record = _record_or_404(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    state = record.get("state")
    if not (_stalled(record) or state in ("failed", "cancelled")):
        return redirect(url_for("imports.status", token=token))
    if not storage.data_path(token).exists():
        return _file_gone(token)
    if record.get("mode") and record.get("preview"):
        storage.update(token, state="checked")
        runner.start_import(_app(), token, skip_bad_rows=record.get("mode") == "skip")
        return redirect(url_for("imports.status", token=token))
    storage.update(token, state="uploaded")
    return redirect(url_for("imports.check", token=token))


@bp.route("/<token>/skipped.csv")
@allow(*STAFF)
def skipped(token: str) -> Response:
    """The rows an import left out, and why (CSV)."""
    _record_or_404(token)
    if not storage.skipped_path(token).exists():
        abort(404)
    return csv_response(runner.skipped_rows(token), "skipped-rows.csv")


@bp.route("/<token>")
@allow(*STAFF)
def status(token: str) -> Response:
    record = _record_or_404(token)
    if record.get("state") in EDITABLE:
        return redirect(url_for("imports.check", token=token))
    return _progress_page(token, record)
