"""`rekruttering demo` refuses a real installation, and loads the demo centre in demo mode."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from rekruttering.cli import demo
from rekruttering.extensions import db
from rekruttering.models import Activity, Centre, Person


def test_demo_refuses_outside_demo_mode(app: Flask) -> None:
    """Outside demo mode the command stops: the demo logins have a published password."""
    result = app.test_cli_runner().invoke(demo)
    assert result.exit_code != 0
    assert "app.demo is off" in result.output
    assert db.session.scalar(select(func.count(Centre.id))) == 0


def test_demo_loads_once_with_if_empty(app: Flask, make: Any) -> None:
    """With --if-empty a database that has a centre is left as it is."""
    app.config["DEMO"] = True
    make.centre()
    result = app.test_cli_runner().invoke(demo, ["--if-empty"])
    assert result.exit_code == 0, result.output
    assert "left as is" in result.output
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_demo_loads_the_nine_activities(app: Flask) -> None:
    """The demo centre has the report's nine activities and a few hundred people."""
    app.config["DEMO"] = True
    result = app.test_cli_runner().invoke(demo)
    assert result.exit_code == 0, result.output
    borgen = db.session.scalar(select(Centre).where(Centre.slug == "borgen"))
    names = set(db.session.scalars(select(Activity.name).where(Activity.centre_id == borgen.id)))
    assert {"Mat og prat", "Språkkafe", "Foreldreprat", "Ferieaktiviteter", "KIME"} <= names
    assert len(names) == 9
    assert (
        db.session.scalar(select(func.count(Person.id)).where(Person.centre_id == borgen.id)) >= 200
    )
