"""An evaluation plan for one formula layout, run over one or many workbooks at once.

A plan is built once per *layout* (which cells hold which formulas, which names
exist) and reused for every workbook with the same layout — a national set of one
template version shares one plan. Building it:

1. every formula becomes a shape (`recalc_parse`), parsed once per process;
2. names are bound and each shape's references become, per cell, *slots*: indices
   into one flat vector of the cells the layout reads or writes;
3. cell dependencies give levels (a cell's level is one more than its deepest
   formula input), and cells are grouped by (shape, level).

`recalc_run` runs it. Shapes calling functions outside `recalc_functions` get a
`formulas`-compiled evaluator (`recalc_fallback`); functions neither knows are reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import recalc_functions as fns
from . import recalc_values as xv
from .recalc_parse import MAX_COL, MAX_ROW, Coord, FormulaSyntaxError, parse, shape_key, tokenize
from .recalc_read import Book, Formula, formulas_of

_SHAPES: dict[tuple[str, int, int], str] = {}  # (formula text, row, col) → shape key
_TREES: dict[str, tuple | FormulaSyntaxError] = {}  # shape key → syntax tree
_FILLED: dict[tuple[str, int], _FilledDown] = {}  # (text without digits, column) → its last parsed formula
_DIGITS = re.compile(r"[0-9]+")
_MEMO_LIMIT = 500_000
# Slots 0-2 hold constants: a blank (a cell nobody filled), #REF! (off the sheet), #VALUE! (a failed intersection).
SPECIAL = 3
_OFF_SHEET, _NO_INTERSECTION = -1, -2


@dataclass
class Group:
    """Cells of one shape and level on one sheet, evaluated together."""

    sheet: int
    key: str
    program: tuple
    out: np.ndarray  # (k,) slots written
    inputs: list[np.ndarray]  # per leaf: (k,) slots, or (k|1, rows, cols) for a range
    rows: np.ndarray
    cols: np.ndarray
    fallback: object | None = None  # the `formulas` evaluator, when the shape needs it
    level: int = 0


@dataclass
class Problem:
    """A formula cell the plan cannot evaluate: its cached value is kept."""

    sheet: int
    row: int
    col: int
    code: str  # RECALC_UNSUPPORTED | RECALC_CIRCULAR
    detail: str


@dataclass
class Plan:
    sheets: list[str]
    slot_sheet: np.ndarray  # per slot: sheet index (-1 for the SPECIAL slots)
    slot_row: np.ndarray
    slot_col: np.ndarray
    formula_slots: np.ndarray  # every formula cell's slot, in layout order
    formula_keys: list[str]  # its shape key
    groups: list[Group] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fallback_shapes: set[str] = field(default_factory=set)
    probes: list[tuple[int, int, int]] = field(default_factory=list)  # see `overwrite_candidates`
    probe_keys: dict[tuple[int, int, int], str] = field(default_factory=dict)  # the column's shape there
    probe_slots: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    unusual: list[tuple[int, int, int, str]] | None = None  # filled by recalc_check, once per plan
    bounds: dict[int, tuple[int, int]] = field(default_factory=dict)  # sheets whose extent bounded A:A, 1:1
    _sheet_slots: list | None = None

    @property
    def size(self) -> int:
        return self.slot_row.size

    def sheet_slots(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Per sheet read: (sheet index, its slots, their row*16384+col keys)."""
        if self._sheet_slots is None:
            self._sheet_slots = []
            for si in np.unique(self.slot_sheet[SPECIAL:]):
                sel = np.flatnonzero(self.slot_sheet == si)
                self._sheet_slots.append((int(si), sel, self.slot_row[sel] * 16384 + self.slot_col[sel]))
        return self._sheet_slots


# -- shapes ---------------------------------------------------------------------------


def shape_of(text: str, row: int, col: int) -> str:
    """The shape key of a formula at (row, col), parsing each shape once per process."""
    key = _SHAPES.get((text, row, col))
    if key is not None:
        return key
    column = (_DIGITS.sub("", text), col)
    down = _FILLED.get(column)
    key = down.key_at(text, row) if down is not None else None
    if key is None:
        try:
            rows_at: list[tuple[int, int]] = []
            tokens = tokenize(text, row, col, rows_at)
            key = shape_key(tokens)
            if key not in _TREES:
                _TREES[key] = parse(tokens)
            _FILLED[column] = _FilledDown(key, text, row, rows_at)
        except FormulaSyntaxError as exc:
            key = "\0" + text  # unparseable text is its own shape
            _TREES[key] = exc
    if len(_SHAPES) > _MEMO_LIMIT:
        _SHAPES.clear()
        _FILLED.clear()
    _SHAPES[(text, row, col)] = key
    return key


