"""Alembic environment: runs on the connection the Store hands over."""

from __future__ import annotations

from alembic import context

from truceline.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic is run by hand
    from truceline.store.engine import Store

    store = Store(config.get_main_option("sqlalchemy.url") or "")
    with store.write() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
