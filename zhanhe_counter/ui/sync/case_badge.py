"""The per-case sync badge (办件同步标记): saved on this PC → sent → confirmed; rejected; attention.

Modelled on DHIS2's per-record state: the badge is the worst state of the case's events, so a
case reads "已保存在本机" until every event has left the PC.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from zhanhe_counter.services.ports.sync import CaseSyncBadge

BADGE_TEXT: dict[CaseSyncBadge, str] = {
    CaseSyncBadge.SAVED_LOCAL: "已保存在本机",
    CaseSyncBadge.SENT: "已发送",
    CaseSyncBadge.CONFIRMED: "中心已确认",
    CaseSyncBadge.REJECTED: "中心拒收",
    CaseSyncBadge.NEEDS_ATTENTION: "需处理",
}

BADGE_TOOLTIP: dict[CaseSyncBadge, str] = {
    CaseSyncBadge.SAVED_LOCAL: "已安全保存在本机，联网后自动上传。",
    CaseSyncBadge.SENT: "已上传到中心，等待中心确认。",
    CaseSyncBadge.CONFIRMED: "中心已收到并确认。",
    CaseSyncBadge.REJECTED: "中心拒收了该办件的记录，请在“同步记录”中查看原因并联系管理员。",
    CaseSyncBadge.NEEDS_ATTENTION: "中心的处理结果与本机记录不一致，请联系负责人处理。",
}

BADGE_COLOUR: dict[CaseSyncBadge, str] = {
    CaseSyncBadge.SAVED_LOCAL: "#6b7280",  # grey
    CaseSyncBadge.SENT: "#2563eb",  # blue
    CaseSyncBadge.CONFIRMED: "#15803d",  # green
    CaseSyncBadge.REJECTED: "#b91c1c",  # red
    CaseSyncBadge.NEEDS_ATTENTION: "#c2410c",  # orange
}


def apply_badge(label: QLabel, badge: CaseSyncBadge) -> None:
    """Show ``badge`` on ``label`` (text, tooltip, colour)."""
    label.setText(BADGE_TEXT[badge])
    label.setToolTip(BADGE_TOOLTIP[badge])
    colour = BADGE_COLOUR[badge]
    label.setStyleSheet(
        f"QLabel {{ color: white; background: {colour}; border-radius: 3px; padding: 1px 6px; }}"
    )
    label.setProperty("syncBadge", badge.value)


def badge_label(badge: CaseSyncBadge, parent: QWidget | None = None) -> QLabel:
    """A new label showing ``badge``, for case lists and the case header."""
    label = QLabel(parent)
    apply_badge(label, badge)
    return label
