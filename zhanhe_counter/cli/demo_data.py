"""``zhanhe-admin demo_data``: placeholder until its builder fills it in."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this command group to the parser."""
