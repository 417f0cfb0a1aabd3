"""CSV cells that a spreadsheet cannot run (OWASP "CSV injection"), written once for every
CSV writer of the registry.

A spreadsheet reads a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return
before one) as a formula, which can fetch URLs or run commands. Such a cell is written with a
single quote before it, unless it is a plain number (`+358401234567`, `-5`, `1.5`): digits
alone cannot make a formula, and E.164 phone numbers must reach a sender's tools unchanged.
A cell that already begins with a quote gets one more, so the escape is exactly reversible:
a program reading the CSV back drops one leading `'` from every cell that has one.

The writers end lines with a bare LF, so Python's csv module would leave a lone CR inside a
cell unquoted, and a spreadsheet would start a new row there (whose first cell could be a
formula): a row with a CR in any cell is written with every cell quoted."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"
ESCAPED_STARTS = FORMULA_STARTS | {QUOTE}
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?\Z")


def safe_cell(value: Any) -> Any:
    """The cell as a spreadsheet may open it: a leading `'` where it would run as a formula
    (or begins with `'`); anything that is not a string is returned as it is."""
    if isinstance(value, str) and value[:1] in ESCAPED_STARTS \
            and not _PLAIN_NUMBER.match(value):
        return QUOTE + value
    return value


def has_cr(cells: Iterable[Any]) -> bool:
    return any(isinstance(c, str) and "\r" in c for c in cells)


class SafeWriter:
    """A csv.writer (LF line ends, minimal quoting) whose every cell is `safe_cell`; a row
    with a CR in a cell is written fully quoted."""

    def __init__(self, out: IO[str]) -> None:
        self.plain = csv.writer(out, lineterminator="\n")
        self.quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[Any]) -> None:
        cells = [safe_cell(v) for v in row]
        (self.quoted if has_cr(cells) else self.plain).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
