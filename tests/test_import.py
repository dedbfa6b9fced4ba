"""Import from CSV and XLSX: preview names each problem, nothing written before confirming,
all or nothing, progress while it runs, files deleted afterwards."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.domain.import_rows import Field, ProblemCode
from rekruttering.extensions import db
from rekruttering.imports import runner, storage
from rekruttering.imports.reading import FileFormat, UnreadableFile, detect_format
from rekruttering.imports.service import ImportAborted, preview, run_import
from rekruttering.models import Consent, Contact, Enrolment, Person, UserRole
from rekruttering.transaction import transaction

TODAY = date(2026, 4, 15)
HEADER = "Navn;Mobil;Språk;Aktivitet;Kanal;Dato;Status;Notat;Samtykke\n"
GOOD_ROWS = (
    "Amina Rahimi;912 34 567;dari;Språkkafe;Facebook;05.03.2026;spurt;Kom med naboen;ja\n"
    "Bjørn Øye;+47 413 00 111;norsk;Mat og prat;;2026-02-01;fast deltaker;;\n"
    "Olena K;;ukrainsk;;;;;Bor i Borgen;\n"
)
MAPPING = [
    Field.FULL_NAME,
    Field.PHONE,
    Field.LANGUAGE,
    Field.ACTIVITY,
    Field.CHANNEL,
    Field.DATE,
    Field.STATUS,
    Field.NOTE,
    Field.SMS_CONSENT,
]


@pytest.fixture
def import_dir(app: Any, tmp_path: Path) -> Path:
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def centre(make: Any) -> Any:
    centre = make.centre()
    make.activity(centre, name="Språkkafe")
    make.activity(centre, name="Mat og prat")
    make.channel(centre, name="Facebook")
    return centre


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(text.encode(encoding))
    return path


def _xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading and preview ----------------------------------------------------------------


def test_windows_csv_with_semicolons_is_read(centre: Any, tmp_path: Path) -> None:
    """A Norwegian Excel export (cp1252, ';') is read right: ø and å survive."""
    path = _csv(tmp_path, HEADER + GOOD_ROWS, encoding="cp1252")
    fmt = detect_format(path, "people.csv")
    assert (fmt.kind, fmt.encoding, fmt.delimiter) == ("csv", "cp1252", ";")
    result = preview(centre.id, path, fmt, MAPPING, TODAY)
    assert (result.rows, result.problem_rows, result.new_people, result.contacts) == (3, 0, 3, 2)
    assert result.sample[1].first_name == "Bjørn" and result.sample[1].last_name == "Øye"
    assert _count(Person) == 0  # a preview writes nothing


def test_preview_names_every_broken_row(centre: Any, make: Any, tmp_path: Path) -> None:
    """Impossible phone, unknown activity and channel, bad date, duplicate phone, missing
    name: each row's problem is named; a phone already registered is 'existing', not a problem."""
    make.person(centre, phone="+4741300111")
    text = HEADER + (
        "Ali;123;;;;;;;\n"  # row 2: impossible phone
        "Berit;;;Bowling;;;;;\n"  # row 3: unknown activity
        "Cem;;;;Radio;;;;\n"  # row 4: unknown channel
        "Dina;;;;;2026/31/12;;;\n"  # row 5: bad date
        "Eva;912 34 567;;;;;;;\n"  # row 6
        "Eva B;91234567;;;;;;;\n"  # row 7: same phone as row 6
        ";92345678;;;;;;;\n"  # row 8: no name
        "Finn;+47 413 00 111;;;;;;;\n"  # row 9: registered already
    )
    path = _csv(tmp_path, text)
    result = preview(centre.id, path, detect_format(path, "x.csv"), MAPPING, TODAY)
    found = {r.row: {p.code for p in r.problems} for r in result.listed}
    assert found == {
        2: {ProblemCode.BAD_PHONE},
        3: {ProblemCode.UNKNOWN_ACTIVITY},
        4: {ProblemCode.UNKNOWN_CHANNEL},
        5: {ProblemCode.BAD_DATE},
        7: {ProblemCode.DUPLICATE_PHONE},
        8: {ProblemCode.MISSING_NAME},
    }
    duplicate = next(r for r in result.listed if r.row == 7).problems[0]
    assert duplicate.other_row == 6
    assert (result.rows, result.problem_rows, result.existing_people) == (8, 6, 1)
    assert _count(Person) == 1


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    """An old .xls, an empty file, a broken .xlsx and a binary file each get their reason."""
    cases = {
        "old.xls": (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "xls"),
        "empty.csv": (b"  \n", "empty"),
        "broken.xlsx": (b"not a zip at all", "bad_xlsx"),
        "blob.csv": (b"ab\x00\x01\x02", "binary"),
    }
    for name, (content, code) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(UnreadableFile) as raised:
            detect_format(path, name)
        assert raised.value.code == code


