"""Window configuration: what a window handles, with which authority, and where else to go."""

from __future__ import annotations

import pytest

from tests.domain.test_matters import make_matter
from zhanhe_counter.domain.matters import Catalogue, WindowFlow
from zhanhe_counter.domain.windows import (
    HallDirectory,
    ServiceHall,
    ServiceHallLevel,
    UnknownWindow,
    WindowAuthority,
    WindowConfig,
    WindowKind,
)

CENTRE = ServiceHall("QZX", "湛河区政务服务中心", ServiceHallLevel.DISTRICT_CENTRE)
TOWNSHIP = ServiceHall("CHJ", "曹镇乡便民服务中心", ServiceHallLevel.TOWNSHIP_CENTRE)
VILLAGE = ServiceHall("LZC", "李庄村便民服务站", ServiceHallLevel.VILLAGE_STATION)

FOOD = make_matter(id="ZH-001", name="食品经营许可", department="湛河区市场监督管理局")
PENSION = make_matter(id="ZH-004", name="养老参保", department="湛河区社会保险中心")
HOUSE = make_matter(id="ZH-017", name="宅基地审批", department="湛河区所辖乡人民政府")

GENERAL = WindowConfig(
    id="QZX-03",
    name="3号综合窗口",
    kind=WindowKind.UNDIFFERENTIATED,
    hall=CENTRE,
    matter_ids=frozenset({"ZH-004"}),
    default_authority=WindowAuthority.ACCEPT_ON_SPOT,
    authority_overrides={"ZH-004": WindowAuthority.DECIDE_ON_SPOT},
)
MARKET = WindowConfig(
    id="QZX-05",
    name="5号市场监管综合窗口",
    kind=WindowKind.DOMAIN,
    hall=CENTRE,
    departments=("湛河区市场监督管理局",),
)
TOWN = WindowConfig(
    id="CHJ-01",
    name="1号综合窗口",
    kind=WindowKind.UNDIFFERENTIATED,
    hall=TOWNSHIP,
    matter_ids=frozenset({"ZH-004", "ZH-017"}),
)
STATION = WindowConfig(
    id="LZC-01",
    name="代办窗口",
    kind=WindowKind.UNDIFFERENTIATED,
    hall=VILLAGE,
    matter_ids=frozenset({"ZH-004", "ZH-001"}),
)


def test_listed_matters_are_handled_by_an_undifferentiated_window() -> None:
    assert GENERAL.handles(PENSION)
    assert not GENERAL.handles(FOOD)


def test_domain_window_handles_every_matter_of_its_department() -> None:
    assert MARKET.handles(FOOD)
    assert not MARKET.handles(PENSION)


def test_undifferentiated_window_ignores_departments() -> None:
    odd = WindowConfig(
        "X", "X", WindowKind.UNDIFFERENTIATED, CENTRE, departments=("湛河区市场监督管理局",)
    )
    assert not odd.handles(FOOD)


def test_authority_override_and_default() -> None:
    assert GENERAL.authority_for("ZH-004") is WindowAuthority.DECIDE_ON_SPOT
    assert GENERAL.authority_for("ZH-009") is WindowAuthority.ACCEPT_ON_SPOT
    assert MARKET.authority_for("ZH-001") is WindowAuthority.RECEIVE_ONLY


@pytest.mark.parametrize(
    ("authority", "accept", "decide"),
    [
        (WindowAuthority.DECIDE_ON_SPOT, True, True),
        (WindowAuthority.ACCEPT_ON_SPOT, True, False),
        (WindowAuthority.RECEIVE_ONLY, False, False),
    ],
)
def test_authority_powers(authority: WindowAuthority, accept: bool, decide: bool) -> None:
    assert authority.may_accept is accept
    assert authority.may_decide is decide
    assert authority.label


def test_authority_implied_by_flow() -> None:
    assert WindowAuthority.implied_by(WindowFlow.COMPLETE_ON_SPOT) is WindowAuthority.DECIDE_ON_SPOT
    assert WindowAuthority.implied_by(WindowFlow.ACCEPT_ON_SPOT) is WindowAuthority.ACCEPT_ON_SPOT
    assert WindowAuthority.implied_by(WindowFlow.RECEIVE_ON_SPOT) is WindowAuthority.RECEIVE_ONLY


def test_hall_labels() -> None:
    assert ServiceHallLevel.VILLAGE_STATION.label == "村（社区）便民服务站"
    assert GENERAL.display_name == "湛河区政务服务中心 3号综合窗口"


def test_window_handling_everything() -> None:
    quick = make_matter(id="Q", window_flow=WindowFlow.COMPLETE_ON_SPOT)
    catalogue = Catalogue({FOOD.id: FOOD, quick.id: quick})
    window = WindowConfig.handling_everything(catalogue, CENTRE)
    assert window.handles(FOOD)
    assert window.handles(quick)
    assert window.authority_for("Q") is WindowAuthority.DECIDE_ON_SPOT
    assert window.authority_for(FOOD.id) is WindowAuthority.RECEIVE_ONLY


class TestDirectory:
    directory = HallDirectory([STATION, TOWN, GENERAL, MARKET])

    def test_find_window_by_id(self) -> None:
        assert self.directory.window("QZX-05") is MARKET
        with pytest.raises(UnknownWindow) as raised:
            self.directory.window("NOPE")
        assert "NOPE" in raised.value.user_message

    def test_same_hall_first_then_district_before_township_and_village(self) -> None:
        assert self.directory.windows_for(PENSION) == (GENERAL, TOWN, STATION)
        assert self.directory.windows_for(PENSION, near=TOWN) == (GENERAL, STATION)
        assert self.directory.windows_for(FOOD, near=STATION) == (MARKET,)
        assert self.directory.windows_for(FOOD, near=GENERAL) == (MARKET, STATION)

    def test_where_handled_names_the_hall_and_window(self) -> None:
        assert (
            self.directory.where_handled(FOOD, near=GENERAL)
            == "该事项请到 湛河区政务服务中心 5号市场监管综合窗口或李庄村便民服务站 代办窗口 办理"
        )

    def test_where_handled_without_any_window_names_the_department(self) -> None:
        lonely = make_matter(id="ZZ", name="无人办理", department="某局")
        assert self.directory.where_handled(lonely) == "“无人办理”暂无窗口受理，请咨询某局"
