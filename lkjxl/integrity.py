"""Is a returned workbook intact? Formulas as the template wrote them and their cached values
right; locked values unchanged; nothing in rows this unit may not fill; inserted rows reported.

The reader calls `check` once a workbook's inputs are read and, when asked to, its formulas
recomputed (`Views`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from . import findings
from .book import Book
from .inputs import show
from .locate import SheetMap, a1
from .recalc_read import NUM, STR
from .recompute import Recomputed
from .structure import structure_from_raw

if TYPE_CHECKING:
    from .reader import Expected, WorkbookData


class Views:
    """The template's formulas recomputed two ways. `excel`: as Excel computes them from the file,
    where text typed into a number cell stays text; cached values are checked against it. `read()`:
    from the values lkjxl read, the right value a message shows. They differ only when operators
    typed text, and then `read()` costs a second evaluation, so it is made only when a message
    needs it."""

    def __init__(self, book: Book, inputs: dict, as_typed: dict, excel: Recomputed):
        self.book, self.inputs, self.as_typed, self.excel = book, inputs, as_typed, excel
        self._read = None if as_typed else excel

    def read(self, key: tuple[str, int, int]):
        if self._read is None:
            self._read = self.book.evaluate(self.inputs, self.excel, self.as_typed)
        return self._read.get(key)


def check(raw, expected: Expected, maps: dict[str, SheetMap], data: WorkbookData, views) -> None:
    """Formulas intact and their cached values right; locked values unchanged; no values where
    this unit may not write."""
    out = data.findings
    for name, to_check in expected.checks.items():
        smap = maps.get(name)
        if smap is None or smap.raw is None:
            continue
        cells, shown = smap.raw.cells, smap.raw.name  # findings name the sheet as the file has it
        for n in _suspects(smap, expected.arrays[name], views):
            r, c, formula, value, owner = to_check[n]
            where = smap.where(r, c)
            if where is None:
                continue
            got = cells.get(where)
            if formula is not None:
                key = (name, r, c)
                _compare_formula(formula, got, key, views, shown, where, data)
            elif not _changed(got, value):
                continue
            elif owner and got is not None:
                out.append(
                    findings.make(
                        "NOT_OWNER",
                        file=data.file,
                        sheet=shown,
                        cell=a1(*where),
                        value=got.value,
                        owner=owner,
                        unit=data.unit.code if data.unit else "",
                    )
                )
            elif r in smap.rows:
                code = "TEXT_CHANGED" if isinstance(value, str) and len(value) > 12 else "CONSTANT_CHANGED"
                out.append(
                    findings.make(
                        code,
                        file=data.file,
                        sheet=shown,
                        cell=a1(*where),
                        value=got.value if got else None,
                        expected=show(value),
                    )
                )
    for smap in maps.values():
        _inserted_rows(smap, data)
    stored = data.meta.get("lkjxl_fingerprint")
    if stored and structure_from_raw(raw) != stored:
        out.append(findings.make("FINGERPRINT", file=data.file, detail="lihat temuan rumus dan baris di atas"))


_NEVER = object()  # equal to no cell value
_KINDS = {type(None): 0, float: 1, str: 2, int: 3, Decimal: 4, bool: 5}  # other types: -1
NONE, FLOAT, TEXT = 0, 1, 2


def _kinds(values) -> np.ndarray:
    """Each value's type as a small code (`_KINDS`), compared as arrays."""
    return np.fromiter(map(_KINDS.get, map(type, values), repeat(-1)), np.int8, len(values))


@dataclass(frozen=True)
class Checks:
    """One sheet's checks (`Expected.checks`) as arrays, prepared once per template: most of a
    workbook's ≈3,300 are settled by a few array comparisons, not a Python step each."""

    rows: np.ndarray
    cols: np.ndarray
    keys: tuple[tuple[str, int, int], ...]  # of the formula checks
    formula: np.ndarray  # positions of the formula checks
    texts: np.ndarray  # their formula texts
    constant: np.ndarray  # positions of the value checks
    values: np.ndarray  # their template values
    kinds: np.ndarray  # their types (`_kinds`)
    as_float: np.ndarray  # a number's value as a float (as a file holds it), else never equal
    blank: np.ndarray  # the template value is blank

    @classmethod
    def of(cls, name: str, checks: list[tuple[int, int, str | None, object, str]]) -> Checks:
        formula = [n for n, t in enumerate(checks) if t[2] is not None]
        constant = [n for n, t in enumerate(checks) if t[2] is None]
        values = [checks[n][3] for n in constant]
        return cls(
            rows=np.array([t[0] for t in checks], np.int64),
            cols=np.array([t[1] for t in checks], np.int64),
            keys=tuple((name, checks[n][0], checks[n][1]) for n in formula),
            formula=np.array(formula, np.int64),
            texts=_objects([checks[n][2] for n in formula]),
            constant=np.array(constant, np.int64),
            values=_objects(values),
            kinds=_kinds(values),
            as_float=_objects([float(v) if type(v) in (int, Decimal) else _NEVER for v in values]),
            blank=np.array([v in (None, "") for v in values], bool),
        )


def _objects(items: list) -> np.ndarray:
    out = np.empty(len(items), object)
    out[:] = items
    return out


