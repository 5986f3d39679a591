"""Excel values as numpy arrays, the coercions and comparisons every function shares, and arguments.

One formula shape is evaluated over all its cells (and all workbooks of a set) at
once, so a value here is an *array* of Excel values: a kind code per element and
the number or text it holds. Scalars per cell have shape (workbooks, cells); a
range argument has (workbooks, cells or 1, rows, cols); constants are 0-d and
broadcast. The semantics follow `lkjxl.xlexpr` (blank vs "" vs 0, text skipped in
ranges, errors passed on in argument order), which LibreOffice confirms.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .recalc_read import BLANK, BOOL, ERR, NUM, STR
from .xlexpr import text_to_number

DIV0, NA, VALUE, REF, NUMERR, NAME = "#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NUM!", "#NAME?"


def spread(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`np.broadcast_to`, free when there is nothing to broadcast (most calls: a group's cells all
    read arrays of one shape). Never written to, like the read-only view it stands for."""
    return x if x.shape == shape else np.broadcast_to(x, shape)


def shapes(*given: tuple[int, ...]) -> tuple[int, ...]:
    """`np.broadcast_shapes`, free when the shapes are equal."""
    first = given[0]
    return first if all(s == first for s in given[1:]) else np.broadcast_shapes(*given)


class V:
    """An array of Excel values: `kind` (int8 codes), `num` (numbers, booleans as 0/1), `txt` (text, error codes)."""

    __slots__ = ("kind", "num", "txt", "_memo")

    def __init__(self, kind: np.ndarray, num: np.ndarray, txt: np.ndarray | None = None):
        self.kind, self.num, self.txt = kind, num, txt
        self._memo: dict | None = None

    def _cached(self, key, make):
        # A shape's input is often tested many times (a category chain compares one cell ten times).
        if self._memo is None:
            self._memo = {}
        out = self._memo.get(key)
        if out is None:
            out = self._memo[key] = make()
        return out

    def is_(self, kind: int) -> np.ndarray:
        return self._cached(kind, lambda: self.kind == kind)

    def any(self, kind: int) -> bool:
        return self._cached(("any", kind), lambda: some(self.is_(kind)))

    def numeric(self) -> bool:
        """Whether every value is a number."""
        return self._cached("numeric", lambda: every(self.kind == NUM))

    @property
    def shape(self) -> tuple[int, ...]:
        if self.txt is None:
            return shapes(self.kind.shape, self.num.shape)
        return shapes(self.kind.shape, self.num.shape, self.txt.shape)

    def texts(self) -> np.ndarray:
        """The text array, materialised (None where not text)."""
        shape = self.shape
        if self.txt is None:
            return np.full(shape, None, object)
        return self.txt if self.txt.shape == shape else spread(self.txt, shape)

    def at(self, mask) -> V:
        return V(self.kind[mask], self.num[mask], None if self.txt is None else self.txt[mask])


def some(x: np.ndarray) -> bool:
    """`x.any()`: np.count_nonzero skips the ufunc machinery, ≈1.5 µs less a call, and one
    workbook's evaluation asks ≈1,300 times."""
    return np.count_nonzero(x) > 0


def every(x: np.ndarray) -> bool:
    """`x.all()`, as `some`."""
    return np.count_nonzero(x) == np.size(x)


def _any(x) -> bool:
    return some(x) if isinstance(x, np.ndarray) else bool(x)


def const(value) -> V:
    """A 0-d value from a Python constant: float, str, bool, None (blank) or an error code."""
    if value is None:
        return V(np.array(BLANK, np.int8), np.array(0.0))
    if isinstance(value, bool):
        return V(np.array(BOOL, np.int8), np.array(float(value)))
    if isinstance(value, int | float):
        return V(np.array(NUM, np.int8), np.array(float(value)))
    txt = np.empty((), object)
    txt[()] = str(value)
    return V(np.array(ERR if is_error_text(value) else STR, np.int8), np.array(0.0), txt)


def is_error_text(value) -> bool:
    return isinstance(value, ErrorText)


class ErrorText(str):
    """An Excel error code as a constant (#N/A in a formula)."""


def numbers(num: np.ndarray) -> V:
    return V(np.full(num.shape, NUM, np.int8), num)