# --- importing ----------------------------------------------------------------------------


def test_import_writes_people_contacts_stages_and_consent(
    centre: Any, make: Any, tmp_path: Path
) -> None:
    """Each row becomes a person (or finds them by phone), a contact moves the funnel,
    'fast deltaker' reaches regular, 'ja' records SMS consent."""
    existing = make.person(centre, phone="+4741300111", first_name="Bjørn")
    path = _csv(tmp_path, HEADER + GOOD_ROWS)
    with transaction():
        result = run_import(
            centre.id, path, detect_format(path, "x.csv"), MAPPING, by_user_id=None, today=TODAY
        )
    assert (result.rows, result.people_created, result.people_existing) == (3, 2, 1)
    assert (result.contacts, result.consents) == (2, 1)
    amina = db.session.scalar(select(Person).where(Person.first_name == "Amina"))
    assert (amina.phone, amina.language, amina.last_name) == ("+4791234567", "prs", "Rahimi")
    enrolments = {e.person_id: e for e in db.session.scalars(select(Enrolment)).all()}
    assert enrolments[amina.id].stage == Stage.ASKED
    assert enrolments[amina.id].asked_at == datetime(2026, 3, 5, 11, tzinfo=UTC)  # noon Oslo
    assert enrolments[existing.id].stage == Stage.REGULAR
    contact = db.session.scalar(select(Contact).where(Contact.person_id == amina.id))
    assert (contact.outcome, contact.note, contact.role) == (
        Outcome.ASKED,
        "Kom med naboen",
        Role.PARTICIPANT,
    )
    olena = db.session.scalar(select(Person).where(Person.first_name == "Olena"))
    assert olena.note == "Bor i Borgen" and olena.phone is None
    assert _count(Consent) == 1
    # A new person's last activity is the contact's date in the file, not the import's.
    assert amina.last_activity_at == datetime(2026, 3, 5, 11, tzinfo=UTC)
    assert set(result.person_ids) == {amina.id, existing.id, olena.id}


def test_one_bad_row_means_nothing_is_imported(centre: Any, tmp_path: Path) -> None:
    """A problem on the last row aborts the whole import: no person, no contact is left."""
    path = _csv(tmp_path, HEADER + GOOD_ROWS + "Zara;12;;;;;;;\n")
    with pytest.raises(ImportAborted) as raised, transaction():
        run_import(centre.id, path, detect_format(path, "x.csv"), MAPPING, None, TODAY)
    assert raised.value.row == 5 and "12" in raised.value.message
    assert _count(Person) == 0 and _count(Contact) == 0 and _count(Enrolment) == 0


def test_xlsx_with_excel_types_is_imported(centre: Any, tmp_path: Path) -> None:
    """Phones stored as numbers and dates as datetimes in XLSX come through right."""
    path = tmp_path / "ark.xlsx"
    path.write_bytes(
        _xlsx_bytes(
            [
                ["Fornavn", "Etternavn", "Telefon", "Aktivitet", "Dato", "Status"],
                [None, None, None, None, None, None],
                ["Kari", "Nordmann", 91234567, "Mat og prat", datetime(2026, 1, 20), "Hørt om"],
                ["Per", "Hansen", 41300111.0, "språkkafe", datetime(2026, 2, 3), "møtt"],
            ]
        )
    )
    fmt = detect_format(path, "ark.xlsx")
    mapping = [
        Field.FIRST_NAME,
        Field.LAST_NAME,
        Field.PHONE,
        Field.ACTIVITY,
        Field.DATE,
        Field.STATUS,
    ]
    assert preview(centre.id, path, fmt, mapping, TODAY).ok
    with transaction():
        result = run_import(centre.id, path, fmt, mapping, None, TODAY)
    assert result.rows == 2
    phones = set(db.session.scalars(select(Person.phone)))
    assert phones == {"+4791234567", "+4741300111"}
    stages = set(db.session.scalars(select(Enrolment.stage)))
    assert stages == {Stage.HEARD, Stage.SHOWED_UP}


