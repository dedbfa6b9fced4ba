"""A message's delivery status only moves forward, and a final one never changes.

Twilio sends status callbacks in no guaranteed order and may send one twice; a late
"sent" must not undo "delivered". Our own statuses: ``pending`` (the row is written,
the provider not yet called), ``unknown`` (the provider call ended without an answer)
and ``stored`` (the outbox gateway kept it and sent nothing).
"""

from __future__ import annotations

PENDING = "pending"
UNKNOWN = "unknown"
STORED = "stored"
RECEIVED = "received"

RANK: dict[str, int] = {
    PENDING: 0,
    UNKNOWN: 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 4,
    STORED: 4,
    RECEIVED: 4,
}
FINAL = frozenset(status for status, rank in RANK.items() if rank == 4)
DELIVERY_FAILED = frozenset({"undelivered", "failed", "canceled"})


def advances(current: str, new: str) -> bool:
    """True when ``new`` may replace ``current``: a known status, further along."""
    if new not in RANK or current in FINAL:
        return False
    return RANK[new] > RANK.get(current, 0)
