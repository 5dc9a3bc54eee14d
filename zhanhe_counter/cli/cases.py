"""``zhanhe-admin cases``: the cases this station holds, for the administrator and scripts.

One row per case: number, matter, department, hall, state and the station that opened it. The
list comes from the local status projection; nothing personal beyond what the case list shows.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from zhanhe_counter.cli.common import EXIT_OK, UserError, print_json

_MAX = 100_000


def register(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("cases", help="列出本机保存的办件（编号、事项、部门、场所、状态）")
    parser.add_argument("--state", metavar="S", help="只列出该状态的办件，如 received、accepted")
    parser.add_argument("--limit", type=int, default=1000, help="最多列出的办件数（默认 1000）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.paths import resolve_data_dir
    from zhanhe_counter.adapters.storage.database_key import is_demo_folder
    from zhanhe_counter.composition import build_station
    from zhanhe_counter.domain.case import CaseStatus
    from zhanhe_counter.services.ports.storage import CaseQuery

    if not 0 < args.limit <= _MAX:
        raise UserError(f"--limit 须在 1 到 {_MAX} 之间")
    states = {s.value for s in CaseStatus}
    if args.state is not None and args.state not in states:
        raise UserError(f"未知状态“{args.state}”，可用：{'、'.join(sorted(states))}")
    data_dir = resolve_data_dir(args.data_dir, os.environ)
    station = build_station(data_dir, demo=is_demo_folder(data_dir), start_queue=False)
    try:
        summaries = station.store.find_cases(CaseQuery(status=args.state, limit=args.limit))
        here = station.identity
        rows = []
        for summary in summaries:
            matter = station.catalogue.matters.get(summary.matter_id or "")
            status = CaseStatus(summary.status)
            rows.append(
                {
                    "number": summary.case_number,
                    "matter": summary.matter_id,
                    "matter_name": matter.name if matter else None,
                    "department": matter.department if matter else None,
                    "hall": here.window.hall.name
                    if summary.station_id == here.station_id
                    else None,
                    "state": status.value,
                    "state_label": status.label,
                    "station": summary.station_id,
                }
            )
    finally:
        station.close()
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            cells = (
                row["number"] or "-",
                row["state_label"],
                row["matter_name"] or row["matter"],
                row["department"] or "",
                row["station"],
            )
            print("\t".join(str(c) for c in cells))
        print(f"共 {len(rows)} 件")
    return EXIT_OK
