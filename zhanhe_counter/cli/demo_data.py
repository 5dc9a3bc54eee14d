"""``zhanhe-admin demo-data``: synthetic cases recorded through the real services.

For training, demos and benchmarks: every case goes through ``IntakeService.commit`` exactly as a
clerk's would (checklist, numbering, events, projection), so what it makes is what the counter
makes. The applicants are invented; their identity numbers carry valid check characters.
"""

from __future__ import annotations

import argparse
import os
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.adapters.paths import resolve_data_dir
from zhanhe_counter.cli.common import EXIT_OK, UserError, print_json
from zhanhe_counter.composition import DEMO_STAFF, build_station
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.checklist import ApplicantSituation, MaterialRecord, Outcome
from zhanhe_counter.domain.identity import mod11_2_check_char
from zhanhe_counter.services.intake import IntakeRefused, IntakeRequest, new_action
from zhanhe_counter.services.station import Staff

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "䶮")
_MAX_CASES = 100_000


class _SteppingClock:
    """Office-hours times through one day, a little later for every case."""

    def __init__(self, day: date) -> None:
        self.current = datetime.combine(day, time(8, 30), CHINA_TIME)

    def now(self) -> datetime:
        return self.current

    def step(self, rng: random.Random) -> None:
        self.current += timedelta(seconds=rng.randint(20, 240))


def register(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("demo-data", help="用真实业务流程生成演示办件")
    parser.add_argument("--cases", type=int, required=True, help="生成的办件数")
    parser.add_argument("--date", help="收件日期 YYYY-MM-DD（默认今天）")
    parser.add_argument("--seed", type=int, default=2026, help="随机种子（可重复生成）")
    parser.add_argument(
        "--no-documents",
        action="store_true",
        help="不生成文书（默认像柜台一样为每件生成文书并放入打印队列）",
    )
    parser.set_defaults(handler=_demo_data)


def _demo_data(args: argparse.Namespace) -> int:
    if not 0 < args.cases <= _MAX_CASES:
        raise UserError(f"办件数须在 1 到 {_MAX_CASES} 之间")
    try:
        day = date.fromisoformat(args.date) if args.date else datetime.now(CHINA_TIME).date()
    except ValueError:
        raise UserError(f"日期格式应为 YYYY-MM-DD：{args.date}") from None
    data_dir = resolve_data_dir(args.data_dir, os.environ)
    rng = random.Random(args.seed)
    clock = _SteppingClock(day)
    station = build_station(Path(data_dir), demo=True, clock=clock, start_queue=False)
    outcomes: dict[str, int] = {}
    refused = 0
    queued = 0
    try:
        matters = [
            m for m in station.catalogue.matters.values() if station.identity.window.handles(m)
        ]
        for _ in range(args.cases):
            clock.step(rng)
            staff_id, name, _roles = rng.choice(DEMO_STAFF[:2])
            matter = rng.choice(matters)
            request = IntakeRequest(
                action=new_action(),
                matter_id=matter.id,
                applicant=_applicant(rng),
                records=_records(rng, matter),
                clerk=Staff(staff_id, name),
                situation=ApplicantSituation(),
            )
            try:
                committed = station.intake.commit(request)
            except IntakeRefused:
                refused += 1
                continue
            outcome: Outcome = committed.result.outcome
            outcomes[outcome.value] = outcomes.get(outcome.value, 0) + 1
            if not args.no_documents:
                # As the counter does: the case first, then its documents into the print queue.
                queued += len(
                    station.dispatcher.dispatch(
                        committed,
                        clerk_id=staff_id,
                        clerk_name=name,
                        request_id=committed.events[0].event_id,
                    )
                )
    finally:
        station.close()
    print_json(
        {
            "data_dir": str(data_dir),
            "date": day.isoformat(),
            "cases": sum(outcomes.values()),
            "outcomes": outcomes,
            "refused": refused,
            "documents_queued": queued,
        }
    )
    return EXIT_OK


def _applicant(rng: random.Random) -> Applicant:
    born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 60))
    body = f"410411{born:%Y%m%d}{rng.randint(0, 999):03d}"
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
    phone = f"13{rng.randint(0, 999_999_999):09d}"
    return Applicant(Person(name=name, id_number=body + mod11_2_check_char(body), phone=phone))


def _records(rng: random.Random, matter: Any) -> dict[str, MaterialRecord]:
    """Mostly complete applications; some with one or two materials missing."""
    records = {m.name: MaterialRecord.as_required(m) for m in matter.materials}
    if rng.random() < 0.3:
        for material in rng.sample(list(matter.materials), k=min(2, len(matter.materials))):
            if rng.random() < 0.6:
                records[material.name] = MaterialRecord.missing()
    return records
