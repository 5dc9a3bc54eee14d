"""Central database errors translated for people (中心库错误分类); docs/sync.md, Push transaction.

Timeouts, refusals and cuts mean *offline* (retry with back-off); a refused login means *not
authorised*; a reused station number means *station database mismatch* (blocking, call the
administrator); anything else is a plain *sync error* with the server's message in the log.
"""

from __future__ import annotations

import psycopg
import sqlalchemy as sa
from psycopg import errors as pg_errors

from zhanhe_counter.services.ports.sync import (
    CentralUnreachable,
    NotAuthorised,
    StationDatabaseMismatch,
    SyncError,
)

_AUTH_STATES = {"28000", "28P01", "42501"}
_UNREACHABLE_STATES = {"57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006"}


def translate_central_error(error: BaseException) -> SyncError:
    """The :class:`SyncError` a person should see for a driver or SQLAlchemy error."""
    original: BaseException = error
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        original = error.orig
    text = str(original).strip().splitlines()[0] if str(original).strip() else repr(original)
    state = getattr(original, "sqlstate", None)
    if isinstance(original, pg_errors.UniqueViolation) and "origin" in str(original):
        return StationDatabaseMismatch(
            f"central already holds another event under this station's number: {text}",
            "本机事件编号与中心记录冲突（本机数据库可能是从备份恢复或复制的），"
            "已停止上传，请立即联系管理员。",
        )
    if (
        state in _AUTH_STATES
        or "password authentication failed" in text
        or ("role" in text and "does not exist" in text)
    ):
        return NotAuthorised(
            f"central refused the station login: {text}",
            "中心拒绝了本站的登录（账号失效或密码错误），请联系管理员重新注册本站。",
        )
    if (
        isinstance(original, psycopg.OperationalError)
        or state in _UNREACHABLE_STATES
        or isinstance(original, (OSError, TimeoutError))
    ):
        return CentralUnreachable(
            f"central unreachable: {text}",
            "暂时连不上中心，数据已保存在本机，网络恢复后会自动上传。",
        )
    return SyncError(f"central error: {text}", "与中心同步时出错，稍后会自动重试。")
