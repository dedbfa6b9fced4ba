"""People in the funnel, and the links between them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rekruttering.domain.clock import utcnow
from rekruttering.domain.search_text import SEARCH_KEY_LENGTH, person_keys
from rekruttering.extensions import Model
from rekruttering.models.centre import CentreOwned
from rekruttering.models.types import UTCDateTime, enum_column

#: The people the reminder picker may offer (reminders/picker_walk.py): the
#: ``WHERE`` of the partial index it walks, as the picker's query writes it.
TEXTABLE_PEOPLE = "merged_into_id IS NULL AND anonymised_at IS NULL AND phone IS NOT NULL"


class Person(CentreOwned, Model):
    """A prospective or actual participant or volunteer of one centre.

    Deliberately no field for ethnicity, religion, health or country of origin: the
    centre keeps only what outreach needs. ``language`` is kept because messages are
    written in it.
    """

    __tablename__ = "person"
    __table_args__ = (
        # One person per phone number in a centre; anonymised people have no phone.
        # A record held for staff to confirm (a referral or sign-up with a number the
        # centre knows) shares the number with the person it may be, so it is left out.
        sa.Index(
            "uq_person_centre_phone",
            "centre_id",
            "phone",
            unique=True,
            sqlite_where=sa.text("held_match_id IS NULL"),
            postgresql_where=sa.text("held_match_id IS NULL"),
        ),
        # The orders lists use: by name (pickers, "sort by name") and most recent
        # activity first (the people list, "recent people"); without them a centre of
        # 20,000 people is sorted in full for every picker (bench: 40 ms -> 11 ms).
        sa.Index("ix_person_centre_first_name", "centre_id", "first_name", "last_name", "id"),
        sa.Index("ix_person_centre_recent", "centre_id", "last_activity_at", "id"),
        # The reminder picker's walk in name order (reminders/picker_walk.py): the
        # people it may offer, with the folded key, so a common word's first matches
        # are read from the index alone.
        sa.Index(
            "ix_person_centre_textable_name",
            "centre_id",
            "first_name",
            "last_name",
            "id",
            "search_key",
            sqlite_where=sa.text(TEXTABLE_PEOPLE),
            postgresql_where=sa.text(TEXTABLE_PEOPLE),
        ),
        # Every search by name reads these (people/search.py): the folded keys beside the
        # centre, so the database scans the narrow index, not the table.
        sa.Index("ix_person_centre_search_key", "centre_id", "search_key"),
        sa.Index("ix_person_centre_search_plain", "centre_id", "search_plain"),
        # The language filter's choices: one seek per language (people.search).
        sa.Index("ix_person_centre_language", "centre_id", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    language: Mapped[str] = mapped_column(sa.String(10), default="nb")  # BCP 47 / ISO 639
    target_group: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: The name folded for search (domain/search_text.py): "Åse Økland" -> "åse økland",
    #: and without accents, "ase okland". Written on every insert and update (below).
    search_key: Mapped[str] = mapped_column(
        sa.String(SEARCH_KEY_LENGTH), default="", server_default=""
    )
    search_plain: Mapped[str] = mapped_column(
        sa.String(SEARCH_KEY_LENGTH), default="", server_default=""
    )
    #: Who brought this person (word of mouth): the centre's best recruiters.
    recruited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    #: Set when a permanent provider error says the phone cannot receive SMS.
    phone_not_textable_reason: Mapped[str | None] = mapped_column(sa.String(200))
    sms_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Last contact, attendance or message: what retention measures from.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When merged into another person, that person's id (this row keeps no history).
    merged_into_id: Mapped[int | None] = mapped_column(
        # Indexed: deleting a person checks this self-reference (a full scan otherwise).
        sa.ForeignKey("person.id", ondelete="SET NULL"),
        index=True,
    )

    #: A third party (a partner's referral, the public form) gave a phone the centre
    #: already knows: this record is held apart until staff merge it into that person
    #: or keep it apart. Nothing a third party types changes the known person.
    #: No foreign key on purpose: with ON DELETE SET NULL, deleting the known person
    #: would turn two held records into two people with one phone. A merge moves it.
    held_match_id: Mapped[int | None] = mapped_column(index=True)

    recruited_by: Mapped[Person | None] = relationship(
        remote_side=[id], foreign_keys=[recruited_by_id]
    )
    held_match: Mapped[Person | None] = relationship(
        primaryjoin="foreign(Person.held_match_id) == remote(Person.id)", viewonly=True
    )
    enrolments = relationship("Enrolment", back_populates="person")

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


@sa.event.listens_for(Person, "before_insert")
@sa.event.listens_for(Person, "before_update")
def _fold_name_for_search(_mapper: object, _connection: object, person: Person) -> None:
    """Keep the search keys true to the name on every ORM write of a person.

    (Core UPDATEs of the person table are anonymising, which clears both keys with
    the name, and merging, which changes no name.)
    """
    person.search_key, person.search_plain = person_keys(person.first_name, person.last_name)


class LinkKind(StrEnum):
    PARENT_OF = "parent_of"  # person -> other: person is a parent of other
    FAMILY = "family"  # other family ties (siblings, spouses)


class PersonLink(CentreOwned, Model):
    """A family tie: a child at Mat og lek is often how a parent finds Foreldreprat."""

    __tablename__ = "person_link"
    __table_args__ = (sa.UniqueConstraint("person_id", "other_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    other_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LinkKind] = mapped_column(enum_column(LinkKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person", foreign_keys=[person_id])
    other = relationship("Person", foreign_keys=[other_id])
