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
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from rekruttering.access import STAFF, allow
from rekruttering.domain.clock import oslo_today
from rekruttering.domain.import_rows import guess_mapping, mapping_problems
from rekruttering.imports import runner, storage
from rekruttering.imports.forms import ConfirmForm, UploadForm, mapping_form
from rekruttering.imports.reading import FileFormat, UnreadableFile, detect_format
from rekruttering.imports.service import (
    FIELD_LABELS,
    file_problem_message,
    mapping_message,
    preview,
    problem_message,
    read_header,
)
from rekruttering.tenancy import current_centre_id

bp = Blueprint("imports", __name__, url_prefix="/import")


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
        try:
            fmt = detect_format(path, filename)
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
    if record.get("state") != "uploaded":
        return redirect(url_for("imports.status", token=token))
    path = storage.data_path(token)
    if not path.exists():
        return _file_gone(token)
    try:
        headers, samples = read_header(path, FileFormat.from_dict(record["format"]))
    except UnreadableFile as exc:
        return _file_gone(token, exc)
    chosen = runner.mapping_of(record) or guess_mapping(headers)
    form = mapping_form(headers, chosen, FIELD_LABELS)
    if form.validate_on_submit():
        mapping = form.mapping()
        problems = mapping_problems(mapping)
        if not problems:
            storage.update(token, mapping=[f.value if f else None for f in mapping])
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
    )


@bp.route("/<token>/preview")
@allow(*STAFF)
def check(token: str) -> str | Response:
    record = _record_or_404(token)
    if record.get("state") != "uploaded":
        return redirect(url_for("imports.status", token=token))
    if not record.get("mapping"):
        return redirect(url_for("imports.columns", token=token))
    path = storage.data_path(token)
    if not path.exists():
        return _file_gone(token)
    try:
        result = preview(
            current_centre_id(),
            path,
            FileFormat.from_dict(record["format"]),
            runner.mapping_of(record),
            oslo_today(),
        )
    except UnreadableFile as exc:
        return _file_gone(token, exc)
    storage.update(token, total=result.rows)
    return render_template(
        "imports/preview.html",
        record=record,
        token=token,
        result=result,
        problem_message=problem_message,
        labels=FIELD_LABELS,
        form=ConfirmForm(),
    )


@bp.route("/<token>/confirm", methods=["POST"])
@allow(*STAFF)
def confirm(token: str) -> Response:
    record = _record_or_404(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if record.get("state") != "uploaded" or not storage.claim(token):
        # Sent twice: the first request started it.
        return redirect(url_for("imports.status", token=token))
    if not storage.data_path(token).exists():
        return _file_gone(token)
    storage.update(token, state="running", done=0, user_id=current_user.id)
    runner.start(current_app._get_current_object(), token)  # type: ignore[attr-defined]
    return redirect(url_for("imports.status", token=token))


@bp.route("/<token>/cancel", methods=["POST"])
@allow(*STAFF)
def cancel(token: str) -> Response:
    record = _record_or_404(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if record.get("state") == "uploaded":
        storage.delete(token)
        flash(_("The upload is deleted; nothing was imported."), "info")
    return redirect(url_for("imports.upload"))


@bp.route("/<token>")
@allow(*STAFF)
def status(token: str) -> Response:
    record = _record_or_404(token)
    if record.get("state") == "uploaded":
        return redirect(url_for("imports.check", token=token))
    stalled = runner.stalled(record)
    response = make_response(
        render_template("imports/status.html", record=record, token=token, stalled=stalled)
    )
    if record.get("state") == "running" and not stalled:
        # Reload every two seconds while it runs; a header, so no script is needed.
        response.headers["Refresh"] = "2"
    return response
