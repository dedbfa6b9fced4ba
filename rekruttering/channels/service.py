"""A centre's channels: add, rename, retire, take back into use, merge.

The admin's pages, the API and the demo all call these; partner channels are made by
``partners.organisations.partner_channel`` when a partner is linked or refers someone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import InstrumentedAttribute

from rekruttering import audit
from rekruttering.domain.text import clean, name_key
from rekruttering.errors import Conflict, NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Channel, ChannelKind, Contact, Enrolment, Source
from rekruttering.tenancy import fetch

MAX_NAME = 120
MAX_NOTE = 500

#: Kinds an admin chooses from; partner channels come from partners.
KINDS_BY_HAND = tuple(kind for kind in ChannelKind if kind != ChannelKind.PARTNER)


def _name(name: str | None, centre_id: int, channel_id: int | None = None) -> str:
    text = clean(name)
    if not text:
        raise ServiceError(_("A channel needs a name."), field="name")
    if len(text) > MAX_NAME:
        raise ServiceError(_("The name is too long (at most 120 characters)."), field="name")
    same = db.session.scalar(
        sa.select(Channel).where(
            Channel.centre_id == centre_id,
            Channel.name_key == name_key(text),
            Channel.id != (channel_id or 0),
        )
    )
    if same is not None:
        if same.active:
            message = _("There is already a channel called %(name)s.", name=same.name)
        else:
            message = _(
                "There is already a retired channel called %(name)s. "
                "Take it back into use instead.",
                name=same.name,
            )
        raise Conflict(message, field="name")
    return text


def _note(note: str | None) -> str:
    text = clean(note, keep_newlines=True)
    if len(text) > MAX_NOTE:
        raise ServiceError(_("The note is too long (at most 500 characters)."), field="note")
    return text


def _kind(kind: str | ChannelKind | None) -> ChannelKind:
    try:
        chosen = ChannelKind(kind or "")
    except ValueError:
        raise ServiceError(_("Choose a kind from the list."), field="kind") from None
    if chosen == ChannelKind.PARTNER:
        raise ServiceError(
            _("Partner channels are made by adding a partner (Partners and sign-up)."),
            field="kind",
        )
    return chosen


def _flush_unique() -> None:
    """Flush; two requests adding the same name at once: the second gets a clear refusal."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(_("There is already a channel with this name."), field="name") from None


def _live(centre_id: int, channel_id: int) -> Channel:
    """A channel of this centre that was not merged away."""
    channel = fetch(Channel, channel_id, centre_id)
    if channel.merged_into_id is not None:
        raise NotFound(_("This channel was merged into another one."))
    return channel


def add_channel(centre_id: int, name: str, kind: str | ChannelKind, note: str = "") -> Channel:
    channel = Channel(
        centre_id=centre_id,
        name=_name(name, centre_id),
        kind=_kind(kind),
        note=_note(note),
        active=True,
    )
    db.session.add(channel)
    _flush_unique()
    audit.record("channel_added", centre_id=centre_id, detail=f"channel {channel.id}")
    return channel


def edit_channel(
    centre_id: int,
    channel_id: int,
    name: str,
    kind: str | ChannelKind | None = None,
    note: str | None = None,
) -> Channel:
    """Rename a channel (and change its kind and note). A partner channel keeps its kind."""
    channel = _live(centre_id, channel_id)
    new_name = _name(name, centre_id, channel.id)
    if kind is not None and channel.kind != ChannelKind.PARTNER:
        channel.kind = _kind(kind)
    if note is not None:
        channel.note = _note(note)
    if new_name != channel.name:
        audit.record(
            "channel_renamed",
            centre_id=centre_id,
            detail=f"channel {channel.id}: {channel.name} -> {new_name}",
        )
        channel.name = new_name
    _flush_unique()
    return channel


def live_sources(centre_id: int, channel_id: int) -> list[Source]:
    """The QR codes still up that lead to this channel."""
    return list(
        db.session.scalars(
            sa.select(Source)
            .where(
                Source.centre_id == centre_id,
                Source.channel_id == channel_id,
                Source.active.is_(True),
            )
            .order_by(Source.name)
        )
    )


class SourcesInUse(Conflict):
    """The channel has QR codes that are still up: move them first (or with the retiring)."""

    def __init__(self, sources: list[Source]) -> None:
        super().__init__(
            _(
                "QR codes that are still up lead to this channel: %(names)s. "
                "Choose a channel to move them to, or take them down first.",
                names=", ".join(s.name for s in sources),
            ),
            field="move_to",
        )
        self.sources = sources


def retire_channel(centre_id: int, channel_id: int, move_sources_to: int | None = None) -> Channel:
    """Take a channel out of the pickers; its history stays in reports.

    A channel that QR codes still up lead to is refused, unless ``move_sources_to``
    names another active channel of the centre: then those codes move there first.
    Retiring a retired channel does nothing (a double click).
    """
    channel = _live(centre_id, channel_id)
    if not channel.active:
        return channel
    sources = live_sources(centre_id, channel.id)
    if sources:
        if move_sources_to is None:
            raise SourcesInUse(sources)
        target = _target_for_sources(centre_id, channel, move_sources_to)
        for source in sources:
            source.channel_id = target.id
        audit.record(
            "channel_sources_moved",
            centre_id=centre_id,
            detail=f"{len(sources)} QR codes from channel {channel.id} to {target.id}",
        )
    channel.active = False
    audit.record("channel_retired", centre_id=centre_id, detail=f"channel {channel.id}")
    db.session.flush()
    return channel


