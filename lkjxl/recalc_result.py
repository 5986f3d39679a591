"""What recalculation returns: recomputed values per formula cell, and findings.

Findings are the project's `findings.Finding`, from the one catalogue (the RECALC_*
codes are the ones only recalculation reports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import findings as fd
from .findings import Finding
from .recalc_parse import cell_name
from .recalc_read import BOOL, ERR, NUM, STR
from .xlexpr import XLError

REL_TOL, ABS_TOL = 1e-9, 1e-9
KEPT = ("RECALC_UNSUPPORTED", "RECALC_CIRCULAR")  # cells not recalculated: their cache stays


def finding(code: str, path: Path, sheet: str = "", cell: str = "", value: object = None, **params) -> Finding:
    return fd.make(code, file=path.name, sheet=sheet, cell=cell, value=value, **params)


def show(value) -> str:
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    if isinstance(value, str) and not isinstance(value, XLError):
        return f'"{value}"'
    return "kosong" if value is None else str(value)


@dataclass
class Stats:
    formula_cells: int = 0
    shapes: int = 0
    groups: int = 0
    fallback_cells: int = 0
    unsupported_cells: int = 0
    seconds: float = 0.0


@dataclass
class Result:
    """Recomputed values of a workbook's formula cells, and what recalculation found.

    Values are held as the arrays they were computed in (a national set's results share
    one array per plan); `values` builds the dict on first use.
    """

    path: Path
    findings: list[Finding]
    stats: Stats
    cells: Cells | None = None
    kind: np.ndarray | None = None
    num: np.ndarray | None = None
    txt: np.ndarray | None = None
    _values: dict | None = field(default=None, repr=False)

    @property
    def values(self) -> dict[tuple[str, str], object]:
        """{(sheet, "A1"): value}: float, str, bool or XLError (None: no value could be kept)."""
        if self._values is None:
            self._values = {}
            if self.cells is not None:
                for j, key in enumerate(self.cells.keys()):
                    self._values[key] = python_value(self.kind[j], self.num[j], self.txt[j])
        return self._values

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity in ("warning", "error")]

    def cached(self) -> dict[str, dict[tuple[int, int], tuple[int, float, object]]]:
        """What to write as cached values: per sheet, per 0-based (row, col), (kind, number, text).

        Cells that could not be recalculated are left out: they keep the cache they have.
        """
        kept = {(f.sheet, f.cell) for f in self.findings if f.code in KEPT}
        out: dict[str, dict] = {}
        if self.cells is not None:
            for j, (sheet, cell) in enumerate(self.cells.keys()):
                if (sheet, cell) not in kept:
                    value = (int(self.kind[j]), float(self.num[j]), self.txt[j])
                    out.setdefault(sheet, {})[(int(self.cells.row[j]), int(self.cells.col[j]))] = value
        return out


@dataclass
class Cells:
    """Where a plan's formula cells are (shared by every result of the plan)."""

    sheets: list[str]
    sheet: np.ndarray
    row: np.ndarray
    col: np.ndarray
    _keys: list | None = None

    def keys(self) -> list[tuple[str, str]]:
        if self._keys is None:
            self._keys = [
                (self.sheets[s], cell_name(r, c)) for s, r, c in zip(self.sheet, self.row, self.col, strict=True)
            ]
        return self._keys


def python_value(kind: int, num: float, txt):
    if kind == NUM:
        return float(num)
    if kind == BOOL:
        return bool(num)
    if kind == STR:
        return txt
    if kind == ERR:
        return XLError(txt)
    return None
