"""Document settings (文书设置): the sealed facts a document prints that are no part of a case.

Issuing bodies and their seals, phones, pickup places, the reconsideration body and the court
are local facts the Bureau confirms and edits (centrally once the centre governs reference
data, in a file until then). A sealed document must never print a placeholder: every value is
read through :meth:`DocumentSettings.require`, which refuses an unset value or one that still
says 待核实/待填 or carries a fake number, naming the setting in Chinese so the counter can say
which one is missing. ``problems`` lists them all for ``zhanhe-admin forms check``.

Keys are dotted paths, as the settings file nests them: ``district.court``,
``hall.QZX.seal``, ``department.湛河区民政局.phone``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from zhanhe_counter.domain.errors import DomainError

#: What a value still waiting for confirmation looks like in the shipped files; "所辖"/"各乡"
#: name no body at all ("湛河区所辖乡人民政府" is whichever township, not an issuer).
PLACEHOLDER = re.compile(r"待核实|待填|待定|待确认|占位|所辖|各乡|0{6,}|X{3,}|TODO", re.IGNORECASE)

#: Labels of the settings, for messages (the last path segment picks the label).
_LABELS = {
    "reconsideration_body": "行政复议机关",
    "court": "行政诉讼管辖法院",
    "local_measures": "综合窗口办法名称",
    "supervision_phone": "监督电话",
    "name": "名称",
    "seal": "印章名称",
    "receipt_seal": "收件专用章名称",
    "consult_phone": "咨询电话",
    "phone": "联系电话",
    "pickup_place": "领取地点",
    "progress_url": "进度查询网址",
    "supplement_days": "补正期限（工作日）",
    "supplement_rule": "补正期限依据",
    "supplement_consequence": "逾期未补正的后果",
    "rongque_consequence": "容缺逾期未补齐的后果",
}
_SCOPES = {"district": "全区", "hall": "服务场所", "department": "部门", "matter": "事项"}


class SettingState(StrEnum):
    """A setting's state (设置状态)."""

    OK = "ok"
    UNSET = "unset"
    PLACEHOLDER = "placeholder"


def setting_label(key: str) -> str:
    """``hall.QZX.consult_phone`` → ``服务场所 QZX 的咨询电话``."""
    parts = key.split(".")
    label = _LABELS.get(parts[-1], parts[-1])
    scope = _SCOPES.get(parts[0], parts[0])
    if len(parts) <= 2:
        return f"{scope}{label}"
    return f"{scope}“{'.'.join(parts[1:-1])}”的{label}"


class SettingMissing(DomainError):
    """A sealed document needs a setting that is unset or still a placeholder (文书设置缺失)."""

    def __init__(self, key: str, state: SettingState, value: str | None = None) -> None:
        what = "尚未设置" if state is SettingState.UNSET else f"仍为占位值（{value}）"
        super().__init__(
            f"document setting {key} is {state.value}",
            f"文书设置“{setting_label(key)}”（{key}）{what}，盖章文书不能打印。"
            "请管理员在文书设置文件中填写后重新打印（zhanhe-admin forms check 可列出全部缺项）。",
        )
        self.key = key
        self.state = state


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One setting that is not ready (for ``forms check``)."""

    key: str
    state: SettingState
    value: str | None

    @property
    def label(self) -> str:
        return setting_label(self.key)


def state_of(value: str | None) -> SettingState:
    if value is None or not value.strip():
        return SettingState.UNSET
    if PLACEHOLDER.search(value):
        return SettingState.PLACEHOLDER
    return SettingState.OK


@dataclass(frozen=True, slots=True)
class DocumentSettings:
    """文书设置: flat dotted keys to text, as loaded from the settings file."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, *keys: str) -> str | None:
        """The first key of ``keys`` that is set (fallback chain), as it stands; None if none."""
        for key in keys:
            value = self.values.get(key)
            if value is not None and value.strip():
                return value.strip()
        return None

    def require(self, *keys: str) -> str:
        """The first key of ``keys`` that is set; ``SettingMissing`` if the one found is still
        a placeholder (naming it), or if none is set (naming the last, most general key: the
        one to fill in for all)."""
        for key in keys:
            value = self.values.get(key)
            state = state_of(value)
            if state is SettingState.OK:
                assert value is not None
                return value.strip()
            if state is SettingState.PLACEHOLDER:
                raise SettingMissing(key, state, value)
        raise SettingMissing(keys[-1], SettingState.UNSET)

    def optional(self, *keys: str) -> str | None:
        """Like ``require`` but None when nothing is set (a placeholder still refuses)."""
        if self.get(*keys) is None:
            return None
        return self.require(*keys)

    def number(self, key: str, default: int) -> int:
        value = self.get(key)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise DomainError(
                f"document setting {key} is not a number: {value!r}",
                f"文书设置“{setting_label(key)}”（{key}）应为整数，现为“{value}”",
            ) from None

    def problems(self, required: Iterable[tuple[str, ...]]) -> list[SettingProblem]:
        """Every required setting (each a fallback chain of keys) that would stop a sealed
        document, plus every placeholder anywhere in the file."""
        found: dict[str, SettingProblem] = {}
        for chain in required:
            try:
                self.require(*chain)
            except SettingMissing as missing:
                found.setdefault(
                    missing.key,
                    SettingProblem(missing.key, missing.state, self.values.get(missing.key)),
                )
        for key, value in self.values.items():
            if state_of(value) is SettingState.PLACEHOLDER:
                found.setdefault(key, SettingProblem(key, SettingState.PLACEHOLDER, value))
        return sorted(found.values(), key=lambda p: p.key)
