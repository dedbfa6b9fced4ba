"""After erasure, a full dump of the database holds neither the name nor the number.

Issue 12, item 8: the name survived in the free-text reason of the audit entry and
the number in the opt-out list. The attack is a copy of the database (a backup, a
dump handed to support) searched for the person.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Consent, ConsentMethod, ConsentPurpose, Person, UserRole
from rekruttering.transaction import transaction
from tests.privacy_fixtures import full_person


def _pg_dump(url: str) -> str:
    """``pg_dump`` of the test database; its major version must match the server's."""
    binary = shutil.which("pg_dump")
    if binary is None:
        pytest.fail("pg_dump is not installed (apt-get install postgresql-client)")
    parsed = make_url(url)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    client_major = int(re.search(r"(\d+)\.", version.stdout).group(1))
    server_major = int(db.session.scalar(sa.text("SHOW server_version_num"))) // 10000
    assert client_major >= server_major, f"pg_dump {client_major} < server {server_major}"
    args = [binary, "--no-owner", "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
    args += ["-U", parsed.username or "postgres", parsed.database]
    env = {"PGPASSWORD": parsed.password or "", "PATH": "/usr/bin:/bin"}
    return subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout


def _dump(url: str) -> str:
    db.session.commit()
    if url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(url).database)
        try:
            return "\n".join(connection.iterdump())
        finally:
            connection.close()
    return _pg_dump(url)


def test_attack_erased_persons_name_and_phone_in_a_database_dump(
    client: Any, make: Any, login: Any, database_url: str
) -> None:
    """Erase Amina (who once said STOP); then search a full dump for her name and number."""
    from rekruttering.sms.opt_out import opt_out

    centre = make.centre()
    holder = full_person(make, centre)
    person = holder.person
    with transaction():
        opt_out(person.phone, "keyword")  # she answered STOPP to a reminder once
    # A named admin: a name from Faker could be "... Haugland", which the dump is searched for.
    login(make.user(centre, role=UserRole.ADMIN, name="Drift Admin"))
    url = f"/privacy/people/{person.id}/erase"
    note = "Amina Haugland ba om sletting, ring 912 34 567"
    # The reason as free text (what the form took before) ...
    client.post(url, data={"reason": note, "confirm": "y"})
    db.session.expire_all()
    if db.session.get(Person, person.id).anonymised_at is None:
        # ... is refused now: a choice, and a note that is scrubbed.
        done = client.post(url, data={"reason": "other", "note": note, "confirm": "y"})
        assert done.status_code == 302

    dump = _dump(database_url)
    assert "person_erased" in dump and "Anonymisert" in dump  # it is the whole database
    found = [
        secret
        for secret in ("Amina", "Haugland", "+4791234567", "4791234567", "91234567")
        if secret in dump
    ]
    assert found == []


def test_stop_is_still_honoured_for_the_number_after_erasure(app: Any, make: Any) -> None:
    """A new person later registered with the erased person's number gets no SMS."""
    from rekruttering.privacy.anonymise import erase_person
    from rekruttering.reminders.eligibility import reasons_not_textable, why_not_textable
    from rekruttering.sms.opt_out import is_opted_out, opt_out

    centre = make.centre()
    person = make.person(centre, phone="+4791234567")
    with transaction():
        opt_out("+4791234567", "keyword")
        erase_person(centre.id, person.id, "asked_by_phone")
    assert is_opted_out("+4791234567") and not is_opted_out("+4791234568")
    again = make.person(centre, phone="+4791234567")
    db.session.add(
        Consent(
            centre_id=centre.id,
            person_id=again.id,
            purpose=ConsentPurpose.SMS,
            method=ConsentMethod.IN_PERSON,
            given_at=utcnow() - timedelta(minutes=1),
        )
    )
    db.session.commit()
    assert why_not_textable(again) is not None
    assert reasons_not_textable([again])[again.id] is not None