def errors(shape, code: str) -> V:
    txt = np.empty(shape, object)
    txt[...] = code
    return V(np.full(shape, ERR, np.int8), np.zeros(shape), txt)


def select(mask: np.ndarray, a: V, b: V) -> V:
    """Element-wise `a if mask else b`."""
    txt = None
    if a.txt is not None or b.txt is not None:
        txt = np.where(mask, a.texts() if a.txt is not None else None, b.texts() if b.txt is not None else None)
    return V(np.where(mask, a.kind, b.kind).astype(np.int8), np.where(mask, a.num, b.num), txt)


def first_error(*values: V) -> tuple[np.ndarray, np.ndarray | None]:
    """(mask, codes): where any value is an error, the code of the first one in argument order."""
    mask = np.zeros((), bool)
    codes = None
    for v in reversed(values):
        if v.any(ERR):
            err = v.is_(ERR)
            codes = np.where(err, v.texts(), codes if codes is not None else None)
            mask = mask | err
    return mask, codes


def with_errors(result: V, mask, codes) -> V:
    if codes is None or not _any(mask):
        return result
    return select(mask, V(np.array(ERR, np.int8), np.array(0.0), codes), result)


# -- coercion ----------------------------------------------------------------------------


def to_number(v: V) -> V:
    """Numbers as arithmetic sees them: blank 0, TRUE 1, numeric text parsed, other text #VALUE!."""
    kind = v.kind
    if not _any(kind != NUM):
        return v
    num = np.where((kind == BLANK) | (kind == STR), 0.0, v.num)
    out_kind = np.where(kind == ERR, ERR, NUM).astype(np.int8)
    txt = v.txt if _any(kind == ERR) else None
    text_at = np.flatnonzero(spread(kind == STR, out_kind.shape))
    if text_at.size:
        # C-order copies: reshape(-1) must give views to write through (gathered columns come F-ordered).
        num = np.array(spread(num, out_kind.shape), order="C")
        out_kind = np.array(out_kind, order="C")
        texts = v.texts().reshape(-1)
        flat_num, flat_kind = num.reshape(-1), out_kind.reshape(-1)
        bad = []
        for i in text_at:
            x = text_to_number(texts[i])
            if x is None:
                bad.append(i)
            else:
                flat_num[i] = x
        if bad:
            flat_kind[bad] = ERR
            txt = np.array(spread(v.texts(), out_kind.shape), order="C")
            txt.reshape(-1)[bad] = VALUE
    return V(out_kind, num, txt)


def to_bool(v: V) -> V:
    """Truth values as IF sees them: numbers ≠ 0, blank FALSE, "TRUE"/"FALSE" text, other text #VALUE!."""
    kind = v.kind
    if v._cached("logical", lambda: every(kind == BOOL)):  # a comparison's result: the usual condition
        return V(kind, (v.num != 0).astype(float))
    truth = np.where((kind == NUM) | (kind == BOOL), v.num != 0, False)
    out_kind = np.where(kind == ERR, ERR, BOOL).astype(np.int8)
    txt = v.txt if _any(kind == ERR) else None
    if _any(kind == STR):
        words = np.vectorize(lambda s: s.upper() if isinstance(s, str) else "", otypes=[object])(v.texts())
        text = kind == STR
        truth = np.where(text & (words == "TRUE"), True, truth)
        bad = text & (words != "TRUE") & (words != "FALSE")
        if some(bad):
            out_kind = np.where(bad, ERR, out_kind).astype(np.int8)
            txt = np.where(bad, VALUE, v.texts())
    return V(out_kind, truth.astype(float), txt)


def general(x: float) -> str:
    """A number as Excel's General format shows it in text (15 significant digits)."""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.15G}"
    if "E" in text:
        mantissa, exp = text.split("E")
        mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
        return f"{mantissa}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_text(v: V) -> V:
    """Text as `&` sees it: numbers in General format, TRUE/FALSE, blank ""."""
    shape = v.shape
    kind, num, txt = spread(v.kind, shape), spread(v.num, shape), v.texts()
    out = np.empty(shape, object)
    flat_out, flat_kind, flat_num, flat_txt = out.reshape(-1), kind.reshape(-1), num.reshape(-1), txt.reshape(-1)
    for i in range(flat_out.size):
        k = flat_kind[i]
        flat_out[i] = (
            flat_txt[i]
            if k in (STR, ERR)
            else general(flat_num[i])
            if k == NUM
            else ("TRUE" if flat_num[i] else "FALSE")
            if k == BOOL
            else ""
        )
    return V(np.where(kind == ERR, ERR, STR).astype(np.int8), np.zeros(shape), out)