def test_progress_is_reported_while_importing(centre: Any, tmp_path: Path) -> None:
    """run_import calls back with the number of rows done."""
    rows = "".join(f"Person {i};;;;;;;;\n" for i in range(25))
    path = _csv(tmp_path, HEADER + rows)
    seen: list[int] = []
    with transaction():
        run_import(
            centre.id, path, detect_format(path, "x.csv"), MAPPING, None, TODAY, seen.append, 10
        )
    assert seen == [10, 20]


# --- HTTP ---------------------------------------------------------------------------------


def _staff(make: Any, login: Any, centre: Any) -> Any:
    user = make.user(centre, role=UserRole.STAFF)
    login(user)
    return user


def _upload(client: Any, content: bytes, name: str = "people.csv") -> str:
    response = client.post(
        "/import/",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    location = response.headers["Location"]
    assert location.endswith("/columns")
    return location.split("/")[-2]


def _checked(client: Any, token: str) -> str:
    """Open the check page: it starts the check in the background; wait; the result."""
    first = client.get(f"/import/{token}/preview")
    assert first.status_code == 302
    runner.wait(token)
    page = client.get(f"/import/{token}/preview")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _mapping_form(mapping: list[Field | None]) -> dict[str, str]:
    return {f"col_{i}": (f.value if f else "") for i, f in enumerate(mapping)}


def test_the_whole_journey_through_the_pages(
    client: Any, make: Any, login: Any, centre: Any, import_dir: Path
) -> None:
    """Upload -> guessed columns -> preview (nothing written) -> confirm -> progress ->
    done; the uploaded file is deleted afterwards."""
    _staff(make, login, centre)
    token = _upload(client, (HEADER + GOOD_ROWS).encode("utf-8-sig"))
    assert storage.data_path(token).exists()
    columns = client.get(f"/import/{token}/columns").get_data(as_text=True)
    assert (
        '<option selected value="full_name">' in columns or 'value="full_name" selected' in columns
    )
    response = client.post(f"/import/{token}/columns", data=_mapping_form(MAPPING))
    assert response.headers["Location"].endswith(f"/import/{token}/preview")
    page = _checked(client, token)
    assert f'action="/import/{token}/confirm"' in page
    assert _count(Person) == 0
    started = client.post(f"/import/{token}/confirm", data={"mode": "all"})
    assert started.headers["Location"].endswith(f"/import/{token}")
    runner.wait(token)
    db.session.expire_all()
    assert _count(Person) == 3 and _count(Contact) == 2
    status = client.get(f"/import/{token}")
    assert "Refresh" not in status.headers
    done = status.get_data(as_text=True)
    amina = db.session.scalar(select(Person).where(Person.first_name == "Amina"))
    assert f'href="/people/{amina.id}"' in done and 'href="/people/"' in done
    assert not storage.data_path(token).exists()
    # Sent twice: the second confirm starts nothing.
    client.post(f"/import/{token}/confirm", data={"mode": "all"})
    runner.wait(token)
    assert _count(Person) == 3


def test_broken_file_cannot_be_confirmed_and_writes_nothing(
    client: Any, make: Any, login: Any, centre: Any, import_dir: Path
) -> None:
    """With problems the preview lists them and offers no all-or-nothing import;
    forcing it anyway is refused and leaves the database as it was."""
    _staff(make, login, centre)
    token = _upload(client, (HEADER + GOOD_ROWS + "Zara;12;;;;;;;\n").encode())
    client.post(f"/import/{token}/columns", data=_mapping_form(MAPPING))
    page = _checked(client, token)
    assert 'name="mode" value="all"' not in page
    assert "12" in page and ">5<" in page  # row 5 is named
    refused = client.post(f"/import/{token}/confirm", data={"mode": "all"})
    assert refused.headers["Location"].endswith(f"/import/{token}/preview")
    runner.wait(token)
    db.session.expire_all()
    assert _count(Person) == 0
    assert storage.load(token)["state"] == "checked"


def test_xlsx_upload_and_bad_uploads(
    client: Any, make: Any, login: Any, centre: Any, import_dir: Path
) -> None:
    """An XLSX is accepted; an .xls or a PDF is refused with the reason and not kept."""
    _staff(make, login, centre)
    token = _upload(
        client, _xlsx_bytes([["Navn", "Telefon"], ["Kari Nordmann", 91234567]]), "ark.xlsx"
    )
    assert "Navn" in client.get(f"/import/{token}/columns").get_data(as_text=True)
    old = client.post(
        "/import/",
        data={"file": (io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 64), "old.csv")},
        content_type="multipart/form-data",
    )
    assert old.status_code == 200 and ".xls" in old.get_data(as_text=True)
    pdf = client.post(
        "/import/",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "file.pdf")},
        content_type="multipart/form-data",
    )
    assert pdf.status_code == 200
    assert len(list(import_dir.glob("*.upload"))) == 1


