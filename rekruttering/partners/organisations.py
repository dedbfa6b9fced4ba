"""Partner organisations and the centres they work with. Never commits.

A partner may work with several centres (NAV), so it is not scoped by a ``centre_id``
column: a centre sees a partner only while a PartnerCentre row links them, and
``partner_in_centre`` is the one way services load one. A centre adds organisations of
its own; a second centre is linked only when the partner agrees (``link_requests``).
Each centre names the partner on its own link; what one centre does to a shared
partner is in the audit log of every centre the partner works with.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from rekruttering import audit
from rekruttering.domain.text import name_key
from rekruttering.errors import Conflict, NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Channel,
    ChannelKind,
    Membership,
    Partner,
    PartnerCentre,
    PartnerKind,
    User,
    UserRole,
)


def partner_in_centre(partner_id: int, centre_id: int) -> Partner:
    """The partner, if it works with ``centre_id``; NotFound otherwise (as for other centres)."""
    partner = db.session.scalar(
        select(Partner)
        .join(PartnerCentre, PartnerCentre.partner_id == Partner.id)
        .where(Partner.id == partner_id, PartnerCentre.centre_id == centre_id)
    )
    if partner is None:
        raise NotFound("not found")
    return partner


def centre_ids_of(partner_id: int) -> list[int]:
    """The centres a partner works with."""
    return list(
        db.session.scalars(
            select(PartnerCentre.centre_id)
            .where(PartnerCentre.partner_id == partner_id)
            .order_by(PartnerCentre.centre_id)
        )
    )


def partners_of_centre(centre_id: int) -> list[Partner]:
    return list(
        db.session.scalars(
            select(Partner)
            .join(PartnerCentre, PartnerCentre.partner_id == Partner.id)
            .where(PartnerCentre.centre_id == centre_id)
            .order_by(PartnerCentre.name)
        )
    )


def link_of(partner_id: int, centre_id: int) -> PartnerCentre:
    """The link between a partner and a centre (its name and kind there); NotFound if none."""
    link = db.session.scalar(
        select(PartnerCentre).where(
            PartnerCentre.partner_id == partner_id, PartnerCentre.centre_id == centre_id
        )
    )
    if link is None:
        raise NotFound("not found")
    return link


def partner_labels(centre_id: int) -> dict[int, tuple[str, PartnerKind]]:
    """partner id -> (name, kind) as this centre calls its partners (one query)."""
    return {
        partner_id: (name, kind)
        for partner_id, name, kind in db.session.execute(
            select(PartnerCentre.partner_id, PartnerCentre.name, PartnerCentre.kind).where(
                PartnerCentre.centre_id == centre_id
            )
        )
    }


def record_for_partner(
    action: str, partner_id: int, centre_id: int, detail: str, user_id: int | None = None
) -> None:
    """Audit an action on a partner in the acting centre and in every other centre the
    partner works with: a shared organisation's logins concern them all."""
    audit.record(action, user_id=user_id, centre_id=centre_id, detail=detail)
    for other in centre_ids_of(partner_id):
        if other != centre_id:
            audit.record(
                action, user_id=user_id, centre_id=other, detail=f"{detail} by_centre={centre_id}"
            )


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("A name is needed."), field="name")
    return name[:120]


def _named_here(centre_id: int, name: str) -> PartnerCentre | None:
    """This centre's partner of that name (names are unique within a centre only)."""
    return db.session.scalar(
        select(PartnerCentre).where(
            PartnerCentre.centre_id == centre_id, func.lower(PartnerCentre.name) == name.lower()
        )
    )


def add_partner(centre_id: int, name: str, kind: PartnerKind) -> Partner:
    """A new partner organisation of this centre.

    Never joins another centre's organisation of the same name: that would show this
    centre the other's logins and let it act on them. A partner works with several
    centres only when it accepts a centre's request (``link_requests``).
    """
    name = _clean_name(name)
    if _named_here(centre_id, name) is not None:
        raise Conflict(_("%(name)s already works with this centre.", name=name), "name")
    partner = Partner(name=name, kind=PartnerKind(kind))
    db.session.add(partner)
    db.session.flush()
    link_partner(partner, centre_id, name, PartnerKind(kind))
    audit.record("partner_created", centre_id=centre_id, detail=f"partner={partner.id}")
    return partner