class _FilledDown:
    """A parsed formula and where its relative row numbers are: the same formula filled down to
    another row of its column is its text with those numbers moved, and has its shape.

    A template's ≈1,500 formulas are a few dozen shapes filled down; tokenising each cost ≈0.1 ms,
    a sixth of every process's first workbook. A formula is matched by its text, which must equal
    this one's moved: anything else (another column, an absolute row that differs, a constant) is
    tokenised."""

    def __init__(self, key: str, text: str, row: int, rows_at: list[tuple[int, int]]):
        self.key, self.row = key, row
        self.numbers = [int(text[a:b]) for a, b in rows_at]
        cuts = [0, *(at for span in rows_at for at in span), len(text)]
        self.between = [text[a:b] for a, b in zip(cuts[::2], cuts[1::2], strict=True)]  # text around the numbers

    def key_at(self, text: str, row: int) -> str | None:
        """The shape key of `text` at `row` of the same column if it is this formula moved there."""
        moved = [n + row - self.row for n in self.numbers]
        if any(not 1 <= n <= MAX_ROW + 1 for n in moved):
            return None
        pieces = [self.between[0]]
        for n, after in zip(moved, self.between[1:], strict=True):
            pieces += (str(n), after)
        return self.key if "".join(pieces) == text else None


def _formula_shapes(book: Book, sheet_index: int) -> tuple[list[str], list[Problem]]:
    """Shape keys of a sheet's formula cells; shared-formula followers take their master's."""
    sheet = book.sheets[sheet_index]
    keys, problems, masters = [], [], {}
    cells = sheet.formula_cells
    for i, f in enumerate(formulas_of(sheet)):
        r, c = int(sheet.rows[cells[i]]), int(sheet.cols[cells[i]])
        key = _cell_shape(f, r, c, masters)
        if key is None or f.kind not in ("normal", "shared"):
            what = "rumus larik" if f.kind == "array" else "tabel data" if f.kind == "dataTable" else "rumus bersama"
            problems.append(Problem(sheet_index, r, c, "RECALC_UNSUPPORTED", f"{what} tidak dihitung ulang"))
            key = None
        keys.append(key)
    return keys, problems


def _cell_shape(f: Formula, r: int, c: int, masters: dict) -> str | None:
    if f.kind == "shared" and f.text is None:
        return masters.get(f.shared_index)
    key = shape_of(f.text or "", r, c)
    if f.kind == "shared":
        masters[f.shared_index] = key
    return key


# -- binding names and compiling a shape ------------------------------------------------------


class _Unsupported(Exception):
    pass


class _RaggedRange(Exception):
    """A range whose size differs between the cells of one shape (SUM($A$1:A5) filled down)."""


def _bind(tree: tuple, names: dict, sheet_index: int, depth: int = 0) -> tuple:
    """Replace names by what they refer to (their text parsed at A1)."""
    kind = tree[0]
    if kind == "name":
        text = names.get((tree[1], sheet_index)) or names.get((tree[1], None))
        if text is None or depth > 8:
            return ("err", xv.NAME)
        try:
            target = parse(tokenize(text.removeprefix("="), 0, 0))
        except FormulaSyntaxError:
            raise _Unsupported(f"nama {tree[1]} tidak dapat dibaca") from None
        return _bind(_absolute(target), names, sheet_index, depth + 1)
    if kind == "fn":
        return ("fn", tree[1], tuple(_bind(a, names, sheet_index, depth) for a in tree[2]))
    if kind in ("op",):
        return ("op", tree[1], _bind(tree[2], names, sheet_index, depth), _bind(tree[3], names, sheet_index, depth))
    if kind in ("neg", "pct"):
        return (kind, _bind(tree[1], names, sheet_index, depth))
    return tree


def _absolute(tree: tuple) -> tuple:
    """A name's references are written absolute; relative ones are taken as A1-anchored."""
    if tree[0] == "ref":
        return ("ref", tree[1], Coord(tree[2].at(0), True), Coord(tree[3].at(0), True))
    if tree[0] == "range":
        return ("range", tree[1], *(Coord(c.at(0), True) for c in tree[2:]))
    return tree


@dataclass
class _Leaf:
    node: tuple  # ("ref", sheet, r, c) or ("range", sheet, r1, c1, r2, c2)
    sheet: int
    scalar: bool  # a range in a scalar position: intersected with the formula's row/column


