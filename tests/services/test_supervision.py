"""Which scopes a supervisor desk offers (督查范围), from the station's roles at the centre."""

from __future__ import annotations

import pytest

from zhanhe_counter.services.station_roles import parse_roles
from zhanhe_counter.services.supervision import DeskPlace, SupervisorDesk, ViewScope
from zhanhe_counter.services.tally import TallyService

S, H, D = ViewScope.STATION, ViewScope.HALL, ViewScope.DISTRICT


@pytest.mark.parametrize(
    ("roles", "hall", "scopes"),
    [
        ("counter", "QZX", (S,)),
        ("supervisor=QZX", "QZX", (S, H)),
        ("supervisor=CHJ", "QZX", (S,)),  # another hall's supervisor role is not this hall's
        ("supervisor=district", "QZX", (S, H, D)),
        ("supervisor=district", None, (S, D)),  # a Bureau desk standing in no hall
        ("counter,backoffice=湛河区民政局,delivery=QZX", "QZX", (S,)),
    ],
)
def test_scopes_follow_the_supervisor_role(
    roles: str, hall: str | None, scopes: tuple[ViewScope, ...]
) -> None:
    assert DeskPlace(parse_roles(roles), hall).scopes() == scopes


def test_a_pc_without_a_centre_offers_this_pc_only() -> None:
    local = TallyService.__new__(TallyService)  # never asked: no centre, no database read
    desk = SupervisorDesk(local, clock=None)  # type: ignore[arg-type]
    assert not desk.registered
    assert desk.scopes() == (S,)
    assert desk.service(S) is local
    with pytest.raises(ValueError, match="not offered"):
        desk.service(H)
    assert [s.label for s in ViewScope] == ["本机", "本厅", "全区"]
