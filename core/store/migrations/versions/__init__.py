"""Alembic revisions; one file per schema change, written by hand and reviewed."""
