"""Benchmarks: parsing a large catalogue against bare ``yaml.load`` of the same file, and the
start-up cost of a large catalogue (its compiled form) against the sample catalogue."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from zhanhe_counter.adapters.catalogue.catalogue_file import read_catalogue

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
    loaded = read_catalogue(path)
    assert len(loaded.catalogue) == matters
    assert loaded.catalogue.matter(f"GEN-{matters - 1:05d}").materials

    def floor() -> None:
        with path.open(encoding="utf-8") as stream:
            yaml.load(stream, Loader=_FastLoader)

    floor_s = best_of(runs, floor)
    ours_s = best_of(runs, lambda: read_catalogue(path))
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


#: One start's catalogue load in a new process, as the composition does it (cache folder from the
#: environment); prints the seconds the load took and the matters loaded.
_START = """
import sys, time
from pathlib import Path
started = time.perf_counter()
from zhanhe_counter.adapters.catalogue import load_catalogue
loaded = load_catalogue(Path(sys.argv[1]), departments=Path(sys.argv[2]))
print(time.perf_counter() - started, len(loaded.catalogue))
"""
DEPARTMENTS = SAMPLE.parent / "departments.yaml"


def start_load(catalogue: Path, cache: Path) -> tuple[float, int]:
    env = {**os.environ, "ZHANHE_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _START, str(catalogue), str(DEPARTMENTS)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, count = done.stdout.split()
    return float(seconds), int(count)


def measure_start(tmp_path: Path, matters: int, runs: int) -> float:
    """The start-up seconds a ``matters``-matter catalogue adds over the sample's (warm cache)."""
    big = tmp_path / "big.yaml"
    generate(big, matters)
    cache = tmp_path / "cache"
    cold, count = start_load(big, cache)  # the first start after a new catalogue compiles it
    assert count == matters
    start_load(SAMPLE, cache)
    big_s = min(start_load(big, cache)[0] for _ in range(runs))
    sample_s = min(start_load(SAMPLE, cache)[0] for _ in range(runs))
    added = big_s - sample_s
    print(
        f"\nBENCH catalogue_start matters={matters} first start (compiling)={cold:.2f}s "
        f"later starts={big_s:.3f}s sample catalogue ({count_sample()} matters)={sample_s:.3f}s "
        f"added={added:.3f}s ratio={big_s / sample_s:.2f} vs the sample; "
        f"{cold / big_s:.0f}x faster than parsing"
    )
    return added


def count_sample() -> int:
    return len(read_catalogue(SAMPLE).catalogue)


@pytest.mark.bench
def test_bench_start_with_large_catalogue_short(tmp_path: Path) -> None:
    """Default suite: 1,000 matters; the compiled form must beat parsing by far."""
    assert measure_start(tmp_path, 1_000, runs=2) < 0.5


@pytest.mark.bench
@pytest.mark.slow
def test_bench_start_with_5000_matters(tmp_path: Path) -> None:
    """The issue's figure: 5,000 matters add under 1 s to start-up over the sample catalogue."""
    assert measure_start(tmp_path, MATTERS, runs=3) < 1.0
