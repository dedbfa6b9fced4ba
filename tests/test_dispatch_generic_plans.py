"""PostgreSQL: for the length of a tick the dispatcher's connections use generic plans
(``reminders.generic_plans``), and give them back to the pool as they took them."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from rekruttering.extensions import db
from rekruttering.reminders.dispatch import dispatch_due
from rekruttering.reminders.generic_plans import generic_plans
from rekruttering.sms.gateway import OutgoingSms, SendResult
from rekruttering.sms.message_status import STORED
from tests.test_dispatch_safeguards import NOW, due_reminders

pytestmark = pytest.mark.postgres_only


@dataclass
class SeesPlanMode:
    """At each send, what the tick's connection says of ``plan_cache_mode``."""

    name: str = "outbox"
    modes: list[str] = field(default_factory=list)

    def send(self, sms: OutgoingSms) -> SendResult:
        self.modes.append(
            str(db.session.connection().exec_driver_sql("SHOW plan_cache_mode").scalar())
        )
        return SendResult(provider_sid=None, status=STORED)


def _pool_modes(n: int = 4) -> set[str]:
    with ExitStack() as stack:
        conns = [stack.enter_context(db.engine.connect()) for _ in range(n)]
        return {str(c.exec_driver_sql("SHOW plan_cache_mode").scalar()) for c in conns}


@pytest.mark.settings(**{"sms.hand_over_batch_size": 3})
def test_a_tick_uses_generic_plans_and_gives_its_connections_back_as_they_were(
    app: Flask, make: Any
) -> None:
    due_reminders(make, 5)
    gateway = SeesPlanMode()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert report.sent == 5
    assert set(gateway.modes) == {"force_generic_plan"}
    assert _pool_modes() == {"auto"}


def test_the_setting_is_reset_when_the_block_fails(app: Flask) -> None:
    with db.engine.connect() as conn:
        with pytest.raises(RuntimeError), generic_plans(conn):
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_generic_plan"
            raise RuntimeError("the tick failed")
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
