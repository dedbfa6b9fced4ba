"""Outreach: logging contacts, the follow-up queue."""