def link_partner(
    partner: Partner, centre_id: int, name: str, kind: PartnerKind, user: User | None = None
) -> PartnerCentre:
    """Link a partner to a centre under the centre's name for it, with its channel there.

    Only ``user`` (the login that agreed to the link) gets access to the centre: other
    logins of the organisation are invited by the centre if it wants them.
    """
    link = PartnerCentre(partner_id=partner.id, centre_id=centre_id, name=name, kind=kind)
    db.session.add(link)
    db.session.flush()
    partner_channel(centre_id, partner)
    if user is not None and user.role_in(centre_id) is None:
        user.memberships.append(Membership(centre_id=centre_id, role=UserRole.PARTNER))
    db.session.flush()
    return link


def update_partner(centre_id: int, partner_id: int, name: str, kind: PartnerKind) -> Partner:
    """Rename the partner as this centre sees it; other centres keep their own name."""
    partner = partner_in_centre(partner_id, centre_id)
    link = link_of(partner.id, centre_id)
    name = _clean_name(name)
    clash = _named_here(centre_id, name)
    if clash is not None and clash.partner_id != partner.id:
        raise Conflict(_("Another partner is called %(name)s.", name=clash.name), "name")
    link.name = name
    link.kind = PartnerKind(kind)
    if centre_ids_of(partner.id) == [centre_id]:
        # The centre's own organisation: its users see the new name too.
        partner.name = name
        partner.kind = PartnerKind(kind)
    audit.record("partner_updated", centre_id=centre_id, detail=f"partner={partner.id}")
    return partner


def unlink_partner(centre_id: int, partner_id: int) -> Partner:
    """End the partner's work with this centre: its users lose access here.

    Referrals, contacts and the channel stay: they are the centre's history.
    """
    partner = partner_in_centre(partner_id, centre_id)
    record_for_partner("partner_unlinked", partner.id, centre_id, f"partner={partner.id}")
    db.session.execute(
        delete(PartnerCentre).where(
            PartnerCentre.partner_id == partner.id, PartnerCentre.centre_id == centre_id
        )
    )
    user_ids = select(User.id).where(User.partner_id == partner.id)
    db.session.execute(
        delete(Membership).where(
            Membership.centre_id == centre_id,
            Membership.role == UserRole.PARTNER,
            Membership.user_id.in_(user_ids),
        )
    )
    db.session.expire_all()
    return partner


def partner_channel(centre_id: int, partner: Partner) -> Channel:
    """The partner's channel in a centre (conversion is reported per channel), made if missing."""
    channel = db.session.scalar(
        select(Channel)
        .where(Channel.centre_id == centre_id, Channel.partner_id == partner.id)
        .order_by(Channel.active.desc(), Channel.id)
        .limit(1)
    )
    if channel is not None:
        return channel
    link = db.session.scalar(
        select(PartnerCentre.name).where(
            PartnerCentre.partner_id == partner.id, PartnerCentre.centre_id == centre_id
        )
    )
    label = link or partner.name

    def named(name: str) -> Channel | None:
        return db.session.scalar(
            select(Channel).where(
                Channel.centre_id == centre_id, Channel.name_key == name_key(name)
            )
        )

    taken = named(label)
    if taken is not None and taken.partner_id is None and taken.kind == ChannelKind.PARTNER:
        taken.partner_id = partner.id  # a channel named after the partner before it was one
        return taken
    name, n = label, 1
    while named(name) is not None:  # another channel has the partner's name
        suffix = _("partner") if n == 1 else f"{_('partner')} {n}"
        name, n = f"{label[:100]} ({suffix})", n + 1
    channel = Channel(
        centre_id=centre_id, name=name, kind=ChannelKind.PARTNER, partner_id=partner.id
    )
    db.session.add(channel)
    db.session.flush()
    return channel