def _compile(tree: tuple, leaves: list[_Leaf], sheets: dict[str, int], here: int, scalar: bool = True) -> tuple:
    """The program of a bound tree; references become numbered leaves."""
    kind = tree[0]
    if kind in ("ref", "range"):
        sheet = here if tree[1] is None else sheets.get(tree[1].lower())
        if sheet is None:
            return ("const", xv.errors((), xv.REF))
        leaves.append(_Leaf(tree, sheet, scalar and kind == "range"))
        return ("in", len(leaves) - 1, kind == "range" and not scalar)
    if kind == "num" or kind == "bool":
        return ("const", xv.const(tree[1] if kind == "bool" else float(tree[1])))
    if kind == "str":
        return ("const", xv.const(tree[1]))
    if kind == "err":
        return ("const", xv.errors((), tree[1]))
    if kind == "missing":
        return ("const", xv.const(None))
    if kind == "fn":
        name = tree[1]
        if name not in fns.FUNCTIONS:
            raise _Unsupported(name)
        keeps = fns.RANGE_ARGS.get(name, frozenset())
        args = tuple(_compile(a, leaves, sheets, here, scalar=i not in keeps) for i, a in enumerate(tree[2]))
        return ("fn", name, args)
    if kind == "op":
        return ("op", tree[1], _compile(tree[2], leaves, sheets, here), _compile(tree[3], leaves, sheets, here))
    return (kind, _compile(tree[1], leaves, sheets, here))


# -- building a plan ---------------------------------------------------------------------------


def sheet_bounds(book: Book, si: int) -> tuple[int, int]:
    """The last row and column holding a cell (the sheet must be parsed)."""
    s = book.sheets[si]
    return int(s.rows.max(initial=0)), int(s.cols.max(initial=0))


def build(book: Book, parse_sheet: Callable[[int], None]) -> Plan:
    """The plan of a workbook's formula layout (formula sheets parsed, formulas extracted).

    `parse_sheet(i)` parses sheet i on demand: whole columns and rows (A:A, 1:1) are cut
    to the cells present, so a sheet they read must be parsed to know its extent.
    """
    sheets = {s.name.lower(): i for i, s in enumerate(book.sheets)}
    used: dict[int, tuple[int, int]] = {}

    def bound(si: int) -> tuple[int, int]:
        if si not in used:
            parse_sheet(si)
            used[si] = sheet_bounds(book, si)
        return used[si]

    cells: list[tuple[int, int, int, str]] = []  # (sheet, row, col, key)
    problems: list[Problem] = []
    for si, sheet in enumerate(book.sheets):
        if not len(sheet.formula_cells):
            continue
        keys, bad = _formula_shapes(book, si)
        problems += bad
        fc = sheet.formula_cells
        cells += [(si, int(sheet.rows[i]), int(sheet.cols[i]), k) for i, k in zip(fc, keys, strict=True)]
    by_shape: dict[tuple[int, str], list[int]] = {}
    for n, (si, _, _, key) in enumerate(cells):
        if key is not None:
            by_shape.setdefault((si, key), []).append(n)
    # Slots: every formula cell, then every cell a formula reads.
    positions = [np.array([(si, r, c) for si, r, c, _ in cells], np.int64).reshape(-1, 3)]
    raw_groups, fallback_shapes = [], set()
    for (si, key), members in by_shape.items():
        rows = np.array([cells[n][1] for n in members], np.int64)
        cols = np.array([cells[n][2] for n in members], np.int64)
        tree = _TREES[key]
        leaves: list[_Leaf] = []
        fallback = None
        try:
            if isinstance(tree, FormulaSyntaxError):
                raise _Unsupported(f"rumus tidak terbaca: {tree}")
            bound_tree = _bind(tree, book.names, si)
            try:
                program = _compile(bound_tree, leaves, sheets, si)
            except _Unsupported:
                from .recalc_fallback import Fallback

                leaves = []
                fallback = Fallback(bound_tree, book, si, rows[0], cols[0], leaves, sheets, bound)
                program = ("fallback",)
                fallback_shapes.add(key)
        except _Unsupported as exc:
            name = str(exc)
            detail = f"fungsi {name} tidak didukung" if name.isupper() else name
            problems += [
                Problem(si, int(r), int(c), "RECALC_UNSUPPORTED", detail) for r, c in zip(rows, cols, strict=True)
            ]
            continue
        try:
            parts = [(members, rows, cols, [_leaf_positions(leaf, rows, cols, bound) for leaf in leaves])]
        except _RaggedRange:  # a range growing down the column (a running total): one cell at a time
            parts = [
                (
                    [m],
                    rows[j : j + 1],
                    cols[j : j + 1],
                    [_leaf_positions(leaf, rows[j : j + 1], cols[j : j + 1], bound) for leaf in leaves],
                )
                for j, m in enumerate(members)
            ]
        for part_members, part_rows, part_cols, inputs in parts:
            positions += [p.reshape(-1, 3) for p in inputs]
            raw_groups.append((si, key, program, part_members, part_rows, part_cols, inputs, fallback))
    formula_at = {(si, r, c) for si, r, c, _ in cells}
    probe_keys = {p: key for p, key in overwrite_candidates(cells).items() if p not in formula_at}
    probes = list(probe_keys)
    positions.append(np.array(probes, np.int64).reshape(-1, 3))
    table = np.concatenate(positions, axis=0)
    # A position on a sheet is on it (`_stack` gives the others a negative sheet), so one int64
    # holds it in the same order: unique keys, not unique rows (41 ms → 1 ms for a template).
    flat = np.unique(_encode(table[table[:, 0] >= 0]))
    table = _decode(flat)

    def slot(p: np.ndarray) -> np.ndarray:
        p3 = p.reshape(-1, 3)
        index = np.searchsorted(flat, _encode(np.maximum(p3, 0))) + SPECIAL
        index[p3[:, 0] == _OFF_SHEET] = 1
        index[p3[:, 0] == _NO_INTERSECTION] = 2
        return index.reshape(p.shape[:-1])

    pad = np.full(SPECIAL, -1, np.int64)
    formula_slots = slot(positions[0])
    plan = Plan(
        [s.name for s in book.sheets],
        np.concatenate([pad, table[:, 0]]),
        np.concatenate([pad, table[:, 1]]),
        np.concatenate([pad, table[:, 2]]),
        formula_slots,
        [k or "" for *_, k in cells],
        problems=problems,
        fallback_shapes=fallback_shapes,
        probes=probes,
        probe_keys=probe_keys,
        probe_slots=slot(positions[-1]),
        bounds=used,
    )
    groups = [
        Group(si, key, program, formula_slots[members], [slot(p) for p in inputs], rows, cols, fallback)
        for si, key, program, members, rows, cols, inputs, fallback in raw_groups
    ]
    plan.groups = _levelled(plan, groups)
    return plan


