"""Station roles as written on the command line (counter, backoffice=…, delivery=…, …)."""

from __future__ import annotations

import pytest

from zhanhe_counter.services.station_roles import (
    InvalidStationRoles,
    RoleKind,
    StationRole,
    format_roles,
    parse_roles,
)


def test_roles_combine_and_a_bare_name_is_one_more_scope_of_the_role_before_it() -> None:
    roles = parse_roles(
        "counter, backoffice=民政局,人社局 ,delivery=QZX,supervisor=district,counter"
    )
    assert roles == (
        StationRole(RoleKind.BACKOFFICE, "人社局"),
        StationRole(RoleKind.BACKOFFICE, "民政局"),
        StationRole(RoleKind.COUNTER),
        StationRole(RoleKind.DELIVERY, "QZX"),
        StationRole(RoleKind.SUPERVISOR, "district"),
    )
    assert parse_roles(format_roles(roles)) == roles
    assert format_roles([StationRole(RoleKind.COUNTER)]) == "counter"
    assert RoleKind.DELIVERY.label == "统一出件"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "至少需要一个角色"),
        ("clerk", "不认识“clerk”"),
        ("民政局", "不认识"),
        ("counter,民政局", "不认识"),
        ("backoffice", "需要写明部门"),
        ("delivery=", "需要写明服务场所"),
        ("counter=QZX", "counter 不带范围"),
        ("delivery=district", "不能是 district"),
        ("manager=QZX", "不认识“manager”"),
        ("backoffice=" + "局" * 201, "过长"),
    ],
)
def test_unusable_roles_are_refused_in_chinese(text: str, problem: str) -> None:
    with pytest.raises(InvalidStationRoles) as caught:
        parse_roles(text)
    assert problem in caught.value.user_message
