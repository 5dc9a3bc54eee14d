"""``zhanhe-admin cases``: the cases this PC holds — its own and those the centre routed to it.

``cases [--state S] [--json] [--limit N]`` reads the station database: for each case its
number, matter, department (from the catalogue), hall, state, the station that opened it and
its sync state (the worst of its events: 已保存在本机 → 已发送 → 中心已确认, or 中心拒收 /
需处理). The hall of a case this PC opened is this PC's; for a routed case the centre is asked
(one query with the station's own login) and ``hall`` stays ``null`` while it cannot be
reached. DEPARTMENT and HALL are written as ``station register --role`` takes them.
"""

from __future__ import annotations

import argparse
import os
from typing import Any
from uuid import UUID

from zhanhe_counter.cli.common import EXIT_OK, UserError, print_json


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``cases``."""
    parser = sub.add_parser("cases", help="列出本机办件（含中心分派到本机的办件）")
    parser.add_argument("--state", metavar="S", help="只列出该状态的办件，如 received、accepted")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    parser.add_argument("--limit", type=int, default=500, help="最多列出多少件（默认 500）")
    parser.set_defaults(handler=run_cases)


def run_cases(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.paths import local_db_path, resolve_data_dir
    from zhanhe_counter.adapters.storage.database_key import open_station_database
    from zhanhe_counter.domain.case import CaseStatus

    states = {s.value for s in CaseStatus}
    if args.state is not None and args.state not in states:
        raise UserError(f"未知状态“{args.state}”，可用：{'、'.join(sorted(states))}")
    data_dir = resolve_data_dir(args.data_dir, os.environ)
    if not local_db_path(data_dir).exists():
        raise UserError(f"本机数据库不存在：{local_db_path(data_dir)}。")
    engine = open_station_database(data_dir)
    try:
        rows = _cases(engine, max(1, args.limit), args.state)
    finally:
        engine.dispose()
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(
                f"{row['number'] or '（咨询）'}  {row['matter'] or ''}  "
                f"{row['department'] or ''}  {row['hall'] or ''}  {row['state_label']}  "
                f"{row['opened_by']}  {row['sync_label']}"
            )
        print(f"共 {len(rows)} 件。")
    return EXIT_OK


def _cases(engine: Any, limit: int, state: str | None = None) -> list[dict[str, Any]]:
    from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
    from zhanhe_counter.adapters.storage.sync_status import SqliteSyncStatus
    from zhanhe_counter.adapters.sync.station_config import load_config
    from zhanhe_counter.composition import station_catalogue, station_places
    from zhanhe_counter.domain.case import CaseStatus
    from zhanhe_counter.services.ports.storage import CaseQuery

    config = load_config(engine)
    station_id = config.station_id if config else _setting(engine, "station_id")
    store = SqliteEventStore(engine)
    summaries = store.find_cases(CaseQuery(status=state, limit=limit))
    badges = SqliteSyncStatus(engine, station_id or "").case_badges([s.case_id for s in summaries])
    places = station_places(engine)
    catalogue = station_catalogue(engine)
    routed = [s.case_id for s in summaries if s.station_id != station_id]
    central = _central_places(engine, routed) if routed else {}
    rows = []
    for s in summaries:
        department = places.departments.get(s.matter_id or "")
        hall = places.hall if s.station_id == station_id else None
        if s.case_id in central:
            department = central[s.case_id][0] or department
            hall = central[s.case_id][1]
        badge = badges.get(s.case_id)
        try:
            state_label = CaseStatus(s.status).label
        except ValueError:
            state_label = s.status
        rows.append(
            {
                "case_id": str(s.case_id),
                "number": s.case_number,
                "matter": s.matter_id,
                "department": department,
                "hall": hall,
                "state": s.status,
                "state_label": state_label,
                "opened_by": s.station_id,
                "routed": s.station_id != station_id,
                "sync": badge.value if badge else None,
                "sync_label": _BADGE_LABELS.get(badge.value if badge else "", ""),
                "needs_attention": s.needs_attention,
                "service": _service(store.case_state(s.case_id), catalogue),
            }
        )
    return rows


def _service(state: Any, catalogue: Any) -> dict[str, Any]:
    """送达 of the case's notices: each recorded service, and the notices still to be served."""
    from zhanhe_counter.domain.notice_service import unserved
    from zhanhe_counter.services.notice_service import to_serve

    if state is None:
        return {"served": [], "waiting": []}
    return {
        "served": [
            {
                "document": r.document.value,
                "method": r.method.value,
                "waybill": r.waybill,
                "dispatched_on": r.dispatched_on.isoformat() if r.dispatched_on else None,
                "served_on": r.served_on.isoformat() if r.served_on else None,
                "complete": r.complete,
            }
            for r in state.services
        ],
        "waiting": [
            d.value for d in (to_serve(state, catalogue) if catalogue else unserved(state))
        ],
    }


_BADGE_LABELS = {
    "saved_local": "已保存在本机",
    "sent": "已发送",
    "confirmed": "中心已确认",
    "rejected": "中心拒收",
    "needs_attention": "需处理",
}


def _setting(engine: Any, key: str) -> str | None:
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore

    value = SqliteReferenceStore(engine).get_setting(key)
    return None if value is None else str(value)


def _central_places(engine: Any, case_ids: list[UUID]) -> dict[UUID, tuple[str | None, str]]:
    """Department and hall of routed cases as the centre holds them; empty when unreachable."""
    import logging

    from zhanhe_counter.adapters.secrets import KeyringSecretStore
    from zhanhe_counter.adapters.sync.central_client import case_places
    from zhanhe_counter.adapters.sync.station_config import central_login
    from zhanhe_counter.domain.errors import DomainError

    try:
        address = central_login(engine, KeyringSecretStore())
        return case_places(address, case_ids)
    except DomainError as error:
        logging.getLogger(__name__).info("routed cases' places not read: %s", error)
        return {}
