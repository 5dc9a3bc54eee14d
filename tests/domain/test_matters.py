"""The catalogue model: materials, matters, their rules and the catalogue's lookups."""

from __future__ import annotations

import dataclasses

import pytest

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.matters import (
    Catalogue,
    Department,
    HandleKind,
    Material,
    MaterialType,
    Matter,
    Medium,
    Necessity,
    OriginalHandling,
    UnknownMatter,
    WindowFlow,
    matter_problems,
)
from zhanhe_counter.domain.workdays import TimeLimit, TimeUnit

ORIGINAL_COLLECT = Material(
    "申请书", MaterialType.ORIGINAL, OriginalHandling.COLLECT, 2, 0, Medium.PAPER
)
ID_CARD = Material(
    "身份证",
    MaterialType.ORIGINAL_AND_COPY,
    OriginalHandling.INSPECT_AND_RETURN,
    1,
    3,
    Medium.PAPER,
)
LICENCE_COPY = Material(
    "营业执照",
    MaterialType.COPY,
    OriginalHandling.NONE,
    0,
    1,
    Medium.ELECTRONIC,
    shared_exempt=True,
)
PROXY = Material(
    "授权委托书",
    MaterialType.ORIGINAL,
    OriginalHandling.INSPECT_AND_RETURN,
    1,
    0,
    Medium.PAPER,
    conditional_on="委托他人办理时",
)


def make_matter(**changes: object) -> Matter:
    matter = Matter(
        id="T-1",
        name="测试事项",
        matter_type="01",
        department="湛河区测试局",
        window_flow=WindowFlow.RECEIVE_ON_SPOT,
        handle_kind=HandleKind.PROMISED,
        legal_limit=TimeLimit(20, TimeUnit.WORKING_DAY),
        promised_limit=TimeLimit(10, TimeUnit.WORKING_DAY),
        materials=(ORIGINAL_COLLECT, ID_CARD, LICENCE_COPY, PROXY),
    )
    return dataclasses.replace(matter, **changes)  # type: ignore[arg-type]


def messages(matter: Matter) -> dict[str, str]:
    found: dict[str, str] = {}
    for violation in matter_problems(matter):
        found[violation.path] = found.get(violation.path, "") + violation.message + "；"
    return found


class TestMaterial:
    def test_clerk_action_says_what_to_do_with_originals_and_copies(self) -> None:
        assert ORIGINAL_COLLECT.clerk_action == "收取原件 2 份"
        assert ID_CARD.clerk_action == "核验原件后退回；收取复印件 3 份"
        assert LICENCE_COPY.clerk_action == "收取复印件 1 份"

    def test_clerk_action_when_nothing_paper_is_kept(self) -> None:
        nothing = dataclasses.replace(LICENCE_COPY, copy_count=0)
        assert nothing.clerk_action == "无需收取纸质材料"
        assert nothing.requirement == "电子版"

    def test_requirement_is_the_form_the_applicant_brings(self) -> None:
        assert ORIGINAL_COLLECT.requirement == "原件 2 份"
        assert ID_CARD.requirement == "出示原件，复印件 3 份"
        assert LICENCE_COPY.requirement == "复印件 1 份，电子版"
        paper_nothing = dataclasses.replace(LICENCE_COPY, copy_count=0, medium=Medium.PAPER)
        assert paper_nothing.requirement == "纸质"

    @pytest.mark.parametrize(
        ("condition", "agent"),
        [
            ("委托他人办理时", True),
            ("代办时", True),
            ("委托代理人", True),
            ("再婚的", False),
            (None, False),
        ],
    )
    def test_agent_materials_are_recognised_by_their_condition(
        self, condition: str | None, agent: bool
    ) -> None:
        material = dataclasses.replace(PROXY, conditional_on=condition)
        assert material.is_agent_material is agent
        assert material.is_conditional is (condition is not None)

    def test_material_type_needs(self) -> None:
        assert MaterialType.ORIGINAL.needs_original
        assert not MaterialType.ORIGINAL.needs_copy
        assert MaterialType.COPY.needs_copy
        assert not MaterialType.COPY.needs_original
        assert MaterialType.ORIGINAL_AND_COPY.needs_copy


