"""The legal family of a matter (事项法律属性): which statute and which words its documents use.

Only a 行政许可 is governed by the 行政许可法: its 受理/不予受理 rest on Art. 32, a refusal after
review is a 不予行政许可决定 (Art. 38(2)), an approval a 准予行政许可决定 (Art. 38(1)), and its
limit is 20 working days unless a law says otherwise (Art. 42). A 行政给付 (高龄津贴, 临时救助),
a 行政确认 (登记) or a 公共服务 has no such statute: its documents cite the matter's own basis
from the catalogue and the district's measures for the comprehensive windows (办法第十五条),
and a refusal is a 不予办理决定. The family comes from the national ``task_type`` code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from zhanhe_counter.domain.workdays import TimeLimit, TimeUnit

LICENSING_LAW = "《中华人民共和国行政许可法》"


class LegalFamily(StrEnum):
    """事项的法律属性 (national task_type codes: docs/domain.md, Matter-type codes)."""

    PERMIT = "01"  # 行政许可
    BENEFIT = "05"  # 行政给付
    CONFIRMATION = "07"  # 行政确认
    REWARD = "08"  # 行政奖励
    ADJUDICATION = "09"  # 行政裁决
    OTHER_POWER = "10"  # 其他行政权力
    PUBLIC_SERVICE = "20"  # 公共服务

    @classmethod
    def of(cls, matter_type: str) -> LegalFamily:
        """The family of a ``task_type`` code; an unknown code is treated as 其他行政权力, so no
        permit wording is ever printed for it."""
        try:
            return cls(matter_type)
        except ValueError:
            return cls.OTHER_POWER

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_permit(self) -> bool:
        return self is LegalFamily.PERMIT


_LABELS = {
    LegalFamily.PERMIT: "行政许可",
    LegalFamily.BENEFIT: "行政给付",
    LegalFamily.CONFIRMATION: "行政确认",
    LegalFamily.REWARD: "行政奖励",
    LegalFamily.ADJUDICATION: "行政裁决",
    LegalFamily.OTHER_POWER: "其他行政权力",
    LegalFamily.PUBLIC_SERVICE: "公共服务",
}

#: 行政许可法第四十二条: a permit is decided within 20 (working, Art. 82) days unless a law or
#: regulation sets another limit; the catalogue's own limit wins where it has one.
PERMIT_DEFAULT_LIMIT = TimeLimit(20, TimeUnit.WORKING_DAY)


@dataclass(frozen=True, slots=True)
class Wording:
    """The words and articles one family's documents use (文书用语)."""

    family: LegalFamily
    approve: str  # 准予行政许可 / 准予办理
    refuse: str  # 不予行政许可 / 不予办理
    acceptance_basis: str  # what 受理 and 一次性告知 rest on
    refusal_notice_basis: str  # what 不予受理 rests on (outside the organ's powers: see below)
    not_competent_basis: str  # 不予受理 because another organ is competent
    decision_basis: str  # the procedural article added to the matter's own basis

    @property
    def approval_title(self) -> str:
        return f"{self.approve}决定书"

    @property
    def refusal_title(self) -> str:
        return f"{self.refuse}决定书"


def wording_for(family: LegalFamily, local_measures: str) -> Wording:
    """The wording of ``family``; ``local_measures`` names the district's measures for the
    comprehensive windows (a document setting), which govern every matter's window flow."""
    if family.is_permit:
        return Wording(
            family=family,
            approve="准予行政许可",
            refuse="不予行政许可",
            acceptance_basis=f"{LICENSING_LAW}第三十二条第一款第（五）项",
            refusal_notice_basis=f"{LICENSING_LAW}第三十二条第一款第（一）项",
            not_competent_basis=f"{LICENSING_LAW}第三十二条第一款第（二）项",
            decision_basis=f"{LICENSING_LAW}第三十八条",
        )
    return Wording(
        family=family,
        approve="准予办理",
        refuse="不予办理",
        acceptance_basis=f"{local_measures}第十五条",
        refusal_notice_basis=f"{local_measures}第十五条",
        not_competent_basis=f"{local_measures}第十五条",
        decision_basis="",
    )


def decision_limit(family: LegalFamily, catalogued: TimeLimit | None) -> TimeLimit | None:
    """The statutory limit printed on a notice: the catalogue's, else Art. 42's 20 working days
    for a permit; a non-permit without a catalogued limit has none ("无法定时限")."""
    if catalogued is not None:
        return catalogued
    return PERMIT_DEFAULT_LIMIT if family.is_permit else None
