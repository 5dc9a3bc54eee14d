"""The central PostgreSQL database's own schema (中心库): its tables, its Alembic migrations and
the administrator's operations on it (``zhanhe-admin central init``, ``station register``).

Kept apart from ``adapters/sync`` (the station's client of that database) because the two are
released and run by different people: the centre's schema moves with ``central init`` on the
server, the client with each counter PC's installer (docs/sync.md).
"""
