"""Cell-by-cell evaluation with the `formulas` library, for shapes `recalc_functions` lacks.

`formulas` compiles a formula into a function of the cells it references; the shape
is compiled once (at its first cell) and called per cell and workbook with the
values found at the references moved to that cell. Calls cost 0.1–0.6 ms each, so
this path is for the rare shape. Functions `formulas` does not implement raise on
call: the shape's cells are then reported and keep their cached values.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import numpy as np

from .recalc_parse import MAX_COL, MAX_ROW, Coord, FormulaSyntaxError, a1, parse, tokenize
from .recalc_read import BLANK, BOOL, ERR, NUM, STR, Book


class Fallback:
    """A shape compiled by `formulas`; its references are registered as the group's leaves."""

    def __init__(
        self, tree: tuple, book: Book, sheet: int, row: int, col: int, leaves: list, sheets: dict[str, int], bound
    ):
        from .recalc_plan import _Leaf, _Unsupported

        try:
            import formulas
        except ImportError:  # pragma: no cover - formulas is a declared dependency of recalculation
            raise _Unsupported("pustaka formulas tidak terpasang") from None
        text = a1(_bounded(tree, bound, sheet, sheets), book.sheets[sheet].name, int(row), int(col))
        try:
            with quiet():
                self.func = formulas.Parser().ast("=" + text)[1].compile()
        except Exception as exc:  # formulas raises many kinds on what it cannot parse
            raise _Unsupported(f"formulas tidak dapat mengompilasi rumus: {exc.__class__.__name__}") from None
        self.ranges = []
        for key in self.func.inputs:
            try:
                node = parse(tokenize(key, int(row), int(col)))
            except FormulaSyntaxError:
                raise _Unsupported(f"masukan {key} tidak terbaca") from None
            if node[0] not in ("ref", "range"):
                raise _Unsupported(f"nama {key} tidak dikenal")
            target = sheet if node[1] is None else sheets.get(node[1].lower())
            if target is None:
                raise _Unsupported(f"sheet pada {key} tidak ada")
            leaves.append(_Leaf(node, target, False))
            self.ranges.append(node[0] == "range")
        self.text = text

    def run(self, group, store) -> dict[int, str]:
        """Evaluate every cell of `group` in every workbook of `store`; failures by slot."""
        from schedula import EMPTY

        failures: dict[int, str] = {}
        w = store.kind.shape[0]
        for j, slot in enumerate(group.out):
            for b in range(w):
                args = []
                for slots, is_range in zip(group.inputs, self.ranges, strict=True):
                    at = slots[j] if slots.shape[0] == group.out.size else slots[0]
                    if is_range:
                        values = [_to_formulas(store, b, s, EMPTY) for s in at.reshape(-1)]
                        arr = np.empty(len(values), object)
                        arr[:] = values
                        args.append(arr.reshape(at.shape))
                    else:
                        args.append(_to_formulas(store, b, int(at), EMPTY))
                try:
                    with quiet():
                        result = self.func(*args)
                except Exception as exc:  # NotImplementedError inside a DispatcherError, mostly
                    failures[int(slot)] = _reason(exc)
                    continue
                _store(store, b, int(slot), result, EMPTY)
        return failures


@contextmanager
def quiet():
    """`formulas` and `schedula` log a traceback for every function they lack: users see findings instead."""
    loggers = [logging.getLogger(name) for name in ("formulas", "schedula")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "NotImplementedError" in repr(exc) or "DISPATCHING" in text:
        name = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], str) else ""
        return f"fungsi {name} tidak didukung".replace("  ", " ")
    return f"gagal dihitung: {exc.__class__.__name__}"


def _to_formulas(store, b: int, slot: int, empty):
    k = store.kind[b, slot]
    if k == BLANK:
        return empty
    if k == NUM:
        return float(store.num[b, slot])
    if k == BOOL:
        return bool(store.num[b, slot])
    if k == STR:
        return store.txt[b, slot]
    from formulas.tokens.operand import Error

    return Error.errors.get(store.txt[b, slot], Error.errors["#VALUE!"])


def _store(store, b: int, slot: int, result, empty) -> None:
    if isinstance(result, np.ndarray):
        result = result.reshape(-1)[0] if result.size else empty
    from formulas.tokens.operand import XlError

    kind, num, txt = NUM, 0.0, None
    if result is empty or result is None:
        kind = NUM  # a reference to a blank cell shows as 0
    elif isinstance(result, XlError):
        kind, txt = ERR, str(result)
    elif isinstance(result, bool | np.bool_):
        kind, num = BOOL, float(result)
    elif isinstance(result, str):
        kind, txt = STR, str(result)
    else:
        num = float(result)
        if not np.isfinite(num):
            kind, txt, num = ERR, "#NUM!", 0.0
    store.kind[b, slot], store.num[b, slot], store.txt[b, slot] = kind, num, txt


def _bounded(tree: tuple, bound, here: int, sheets: dict[str, int]) -> tuple:
    """Whole-column/row ranges cut to the cells present (`formulas` would build a million-row array)."""
    kind = tree[0]
    if kind == "range":
        r1, c1, r2, c2 = tree[2:]
        if (r2.absolute and r2.value >= MAX_ROW) or (c2.absolute and c2.value >= MAX_COL):
            max_row, max_col = bound(here if tree[1] is None else sheets.get(tree[1].lower(), here))
            if r2.absolute and r2.value >= MAX_ROW:
                r2 = Coord(max(max_row, r1.value if r1.absolute else 0), True)
            if c2.absolute and c2.value >= MAX_COL:
                c2 = Coord(max(max_col, c1.value if c1.absolute else 0), True)
        return ("range", tree[1], r1, c1, r2, c2)
    if kind == "fn":
        return ("fn", tree[1], tuple(_bounded(a, bound, here, sheets) for a in tree[2]))
    if kind == "op":
        return ("op", tree[1], _bounded(tree[2], bound, here, sheets), _bounded(tree[3], bound, here, sheets))
    if kind in ("neg", "pct"):
        return (kind, _bounded(tree[1], bound, here, sheets))
    return tree
