"""The one CSV writer of every download, in the dialect the reader's spreadsheet expects.

Norwegian Excel (and LibreOffice with a Norwegian locale) splits CSV on semicolons and
reads "26,8" as a number, because the comma is the decimal sign there; English Excel
splits on commas and reads "26.8". So a bokmål download is ``;`` with decimal commas,
an English one ``,`` with decimal points. Both start with a byte-order mark: without
it Excel reads UTF-8 as the old Windows code page and æøå turn into "Ã¦Ã¸Ã¥".

Numbers are written plain (no thousands separator, a hyphen-minus): a spreadsheet
must read them as numbers, not as text. A ``Decimal`` is written with exactly its
digits (``one_decimal(50)`` -> "50,0"); a float with the decimals it has, at most ten.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, stream_with_context

from rekruttering.number_format import current_locale

BOM = "\ufeff"
MIMETYPE = "text/csv"


@dataclass(frozen=True)
class CsvDialect:
    """How one language's spreadsheet reads CSV."""

    language: str
    delimiter: str
    decimal: str


DIALECTS = {
    "nb": CsvDialect("nb", delimiter=";", decimal=","),
    "en": CsvDialect("en", delimiter=",", decimal="."),
}


def dialect_for(language: str | None = None) -> CsvDialect:
    """The dialect of ``language`` (``nb``/``en``), by default the request's language."""
    if language is None:
        language = current_locale().language
    return DIALECTS.get(language, DIALECTS["nb"])


def cell(value: Any, dialect: CsvDialect) -> str:
    """One value as CSV text: numbers with the dialect's decimal sign, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):  # exactly the digits it has: Decimal("50.0") -> 50,0
        return format(value, "f").replace(".", dialect.decimal)
    if isinstance(value, float):
        text = f"{value:.10f}".rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
        return text.replace(".", dialect.decimal)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def one_decimal(value: float | None) -> Decimal | None:
    """A number kept to one decimal for a CSV cell (26.8, 50.0); None stays None."""
    return None if value is None else Decimal(repr(value)).quantize(Decimal("0.1"))


class CsvWriter:
    """Rows to CSV text in one dialect; ``line()`` gives each row as it is written."""

    def __init__(self, dialect: CsvDialect | None = None) -> None:
        self.dialect = dialect or dialect_for()
        self._buffer = io.StringIO()
        self._writer = csv.writer(
            self._buffer, delimiter=self.dialect.delimiter, lineterminator="\r\n"
        )

    def line(self, values: Sequence[Any]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([cell(v, self.dialect) for v in values])
        return self._buffer.getvalue()


def csv_lines(rows: Iterable[Sequence[Any]], dialect: CsvDialect | None = None) -> Iterator[str]:
    """The BOM, then each row as a CSV line (for streaming a long download)."""
    writer = CsvWriter(dialect)
    yield BOM
    for row in rows:
        yield writer.line(row)


def csv_text(rows: Iterable[Sequence[Any]], dialect: CsvDialect | None = None) -> str:
    """The whole CSV file as one string (BOM included)."""
    return "".join(csv_lines(rows, dialect))


def csv_response(
    rows: Iterable[Sequence[Any]], filename: str, dialect: CsvDialect | None = None
) -> Response:
    """A CSV download, streamed, in the request's dialect (or ``dialect``)."""
    lines = csv_lines(rows, dialect or dialect_for())
    return Response(
        stream_with_context(lines),
        mimetype=MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
