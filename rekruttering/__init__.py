"""rekruttering: a recruitment funnel and outreach tracker for community centres."""

from rekruttering.app import create_app

__all__ = ["create_app"]
