"""Is a returned workbook intact? Formulas as the template wrote them and their cached values
right; locked values unchanged; nothing in rows this unit may not fill; inserted rows reported.

The reader calls `check` once a workbook's inputs are read and, when asked to, its formulas
recomputed (`Views`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from . import findings
from .book import Book
from .inputs import show
from .locate import SheetMap, a1
from .structure import structure_from_raw

if TYPE_CHECKING:
    from .reader import Expected, WorkbookData


class Views:
    """The template's formulas recomputed two ways. `excel`: as Excel computes them from the file,
    where text typed into a number cell stays text; cached values are checked against it. `read()`:
    from the values lkjxl read, the right value a message shows. They differ only when operators
    typed text, and then `read()` costs a second evaluation, so it is made only when a message
    needs it."""

    def __init__(self, book: Book, inputs: dict, as_typed: dict, excel: dict):
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
        for n in _suspects(name, smap, to_check, expected.places[name], views):
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


def _suspects(name: str, smap: SheetMap, to_check: list, places, views: Views | None) -> list[int]:
    """Which of a sheet's checks need the full comparison: all but the cells plainly intact — in
    place, the template's formula as written (its cached value right), or the template's value.
    Thousands per workbook, so those are settled from lists, without a RawCell each."""
    rows, cols = places
    file_rows, file_cols = smap.where_many(rows, cols)
    at = smap.raw.cells.find(file_rows, file_cols)
    in_place = ((file_rows == rows) & (file_cols == cols)).tolist()
    excel = views.excel if views is not None else None
    suspects = []
    for n, ((r, c, formula, value, _), got, text, still) in enumerate(
        zip(to_check, smap.raw.cells.values_at(at), smap.raw.cells.formulas_at(at), in_place, strict=True)
    ):
        if formula is None:
            if type(got) is type(value) and got == value:
                continue  # the template's value
            if type(got) is float and type(value) in (int, Decimal) and got == float(value):
                continue  # the same number: a file holds numbers as floats
            if got in (None, "") and value in (None, ""):
                continue
        elif still and text == formula and (excel is None or got is None or _same(got, excel.get((name, r, c)))):
            continue
        suspects.append(n)
    return suspects


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
