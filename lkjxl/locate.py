"""Find, in a returned workbook, where each cell of the expected workbook went.

Operators insert rows, sort, and break names. Rows are therefore found by their
key (indicator id, budget key, revision number), and columns by the file's own
defined names, falling back to the header labels, and only then to the template's
position, saying so each time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import findings
from .book import Book, Sheet
from .layout import FIRST_ROW, HEADER_ROW
from .xlexpr import col_letter
from .xlsxread import RawBook, RawSheet, cell_text, split_ref

# Table sheets: name prefix, the column holding each row's key.
TABLES = {
    "Realisasi": ("Real", "ID"),
    "Rencana Aksi": ("RA", "ID"),
    "Anggaran": ("Agr", "Kunci"),
    "Revisi": ("Rev", "No"),
    "Ringkasan": ("Ring", "ID"),
}


@dataclass
class SheetMap:
    """Expected (row, col) → file (row, col) for one sheet."""

    name: str
    raw: RawSheet | None
    cols: dict[int, int] = field(default_factory=dict)
    rows: dict[int, int] = field(default_factory=dict)
    shift: int = 0  # for rows outside the keyed table
    extra_rows: list[int] = field(default_factory=list)  # file rows in the table with no known key
    missing: set[int] = field(default_factory=set)  # expected rows whose key is not in the file

    def where(self, row: int, col: int) -> tuple[int, int] | None:
        if self.raw is None or row in self.missing:
            return None
        file_row = self.rows.get(row, row + self.shift)
        return file_row, self.cols.get(col, col)

    def where_many(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`where` for many cells at once: file rows and columns, -1 rows where `where` is None."""
        if self.raw is None:
            return np.full(rows.size, -1), cols
        file_rows = _moved(rows, self.rows, rows + self.shift)
        if self.missing:
            file_rows[np.isin(rows, list(self.missing))] = -1
        return file_rows, _moved(cols, self.cols, cols)


def _moved(xs: np.ndarray, table: dict[int, int], default: np.ndarray) -> np.ndarray:
    """`table.get(x, default)` for each x."""
    if not table:
        return default.copy()
    keys = np.fromiter(table.keys(), np.int64, len(table))
    order = np.argsort(keys)
    keys, values = keys[order], np.fromiter(table.values(), np.int64, len(table))[order]
    at = np.minimum(np.searchsorted(keys, xs), keys.size - 1)
    return np.where(keys[at] == xs, values[at], default)


@lru_cache(maxsize=1 << 16)
def a1(row: int, col: int) -> str:
    return f"{col_letter(col)}{row + 1}"


def _name_column(raw: RawBook, name: str, sheet: str) -> tuple[int, int, int] | None:
    """(col, first row, last row) of a defined name on `sheet`, or None if absent or broken."""
    ref = raw.names.get(name)
    return _column_of(ref, sheet) if ref else None


@lru_cache(maxsize=4096)
def _column_of(ref: str, sheet: str) -> tuple[int, int, int] | None:
    """A name's reference text read as a column range on `sheet` (a set repeats its names' texts)."""
    if "#REF" in ref or "!" not in ref:
        return None
    where, _, cells = ref.rpartition("!")
    if where.strip("'").replace("''", "'") != sheet:
        return None
    try:
        first, _, last = cells.partition(":")
        r1, c1 = split_ref(first)
        r2, _ = split_ref(last or first)
    except ValueError:
        return None
    return c1, r1, r2


def _header_agrees(raw: RawSheet, found: tuple[int, int, int], label) -> bool:
    """A name is trusted only if the column it points at carries the expected header
    (a name left behind when cells moved points at a valid but wrong column)."""
    col, first, _ = found
    cell = raw.cells.get((first - 1, col))
    text = cell.value if cell is not None else None
    return not isinstance(label, str) or (isinstance(text, str) and text.strip().lower() == label.strip().lower())