def _suspects(smap: SheetMap, checks: Checks, views: Views | None) -> list[int]:
    """Which of a sheet's checks need the full comparison: all but the cells plainly intact — in
    place, the template's formula as written (its cached value right), or the template's value."""
    file_rows, file_cols = smap.where_many(checks.rows, checks.cols)
    cells = smap.raw.cells
    at = cells.find(file_rows, file_cols)
    got = cells.values_at(at)
    # Values: the template's, the same number (a file holds numbers as floats), or both blank.
    value = got[checks.constant]
    kind = _kinds(value)
    intact = (value == checks.values) & (kind == checks.kinds) & (kind >= 0)
    intact |= (kind == FLOAT) & (value == checks.as_float)
    intact |= checks.blank & ((kind == NONE) | (value == ""))
    # Formulas: in place, as the template wrote them, and a cached value as recomputed (or none).
    f = checks.formula
    texts = _objects(cells.formulas_at(at[f]))
    kept = (texts == checks.texts) & (file_rows[f] == checks.rows[f]) & (file_cols[f] == checks.cols[f])
    if views is not None:
        kept &= _cached_right(got[f], views.excel, checks.keys)
    return sorted(checks.constant[~intact].tolist() + f[~kept].tolist())


def _cached_right(cached: np.ndarray, excel: Recomputed, keys: tuple) -> np.ndarray:
    """Whether each cached value is none, or as recomputed: the same number (within `_same`'s
    tolerance) or the same text. Other kinds (booleans, errors) go to the full comparison."""
    kind = _kinds(cached)
    right = kind == NONE
    n = excel.model.positions(keys)
    want_kind, want_num, want_txt = excel.kind[n], excel.num[n], excel.txt[n]
    found = n >= 0
    number = found & (kind == FLOAT) & (want_kind == NUM)
    got = np.where(number, cached, 0.0).astype(float)
    with np.errstate(invalid="ignore"):
        right |= number & ((got == want_num) | (np.abs(got - want_num) <= 1e-9 * np.maximum(1.0, np.abs(want_num))))
    right |= found & (kind == TEXT) & (want_kind == STR) & (cached == want_txt)
    return right


def _inserted_rows(smap: SheetMap, data: WorkbookData) -> None:
    """Rows an operator added inside a table: nothing maps them, so their values are reported, never dropped."""
    if smap.raw is None:
        return
    for row in smap.extra_rows:
        values = [
            (c, cell.value)
            for (r, c), cell in sorted(smap.raw.cells.items())
            if r == row and cell.value not in (None, "") and cell.formula is None
        ]
        if values:
            shown = "; ".join(f"{a1(row, c)}={v}" for c, v in values[:6])
            data.findings.append(
                findings.make(
                    "ROW_INSERTED", file=data.file, sheet=smap.raw.name, cell=a1(row, values[0][0]), value=shown
                )
            )


def _compare_formula(formula: str, got, key: tuple[str, int, int], views: Views | None, sheet, where, data) -> None:
    def report(code: str, value, **params) -> None:
        data.findings.append(findings.make(code, file=data.file, sheet=sheet, cell=a1(*where), value=value, **params))

    def shown() -> str:
        if views is None:
            return "(tidak dihitung ulang)"
        want = views.read(key)
        return show(want if want != "" else "kosong")

    if got is None or got.formula is None:
        if got is not None and got.value not in (None, ""):
            report("FORMULA_OVERWRITTEN", got.value, expected=shown())
        elif (got is None) if views is None else views.read(key) not in ("", None):
            report("FORMULA_OVERWRITTEN", "kosong", expected=shown())
        return
    if key[1:] != tuple(where):
        formula = _translate(formula, key[1:], where)
    if formula is None or (
        got.formula != formula and got.formula.replace(" ", "").replace("$", "") != formula.replace("$", "")
    ):
        report("FORMULA_OVERWRITTEN", "=" + got.formula, expected=shown())
        return
    if views is not None and got.value is not None and not _same(got.value, views.excel.get(key)):
        report("CACHE_STALE", got.value, cached=show(got.value), expected=show(views.excel.get(key)))


def _translate(formula: str, origin: tuple[int, int], target) -> str | None:
    """The template's formula moved to where the file has the cell; None when the move would take
    a reference off the sheet (the file's formula cannot be the template's there)."""
    from openpyxl.formula.translate import Translator, TranslatorError

    try:
        return Translator("=" + formula, origin=a1(*origin)).translate_formula(a1(*target))[1:]
    except TranslatorError:
        return None


def _same(cached, want) -> bool:
    if type(cached) is type(want) and cached == want:
        return True  # the usual case, settled before the general rules
    if want in ("", None) or cached in ("", None):
        return want in ("", None) and cached in ("", None)
    if _is_number(want) and _is_number(cached):
        return abs(want - cached) <= 1e-9 * max(1.0, abs(want))
    return str(cached) == str(want)


def _changed(got, template_value) -> bool:
    """A value differs from what the template put in a cell this unit may not edit."""
    value = got.value if got is not None else None
    if type(value) is type(template_value) and value == template_value:
        return False
    if value in (None, "") and template_value in (None, ""):
        return False
    if _is_number(value) and _is_number(template_value):
        return abs(float(value) - float(template_value)) > 1e-12 * max(1.0, abs(float(template_value)))
    if _is_number(template_value) and not _is_number(value):
        return True
    return str(value).strip() != str(template_value if template_value is not None else "").strip()


def _is_number(x) -> bool:
    return isinstance(x, int | float | Decimal) and not isinstance(x, bool)
