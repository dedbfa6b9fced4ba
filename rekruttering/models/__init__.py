"""The data model, one module per area. Importing this package registers every table."""

from rekruttering.models import person_trigram  # noqa: F401 - the index beside person
from rekruttering.models.accounts import (
    CENTRE_ROLES,
    Invitation,
    LinkPurpose,
    Membership,
    User,
    UserRole,
)
from rekruttering.models.activities import (
    Activity,
    CancelledDate,
    ClosedPeriod,
    Session,
    SessionSignup,
    WeeklySlot,
)
from rekruttering.models.centre import Centre, CentreOwned
from rekruttering.models.centre_settings import CentreSettings
from rekruttering.models.checkin import OfflineTap
from rekruttering.models.limits import RateLimitCounter
from rekruttering.models.mail import MailMessage
from rekruttering.models.messaging import (
    Direction,
    Message,
    MessageTemplate,
    OptOut,
    Reminder,
    ReminderState,
)
from rekruttering.models.outreach import (
    Attendance,
    Channel,
    ChannelKind,
    Contact,
    Enrolment,
    Notification,
    Partner,
    PartnerCentre,
    PartnerKind,
    PartnerLinkRequest,
    Referral,
    ReferralStatus,
    Source,
)
from rekruttering.models.people import LinkKind, Person, PersonLink
from rekruttering.models.privacy import (
    ApiToken,
    AuditEvent,
    Consent,
    ConsentMethod,
    ConsentPurpose,
)
from rekruttering.models.programme import ActivityText, ProgrammeSource, ProgrammeSourceKind
from rekruttering.models.reports import ReportChange, ReportCheckinChange, ReportSnapshot

__all__ = [
    "CENTRE_ROLES",
    "Activity",
    "ActivityText",
    "ApiToken",
    "Attendance",
    "AuditEvent",
    "CancelledDate",
    "ClosedPeriod",
    "Centre",
    "CentreOwned",
    "CentreSettings",
    "Channel",
    "ChannelKind",
    "Consent",
    "ConsentMethod",
    "ConsentPurpose",
    "Contact",
    "Direction",
    "Enrolment",
    "Invitation",
    "LinkKind",
    "LinkPurpose",
    "MailMessage",
    "Membership",
    "Message",
    "MessageTemplate",
    "Notification",
    "OfflineTap",
    "OptOut",
    "Partner",
    "PartnerCentre",
    "PartnerLinkRequest",
    "PartnerKind",
    "Person",
    "PersonLink",
    "ProgrammeSource",
    "ProgrammeSourceKind",
    "RateLimitCounter",
    "Referral",
    "ReferralStatus",
    "Reminder",
    "ReportChange",
    "ReportCheckinChange",
    "ReportSnapshot",
    "ReminderState",
    "Session",
    "SessionSignup",
    "Source",
    "User",
    "UserRole",
    "WeeklySlot",
]
