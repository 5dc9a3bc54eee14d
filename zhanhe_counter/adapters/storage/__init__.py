"""The station's local store (本机存储): SQLite through SQLAlchemy 2.x, migrated by Alembic."""
