"""Catalogue files are bounded before they cost minutes and gigabytes (issue 18, Deliver 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhanhe_counter.adapters.catalogue import CatalogueInvalid, load_catalogue
from zhanhe_counter.adapters.catalogue.catalogue_file import MAX_LIMIT
from zhanhe_counter.adapters.catalogue.yamlfile import (
    MAX_FILE_BYTES,
    MAX_TEXT_CHARS,
    MAX_YAML_EVENTS,
)
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.domain.workdays import TimeUnit

SAMPLE = (resources_dir() / "catalogue/sample-matters.yaml").read_text(encoding="utf-8")


def _messages(path: Path) -> list[str]:
    with pytest.raises(CatalogueInvalid) as invalid:
        load_catalogue(path)
    return [problem.message for problem in invalid.value.problems]


def test_a_file_above_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(SAMPLE)
        handle.write("#" + "x" * (MAX_FILE_BYTES + 10) + "\n")
    assert any("文件过大" in m for m in _messages(path))


def test_a_file_of_a_million_tiny_items_is_stopped_before_the_tree_is_built(
    tmp_path: Path,
) -> None:
    path = tmp_path / "items.yaml"
    items = ",".join(["1"] * (MAX_YAML_EVENTS + 10))
    path.write_text(f"schema_version: 1\nmatters: [{items}]\n", encoding="utf-8")
    assert path.stat().st_size < MAX_FILE_BYTES
    assert any("内容过多" in m for m in _messages(path))


@pytest.mark.parametrize(("value", "unit"), [(99_999_999, "工作日"), (-1, "日"), (20_000, "小时")])
def test_time_limits_outside_any_rule_are_refused(tmp_path: Path, value: int, unit: str) -> None:
    path = tmp_path / "limit.yaml"
    path.write_text(
        SAMPLE.replace(
            "promised_limit: {value: 5, unit: 工作日, illustrative: true}",
            f"promised_limit: {{value: {value}, unit: {unit}, illustrative: true}}",
            1,
        ),
        encoding="utf-8",
    )
    bound = MAX_LIMIT[TimeUnit(unit)]
    assert any(f"应在 0 到 {bound}" in m for m in _messages(path))


def test_a_field_longer_than_any_text_it_holds_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    name = "食" * (MAX_TEXT_CHARS + 1)
    path.write_text(SAMPLE.replace("name: 食品经营许可", f"name: {name}", 1), encoding="utf-8")
    assert any("过长" in m for m in _messages(path))


def test_the_sample_stays_well_inside_the_bounds() -> None:
    assert load_catalogue(resources_dir() / "catalogue/sample-matters.yaml").catalogue.matters
