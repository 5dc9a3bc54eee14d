"""Gap-free number sequences (编号分配) per station, kind and day, in the caller's transaction."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.adapters.storage.number_sequences import issue_number, last_number
from zhanhe_counter.adapters.storage.numbering import InvalidNumberKey, allocate_number
from zhanhe_counter.adapters.storage.plain_sql import driver

DAY = date(2026, 11, 26)


def test_sequences_are_separate_per_station_kind_and_day(engine: sa.Engine) -> None:
    assert [issue_number(engine, "41041101", "S", DAY) for _ in range(3)] == [1, 2, 3]
    assert issue_number(engine, "41041101", "L", DAY) == 1
    assert issue_number(engine, "41041102", "S", DAY) == 1
    assert issue_number(engine, "41041101", "S", date(2026, 11, 27)) == 1
    assert last_number(engine, "41041101", "S", DAY) == 3
    assert last_number(engine, "41041109", "S", DAY) == 0


def test_rollback_gives_the_number_back(engine: sa.Engine) -> None:
    issue_number(engine, "41041101", "S", DAY)
    connection = engine.connect()
    transaction = connection.begin()
    assert allocate_number(driver(connection), "41041101", "S", DAY) == 2
    transaction.rollback()  # e.g. the event that needed the number was refused
    connection.close()
    assert issue_number(engine, "41041101", "S", DAY) == 2


def test_blank_keys_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(InvalidNumberKey):
        issue_number(engine, " ", "S", DAY)
    with pytest.raises(InvalidNumberKey):
        issue_number(engine, "41041101", "", DAY)
