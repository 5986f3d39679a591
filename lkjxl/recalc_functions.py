"""Excel functions over value arrays (`recalc_values.V`), each evaluated once per shape.

Covers what lkjxl templates write (EXCEL_NOTES.md: IF, IFERROR, AND/OR, SUM,
AVERAGE, MIN/MAX, COUNT/COUNTA, SUMIFS, AVERAGEIF, COUNTIFS, MATCH, ROUND, TRUNC)
and the common rest of that family (VLOOKUP, INDEX, SUMIF, ROUNDUP, IS…). A shape
calling anything else is evaluated cell by cell by the `formulas` library instead.

Arguments arrive as `Arg`s (`recalc_values`): aggregates skip text in references but
coerce typed-in values. Criteria and lookups are in `recalc_lookup`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import recalc_lookup as lk
from .recalc_read import BLANK, BOOL, ERR, NUM, STR
from .recalc_values import (
    DIV0,
    NA,
    VALUE,
    Arg,
    V,
    _any,
    cells_of,
    concat_axes,
    const,
    errors,
    first_code,
    first_error,
    left_sum,
    numbers,
    select,
    shapes,
    spread,
    to_bool,
    to_number,
    to_text,
    with_errors,
)
from .rules import excel_round, excel_trunc


def _numbers_of(args: list[Arg], *, bools_direct: bool = True):
    """Per argument: (values, counted) over (…, n), and the error mask/codes, as SUM sees them."""
    parts, err_mask, err_codes = [], np.zeros((), bool), None
    for arg in reversed(args):
        cells = cells_of(arg)
        if arg.ref:
            counted = cells.kind == NUM
            values = cells.num
            err = cells.kind == ERR
        else:
            coerced = to_number(cells) if bools_direct else cells
            counted = (coerced.kind == NUM) & (cells.kind != BLANK)
            values = coerced.num
            err = coerced.kind == ERR
        if _any(err):
            code = first_code(err, to_number(cells) if not arg.ref else cells)
            any_err = err.any(axis=-1)
            err_codes = np.where(any_err, code, err_codes)
            err_mask = err_mask | any_err
        parts.append((values, counted))
    return parts[::-1], err_mask, err_codes


def _aggregate(reduce: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]], empty: V | None):
    def f(args: list[Arg]) -> V:
        parts, err_mask, err_codes = _numbers_of(args)
        values = concat_axes([spread(v, shapes(v.shape, c.shape)) for v, c in parts])
        counted = concat_axes([spread(c, shapes(v.shape, c.shape)) for v, c in parts])
        result, count = reduce(values, counted)
        out = numbers(result)
        if empty is not None and _any(count == 0):
            out = select(count == 0, empty, out)
        return with_errors(out, err_mask, err_codes)

    return f


def _sum(values, counted):
    return left_sum(np.where(counted, values, 0.0)), counted.sum(axis=-1)


def _min(values, counted):
    return np.where(counted, values, np.inf).min(axis=-1), counted.sum(axis=-1)


def _max(values, counted):
    return np.where(counted, values, -np.inf).max(axis=-1), counted.sum(axis=-1)


def _average(values, counted):
    n = counted.sum(axis=-1)
    with np.errstate(all="ignore"):
        return left_sum(np.where(counted, values, 0.0)) / np.maximum(n, 1), n


def _count(args: list[Arg]) -> V:
    total = 0
    for arg in args:
        cells = cells_of(arg)
        if arg.ref:
            total = total + (cells.kind == NUM).sum(axis=-1)
        else:
            total = total + ((to_number(cells).kind == NUM) & (cells.kind != BLANK)).sum(axis=-1)
    return numbers(np.asarray(total, float))


def _counta(args: list[Arg]) -> V:
    total = 0
    for arg in args:
        total = total + (cells_of(arg).kind != BLANK).sum(axis=-1)
    return numbers(np.asarray(total, float))


def _countblank(args: list[Arg]) -> V:
    cells = cells_of(args[0])
    empty = (cells.kind == BLANK) | ((cells.kind == STR) & (cells.texts() == ""))
    return numbers(empty.sum(axis=-1).astype(float))


def _logic(all_: bool):
    def f(args: list[Arg]) -> V:
        truth, seen = None, None
        err_mask, err_codes = np.zeros((), bool), None
        for arg in args:
            cells = cells_of(arg)
            if arg.ref:
                counted = (cells.kind == NUM) | (cells.kind == BOOL)
                values = cells.num != 0
                err = cells.kind == ERR
                codes_from = cells
            else:
                b = to_bool(cells)
                counted = (b.kind == BOOL) & (cells.kind != BLANK)
                values = b.num != 0
                err = b.kind == ERR
                codes_from = b
            if _any(err):
                any_err = err.any(axis=-1)
                err_codes = np.where(any_err & ~err_mask, first_code(err, codes_from), err_codes)
                err_mask = err_mask | any_err
            part = np.where(counted, values, True).all(axis=-1) if all_ else (counted & values).any(axis=-1)
            any_counted = counted.any(axis=-1)
            truth = part if truth is None else ((truth & part) if all_ else (truth | part))
            seen = any_counted if seen is None else (seen | any_counted)
        out = V(np.full(np.shape(truth), BOOL, np.int8), np.asarray(truth, float))
        none = ~seen
        if _any(none):
            out = select(none, errors((), VALUE), out)
        return with_errors(out, err_mask, err_codes)

    return f


# -- rounding and maths ----------------------------------------------------------------------


def _unique_map(fn: Callable[[float, int], float], x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """fn over the distinct (x, n) pairs only: capaian values repeat a lot across a set."""
    shape = shapes(x.shape, n.shape)
    pairs = np.stack([spread(x, shape).reshape(-1), spread(n, shape).reshape(-1)], axis=1)
    uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
    mapped = np.array([fn(a, int(b)) for a, b in uniq], float)
    return mapped[inverse.reshape(-1)].reshape(shape)


def _excel_roundup(x: float, n: int) -> float:
    from decimal import ROUND_UP

    from .rules import _excel

    return _excel(x, n, ROUND_UP)


def _rounding(fn):
    def f(args):
        x = to_number(args[0].v)
        n = to_number(args[1].v) if len(args) > 1 else numbers(np.array(0.0))
        finite = np.isfinite(x.num)
        out = numbers(_unique_map(fn, np.where(finite, x.num, 0.0), np.trunc(n.num)))
        mask, codes = first_error(x, n)
        return with_errors(out, mask, codes)

    return f


def _math(fn, domain=None):
    def f(args):
        x = to_number(args[0].v)
        with np.errstate(all="ignore"):
            r = fn(x.num)
        out = numbers(np.asarray(r, float))
        bad = ~np.isfinite(out.num) if domain is None else ~domain(x.num)
        if _any(bad):
            out = select(bad, errors((), "#NUM!"), out)
        mask, codes = first_error(x)
        return with_errors(out, mask, codes)

    return f


def _mod(args):
    a, b = to_number(args[0].v), to_number(args[1].v)
    with np.errstate(all="ignore"):
        r = a.num - b.num * np.floor(a.num / b.num)
    out = select(np.asarray(b.num == 0), errors((), DIV0), numbers(np.asarray(r, float)))
    mask, codes = first_error(a, b)
    return with_errors(out, mask, codes)


def _if(args):
    cond = to_bool(args[0].v)
    yes = args[1].v if len(args) > 1 else const(0.0)
    no = args[2].v if len(args) > 2 else const(False)
    out = select(cond.num != 0, yes, no)
    mask, codes = first_error(cond)
    return with_errors(out, mask, codes)


def _iferror(args):
    x, alt = args[0].v, args[1].v
    x = V(np.where(x.kind == BLANK, NUM, x.kind).astype(np.int8), x.num, x.txt)
    return select(x.kind == ERR, alt, x)


def _ifna(args):
    x, alt = args[0].v, args[1].v
    return select((x.kind == ERR) & (x.texts() == NA), alt, x)


def _not(args):
    b = to_bool(args[0].v)
    return V(b.kind, 1.0 - b.num, b.txt)


def _is(test: Callable[[V], np.ndarray]):
    def f(args):
        t = test(args[0].v)
        return V(np.full(np.shape(t), BOOL, np.int8), np.asarray(t, float))

    return f


def _choose(args):
    i = to_number(args[0].v)
    out = errors((), VALUE)
    for n, arg in enumerate(args[1:], start=1):
        out = select(i.num.astype(np.int64) == n, arg.v, out) if np.ndim(i.num) else (arg.v if int(i.num) == n else out)
    mask, codes = first_error(i)
    return with_errors(out, mask, codes)


def _text_fn(fn):
    def f(args):
        texts = [to_text(a.v) for a in args]
        shape = shapes(*(t.kind.shape for t in texts))
        out = np.empty(shape, object)
        cols = [spread(t.txt, shape).reshape(-1) for t in texts]
        flat = out.reshape(-1)
        for i in range(flat.size):
            flat[i] = fn(*(c[i] for c in cols))
        kind = np.where([isinstance(x, float) for x in flat], NUM, STR).astype(np.int8).reshape(shape)
        num = np.array([x if isinstance(x, float) else 0.0 for x in flat]).reshape(shape)
        result = V(kind, num, out)
        mask, codes = first_error(*(a.v for a in args))
        return with_errors(result, mask, codes)

    return f


def _concat_all(args):
    parts = []
    for a in args:
        cells = cells_of(a)
        parts.append(to_text(cells).txt)
    joined = concat_axes(parts) if parts else np.empty((0,), object)
    out = np.empty(joined.shape[:-1], object)
    flat, rows = out.reshape(-1), joined.reshape(-1, joined.shape[-1])
    for i in range(flat.size):
        flat[i] = "".join(rows[i])
    return V(np.full(out.shape, STR, np.int8), np.zeros(out.shape), out)


FUNCTIONS: dict[str, Callable[[list[Arg]], V]] = {
    "IF": _if,
    "IFERROR": _iferror,
    "IFNA": _ifna,
    "AND": _logic(True),
    "OR": _logic(False),
    "NOT": _not,
    "SUM": _aggregate(_sum, None),
    "AVERAGE": _aggregate(_average, errors((), DIV0)),
    "MIN": _aggregate(_min, numbers(np.array(0.0))),
    "MAX": _aggregate(_max, numbers(np.array(0.0))),
    "COUNT": _count,
    "COUNTA": _counta,
    "COUNTBLANK": _countblank,
    "SUMIF": lk.sumif,
    "SUMIFS": lk.sumifs,
    "COUNTIF": lk.countif,
    "COUNTIFS": lk.countifs,
    "AVERAGEIF": lk.averageif,
    "AVERAGEIFS": lk.averageifs,
    "MATCH": lk.match,
    "INDEX": lk.index,
    "VLOOKUP": lambda args: lk.lookup(args, False),
    "HLOOKUP": lambda args: lk.lookup(args, True),
    "CHOOSE": _choose,
    "ROUND": _rounding(excel_round),
    "ROUNDDOWN": _rounding(excel_trunc),
    "TRUNC": _rounding(excel_trunc),
    "ROUNDUP": _rounding(_excel_roundup),
    "INT": _math(np.floor),
    "ABS": _math(np.abs),
    "SQRT": _math(np.sqrt, lambda x: x >= 0),
    "MOD": _mod,
    "ISBLANK": _is(lambda v: v.kind == BLANK),
    "ISNUMBER": _is(lambda v: v.kind == NUM),
    "ISTEXT": _is(lambda v: v.kind == STR),
    "ISNONTEXT": _is(lambda v: v.kind != STR),
    "ISLOGICAL": _is(lambda v: v.kind == BOOL),
    "ISERROR": _is(lambda v: v.kind == ERR),
    "ISERR": _is(lambda v: (v.kind == ERR) & (v.texts() != NA)),
    "ISNA": _is(lambda v: (v.kind == ERR) & (v.texts() == NA)),
    "LEN": _text_fn(lambda s: float(len(s))),
    "UPPER": _text_fn(str.upper),
    "LOWER": _text_fn(str.lower),
    "TRIM": _text_fn(
        lambda s: " ".join(s.split(" ")).strip(" ") if "  " not in s else " ".join(w for w in s.split(" ") if w)
    ),
    "CONCATENATE": _text_fn(lambda *s: "".join(s)),
    "CONCAT": _concat_all,
    "TRUE": lambda args: const(True),
    "FALSE": lambda args: const(False),
    "NA": lambda args: errors((), NA),
}

# Argument positions that take a range as such; elsewhere a range is intersected with the cell's row/column.
_ALL = frozenset(range(255))
_PAIRS = frozenset(range(1, 255, 2))  # SUMIFS/AVERAGEIFS: (range, criterion) pairs after the value range
RANGE_ARGS: dict[str, frozenset[int]] = {
    **{f: _ALL for f in ("SUM", "AVERAGE", "MIN", "MAX", "COUNT", "COUNTA", "COUNTBLANK", "AND", "OR", "CONCAT")},
    "SUMIF": frozenset({0, 2}),
    "AVERAGEIF": frozenset({0, 2}),
    "COUNTIF": frozenset({0}),
    "SUMIFS": _PAIRS | {0},
    "AVERAGEIFS": _PAIRS | {0},
    "COUNTIFS": frozenset(range(0, 255, 2)),
    "MATCH": frozenset({1}),
    "INDEX": frozenset({0}),
    "VLOOKUP": frozenset({1}),
    "HLOOKUP": frozenset({1}),
}
