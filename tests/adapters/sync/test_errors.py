"""Driver errors become the sync bar's classes, each with a Chinese message for the clerk."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import errors as pg_errors

from zhanhe_counter.adapters.sync.errors import translate_central_error
from zhanhe_counter.services.ports.sync import (
    CentralUnreachable,
    NotAuthorised,
    StationDatabaseMismatch,
    SyncError,
    SyncProblem,
)


def test_a_reused_station_number_is_a_blocking_mismatch() -> None:
    error = translate_central_error(
        pg_errors.UniqueViolation('duplicate key value violates "uq_case_event_origin_origin_seq"')
    )
    assert isinstance(error, StationDatabaseMismatch)
    assert not error.retryable
    assert "联系管理员" in error.user_message


@pytest.mark.parametrize(
    "driver_error",
    [
        pg_errors.InvalidPassword("password authentication failed for user st_zh_01"),
        psycopg.OperationalError('FATAL:  role "st_zh_09" does not exist'),
    ],
)
def test_a_refused_login_is_not_authorised(driver_error: Exception) -> None:
    error = translate_central_error(driver_error)
    assert isinstance(error, NotAuthorised)
    assert error.problem is SyncProblem.NOT_AUTHORISED


@pytest.mark.parametrize(
    "driver_error",
    [
        psycopg.OperationalError("connection refused"),
        pg_errors.AdminShutdown("terminating connection due to administrator command"),
        TimeoutError(),
        ConnectionResetError("reset by peer"),
    ],
)
def test_a_network_failure_is_offline(driver_error: Exception) -> None:
    error = translate_central_error(driver_error)
    assert isinstance(error, CentralUnreachable)
    assert error.retryable
    assert "已保存在本机" in error.user_message


def test_sqlalchemy_wrappers_are_unwrapped_and_anything_else_is_a_sync_error() -> None:
    wrapped = sa.exc.OperationalError("SELECT 1", {}, psycopg.OperationalError("timeout expired"))
    assert isinstance(translate_central_error(wrapped), CentralUnreachable)
    other = translate_central_error(pg_errors.DivisionByZero("division by zero"))
    assert type(other) is SyncError
    assert "division by zero" in str(other)
    assert other.user_message == "与中心同步时出错，稍后会自动重试。"
