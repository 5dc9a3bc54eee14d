"""The office hours the bureau publishes (办公时间), a small YAML file.

```yaml
sessions:
  - ["08:00", "12:00"]
  - ["14:30", "17:30"]
```

The gaps between sessions are breaks (午休). A broken file is a ``DomainError`` in Chinese.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

import yaml

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.workdays import OfficeHours


def parse_office_hours(text: str, filename: str) -> OfficeHours:
    """Read ``text``; ``filename`` names the file in the message of a problem."""
    try:
        root = yaml.safe_load(text)
        sessions = tuple(
            (time.fromisoformat(str(opens)), time.fromisoformat(str(closes)))
            for opens, closes in root["sessions"]
        )
    except (yaml.YAMLError, TypeError, KeyError, ValueError) as error:
        raise DomainError(
            f"{filename}: office hours unreadable: {error}",
            f'{filename}：办公时间格式错误，应为 sessions: [["08:00", "12:00"], …]',
        ) from error
    return OfficeHours(sessions)


def load_office_hours(path: Path) -> OfficeHours:
    return parse_office_hours(path.read_text(encoding="utf-8"), str(path))
