"""What ``make bench`` measures: the scenarios, each one request of a real page.

A scenario is registered with the endpoints it needs (the first one installed is used;
a feature not built prints ``n/a (not built)``, a 403 ``n/a (not for this role)``) and
its kind, which decides its goals (docs/performance.md):

* ``reference``: the app's own floor, a minimal logged-in page with one query;
* ``list``: a page that shows one page of results (search, person, follow-up queue,
  check-in page, the reminder form's person picker): p95 grows at most ×1.5 from
  10,000 to 100,000 people and stays within 4× of the reference;
* ``write``: the same goals as ``list``;
* ``report``: grows at most ×2 and stays within 20× of the reference.

Writes fill in the page's own form (CSRF and idempotency tokens included).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

STAFF, MUNICIPALITY = "staff", "municipality"
REFERENCE, LIST, WRITE, REPORT = "reference", "list", "write", "report"

#: Goals per kind: the most p95 may grow from 10,000 to 100,000 people, and the most
#: p95 may be at 100,000 people as a multiple of the reference page's p95.
GROWTH_GOAL = {LIST: 1.5, WRITE: 1.5, REPORT: 2.0}
REFERENCE_GOAL = {LIST: 4.0, WRITE: 4.0, REPORT: 20.0}
#: The endpoint the bench adds to the app for the reference page.
REFERENCE_ENDPOINT = "bench_reference"


# --- the registry ---------------------------------------------------------------------


class NotApplicable(Exception):
    """The scenario cannot run here; the message says why (shown as n/a (...))."""


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    role: str
    endpoints: tuple[str, ...]  # the first one installed is used
    kind: str
    #: Given the context and endpoint, returns one iteration: a callable that does
    #: one request and returns the seconds to count (preparation excluded).
    prepare: Callable[[Context, str], Callable[[], float]]
    #: The report's SQL is re-run bare to find its floor (docs/performance.md).
    floor: bool = False


SCENARIOS: list[Scenario] = []


def scenario(
    key: str,
    label: str,
    role: str,
    endpoints: tuple[str, ...],
    kind: str,
    floor: bool = False,
) -> Callable[[Callable[[Context, str], Callable[[], float]]], Any]:
    def register(prepare: Callable[[Context, str], Callable[[], float]]) -> Any:
        SCENARIOS.append(Scenario(key, label, role, endpoints, kind, prepare, floor))
        return prepare

    return register


# --- the context: the app, logged-in clients, sample ids ----------------------------------


@dataclass
class Context:
    app: Any
    clients: dict[str, Any]
    centre_id: int
    person_ids: list[int]
    activity_ids: list[int]
    today_session_id: int | None
    rng: random.Random
    sql: Any  # bench.measure.SqlMeter

    def url(self, endpoint: str, **values: Any) -> str:
        from flask import url_for

        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def person(self) -> int:
        return self.rng.choice(self.person_ids)


def timed(client: Any, method: str, url: str, ok: tuple[int, ...] = (200,), **kw: Any) -> float:
    started = time.perf_counter()
    response = client.open(url, method=method, **kw)
    body = response.get_data()  # streamed responses are read to the end
    elapsed = time.perf_counter() - started
    if response.status_code == 403:
        raise NotApplicable("not for this role")
    if response.status_code not in ok:
        raise NotApplicable(f"HTTP {response.status_code} from {method} {url}")
    del body
    return elapsed


def _get_page(client: Any, url: str) -> str:
    response = client.get(url)
    if response.status_code != 200:
        raise NotApplicable(f"HTTP {response.status_code} from GET {url}")
    return response.get_data(as_text=True)


def _forms(html: str) -> list[Any]:
    from bench.forms import parse_forms

    return parse_forms(html)


# --- the scenarios -------------------------------------------------------------------


def add_reference_page(app: Any) -> None:
    """A minimal logged-in page: the layout and one query (the centre's name).

    Every page pays for the login, the centre, the layout and the session cookie; this
    one pays for nothing else, so the other pages are measured against it. Like a real
    page it renders a template file (``bench/templates/bench/reference.html``, compiled
    once and cached by Jinja) that extends the same ``base.html``; it used to compile a
    template string on every request, which made the floor higher than a real page's.
    """
    from flask import Blueprint, render_template

    from rekruttering.access import STAFF as STAFF_ROLES
    from rekruttering.access import allow
    from rekruttering.extensions import db
    from rekruttering.models import Centre
    from rekruttering.tenancy import current_centre_id

    @allow(*STAFF_ROLES)
    def reference() -> str:
        centre_id = current_centre_id()
        name = db.session.scalar(sa.select(Centre.name).where(Centre.id == centre_id))
        return render_template("bench/reference.html", name=name)

    # A blueprint with no routes, only so Flask's template loader finds the file.
    app.register_blueprint(Blueprint("bench_templates", __name__, template_folder="templates"))
    app.add_url_rule("/_bench/reference", REFERENCE_ENDPOINT, reference)


@scenario("reference", "minimal page (reference)", STAFF, (REFERENCE_ENDPOINT,), REFERENCE)
def _reference(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    url = ctx.url(endpoint)
    return lambda: timed(client, "GET", url)


@scenario("search", "people search", STAFF, ("people.index", "people.search"), LIST)
def _search(ctx: Context, endpoint: str) -> Callable[[], float]:
    from rekruttering.extensions import db
    from rekruttering.models import Person

    with ctx.app.app_context():
        names = db.session.scalars(
            sa.select(Person.last_name).where(Person.id.in_(ctx.person_ids[:50]))
        ).all()
    queries = [n[:4] for n in names if n] or ["a"]
    client = ctx.clients[STAFF]
    return lambda: timed(client, "GET", ctx.url(endpoint, q=ctx.rng.choice(queries)))


@scenario("person", "person page", STAFF, ("people.detail", "people.show"), LIST)
def _person(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    return lambda: timed(client, "GET", ctx.url(endpoint, person_id=ctx.person()))


@scenario("follow_up", "follow-up queue", STAFF, ("outreach.follow_up",), LIST)
def _follow_up(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    return lambda: timed(client, "GET", ctx.url(endpoint))


def _checkin_url(ctx: Context, endpoint: str) -> str:
    if ctx.today_session_id is None:
        raise NotApplicable("no session today")
    return ctx.url(endpoint, session_id=ctx.today_session_id)


@scenario("checkin_page", "check-in page", STAFF, ("checkin.session",), LIST)
def _checkin_page(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    url = _checkin_url(ctx, endpoint)
    return lambda: timed(client, "GET", url)


@scenario(
    "log_contact",
    "log a contact (POST)",
    STAFF,
    ("outreach.log_contact",),
    WRITE,
)
def _log_contact(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]

    def once() -> float:
        person_id, activity_id = ctx.person(), ctx.rng.choice(ctx.activity_ids)
        url = ctx.url(endpoint, person_id=person_id, activity_id=activity_id)
        html = _get_page(client, url)
        forms = [f for f in _forms(html) if f.method == "post" and "outcome" in f.names]
        if not forms:
            raise NotApplicable("no log-contact form on the page")
        form = forms[0]
        data = form.data(person_id=str(person_id), activity_id=str(activity_id), outcome="asked")
        return timed(client, "POST", form.action or url, ok=(302, 303), data=data)

    return once


@scenario(
    "checkin_post",
    "check in (POST)",
    STAFF,
    ("checkin.tap", "checkin.check_in"),
    WRITE,
)
def _checkin_post(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    page_url = _checkin_url(ctx, "checkin.session")
    action_url = _checkin_url(ctx, endpoint)
    pending: list[dict[str, Any]] = []

    def refill() -> None:
        # The list shows a page of names at a time: the first page with someone to tap.
        for number in range(1, 1000):
            html = _get_page(client, page_url + (f"?page={number}" if number > 1 else ""))
            collect(html)
            if pending or f"page={number + 1}" not in html:
                break
        if not pending:
            raise NotApplicable("no one left to check in on the session page")

    def collect(html: str) -> None:
        for form in _forms(html):
            # The buttons a person at the door can press: not a hidden form (someone
            # already checked in) and not the walk-in row's <template> (its person_id
            # is empty until a script fills it in: posted as it is, it answers 400).
            if (
                form.method == "post"
                and form.action == action_url
                and not form.hidden
                and form.data().get("person_id")
            ):
                pending.append(form.data())

    def once() -> float:
        if not pending:
            refill()
        data = pending.pop(ctx.rng.randrange(len(pending)))
        return timed(client, "POST", action_url, ok=(302, 303), data=data)

    return once


@scenario(
    "reminder_picker",
    "reminder form's person picker",
    STAFF,
    # A search-as-you-type endpoint when one is installed (branch `search`), else the
    # reminder form itself, whose picker is a <select> of every textable person.
    ("reminders.person_search", "reminders.people", "people.picker", "reminders.new"),
    LIST,
)
def _reminder_picker(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    if endpoint == "reminders.new":
        url = ctx.url(endpoint)
        return lambda: timed(client, "GET", url)
    from rekruttering.extensions import db
    from rekruttering.models import Person

    with ctx.app.app_context():
        names = db.session.scalars(
            sa.select(Person.first_name).where(Person.id.in_(ctx.person_ids[:50]))
        ).all()
    queries = [n[:3] for n in names if n] or ["a"]
    return lambda: timed(client, "GET", ctx.url(endpoint, q=ctx.rng.choice(queries)))


def _report(role: str) -> Callable[[Context, str], Callable[[], float]]:
    def prepare(ctx: Context, endpoint: str) -> Callable[[], float]:
        client = ctx.clients[role]
        url = ctx.url(endpoint)
        return lambda: timed(client, "GET", url)

    return prepare


# The municipality role sees the municipality report, not a centre's own reports.
scenario("conversion", "conversion report", STAFF, ("reports.conversion",), REPORT, floor=True)(
    _report(STAFF)
)
scenario("funder", "funder report", STAFF, ("reports.funder",), REPORT, floor=True)(_report(STAFF))


@scenario(
    "funder_after_checkin",
    "funder report, first read after a check-in",
    STAFF,
    ("reports.funder",),
    REPORT,
)
def _funder_after_checkin(ctx: Context, endpoint: str) -> Callable[[], float]:
    """The funder report's cost when its stored figures are out of date: before each
    request (not timed) a check-in at today's session is made or undone, so the figures
    of the year so far are computed live again (docs/performance.md)."""
    client = ctx.clients[STAFF]
    url = ctx.url(endpoint)
    session_id = ctx.today_session_id
    if session_id is None:
        raise NotApplicable("no session today")

    def change() -> None:
        # Imported here: the registry loads without the app's services.
        from rekruttering.checkin.service import check_in, undo_check_in
        from rekruttering.errors import ServiceError
        from rekruttering.extensions import db
        from rekruttering.models import Attendance
        from rekruttering.transaction import transaction

        for _ in range(10):  # a person the check-in refuses (merged, say): the next one
            person_id = ctx.person()
            with ctx.app.app_context():
                there = db.session.scalar(
                    sa.select(Attendance.id).where(
                        Attendance.session_id == session_id, Attendance.person_id == person_id
                    )
                )
                try:
                    with transaction():
                        if there is None:
                            check_in(ctx.centre_id, session_id, person_id)
                        else:
                            undo_check_in(ctx.centre_id, session_id, person_id)
                    return
                except ServiceError:
                    continue
                finally:
                    db.session.remove()
        raise NotApplicable("no check-in could be made or undone")

    def once() -> float:
        change()
        return timed(client, "GET", url)

    return once


scenario(
    "funder_xlsx",
    "funder export (xlsx)",
    STAFF,
    ("reports.funder_xlsx", "reports.funder_export"),
    REPORT,
)(_report(STAFF))
scenario(
    "municipality",
    "municipality report",
    MUNICIPALITY,
    ("reports.municipality",),
    REPORT,
    floor=True,
)(_report(MUNICIPALITY))
