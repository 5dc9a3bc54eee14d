"""Loading the window configuration, cross-checked against the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhanhe_counter.adapters.catalogue import (
    CatalogueInvalid,
    CatalogueProblem,
    load_catalogue,
    load_windows,
)
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.windows import ServiceHallLevel, WindowAuthority, WindowKind

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
SAMPLE_WINDOWS = RESOURCES / "windows" / "sample-windows.yaml"

HALLS = """\
schema_version: 1
halls:
  - {id: QZX, name: 湛河区政务服务中心, level: district_centre}
windows:
"""


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(RESOURCES / "catalogue" / "sample-matters.yaml").catalogue


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "windows.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, catalogue: Catalogue) -> dict[int, str]:
    with pytest.raises(CatalogueInvalid) as raised:
        load_windows(path, catalogue)
    found: dict[int, str] = {}
    for problem in raised.value.problems:
        found[problem.line] = found.get(problem.line, "") + problem.message + "；"
    return found


def test_sample_configuration(catalogue: Catalogue) -> None:
    loaded = load_windows(SAMPLE_WINDOWS, catalogue)
    assert loaded.warnings == ()
    directory = loaded.directory
    general = directory.window("QZX-03")
    assert general.kind is WindowKind.UNDIFFERENTIATED
    assert general.hall.level is ServiceHallLevel.DISTRICT_CENTRE
    assert general.authority_for("ZH-016") is WindowAuthority.DECIDE_ON_SPOT
    assert general.authority_for("ZH-009") is WindowAuthority.ACCEPT_ON_SPOT
    market = directory.window("QZX-05")
    assert market.kind is WindowKind.DOMAIN
    assert market.handles(catalogue.matter("ZH-001"))
    assert market.handles(catalogue.matter("ZH-002"))
    assert not general.handles(catalogue.matter("ZH-001"))
    levels = {hall.level for hall in loaded.halls}
    assert levels == set(ServiceHallLevel)
    # Every matter of the sample is handled somewhere.
    assert all(directory.windows_for(m) for m in catalogue)
    assert "5号市场监管综合窗口" in directory.where_handled(
        catalogue.matter("ZH-002"), near=general
    )


def test_cross_check_against_the_catalogue(tmp_path: Path, catalogue: Catalogue) -> None:
    text = HALLS + (
        "  - {id: A, name: A窗口, kind: 无差别, hall: QZX, matters: [ZH-001, ZH-404]}\n"
        "  - {id: B, name: B窗口, kind: 分领域, hall: QZX}\n"
        "  - {id: C, name: C窗口, kind: 分领域, hall: QZX, departments: [不存在的局]}\n"
        "  - {id: D, name: D窗口, kind: 综合, hall: NOPE, default_authority: all}\n"
        "  - id: E\n"
        "    name: E窗口\n"
        "    kind: 无差别\n"
        "    hall: QZX\n"
        "    matters: [ZH-001, ZH-004]\n"
        "    authority: {ZH-404: decide_on_spot, ZH-004: maybe}\n"
        "  - {id: F, name: F窗口, kind: 无差别, hall: QZX, authority: [x]}\n"
    )
    by_line = problems_of(write(tmp_path, text), catalogue)
    assert "ZH-404 不在事项目录中" in by_line[5]
    assert "须在 departments 中写明所属部门" in by_line[6]
    assert "不存在的局" in by_line[7]
    assert "综合" in by_line[8]
    assert "NOPE" in by_line[8]
    assert "all" in by_line[8]
    assert "ZH-404" in by_line[14]
    assert "maybe" in by_line[14]
    assert "映射" in by_line[15]


def test_halls_and_duplicates(tmp_path: Path, catalogue: Catalogue) -> None:
    text = (
        "schema_version: 2\n"
        "halls:\n"
        "  - {id: QZX, name: 中心, level: district_centre}\n"
        "  - {id: QZX, name: 又一个, level: village_station}\n"
        "  - {id: X, name: 坏的, level: city}\n"
        "  - just text\n"
        "windows:\n"
        "  - {id: A, name: A, kind: 分领域, hall: QZX, departments: [湛河区民政局]}\n"
        "  - {id: A, name: A, kind: 分领域, hall: QZX, departments: [湛河区民政局]}\n"
    )
    by_line = problems_of(write(tmp_path, text), catalogue)
    assert "版本 2" in by_line[1]
    assert "QZX 重复" in by_line[4]
    assert "city" in by_line[5]
    assert "应为键值映射" in by_line[6]
    assert "窗口编号 A 重复" in by_line[9]


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "文件为空"), ("[1]\n", "应为键值映射"), ("schema_version: 1\nhalls: []\n", "windows")],
)
def test_broken_files(tmp_path: Path, catalogue: Catalogue, text: str, words: str) -> None:
    found = problems_of(write(tmp_path, text), catalogue)
    assert any(words in message for message in found.values())


def test_warnings(tmp_path: Path, catalogue: Catalogue) -> None:
    text = HALLS + (
        "  - {id: A, name: A, kind: 无差别, hall: QZX, matters: [ZH-001, ZH-001]}\n"
        "  - {id: B, name: B, kind: 无差别, hall: QZX}\n"
        "  - {id: C, name: C, kind: 无差别, hall: QZX, matters: [ZH-003, ZH-004],"
        " authority: {ZH-005: decide_on_spot}}\n"
    )
    loaded = load_windows(write(tmp_path, text), catalogue)
    messages = {w.line: w.message for w in loaded.warnings}
    assert "重复编号" in messages[5] or "只办理一个部门" in messages[5]
    assert "不办理任何事项" in messages[6]
    assert "ZH-005" in messages[7]
    assert all(isinstance(w, CatalogueProblem) for w in loaded.warnings)
    assert len(loaded.warnings) == 4


def test_window_with_empty_id_is_an_error(tmp_path: Path, catalogue: Catalogue) -> None:
    text = HALLS + "  - {id: '', name: A, kind: 无差别, hall: QZX, matters: [ZH-001]}\n"
    assert "不能为空" in problems_of(write(tmp_path, text), catalogue)[5]
