"""Recompute a template's formulas for many returned workbooks at once.

The reader knows, for every returned workbook, the value of each input cell of the
template it came from. Walking the template's ≈1,500 formulas in Python costs tens of
ms per workbook; the recalculation engine compiles each formula shape of the template
once and evaluates it over all the workbooks of a batch in one numpy call, so a batch
costs a few ms per workbook. One workbook alone goes the same way, so `check a.xlsx`
and `check a.xlsx b.xlsx` compute with the same engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import numpy as np

from . import recalc_read as rr
from .book import Book
from .recalc_cells import excel_serial
from .recalc_plan import SPECIAL, build
from .recalc_read import BLANK, BOOL, ERR, NUM, STR
from .recalc_result import python_value
from .recalc_run import Store, gather, run
from .xlexpr import Expr, XLError

Key = tuple[str, int, int]  # (template sheet, row, col)


class TemplateModel:
    """A template's formulas compiled by the recalculation engine, and the slot of each cell they read."""

    def __init__(self, book: Book):
        engine = engine_book(book)
        self.plan = build(engine, lambda _: None)  # every sheet is in arrays already
        self.base = gather(self.plan, engine)
        plan = self.plan
        keys = [(plan.sheets[s], r, c) for s, r, c in zip(plan.slot_sheet, plan.slot_row, plan.slot_col, strict=True)]
        self.slot = {key: n for n, key in enumerate(keys) if n >= SPECIAL}
        self.formulas = [keys[n] for n in plan.formula_slots.tolist()]
        self.index = {key: n for n, key in enumerate(self.formulas)}  # formula cell → its column in results
        self._tables: dict[object, np.ndarray] = {}
        self._positions: dict[int, tuple[tuple, np.ndarray]] = {}

    def evaluate(self, views: list[tuple[list, dict[Key, object]]]) -> list[Recomputed]:
        """Every formula cell's value for each view: the input cells settled from a table's arrays
        (`Inputs.settled`: blank, or an amount ≥ 0), and the others (input cell → value, as Excel
        computes with it)."""
        w = len(views)
        store = Store(*(np.repeat(a[None, :], w, axis=0) for a in self.base))
        slot = self.slot
        for b, (settled, view) in enumerate(views):
            for table, done, amounts in settled:
                slots = self._slots(table)
                use = done & (slots >= 0)
                at = slots[use]
                store.kind[b, at] = np.where(amounts[use] >= 0, NUM, BLANK)
                store.num[b, at] = np.maximum(amounts[use], 0)
                store.txt[b, at] = None
            found = [(n, value) for n, value in zip(map(slot.get, view), view.values(), strict=True) if n is not None]
            if found:  # an input no formula reads has no slot
                slots, values = zip(*found, strict=True)
                kinds, nums, txts = zip(*map(_encode, values), strict=True)
                at = list(slots)
                store.kind[b, at], store.num[b, at], store.txt[b, at] = kinds, nums, txts
        run(self.plan, store)
        f = self.plan.formula_slots
        kinds, nums, txts = store.kind[:, f], store.num[:, f], store.txt[:, f]
        return [Recomputed(self, kinds[b], nums[b], txts[b]) for b in range(w)]

    def positions(self, keys: tuple[Key, ...]) -> np.ndarray:
        """The column of each formula cell `keys` in the results, -1 for a cell the model lacks.
        Remembered by the tuple's identity (a template's checks pass the same one for every
        workbook): hashing its ≈1,000 keys again for each workbook would cost more than the lookup."""
        held, found = self._positions.get(id(keys), (None, None))
        if held is not keys:
            found = np.array([self.index.get(key, -1) for key in keys], np.int64)
            self._positions[id(keys)] = (keys, found)
        return found

    def _slots(self, table) -> np.ndarray:
        """The slot of each cell of an input table, -1 for a cell no formula reads."""
        found = self._tables.get(table)
        if found is None:
            found = self._tables[table] = np.array([self.slot.get(key, -1) for key in table.keys], np.int64)
        return found


def engine_book(book: Book) -> rr.Book:
    """The template as the recalculation engine reads a workbook file, made from the Book itself:
    every cell the template writes (blanks too: they bound whole-column ranges), each formula's
    text as saved, the defined names. Writing an .xlsx and reading it back cost ≈0.3 s per process,
    paid again by each worker of a national check. Formula cells hold no cached value: the model
    computes every one."""
    sheets = []
    for s in book.sheets:
        items = sorted(s.cells.items())
        formula = [n for n, (_, cell) in enumerate(items) if isinstance(cell.value, Expr)]
        values = [None if isinstance(c.value, Expr) or c.value == "" else c.value for _, c in items]
        kind, num, txt = zip(*map(_encode, values), strict=True) if items else ((), (), ())
        sheet = rr.Sheet(
            s.name,
            "",
            rows=np.array([r for (r, _), _ in items], np.int32),
            cols=np.array([c for (_, c), _ in items], np.int32),
            kind=np.array(kind, np.int8),
            num=np.array(num, float),
            txt=np.array(txt, object),
            formula_cells=np.array(formula, np.int64),
            parsed=True,
        )
        sheet.formulas = [rr.Formula(items[n][1].value.excel(s.name)) for n in formula]
        sheets.append(sheet)
    names = {(name.upper(), None): rng.absolute() for name, rng in book.names.items()}
    return rr.Book(Path(book.title), sheets, names)


class Recomputed(Mapping):
    """One workbook's formula values as Excel computes them, kept as the batch's arrays: the
    integrity check compares ≈1,500 cached values with them at once, and a Python value is made
    only for a cell asked for (a message, a second view)."""

    def __init__(self, model: TemplateModel, kind: np.ndarray, num: np.ndarray, txt: np.ndarray):
        self.model, self.kind, self.num, self.txt = model, kind, num, txt

    def __getitem__(self, key: Key):
        n = self.model.index[key]
        return python_value(int(self.kind[n]), float(self.num[n]), self.txt[n])

    def __iter__(self) -> Iterator[Key]:
        return iter(self.model.formulas)

    def __len__(self) -> int:
        return len(self.model.formulas)

    def __reduce__(self):
        return dict, (dict(self.items()),)  # a plain dict between processes, not the model behind it


_BLANK, _NUMBERS = (BLANK, 0.0, None), {int, float}


def _encode(value) -> tuple[int, float, object]:
    """A cell value as the engine's (kind, number, text)."""
    if type(value) in _NUMBERS:  # most inputs: amounts and blanks, tested first
        return NUM, float(value), None
    if value is None:
        return _BLANK
    if isinstance(value, bool):
        return BOOL, float(value), None
    if isinstance(value, int | float | Decimal):
        return NUM, float(value), None
    if isinstance(value, XLError):
        return ERR, 0.0, str(value)
    if isinstance(value, datetime | date):  # Excel computes with the serial number
        return NUM, excel_serial(value if isinstance(value, datetime) else datetime.combine(value, time())), None
    if isinstance(value, time):
        return NUM, (value.hour * 3600 + value.minute * 60 + value.second) / 86400, None
    return STR, 0.0, str(value)
