"""Taps queued on a door tablet while offline, applied exactly once when they arrive.

The tablet gives every tap, undo and walk-in an id of its own and the time of the tap.
``apply_tap`` applies one of them: the first time it is checked in (at the tap's own
time) and the outcome is kept in ``OfflineTap``; the same id again gets that outcome
back and changes nothing. Taps that can no longer apply raise ``TapRefused`` with a
reason the tablet shows: made on another day than the session's, the person erased or
not of this centre, the session cancelled. A person merged meanwhile is checked in as
the surviving record. Never commits: the caller runs each tap in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from rekruttering.checkin.service import WalkInInput, check_in, undo_check_in, walk_in
from rekruttering.domain.clock import to_oslo, utcnow
from rekruttering.domain.funnel import RegularRule, Role
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.languages import LANGUAGES
from rekruttering.models import OfflineTap, Person, Session

KINDS = ("check_in", "undo", "walk_in")
#: Taps in one request; the tablet sends a longer queue in several.
MAX_TAPS = 100
MAX_ID = 64
#: How far a tablet's clock may run ahead before a tap's time is taken as "now".
CLOCK_AHEAD = timedelta(minutes=10)


@dataclass(frozen=True)
class QueuedTap:
    """One entry of a tablet's queue, as sent."""

    client_id: str
    kind: str
    tapped_at: datetime | None
    person_id: int | None = None
    role: Role = Role.PARTICIPANT
    walk_in: WalkInInput | None = None
    problem: str | None = None  # set when the entry cannot be read; it is refused


@dataclass(frozen=True)
class TapOutcome:
    """What became of a tap, as the tablet gets it back."""

    id: str
    outcome: str  # checked_in, already, undone, not_checked_in, dropped, refused, retry
    person_id: int | None = None
    name: str | None = None
    reason: str | None = None  # merged, erased, cancelled, not_found, other_day, invalid, ...
    message: str = ""
    replayed: bool = False


class TapRefused(ServiceError):
    """A tap that cannot apply: ``outcome`` is "dropped" or "refused"."""

    def __init__(self, outcome: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.reason = reason

    def as_outcome(self, tap: QueuedTap) -> TapOutcome:
        return TapOutcome(tap.client_id, self.outcome, reason=self.reason, message=self.message)


# --- reading the queue -----------------------------------------------------------------


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str | int) else ""


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _parse_one(item: Any) -> QueuedTap:
    if not isinstance(item, dict):
        raise ServiceError(_("Each queued check-in must be an object."))
    client_id = item.get("id")
    if not isinstance(client_id, str) or not 8 <= len(client_id) <= MAX_ID:
        raise ServiceError(_("Each queued check-in needs an id of 8 to 64 characters."))
    kind = item.get("kind")
    tapped_at = _parse_time(item.get("at"))
    base: dict[str, Any] = {"client_id": client_id, "kind": str(kind), "tapped_at": tapped_at}
    if kind not in KINDS:
        return QueuedTap(**base, problem=_("Unknown kind of tap."))
    if tapped_at is None:
        return QueuedTap(**base, problem=_("The time of the tap is missing or unreadable."))
    try:
        role = Role(item.get("role") or Role.PARTICIPANT.value)
    except ValueError:
        return QueuedTap(**base, problem=_("Unknown role."))
    base["role"] = role
    if kind == "walk_in":
        first_name = _text(item.get("first_name"), 81)
        last_name = _text(item.get("last_name"), 81)
        phone = _text(item.get("phone"), 41)
        if not first_name:
            return QueuedTap(**base, problem=_("A walk-in needs a first name."))
        if len(first_name) > 80 or len(last_name) > 80 or len(phone) > 40:
            return QueuedTap(**base, problem=_("A name or phone number is too long."))
        language = item.get("language") if item.get("language") in LANGUAGES else "nb"
        data = WalkInInput(first_name, phone or None, str(language), role, last_name)
        return QueuedTap(**base, walk_in=data)
    person_id = item.get("person_id")
    if not isinstance(person_id, int) or isinstance(person_id, bool) or person_id < 1:
        return QueuedTap(**base, problem=_("The person is missing."))
    return QueuedTap(**base, person_id=person_id)


def parse_taps(payload: Any) -> list[QueuedTap]:
    """Read ``{"taps": [...]}``. A malformed request raises ServiceError (nothing is
    applied); an entry that is readable but wrong comes back with a ``problem``."""
    taps = payload.get("taps") if isinstance(payload, dict) else None
    if not isinstance(taps, list):
        raise ServiceError(_('Send the queue as {"taps": [...]}.'))
    if len(taps) > MAX_TAPS:
        raise ServiceError(_("Send at most %(n)d check-ins at a time.", n=MAX_TAPS))
    parsed = [_parse_one(item) for item in taps]
    if len({t.client_id for t in parsed}) != len(parsed):
        raise ServiceError(_("The same id is used twice in one request."))
    return parsed


