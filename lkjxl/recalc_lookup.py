"""Criteria and lookups over ranges: COUNTIF(S), SUMIF(S), AVERAGEIF(S), MATCH, VLOOKUP, HLOOKUP, INDEX.

A criterion is evaluated once per distinct value (a column of COUNTIFS(Real_Sasaran, B6)
cells has one per sasaran), then spread over the rows that use it. Matching follows
`xlexpr._criteria_match` and what Excel and LibreOffice do beyond it: an empty
criterion cell means 0, "<>" selects every cell with content, wildcards * ? ~ in text.
"""

from __future__ import annotations

import contextlib
import re

import numpy as np

from .recalc_read import BLANK, BOOL, ERR, NUM, STR
from .recalc_values import (
    DIV0,
    NA,
    REF,
    VALUE,
    Arg,
    V,
    approx_equal,
    cells_of,
    compare,
    errors,
    every,
    first_code,
    first_error,
    left_sum,
    lower_texts,
    numbers,
    select,
    shapes,
    size,
    some,
    spread,
    to_bool,
    to_number,
    with_errors,
)

# -- criteria (SUMIF, COUNTIFS, AVERAGEIF …) --------------------------------------------------

_CRITERION_OPS = (">=", "<=", "<>", ">", "<", "=")


def _wildcard(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.I | re.S)


def _text_match(cells: V, target: str) -> np.ndarray:
    texts = lower_texts(cells)
    is_text = cells.kind == STR
    if "*" in target or "?" in target or "~" in target:
        rx = _wildcard(target)
        hit = np.vectorize(lambda s: bool(rx.fullmatch(s)), otypes=[bool])(texts) if texts.size else texts.astype(bool)
        return is_text & hit
    return is_text & (texts == target.lower())


def _criterion_mask(cells: V, kind: int, num: float, text: str | None) -> np.ndarray:
    """Which cells a criterion value selects, as `xlexpr._criteria_match` decides."""
    if kind == BLANK:
        kind, num = NUM, 0.0  # an empty criterion cell means 0 (Microsoft's COUNTIFS page)
    if kind in (NUM, BOOL):
        return (cells.kind == kind) & approx_equal(cells.num, num)
    if kind == ERR:
        return np.zeros(cells.kind.shape, bool)
    crit = text or ""
    for op in _CRITERION_OPS:
        if crit.startswith(op):
            target = crit[len(op) :]
            try:
                t = float(target)
            except ValueError:
                if op in ("=", "<>") and target == "":
                    # "=" selects empty cells only; "<>" every cell with content, a formula's "" too.
                    return (cells.kind == BLANK) if op == "=" else (cells.kind != BLANK)
                if op in ("=", "<>"):
                    same = _text_match(cells, target)
                    return same if op == "=" else ~same
                texts, tl = lower_texts(cells), target.lower()
                hit = {">": texts > tl, ">=": texts >= tl, "<": texts < tl, "<=": texts <= tl}[op]
                return (cells.kind == STR) & hit
            is_num = cells.kind == NUM
            if op in ("=", "<>"):  # a number criterion also selects the same number typed as text
                same = (is_num & approx_equal(cells.num, t)) | _text_match(cells, target)
                return same if op == "=" else ~same
            hit = {">=": cells.num >= t, "<=": cells.num <= t, ">": cells.num > t, "<": cells.num < t}[op]
            return is_num & hit
    if crit == "":
        return (cells.kind == BLANK) | ((cells.kind == STR) & (cells.texts() == ""))
    mask = _text_match(cells, crit)
    with contextlib.suppress(ValueError):
        mask = mask | ((cells.kind == NUM) & approx_equal(cells.num, float(crit)))
    return mask


