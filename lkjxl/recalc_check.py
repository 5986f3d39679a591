"""Run a plan over the workbooks that share it and turn the outcome into findings.

Cached values are compared with the recomputed ones for all workbooks of a plan at
once; what depends only on the formula layout (typed values inside formula columns,
formulas unlike their column, differences from the set's template) is worked out
once per plan and repeated for each of its workbooks.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from . import recalc_plan as rp
from . import recalc_run as rr
from .recalc_parse import a1, cell_name
from .recalc_read import BLANK, BOOL, ERR, NUM, STR
from .recalc_result import ABS_TOL, KEPT, REL_TOL, Cells, Result, Stats, finding, python_value, show

_REF = re.compile(
    r"(?:'(?:[^']|'')*'!)?(?:R(?:\[-?\d+\]|\d+)?C(?:\[-?\d+\]|\d+)?|R(?:\[-?\d+\]|\d+)|C(?:\[-?\d+\]|\d+))(?::\S*?(?=[,)=<>+\-*/&^]|$))?"
)
_WORD = re.compile(r'"(?:[^"]|"")*"|[A-Z_][A-Z0-9_.]*(?!\()|\d+(?:\.\d*)?(?:E[-+]?\d+)?')


def skeleton(key: str) -> str:
    """A shape with its references, names and numbers blanked: what kind of formula it is."""
    out = _SKELETONS.get(key)
    if out is None:
        out = _SKELETONS[key] = _WORD.sub(
            lambda m: m.group(0) if m.group(0).startswith('"') else "x", _REF.sub("r", key)
        )
    return out


_SKELETONS: dict[str, str] = {}


def evaluate(plan: rp.Plan, members: list, template: tuple | None) -> list[tuple[int, Result]]:
    """Recalculate the workbooks `members` ((index, path, slot values, read seconds)) of one plan."""
    store = rr.Store(*(np.stack([m[2][i] for m in members]) for i in range(3)))
    f = plan.formula_slots
    cached = (store.kind[:, f].copy(), store.num[:, f].copy(), store.txt[:, f].copy())
    failures = rr.run(plan, store)
    now = (store.kind[:, f], store.num[:, f], store.txt[:, f])
    cells = Cells(plan.sheets, plan.slot_sheet[f], plan.slot_row[f], plan.slot_col[f])
    layout = _layout_findings(plan, failures, template)
    stale, no_cache = _disagreements(cached, now, np.isin(f, list(_problem_slots(plan) | set(failures))))
    over = _typed_values(plan, store)
    fallback = [g for g in plan.groups if g.fallback is not None and not set(g.out.tolist()) & set(failures)]
    fallback_cells = sum(g.out.size for g in fallback)
    fallback_names = ", ".join(sorted({name for g in fallback for name in _functions(g.key)}))
    stats = Stats(
        f.size,
        len(set(plan.formula_keys) - {""}),
        len(plan.groups),
        fallback_cells,
        sum(1 for code, *_ in layout if code in KEPT),
    )
    out = []
    for b, (n, path, *_) in enumerate(members):
        typed = {(s, r, c): value for (s, r, c), value in over(b)}
        findings = [
            finding(code, path, plan.sheets[s], cell_name(r, c), **params)
            for code, s, r, c, params in layout
            if (s, r, c) not in typed  # a typed-over cell is one finding, with the value typed
        ]
        findings += [
            finding(
                "FORMULA_OVERWRITTEN",
                path,
                plan.sheets[s],
                cell_name(r, c),
                show(value),
                expected="=" + _text(plan.probe_keys[(s, r, c)], plan.sheets[s], r, c),
            )
            for (s, r, c), value in typed.items()
        ]
        for j in np.flatnonzero(stale[b]):
            value, old = (python_value(k[b, j], x[b, j], t[b, j]) for k, x, t in (now, cached))
            where = (plan.sheets[cells.sheet[j]], cell_name(cells.row[j], cells.col[j]))
            findings.append(finding("CACHE_STALE", path, *where, show(old), cached=show(old), expected=show(value)))
        if no_cache[b]:
            findings.append(finding("RECALC_NO_CACHE", path, value=int(no_cache[b])))
        if fallback_cells:
            findings.append(finding("RECALC_FALLBACK", path, value=fallback_cells, detail=fallback_names))
        out.append((n, Result(path, findings, stats, cells, now[0][b], now[1][b], now[2][b])))
    return out


def _functions(key: str) -> set[str]:
    return set(re.findall(r"([A-Z_][A-Z0-9_.]*)\(", key))


def _problem_slots(plan: rp.Plan) -> set[int]:
    where = {(p.sheet, p.row, p.col) for p in plan.problems}
    f = plan.formula_slots
    return {
        int(slot)
        for slot, s, r, c in zip(f, plan.slot_sheet[f], plan.slot_row[f], plan.slot_col[f], strict=True)
        if (int(s), int(r), int(c)) in where
    }


def _disagreements(cached, now, skip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(stale, no-cache counts): cached ≠ recomputed (text exact, numbers within 1e-9 relative)."""
    k0, n0, t0 = cached
    k1, n1, t1 = now
    empty_text = (k1 == STR) & (t1 == "")
    no_cache = (k0 == BLANK) & ~empty_text & ~skip
    same_kind = k0 == k1
    numeric = same_kind & ((k1 == NUM) | (k1 == BOOL))
    with np.errstate(all="ignore"):
        close = np.abs(n0 - n1) <= np.maximum(REL_TOL * np.maximum(np.abs(n0), np.abs(n1)), ABS_TOL)
    texty = same_kind & ((k1 == STR) | (k1 == ERR))
    agree = (numeric & close) | (texty & (t0 == t1)) | ((k0 == BLANK) & empty_text) | (same_kind & (k1 == BLANK))
    return ~agree & ~skip & (k0 != BLANK), no_cache.sum(axis=1)


