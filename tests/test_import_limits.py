"""Import limits and the background run: a zip bomb and a million rows are refused at
upload without cost; the check and the import run outside the request, can be
cancelled, and a killed one can be started again or discarded; bad rows can be left
out with a list of them; an empty first sheet is passed over."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from rekruttering.extensions import db
from rekruttering.imports import runner, storage
from rekruttering.models import Person, UserRole
from tests.test_import import GOOD_ROWS, HEADER, MAPPING, _checked, _mapping_form, _upload

BOMB_UNPACKED_MB = 400


@pytest.fixture
def import_dir(app: Any, tmp_path: Path) -> Path:
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def staff(make: Any, login: Any) -> Any:
    centre = make.centre()
    make.activity(centre, name="Språkkafe")
    make.activity(centre, name="Mat og prat")
    make.channel(centre, name="Facebook")
    user = make.user(centre, role=UserRole.STAFF, locale="en")
    login(user)
    return user


def _people() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Person)) or 0


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * 4096


class PeakRss:
    """The process's resident memory, sampled every few milliseconds while it runs."""

    def __init__(self) -> None:
        self.baseline = _rss_bytes()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.baseline) / 1024 / 1024


def zip_bomb_xlsx(path: Path, unpacked_mb: int = BOMB_UNPACKED_MB) -> Path:
    """A well-formed workbook, about a megabyte packed, whose shared strings unpack to
    ``unpacked_mb`` MB (one string of repeated letters, cited by one cell)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Ark1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
        ),
    }
    chunk = b"A" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
            )
            for _ in range(unpacked_mb):
                member.write(chunk)
            member.write(b"</t></si></sst>")
    return path


def test_zip_bomb_xlsx_is_refused_before_it_is_unpacked(
    client: Any, staff: Any, import_dir: Path, tmp_path: Path
) -> None:
    """A ~1 MB workbook whose shared strings unpack to 400 MB: refused at upload with a
    sentence saying why; the process grows by less than 100 MB; nothing is kept."""
    bomb = zip_bomb_xlsx(tmp_path / "bomb.xlsx")
    packed_mb = bomb.stat().st_size / 1024 / 1024
    assert packed_mb < 3  # small on the wire ...
    with zipfile.ZipFile(bomb) as zf:  # ... huge once unpacked: reading it would cost that
        assert sum(m.file_size for m in zf.infolist()) > BOMB_UNPACKED_MB * 1024 * 1024
    content = bomb.read_bytes()
    with PeakRss() as rss:
        response = client.post(
            "/import/",
            data={"file": (io.BytesIO(content), "medlemmer.xlsx")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "would unpack to more than 100 MB" in page
    assert rss.growth_mb < 100, rss.growth_mb
    assert list(import_dir.glob("*.upload")) == []


@pytest.mark.settings(**{"imports.max_shared_strings_mb": 1, "imports.max_unpacked_mb": 500})
def test_shared_strings_have_their_own_limit(
    client: Any, staff: Any, import_dir: Path, tmp_path: Path
) -> None:
    """Under the total limit but with shared strings over theirs: refused as well."""
    bomb = zip_bomb_xlsx(tmp_path / "strings.xlsx", unpacked_mb=2)
    response = client.post(
        "/import/",
        data={"file": (io.BytesIO(bomb.read_bytes()), "ark.xlsx")},
        content_type="multipart/form-data",
    )
    assert "would unpack to more than" in response.get_data(as_text=True)


def test_a_million_row_csv_is_refused_at_upload(client: Any, staff: Any, import_dir: Path) -> None:
    """1,000,000 rows (8 MB): refused with the row limit named; counting stops one
    row past the limit, so the request is quick and no web worker is at risk."""
    lines = ["Navn"] + [f"P{n}" for n in range(1_000_000)]
    content = ("\n".join(lines) + "\n").encode()
    response = client.post(
        "/import/",
        data={"file": (io.BytesIO(content), "alle.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "more than 50000 rows" in page and "Split it" in page
    assert list(import_dir.glob("*.upload")) == []


@pytest.mark.settings(**{"imports.max_rows": 2})
def test_row_limit_also_holds_in_the_background_check(
    client: Any, staff: Any, import_dir: Path
) -> None:
    """The limit holds when the file is read again (a lowered setting): the check
    fails with the same sentence instead of reading on."""
    token = _upload(client, (HEADER + GOOD_ROWS.splitlines(keepends=True)[0]).encode())
    storage.data_path(token).write_bytes((HEADER + GOOD_ROWS).encode())  # 3 rows now
    client.post(f"/import/{token}/columns", data=_mapping_form(MAPPING))
    client.get(f"/import/{token}/preview")
    runner.wait(token)
    page = client.get(f"/import/{token}").get_data(as_text=True)
    import re

    print(re.findall(r"alert.*?</div>", page, re.S), storage.load(token))
    assert "more than 2 rows" in page and "Start again" in page


def test_check_runs_in_the_background_and_shows_progress(
    client: Any, staff: Any, import_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check page answers at once; while the check runs the page reloads itself
    and says how many rows are checked."""
    token = _upload(client, (HEADER + GOOD_ROWS).encode())
    client.post(f"/import/{token}/columns", data=_mapping_form(MAPPING))
    release = threading.Event()
    real_preview = runner.preview

    def slow_preview(*args: Any, **kwargs: Any) -> Any:
        kwargs["progress"](2)
        release.wait(20)
        return real_preview(*args, **kwargs)

    monkeypatch.setattr(runner, "preview", slow_preview)
    started = client.get(f"/import/{token}/preview")
    assert started.status_code == 302
    try:
        while (storage.load(token) or {}).get("done") != 2:
            threading.Event().wait(0.01)
        page = client.get(f"/import/{token}/preview")
        assert page.headers["Refresh"] == "2"
        assert "2 rows checked" in page.get_data(as_text=True)
    finally:
        release.set()
        runner.wait(token)
    assert "Every row can be imported" in client.get(f"/import/{token}/preview").get_data(
        as_text=True
    )


