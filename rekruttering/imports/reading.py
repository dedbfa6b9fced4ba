"""Reading the centre's spreadsheets row by row: CSV (any common dialect) and XLSX.

Both are streamed from disk: a CSV line at a time, an XLSX through openpyxl's
read-only mode. No file is ever held in memory whole, so a large file costs the same
memory as a small one.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
class FileFormat:
    """How to read a stored upload: kind, and for CSV its encoding and delimiter."""

    kind: str  # "csv" or "xlsx"
    encoding: str = "utf-8-sig"
    delimiter: str = ","

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "encoding": self.encoding, "delimiter": self.delimiter}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileFormat:
        return cls(data["kind"], data.get("encoding", "utf-8-sig"), data.get("delimiter", ","))


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


def _xlsx_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    # A file object, not the path: openpyxl refuses names not ending in .xlsx, and
    # stored uploads have a random name of our own.
    with path.open("rb") as fh:
        try:
            workbook = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
            raise UnreadableFile("bad_xlsx") from exc
        try:
            sheet = workbook.worksheets[0]
            yield from sheet.iter_rows(values_only=True)
        except Exception as exc:  # noqa: BLE001 - a broken sheet part
            raise UnreadableFile("bad_xlsx") from exc
        finally:
            workbook.close()


def rows(path: Path, fmt: FileFormat) -> Iterator[tuple[int, list[Any]]]:
    """(row number as the spreadsheet shows it, cells) for every non-blank row."""
    source = _csv_rows(path, fmt) if fmt.kind == "csv" else _xlsx_rows(path)
    for number, cells in enumerate(source, start=1):
        cells = list(cells)
        if cells and not is_blank(cells):
            yield number, cells


def header_and_rows(
    path: Path, fmt: FileFormat
) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header row (the first non-blank one) and an iterator over the rows after it."""
    iterator = rows(path, fmt)
    try:
        _number, header = next(iterator)
    except StopIteration:
        raise UnreadableFile("empty") from None
    return [clean(cell_text(c))[:60] for c in header], iterator
