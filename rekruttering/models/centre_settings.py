"""A centre's own settings, changed by its admin in the browser.

One row per centre, made when the centre is made (``centres.service.create_centre``)
with the installation's defaults. A centre made before this table existed has no row
until its admin saves the settings page; readers go through
``rekruttering.centre_settings.service.settings_of``, which answers the defaults then.
"""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import Model
from rekruttering.models.centre import CentreOwned
from rekruttering.models.types import UTCDateTime


class CentreSettings(CentreOwned, Model):
    __tablename__ = "centre_settings"
    __table_args__ = (sa.UniqueConstraint("centre_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Shown on the public sign-up form and the QR poster; empty: the centre's name.
    public_name: Mapped[str] = mapped_column(sa.String(120), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    #: E.164, or empty.
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: Volunteers per participant an activity wishes for when it sets no ratio of its own.
    wished_volunteer_ratio: Mapped[float | None] = mapped_column()
    #: A new activity's reminder default: this many days before, at this Oslo time.
    reminder_days_before: Mapped[int] = mapped_column(default=1)
    reminder_time: Mapped[time] = mapped_column(default=time(18, 0))
    #: Added after the staff member's name in a reminder ("Kari, Borgen").
    sms_signature: Mapped[str] = mapped_column(sa.String(40), default="")
    #: Comma-separated language codes the centre writes reminders in; the first is the
    #: fall-back for a person whose language is not among them.
    reminder_languages: Mapped[str] = mapped_column(sa.String(200), default="nb")
    retention_months: Mapped[int] = mapped_column(default=24)
    #: Shown under the public forms; empty: the built-in sentence.
    privacy_notice: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(code for code in self.reminder_languages.split(",") if code)