def _target_for_sources(centre_id: int, channel: Channel, target_id: int) -> Channel:
    if target_id == channel.id:
        raise ServiceError(_("Choose another channel for the QR codes."), field="move_to")
    try:
        target = _live(centre_id, target_id)
    except NotFound:
        raise ServiceError(_("No such channel in this centre."), field="move_to") from None
    if not target.active:
        raise ServiceError(_("Choose a channel that is in use."), field="move_to")
    return target


def reinstate_channel(centre_id: int, channel_id: int) -> Channel:
    """Take a retired channel back into use (in the pickers again)."""
    channel = _live(centre_id, channel_id)
    if not channel.active:
        channel.active = True
        audit.record("channel_reinstated", centre_id=centre_id, detail=f"channel {channel.id}")
        db.session.flush()
    return channel


@dataclass(frozen=True)
class MergeCounts:
    """What a merge moves (shown before it, and returned after it)."""

    contacts: int
    first_heard: int
    asked: int
    sources: int


def _merge_pair(centre_id: int, from_id: int, into_id: int) -> tuple[Channel, Channel]:
    if from_id == into_id:
        raise ServiceError(_("A channel cannot be merged into itself."), field="into")
    merged = fetch(Channel, from_id, centre_id)
    if merged.merged_into_id is not None:
        raise NotFound(_("This channel was merged into another one."))
    try:
        into = fetch(Channel, into_id, centre_id)
    except NotFound:
        raise ServiceError(_("No such channel in this centre."), field="into") from None
    if into.merged_into_id is not None:
        raise ServiceError(_("That channel was merged into another one."), field="into")
    if not into.active:
        raise ServiceError(
            _("That channel is retired. Take it back into use first, or choose another."),
            field="into",
        )
    if merged.partner_id and into.partner_id and merged.partner_id != into.partner_id:
        raise ServiceError(
            _("The two channels belong to two different partners and cannot be merged."),
            field="into",
        )
    return merged, into


def merge_counts(centre_id: int, from_id: int, into_id: int | None = None) -> MergeCounts:
    """What merging ``from_id`` would move; checks the pair when ``into_id`` is given."""
    if into_id is not None:
        _merge_pair(centre_id, from_id, into_id)

    def count(model: type, column: InstrumentedAttribute[Any]) -> int:
        return (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(model)
                .where(
                    model.centre_id == centre_id,  # type: ignore[attr-defined]  # models that own a centre_id
                    column == from_id,
                )
            )
            or 0
        )

    return MergeCounts(
        contacts=count(Contact, Contact.channel_id),
        first_heard=count(Enrolment, Enrolment.first_channel_id),
        asked=count(Enrolment, Enrolment.ask_channel_id),
        sources=count(Source, Source.channel_id),
    )


def merge_channels(centre_id: int, from_id: int, into_id: int) -> MergeCounts:
    """Move every contact, attribution and QR code of one channel to another.

    The merged channel stays as a retired record pointing at the one it was merged
    into (so a second click finds it merged, not missing) and frees its name.
    """
    merged, into = _merge_pair(centre_id, from_id, into_id)
    counts = merge_counts(centre_id, merged.id)
    for model, column in (
        (Contact, Contact.channel_id),
        (Enrolment, Enrolment.first_channel_id),
        (Enrolment, Enrolment.ask_channel_id),
        (Source, Source.channel_id),
    ):
        db.session.execute(
            sa.update(model)
            .where(model.centre_id == centre_id, column == merged.id)
            .values({column.key: into.id})
            .execution_options(synchronize_session=False)
        )
    if merged.partner_id and into.partner_id is None:
        into.partner_id = merged.partner_id
    merged.partner_id = None
    merged.active = False
    merged.merged_into_id = into.id
    merged.name_key = None
    db.session.flush()
    db.session.expire_all()
    audit.record(
        "channel_merged",
        centre_id=centre_id,
        detail=(
            f"channel {merged.id} ({merged.name}) into {into.id} ({into.name}): "
            f"{counts.contacts} contacts, {counts.first_heard + counts.asked} attributions, "
            f"{counts.sources} QR codes"
        ),
    )
    return counts


@dataclass(frozen=True)
class ChannelRow:
    channel: Channel
    heard: int  # people who first heard of the centre through it


def heard_counts(centre_id: int) -> dict[int, int]:
    """channel id -> how many people first heard of the centre through it (one query)."""
    rows = db.session.execute(
        sa.select(Enrolment.first_channel_id, sa.func.count(sa.distinct(Enrolment.person_id)))
        .where(Enrolment.centre_id == centre_id, Enrolment.first_channel_id.is_not(None))
        .group_by(Enrolment.first_channel_id)
    ).all()
    return {int(channel_id): int(n) for channel_id, n in rows}


def count_channels(centre_id: int, *, retired: bool = False) -> int:
    """How many channels ``channels_query`` lists."""
    query = channels_query(centre_id, retired=retired).subquery()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(query)) or 0)


def find_channel(centre_id: int, channel_id: int | None) -> Channel | None:
    """The centre's channel with this id, or None (another centre's is None too)."""
    if channel_id is None:
        return None
    return db.session.scalar(
        sa.select(Channel).where(Channel.id == channel_id, Channel.centre_id == centre_id)
    )


def channels_query(centre_id: int, retired: bool = False) -> sa.Select[tuple[Channel]]:
    """The centre's channels in use (or the retired ones), by name; merged ones never."""
    return (
        sa.select(Channel)
        .where(
            Channel.centre_id == centre_id,
            Channel.merged_into_id.is_(None),
            Channel.active.is_(not retired),
        )
        .order_by(Channel.name_key, Channel.id)
    )


def active_channels(centre_id: int) -> list[Channel]:
    """For pickers: the channels in use, by name."""
    return list(db.session.scalars(channels_query(centre_id)))
