"""Alembic environment, run through Flask-Migrate (``rekruttering db upgrade``)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from rekruttering.models.person_trigram import include_object

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def _options() -> dict:
    return {
        "target_metadata": target_metadata,
        "render_as_batch": True,  # SQLite cannot ALTER most things: copy-and-move
        "compare_type": True,
        "user_module_prefix": "rekruttering.models.types.",
        # The trigram index of names (an FTS5 table, a GIN index) is outside the models.
        "include_object": include_object,
    }


def run_migrations_offline() -> None:
    context.configure(url=str(db.engine.url), literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration copies a table and drops the old one; with foreign keys
            # on (the app turns them on per connection) SQLite refuses to drop a table
            # other tables point at. The pragma cannot change inside a transaction, so
            # it is set before the migration's transaction and restored after it.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(connection=connection, **_options())
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                connection.commit()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