def _criteria(cells: V, crit: V) -> np.ndarray:
    """Cells (…, n) selected by a criterion per row (…) — evaluated once per distinct criterion."""
    shape = shapes(cells.kind.shape[:-1], crit.kind.shape) + cells.kind.shape[-1:]
    kinds = spread(crit.kind, shape[:-1])
    nums = spread(crit.num, shape[:-1])
    texts = spread(crit.texts(), shape[:-1])
    if (
        kinds.size
        and every(kinds.reshape(-1)[0] == kinds)
        and every(nums.reshape(-1)[0] == nums)
        and every(texts.reshape(-1)[0] == texts)
    ):
        flat = (kinds.reshape(-1)[0], nums.reshape(-1)[0], texts.reshape(-1)[0])
        return spread(_criterion_mask(cells, *flat), shape)
    out = np.zeros(shape, bool)
    seen: dict = {}
    for key in zip(kinds.reshape(-1), nums.reshape(-1), texts.reshape(-1), strict=True):
        if key in seen:
            continue
        seen[key] = True
        rows = (kinds == key[0]) & (nums == key[1]) & (texts == key[2])
        out |= rows[..., None] & _criterion_mask(cells, *key)
    return out


def _ifs(pairs: list[tuple[Arg, Arg]]) -> np.ndarray:
    mask = None
    for rng, crit in pairs:
        hit = _criteria(cells_of(rng), crit.v)
        mask = hit if mask is None else mask & hit
    return mask


def _sum_where(values: V, mask: np.ndarray, average: bool) -> V:
    counted = mask & (values.kind == NUM)
    total = left_sum(np.where(counted, values.num, 0.0))
    out = numbers(total)
    if average:
        n = counted.sum(axis=-1)
        with np.errstate(all="ignore"):
            out = numbers(total / np.maximum(n, 1))
        out = select(n == 0, errors((), DIV0), out)
    err = mask & (values.kind == ERR)
    if some(err):
        out = with_errors(out, err.any(axis=-1), first_code(err, values))
    return out


def _same_size(*args: Arg) -> bool:
    return len({size(a) for a in args}) == 1


def sumifs(args):
    if not _same_size(args[0], *args[1::2]):
        return errors((), VALUE)
    return _sum_where(cells_of(args[0]), _ifs(list(zip(args[1::2], args[2::2], strict=True))), False)


def averageifs(args):
    if not _same_size(args[0], *args[1::2]):
        return errors((), VALUE)
    return _sum_where(cells_of(args[0]), _ifs(list(zip(args[1::2], args[2::2], strict=True))), True)


def countifs(args):
    if not _same_size(*args[0::2]):
        return errors((), VALUE)
    return numbers(_ifs(list(zip(args[0::2], args[1::2], strict=True))).sum(axis=-1).astype(float))


def sumif(args):
    target = args[2] if len(args) > 2 else args[0]
    if not _same_size(args[0], target):
        return errors((), VALUE)
    return _sum_where(cells_of(target), _ifs([(args[0], args[1])]), False)


def averageif(args):
    target = args[2] if len(args) > 2 else args[0]
    if not _same_size(args[0], target):
        return errors((), VALUE)
    return _sum_where(cells_of(target), _ifs([(args[0], args[1])]), True)


def countif(args):
    return numbers(_ifs([(args[0], args[1])]).sum(axis=-1).astype(float))


# -- lookups -----------------------------------------------------------------------------


def _exact_hits(x: V, cells: V) -> np.ndarray:
    """Where each cell (…, n) equals the lookup value (…): text without case, wildcards in text."""
    xe = V(x.kind[..., None], x.num[..., None], None if x.txt is None else x.txt[..., None])
    valid = (cells.kind != BLANK) & (cells.kind != ERR) & (xe.kind != ERR) & (xe.kind != BLANK)
    hits = (compare("=", xe, cells).num != 0) & valid
    if x.txt is not None and x.any(STR):
        texts = x.texts()
        is_text = spread(x.is_(STR), texts.shape)
        for pattern in [t for t in set(texts[is_text].tolist()) if any(c in t for c in "*?~")]:
            rows = is_text & (texts == pattern)
            hits = np.where(rows[..., None], _text_match(cells, pattern) & valid, hits)
    return hits


