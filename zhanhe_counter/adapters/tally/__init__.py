"""Tally sources over the station SQLite and the central PostgreSQL databases (统计数据源)."""

from zhanhe_counter.adapters.tally.source import (
    SqlTallySource,
    TallyUnavailable,
    central_source,
    sqlite_source,
)

__all__ = ["SqlTallySource", "TallyUnavailable", "central_source", "sqlite_source"]
