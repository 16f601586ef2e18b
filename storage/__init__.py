"""Storage: SQLAlchemy models, the one repository API, Alembic migrations.

Nothing here imports telegram or aiohttp; it only accepts pseudonyms and scrubbed text.
"""
