"""Matter search by Chinese, full pinyin, initials and code; this window's matters first."""

from __future__ import annotations

import pytest

from zhanhe_counter.adapters.catalogue import load_catalogue, load_windows
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.services.matter_search import MatchKind, MatterSearch


@pytest.fixture(scope="module")
def search() -> MatterSearch:
    res = resources_dir()
    catalogue = load_catalogue(
        res / "catalogue/sample-matters.yaml", departments=res / "catalogue/departments.yaml"
    ).catalogue
    directory = load_windows(res / "windows/sample-windows.yaml", catalogue).directory
    return MatterSearch(catalogue, directory.window("QZX-03"), directory)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spjy", "食品经营许可（新办）"),
        ("shipinjingying", "食品经营许可（新办）"),
        ("食品经营", "食品经营许可（新办）"),
        ("zh-001", "食品经营许可（新办）"),
        ("gljt", "高龄津贴申请"),
        ("lnryd", "老年人优待证办理"),
    ],
)
def test_finds_by_name_pinyin_initials_and_code(
    search: MatterSearch, text: str, expected: str
) -> None:
    assert search.search(text)[0].matter.name == expected


def test_not_handled_matter_says_where(search: MatterSearch) -> None:
    hit = search.search("spjy")[0]
    assert not hit.handled_here
    assert hit.where is not None
    assert "5号市场监管综合窗口" in hit.where


def test_own_matters_rank_first(search: MatterSearch) -> None:
    hits = search.search("登记")
    handled = [h.handled_here for h in hits]
    assert handled == sorted(handled, reverse=True)
    assert handled[0]
    assert not handled[-1]


def test_code_match_is_exact_kind(search: MatterSearch) -> None:
    assert search.search("ZH-016")[0].match is MatchKind.CODE


def test_unknown_text_gives_the_closest(search: MatterSearch) -> None:
    hits = search.search("高龄津帖")  # a typo
    assert hits
    assert all(h.match is MatchKind.CLOSEST for h in hits)
    assert hits[0].matter.name == "高龄津贴申请"


def test_nonsense_finds_nothing(search: MatterSearch) -> None:
    assert search.search("qqqqqqqqqqqq") == []
