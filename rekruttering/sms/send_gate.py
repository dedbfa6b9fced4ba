"""A last check at the moment an SMS request leaves, for HTTP gateways built on requests.

The dispatcher checks a reminder again just before its send (STOP, consent, a
cancelled session...). The HTTP client's own work before the request leaves (building
and preparing it) takes about as long as that check's round trip to the database, so
the dispatcher starts the check, hands the gateway a *gate* (a callable that waits for
the check's answer) and the gateway calls it at the last moment: when the request is
handed to the transport (``requests``' adapter), after everything the client does
before. If the gate says no, the request is not made and ``NotSent`` is raised:
nothing left. The check is as late as before or later, never earlier.

``gate_session`` wraps a ``requests.Session``'s adapters once; ``gated(gate)`` sets
the gate for the requests made inside the block (a context variable: only the sending
code's own requests see it). A gate is called at most once; later requests of the
same block (a redirect) get its first answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import requests

Gate = Callable[[], bool]


class NotSent(Exception):
    """The gate said no at the moment of sending: the request was not made."""


class _Once:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.answer: bool | None = None

    def __call__(self) -> bool:
        if self.answer is None:
            self.answer = bool(self.gate())
        return self.answer


_CURRENT: ContextVar[_Once | None] = ContextVar("rekruttering_send_gate", default=None)


class _GatedAdapter(requests.adapters.BaseAdapter):
    """A transport adapter that asks the current gate before its inner adapter sends."""

    def __init__(self, inner: requests.adapters.BaseAdapter) -> None:
        super().__init__()
        self.inner = inner

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        gate = _CURRENT.get()
        if gate is not None and not gate():
            raise NotSent
        return self.inner.send(request, *args, **kwargs)

    def close(self) -> None:
        self.inner.close()


def gate_session(session: requests.Session) -> None:
    """Make every adapter of ``session`` ask the current gate (once; idempotent)."""
    for prefix, adapter in list(session.adapters.items()):
        if not isinstance(adapter, _GatedAdapter):
            session.mount(prefix, _GatedAdapter(adapter))


@contextmanager
def gated(gate: Gate | None) -> Iterator[None]:
    """Requests made in the block (through a gated session) ask ``gate`` first."""
    token = _CURRENT.set(_Once(gate) if gate is not None else None)
    try:
        yield
    finally:
        _CURRENT.reset(token)