class TestMatter:
    def test_sound_matter_has_no_problems(self) -> None:
        assert matter_problems(make_matter()) == []

    def test_promised_beyond_legal_in_the_same_unit(self) -> None:
        matter = make_matter(promised_limit=TimeLimit(21, TimeUnit.WORKING_DAY))
        assert "超过法定时限" in messages(matter)["promised_limit"]

    def test_different_units_are_never_compared(self) -> None:
        matter = make_matter(
            legal_limit=TimeLimit(7, TimeUnit.NATURAL_DAY),
            promised_limit=TimeLimit(30, TimeUnit.WORKING_DAY),
        )
        assert matter_problems(matter) == []

    def test_missing_limits_are_fine(self) -> None:
        assert matter_problems(make_matter(legal_limit=None, promised_limit=None)) == []

    def test_negative_limits(self) -> None:
        matter = make_matter(
            legal_limit=TimeLimit(-1, TimeUnit.HOUR),
            promised_limit=TimeLimit(-2, TimeUnit.NATURAL_DAY),
        )
        found = messages(matter)
        assert "负数" in found["legal_limit"]
        assert "负数" in found["promised_limit"]

    def test_material_rules(self) -> None:
        broken = (
            ORIGINAL_COLLECT,
            dataclasses.replace(ORIGINAL_COLLECT, original_count=-1, copy_count=-1),
            dataclasses.replace(ID_CARD, name="a", original_handling=OriginalHandling.NONE),
            dataclasses.replace(ID_CARD, name="b", original_count=0, copy_count=0),
            dataclasses.replace(LICENCE_COPY, original_count=1),
            dataclasses.replace(LICENCE_COPY, name="c", necessity=Necessity.SUPPLY_LATER),
            dataclasses.replace(PROXY, conditional_on="  "),
        )
        found = messages(make_matter(materials=broken))
        assert "重复" in found["materials[1].name"]
        assert "负数" in found["materials[1].original_count"]
        assert "负数" in found["materials[1].copy_count"]
        assert "none" in found["materials[2].original_handling"]
        assert "至少为 1" in found["materials[3].original_count"]
        assert "复印件份数至少为 1" in found["materials[3].copy_count"]
        assert "应为 0" in found["materials[4].original_count"]
        assert "rongque_allowed" in found["materials[5].rongque_allowed"]
        assert "为空" in found["materials[6].conditional_on"]

    def test_supply_later_with_rongque_allowed_is_fine(self) -> None:
        later = dataclasses.replace(
            LICENCE_COPY, necessity=Necessity.SUPPLY_LATER, rongque_allowed=True
        )
        matter = make_matter(materials=(later,))
        assert matter_problems(matter) == []
        assert matter.allows_rongque
        assert not matter.allows_gaozhi_chengnuo

    def test_conditions_are_distinct_and_in_order(self) -> None:
        second = dataclasses.replace(PROXY, name="受托人身份证")
        other = dataclasses.replace(PROXY, name="结婚证", conditional_on="再婚的")
        matter = make_matter(materials=(PROXY, other, second, ID_CARD))
        assert matter.conditions == ("委托他人办理时", "再婚的")

    def test_material_numbering_is_one_based(self) -> None:
        matter = make_matter()
        assert matter.material_by_number(1) is ORIGINAL_COLLECT
        assert matter.number_of(PROXY) == 4
        with pytest.raises(DomainError) as raised:
            matter.material_by_number(5)
        assert "共 4 项" in raised.value.user_message
        with pytest.raises(DomainError):
            matter.material_by_number(0)

    def test_matter_type_label_keeps_unknown_codes(self) -> None:
        assert make_matter().matter_type_label == "行政许可"
        assert make_matter(matter_type="99").matter_type_label == "99"


class TestDepartment:
    def test_contact_line(self) -> None:
        full = Department("湛河区民政局", "社会救助股", "李明", ("0375-1", "0375-2"))
        assert full.contact_line == "湛河区民政局 社会救助股 李明 电话 0375-1、0375-2"
        assert Department("湛河区民政局").contact_line == "湛河区民政局"


class TestCatalogue:
    def catalogue(self) -> Catalogue:
        first = make_matter()
        second = make_matter(id="T-2", name="第二事项", department="湛河区民政局")
        return Catalogue(
            matters={first.id: first, second.id: second},
            departments={"湛河区民政局": Department("湛河区民政局")},
        )

    def test_lookup(self) -> None:
        catalogue = self.catalogue()
        assert len(catalogue) == 2
        assert "T-1" in catalogue
        assert "T-9" not in catalogue
        assert [m.id for m in catalogue] == ["T-1", "T-2"]
        assert catalogue.matter("T-2").name == "第二事项"

    def test_unknown_matter_is_a_domain_error_naming_the_id(self) -> None:
        with pytest.raises(UnknownMatter) as raised:
            self.catalogue().matter("T-9")
        assert "T-9" in raised.value.user_message
        assert raised.value.matter_id == "T-9"

    def test_departments(self) -> None:
        catalogue = self.catalogue()
        assert catalogue.department_names == ("湛河区测试局", "湛河区民政局")
        assert catalogue.department_of(catalogue.matter("T-1")) is None
        found = catalogue.department_of(catalogue.matter("T-2"))
        assert found is not None
        assert found.name == "湛河区民政局"
        assert [m.id for m in catalogue.matters_of("湛河区民政局")] == ["T-2"]

    def test_find_by_id_or_name(self) -> None:
        catalogue = self.catalogue()
        assert [m.id for m in catalogue.find("t-2")] == ["T-2"]
        assert [m.id for m in catalogue.find("事项")] == ["T-1", "T-2"]
        assert catalogue.find("  ") == ()


def test_a_guide_takes_the_defaults_only_for_empty_elements() -> None:
    from zhanhe_counter.domain.matters import MatterGuide

    defaults = MatterGuide(places=("大厅",), office_hours="工作日", max_visits=1)
    own = MatterGuide(office_hours="上午", max_visits=0)
    assert own.filled_from(defaults) == MatterGuide(
        places=("大厅",), office_hours="上午", max_visits=0
    )
    assert MatterGuide().filled_from(defaults) == defaults
