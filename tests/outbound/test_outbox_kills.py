"""Each notice and each rating delivered exactly once, while the runner is killed (SIGKILL) again
and again and the SMS provider and the province fail in every way a link can."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests import pg
from tests.centre_cases import add_matter, add_staff, admin, login_in_role, open_case
from tests.outbound.fake_aliyun import FakeAliyun, random_faults, start_fake
from tests.outbound.test_outbound import decided_and_handed, rated
from zhanhe_counter.adapters.outbound_journal import JsonLinesJournal

pg_cluster = pg.pg_cluster
central_url = pg.central_url

CASES = 30
ROOT = Path(__file__).resolve().parents[2]


def _start(url: str, endpoint: str, folder: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.outbound.outbound_process", url, endpoint, str(folder)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.stdout is not None
    process.stdout.close()


def _open_rows(url: str) -> int:
    with admin(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM outbound_message WHERE state IN ('pending', 'sending')"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_kills_and_faults_deliver_each_message_exactly_once(
    central_url: str, tmp_path: Path
) -> None:
    _soak(central_url, tmp_path, cases=CASES, min_kills=8, alive=(0.2, 1.2))


@pytest.mark.slow
def test_soak_many_kills_exactly_once(central_url: str, tmp_path: Path) -> None:
    _soak(central_url, tmp_path, cases=120, min_kills=30, alive=(0.5, 2.5))


def _soak(
    central_url: str, tmp_path: Path, *, cases: int, min_kills: int, alive: tuple[float, float]
) -> None:
    add_matter(central_url)
    add_staff(central_url)
    expected_sms, expected_ratings = set(), set()
    for n in range(cases):
        case = open_case(central_url)
        decided_and_handed(case)
        rated(case, level=1 + n % 5)
        expected_sms |= {f"sms:accepted:{case.case_id}", f"sms:result_ready:{case.case_id}"}
        expected_ratings.add(f"hcp:{case.events[-1]}")
    login = login_in_role(central_url, "zhanhe_outbound")
    fake = start_fake(FakeAliyun(choose_fault=random_faults(0.35, seed=11)))
    rng = random.Random(5)
    kills = 0
    try:
        deadline = time.monotonic() + 120 + 4 * cases
        # Kill at random moments until everything is through (or the deadline says it hangs).
        while time.monotonic() < deadline:
            process = _start(login, fake.endpoint, tmp_path)
            time.sleep(rng.uniform(*alive))
            _kill(process)
            kills += 1
            if kills >= min_kills and _open_rows(central_url) == 0:
                break
        # A last run without kills finishes whatever the kills left in doubt.
        process = _start(login, fake.endpoint, tmp_path)
        while _open_rows(central_url) and time.monotonic() < deadline + 300:
            time.sleep(0.2)
        _kill(process)
    finally:
        fake.stop()

    assert _open_rows(central_url) == 0
    with admin(central_url) as conn:
        states = dict(
            conn.execute("SELECT state, count(*) FROM outbound_message GROUP BY state").fetchall()
        )
        retried = conn.execute(
            "SELECT count(*) FROM outbound_message WHERE attempts > 1"
        ).fetchone()
    assert states == {"sent": len(expected_sms) + len(expected_ratings)}
    sms_counts = Counter(fake.state.keys())
    assert set(sms_counts) == expected_sms
    assert max(sms_counts.values()) == 1, [k for k, v in sms_counts.items() if v > 1]
    province = Counter(r["key"] for r in JsonLinesJournal(tmp_path / "province.jsonl").records())
    assert set(province) == expected_ratings
    assert max(province.values()) == 1
    # The faults and kills did bite: messages were retried and some were found in doubt.
    assert kills >= min_kills
    assert retried is not None
    assert retried[0] > 0
    assert fake.state.query_calls > 0
    assert fake.state.bad_signatures == 0
    print(
        f"\nkills={kills} sms={len(expected_sms)} ratings={len(expected_ratings)} "
        f"sms_send_calls={fake.state.send_calls} queries={fake.state.query_calls} "
        f"retried_messages={retried[0]}"
    )
