"""Loading the catalogue: the packaged sample, and every kind of problem with its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zhanhe_counter.adapters.catalogue import (
    CatalogueInvalid,
    CatalogueProblem,
    load_catalogue,
    yamlfile,
)
from zhanhe_counter.domain.matters import (
    HandleKind,
    MaterialType,
    Medium,
    Necessity,
    OriginalHandling,
    ProvenanceStatus,
    WindowFlow,
)
from zhanhe_counter.domain.workdays import TimeLimit, TimeUnit

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
SAMPLE = RESOURCES / "catalogue" / "sample-matters.yaml"
DEPARTMENTS = RESOURCES / "catalogue" / "departments.yaml"
SHARED_ORIGINAL = Path("/work/shared/catalogue/sample-matters.yaml")

GOOD_MATTER = """\
  - id: T-1
    name: 测试事项
    matter_type: "01"
    department: 湛河区测试局
    window_flow: 当场收件
    handle_kind: 承诺件
    legal_limit: {value: 20, unit: 工作日}
    promised_limit: {value: 10, unit: 工作日, illustrative: true}
    materials:
      - {name: 申请书, material_type: 原件, original_handling: collect, original_count: 1, copy_count: 0, medium: 纸质}
"""  # noqa: E501


def write(tmp_path: Path, text: str, name: str = "catalogue.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, **kwargs: Path) -> list[CatalogueProblem]:
    with pytest.raises(CatalogueInvalid) as raised:
        load_catalogue(path, **kwargs)
    assert raised.value.user_message.startswith(f"文件 {path}")
    return list(raised.value.problems)


def lines(problems: list[CatalogueProblem]) -> dict[int, str]:
    return {p.line: p.message for p in problems}


class TestSample:
    def test_packaged_sample_is_the_original_plus_guide_elements(self) -> None:
        """Only the 办事指南 elements (``guide_defaults``, each ``guide:``) were added to it."""
        if not SHARED_ORIGINAL.exists():
            pytest.skip("shared original not present on this machine")
        packaged = SAMPLE.read_text(encoding="utf-8")
        without_guides = re.sub(r"(?m)^    guide:\n(?:      .*\n)*", "", packaged)
        without_guides = re.sub(r"(?ms)^# 办事指南 defaults.*?\n(?=matters:\n)", "", without_guides)
        assert without_guides == SHARED_ORIGINAL.read_text(encoding="utf-8")
        assert "guide_defaults:" in packaged

    def test_sample_loads_with_every_element(self) -> None:
        loaded = load_catalogue(SAMPLE, departments=DEPARTMENTS)
        assert loaded.warnings == ()
        catalogue = loaded.catalogue
        assert len(catalogue) == 18
        assert catalogue.generated == "2026-11-26"
        assert catalogue.region["division_code"] == "410411"
        food = catalogue.matter("ZH-001")
        assert food.window_flow is WindowFlow.RECEIVE_ON_SPOT
        assert food.handle_kind is HandleKind.PROMISED
        assert food.legal_limit is not None
        assert food.legal_limit.value == 10
        assert food.promised_limit == TimeLimit(5, TimeUnit.WORKING_DAY)
        assert food.illustrative_fields == frozenset({"promised_limit"})
        assert food.special_procedures == ("现场核查",)
        assert food.result is not None
        assert food.result.validity == "5年"
        assert food.fee is not None
        assert not food.fee.charged
        assert food.provenance is not None
        assert food.provenance.status is ProvenanceStatus.NATIONAL_RULE
        rules = food.materials[3]
        assert rules.necessity is Necessity.SUPPLY_LATER
        assert rules.rongque_allowed
        proxy = food.materials[4]
        assert proxy.material_type is MaterialType.ORIGINAL_AND_COPY
        assert proxy.original_handling is OriginalHandling.INSPECT_AND_RETURN
        assert proxy.conditional_on == "委托他人办理时"
        assert proxy.is_agent_material
        assert food.materials[1].shared_exempt
        assert food.materials[1].medium is Medium.PAPER_OR_ELECTRONIC

    def test_units_are_kept_as_written(self) -> None:
        catalogue = load_catalogue(SAMPLE).catalogue
        building = catalogue.matter("ZH-010")
        assert building.legal_limit is not None
        assert building.legal_limit.unit is TimeUnit.NATURAL_DAY
        assert building.promised_limit is not None
        assert building.promised_limit.unit is TimeUnit.WORKING_DAY
        assert catalogue.matter("ZH-003").legal_limit is None
        assert catalogue.matter("ZH-012").reconsideration_note is not None
        assert catalogue.matter("ZH-003").matter_type_note is not None
        assert catalogue.matter("ZH-004").provenance is not None
        assert len(catalogue.matter("ZH-004").provenance.sources) == 2  # type: ignore[union-attr]

    def test_departments_carry_contacts_for_every_matter(self) -> None:
        catalogue = load_catalogue(SAMPLE, departments=DEPARTMENTS).catalogue
        for matter in catalogue:
            department = catalogue.department_of(matter)
            assert department is not None, matter.department
            assert department.phones
            assert department.responsible_office
        tobacco = catalogue.department_of(catalogue.matter("ZH-012"))
        assert tobacco is not None
        assert tobacco.vertical


class TestProblems:
    def test_every_problem_is_reported_with_its_line(self, tmp_path: Path) -> None:
        text = (
            "schema_version: 1\nmatters:\n"
            + GOOD_MATTER
            + """\
  - id: T-1
    name: 重复编号
    matter_type: "01"
    department: 湛河区测试局
    window_flow: 当场收件
    handle_kind: 承诺件
    promised_limit: {value: 1, unit: 工作日}
    materials: []
  - id: T-2
    name: 坏事项
    matter_type: "01"
    department: 湛河区测试局
    window_flow: 当天办
    handle_kind: 承诺件
    legal_limit: {value: 5, unit: 工作日}
    promised_limit: {value: 8, unit: 工作日}
    colour: blue
    materials:
      - {name: 甲, material_type: 原件, original_handling: collect, original_count: 一份, copy_count: 0, medium: 纸质}
      - {name: 乙, material_type: 复印件, original_handling: none, original_count: 0, copy_count: 1, medium: 纸质, necessity: 容缺后补}
      - {name: 乙, material_type: 复印件, original_handling: none, original_count: 0, copy_count: 1, medium: 纸质, rongque_allowed: maybe}
  - id: T-3
    matter_type: "01"
    department: 湛河区测试局
    window_flow: 当场收件
    handle_kind: 承诺件
    promised_limit: {value: 8, unit: 周}
    materials:
      - {name: 丙, material_type: 复印件, original_handling: none, original_count: 0, copy_count: 1, medium: 纸质}
  - id: T-4
    name: 承诺超过法定
    matter_type: "01"
    department: 湛河区测试局
    window_flow: 当场收件
    handle_kind: 承诺件
    legal_limit: {value: 5, unit: 工作日}
    promised_limit: {value: 8, unit: 工作日}
    materials:
      - {name: 丁, material_type: 复印件, original_handling: none, original_count: 0, copy_count: 1, medium: 纸质}
      - {name: 丁, material_type: 复印件, original_handling: none, original_count: 0, copy_count: 1, medium: 纸质, necessity: 容缺后补}
