"""Reading the centre's spreadsheets row by row: CSV (any common dialect) and XLSX.

Both are streamed from disk: a CSV line at a time, an XLSX through openpyxl's
read-only mode. No file is ever held in memory whole, so a large file costs the same
memory as a small one.

Limits (``Limits``, from the ``[imports]`` settings) are checked before anything is
read for real: an XLSX is a zip archive, and a small one can unpack to gigabytes (a
"zip bomb"; openpyxl keeps every shared string in memory). ``check_archive`` reads
only the archive's directory - the unpacked size of each member - and refuses an
archive that would unpack to too much; zipfile itself never unpacks more than a
member's declared size. ``rows`` stops at the row limit, and ``count_rows`` checks it
at upload by counting (cheap: it stops one row past the limit).
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rekruttering.config import Settings
from rekruttering.domain.import_rows import cell_text, is_blank
from rekruttering.domain.text import clean

SNIFF_BYTES = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"

#: The largest cell a CSV may have (a note); csv's default 128 KiB is plenty.
csv.field_size_limit(1024 * 1024)


class UnreadableFile(Exception):
    """The file cannot be read as a spreadsheet. ``code`` says why (see service)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    """How big an import may be (see config.example.toml, ``[imports]``)."""

    max_rows: int = 50_000
    max_unpacked_mb: int = 100
    max_shared_strings_mb: int = 16

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            settings.imports.max_rows,
            settings.imports.max_unpacked_mb,
            settings.imports.max_shared_strings_mb,
        )


#: Members of an XLSX archive we accept (a workbook has a few dozen).
MAX_MEMBERS = 2000


def check_archive(path: Path, limits: Limits) -> None:
    """Refuse an XLSX that would unpack to more than the limits, before unpacking it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile("bad_xlsx") from exc
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile("unpacked_too_large", str(limits.max_unpacked_mb))
    if sum(m.file_size for m in members) > limits.max_unpacked_mb * 1024 * 1024:
        raise UnreadableFile("unpacked_too_large", str(limits.max_unpacked_mb))
    shared = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if shared > limits.max_shared_strings_mb * 1024 * 1024:
        raise UnreadableFile("unpacked_too_large", str(limits.max_unpacked_mb))


def count_rows(path: Path, fmt: FileFormat, limits: Limits) -> int:
    """The number of data rows; UnreadableFile("too_many_rows") past the limit."""
    _header, data = header_and_rows(path, fmt, limits)
    return sum(1 for _row in data)


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheet names, in order (read-only: the sheets are not read)."""
    # Imported here: openpyxl is large and only an XLSX upload needs it.
    from openpyxl import load_workbook

    with path.open("rb") as fh:
        try:
            workbook = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
            raise UnreadableFile("bad_xlsx") from exc
        try:
            return list(workbook.sheetnames)
        finally:
            workbook.close()


@dataclass(frozen=True)
class FileFormat:
    """How to read a stored upload: kind, and for CSV its encoding and delimiter."""

    kind: str  # "csv" or "xlsx"
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    sheet: str = ""  # XLSX: the sheet to read ("" = the first one with rows)

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileFormat:
        return cls(
            data["kind"],
            data.get("encoding", "utf-8-sig"),
            data.get("delimiter", ","),
            data.get("sheet", ""),
        )


def _decode_sample(sample: bytes) -> tuple[str, str]:
    """The encoding of a CSV sample: UTF-8 (with or without BOM) or Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        return "utf-8-sig", decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252", sample.decode("cp1252", errors="replace")


def detect_format(path: Path, filename: str) -> FileFormat:
    """Tell CSV from XLSX by content (a renamed file is read for what it is)."""
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if not sample.strip():
        raise UnreadableFile("empty")
    if sample.startswith(XLS_MAGIC):
        raise UnreadableFile("xls")
    if sample.startswith(XLSX_MAGIC):
        return FileFormat("xlsx")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile("bad_xlsx")
    if b"\x00" in sample:
        raise UnreadableFile("binary")
    encoding, text = _decode_sample(sample)
    first_lines = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(first_lines, delimiters=";,\t|").delimiter
    except csv.Error:
        # One column, or the sniffer could not decide: Norwegian Excel writes ";".
        header = first_lines.split("\n", 1)[0]
        delimiter = max(";,\t", key=header.count) if any(c in header for c in ";,\t") else ","
    return FileFormat("csv", encoding, delimiter)


def _csv_rows(path: Path, fmt: FileFormat) -> Iterator[list[Any]]:
    with path.open("r", encoding=fmt.encoding, errors="strict", newline="") as fh:
        reader = csv.reader(fh, delimiter=fmt.delimiter)
        try:
            yield from reader
        except UnicodeDecodeError as exc:
            raise UnreadableFile("encoding", str(reader.line_num)) from exc
        except csv.Error as exc:
            raise UnreadableFile("csv", str(reader.line_num)) from exc


def _first_with_rows(workbook: Any) -> Any:
    """The first sheet with a non-blank row: an empty cover sheet is passed over."""
    for sheet in workbook.worksheets:
        if any(not is_blank(list(cells)) for cells in sheet.iter_rows(values_only=True)):
            return sheet
    return None


def _xlsx_rows(path: Path, sheet_name: str) -> Iterator[tuple[Any, ...]]:
    # Imported here: openpyxl is large and only an XLSX upload needs it.
    from openpyxl import load_workbook

    # A file object, not the path: openpyxl refuses names not ending in .xlsx, and
    # stored uploads have a random name of our own.
    with path.open("rb") as fh:
        try:
            workbook = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
            raise UnreadableFile("bad_xlsx") from exc
        try:
            if sheet_name and sheet_name not in workbook.sheetnames:
                raise UnreadableFile("no_sheet", sheet_name)
            chosen = workbook[sheet_name] if sheet_name else _first_with_rows(workbook)
            if chosen is not None:
                yield from chosen.iter_rows(values_only=True)
        except UnreadableFile:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken sheet part
            raise UnreadableFile("bad_xlsx") from exc
        finally:
            workbook.close()


def rows(
    path: Path, fmt: FileFormat, limits: Limits | None = None
) -> Iterator[tuple[int, list[Any]]]:
    """(row number as the spreadsheet shows it, cells) for every non-blank row.

    With ``limits``, more than ``max_rows`` rows after the header raise
    UnreadableFile("too_many_rows").
    """
    source = _csv_rows(path, fmt) if fmt.kind == "csv" else _xlsx_rows(path, fmt.sheet)
    allowed = limits.max_rows + 1 if limits is not None else None  # + the header row
    seen = 0
    for number, cells in enumerate(source, start=1):
        cells = list(cells)
        if cells and not is_blank(cells):
            seen += 1
            if allowed is not None and seen > allowed:
                raise UnreadableFile("too_many_rows", str(allowed - 1))
            yield number, cells


def header_and_rows(
    path: Path, fmt: FileFormat, limits: Limits | None = None
) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header row (the first non-blank one) and an iterator over the rows after it."""
    iterator = rows(path, fmt, limits)
    try:
        _number, header = next(iterator)
    except StopIteration:
        raise UnreadableFile("empty") from None
    return [clean(cell_text(c))[:60] for c in header], iterator
