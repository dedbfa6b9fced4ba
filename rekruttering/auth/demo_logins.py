"""The demo logins, printed by ``make run`` and shown on the login page in demo mode.

Here, below the demo package, so the login page can name them without importing the
demo machinery (demo sits above every feature; auth must not import it).
"""

DEMO_PASSWORD = "demo-borgen-2026"  # noqa: S105 - demo data only, never outside demo mode

#: (email, password, role)
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("leder@borgen.demo", DEMO_PASSWORD, "admin"),
    ("miljo@borgen.demo", DEMO_PASSWORD, "staff"),
    ("nav@partner.demo", DEMO_PASSWORD, "partner"),
    ("kommune@asker.demo", DEMO_PASSWORD, "municipality"),
)