def _layout_findings(plan: rp.Plan, failures: dict[int, str], template: tuple | None) -> list:
    """Findings that depend on the formula layout only: (code, sheet, row, col, parts)."""
    out = [(p.code, p.sheet, p.row, p.col, {"detail": p.detail}) for p in plan.problems]
    f = plan.formula_slots
    where = dict(zip(f.tolist(), zip(plan.slot_sheet[f], plan.slot_row[f], plan.slot_col[f], strict=True), strict=True))
    for slot, reason in sorted(failures.items()):
        s, r, c = where[slot]
        out.append(("RECALC_UNSUPPORTED", int(s), int(r), int(c), {"detail": reason}))
    if plan.unusual is None:
        plan.unusual = _unusual(plan)
    out += [
        ("RECALC_UNUSUAL", s, r, c, {"value": "=" + _text(key, plan.sheets[s], r, c)}) for s, r, c, key in plan.unusual
    ]
    if template is not None and template[1] is not None:
        out += _template_diff(plan, template[1])
    return out


def _columns(plan: rp.Plan) -> dict[tuple[int, int], list[tuple[int, str]]]:
    f = plan.formula_slots
    columns: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for s, r, c, key in zip(plan.slot_sheet[f], plan.slot_row[f], plan.slot_col[f], plan.formula_keys, strict=True):
        columns.setdefault((int(s), int(c)), []).append((int(r), key))
    for cells in columns.values():
        cells.sort()
    return columns


def _unusual(plan: rp.Plan) -> list[tuple[int, int, int, str]]:
    """Formulas breaking a run of identical ones whose kind occurs nowhere else on the sheet."""
    columns = _columns(plan)
    kinds: dict[int, Counter] = {}
    for (s, _), cells in columns.items():
        kinds.setdefault(s, Counter()).update(skeleton(k) for _, k in cells if k)
    found = []
    for (s, c), cells in columns.items():
        for (r0, k0), (r1, k1), (r2, k2) in zip(cells, cells[1:], cells[2:], strict=False):
            if r0 + 1 == r1 == r2 - 1 and k0 == k2 and k1 != k0 and k1 and kinds[s][skeleton(k1)] == 1:
                found.append((s, r1, c, k1))
    return found


def _typed_values(plan: rp.Plan, store: rr.Store):
    """Per workbook: the numbers typed in gaps of formula columns (labels there are layout)."""

    def values(b: int):
        for where, slot in zip(plan.probes, plan.probe_slots, strict=True):
            if store.kind[b, slot] == NUM:
                yield where, float(store.num[b, slot])

    return values


def layout(plan: rp.Plan) -> dict[tuple[str, int, int], str]:
    """{(sheet name, row, col): shape key} of a plan's formula cells."""
    f = plan.formula_slots
    where = zip(plan.slot_sheet[f], plan.slot_row[f], plan.slot_col[f], plan.formula_keys, strict=True)
    return {(plan.sheets[s], int(r), int(c)): key for s, r, c, key in where}


def _template_diff(plan: rp.Plan, template: dict) -> list:
    """Cells whose formula differs from the set's template layout, is missing, or is extra."""
    mine, index = layout(plan), {name: i for i, name in enumerate(plan.sheets)}
    out = []
    for sheet, r, c in sorted(template.keys() | mine.keys()):
        if sheet not in index:
            continue
        have, want = mine.get((sheet, r, c)), template.get((sheet, r, c))
        if have == want:
            continue
        if want is None:
            out.append(("RECALC_TEMPLATE", index[sheet], r, c, {"value": "=" + _text(have, sheet, r, c)}))
        else:
            found = "bukan rumus" if have is None else "=" + _text(have, sheet, r, c)
            params = {"value": found, "expected": "=" + _text(want, sheet, r, c)}
            out.append(("FORMULA_OVERWRITTEN", index[sheet], r, c, params))
    return out


def _text(key: str, sheet: str, r: int, c: int) -> str:
    tree = rp._TREES.get(key)
    if tree is None or isinstance(tree, Exception):
        return key.lstrip("\0")
    return a1(tree, sheet, r, c)
