"""What the sign-up pages read: sources, the choices of their form, the centre
(query functions; no writes)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from rekruttering.extensions import db
from rekruttering.models import Activity, Centre, Channel, Source
from rekruttering.tenancy import scoped


def centre(centre_id: int) -> Centre:
    """The source's centre (the caller loaded the source, so it exists)."""
    found = db.session.get(Centre, centre_id)
    assert found is not None  # a source's centre_id is a foreign key
    return found


def channels_in_use(centre_id: int, keep_channel_id: int | None = None) -> list[Channel]:
    """Channels in use, and ``keep_channel_id`` even if retired since (so a taken-down
    code can still be edited without choosing a new channel)."""
    in_use: ColumnElement[bool] = Channel.active.is_(True)
    if keep_channel_id is not None:
        in_use = in_use | (Channel.id == keep_channel_id)
    return list(db.session.scalars(scoped(Channel, centre_id).where(in_use).order_by(Channel.name)))


def active_activities(centre_id: int) -> list[Activity]:
    return list(
        db.session.scalars(
            scoped(Activity, centre_id).where(Activity.active.is_(True)).order_by(Activity.name)
        )
    )


def sources_of(centre_id: int) -> list[Source]:
    """The centre's QR sources, those in use first, by name."""
    return list(
        db.session.scalars(scoped(Source, centre_id).order_by(Source.active.desc(), Source.name))
    )


def channel_names(centre_id: int) -> dict[int, str]:
    """channel id -> name, every channel of the centre (retired and merged ones too)."""
    rows = db.session.execute(
        select(Channel.id, Channel.name).where(Channel.centre_id == centre_id)
    ).tuples()
    return dict(rows.all())
