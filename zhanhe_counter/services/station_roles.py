"""What a station does in the hall (站点角色), as the centre holds it.

A PC may combine roles (a township station does everything):

* ``counter`` — a comprehensive window that takes cases in (综合窗口);
* ``backoffice=DEPARTMENT[,DEPARTMENT…]`` — a back-office desk of one or more departments
  (后台审批), named as the catalogue names them (``zhanhe-admin cases --json`` writes them so);
* ``delivery=HALL`` — the unified delivery window of a hall (统一出件), by the hall's id;
* ``supervisor=HALL`` or ``supervisor=district`` — read-only supervision of a hall or the
  district (监督).

Written as one comma-separated list, e.g. ``counter,backoffice=湛河区市场监督管理局,delivery=QZX``;
a name after a scoped role that is not itself a role is one more scope of that role
(``backoffice=民政局,人社局``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from zhanhe_counter.domain.errors import DomainError

DISTRICT = "district"


class RoleKind(StrEnum):
    """站点角色种类. Values are stored at the centre."""

    COUNTER = "counter"
    BACKOFFICE = "backoffice"
    DELIVERY = "delivery"
    SUPERVISOR = "supervisor"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def needs_scope(self) -> bool:
        return self is not RoleKind.COUNTER


_LABELS = {
    RoleKind.COUNTER: "综合窗口",
    RoleKind.BACKOFFICE: "后台审批",
    RoleKind.DELIVERY: "统一出件",
    RoleKind.SUPERVISOR: "监督",
}
_SCOPE_MAX = 200


class InvalidStationRoles(DomainError):
    """A role list that cannot be understood (站点角色无效)."""


@dataclass(frozen=True, slots=True, order=True)
class StationRole:
    """One role of a station, with its scope (department, hall or ``district``)."""

    kind: RoleKind
    scope: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value}={self.scope}" if self.scope else self.kind.value


def _bad(text: str, problem: str) -> InvalidStationRoles:
    return InvalidStationRoles(
        f"station roles {text!r}: {problem}",
        f"站点角色“{text}”无效：{problem}。可用：counter、backoffice=部门、delivery=服务场所、"
        "supervisor=服务场所或 district，多个用英文逗号分隔。",
    )


def parse_roles(text: str) -> tuple[StationRole, ...]:
    """The roles written in ``text``, sorted and without repeats; raises with a Chinese message."""
    roles: set[StationRole] = set()
    current: RoleKind | None = None
    for raw in text.split(","):
        token = raw.strip()
        if not token:
            continue
        name, has_scope, scope = (part.strip() for part in token.partition("="))
        try:
            kind: RoleKind | None = RoleKind(name.lower())
        except ValueError:
            kind = None
        if kind is None:
            if has_scope or current is None or not current.needs_scope:
                raise _bad(text, f"不认识“{name}”")
            kind, scope = current, token  # one more department (or hall) of the previous role
        elif kind.needs_scope and not scope:
            raise _bad(text, f"{kind.value} 需要写明{_scope_word(kind)}（{kind.value}=…）")
        elif not kind.needs_scope and scope:
            raise _bad(text, "counter 不带范围")
        if len(scope) > _SCOPE_MAX:
            raise _bad(text, "范围名称过长")
        if kind is RoleKind.DELIVERY and scope == DISTRICT:
            raise _bad(text, "统一出件窗口属于一个服务场所，不能是 district")
        roles.add(StationRole(kind, scope))
        current = kind
    if not roles:
        raise _bad(text, "至少需要一个角色")
    return tuple(sorted(roles))


def format_roles(roles: tuple[StationRole, ...] | list[StationRole]) -> str:
    """The comma-separated form :func:`parse_roles` reads."""
    return ",".join(str(role) for role in sorted(roles))


def _scope_word(kind: RoleKind) -> str:
    return "部门" if kind is RoleKind.BACKOFFICE else "服务场所"
