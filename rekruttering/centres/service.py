"""Make a centre. Every way a centre is made calls ``create_centre`` (the
``create-centre`` command, the installation admin's page, the demo), so every new
centre starts the same: its settings from the installation's defaults and the
starter set of channels.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from rekruttering import audit
from rekruttering.centre_settings.service import add_defaults
from rekruttering.channels.starter import add_starter_channels
from rekruttering.domain.text import clean
from rekruttering.errors import Conflict, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Centre

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


def create_centre(name: str, slug: str, municipality: str = "") -> Centre:
    """Add a centre with its default settings and starter channels (the caller commits)."""
    name = clean(name)
    slug = clean(slug).lower()
    if not name or len(name) > 120:
        raise ServiceError(_("A centre needs a name of at most 120 characters."), field="name")
    if not SLUG.match(slug):
        raise ServiceError(
            _("The short name may hold a-z, 0-9 and dashes (at most 60 characters)."),
            field="slug",
        )
    if db.session.scalar(select(Centre.id).where(Centre.slug == slug)) is not None:
        raise Conflict(_("A centre with this short name exists already."), field="slug")
    if db.session.scalar(select(Centre.id).where(func.lower(Centre.name) == name.lower())):
        raise Conflict(_("A centre with this name exists already."), field="name")
    centre = Centre(name=name, slug=slug, municipality=clean(municipality)[:120])
    db.session.add(centre)
    db.session.flush()
    add_defaults(centre.id)
    add_starter_channels(centre.id)
    audit.record("centre_created", centre_id=centre.id, detail=f"centre {centre.slug}")
    db.session.flush()
    return centre
