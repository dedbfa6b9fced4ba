"""Forms of the import steps: upload, column mapping, confirm."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SelectField, SubmitField

from rekruttering.domain.import_rows import Field


class UploadForm(FlaskForm):
    file = FileField(
        _l("Spreadsheet (.xlsx or .csv)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx", "csv", "txt"], _l("Upload a .xlsx or .csv file.")),
        ],
        render_kw={"accept": ".xlsx,.csv,text/csv"},
    )
    submit = SubmitField(_l("Upload and continue"))


class MappingForm(FlaskForm):
    """One select per column (added by ``mapping_form``)."""

    submit = SubmitField(_l("Check the rows"))

    def column_fields(self) -> list[SelectField]:
        return [f for f in self if f.name.startswith("col_")]

    def mapping(self) -> list[Field | None]:
        return [Field(f.data) if f.data else None for f in self.column_fields()]


def mapping_form(
    headers: Sequence[str], chosen: Sequence[Field | None], labels: dict[Field, object]
) -> MappingForm:
    """A MappingForm with a select for each column, preset to ``chosen``."""
    choices = [("", _l("(ignore this column)"))] + [(f.value, label) for f, label in labels.items()]

    class ColumnsForm(MappingForm):
        pass

    for index, header in enumerate(headers):
        preset = chosen[index] if index < len(chosen) else None
        setattr(
            ColumnsForm,
            f"col_{index}",
            SelectField(
                header or _l("Column %(n)d", n=index + 1),
                choices=choices,
                default=preset.value if preset else "",
            ),
        )
    return ColumnsForm()


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Import now"))


class ImportModeForm(FlaskForm):
    """Confirm the import: all or nothing (the default) or leave the bad rows out."""

    mode = RadioField(
        _l("Rows with problems"),
        choices=[
            ("all", _l("Import nothing while any row has a problem (all or nothing)")),
            ("skip", _l("Leave the rows with problems out, and give me a list of them")),
        ],
        default="all",
    )
    submit = SubmitField(_l("Import now"))
