"""A demo station, a logged-in clerk and the main window, for pytest-qt tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.services.ports.idcard import CardType, IdCardRecord
from zhanhe_counter.services.station import Staff
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.main_window import MainWindow

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME)  # a Thursday, during office hours
CLERK = Staff("zhangmin", "张敏")


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def card(name: str = "演示用户", number: str = "410411199001011237") -> IdCardRecord:
    return IdCardRecord(
        card_type=CardType.RESIDENT,
        name=name,
        sex="男",
        sex_code="1",
        birth_date=date(1990, 1, 1),
        id_number=number,
        address="河南省平顶山市湛河区演示路1号",
        nation="汉",
        long_term=True,
        source="sim",
    )


class MemoryTextSizes:
    """Each clerk's text size, kept in memory instead of the user's Qt settings."""

    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}

    def load(self, staff_id: str) -> int:
        return self.sizes.get(staff_id, 100)

    def save(self, staff_id: str, percent: int) -> None:
        self.sizes[staff_id] = percent


@pytest.fixture
def text_sizes() -> MemoryTextSizes:
    return MemoryTextSizes()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def station(tmp_path: Path, clock: FixedClock) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=clock, start_queue=False)
    yield built
    built.close()


@pytest.fixture
def context(station: Station) -> CounterContext:
    return CounterContext.from_station(station, Argon2PasswordHasher(fast=True))


@pytest.fixture
def window(
    qtbot: QtBot, context: CounterContext, text_sizes: MemoryTextSizes
) -> Iterator[MainWindow]:
    session = LoginSession(staff=CLERK, roles=("window",), started_at=NOW)
    main = MainWindow(context, session, ask_unlock=lambda _w: True, text_sizes=text_sizes)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    # Active, as the one window on a counter screen: its window shortcuts (Ctrl+Enter …) work
    # whatever window an earlier test left active.
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow, timeout=5_000)
    yield main
    main.close()  # waits for every page's storage thread before the station closes
