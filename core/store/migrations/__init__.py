"""Alembic migration scripts of the store (run programmatically by ``core.store.migrate``)."""
