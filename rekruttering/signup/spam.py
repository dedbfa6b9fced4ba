"""Spam protection for the public form, without third parties.

Three checks, all cheap: a honeypot field people never see (bots fill every field), a
signed stamp of when the form was *first* shown (a form sent within seconds is a bot,
one sent a day later is stale), and a rate limit per address (Flask-Limiter on the view).
The stamp is carried across re-renders (``carry``): a person whose first try came back
with "tick the consent box" ticks it and sends again at once, and the seconds they
spent filling the form the first time still count.
The stamp also carries a random nonce that serves as the form's idempotency token, so a
double-submitted form signs up one person.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "rekruttering.signup.stamp"


class SpamSuspected(Exception):
    """The post looks automated or stale. ``reason``: bot, too_fast or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SpamGuard:
    secret_key: str
    min_fill_seconds: int = 3
    max_age_seconds: int = 24 * 3600

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret_key, salt=SALT)

    def issue(self, code: str, now: float | None = None) -> str:
        """A stamp for a form about to be shown for source ``code``."""
        issued = int(now if now is not None else time.time())
        return self._serializer().dumps({"c": code, "t": issued, "n": secrets.token_hex(16)})

    def _issued_at(self, stamp: str, code: str) -> int | None:
        """When a genuine stamp for ``code`` was issued; None for anything else."""
        try:
            data = self._serializer().loads(stamp or "")
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("c") != code:
            return None
        issued, nonce = data.get("t"), data.get("n")
        if not isinstance(issued, int) or not isinstance(nonce, str):
            return None
        return issued

    def carry(self, stamp: str, code: str, now: float | None = None) -> str:
        """The stamp for a form shown again after a post: the posted one when it is
        genuine and not stale (the time counts from the first render), a new one
        otherwise. A forged stamp gains nothing: it is replaced by one issued now."""
        now = now if now is not None else time.time()
        issued = self._issued_at(stamp, code)
        if issued is None or not 0 <= now - issued <= self.max_age_seconds:
            return self.issue(code, now)
        return stamp

    def check(self, stamp: str, honeypot: str, code: str, now: float | None = None) -> str:
        """Raise SpamSuspected, or return the form's nonce (its idempotency token)."""
        if honeypot and honeypot.strip():
            raise SpamSuspected("bot")
        try:
            data = self._serializer().loads(stamp or "")
        except BadSignature:
            raise SpamSuspected("bot") from None
        if not isinstance(data, dict) or data.get("c") != code:
            raise SpamSuspected("bot")
        issued, nonce = data.get("t"), data.get("n")
        if not isinstance(issued, int) or not isinstance(nonce, str):
            raise SpamSuspected("bot")
        elapsed = (now if now is not None else time.time()) - issued
        if elapsed < self.min_fill_seconds:
            raise SpamSuspected("too_fast")
        if elapsed > self.max_age_seconds:
            raise SpamSuspected("expired")
        return nonce
