"""Scheduled work, run by APScheduler in ``rekruttering serve`` and ``rekruttering worker``.

Each job is a plain function taking the Flask app; it pushes an app context and calls a
service. Jobs have fixed ids in a memory job store: APScheduler's persistent job stores
must never be shared between schedulers, and safety with several workers comes from
the database (reminders are claimed atomically), not from APScheduler.
"""
