from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from zhanhe_counter.adapters.storage.numbering import InvalidNumberKey, SqliteNumberAllocator

DAY = date(2026, 11, 26)


def test_sequences_are_separate_per_station_kind_and_day(engine: sa.Engine) -> None:
    allocator = SqliteNumberAllocator(engine)
    assert [allocator.next("41041101", "S", DAY) for _ in range(3)] == [1, 2, 3]
    assert allocator.next("41041101", "L", DAY) == 1
    assert allocator.next("41041102", "S", DAY) == 1
    assert allocator.next("41041101", "S", date(2026, 11, 27)) == 1
    assert allocator.peek("41041101", "S", DAY) == 3
    assert allocator.peek("41041109", "S", DAY) == 0


def test_rollback_gives_the_number_back(engine: sa.Engine) -> None:
    from zhanhe_counter.adapters.storage.numbering import allocate_number

    allocator = SqliteNumberAllocator(engine)
    allocator.next("41041101", "S", DAY)
    connection = engine.connect()
    transaction = connection.begin()
    assert allocate_number(connection, "41041101", "S", DAY) == 2
    transaction.rollback()  # e.g. the event that needed the number was refused
    connection.close()
    assert allocator.next("41041101", "S", DAY) == 2


def test_blank_keys_are_refused(engine: sa.Engine) -> None:
    allocator = SqliteNumberAllocator(engine)
    with pytest.raises(InvalidNumberKey):
        allocator.next(" ", "S", DAY)
    with pytest.raises(InvalidNumberKey):
        allocator.peek("41041101", "", DAY)
