"""Station codes (站点代码), assigned and kept unique by the centre (issue 17, Deliver 5).

The code is the part of a case number that tells stations apart (``domain/case_number.py``:
6-digit division code + 2-character terminal code). Typed by hand, two PCs could share one and
both number the day's cases from 0001; so the centre hands it out at registration, a unique
index holds it, and the code of a replaced PC is retired for good (``retired_station_code``).
The case numbers themselves are recorded centrally by a trigger (migration c0009), which files a
second case under a number already held in ``case_number_collision``.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from zhanhe_counter.domain.case_number import validate_station_code
from zhanhe_counter.domain.errors import DomainError

#: 湛河区's division code (平顶山市湛河区, GB/T 2260): the default prefix of assigned codes.
DEFAULT_DIVISION = "410411"
DIVISION_SETTING = "division_code"


class StationCodeTaken(DomainError):
    """The code asked for is another station's, or was retired."""


@dataclass(frozen=True, slots=True)
class NumberCollision:
    """A case that reached the centre under a number another case already had."""

    case_number: str
    case_id: UUID
    station_id: str
    first_case_id: UUID | None
    at: datetime


def has_station_codes(conn: psycopg.Connection[Any]) -> bool:
    """Whether the centre is at c0009 or later (older centres have no codes to keep)."""
    return conn.execute("SELECT to_regclass('retired_station_code')").fetchone() != (None,)


def _terminals() -> Iterator[str]:
    """01…99, then letter-digit and letter-letter pairs: the terminal codes in handing-out
    order (00 is never used, so a code never reads as a bare division)."""
    for n in range(1, 100):
        yield f"{n:02d}"
    for first in string.ascii_uppercase:
        for second in string.digits + string.ascii_uppercase:
            yield first + second


def assign_station_code(
    conn: psycopg.Connection[Any], station_id: str, requested: str | None = None
) -> str:
    """The station's code: the one asked for if free, else the one it holds, else a new one.

    In the caller's transaction, under an advisory lock: two registrations at once cannot
    pick the same free code (and the unique index would refuse it anyway).
    """
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('zhanhe.station_code'))")
    row = conn.execute(
        "SELECT station_code FROM station WHERE station_id = %s", (station_id,)
    ).fetchone()
    held = row[0] if row else None
    if requested is not None:
        code = validate_station_code(requested)
        if code == held:
            return code
        _refuse_if_taken(conn, code, station_id)
        if held:
            retire_code(conn, station_id)
        _set(conn, station_id, code)
        return code
    if held:
        return str(held)
    setting = conn.execute(
        "SELECT value FROM central_setting WHERE key = %s", (DIVISION_SETTING,)
    ).fetchone()
    division = str(setting[0]) if setting else DEFAULT_DIVISION
    taken = {
        str(r[0])
        for r in conn.execute(
            "SELECT station_code FROM station WHERE station_code LIKE %s "
            "UNION SELECT station_code FROM retired_station_code WHERE station_code LIKE %s",
            (division + "%", division + "%"),
        )
    }
    free = next((division + t for t in _terminals() if division + t not in taken), None)
    if free is None:
        raise StationCodeTaken(
            f"no free station code in division {division}",
            f"行政区划 {division} 下的站点代码已全部用完，请联系开发组。",
        )
    code = validate_station_code(free)
    _set(conn, station_id, code)
    return code


def _refuse_if_taken(conn: psycopg.Connection[Any], code: str, station_id: str) -> None:
    holder = conn.execute(
        "SELECT station_id FROM station WHERE station_code = %s", (code,)
    ).fetchone()
    if holder is not None and holder[0] != station_id:
        raise StationCodeTaken(
            f"station code {code} is held by {holder[0]}",
            f"站点代码 {code} 已由站点 {holder[0]} 使用，不能重复：重复的代码会让两个站点的"
            "办件编号相同。请不指定代码，由中心分配新的代码。",
        )
    retired = conn.execute(
        "SELECT station_id FROM retired_station_code WHERE station_code = %s", (code,)
    ).fetchone()
    if retired is not None:
        raise StationCodeTaken(
            f"station code {code} was retired with {retired[0]}",
            f"站点代码 {code} 已随站点 {retired[0]} 停用，不能再次使用"
            "（它编过的办件编号仍然有效）。请不指定代码，由中心分配新的代码。",
        )


def _set(conn: psycopg.Connection[Any], station_id: str, code: str) -> None:
    conn.execute("UPDATE station SET station_code = %s WHERE station_id = %s", (code, station_id))


def retire_code(conn: psycopg.Connection[Any], station_id: str) -> str | None:
    """Retire the station's code (a replaced or broken PC): never handed out again."""
    row = conn.execute(
        "SELECT station_code FROM station WHERE station_id = %s FOR UPDATE", (station_id,)
    ).fetchone()
    code = row[0] if row else None
    if code:
        conn.execute("UPDATE station SET station_code = NULL WHERE station_id = %s", (station_id,))
        conn.execute(
            "INSERT INTO retired_station_code (station_code, station_id) VALUES (%s, %s) "
            "ON CONFLICT (station_code) DO NOTHING",
            (code, station_id),
        )
    return str(code) if code else None


def collisions(conn: psycopg.Connection[Any]) -> list[NumberCollision]:
    """Cases that arrived under a number already held, newest first."""
    rows = conn.execute(
        "SELECT case_number, case_id, station_id, first_case_id, at "
        "FROM case_number_collision ORDER BY collision_id DESC"
    ).fetchall()
    return [NumberCollision(*row) for row in rows]
