"""What every ``zhanhe-admin`` command shares: user errors, JSON output, exit codes."""

from __future__ import annotations

import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_FAILED_CHECK = 1  # the command ran; the thing checked is not valid
EXIT_USER_ERROR = 2  # the command could not run: bad arguments, unreadable file, invalid data


class UserError(Exception):
    """A problem with the administrator's input: printed in Chinese, exit 2, no traceback."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


def print_json(data: Any) -> None:
    """Print one JSON document, keeping Chinese readable."""
    json.dump(data, sys.stdout, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")
