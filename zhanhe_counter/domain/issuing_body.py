"""Who issues a document (出具机关): the department that holds the power, or the hall for it.

行政许可法第三十二条末款: 受理 and 不予受理 are certified in writing under the seal *of the
administrative organ*, i.e. the department that holds the power over the matter. The hall
(政务服务中心, 便民服务中心) only receives (收件), passes cases on (交接) and hands results out
(出件) in its own name. Where the department authorised the window to accept (or to decide) on
the spot, the hall issues that act in its own name *on the department's behalf* ("受…委托"),
under its service seal. A village or community station (便民服务站) is no administrative organ
and cannot be entrusted with an administrative act: what it accepts is issued in the
department's name, the station being only where the paper was handed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from zhanhe_counter.domain.windows import ServiceHall, ServiceHallLevel, WindowAuthority


class Act(StrEnum):
    """What a document records (文书所记载的行为)."""

    RECEIVE = "receive"  # 收件凭证, 容缺承诺书 (received by the hall)
    ACCEPT = "accept"  # 受理通知书, 不予受理通知书, 一次性告知书
    DECIDE = "decide"  # 准予/不予…决定书
    HAND_OVER = "hand_over"  # 交接单 (internal)
    DELIVER = "deliver"  # 出件签收单, 送达回证


@dataclass(frozen=True, slots=True)
class Issuer:
    """The body a document names and whose seal it bears.

    ``body`` is the key of its settings: ``hall.<id>`` or ``department.<name>``; ``entrusted_by``
    names the department when the hall acts on its behalf.
    """

    name: str
    settings_key: str
    entrusted_by: str | None = None

    @property
    def is_hall(self) -> bool:
        return self.settings_key.startswith("hall.")

    @property
    def line(self) -> str:
        """The name as printed at the top and above the seal."""
        if self.entrusted_by:
            return f"{self.name}（受{self.entrusted_by}委托）"
        return self.name


def issuer_for(
    act: Act,
    *,
    department: str,
    hall: ServiceHall,
    hall_name: str,
    authority: WindowAuthority | None,
    at_window: bool,
) -> Issuer:
    """The issuer of ``act`` for a matter of ``department`` handled at ``hall``.

    ``at_window`` is whether the window itself performed the act (at intake) rather than the
    department's back office; ``authority`` is the window's authorisation for the matter.
    """
    as_hall = Issuer(hall_name, f"hall.{hall.id}")
    if act in (Act.RECEIVE, Act.HAND_OVER, Act.DELIVER):
        return as_hall
    as_department = Issuer(department, f"department.{department}")
    if not at_window or authority is None or hall.level is ServiceHallLevel.VILLAGE_STATION:
        return as_department
    authorised = authority.may_decide if act is Act.DECIDE else authority.may_accept
    if not authorised:
        return as_department
    return Issuer(hall_name, f"hall.{hall.id}", entrusted_by=department)
