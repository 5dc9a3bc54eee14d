"""The override table loader: the packaged file, and every problem reported with its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from zhanhe_counter.adapters.calendar import (
    OverrideFileError,
    OverrideType,
    default_overrides_path,
    load_overrides,
    parse_overrides,
)
from zhanhe_counter.domain.errors import DomainError

URL = "https://www.gov.cn/zhengce/content/202511/content_7047090.htm"


def row(day: str, kind: str = "holiday", **extra: str) -> str:
    fields = {"date": day, "type": kind, "name": "元旦", "source": URL, "entered_by": "张三"}
    fields.update(extra)
    return "  - {" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}\n"


def test_packaged_table_holds_the_2026_arrangement_only() -> None:
    table = load_overrides(default_overrides_path())
    assert table.complete_years == frozenset({2026})
    assert len(table.days) == 39
    assert {day.year for day in table.days} == {2026}
    makeup = sorted(
        day for day, entry in table.days.items() if entry.type is OverrideType.MAKEUP_WORKDAY
    )
    assert makeup == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    national_day = table.get(date(2026, 10, 10))
    assert national_day is not None
    assert national_day.name == "国庆节"
    assert national_day.is_workday
    assert national_day.source == URL
    assert (
        default_overrides_path()
        .read_text(encoding="utf-8")
        .splitlines()[national_day.line - 1]
        .startswith("  - {date: 2026-10-10")
    )


def test_a_clean_file_parses_rows_with_their_lines() -> None:
    text = (
        "complete_years: [2027]\ndays:\n" + row("2027-01-01") + row("2027-02-06", "makeup_workday")
    )
    table = parse_overrides(text, "h.yaml")
    entry = table.get(date(2027, 2, 6))
    assert entry is not None
    assert (entry.type, entry.line, entry.entered_by) == (OverrideType.MAKEUP_WORKDAY, 4, "张三")
    assert table.get(date(2027, 1, 2)) is None


def test_an_empty_file_is_an_empty_table() -> None:
    table = parse_overrides("# nothing yet\n", "h.yaml")
    assert table.days == {}
    assert table.complete_years == frozenset()


def test_every_problem_is_reported_with_file_and_line() -> None:
    text = (
        "complete_years: [2027, twenty]\n"  # 1
        "days:\n"  # 2
        + row("2027-13-01")  # 3 bad date
        + row("2027-01-01", "vacation")  # 4 bad type
        + "  - {date: 2027-01-02, name: 元旦}\n"  # 5 missing type, source, entered_by
        + row("2027-01-03", colour="red")  # 6 unknown key
        + row("2027-01-04")  # 7 fine
        + row("2027-01-04")  # 8 duplicate date
        + row("2027-01-05", source="国办发明电")  # 9 not a URL
        + row("2027-01-06", name="''")  # 10 empty name
        + "  - just text\n"  # 11 not a mapping
        + row("20270107")  # 12 not ISO with dashes
        + "  - {date: 2027-01-08, date: 2027-01-09, type: holiday, name: a, source: "
        + URL
        + ", entered_by: b}\n"  # 13 repeated key
        + "  - {date: [2027-01-10], type: holiday, name: a, source: "
        + URL
        + ", entered_by: b}\n"  # 14 date not text
        + "extra: 1\n"  # 15 unknown top-level key
    )
    with pytest.raises(OverrideFileError) as raised:
        parse_overrides(text, "h.yaml")
    problems = raised.value.problems
    lines = [int(problem.split(":")[1]) for problem in problems]
    assert lines == sorted(lines)
    assert lines == [1, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15]
    assert all(problem.startswith("h.yaml:") for problem in problems)
    joined = "\n".join(problems)
    for expected in (
        "年份",
        "2027-13-01",
        "vacation",
        "缺少 type、source、entered_by",
        "colour",
        "第 7 行",
        "网址",
        "name 应为非空",
        "每一行",
        "20270107",
        "重复",
        "date 应为非空",
        "extra",
    ):
        assert expected in joined
    assert isinstance(raised.value, DomainError)
    assert raised.value.user_message.startswith("节假日表有 13 处错误")
    assert "h.yaml:4: bad type 'vacation'" in str(raised.value)


def test_complete_year_without_rows_is_a_problem_on_a_clean_file() -> None:
    text = "complete_years:\n  - 2026\n  - 2027\ndays:\n" + row("2026-01-01")
    with pytest.raises(OverrideFileError) as raised:
        parse_overrides(text, "h.yaml")
    assert raised.value.problems == (
        "h.yaml:3: complete_years 列出了 2027 年，但表中没有该年的日期",
    )


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("days:\n  - {date: 2027-01-01\n", 3, "YAML 格式错误"),
        ("- 2027-01-01\n", 1, "顶层"),
        ("days: {date: 2027-01-01}\n", 1, "days 应为"),
        ("complete_years: 2027\n", 1, "complete_years 应为"),
    ],
)
def test_structural_problems_point_at_the_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(OverrideFileError) as raised:
        parse_overrides(text, "h.yaml")
    assert raised.value.problems[0].startswith(f"h.yaml:{line}: ")
    assert fragment in raised.value.problems[0]


def test_missing_and_unreadable_files_are_domain_errors(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as missing:
        load_overrides(tmp_path / "nope.yaml")
    assert missing.value.user_message.startswith("找不到节假日表")
    with pytest.raises(DomainError) as unreadable:
        load_overrides(tmp_path)
    assert unreadable.value.user_message.startswith("无法读取节假日表")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(DomainError, match="cannot read"):
        load_overrides(binary)