def test_cancel_stops_a_running_import_and_nothing_is_written(
    client: Any, staff: Any, import_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancel pressed while the import runs: it stops at its next progress report, the
    transaction rolls back, the page says cancelled; it can be started again."""
    rows = "".join(f"Person {n};;norsk;;;;;;\n" for n in range(250))
    token = _upload(client, (HEADER + rows).encode())
    client.post(f"/import/{token}/columns", data=_mapping_form(MAPPING))
    _checked(client, token)
    real_beat = runner.beat

    def press_cancel_then_beat(token_: str, attempt: int, **changes: Any) -> None:
        if changes.get("done") == 100:
            storage.update(token_, cancel=True)  # what the Cancel button does (below)
        real_beat(token_, attempt, **changes)

    monkeypatch.setattr(runner, "beat", press_cancel_then_beat)
    client.post(f"/import/{token}/confirm", data={"mode": "all"})
    runner.wait(token)
    assert _people() == 0
    record = storage.load(token)
    assert record["state"] == "cancelled"
    page = client.get(f"/import/{token}").get_data(as_text=True)
    assert "Cancelled." in page and "Nothing was imported." in page
    monkeypatch.setattr(runner, "beat", real_beat)
    client.post(f"/import/{token}/restart")
    runner.wait(token)
    assert _people() == 250


def test_the_cancel_button_asks_a_running_job_to_stop(
    client: Any, staff: Any, import_dir: Path
) -> None:
    """Cancel on a running import sets the flag the job looks at; the upload stays."""
    token = _upload(client, (HEADER + GOOD_ROWS).encode())
    storage.update(token, state="running", done=1, total=3)
    page = client.get(f"/import/{token}").get_data(as_text=True)
    assert f'action="/import/{token}/cancel"' in page
    client.post(f"/import/{token}/cancel")
    assert storage.load(token)["cancel"] is True
    assert "Cancelling" in client.get(f"/import/{token}").get_data(as_text=True)


def _killed(token: str, state: str) -> None:
    """What a killed process leaves: a working record whose heartbeat stopped long ago."""
    path = storage.directory() / f"{token}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record.update(state=state, done=100, updated_at="2000-01-01T00:00:00+00:00")
    path.write_text(json.dumps(record), encoding="utf-8")


def test_a_killed_import_can_be_started_again(client: Any, staff: Any, import_dir: Path) -> None:
    """An import whose process died (no heartbeat for 30 minutes) is shown as stopped,
    not as "importing…" forever; Start again imports the file once."""
    token = _upload(client, (HEADER + GOOD_ROWS).encode())
    client.post(f"/import/{token}/columns", data=_mapping_form(MAPPING))
    _checked(client, token)
    storage.claim(token)
    storage.update(token, mode="all")
    _killed(token, "running")
    page = client.get(f"/import/{token}")
    assert "Refresh" not in page.headers
    text = page.get_data(as_text=True)
    assert "It stopped before it was done" in text and "Start again" in text
    client.post(f"/import/{token}/restart")
    runner.wait(token)
    assert _people() == 3
    assert storage.load(token)["state"] == "done"


def test_a_killed_check_can_be_discarded(client: Any, staff: Any, import_dir: Path) -> None:
    """A check whose process died can be discarded: the upload and its record go."""
    token = _upload(client, (HEADER + GOOD_ROWS).encode())
    client.post(f"/import/{token}/columns", data=_mapping_form(MAPPING))
    _killed(token, "checking")
    assert "Discard the upload" in client.get(f"/import/{token}").get_data(as_text=True)
    client.post(f"/import/{token}/cancel")
    assert storage.load(token) is None and not storage.data_path(token).exists()


def test_skip_bad_rows_imports_the_rest_and_lists_the_skipped(
    client: Any, staff: Any, import_dir: Path
) -> None:
    """ "Leave the rows with problems out": the good rows are imported, and a CSV names
    each row left out with its problem. All or nothing stays the default."""
    bad = "Zara;12;;;;;;;\n;;;;;;;;ja\n"
    token = _upload(client, (HEADER + GOOD_ROWS + bad).encode())
    client.post(f"/import/{token}/columns", data=_mapping_form(MAPPING))
    page = _checked(client, token)
    assert 'name="mode" value="skip"' in page and 'name="mode" value="all"' not in page
    client.post(f"/import/{token}/confirm", data={"mode": "skip"})
    runner.wait(token)
    assert _people() == 3
    status = client.get(f"/import/{token}").get_data(as_text=True)
    assert "Rows left out" in status
    download = client.get(f"/import/{token}/skipped.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    text = download.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == "Row;Column;Problem"
    assert "\n5;" in text and "12" in text  # row 5: the impossible phone
    assert "\n6;" in text  # row 6: no name


def _workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_empty_first_sheet_is_passed_over_and_a_sheet_can_be_chosen(
    client: Any, staff: Any, import_dir: Path
) -> None:
    """A cover sheet with nothing on it no longer means "the file is empty": the first
    sheet with rows is read, and the columns page lets you choose another."""
    content = _workbook(
        {
            "Forside": [],
            "Deltakere": [["Navn", "Telefon"], ["Kari Nordmann", 91234567]],
            "Frivillige": [["Fornavn"], ["Ola"], ["Per"]],
        }
    )
    token = _upload(client, content, "ark.xlsx")
    page = client.get(f"/import/{token}/columns").get_data(as_text=True)
    assert "Kari Nordmann" in page and '<option value="Frivillige">' in page
    chosen = client.get(f"/import/{token}/columns?sheet=Frivillige").get_data(as_text=True)
    assert "Ola" in chosen and "Kari Nordmann" not in chosen
    empty = client.get(f"/import/{token}/columns?sheet=Forside").get_data(as_text=True)
    assert "This sheet is empty" in empty


@pytest.mark.settings(**{"imports.run_in": "worker"})
def test_with_run_in_worker_the_worker_runs_the_check_and_the_import(
    app: Any, client: Any, staff: Any, import_dir: Path
) -> None:
    """imports.run_in = "worker": the web only queues; `rekruttering worker`'s job
    (imports.run) runs the check, then the import, each once."""
    from rekruttering_jobs.imports import RUN_JOB_ID, run_queued_imports
    from rekruttering_jobs.scheduler import build_scheduler

    assert build_scheduler(app).get_job(RUN_JOB_ID) is not None
    token = _upload(client, (HEADER + GOOD_ROWS).encode())
    client.post(f"/import/{token}/columns", data=_mapping_form(MAPPING))
    client.get(f"/import/{token}/preview")
    assert storage.load(token)["state"] == "checking"
    assert client.get(f"/import/{token}/preview").headers["Refresh"] == "2"
    assert run_queued_imports(app) == 1
    assert run_queued_imports(app) == 0  # nothing left: it ran once
    assert storage.load(token)["state"] == "checked"
    client.post(f"/import/{token}/confirm", data={"mode": "all"})
    assert _people() == 0 and storage.load(token)["state"] == "running"
    assert run_queued_imports(app) == 1
    assert _people() == 3 and storage.load(token)["state"] == "done"