def _approx_hits(x: V, cells: V, descending: bool = False) -> np.ndarray:
    """The match position of an approximate lookup: last cell ≤ x (≥ x when descending) of x's type."""
    xe = V(x.kind[..., None], x.num[..., None], None if x.txt is None else x.txt[..., None])
    same_type = np.where(xe.kind == STR, cells.kind == STR, (cells.kind == NUM) | (cells.kind == BOOL)) & (
        cells.kind == np.where(xe.kind == BLANK, NUM, xe.kind)
    )
    ok = compare(">=" if descending else "<=", cells, xe).num != 0
    good = same_type & ok
    # Excel's binary search on sorted data finds the last such cell.
    last = good.shape[-1] - 1 - np.argmax(good[..., ::-1], axis=-1)
    out = np.zeros(good.shape, bool)
    any_ = good.any(axis=-1)
    np.put_along_axis(out, last[..., None], any_[..., None], axis=-1)
    return out


def _position(hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.argmax(hits, axis=-1), hits.any(axis=-1)


def match(args):
    x, rng = args[0].v, args[1]
    kind = to_number(args[2].v).num if len(args) > 2 else np.array(1.0)
    rows, cols = size(rng)
    if rows > 1 and cols > 1:
        return errors((), NA)
    cells = cells_of(rng)
    hits = None
    for k in np.unique(kind):
        part = _exact_hits(x, cells) if k == 0 else _approx_hits(x, cells, descending=k < 0)
        part = part & (kind == k)[..., None]
        hits = part if hits is None else hits | part
    pos, found = _position(hits)
    out = select(found, numbers((pos + 1).astype(float)), errors((), NA))
    return with_errors(out, *first_error(x))


def lookup(args, horizontal: bool):
    """VLOOKUP/HLOOKUP: exact, or approximate (the default: last row ≤ x, as on sorted data)."""
    x, table = args[0].v, args[1]
    if not table.is_range:
        return errors((), NA)
    col = to_number(args[2].v)
    approx = to_bool(args[3].v).num != 0 if len(args) > 3 else np.array(True)
    v = table.v
    shape = v.shape
    kind, num, txt = spread(v.kind, shape), spread(v.num, shape), v.texts()
    if horizontal:
        kind, num, txt = (np.swapaxes(a, -1, -2) for a in (kind, num, txt))
    first = V(kind[..., 0], num[..., 0], txt[..., 0])
    hits = np.where(approx[..., None], _approx_hits(x, first), _exact_hits(x, first))
    row, found = _position(hits)
    c = np.asarray(col.num, float)
    width = kind.shape[-1]
    ci = np.clip(c.astype(np.int64) - 1, 0, width - 1)
    full = shapes(row.shape, ci.shape, kind.shape[:-2])
    row, ci = spread(row, full), spread(ci, full)

    def pick(a: np.ndarray) -> np.ndarray:
        a = spread(a, full + a.shape[-2:])
        at_row = np.take_along_axis(a, row[..., None, None], axis=-2)[..., 0, :]
        return np.take_along_axis(at_row, ci[..., None], axis=-1)[..., 0]

    out = V(pick(kind).astype(np.int8), pick(num), pick(txt))
    out = select(found, out, errors((), NA))
    out = select((c < 1) | (c >= width + 1), errors((), REF), out)
    return with_errors(out, *first_error(x, col))


def index(args):
    rng = args[0]
    v = rng.v
    if not rng.is_range:
        return v
    shape = shapes(v.kind.shape, v.num.shape)
    rows_n, cols_n = shape[-2:]
    r = to_number(args[1].v).num
    c = to_number(args[2].v).num if len(args) > 2 else np.array(1.0 if cols_n == 1 or rows_n > 1 else 0.0)
    if len(args) == 2 and rows_n == 1:
        r, c = np.array(1.0), r
    r, c = np.asarray(r).astype(np.int64), np.asarray(c).astype(np.int64)
    bad = (r < 1) | (r > rows_n) | (c < 1) | (c > cols_n)
    flat = np.clip(r - 1, 0, rows_n - 1) * cols_n + np.clip(c - 1, 0, cols_n - 1)
    cells = cells_of(rng)
    full = shapes(cells.kind.shape[:-1], flat.shape)
    idx = spread(flat, full)[..., None]
    pick = lambda a: np.take_along_axis(spread(a, full + a.shape[-1:]), idx, axis=-1)[..., 0]  # noqa: E731
    out = V(pick(cells.kind), pick(cells.num), pick(cells.texts()))
    return select(bad, errors((), REF), out)
