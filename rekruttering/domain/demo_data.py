"""How demo data is told apart on the page (no imports: templates use it freely).

The demo's messages carry a made-up provider id with this prefix; their delivery
states ("Delivered", "Failed") are illustrations, never an SMS that went anywhere.
"""

from __future__ import annotations

from typing import Any

DEMO_PROVIDER_SID_PREFIX = "SMdemo"


def is_demo_message(message: Any) -> bool:
    """True for a message the demo made up (its state is an illustration)."""
    sid = getattr(message, "provider_sid", None) or ""
    return sid.startswith(DEMO_PROVIDER_SID_PREFIX)


def is_demo_reminder(reminder: Any) -> bool:
    return is_demo_message(getattr(reminder, "message", None))
