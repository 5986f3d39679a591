"""A small, fast .xlsx reader: values, formulas, styles and names in one pass.

openpyxl must load a workbook twice to see both formulas and cached values, and
costs ≈100 ms per satker workbook; checking a national set needs a few ms. This
reader takes the cells from the recalculation's array scanner (one pass over each
sheet's bytes, `recalc_cells`), keeps only what the checks use as one RawCell per
cell, and never trusts the `<dimension>` element.

XML is parsed only after `safety.inspect` has refused hostile archives
(DOCTYPE/ENTITY declarations, bombs): `load` runs it unless the caller already did.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree.ElementTree import iterparse  # noqa: S405 - inputs pass safety.inspect first

import numpy as np

from . import recalc_cells
from . import recalc_read as rr
from .recalc_parse import cell_name
from .recalc_read import UnreadableWorkbook

if TYPE_CHECKING:
    from .safety import Inspection

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}
M = "{{{}}}".format(NS["m"])
_CELL = re.compile(r"([A-Z]{1,3})(\d+)")
_DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}  # built-in date and time formats


def _is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or a time (d, y, h, s outside quotes)."""
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.split(";")[0])
    return "#" not in section and "0" not in section and bool(re.search(r"[dyhs]", section, re.I))


_PERCENT_FORMATS = {9, 10}


@dataclass(slots=True)
class RawCell:
    value: object  # str | float | bool | None; errors as str starting with '#'
    formula: str | None = None
    style: int = 0
    error: bool = False


