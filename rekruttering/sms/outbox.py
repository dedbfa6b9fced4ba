"""The outbox gateway: keeps the message, sends nothing (demo, trials, no provider yet)."""

from __future__ import annotations

from rekruttering.sms.gateway import OutgoingSms, SendResult
from rekruttering.sms.message_status import STORED


class OutboxGateway:
    name = "outbox"

    def send(self, sms: OutgoingSms) -> SendResult:
        # The Message row the dispatcher wrote is the outbox; nothing leaves the server.
        return SendResult(provider_sid=None, status=STORED)