class _Lowered(dict):
    """str → its lower case ("" for non-text), computed once per distinct string in the process."""

    def __missing__(self, key):
        value = self[key] = key.lower() if key.__class__ is str else ""
        return value


_LOWERED = _Lowered()
_lower = np.frompyfunc(_LOWERED.__getitem__, 1, 1)


def lower_texts(v: V) -> np.ndarray:
    """Case-folded text (Excel compares text without case), "" where not text."""

    def make():
        if len(_LOWERED) > 1_000_000:
            _LOWERED.clear()
        texts = v.texts()
        return _lower(texts) if texts.size else np.empty(texts.shape, object)

    return v._cached("lower", make)


# -- comparison ---------------------------------------------------------------------------

_EPS = 2.0**-48  # LibreOffice's rtl::math::approxEqual; Excel also finds 0.1+0.2=0.3 TRUE


def approx_equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Equal, or equal within 2^-48 of the smaller magnitude (as spreadsheets compare doubles)."""
    with np.errstate(all="ignore"):
        return (a == b) | (np.abs(a - b) < np.minimum(np.abs(a), np.abs(b)) * _EPS)


_RANK = np.array([0, 0, 1, 2, 0], np.int8)  # number < text < boolean (blank and errors handled apart)


def compare(op: str, a: V, b: V) -> V:
    """`a op b` with Excel's rules: blank is "" beside text and 0 otherwise; text ignores case."""
    if a.numeric() and b.numeric():  # most comparisons (a capaian against a band): the rules below reduce to this
        close = approx_equal(a.num, b.num)
        lt = (a.num < b.num) & ~close
        result = {"=": close, "<>": ~close, "<": lt, "<=": lt | close, ">": ~(lt | close), ">=": ~lt}[op]
        shape = shapes(a.kind.shape, b.kind.shape)
        return V(np.full(shape, BOOL, np.int8), spread(result, shape).astype(float))
    if op in ("=", "<>") and _empty_string(b):  # `x=""`, a template's test for a blank input
        same = a.is_(BLANK) | (a.is_(STR) & (a.texts() == "")) if a.any(STR) else a.is_(BLANK)
        shape = shapes(a.kind.shape, b.kind.shape)
        out = V(np.full(shape, BOOL, np.int8), spread(same if op == "=" else ~same, shape).astype(float))
        return with_errors(out, *first_error(a, b)) if a.any(ERR) else out
    a_str, b_str = a.is_(STR), b.is_(STR)
    ra = np.where(a.is_(BLANK), b_str, _RANK[a.kind])
    rb = np.where(b.is_(BLANK), a_str, _RANK[b.kind])
    lt, eq = ra < rb, ra == rb
    text = eq & (ra == 1)
    if a.any(STR) or b.any(STR):
        if op in ("=", "<>") and _empty_string(b):
            same = a.is_(BLANK) | (a_str & (a.texts() == ""))
        else:
            ta, tb = lower_texts(a), lower_texts(b)
            lt = lt | (text & (ta < tb))
            same = text & (ta == tb)
        numeric = eq & ~text
    else:
        same, numeric = np.zeros((), bool), eq
    close = approx_equal(a.num, b.num)
    lt = lt | (numeric & (a.num < b.num) & ~close)
    same = same | (numeric & close)
    result = {"=": same, "<>": ~same, "<": lt, "<=": lt | same, ">": ~(lt | same), ">=": ~lt}[op]
    shape = shapes(ra.shape, rb.shape)
    if result.shape != shape:
        result = spread(result, shape)
    out = V(np.full(shape, BOOL, np.int8), result.astype(float))
    if a.any(ERR) or b.any(ERR):
        out = with_errors(out, *first_error(a, b))
    return out


def _empty_string(v: V) -> bool:
    return v.kind.ndim == 0 and v.kind == STR and v.txt is not None and v.txt[()] == ""


# -- arithmetic ---------------------------------------------------------------------------