class Cells(Mapping):
    """A sheet's cells by 0-based (row, col), each RawCell made when first asked for.

    Most of a satker workbook's ≈8,500 cells are read through the arrays (`Plain`, `find`) or
    never looked at; making one object per cell up front cost more than reading them. A cell
    asked for is searched for among the ascending positions; a dict of them (0.1 ms for a big
    sheet, 1 ms for a workbook) is made only for a sheet that writes a position twice.
    """

    def __init__(
        self, keys: np.ndarray, values: np.ndarray, styles: list[int], errors: list[bool], formulas: dict[int, str]
    ):
        self._key_array, self._value_array = keys, values  # row * 16384 + col, ascending; values as objects
        self._keys, self._values = keys.tolist(), values.tolist()
        self._styles, self._errors, self._formulas = styles, errors, formulas
        self._made: dict[int, RawCell] = {}
        self._rows: dict[tuple[int, int], list] = {}
        self._unique = keys.size < 2 or bool(np.all(keys[1:] > keys[:-1]))  # else a position written twice

    @cached_property
    def _at(self) -> dict[int, int]:
        """row * 16384 + col → position in the lists; of a position written twice, the last (as Excel).
        Only for such a sheet: the keys of any other are distinct and ascending, and searched."""
        return dict(zip(self._keys, range(len(self._keys)), strict=True))

    def _position(self, key: int) -> int | None:
        if not self._unique:
            return self._at.get(key)
        i = bisect_left(self._keys, key)
        return i if i < len(self._keys) and self._keys[i] == key else None

    def _cell(self, i: int) -> RawCell:
        cell = self._made.get(i)
        if cell is None:
            cell = self._made[i] = RawCell(self._values[i], self._formulas.get(i), self._styles[i], self._errors[i])
        return cell

    def __getitem__(self, where: tuple[int, int]) -> RawCell:
        cell = self.get(where)
        if cell is None:
            raise KeyError(where)
        return cell

    def get(self, where: tuple[int, int], default=None):
        i = self._position(where[0] * 16384 + where[1]) if 0 <= where[1] < 16384 else None
        return default if i is None else self._cell(i)

    def __contains__(self, where) -> bool:
        return self.get(where) is not None

    def __iter__(self):
        return (divmod(key, 16384) for key in (self._keys if self._unique else self._at))

    def __len__(self) -> int:
        return len(self._keys) if self._unique else len(self._at)

    def items(self):
        positions = enumerate(self._keys) if self._unique else ((i, key) for key, i in self._at.items())
        return ((divmod(key, 16384), self._cell(i)) for i, key in positions)

    def find(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Positions of the cells at (rows, cols), -1 where the file has none (or a row is -1)."""
        want = np.where((rows >= 0) & (cols >= 0) & (cols < 16384), rows * 16384 + cols, -1)
        if not self._unique:
            return np.fromiter(map(self._at.get, want.tolist(), repeat(-1)), np.int64, want.size)
        return _find(self._key_array, want)

    def values_at(self, positions: np.ndarray) -> np.ndarray:
        """The values at `positions` (from `find`) as an object array, None at -1."""
        if not self._value_array.size:
            return np.full(positions.size, None, object)
        out = self._value_array[positions]
        out[positions < 0] = None
        return out

    def cells_at(self, positions: np.ndarray) -> list[RawCell | None]:
        """The cells at `positions` (from `find`), None at -1."""
        return [self._cell(i) if i >= 0 else None for i in positions.tolist()]

    def formulas_at(self, positions: np.ndarray) -> list[str | None]:
        return list(map(self._formulas.get, positions.tolist()))

    def column(self, col: int, first: int, last: int) -> list[tuple[int, object]]:
        """(row, value) of the cells in `col` from row `first` to `last`."""
        if not 0 <= col < 16384 or last < first:
            return []
        rows = np.arange(first, last + 1)
        found = self.find(rows, np.full(rows.size, col))
        kept = np.flatnonzero(found >= 0)
        return list(zip(rows[kept].tolist(), self._value_array[found[kept]].tolist(), strict=True))

    def rows(self, first: int, last: int) -> list[tuple[int, int, object]]:
        """(row, col, value) of the cells in rows `first` to `last` (where headers are looked for)."""
        found = self._rows.get((first, last))
        if found is None:
            lo, hi = bisect_left(self._keys, first * 16384), bisect_left(self._keys, (last + 1) * 16384)
            if self._unique:
                found = [(*divmod(k, 16384), v) for k, v in zip(self._keys[lo:hi], self._values[lo:hi], strict=True)]
            else:  # a position written twice is one cell, as in _at
                found = [(*divmod(k, 16384), self._values[self._at[k]]) for k in dict.fromkeys(self._keys[lo:hi])]
            self._rows[(first, last)] = found
        return found


def _find(keys: np.ndarray, want: np.ndarray) -> np.ndarray:
    """The position of each of `want` in the ascending, distinct `keys`; -1 where it is not."""
    if not keys.size:
        return np.full(want.size, -1)
    at = np.minimum(np.searchsorted(keys, want), keys.size - 1)
    return np.where(keys[at] == want, at, -1)


@dataclass
class RawSheet:
    name: str
    state: str = "visible"
    cells: Cells = field(default_factory=lambda: Cells(np.zeros(0, np.int64), np.empty(0, object), [], [], {}))
    protected: bool = False
    hidden: list[tuple[str, str, object]] = field(default_factory=list)  # (cell, merged range, value): see _hidden
    layout: bytes = b""  # formula positions and texts, unlocked cells: equal layouts, equal structure
    plain: Plain | None = None


@dataclass
class Plain:
    """A sheet's cells as arrays, to settle at once the cells that need no interpretation."""

    keys: np.ndarray  # row * 16384 + col, ascending
    kind: np.ndarray
    num: np.ndarray
    odd: np.ndarray  # a formula, or a date/time format: never settled from the arrays

    def settle(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(blank, whole amount) masks and the amounts for the cells at (rows, cols); -1 rows are
        not in the file. A whole amount is a non-negative integer below 10^15 typed as a number."""
        at = _find(self.keys, rows.astype(np.int64) * 16384 + cols)
        found = (rows >= 0) & (at >= 0)
        kind = np.where(found, self.kind[at], rr.BLANK)
        odd = found & self.odd[at]
        num = np.where(found & (kind == rr.NUM), self.num[at], -1.0)
        whole = (kind == rr.NUM) & ~odd & (num >= 0) & (num < 1e15) & (np.floor(num) == num)
        return (rows >= 0) & (kind == rr.BLANK) & ~odd, whole, np.where(whole, num, 0).astype(np.int64)


@dataclass(frozen=True)
class Style:
    locked: bool = True
    percent: bool = False
    date: bool = False


@dataclass
class RawBook:
    sheets: dict[str, RawSheet]
    names: dict[str, str]  # name → reference text, e.g. Realisasi!$B$6:$B$15
    styles: tuple[Style, ...]
    properties: dict[str, str]
    external_links: int = 0

    def style(self, cell: RawCell) -> Style:
        return self.styles[cell.style] if cell.style < len(self.styles) else Style()


def cell_text(value) -> str:
    """A cell value as the text Excel shows for a key or label: 1971.0 is '1971', None is ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def split_ref(ref: str) -> tuple[int, int]:
    """'AB12' → (11, 27), 0-based (row, col)."""
    m = _CELL.fullmatch(ref.replace("$", ""))
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def load(path: Path, *, inspected: Inspection | None = None) -> RawBook:
    """Read a workbook; `inspected`: what `safety.inspect` found when it already accepted the file
    (its inflated parts are used, not inflated again).

    Cells come from the recalculation's array scanner (`recalc_cells`), so both readers
    see the same values; raises `UnreadableWorkbook` for a package that is not an .xlsx.
    """
    if inspected is None:
        from . import safety

        inspected = safety.inspect(path)
    z, book, shared = rr.open_book(path, inspected.parts, inspected.archive)
    with z:
        styles, locked, dates = _styles(z.read("xl/styles.xml") if "xl/styles.xml" in z else b"")
        for part in book.sheets:
            rr.read_part(z, part)
        recalc_cells.parse_sheets(book.sheets, shared)
        sheets = {p.name: _raw_sheet(p, shared, book.states.get(p.name, "visible"), locked, dates) for p in book.sheets}
        props = _custom_properties(z.read("docProps/custom.xml")) if "docProps/custom.xml" in z else {}
        if "docProps/core.xml" in z:
            props |= _core_properties(z.read("docProps/core.xml"))
        links = sum(1 for m in z.infos if m.startswith("xl/externalLinks/") and m.endswith(".xml"))
    return RawBook(sheets, book.written, styles, props, links)


_PROTECTED = re.compile(rb'<(?:\w+:)?sheetProtection\b[^>]*\ssheet="(?:1|true)"')
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\sref="([^"]*)"')