def overwrite_candidates(cells: list[tuple[int, int, int, str | None]]) -> dict[tuple[int, int, int], str]:
    """Cells in a gap (≤ 3 rows) between two identical formulas of a column, with that formula's
    shape: a number typed there most likely replaced it."""
    columns: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for s, r, c, key in cells:
        if key:
            columns.setdefault((s, c), []).append((r, key))
    out = {}
    for (s, c), run in columns.items():
        run.sort()
        for (r0, k0), (r1, k1) in zip(run, run[1:], strict=False):
            if k0 == k1 and 1 < r1 - r0 <= 4:
                out.update({(s, r, c): k0 for r in range(r0 + 1, r1)})
    return out


def _encode(p: np.ndarray) -> np.ndarray:
    return (p[:, 0] << 40) | (p[:, 1] << 14) | p[:, 2]


def _decode(flat: np.ndarray) -> np.ndarray:
    """`_encode`'s (sheet, row, col) rows back from its keys."""
    return np.stack([flat >> 40, (flat >> 14) & ((1 << 26) - 1), flat & ((1 << 14) - 1)], axis=1)


def _leaf_positions(leaf: _Leaf, rows: np.ndarray, cols: np.ndarray, bound) -> np.ndarray:
    """(sheet, row, col) per cell: (k, 3) for a cell, (k|1, R, C, 3) for a range; sheet -1 = #REF!."""
    node, sheet = leaf.node, leaf.sheet
    if node[0] == "ref":
        r, c = _at(node[2], rows), _at(node[3], cols)
        return _stack(sheet, r, c)
    r1, c1, r2, c2 = (_at(node[2], rows), _at(node[3], cols), _at(node[4], rows), _at(node[5], cols))
    r1, r2 = np.minimum(r1, r2), np.maximum(r1, r2)
    c1, c2 = np.minimum(c1, c2), np.maximum(c1, c2)
    if np.any(r2 >= MAX_ROW) or np.any(c2 >= MAX_COL):  # whole columns/rows: cut to the cells present
        max_row, max_col = bound(sheet)
        r2 = np.where(r2 >= MAX_ROW, np.maximum(r1, max_row), r2)
        c2 = np.where(c2 >= MAX_COL, np.maximum(c1, max_col), c2)
    if leaf.scalar:  # implicit intersection: the range's cell in the formula's row (or column)
        single_row, single_col = (r1 == r2), (c1 == c2)
        r = np.where(single_row, r1, rows)
        c = np.where(single_col, c1, cols)
        ok = (single_row | ((rows >= r1) & (rows <= r2))) & (single_col | ((cols >= c1) & (cols <= c2)))
        ok &= single_row | single_col
        out = _stack(sheet, r, c)
        out[~ok, 0] = _NO_INTERSECTION
        return out
    same = np.ndim(r1) == 0 or (
        np.all(r1 == r1[0]) and np.all(r2 == r2[0]) and np.all(c1 == c1[0]) and np.all(c2 == c2[0])
    )
    if same:
        r1, c1, r2, c2 = (np.atleast_1d(x)[:1] for x in (r1, c1, r2, c2))
    height, width = int((r2 - r1).max()) + 1, int((c2 - c1).max()) + 1
    if np.any(r2 - r1 + 1 != height) or np.any(c2 - c1 + 1 != width):
        raise _RaggedRange
    rr = r1[:, None, None] + np.arange(height)[None, :, None]
    cc = c1[:, None, None] + np.arange(width)[None, None, :]
    rr, cc = np.broadcast_arrays(rr, cc)
    return _stack(sheet, rr, cc)


