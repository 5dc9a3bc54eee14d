"""设置新密码: an account the centre created or reset sets its own password before work."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pytestqt.qtbot import QtBot

from zhanhe_counter.composition import Station
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.auth import AuthService
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.dialogs import NewPasswordDialog


def test_the_new_password_is_typed_twice_and_then_works(
    qtbot: QtBot, station: Station, context: CounterContext
) -> None:
    auth: AuthService = context.auth
    record = station.reference.staff("zhangmin")
    assert record is not None
    station.reference.save_staff(replace(record, must_change_password=True))
    assert auth.login("zhangmin", "123456").must_change_password

    dialog = NewPasswordDialog(auth, "zhangmin", "123456")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.first, "only-mine-1")
    qtbot.keyClicks(dialog.second, "only-mine-2")
    dialog.save()
    assert dialog.error.text() == "两次输入的密码不一致。"
    qtbot.keyClicks(dialog.second, "only-mine-1")
    dialog.save()
    assert dialog.result() == NewPasswordDialog.DialogCode.Accepted
    assert not auth.login("zhangmin", "only-mine-1").must_change_password
    with pytest.raises(DomainError):
        auth.login("zhangmin", "123456")