def _raw_sheet(part: rr.Sheet, shared: rr.SharedStrings, state: str, locked: np.ndarray, dates) -> RawSheet:
    """One parsed sheet's arrays as cells; shared-formula followers get their master's formula, moved."""
    data = part.data or b""
    tail = data[max(data.rfind(b"</sheetData>"), 0) :]  # both elements follow the cells
    sheet = RawSheet(part.name, state, protected=_PROTECTED.search(tail) is not None)
    at = tail.find(b"mergeCell")  # the regex from there: the tail's validations and formats are ≈80 KB
    merged = [rr.text_of(ref) for ref in _MERGED.findall(tail, max(tail.rfind(b"<", 0, at), 0))] if at >= 0 else []
    kind, num = part.kind, part.num
    values = part.txt.copy()  # text and errors as they are; blanks None
    numbers = kind == rr.NUM
    finite = np.isfinite(num)
    values[numbers & finite] = num[numbers & finite].tolist()
    values[numbers & ~finite] = [repr(x).upper() for x in num[numbers & ~finite].tolist()]  # 'NAN': text
    values[kind == rr.BOOL] = (num[kind == rr.BOOL] == 1.0).tolist()
    for i in part.dated.tolist():  # an ISO date written as such (t="d") is a date, never an amount
        values[i] = datetime.fromisoformat(part.txt[i])
    keys = part.keys()
    ascending = keys.size > 0 and bool(np.all(keys[1:] > keys[:-1]))  # one cell per position, row by row
    if merged:
        kind = _hidden(part, kind, values, merged, sheet.hidden, ascending)
    keep = (kind != rr.BLANK) | (part.style != 0)
    keep[part.formula_cells] = True
    kept = np.flatnonzero(keep)
    position = np.cumsum(keep) - 1  # a cell's place among the kept ones
    formulas = dict(zip(position[part.formula_cells].tolist(), _formula_texts(part), strict=True))
    sheet.cells = Cells(keys[kept], values[kept], part.style[kept].tolist(), (kind[kept] == rr.ERR).tolist(), formulas)
    odd = dates[np.minimum(part.style, dates.size - 1)]
    odd[part.formula_cells] = True
    odd[part.dated] = True
    if ascending:  # as the dict has them
        sheet.plain = Plain(keys, kind, part.num, odd)
    unlocked = keep & ~locked[np.minimum(part.style, locked.size - 1)]
    sheet.layout = part.signature + b"\0" + keys[unlocked].tobytes()
    return sheet


def _hidden(
    part: rr.Sheet, kind: np.ndarray, values: np.ndarray, merged: list[str], out: list, ascending: bool
) -> np.ndarray:
    """Blank the value cells a merged range covers (all but its top-left), as Excel shows them, and
    list them in `out`: a value there is in the file but seen by no one (a script wrote it, or rows
    were moved under the range), so it must not be read silently. Returns the kinds with them blanked.
    `ascending`: the cells are in row-major order, so only the rows the ranges span are compared."""
    ranges, refs = _ranges(tuple(merged))
    if not refs:
        return kind
    r0, c0, r1, c1 = ranges.T  # every cell of the rows the ranges span against every range at once
    lo, hi = 0, kind.size
    if ascending:
        lo, hi = int(np.searchsorted(part.rows, r0.min())), int(np.searchsorted(part.rows, r1.max(), "right"))
    valued = kind != rr.BLANK
    valued[part.formula_cells] = False  # formulas are the template's: integrity checks them
    at = lo + np.flatnonzero(valued[lo:hi])
    rows, cols = part.rows[at, None], part.cols[at, None]
    inside = (rows >= r0) & (rows <= r1) & (cols >= c0) & (cols <= c1) & ((rows != r0) | (cols != c0))
    cell, within = np.nonzero(inside)
    covered = [(i, refs[k]) for i, k in zip(at[cell].tolist(), within.tolist(), strict=True)]
    if not covered:
        return kind
    kind = kind.copy()
    for i, ref in sorted(covered):
        out.append((cell_name(int(part.rows[i]), int(part.cols[i])), ref, values[i]))
        kind[i], values[i] = rr.BLANK, None
    return kind


