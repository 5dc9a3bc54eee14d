"""Errors a person can meet: a Chinese message for the user, an English one for the log."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the window was broken by the input (业务规则错误).

    ``str(error)`` is the English developer message; ``error.user_message`` is the short Chinese
    sentence shown to the clerk or administrator.
    """

    def __init__(self, message: str, user_message: str) -> None:
        super().__init__(message)
        self.user_message = user_message
