"""``PasswordChannel`` on the central PostgreSQL, as this station's role (密码变更上报).

One short connection per send: a password changes rarely, a held connection would count
against the station's connection limit.
"""

from __future__ import annotations

import psycopg

from zhanhe_counter.adapters.sync.connection import CentralAddress
from zhanhe_counter.adapters.sync.errors import translate_central_error


class PostgresPasswordChannel:
    def __init__(
        self, address: CentralAddress, application_name: str = "zhanhe-counter-password"
    ) -> None:
        self._address = address
        self._application_name = application_name

    def send(self, staff_id: str, old_hash: str, new_hash: str) -> str:
        try:
            with psycopg.connect(
                self._address.conninfo(self._application_name), autocommit=True
            ) as conn:
                row = conn.execute(
                    "SELECT change_staff_password(%s, %s, %s)", (staff_id, old_hash, new_hash)
                ).fetchone()
        except (psycopg.Error, OSError) as error:
            raise translate_central_error(error) from error
        return str(row[0]) if row is not None else "unknown"
