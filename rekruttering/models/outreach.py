"""Outreach: channels, partners, contacts, enrolments in the funnel and attendance."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship, validates

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.domain.text import name_key
from rekruttering.extensions import Model
from rekruttering.models.centre import CentreOwned
from rekruttering.models.types import UTCDateTime, enum_column

#: The rows of two partial indexes (revision ``list_page_indexes``): a contact whose
#: follow-up date is still to be done, and an enrolment that said no or not now.
OPEN_FOLLOW_UP = "follow_up_done_at IS NULL AND follow_up_on IS NOT NULL"
REFUSAL = "declined_at IS NOT NULL OR not_now_at IS NOT NULL"


class ChannelKind(StrEnum):
    WORD_OF_MOUTH = "word_of_mouth"
    PRINT = "print"  # brochures, posters
    SOCIAL_MEDIA = "social_media"
    PARTNER = "partner"  # kindergarten, school, NAV, refugee service
    OUTREACH = "outreach"  # staff visits, drop-in hours
    INTERNAL = "internal"  # another activity at the centre
    OTHER = "other"


class Channel(CentreOwned, Model):
    """A way people hear of the centre; conversion is reported per channel.

    ``name_key`` is the name folded for comparison (any letter case, any alphabet), so
    "Facebook" and "FACEBOOK" cannot both exist in a centre on either database (SQLite's
    lower() folds only A-Z). A retired channel (``active`` false) is gone from pickers
    and kept in reports; a merged one points at the channel it was merged into, has no
    contacts left and frees its name (``name_key`` is then null).
    """

    __tablename__ = "channel"
    __table_args__ = (sa.UniqueConstraint("centre_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_key: Mapped[str | None] = mapped_column(sa.String(120))
    kind: Mapped[ChannelKind] = mapped_column(enum_column(ChannelKind), default=ChannelKind.OTHER)
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("channel.id", ondelete="SET NULL")
    )

    partner = relationship("Partner")

    @validates("name")
    def _fold_name(self, _key: str, value: str) -> str:
        if self.merged_into_id is None:
            self.name_key = name_key(value)
        return value


class PartnerKind(StrEnum):
    KINDERGARTEN = "kindergarten"
    SCHOOL = "school"
    NAV = "nav"
    REFUGEE_SERVICE = "refugee_service"
    MUNICIPAL = "municipal"
    OTHER = "other"


class Partner(Model):
    """An organisation that refers people. It may work with several centres, but only
    through a link each centre made with the partner's agreement (PartnerLinkRequest);
    names are not unique: two centres may each have their own "NAV Asker"."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The name the organisation was created with; what its own users see.
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[PartnerKind] = mapped_column(enum_column(PartnerKind), default=PartnerKind.OTHER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PartnerCentre(Model):
    """Which centres a partner works with, and the name and kind each centre gives it
    (a rename at one centre changes nothing another centre sees)."""

    __tablename__ = "partner_centre"
    __table_args__ = (sa.UniqueConstraint("partner_id", "centre_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(
        sa.ForeignKey("centre.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[PartnerKind] = mapped_column(enum_column(PartnerKind), default=PartnerKind.OTHER)

    partner = relationship("Partner")
    centre = relationship("Centre")


class PartnerLinkRequest(CentreOwned, Model):
    """A centre asks an organisation that already uses the system to work with it.

    Addressed to an e-mail address, not to an organisation: the centre learns nothing
    about who has a login. Only the login with that address (or the installation's
    operator, through the CLI) can accept; accepting links the login's organisation to
    the centre under ``name`` and gives that login access to the centre.
    """

    __tablename__ = "partner_link_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # lower case
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[PartnerKind] = mapped_column(enum_column(PartnerKind), default=PartnerKind.OTHER)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: accepted, declined or cancelled; None while it waits.
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", ondelete="SET NULL"))


class Source(CentreOwned, Model):
    """A poster, brochure or place with a QR code leading to the public interest form."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)  # in the short URL
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channel.id", ondelete="RESTRICT"))
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    channel = relationship("Channel")
    activity = relationship("Activity")


class Contact(CentreOwned, Model):
    """One logged outreach touch: who, when, by whom, through which channel, what happened."""

    __tablename__ = "contact"
    __table_args__ = (
        sa.Index("ix_contact_person_time", "person_id", "occurred_at"),
        sa.Index("ix_contact_centre_time", "centre_id", "occurred_at"),
        sa.Index("ix_contact_centre_followup", "centre_id", "follow_up_on"),
        # The follow-up queue asks, for each candidate of its "heard" and "asked"
        # sections, whether the person has a follow-up date still open: one entry of
        # this small index (about 1 % of contacts) instead of every contact of the
        # person (docs/performance.md).
        sa.Index(
            "ix_contact_person_open_follow_up",
            "person_id",
            "follow_up_on",
            sqlite_where=sa.text(OPEN_FOLLOW_UP),
            postgresql_where=sa.text(OPEN_FOLLOW_UP),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="SET NULL"), index=True
    )
    channel_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("channel.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.PARTICIPANT)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: Word of mouth: the person who brought them.
    recruited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL")
    )
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("source.id", ondelete="SET NULL"))
    #: Indexed: the follow-up queue and a partner's referral status look up a
    #: referral's own contact for every referral (a full scan per row without it).
    referral_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referral.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column()
    follow_up_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Idempotency key from the form, so a double-submitted form logs one contact.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    person = relationship("Person", foreign_keys=[person_id])
    activity = relationship("Activity")
    channel = relationship("Channel")
    by_user = relationship("User")
    recruited_by = relationship("Person", foreign_keys=[recruited_by_id])


class Enrolment(CentreOwned, Model):
    """A person x activity x role, with the moment each funnel stage was reached."""

    __tablename__ = "enrolment"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "activity_id", "role"),
        sa.Index("ix_enrolment_centre_stage", "centre_id", "stage"),
        # The follow-up queue's sections, the oldest first: read in index order, they
        # stop after a page of rows whatever the size of the centre.
        sa.Index("ix_enrolment_centre_stage_heard", "centre_id", "stage", "heard_at", "id"),
        sa.Index("ix_enrolment_centre_stage_asked", "centre_id", "stage", "asked_at", "id"),
        # The check-in list: who is expected at an activity's session (asked or
        # further), read from the index alone, not from each enrolment's row.
        sa.Index("ix_enrolment_activity_stage_person", "activity_id", "stage", "person_id", "id"),
        # The people list's badges (people/search.py ``_PAGE_PEOPLE``): a person's
        # enrolments with their role and stage read from the index alone. Through the
        # unique key each badge was an entry there and a page of the table, read from
        # the operating system by a search's first visit (docs/performance.md).
        sa.Index("ix_enrolment_person_shown", "person_id", "activity_id", "role", "stage"),
        # ... and the few of them who said no or not now (checkin/service.py).
        sa.Index(
            "ix_enrolment_activity_refusal",
            "activity_id",
            "stage",
            sqlite_where=sa.text(REFUSAL),
            postgresql_where=sa.text(REFUSAL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.PARTICIPANT)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage), default=Stage.HEARD)
    heard_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    showed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    regular_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Kept as facts, never as deletions: the latest "said no" / "not now".
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_now_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Attribution: the channel through which they first heard, and of the personal ask.
    first_channel_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("channel.id", ondelete="SET NULL"), index=True
    )
    ask_channel_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("channel.id", ondelete="SET NULL"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="SET NULL"), index=True
    )
    attendance_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person", back_populates="enrolments")
    activity = relationship("Activity")
    first_channel = relationship("Channel", foreign_keys=[first_channel_id])
    ask_channel = relationship("Channel", foreign_keys=[ask_channel_id])


class Attendance(CentreOwned, Model):
    """A person checked in at a session."""

    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "person_id"),
        sa.Index("ix_attendance_person_time", "person_id", "checked_in_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.PARTICIPANT)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    walk_in: Mapped[bool] = mapped_column(default=False)
    #: Idempotency key of the walk-in form: submitting it twice adds one person.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    session = relationship("Session")
    person = relationship("Person")


class ReferralStatus(StrEnum):
    """What a partner sees of a person it referred, in plain words."""

    RECEIVED = "received"
    CONTACTED = "contacted"
    CAME = "came"
    NOT_REACHED = "not_reached"
    DECLINED = "declined"


class Referral(CentreOwned, Model):
    """A partner referred a person (with the person's consent)."""

    __tablename__ = "referral"
    __table_args__ = (
        # The follow-up queue's "newly referred": a centre's referrals nobody has acted
        # on, oldest first (the few of them, not every referral of the centre).
        sa.Index(
            "ix_referral_centre_new",
            "centre_id",
            "created_at",
            "id",
            sqlite_where=sa.text("acted_on = 0"),
            postgresql_where=sa.text("acted_on = false"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="SET NULL")
    )
    by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: The name as the partner typed it: all a partner ever sees of the person (the
    #: phone may match a person already known to the centre under another name).
    name_given: Mapped[str] = mapped_column(sa.String(160), default="")
    #: Only the staff's mark ("received" = no mark, or "not_reached"). The status a
    #: partner sees is derived from the funnel in SQL: rekruttering.partners.status.
    status: Mapped[ReferralStatus] = mapped_column(
        enum_column(ReferralStatus), default=ReferralStatus.RECEIVED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Someone has acted on the referral (not "newly referred"): the rule
    #: (funnel/referral_status.py) as stored by funnel/referral_acted_on.py, which
    #: recomputes it with every change the rule reads. The follow-up queue reads the
    #: referrals not acted on by the partial index below.
    acted_on: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Not a column: filled when a query asks for it with
    #: ``with_expression(Referral.effective_status, status_expression())``.
    effective_status: Mapped[str | None] = query_expression()

    partner = relationship("Partner")
    person = relationship("Person")
    activity = relationship("Activity")


class Notification(CentreOwned, Model):
    """An in-app notice for the centre's staff (new referral, new sign-up, reply)."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_centre_unread", "centre_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("Person")
