"""Partner organisations and the centres they work with. Never commits.

A partner is installation-wide (NAV may work with several centres), so it is not
scoped by a ``centre_id`` column: a centre sees a partner only while a PartnerCentre
row links them, and ``partner_in_centre`` is the one way services load one.
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
            .order_by(Partner.name)
        )
    )


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("A name is needed."), field="name")
    return name[:120]


def _by_name(name: str) -> Partner | None:
    return db.session.scalar(select(Partner).where(func.lower(Partner.name) == name.lower()))


def add_partner(centre_id: int, name: str, kind: PartnerKind) -> tuple[Partner, bool]:
    """Add a partner to the centre; returns (partner, created).

    Partner names are unique in the installation. When another centre already works
    with an organisation of this name, the same partner is linked to this centre too
    (created is False), so NAV stays one organisation with one set of users.
    """
    name = _clean_name(name)
    partner = _by_name(name)
    created = partner is None
    if partner is None:
        partner = Partner(name=name, kind=PartnerKind(kind))
        db.session.add(partner)
        db.session.flush()
    elif centre_id in centre_ids_of(partner.id):
        raise Conflict(_("%(name)s already works with this centre.", name=partner.name), "name")
    link_partner(partner, centre_id)
    audit.record(
        "partner_created" if created else "partner_linked",
        centre_id=centre_id,
        detail=f"partner={partner.id}",
    )
    return partner, created


def link_partner(partner: Partner, centre_id: int) -> None:
    """Link a partner to a centre: its channel there and its users' access."""
    db.session.add(PartnerCentre(partner_id=partner.id, centre_id=centre_id))
    partner_channel(centre_id, partner)
    users = db.session.scalars(select(User).where(User.partner_id == partner.id)).all()
    for user in users:
        if user.role_in(centre_id) is None:
            user.memberships.append(Membership(centre_id=centre_id, role=UserRole.PARTNER))
    db.session.flush()


def update_partner(centre_id: int, partner_id: int, name: str, kind: PartnerKind) -> Partner:
    partner = partner_in_centre(partner_id, centre_id)
    name = _clean_name(name)
    clash = _by_name(name)
    if clash is not None and clash.id != partner.id:
        raise Conflict(_("Another partner is called %(name)s.", name=clash.name), "name")
    partner.name = name
    partner.kind = PartnerKind(kind)
    audit.record("partner_updated", centre_id=centre_id, detail=f"partner={partner.id}")
    return partner


def unlink_partner(centre_id: int, partner_id: int) -> Partner:
    """End the partner's work with this centre: its users lose access here.

    Referrals, contacts and the channel stay: they are the centre's history.
    """
    partner = partner_in_centre(partner_id, centre_id)
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
    audit.record("partner_unlinked", centre_id=centre_id, detail=f"partner={partner.id}")
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

    def named(name: str) -> Channel | None:
        return db.session.scalar(
            select(Channel).where(
                Channel.centre_id == centre_id, Channel.name_key == name_key(name)
            )
        )

    taken = named(partner.name)
    if taken is not None and taken.partner_id is None and taken.kind == ChannelKind.PARTNER:
        taken.partner_id = partner.id  # a channel named after the partner before it was one
        return taken
    name, n = partner.name, 1
    while named(name) is not None:  # another channel has the partner's name
        suffix = _("partner") if n == 1 else f"{_('partner')} {n}"
        name, n = f"{partner.name[:100]} ({suffix})", n + 1
    channel = Channel(
        centre_id=centre_id, name=name, kind=ChannelKind.PARTNER, partner_id=partner.id
    )
    db.session.add(channel)
    db.session.flush()
    return channel