# --- applying a tap ----------------------------------------------------------------------


def _day(moment: datetime) -> str:
    return format_date(to_oslo(moment).date(), "full")


def _surviving_person(centre_id: int, person_id: int) -> tuple[Person, bool]:
    """The person the tap is for, following merges to the surviving record."""
    person = db.session.get(Person, person_id)
    if person is None or person.centre_id != centre_id:
        raise TapRefused("refused", "not_found", _("This person is not registered here."))
    merged = False
    for _hop in range(10):  # a merge chain is short; the bound guards against a loop
        if person.merged_into_id is None:
            break
        survivor = db.session.get(Person, person.merged_into_id)
        if survivor is None or survivor.centre_id != centre_id:
            break
        person, merged = survivor, True
    if person.anonymised_at is not None or person.merged_into_id is not None:
        raise TapRefused(
            "dropped", "erased", _("This person has been erased; the check-in is not kept.")
        )
    return person, merged


def _replay(stored: OfflineTap) -> TapOutcome:
    person = db.session.get(Person, stored.person_id) if stored.person_id else None
    return TapOutcome(
        stored.client_id,
        stored.outcome,
        person_id=stored.person_id,
        name=person.display_name if person is not None else None,
        reason=stored.reason,
        replayed=True,
    )


def apply_tap(
    centre_id: int,
    session: Session,
    tap: QueuedTap,
    rule: RegularRule | None = None,
    by_user_id: int | None = None,
    now: datetime | None = None,
) -> TapOutcome:
    """Apply one queued tap to ``session`` (of ``centre_id``) once; see the module text."""
    stored = db.session.scalar(
        select(OfflineTap).where(
            OfflineTap.centre_id == centre_id, OfflineTap.client_id == tap.client_id
        )
    )
    if stored is not None:
        if stored.session_id != session.id:
            raise TapRefused("refused", "invalid", _("This id was used for another session."))
        return _replay(stored)
    if tap.problem or tap.tapped_at is None:
        raise TapRefused("refused", "invalid", tap.problem or _("The tap cannot be read."))
    now = now or utcnow()
    # A tap cannot be later than its arrival: a tablet clock running ahead is ignored.
    at = min(tap.tapped_at, now) if tap.tapped_at <= now + CLOCK_AHEAD else now
    session_day = to_oslo(session.starts_at).date()
    if to_oslo(at).date() != session_day:
        raise TapRefused(
            "refused",
            "other_day",
            _(
                "The tap was made on %(tap_day)s, not on the day of the session (%(session_day)s).",
                tap_day=_day(at),
                session_day=_day(session.starts_at),
            ),
        )
    if session.cancelled and tap.kind != "undo":
        raise TapRefused(
            "dropped", "cancelled", _("The session was cancelled; the check-in is not kept.")
        )
    try:
        outcome, person, reason = _apply(centre_id, session, tap, at, rule, by_user_id)
    except TapRefused:
        raise
    except ServiceError as exc:  # full, a phone number that cannot be read, ...
        raise TapRefused("refused", "refused", exc.message) from exc
    db.session.add(
        OfflineTap(
            centre_id=centre_id,
            client_id=tap.client_id,
            session_id=session.id,
            person_id=person.id if person is not None else None,
            kind=tap.kind,
            outcome=outcome,
            reason=reason,
            tapped_at=at,
            received_at=now,
            by_user_id=by_user_id,
        )
    )
    db.session.flush()
    return TapOutcome(
        tap.client_id,
        outcome,
        person_id=person.id if person is not None else None,
        name=person.display_name if person is not None else None,
        reason=reason,
        message=_("Checked in as %(name)s: the two records were merged.", name=person.display_name)
        if reason == "merged" and person is not None
        else "",
    )


def _apply(
    centre_id: int,
    session: Session,
    tap: QueuedTap,
    at: datetime,
    rule: RegularRule | None,
    by_user_id: int | None,
) -> tuple[str, Person | None, str | None]:
    if tap.kind == "walk_in" and tap.walk_in is not None:
        result = walk_in(
            centre_id,
            session.id,
            tap.walk_in,
            rule=rule,
            by_user_id=by_user_id,
            now=at,
            form_token=tap.client_id,
        )
        return ("checked_in" if result.created else "already"), result.person, None
    person, merged = _surviving_person(centre_id, int(tap.person_id or 0))
    reason = "merged" if merged else None
    if tap.kind == "undo":
        try:
            undo_check_in(centre_id, session.id, person.id, rule)
        except NotFound:
            return "not_checked_in", person, reason
        return "undone", person, reason
    result = check_in(
        centre_id, session.id, person.id, role=tap.role, rule=rule, by_user_id=by_user_id, now=at
    )
    return ("checked_in" if result.created else "already"), person, reason
