"""The 好差评 scale (评价等级): five levels, their labels, and the reasons offered for a 差评.

Shared by the rating at the window and the 差评 follow-up, so neither use case imports the
other for it (docs/domain.md, 好差评 follow-up).
"""

from __future__ import annotations

from zhanhe_counter.domain.payloads import LOWEST_SATISFIED_RATING

#: Level → label, best first as the buttons are laid out.
RATING_LABELS: dict[int, str] = {
    5: "非常满意",
    4: "满意",
    3: "基本满意",
    2: "不满意",
    1: "非常不满意",
}
#: Reasons offered for the two lowest levels (a short form of the GB/T 39734 annex).
BAD_RATING_REASONS: tuple[str, ...] = (
    "等候时间长",
    "办事效率低",
    "服务态度不好",
    "告知不清楚、跑了多次",
    "要求提供不必要的材料",
    "办事指南与实际不一致",
    "其他",
)


def is_bad(level: int) -> bool:
    """差评: 不满意 or 非常不满意."""
    return level < LOWEST_SATISFIED_RATING