def _header_columns(raw: RawSheet, labels: dict[int, str]) -> dict[int, int]:
    """Columns found by their header text in the first rows of the sheet."""
    wanted = {text.strip().lower(): col for col, text in labels.items() if isinstance(text, str)}
    head = raw.cells.rows(0, HEADER_ROW + 9)
    for row in range(0, HEADER_ROW + 10):
        found = {}
        for r, c, value in head:
            if r == row and isinstance(value, str) and value.strip().lower() in wanted:
                found[wanted[value.strip().lower()]] = c
        if len(found) >= max(2, len(wanted) // 2):
            return found
    return {}


ANCHORS = ("PIHAK PERTAMA", "PIHAK KEDUA")  # the PK signature block, which rows inserted above move


@dataclass(frozen=True)
class _Shape:
    """What locating reads from an expected sheet, worked out once per template sheet."""

    labels: set[str]  # the header texts that identify the sheet whatever it is called
    headers: dict[int, object]  # column → header
    keys: dict[str, list[int]]  # a table's row keys → their rows
    columns: list[tuple[str, int]]  # a table's column names, each with the column it places
    anchor: tuple[int, int, str] | None  # the first anchor label (row, col, text), if any
    last: int  # the sheet's last row
    filled: frozenset[int]  # rows holding an input or a value


_SHAPES: dict[int, tuple[Sheet, _Shape]] = {}


def _shape(expected: Book, sheet: Sheet) -> _Shape:
    known = _SHAPES.get(id(sheet))
    if known is not None and known[0] is sheet:
        return known[1]
    headers = {c: cell.value for (r, c), cell in sheet.cells.items() if r == HEADER_ROW}
    labels = {text.strip().lower() for text in headers.values() if isinstance(text, str) and text.strip()}
    keys: dict[str, list[int]] = {}
    columns: list[tuple[str, int]] = []
    if sheet.name in TABLES:
        prefix, key = TABLES[sheet.name]
        key_range = expected.names[f"{prefix}_{key}"]
        for row in range(key_range.row1, key_range.row2 + 1):
            cell = sheet.cells.get((row, key_range.col1))
            keys.setdefault(cell_text(cell.value if cell else None).strip(), []).append(row)
        columns = [
            (name, rng.col1)
            for name, rng in expected.names.items()
            if rng.sheet == sheet.name
            and name.startswith(prefix + "_")
            and rng.col1 == rng.col2
            and rng.row1 == FIRST_ROW  # only the table's column names place columns
        ]
    anchor = next(((r, c, cell.value) for (r, c), cell in sorted(sheet.cells.items()) if cell.value in ANCHORS), None)
    filled = frozenset(row for (row, _), got in sheet.cells.items() if got.input or got.value not in (None, ""))
    if len(_SHAPES) > 256:
        _SHAPES.clear()
    shape = _Shape(labels, headers, keys, columns, anchor, max((row for row, _ in sheet.cells), default=0), filled)
    _SHAPES[id(sheet)] = (sheet, shape)
    return shape


TOP = (0, HEADER_ROW + 10)  # the rows a sheet's headers are looked for in (rows may be inserted above)


def _score(raw_sheet: RawSheet, labels: set[str], rows: tuple[int, int] = TOP) -> int:
    """How many of the labels the sheet holds in `rows` (first, last)."""
    top = raw_sheet.cells.rows(*rows)
    return len(labels & {value.strip().lower() for _, _, value in top if isinstance(value, str)})


def _find_sheet(raw: RawBook, sheet: Sheet, labels: set[str]) -> RawSheet | None:
    """The file's sheet for an expected one: by name when its headers agree, else by its headers
    (operators rename sheets; sheets can be swapped)."""
    same = raw.sheets.get(sheet.name)
    if len(labels) < 3 or (same is not None and _agrees(same, labels)):
        return same  # a strict majority of its headers: PK and Realisasi share 'No' and 'Indikator Kinerja'
    best = max(raw.sheets.values(), key=lambda s: _score(s, labels), default=None)
    return best if best is not None and _score(best, labels) * 2 > len(labels) else None


def _agrees(raw_sheet: RawSheet, labels: set[str]) -> bool:
    """A strict majority of the labels in the top rows; the header row alone, where they are unless
    rows were inserted above, settles most sheets."""
    header = (HEADER_ROW, HEADER_ROW)
    return _score(raw_sheet, labels, header) * 2 > len(labels) or _score(raw_sheet, labels) * 2 > len(labels)


def _anchor_block(raw: RawBook, sheet: Sheet, shape: _Shape, result: SheetMap) -> None:
    """Rows from an anchor label down follow that label wherever it now is in the file. The two
    input rows just above it (place and date) are found by what they hold, since a line can be
    inserted above, between or below them. File rows in or under the block that no template
    row maps to are extra rows (a line typed between a name and its NIP moves the NIP where
    nothing reads it)."""
    if shape.anchor is None:
        return
    r, c, label = shape.anchor
    hits = [row for (row, col), got in result.raw.cells.items() if col == c and got.value == label]
    delta = hits[0] - r if len(hits) == 1 else 0
    if delta:
        result.rows.update({row: row + delta for row in range(r, shape.last + 1)})
        _place_above(raw, sheet, result, r, delta)
    _place_below(raw, sheet, result, r, delta)
    images = {result.rows.get(row, row) for row in range(r - 2, shape.last + 1) if row in shape.filled}
    top = min(images)
    result.extra_rows = sorted({row for row, _ in result.raw.cells if row > top and row not in images})


def _place_above(raw: RawBook, sheet: Sheet, result: SheetMap, anchor: int, delta: int) -> None:
    """Each input row above the anchor goes to the file row, between where it was and where the
    anchor's move would put it, that holds a value of its kind (a date for the date cell); else it
    moves with the anchor. Rows keep their order."""
    floor = -1
    for row in (anchor - 2, anchor - 1):
        inputs = [(c, cell) for (r, c), cell in sheet.cells.items() if r == row and cell.input]
        chosen = row + delta
        for candidate in sorted(range(min(row, row + delta), max(row, row + delta) + 1), reverse=delta > 0):
            if candidate > floor and inputs and _holds(raw, result.raw, candidate, *inputs[0]):
                chosen = candidate
                break
        result.rows[row] = floor = chosen


def _place_below(raw: RawBook, sheet: Sheet, result: SheetMap, anchor: int, delta: int) -> None:
    """The input rows under the anchor (names, then NIPs) go to the file's unlocked rows there, in
    order, when there are as many: blank lines inserted or deleted between them move the inputs,
    and cells keep their protection when rows move. Otherwise they move with the anchor."""
    inputs = [(r, c) for (r, c), cell in sheet.cells.items() if r > anchor and cell.input]
    rows, cols = sorted({r for r, _ in inputs}), {c for _, c in inputs}
    unlocked = sorted(
        {
            r
            for (r, c), got in result.raw.cells.items()
            if c in cols and r > anchor + delta and not raw.style(got).locked
        }
    )
    if rows and len(unlocked) == len(rows):
        result.rows.update(zip(rows, unlocked, strict=True))


def _holds(raw: RawBook, raw_sheet: RawSheet, row: int, col: int, cell) -> bool:
    """Whether the file's cell could be this input: filled, and a date exactly when a date is due."""
    from .normalize import parse_date_id

    got = raw_sheet.cells.get((row, col))
    if got is None or got.value in (None, "") or got.formula is not None:
        return False
    dated = raw.style(got).date if isinstance(got.value, float) else parse_date_id(got.value).ok
    return dated == (cell.style == "in_date")


def map_sheet(raw: RawBook, expected: Book, sheet: Sheet, file: str, out: list) -> SheetMap:
    """Locate one expected sheet in the file, adding findings for what had to be guessed."""
    shape = _shape(expected, sheet)
    raw_sheet = _find_sheet(raw, sheet, shape.labels)
    result = SheetMap(sheet.name, raw_sheet)
    if raw_sheet is None:
        out.append(findings.make("SHEET_MISSING", file=file, sheet=sheet.name, sheet_name=sheet.name))
        return result
    if raw_sheet.name != sheet.name:
        out.append(
            findings.make("SHEET_RENAMED", file=file, sheet=raw_sheet.name, value=raw_sheet.name, expected=sheet.name)
        )
    if sheet.name not in TABLES:
        _anchor_block(raw, sheet, shape, result)
        return result
    prefix, key = TABLES[sheet.name]
    headers = shape.headers
    by_label = None
    broken = []
    for name, col in shape.columns:
        found = _name_column(raw, name, sheet.name)
        if found is not None and _header_agrees(raw_sheet, found, headers.get(col)):
            result.cols[col] = found[0]
            continue
        broken.append(name)
        if by_label is None:
            by_label = _header_columns(raw_sheet, headers)
        if col in by_label:
            result.cols[col] = by_label[col]
    for name in broken[:1]:  # one finding per sheet is enough to say how it was read
        out.append(findings.make("NAME_BROKEN", file=file, sheet=sheet.name, name=name))
    _map_rows(raw, expected, sheet, result, prefix, key, shape.keys, file, out)
    return result


def _map_rows(
    raw: RawBook,
    expected: Book,
    sheet: Sheet,
    result: SheetMap,
    prefix: str,
    key: str,
    expected_keys: dict[str, list[int]],
    file: str,
    out: list,
) -> None:
    key_range = expected.names[f"{prefix}_{key}"]
    key_col = result.cols.get(key_range.col1, key_range.col1)
    found = _name_column(raw, f"{prefix}_{key}", sheet.name)
    last = max(found[2] if found else key_range.row2, key_range.row2) + 50
    # Keys may repeat (Rencana Aksi: several rows per indicator): the n-th occurrence maps to the n-th.
    file_rows: dict[str, list[int]] = {}
    for row, value in result.raw.cells.column(key_col, FIRST_ROW, last):
        text = cell_text(value).strip()
        if text:
            file_rows.setdefault(text, []).append(row)
    for text, rows in expected_keys.items():
        got = file_rows.get(text, [])
        for n, row in enumerate(rows):
            if n < len(got):
                result.rows[row] = got[n]
            else:
                result.missing.add(row)
                out.append(findings.make("ID_MISSING", file=file, sheet=sheet.name, cell=a1(row, key_col), value=text))
        if len(got) > len(rows) and len(rows) == 1:
            out.append(
                findings.make(
                    "DUPLICATE_ID",
                    file=file,
                    sheet=sheet.name,
                    cell=a1(got[1], key_col),
                    value=text,
                    other=a1(got[0], key_col),
                )
            )
    for text, rows in file_rows.items():
        if text not in expected_keys and prefix != "Rev":
            out.append(findings.make("UNKNOWN_ID", file=file, sheet=sheet.name, cell=a1(rows[0], key_col), value=text))
    used = set(result.rows.values())
    table_end = max(used) if used else key_range.row2
    result.extra_rows = [r for r in range(FIRST_ROW, table_end + 1) if r not in used]
    offsets = {f - e for e, f in result.rows.items()}
    result.shift = offsets.pop() if len(offsets) == 1 else (table_end - key_range.row2)
