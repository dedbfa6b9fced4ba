"""The app's features. Each module exposes ``init_app(app)``, which registers its
blueprint, CLI commands and translations; add a line here to switch one on."""

FEATURES: tuple[str, ...] = (
    "rekruttering.auth",
    "rekruttering.main",
    "rekruttering.mail",
    "rekruttering.accounts",
    "rekruttering.installation",
    "rekruttering.people",
    "rekruttering.outreach",
    "rekruttering.activities",
    "rekruttering.checkin",
    "rekruttering.devices",
    "rekruttering.imports",
    "rekruttering.privacy",
    "rekruttering.api",
    "rekruttering.backup",
    "rekruttering.sms",
    "rekruttering.reminders",
    "rekruttering.partners",
    "rekruttering.signup",
    "rekruttering.programme",
    "rekruttering.reports",
    "rekruttering.channels",
    "rekruttering.centre_settings",
)