def test_mapping_without_a_name_column_is_refused(
    client: Any, make: Any, login: Any, centre: Any, import_dir: Path
) -> None:
    """Choosing no name column keeps you on the column page with the reason."""
    _staff(make, login, centre)
    token = _upload(client, (HEADER + GOOD_ROWS).encode())
    response = client.post(
        f"/import/{token}/columns", data=_mapping_form([None, Field.PHONE]), follow_redirects=True
    )
    assert response.status_code == 200
    assert storage.load(token).get("mapping") is None


def test_another_centres_upload_is_not_found(
    client: Any, make: Any, login: Any, centre: Any, import_dir: Path
) -> None:
    """An upload token of another centre answers 404 on every step."""
    _staff(make, login, centre)
    token = storage.new_token()
    storage.save(token, {"centre_id": make.centre().id, "state": "uploaded"})
    for url in (f"/import/{token}", f"/import/{token}/columns", f"/import/{token}/preview"):
        assert client.get(url).status_code == 404
    assert client.post(f"/import/{token}/confirm").status_code == 404
    assert client.get("/import/not-a-token/columns").status_code == 404


def test_running_import_page_refreshes_itself(
    client: Any, make: Any, login: Any, centre: Any, import_dir: Path
) -> None:
    """While running the status page has a Refresh header and a progress bar; a stalled
    one says it stopped."""
    _staff(make, login, centre)
    token = storage.new_token()
    storage.save(
        token,
        {"centre_id": centre.id, "state": "running", "done": 40, "total": 100, "filename": "a.csv"},
    )
    response = client.get(f"/import/{token}")
    assert response.headers["Refresh"] == "2"
    assert '<progress id="import-progress"' in response.get_data(as_text=True)
    record = storage.load(token)
    assert not runner.stalled(record, minutes=2)
    record["updated_at"] = (utcnow() - timedelta(hours=1)).isoformat()
    assert runner.stalled(record, minutes=2)


def test_uploads_older_than_a_day_are_deleted(app: Any, import_dir: Path) -> None:
    """purge_expired removes files older than 24 hours and keeps newer ones."""
    token = storage.new_token()
    storage.data_path(token).write_text("x")
    storage.save(token, {"centre_id": 1})
    for path in import_dir.iterdir():  # the file system keeps real time: align it
        os.utime(path, (time.time(), time.time()))
    assert storage.purge_expired(now=time.time()) == 0
    assert storage.purge_expired(now=time.time() + 25 * 3600) == 2
    assert storage.load(token) is None
    from rekruttering_jobs.imports import purge_uploads

    assert purge_uploads(app) == 0


def test_cancel_deletes_the_upload(
    client: Any, make: Any, login: Any, centre: Any, import_dir: Path
) -> None:
    """Cancelling before the import deletes the file and its record."""
    _staff(make, login, centre)
    token = _upload(client, (HEADER + GOOD_ROWS).encode())
    assert client.post(f"/import/{token}/cancel").status_code == 302
    assert storage.load(token) is None and not storage.data_path(token).exists()


def test_format_record_round_trips() -> None:
    """The stored format of an upload reads back the same."""
    fmt = FileFormat("csv", "cp1252", ";")
    assert FileFormat.from_dict(fmt.as_dict()) == fmt
