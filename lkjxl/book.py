"""An in-memory workbook: cells, styles, names and protection, written by XlsxWriter.

Templates are assembled here first, not streamed into XlsxWriter, for three reasons:
cached formula values are evaluated over the whole model before writing; the
structure fingerprint is computed from the same model a reader will see; and the
order of everything written is fixed, so equal definitions give equal bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from .xlexpr import Expr, Range, XLError, col_letter, quote_sheet

INPUT_FILL = "#FFF2CC"  # the colour every input cell carries; Petunjuk explains it
OTHER_UNIT_FILL = "#EDEDED"

_BASE = {"font_name": "Arial", "font_size": 9, "valign": "top", "border": 1}
STYLES: dict[str, dict] = {
    "text": {"text_wrap": True},
    "plain": {"border": 0},
    "center": {"align": "center"},
    "title": {"bold": True, "font_size": 12, "border": 0},
    "subtitle": {"bold": True, "border": 0},
    "note": {"italic": True, "border": 0, "text_wrap": False},
    "header": {"bold": True, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter", "text_wrap": True},
    "id": {"font_color": "#595959"},
    "number": {"num_format": "#,##0.##"},
    "percent": {"num_format": "0.00%"},
    "capaian": {"num_format": "0.00", "align": "right"},
    "money": {"num_format": "#,##0"},
    "money_bold": {"num_format": "#,##0", "bold": True, "bg_color": "#F2F2F2"},
    "text_bold": {"bold": True, "bg_color": "#F2F2F2", "text_wrap": True},
    "capaian_bold": {"num_format": "0.00", "bold": True, "bg_color": "#F2F2F2"},
    "date": {"num_format": "dd mmmm yyyy"},
    "in_text": {"bg_color": INPUT_FILL, "text_wrap": True},
    "in_number": {"bg_color": INPUT_FILL, "num_format": "#,##0.##"},
    "in_percent": {"bg_color": INPUT_FILL, "num_format": "0.00%"},
    "in_money": {"bg_color": INPUT_FILL, "num_format": "#,##0"},
    "in_date": {"bg_color": INPUT_FILL, "num_format": "dd mmmm yyyy"},
    "in_mark": {"bg_color": INPUT_FILL, "align": "center"},
}
# The same formats greyed, for input cells of rows another unit owns (locked in its workbook).
STYLES |= {
    "other_" + key[3:]: {**spec, "bg_color": OTHER_UNIT_FILL} for key, spec in STYLES.items() if key.startswith("in_")
}


@dataclass
class Cell:
    value: object  # None | str | int | float | Decimal | date | Expr
    style: str = "text"
    input: bool = False


@dataclass
class Validation:
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    options: dict


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    validations: list[Validation] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    hidden_cols: set[int] = field(default_factory=set)
    visibility: str = "visible"  # visible | hidden | very_hidden
    freeze: tuple[int, int] | None = None
    repeat_rows: tuple[int, int] | None = None
    landscape: bool = True
    protect: bool = True

    def put(self, row: int, col: int, value, style: str = "text", input: bool = False) -> None:
        self.cells[(row, col)] = Cell(value, style, input)

    def merge(self, row1: int, col1: int, row2: int, col2: int, value, style: str = "text") -> None:
        self.put(row1, col1, value, style)
        for r in range(row1, row2 + 1):
            for c in range(col1, col2 + 1):
                if (r, c) != (row1, col1):
                    self.cells[(r, c)] = Cell(None, style)
        self.merges.append((row1, col1, row2, col2))

    def validate(self, rng: tuple[int, int, int, int], **options) -> None:
        self.validations.append(Validation(*rng, options))


@dataclass
class Book:
    sheets: list[Sheet] = field(default_factory=list)
    names: dict[str, Range] = field(default_factory=dict)
    properties: dict[str, str | int] = field(default_factory=dict)  # custom document properties
    title: str = ""
    created: datetime = datetime(2000, 1, 1)

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        s = Sheet(name)
        self.sheets.append(s)
        return s

    def name(
        self, name: str, sheet: str, row1: int, col1: int, row2: int | None = None, col2: int | None = None
    ) -> Range:
        """Define a workbook name over a region and return a Range that renders as the name."""
        rng = Range(sheet, row1, col1, row1 if row2 is None else row2, col1 if col2 is None else col2, name)
        self.names[name] = rng
        return rng

    # -- evaluation -------------------------------------------------------------
    def evaluate(
        self,
        inputs: dict[tuple[str, int, int], object] | None = None,
        previous: dict[tuple[str, int, int], object] | None = None,
        changed: Iterable[tuple[str, int, int]] = (),
    ) -> dict[tuple[str, int, int], object]:
        """Value of every formula cell, computed with Excel's semantics.

        `inputs` replaces the values of input cells, so a reader can recompute a
        returned workbook on the template's own model without rebuilding it. With
        `previous` (an earlier result) only the formulas downstream of the `changed`
        input cells are computed again: a second view of the same workbook that
        differs in a few cells costs a few formulas, not all of them.
        """
        index = {s.name: s.cells for s in self.sheets}
        memo: dict[tuple[str, int, int], object] = {}
        if previous is not None:
            stale = self.downstream(changed)
            memo.update({k: v for k, v in previous.items() if k not in stale})
        if inputs:
            memo.update({k: float(v) if isinstance(v, Decimal) else v for k, v in inputs.items()})

        def env(sheet: str, row: int, col: int):
            key = (sheet, row, col)
            if key in memo:
                return memo[key]
            cell = index[sheet].get((row, col))
            value = None if cell is None else cell.value
            if isinstance(value, Expr):
                value = value.eval(env)
            elif isinstance(value, Decimal):
                value = float(value)
            memo[key] = value
            return value

        env.ranges = {}  # per-evaluation caches used by xlexpr (inputs do not change within one)
        env.masks = {}
        return {key: env(*key) for key in self._formula_cells()}

    def _formula_cells(self) -> list[tuple[str, int, int]]:
        return self._derived("_formulas", self._list_formula_cells)

    def _list_formula_cells(self) -> list[tuple[str, int, int]]:
        return [
            (s.name, r, c)
            for s in self.sheets
            for (r, c), cell in sorted(s.cells.items())
            if isinstance(cell.value, Expr)
        ]

    def _derived(self, key: str, build):
        """A value derived from the cells, kept until cells are added (a reader evaluates one Book
        thousands of times; the writer adds cells between evaluations)."""
        size = sum(len(s.cells) for s in self.sheets)
        kept = self.__dict__.get(key)
        if kept is None or kept[0] != size:
            kept = self.__dict__[key] = (size, build())
        return kept[1]

    def _readers(self) -> dict[tuple[str, int, int], list[tuple[str, int, int]]]:
        readers: dict[tuple[str, int, int], list[tuple[str, int, int]]] = {}
        for s in self.sheets:
            for (r, c), cell in s.cells.items():
                if isinstance(cell.value, Expr):
                    for ref in set(cell.value.refs()):
                        readers.setdefault(ref, []).append((s.name, r, c))
        return readers

    def downstream(self, cells: Iterable[tuple[str, int, int]]) -> set[tuple[str, int, int]]:
        """The formula cells that read any of `cells`, directly or through other formulas."""
        readers = self._derived("_readers", self._readers)
        out: set[tuple[str, int, int]] = set()
        todo = list(cells)
        while todo:
            for reader in readers.get(todo.pop(), ()):
                if reader not in out:
                    out.add(reader)
                    todo.append(reader)
        return out

    # -- structure --------------------------------------------------------------
    def fingerprint(self, skip: str = "") -> str:
        """SHA-256 of what a reader must find intact: formulas, input cells and names."""
        return structure_fingerprint(self.structure(skip))

    def structure(self, skip: str = "") -> tuple[list[str], list[str], list[str]]:
        formulas, inputs = [], []
        for s in self.sheets:
            if s.name == skip:
                continue
            for (r, c), cell in sorted(s.cells.items()):
                a1 = f"{quote_sheet(s.name)}!{col_letter(c)}{r + 1}"
                if isinstance(cell.value, Expr):
                    formulas.append(f"{a1}={cell.value.excel(s.name)}")
                if cell.input:
                    inputs.append(a1)
        names = sorted(f"{n}={rng.absolute()}" for n, rng in self.names.items())
        return formulas, inputs, names

    # -- writing ----------------------------------------------------------------
    def save(self, target: Path | BinaryIO) -> None:
        import xlsxwriter

        values = self.evaluate()
        wb = xlsxwriter.Workbook(
            target if not isinstance(target, Path) else str(target),
            {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        wb.set_properties({"created": self.created, "author": "lkjxl", "title": self.title})
        for key, value in self.properties.items():
            wb.set_custom_property(key, value)
        formats = {}
        for key, spec in STYLES.items():
            formats[key] = wb.add_format({**_BASE, **spec, "locked": True})
            formats["+" + key] = wb.add_format({**_BASE, **spec, "locked": False})
        for sheet in self.sheets:
            _write_sheet(wb, sheet, formats, values)
        for name, rng in self.names.items():
            wb.define_name(name, "=" + rng.absolute())
        wb.close()


def structure_fingerprint(structure: tuple[list[str], list[str], list[str]]) -> str:
    """Hash of the structure; sheet-name quoting is dropped because clients differ in it
    (LibreOffice writes `_Daftar!A1` where XlsxWriter wrote `'_Daftar'!A1`)."""
    digest = hashlib.sha256()
    for part in structure:
        for line in sorted(line.replace("'", "") for line in part):
            digest.update(line.encode("utf-8") + b"\n")
        digest.update(b"\x00")
    return digest.hexdigest()


def _write_sheet(wb, sheet: Sheet, formats: dict, values: dict) -> None:
    ws = wb.add_worksheet(sheet.name)
    for col, width in sorted(sheet.widths.items()):
        ws.set_column(col, col, width, None, {"hidden": col in sheet.hidden_cols})
    merged_tops = {(m[0], m[1]): m for m in sheet.merges}
    merged_rest = {(r, c) for m in sheet.merges for r in range(m[0], m[2] + 1) for c in range(m[1], m[3] + 1)} - set(
        merged_tops
    )
    for (r, c), cell in sorted(sheet.cells.items()):
        if (r, c) in merged_rest:
            continue
        fmt = formats[("+" if cell.input else "") + cell.style]
        if (r, c) in merged_tops:
            m = merged_tops[(r, c)]
            ws.merge_range(m[0], m[1], m[2], m[3], "", fmt)
        _write_cell(ws, r, c, cell, fmt, values.get((sheet.name, r, c)), sheet.name)
    for v in sheet.validations:
        ws.data_validation(v.first_row, v.first_col, v.last_row, v.last_col, v.options)
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    if sheet.repeat_rows:
        ws.repeat_rows(*sheet.repeat_rows)
    ws.set_paper(9)  # A4
    if sheet.landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if sheet.protect:
        ws.protect(
            "",
            {"format_columns": True, "format_rows": True, "select_locked_cells": True, "select_unlocked_cells": True},
        )
    if sheet.visibility == "hidden":
        ws.hide()
    elif sheet.visibility == "very_hidden":
        ws.very_hidden()


def _write_cell(ws, r: int, c: int, cell: Cell, fmt, cached, sheet_name: str) -> None:
    value = cell.value
    if isinstance(value, Expr):
        if isinstance(cached, XLError):
            cached = str(cached)
        elif cached is None:
            cached = 0
        ws.write_formula(r, c, "=" + value.excel(sheet_name), fmt, cached)
    elif value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(r, c, float(value), fmt)
    elif isinstance(value, datetime | date):
        ws.write_datetime(
            r, c, value if isinstance(value, datetime) else datetime(value.year, value.month, value.day), fmt
        )
    else:
        ws.write_string(r, c, str(value), fmt)
