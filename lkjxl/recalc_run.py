"""Run a plan over one or many workbooks: (workbooks × slots) arrays, one call per group.

The workbooks' slot vectors are stacked, and each group — the cells of one shape and
dependency level — is evaluated by one call of its compiled shape over all its cells
and all the workbooks, results written back before the next level reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import recalc_functions as fns
from . import recalc_values as xv
from .recalc_plan import SPECIAL, Plan
from .recalc_read import ERR, STR, Book


@dataclass
class Store:
    """The slot values of W workbooks: (W, slots) arrays."""

    kind: np.ndarray
    num: np.ndarray
    txt: np.ndarray


def gather(plan: Plan, book: Book) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One workbook's values at the plan's slots (blank where it has no cell); formula cells hold their cache."""
    n = plan.size
    kind, num, txt = np.zeros(n, np.int8), np.zeros(n), np.empty(n, object)
    kind[1:SPECIAL], txt[1:SPECIAL] = ERR, (xv.REF, xv.VALUE)
    for si, sel, want in plan.sheet_slots():
        sheet = book.sheets[si]
        if not sheet.rows.size:
            continue
        keys = sheet.keys()
        at = np.minimum(np.searchsorted(keys, want), keys.size - 1)
        found = keys[at] == want
        src, dst = at[found], sel[found]
        kind[dst], num[dst], txt[dst] = sheet.kind[src], sheet.num[src], sheet.txt[src]
    return kind, num, txt


def run(plan: Plan, store: Store) -> dict[int, str]:
    """Evaluate every group in level order, writing results into `store`; returns fallback errors by slot."""
    failures: dict[int, str] = {}
    w = store.kind.shape[0]
    # Every formula cell is written once, before any cell reading it is evaluated, so a range
    # gathered once is final: groups reading the same range share it (and its lower-cased text).
    ranges: dict[bytes, xv.V] = {}
    for group in plan.groups:
        if group.fallback is not None:
            failures.update(group.fallback.run(group, store))
            continue
        args = []
        for slots in group.inputs:
            if slots.ndim > 1 and slots.shape[0] == 1:
                key = slots.tobytes() + bytes(slots.shape)
                arg = ranges.get(key)
                if arg is None:
                    arg = ranges[key] = _argument(store, slots)
                args.append(arg)
            else:
                args.append(_argument(store, slots))
        value = _evaluate(group.program, args)
        result = xv.final(value, (w, group.out.size))
        store.kind[:, group.out] = result.kind
        store.num[:, group.out] = result.num
        if result.txt is not None:
            store.txt[:, group.out] = result.txt
        else:
            store.txt[:, group.out] = None
    return failures


_TEXTY = np.isin(np.arange(5), [STR, ERR])  # by kind code: whether the value is in `txt`


def _argument(store: Store, slots: np.ndarray) -> xv.V:
    kind = store.kind[:, slots]
    return xv.V(kind, store.num[:, slots], store.txt[:, slots] if xv.some(_TEXTY[kind]) else None)


def _evaluate(node: tuple, args: list[xv.V]) -> xv.V:
    kind = node[0]
    if kind == "in":
        return args[node[1]]
    if kind == "const":
        return node[1]
    if kind == "fn":
        values = [_evaluate(a, args) for a in node[2]]
        wrapped = [fns.Arg(v, a[0] == "in", a[0] == "in" and a[2]) for v, a in zip(values, node[2], strict=True)]
        return fns.FUNCTIONS[node[1]](wrapped)
    if kind == "op":
        a, b = _evaluate(node[2], args), _evaluate(node[3], args)
        op = node[1]
        if op in ("=", "<>", "<", ">", "<=", ">="):
            return xv.compare(op, a, b)
        if op == "&":
            return xv.concat(a, b)
        return xv.arithmetic(op, a, b)
    if kind == "neg":
        return xv.negate(_evaluate(node[1], args))
    if kind == "pct":
        return xv.percent(_evaluate(node[1], args))
    raise ValueError(kind)
