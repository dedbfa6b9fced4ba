"""The status a partner sees of a person it referred: its words and explanation.

The status itself is computed in SQL by ``funnel/referral_status.py``.
"""

from __future__ import annotations

from flask_babel import gettext as _

from rekruttering.models import ReferralStatus


def status_label(status: ReferralStatus | str) -> str:
    """The status in plain words, in the current language."""
    labels = {
        ReferralStatus.RECEIVED: _("Received"),
        ReferralStatus.CONTACTED: _("Contacted"),
        ReferralStatus.CAME: _("Came"),
        ReferralStatus.NOT_REACHED: _("Not reached"),
        ReferralStatus.DECLINED: _("Declined"),
    }
    return labels[ReferralStatus(status)]


def status_explanation(status: ReferralStatus | str) -> str:
    """One sentence for the partner: what the status means."""
    texts = {
        ReferralStatus.RECEIVED: _("The centre has the referral and will get in touch."),
        ReferralStatus.CONTACTED: _("The centre has been in touch with the person."),
        ReferralStatus.CAME: _("The person has come to the centre."),
        ReferralStatus.NOT_REACHED: _("The centre tried but could not reach the person."),
        ReferralStatus.DECLINED: _("The person said no thanks for now."),
    }
    return texts[ReferralStatus(status)]
