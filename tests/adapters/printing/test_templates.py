"""Templates in forms/: loaded and validated; field values checked before anything is drawn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from zhanhe_counter.adapters.printing.templates import (
    FieldError,
    TemplateError,
    forms_dir,
    load_all,
    load_template,
)
from zhanhe_counter.domain.documents import DocumentKind

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "forms"


def fixture(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def test_every_document_kind_has_a_valid_template_and_fixture() -> None:
    templates = load_all()
    assert set(templates) == {kind.value for kind in DocumentKind}
    for kind in DocumentKind:
        template = templates[kind.value]
        assert template.version >= 1
        assert template.title
        filled = template.check(fixture(kind.value))
        assert all(filled.present(k) for k, f in template.fields.items() if f.required)
    assert templates["thermal_ticket"].paper == "80mm"


def test_refusal_template_carries_the_relief_clause_with_configured_bodies() -> None:
    template = load_all()["refusal_notice"]
    relief = [b for b in template.blocks if b.kind == "relief"]
    assert len(relief) == 1
    filled = template.check(fixture("refusal_notice"))
    text = filled.format(relief[0].spec["text"])
    assert "60日内向平顶山市湛河区人民政府申请行政复议" in text
    assert "6个月内依法向平顶山市卫东区人民法院提起行政诉讼" in text


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
id = "demo"
title = "演示"
version = 2
[fields.name]
label = "姓名"
required = true
max_length = 4
[fields.day]
label = "日期"
type = "date"
[fields.kind]
label = "类别"
choices = ["甲", "乙"]
[fields.id_no]
label = "证件号码"
mask = "id_number"
[fields.rows]
label = "材料"
type = "table"
columns = [{ key = "name", label = "名称", max_length = 5 }]
[[blocks]]
kind = "paragraph"
text = "{name}于{day}"
[[blocks]]
kind = "table"
source = "rows"
"""


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "demo", 'id = "demo"\ntitle = "x"\nversion = \n')
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert "demo.toml" in info.value.user_message
    assert "line 3" in info.value.user_message


def test_unknown_block_kind_names_the_block(tmp_path: Path) -> None:
    path = write(tmp_path, "demo", MINIMAL + '[[blocks]]\nkind = "marquee"\n')
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert "第 3 个内容块（marquee）" in info.value.user_message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('[[blocks]]\nkind = "paragraph"\ntext = "{nobody}"\n', "未声明的字段 nobody"),
        ('[[blocks]]\nkind = "paragraph"\ntext = "{name!r}"\n', "占位符"),
        ('[[blocks]]\nkind = "paragraph"\ntxt = "x"\n', "缺少 text"),
        ('[[blocks]]\nkind = "paragraph"\ntext = "x"\ncolour = 1\n', "未知设置 colour"),
        ('[[blocks]]\nkind = "relief"\ntext = "向{name}申请行政复议"\n', "救济告知"),
        ('[[blocks]]\nkind = "paragraph"\ntext = "{rows}"\n', "表格字段 rows"),
    ],
)
def test_invalid_blocks_are_refused_with_a_clear_reason(
    tmp_path: Path, extra: str, expected: str
) -> None:
    with pytest.raises(TemplateError) as info:
        load_template(write(tmp_path, "demo", MINIMAL + extra))
    assert expected in info.value.user_message


def test_control_characters_are_dropped_and_long_values_kept_for_wrapping(demo: Any) -> None:
    shown = demo.check({"name": "张\x07三\u202e" + "丰" * 30}).shown
    assert shown["name"] == "张三" + "丰" * 30


def test_id_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="id must equal"):
        load_template(write(tmp_path, "other", MINIMAL))


@pytest.fixture
def demo(tmp_path: Path) -> Any:
    return load_template(write(tmp_path, "demo", MINIMAL))


@pytest.mark.parametrize(
    ("values", "key", "message"),
    [
        ({}, "name", "缺失"),
        ({"name": "张" * 81}, "name", "超过 80 字"),
        ({"name": "张三", "day": "2026-13-01"}, "day", "应为日期"),
        ({"name": "张三", "kind": "丙"}, "kind", "只能是"),
        ({"name": "张三", "rows": [{"name": "长" * 101}]}, "rows[1].name", "超过 100 字"),
        ({"name": "张三", "rows": [{"nme": "x"}]}, "rows", "未声明的列"),
        ({"name": "张三", "rows": "x"}, "rows", "应为表格"),
        ({"name": "张三", "nickname": "x"}, "nickname", "不是本文书的字段"),
        ({"name": ["张三"]}, "name", "应为文字"),
    ],
)
def test_missing_or_invalid_field_is_named(
    demo: Any, values: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(FieldError) as info:
        demo.check(values)
    assert info.value.key == key
    assert key.split("[", maxsplit=1)[0] in info.value.user_message
    assert message in info.value.user_message


def test_values_are_shown_in_chinese_form_and_masked(demo: Any) -> None:
    filled = demo.check(
        {
            "name": "张三",
            "day": "2026-11-20",
            "id_no": "410411199001011234",
            "rows": [{"name": "申请书"}],
        }
    )
    assert filled.format("{name}于{day}") == "张三于2026年11月20日"
    assert filled.shown["id_no"] == "410411********1234"
    assert filled.table("rows") == [["申请书"]]
    assert not filled.present("kind")


def test_placeholder_syntax_in_user_values_is_not_expanded(demo: Any) -> None:
    filled = demo.check({"name": "{d}", "day": "2026-11-20"})
    assert filled.format("{name}") == "{d}"


def test_shipped_forms_directory_is_at_the_project_top() -> None:
    assert (forms_dir() / "acceptance_notice.toml").is_file()