@lru_cache(maxsize=256)
def _ranges(merged: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """(first row, first col, last row, last col) of each merged range (0-based), and its text; a
    range Excel would not open is left out (the checks of what it covers report it)."""
    ranges, refs = [], []
    for ref in merged:
        try:
            first, _, last = ref.partition(":")
            ranges.append((*split_ref(first), *split_ref(last or first)))
            refs.append(ref)
        except ValueError:
            continue
    return np.array(ranges, np.int64).reshape(-1, 4), refs


_FORMULAS: dict[bytes, list[str | None]] = {}  # sheet signature → its formula texts; a set shares a few


def _formula_texts(part: rr.Sheet) -> list[str | None]:
    """Formula text per formula cell, followers of a shared formula moved from their master.
    The signature holds every `<f>` and its position, so the texts are extracted once per layout."""
    texts = _FORMULAS.get(part.signature)
    if texts is None:
        masters: dict[str, tuple[str, int, int]] = {}
        rows, cols = part.rows[part.formula_cells].tolist(), part.cols[part.formula_cells].tolist()
        texts = [_formula(f, r, c, masters) for r, c, f in zip(rows, cols, rr.formulas_of(part), strict=True)]
        if len(_FORMULAS) > 256:
            _FORMULAS.clear()
        _FORMULAS[part.signature] = texts
    return texts


def _formula(f: rr.Formula, row: int, col: int, masters) -> str | None:
    if f.kind != "shared":
        return f.text
    return _shared(f.text, f.shared_index or "", row, col, masters)


@lru_cache(maxsize=16)
def _styles(xml: bytes) -> tuple[tuple[Style, ...], np.ndarray, np.ndarray]:
    """The cell styles, and per style index whether it is locked and whether it shows a date (a
    set of one template shares its styles). An index past the list is locked and no date."""
    styles = _style_list(xml) if xml else []
    locked = np.array([s.locked for s in styles] + [True])
    dates = np.array([s.date for s in styles] + [False])
    locked.flags.writeable = dates.flags.writeable = False
    return tuple(styles), locked, dates


def _style_list(xml: bytes) -> list[Style]:
    custom_formats: dict[int, str] = {}
    styles: list[Style] = []
    in_xfs = False
    for event, el in iterparse(io.BytesIO(xml), events=("start", "end")):
        if el.tag == M + "numFmt" and event == "end":
            custom_formats[int(el.get("numFmtId", 0))] = el.get("formatCode", "")
        elif el.tag == M + "cellXfs":
            in_xfs = event == "start"
        elif in_xfs and el.tag == M + "xf" and event == "end":
            fmt = int(el.get("numFmtId", 0))
            code = custom_formats.get(fmt, "")
            protection = el.find(M + "protection")
            locked = protection is None or protection.get("locked", "1") not in ("0", "false")
            styles.append(
                Style(
                    locked=locked,
                    percent=fmt in _PERCENT_FORMATS or "%" in code,
                    date=fmt in _DATE_FORMATS or _is_date_format(code),
                )
            )
    return styles


def _shared(text: str | None, si: str, row: int, col: int, masters) -> str | None:
    """Excel stores filled-down formulas once; the others are the master moved by the offset."""
    if text:
        masters[si] = (text, row, col)
        return text
    if si not in masters:
        return None
    from openpyxl.formula.translate import Translator, TranslatorError

    master, mrow, mcol = masters[si]
    try:
        return Translator("=" + master, origin=_a1(mrow, mcol)).translate_formula(_a1(row, col))[1:]
    except TranslatorError:
        return None  # a follower whose references would leave the sheet: no formula lkjxl can name


def _a1(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _core_properties(xml: bytes) -> dict[str, str]:
    """When the file was last saved (Excel and LibreOffice stamp dcterms:modified)."""
    for _, el in iterparse(io.BytesIO(xml)):
        if el.tag.endswith("}modified") and el.text:
            return {"modified": el.text.strip()}
    return {}


def _custom_properties(xml: bytes) -> dict[str, str]:
    props = {}
    for _, el in iterparse(io.BytesIO(xml)):
        if el.tag.endswith("}property"):
            child = next(iter(el), None)
            props[el.get("name", "")] = (child.text or "") if child is not None else ""
    return props


__all__ = ["load", "cell_text", "split_ref", "RawBook", "RawSheet", "RawCell", "UnreadableWorkbook"]
