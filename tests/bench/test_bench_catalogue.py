"""Benchmark: loading a 5,000-matter catalogue, against bare ``yaml.load`` of the same file."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from zhanhe_counter.adapters.catalogue import load_catalogue

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "catalogue" / "sample-matters.yaml"
MATTERS = 5_000
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def generate(path: Path, count: int) -> None:
    """The sample's matters repeated under new ids until there are ``count`` of them."""
    text = SAMPLE.read_text(encoding="utf-8")
    head, body = text.split("\nmatters:\n", 1)
    blocks = re.split(r"(?m)^(?=  - id: )", body)
    blocks = [b for b in blocks if b.startswith("  - id: ")]
    out = [head, "\nmatters:\n"]
    for n in range(count):
        block = blocks[n % len(blocks)]
        out.append(re.sub(r"^  - id: \S+", f"  - id: GEN-{n:05d}", block, count=1))
    path.write_text("".join(out), encoding="utf-8")


def best_of(runs: int, action: object) -> float:
    assert callable(action)
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def measure(tmp_path: Path, matters: int, runs: int) -> None:
    path = tmp_path / "big.yaml"
    generate(path, matters)
    loaded = load_catalogue(path)
    assert len(loaded.catalogue) == matters
    assert loaded.catalogue.matter(f"GEN-{matters - 1:05d}").materials

    def floor() -> None:
        with path.open(encoding="utf-8") as stream:
            yaml.load(stream, Loader=_FastLoader)

    floor_s = best_of(runs, floor)
    ours_s = best_of(runs, lambda: load_catalogue(path))
    size_mb = path.stat().st_size / 1e6
    print(
        f"\nBENCH catalogue_load matters={matters} size={size_mb:.1f}MB "
        f"ours={ours_s:.2f}s ({matters / ours_s:,.0f} matters/s) "
        f"floor yaml.load[{_FastLoader.__name__}]={floor_s:.2f}s "
        f"ratio={ours_s / floor_s:.2f} vs bare yaml.load"
    )


@pytest.mark.bench
def test_bench_load_catalogue_short(tmp_path: Path) -> None:
    """The default-suite version: 1,000 matters (≈2.3 MB), one run each."""
    measure(tmp_path, 1_000, runs=1)


@pytest.mark.bench
@pytest.mark.slow
def test_bench_load_5000_matters(tmp_path: Path) -> None:
    """The issue's figure: 5,000 matters (≈11.5 MB), best of two."""
    measure(tmp_path, MATTERS, runs=2)
