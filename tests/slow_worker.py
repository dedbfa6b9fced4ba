"""``python -m tests.slow_worker``: the real ``rekruttering worker`` with a slow fake
gateway, for the test that kills a worker mid-batch.

The outbox gateway is replaced by one that appends ``<message id> <to>`` to the file
named by $SLOW_WORKER_LOG the moment a reminder is handed to it, then takes
$SLOW_WORKER_DELAY seconds to answer. Nothing leaves the machine.
"""

from __future__ import annotations

import os
import sys
import time

from rekruttering.sms import outbox
from rekruttering.sms.gateway import OutgoingSms, SendResult
from rekruttering.sms.message_status import STORED


def _slow_send(self: outbox.OutboxGateway, sms: OutgoingSms) -> SendResult:
    with open(os.environ["SLOW_WORKER_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{sms.message_id} {sms.to}\n")
    time.sleep(float(os.environ.get("SLOW_WORKER_DELAY", "0")))
    return SendResult(provider_sid=None, status=STORED)


if __name__ == "__main__":
    outbox.OutboxGateway.send = _slow_send  # type: ignore[method-assign]  # slowed on purpose
    from rekruttering.cli import main

    sys.argv = ["rekruttering", "worker"]
    main()
