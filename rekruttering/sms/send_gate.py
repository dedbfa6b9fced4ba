"""A last check at the moment an SMS request leaves, for HTTP gateways built on requests.

The dispatcher checks a reminder again just before its send (STOP, consent, a
cancelled session...). The HTTP client's own work before the request leaves (building
and preparing it) takes about as long as that check's round trip to the database, so
the dispatcher starts the check, hands the gateway a *gate* (a callable that waits for
the check's answer) and the gateway calls it at the last moment: when the request is
handed to the transport (``requests``' adapter), after everything the client does
before. If the gate says no, the request is not made and ``NotSent`` is raised:
nothing left. The check's answer is known before the request leaves; the check itself
is made after the send before it was over (see ``answered`` below), so whatever was
committed while that send's request was with the provider is seen.

``gate_session`` wraps a ``requests.Session``'s adapters once; ``gated(gate)`` sets
the gate for the requests made inside the block (a context variable: only the sending
code's own requests see it). A gate is called at most once; later requests of the
same block (a redirect) get its first answer.

``gated(gate, answered)`` also calls ``answered`` (at most once, never raising into
the send) when the provider's answer has arrived: the transport returned a response
that is not a redirect, before the client reads its body and works out what it says.
The dispatcher starts the next reminder's check then: the send before it is over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import requests

Gate = Callable[[], bool]

log = logging.getLogger(__name__)


class NotSent(Exception):
    """The gate said no at the moment of sending: the request was not made."""


class _Once:
    def __init__(self, gate: Gate, answered: Callable[[], None] | None = None) -> None:
        self.gate = gate
        self.answer: bool | None = None
        self.answered = answered

    def __call__(self) -> bool:
        if self.answer is None:
            self.answer = bool(self.gate())
        return self.answer

    def arrived(self, response: requests.Response) -> None:
        """The transport returned ``response``: the provider's answer, unless it is a
        redirect (the send then goes on)."""
        answered = self.answered
        if answered is None or response.is_redirect:
            return
        self.answered = None
        try:
            answered()
        except Exception:  # noqa: BLE001 - the send itself is over and stands
            log.exception("send_gate: the call after the answer failed")


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
        response = self.inner.send(request, *args, **kwargs)
        if gate is not None:
            gate.arrived(response)
        return response

    def close(self) -> None:
        self.inner.close()


def gate_session(session: requests.Session) -> None:
    """Make every adapter of ``session`` ask the current gate (once; idempotent)."""
    for prefix, adapter in list(session.adapters.items()):
        if not isinstance(adapter, _GatedAdapter):
            session.mount(prefix, _GatedAdapter(adapter))


@contextmanager
def gated(gate: Gate | None, answered: Callable[[], None] | None = None) -> Iterator[None]:
    """Requests made in the block (through a gated session) ask ``gate`` first; once the
    provider's answer has arrived, ``answered`` is called (see the module's text)."""
    token = _CURRENT.set(_Once(gate, answered) if gate is not None else None)
    try:
        yield
    finally:
        _CURRENT.reset(token)
