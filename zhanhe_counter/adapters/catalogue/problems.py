"""Problems found in a catalogue or window configuration file, each with its file and line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zhanhe_counter.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class CatalogueProblem:
    """One problem in a file: ``FILE:LINE: message`` (line 1-based; 0 when the whole file), or
    ``FILE:ROW:COLUMN: message`` in a spreadsheet."""

    file: str
    line: int
    message: str
    #: The spreadsheet column (``C``) when the file is a sheet; ``line`` is then its row.
    column: str | None = None

    def __str__(self) -> str:
        if self.column is not None:
            return f"{self.file}:{self.line}:{self.column}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class CatalogueInvalid(DomainError):
    """A catalogue or window file has errors; ``problems`` lists every one of them."""

    def __init__(self, file: str, problems: Sequence[CatalogueProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            f"{file}: {len(self.problems)} problem(s) in catalogue file",
            f"文件 {file} 有 {len(self.problems)} 处错误，第一处：{self.problems[0]}"
            if self.problems
            else f"文件 {file} 无效",
        )
        self.file = file
