"""Test workbooks described as small tables (the pyxform way).

`filled()` generates a filled lkjxl workbook; `edit(path, table)` applies an
operator's edits written as a markdown table:

    | sheet     | cell | value     |
    | Realisasi | J7   | "85,5 %"  |    quoted: text exactly as typed
    | Realisasi | K7   | 100       |    bare number: a number
    | Anggaran  | P9   | ∅         |    ∅: the cell emptied
    | Realisasi | K8   | =1+1      |    leading '=': a formula
"""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl

from lkjxl import definition, synthetic, template

ROOT = Path(__file__).resolve().parent.parent
DEF = definition.load(ROOT / "workbook_templates" / "kabkota-2024.yaml")
SATKER = DEF.find_satker("1971")


def filled(path: Path, seed: int = 3, unit: str | None = None, **kw) -> Path:
    fill = synthetic.random_filling(DEF, random.Random(seed), missing_rate=0, **kw)
    return template.write(DEF, SATKER, path, DEF.unit(unit) if unit else None, fill)


def parse_table(table: str) -> list[tuple[str, str, object]]:
    rows = []
    for line in table.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] in ("sheet", "") or set(cells[0]) <= {"-"}:
            continue
        sheet, cell, text = cells
        rows.append((sheet, cell, _value(text)))
    return rows


class Text(str):
    """A quoted table value: written as text even when it starts with '='."""


def _value(text: str):
    if text == "∅":
        return None
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return Text(text[1:-1])
    if text.startswith("="):
        return text
    try:
        return int(text)
    except ValueError:
        return float(text)


def edit(path: Path, table: str, out: Path | None = None) -> Path:
    """Apply the edits with openpyxl (as a script would) and save to `out` (default: in place)."""
    wb = openpyxl.load_workbook(path)
    for sheet, cell, value in parse_table(table):
        target = wb[sheet][cell]
        target.value = str(value) if isinstance(value, Text) else value
        if isinstance(value, Text):
            target.data_type = "s"
    out = out or path
    wb.save(out)
    return out


def codes_at(data) -> set[tuple[str, str, str]]:
    """(code, sheet, cell) of every finding: what tests assert on."""
    return {(f.code, f.sheet, f.cell) for f in data.findings}


def codes(data) -> set[str]:
    return {f.code for f in data.findings}