def _at(coord: Coord, origin: np.ndarray) -> np.ndarray:
    return np.full(origin.shape, coord.value, np.int64) if coord.absolute else origin + coord.value


def _stack(sheet: int, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    out = np.stack([np.full(np.shape(r), sheet, np.int64), r, c], axis=-1)
    out[(r < 0) | (c < 0) | (r > MAX_ROW) | (c > MAX_COL), 0] = _OFF_SHEET
    return out


def _levelled(plan: Plan, groups: list[Group]) -> list[Group]:
    """Split groups by dependency level (the waves of Kahn's algorithm); cells on cycles are problems."""
    writer = np.full(plan.size, -1, np.int64)  # slot → formula node writing it
    first = np.cumsum([0] + [g.out.size for g in groups])
    for g, group in enumerate(groups):
        writer[group.out] = np.arange(first[g], first[g + 1])
    m = int(first[-1])
    src, dst = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for g, group in enumerate(groups):
        ids = np.arange(first[g], first[g + 1])
        for slots in group.inputs:
            flat = slots.reshape(slots.shape[0], -1)
            flat = np.broadcast_to(flat, (ids.size, flat.shape[1]))
            w = writer[flat]
            hit = w >= 0
            src.append(w[hit])
            dst.append(np.broadcast_to(ids[:, None], flat.shape)[hit])
    src, dst = np.concatenate(src), np.concatenate(dst)
    indegree = np.bincount(dst, minlength=m)
    order = np.argsort(src, kind="stable")
    targets_sorted, starts = dst[order], np.searchsorted(src[order], np.arange(m + 1))
    level = np.full(m, -1, np.int64)
    frontier, depth = np.flatnonzero(indegree == 0), 0
    while frontier.size:
        level[frontier] = depth
        counts = starts[frontier + 1] - starts[frontier]
        total = int(counts.sum())
        if not total:
            break
        idx = np.repeat(starts[frontier] - (np.cumsum(counts) - counts), counts) + np.arange(total)
        targets = targets_sorted[idx]
        np.subtract.at(indegree, targets, 1)
        frontier = np.unique(targets[indegree[targets] == 0])
        depth += 1
    out: list[Group] = []
    for g, group in enumerate(groups):
        lv = level[first[g] : first[g + 1]]
        for j in np.flatnonzero(lv < 0):
            plan.problems.append(
                Problem(group.sheet, int(group.rows[j]), int(group.cols[j]), "RECALC_CIRCULAR", "referensi melingkar")
            )
        for value in np.unique(lv[lv >= 0]):
            sel = lv == value
            inputs = [s[sel] if s.shape[0] == sel.size else s for s in group.inputs]
            out.append(
                Group(
                    group.sheet,
                    group.key,
                    group.program,
                    group.out[sel],
                    inputs,
                    group.rows[sel],
                    group.cols[sel],
                    group.fallback,
                    int(value),
                )
            )
    out.sort(key=lambda grp: grp.level)
    return out