"""  # noqa: E501
        )
        path = write(tmp_path, text)
        found = problems_of(path)
        assert all(p.file == str(path) for p in found)
        by_line = lines(found)
        assert "T-1 重复" in by_line[13]
        assert "window_flow" in by_line[25]
        assert "当天办" in by_line[25]
        assert "original_count" in by_line[31]
        assert "一份" in by_line[31]
        assert "rongque_allowed" in by_line[33]
        assert "maybe" in by_line[33]
        assert "缺少必填项“name”" in by_line[34]
        assert "unit" in by_line[39]
        assert "周" in by_line[39]
        assert "超过法定时限" in by_line[49]
        assert [p.line for p in found] == sorted(p.line for p in found)
        rule_messages = [p.message for p in found if p.line == 52]
        assert any("重复" in m for m in rule_messages)
        assert any("rongque_allowed 必须为 true" in m for m in rule_messages)
        # T-2's own rule violations are not checked while its fields are broken; T-4's are.
        assert len(found) == 9

    def test_legal_basis_is_read_as_printed(self, tmp_path: Path) -> None:
        basis = '    legal_basis: ["《测试条例》第五条", "《测试办法》"]\n'
        text = "schema_version: 1\nmatters:\n" + GOOD_MATTER.replace(
            "    window_flow:", basis + "    window_flow:"
        )
        loaded = load_catalogue(write(tmp_path, text))
        assert loaded.warnings == ()
        assert loaded.catalogue.matter("T-1").legal_basis == ("《测试条例》第五条", "《测试办法》")

    def test_unknown_keys_and_codes_are_warnings(self, tmp_path: Path) -> None:
        text = "schema_version: 1\nextra: 1\nmatters:\n" + GOOD_MATTER.replace(
            '"01"', '"31"\n    colour: blue'
        ).replace("materials:\n      - ", "materials: []\n    x_materials:\n      - ")
        loaded = load_catalogue(write(tmp_path, text))
        messages = {w.line: w.message for w in loaded.warnings}
        assert "extra" in messages[2]
        assert "31" in messages[6]
        assert "colour" in messages[7]
        assert "没有申请材料" in messages[13]
        assert "x_materials" in messages[14]
        assert len(loaded.catalogue) == 1

    def test_yaml_syntax_error_points_at_its_line(self, tmp_path: Path) -> None:
        path = write(tmp_path, "schema_version: 1\nmatters:\n  - {id: T-1, name: [x\n  - id: 2\n")
        (problem,) = problems_of(path)
        assert problem.message.startswith("YAML 格式错误")
        assert problem.line in (3, 4)

    @pytest.mark.parametrize(
        ("text", "words", "line"),
        [
            ("", "文件为空", 0),
            ("- a\n- b\n", "应为键值映射", 1),
            ("schema_version: 2\nmatters: []\n", "不支持的目录格式版本 2", 1),
            ("schema_version: 1\nmatters: {}\n", "matters应为列表", 2),
            ("schema_version: 1\nmatters: []\n", "目录中没有事项", 2),
            ("schema_version: 1\n", "缺少必填项“matters”", 1),
            ("schema_version: 1\nschema_version: 1\nmatters: []\n", "重复", 2),
            ("schema_version: 1\n[a]: 1\nmatters: []\n", "键应为文字", 2),
            ("schema_version: 1\nregion: [a]\nmatters: []\n", "region 应为键值映射", 2),
            ("schema_version: x\nmatters: []\n", "应为整数", 1),
            ("schema_version:\nmatters: []\n", "不能为空", 1),
        ],
    )
    def test_file_level_problems(self, tmp_path: Path, text: str, words: str, line: int) -> None:
        found = problems_of(write(tmp_path, text))
        assert any(words in p.message and p.line == line for p in found), found

    def test_field_type_problems(self, tmp_path: Path) -> None:
        matter = (
            GOOD_MATTER.replace("name: 测试事项", "name: ''")
            .replace("window_flow: 当场收件", "window_flow: [当场收件]")
            .replace("handle_kind: 承诺件", "handle_kind:")
            .replace("legal_limit: {value: 20, unit: 工作日}", "legal_limit: 20")
        )
        text = (
            "schema_version: 1\nmatters:\n"
            + matter
            + "    fee: {charged: 1}\n    result: {name: 证, type: ''}\n"
            "    provenance: {status: rumour}\n    special_procedures: [[a]]\n"
        )
        by_line = lines(problems_of(write(tmp_path, text)))
        assert "name”不能为空" in by_line[4]
        assert "window_flow”应为文字" in by_line[7]
        assert "handle_kind”不能为空" in by_line[8]
        assert "legal_limit应为键值映射" in by_line[9]
        assert "charged”应为 true 或 false" in by_line[13]
        assert "type”不能为空" in by_line[14]
        assert "rumour" in by_line[15]
        assert "每一项应为文字" in by_line[16]

    def test_materials_must_be_a_list_of_mappings(self, tmp_path: Path) -> None:
        text = "schema_version: 1\nmatters:\n" + GOOD_MATTER.replace(
            "materials:\n      - {", "materials:\n      - just text\n      - {"
        )
        by_line = lines(problems_of(write(tmp_path, text)))
        assert "第 1 项材料应为键值映射" in by_line[12]

    def test_a_matter_that_is_not_a_mapping(self, tmp_path: Path) -> None:
        by_line = lines(problems_of(write(tmp_path, "schema_version: 1\nmatters:\n  - T-1\n")))
        assert "事项应为键值映射" in by_line[3]

    def test_aliases_are_refused_instead_of_multiplying_work(self, tmp_path: Path) -> None:
        text = (
            "schema_version: 1\nmatters:\n"
            + GOOD_MATTER.replace("materials:\n      - {", "materials: &m\n      - {")
            + GOOD_MATTER.replace("T-1", "T-2").replace(
                "materials:\n      - {name: 申请书, material_type: 原件, original_handling: collect, original_count: 1, copy_count: 0, medium: 纸质}",  # noqa: E501
                "materials: *m",
            )
        )
        found = problems_of(write(tmp_path, text))
        assert any("别名" in p.message for p in found)

    def test_billion_laughs_finishes_quickly(self, tmp_path: Path) -> None:
        rows = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
        rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
        text = "schema_version: 1\n" + "\n".join(rows) + "\nmatters: *a11\n"
        found = problems_of(write(tmp_path, text))
        # Nine 10^11-element expansions would never finish; the walk sees each node once.
        assert 0 < len(found) <= 9


class TestFiles:
    def test_binary_file(self, tmp_path: Path) -> None:
        path = tmp_path / "x.yaml"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
        (problem,) = problems_of(path)
        assert problem.message == "不是文本文件（含有二进制内容）"

    def test_not_utf8_reports_the_line(self, tmp_path: Path) -> None:
        path = tmp_path / "gbk.yaml"
        path.write_bytes("schema_version: 1\nmatters:\n  - name: 测试\n".encode("gbk"))
        (problem,) = problems_of(path)
        assert problem.line == 3
        assert "UTF-8" in problem.message

    def test_missing_file(self, tmp_path: Path) -> None:
        (problem,) = problems_of(tmp_path / "nope.yaml")
        assert problem.line == 0
        assert "无法读取" in problem.message

    def test_huge_file_is_refused_before_parsing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(yamlfile, "MAX_FILE_BYTES", 10)
        (problem,) = problems_of(write(tmp_path, "schema_version: 1\nmatters: []\n"))
        assert "文件过大" in problem.message

    def test_utf8_bom_is_accepted(self, tmp_path: Path) -> None:
        path = tmp_path / "bom.yaml"
        path.write_bytes(("schema_version: 1\nmatters:\n" + GOOD_MATTER).encode("utf-8-sig"))
        assert len(load_catalogue(path).catalogue) == 1

    def test_problem_prints_as_file_line_message(self) -> None:
        assert str(CatalogueProblem("a.yaml", 7, "坏了")) == "a.yaml:7: 坏了"


class TestDepartments:
    def test_section_inside_the_catalogue(self, tmp_path: Path) -> None:
        text = (
            "schema_version: 1\ndepartments:\n"
            "  - {name: 湛河区测试局, responsible_office: 审批股,"
            " contact_person: 王, phones: 0375-1}\n"
            "matters:\n" + GOOD_MATTER
        )
        loaded = load_catalogue(write(tmp_path, text))
        assert loaded.warnings == ()
        department = loaded.catalogue.departments["湛河区测试局"]
        assert department.phones == ("0375-1",)

    def test_missing_contacts_and_unregistered_departments_warn(self, tmp_path: Path) -> None:
        departments = write(
            tmp_path, "schema_version: 1\ndepartments:\n  - {name: 别的局}\n", "departments.yaml"
        )
        loaded = load_catalogue(
            write(tmp_path, "schema_version: 1\nmatters:\n" + GOOD_MATTER),
            departments=departments,
        )
        messages = [str(w) for w in loaded.warnings]
        assert any("departments.yaml:3:" in m and "第十一条" in m for m in messages)
        assert any("catalogue.yaml:6:" in m and "未登记" in m for m in messages)

    def test_department_file_errors_are_reported_with_that_file(self, tmp_path: Path) -> None:
        departments = write(
            tmp_path,
            "schema_version: 3\ndepartments:\n  - {name: 甲}\n  - {name: 甲}\n  - {phones: [1]}\n",
            "departments.yaml",
        )
        catalogue = write(
            tmp_path,
            "schema_version: 1\ndepartments:\n  - {name: 甲}\nmatters:\n" + GOOD_MATTER,
        )
        found = problems_of(catalogue, departments=departments)
        text = [str(p) for p in found]
        assert any(t.startswith(f"{departments}:1:") and "版本 3" in t for t in text)
        assert any(t.startswith(f"{departments}:4:") and "重复" in t for t in text)
        assert any(t.startswith(f"{departments}:5:") and "name" in t for t in text)
        assert any(t.startswith(f"{catalogue}:3:") and "重复" in t for t in text)

    @pytest.mark.parametrize("text", ["", "[1]\n"])
    def test_unreadable_department_file(self, tmp_path: Path, text: str) -> None:
        departments = write(tmp_path, text, "departments.yaml")
        catalogue = write(tmp_path, "schema_version: 1\nmatters:\n" + GOOD_MATTER)
        found = problems_of(catalogue, departments=departments)
        assert found[0].file == str(departments)

    def test_empty_name_is_skipped_with_an_error(self, tmp_path: Path) -> None:
        departments = write(
            tmp_path,
            "schema_version: 1\ndepartments:\n  - {name: ''}\n  - [x]\n",
            "departments.yaml",
        )
        catalogue = write(tmp_path, "schema_version: 1\nmatters:\n" + GOOD_MATTER)
        by_line = lines(problems_of(catalogue, departments=departments))
        assert "不能为空" in by_line[3]
        assert "应为键值映射" in by_line[4]


class TestGuide:
    """The 办事指南 elements: a matter's own, else the catalogue's defaults."""

    def test_sample_matters_carry_their_guide(self) -> None:
        catalogue = load_catalogue(SAMPLE, departments=DEPARTMENTS).catalogue
        for matter in catalogue:
            assert matter.guide.conditions, matter.id
            assert matter.guide.steps, matter.id
            assert matter.guide.places, matter.id
            assert matter.guide.office_hours, matter.id
            assert "12345政务服务便民热线" in matter.guide.complaint
        building = catalogue.matter("ZH-010").guide
        assert any("《建筑法》第八条" in line for line in building.conditions)
        assert catalogue.matter("ZH-018").guide.delivery == ("当场在户口簿上登记",)
        assert catalogue.matter("ZH-001").guide.delivery == ("窗口领取", "邮寄送达")

    def test_defaults_fill_only_what_a_matter_leaves_empty(self, tmp_path: Path) -> None:
        text = (
            "schema_version: 1\n"
            "guide_defaults: {office_hours: 工作日, max_visits: 1, places: [一楼大厅]}\n"
            "matters:\n"
            + GOOD_MATTER
            + "    guide: {office_hours: 周一至周五上午, max_visits: 0,\n"
            + "            conditions: [年满十八周岁]}\n"
        )
        guide = load_catalogue(write(tmp_path, text)).catalogue.matter("T-1").guide
        assert guide.office_hours == "周一至周五上午"
        assert guide.max_visits == 0
        assert guide.places == ("一楼大厅",)
        assert guide.conditions == ("年满十八周岁",)

    def test_wrong_guide_values_are_reported_with_their_line(self, tmp_path: Path) -> None:
        text = (
            "schema_version: 1\nmatters:\n"
            + GOOD_MATTER
            + "    guide:\n      max_visits: 12\n      steps: {a: 1}\n      colour: red\n"
        )
        path = write(tmp_path, text)
        found = lines(problems_of(path))
        assert "到办事现场次数 12 应在 0 到 9 之间" in found[14]
        assert "steps" in found[15]
