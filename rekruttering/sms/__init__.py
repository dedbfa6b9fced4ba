"""SMS: gateways (outbox, Twilio), Twilio's webhooks, our opt-out list."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: the SMS building blocks (gateways, opt-out) are used by reminders and
    # jobs without the webhooks and commands.
    from rekruttering.extensions import csrf
    from rekruttering.sms import commands, webhooks

    # Twilio cannot send our CSRF token; the request signature is checked instead.
    csrf.exempt(webhooks.bp)
    app.register_blueprint(webhooks.bp)
    app.cli.add_command(commands.unknown_senders)