def arithmetic(op: str, a: V, b: V) -> V:
    x, y = to_number(a), to_number(b)
    with np.errstate(all="ignore"):
        if op in ("+", "-"):
            other = y.num if op == "+" else -y.num
            r = x.num + other
            # Operands that (nearly) cancel give 0, not 5.55e-17: LibreOffice's approxAdd.
            r = np.where(((x.num < 0) != (other < 0)) & approx_equal(x.num, -other), 0.0, r)
        elif op == "*":
            r = x.num * y.num
        elif op == "/":
            r = x.num / y.num
        else:
            r = np.power(x.num, y.num)
    out = numbers(np.asarray(r, float))
    bad = ~np.isfinite(out.num)
    if op == "/":
        zero = spread(y.num == 0, out.num.shape)
        out = with_errors(out, zero, np.where(zero, DIV0, None))
        bad &= ~zero
    if some(bad):
        out = with_errors(out, bad, np.where(bad, NUMERR, None))
    mask, codes = first_error(x, y)
    return with_errors(out, mask, codes)


def negate(a: V) -> V:
    x = to_number(a)
    return V(x.kind, -x.num, x.txt)


def percent(a: V) -> V:
    x = to_number(a)
    return V(x.kind, x.num / 100.0, x.txt)


def concat(a: V, b: V) -> V:
    x, y = to_text(a), to_text(b)
    out = V(np.full(shapes(x.kind.shape, y.kind.shape), STR, np.int8), np.zeros(()), x.txt + y.txt)
    mask, codes = first_error(a, b)
    return with_errors(out, mask, codes)


def final(v: V, shape) -> V:
    """A cell's result: a blank (a reference to an empty cell) shows as 0."""
    kind = spread(v.kind, shape)
    num = spread(v.num, shape)
    txt = None if v.txt is None else spread(v.txt, shape)
    blank = kind == BLANK
    if some(blank):
        kind = np.where(blank, NUM, kind).astype(np.int8)
        num = np.where(blank, 0.0, num)
    return V(kind, num, txt)


# -- function arguments ---------------------------------------------------------------------


class Arg(NamedTuple):
    """A function argument: its values, whether it is a *reference* (a cell, range or name —
    aggregates skip text there but coerce typed-in values), whether it is a range (then
    its last two axes are the range's rows and columns)."""

    v: V
    ref: bool
    is_range: bool


def cells_of(arg: Arg) -> V:
    """A range flattened to (…, n); a scalar to (…, 1) — once per value (criteria reuse it)."""
    return arg.v._cached(("cells", arg.is_range), lambda: _flatten(arg))


def _flatten(arg: Arg) -> V:
    v = arg.v
    if arg.is_range:
        shape = shapes(v.kind.shape, v.num.shape)
        flat = shape[:-2] + (shape[-2] * shape[-1],)
        kind = spread(v.kind, shape).reshape(flat)
        num = spread(v.num, shape).reshape(flat)
        txt = None if v.txt is None else spread(v.txt, shape).reshape(flat)
        return V(kind, num, txt)
    return V(v.kind[..., None], v.num[..., None], None if v.txt is None else v.txt[..., None])


def first_code(err: np.ndarray, v: V) -> np.ndarray:
    """The first error code along the last axis where `err` holds, else None."""
    first = np.argmax(err, axis=-1)
    codes = np.take_along_axis(spread(v.texts(), err.shape), first[..., None], axis=-1)[..., 0]
    return np.where(err.any(axis=-1), codes, None)


def size(arg: Arg) -> tuple[int, int]:
    return arg.v.shape[-2:] if arg.is_range else (1, 1)


def concat_axes(parts: list[np.ndarray]) -> np.ndarray:
    """Arrays (…, n_i) joined along the last axis, leading axes broadcast; none is an empty axis
    (a function given no arguments, as a degenerate definition can write)."""
    if not parts:
        return np.zeros(0)
    lead = shapes(*(p.shape[:-1] for p in parts))
    if len(parts) == 1:
        return spread(parts[0], lead + parts[0].shape[-1:])
    return np.concatenate([spread(p, lead + p.shape[-1:]) for p in parts], axis=-1)


def left_sum(values: np.ndarray) -> np.ndarray:
    """Left-to-right sum along the last axis: the same bits however many workbooks are stacked."""
    if values.shape[-1] == 0:
        return np.zeros(values.shape[:-1])
    return np.cumsum(values, axis=-1)[..., -1]
