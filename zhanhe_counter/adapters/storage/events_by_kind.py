"""Case events read across cases by kind (按类型读取办件事件), for lists such as 差评回访.

The status projection (``case_status``) answers "which cases are in this status"; a list built
from one kind of event (every bad rating and its follow-up steps) reads ``case_event`` directly,
in one query, instead of replaying every case.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import reading
from zhanhe_counter.adapters.storage.event_store import row_to_event
from zhanhe_counter.adapters.storage.tables import case_event
from zhanhe_counter.domain.events import CaseEvent, EventKind


class SqliteEventsByKind:
    """``services.followups.EventsByKind`` on the station database."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def events_of_kinds(self, kinds: Collection[EventKind]) -> list[CaseEvent]:
        if not kinds:
            return []
        statement = (
            sa.select(case_event)
            .where(case_event.c.kind.in_([kind.value for kind in kinds]))
            .order_by(case_event.c.case_id, case_event.c.case_pos)
        )
        with reading(self._engine) as connection:
            return [row_to_event(row) for row in connection.execute(statement)]
