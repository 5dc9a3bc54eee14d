"""Follow-through storage (回访整改): the steps taken on a 差评, added by ``0004_followthrough``.

Ratings themselves are ``RATED`` events in ``case_event`` (they sync like every event); this
module adds only ``followup_action``, the supervisor's callback / rectification / closing steps,
and the ``FollowupStore`` adapter that reads the ratings straight from the event log.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.tables import UtcDateTime, case_event, metadata
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.followups import FollowupAction, FollowupActionKind, RatingRecord

followup_action = sa.Table(
    "followup_action",
    metadata,
    sa.Column("action_id", sa.Uuid, primary_key=True),
    sa.Column("rating_event_id", sa.Uuid, nullable=False, index=True),
    sa.Column("case_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)


class SqliteFollowupStore:
    """``FollowupStore`` on the station database."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def ratings(self) -> list[RatingRecord]:
        statement = (
            sa.select(case_event)
            .where(case_event.c.kind == EventKind.RATED.value)
            .order_by(case_event.c.occurred_at, case_event.c.event_id)
        )
        with reading(self._engine) as connection:
            return [_rating(row) for row in connection.execute(statement)]

    def record_action(self, action: FollowupAction) -> FollowupAction:
        with storage_errors(), self._engine.begin() as connection:
            stored = connection.execute(
                sa.select(followup_action).where(followup_action.c.action_id == action.action_id)
            ).first()
            if stored is not None:
                return _action(stored)
            connection.execute(
                followup_action.insert().values(
                    action_id=action.action_id,
                    rating_event_id=action.rating_event_id,
                    case_id=action.case_id,
                    kind=action.kind.value,
                    note=action.note,
                    actor=action.actor,
                    at=action.at,
                )
            )
        return action

    def actions(self) -> list[FollowupAction]:
        statement = sa.select(followup_action).order_by(
            followup_action.c.at, followup_action.c.action_id
        )
        with reading(self._engine) as connection:
            return [_action(row) for row in connection.execute(statement)]


def _rating(row: sa.Row[Any]) -> RatingRecord:
    payload = dict(row.payload)
    level = payload.get("level")
    reasons = payload.get("reasons") or []
    return RatingRecord(
        event_id=row.event_id,
        case_id=row.case_id,
        level=level if isinstance(level, int) else 0,
        reasons=tuple(str(r) for r in reasons),
        rated_at=row.occurred_at,
        payload=payload,
    )


def _action(row: sa.Row[Any]) -> FollowupAction:
    return FollowupAction(
        action_id=UUID(str(row.action_id)),
        rating_event_id=UUID(str(row.rating_event_id)),
        case_id=UUID(str(row.case_id)),
        kind=FollowupActionKind(row.kind),
        note=row.note,
        actor=row.actor,
        at=row.at,
    )
