"""The central PostgreSQL database and the station's connection to it (中心库与同步)."""
