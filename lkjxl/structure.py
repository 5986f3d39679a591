"""Read a workbook's structure (formulas, input cells, names) for its fingerprint.

The template writer fingerprints the same three lists from its in-memory model
(`Book.structure`); computing them again from the file shows whether operators
changed formulas, unlocked cells or names since generation.
"""

from __future__ import annotations

from pathlib import Path

from .book import structure_fingerprint
from .layout import SHEET_META
from .xlexpr import col_letter, quote_sheet


def read_structure(path: Path, wb=None) -> tuple[list[str], list[str], list[str]]:
    """(formulas, unlocked cells, names) in the order `Book.structure` lists them."""
    import openpyxl

    wb = wb or openpyxl.load_workbook(path, data_only=False)
    formulas, inputs = [], []
    for ws in wb.worksheets:
        if ws.title == SHEET_META:
            continue
        cells = sorted(
            ((c.row, c.column, c) for row in ws.iter_rows() for c in row if c.value is not None or c.has_style),
            key=lambda t: (t[0], t[1]),
        )
        for _, _, cell in cells:
            a1 = f"{quote_sheet(ws.title)}!{cell.coordinate}"
            if isinstance(cell.value, str) and cell.data_type == "f":
                formulas.append(f"{a1}={cell.value[1:]}")
            if cell.has_style and not cell.protection.locked:
                inputs.append(a1)
    names = sorted(f"{name}={defn.attr_text}" for name, defn in wb.defined_names.items())
    return formulas, inputs, names


def file_fingerprint(path: Path, wb=None) -> str:
    return structure_fingerprint(read_structure(path, wb))


_FINGERPRINTS: dict[tuple, str] = {}  # a national set shares a handful of layouts


def structure_from_raw(raw) -> str:
    """The fingerprint of a workbook read by `xlsxread` (the reader's fast path), computed once
    per layout: equal sheet layouts and names give equal structure lists."""
    key = (
        tuple((name, sheet.layout) for name, sheet in raw.sheets.items() if name != SHEET_META),
        tuple(sorted(raw.names.items())),
    )
    found = _FINGERPRINTS.get(key)
    if found is None:
        if len(_FINGERPRINTS) > 256:
            _FINGERPRINTS.clear()
        found = _FINGERPRINTS[key] = _structure_from_raw(raw)
    return found


def _structure_from_raw(raw) -> str:
    formulas, inputs = [], []
    for name, sheet in raw.sheets.items():
        if name == SHEET_META:
            continue
        for (r, c), cell in sorted(sheet.cells.items()):
            a1 = f"{quote_sheet(name)}!{col_letter(c)}{r + 1}"
            if cell.formula is not None:
                formulas.append(f"{a1}={cell.formula}")
            if not raw.style(cell).locked:
                inputs.append(a1)
    names = sorted(f"{n}={ref}" for n, ref in raw.names.items())
    return structure_fingerprint((formulas, inputs, names))
