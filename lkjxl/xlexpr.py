"""Excel formulas built as expressions that both render and evaluate.

Every formula lkjxl writes is built here, from a small subset that Excel,
LibreOffice and `formulas` all evaluate alike (EXCEL_NOTES.md). Building the text
and the cached value from one expression means the value written beside each
formula is, by construction, the value of that formula: readers that never
recalculate still see the right numbers. Evaluation follows Excel's rules for
blanks, text in ranges and errors, on IEEE doubles, as Excel does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .rules import excel_round, excel_trunc


class XLError(str):
    """An Excel error value such as #DIV/0!; a str so writers can cache it as text."""


DIV0, NA, VALUE, NUM = XLError("#DIV/0!"), XLError("#N/A"), XLError("#VALUE!"), XLError("#NUM!")


@lru_cache(maxsize=4096)
def col_letter(col: int) -> str:
    """0-based column index → letters (0 → A, 26 → AA)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def quote_sheet(sheet: str) -> str:
    return sheet if sheet.isalnum() else "'" + sheet.replace("'", "''") + "'"


class Expr:
    """Base of all expression nodes; operators build bigger expressions."""

    def excel(self, here: str) -> str:  # `here`: the sheet the formula lives on
        raise NotImplementedError

    def eval(self, env: Env):
        raise NotImplementedError

    def refs(self) -> Iterator[tuple[str, int, int]]:
        """Every cell the expression reads, whatever branch it takes (a constant reads none)."""
        return iter(())

    def __add__(self, other):
        return Op("+", self, lift(other))

    def __sub__(self, other):
        return Op("-", self, lift(other))

    def __rsub__(self, other):
        return Op("-", lift(other), self)

    def __mul__(self, other):
        return Op("*", self, lift(other))

    def __truediv__(self, other):
        return Op("/", self, lift(other))

    def __rtruediv__(self, other):
        return Op("/", lift(other), self)

    def eq(self, other):
        return Op("=", self, lift(other))

    def ne(self, other):
        return Op("<>", self, lift(other))

    def gt(self, other):
        return Op(">", self, lift(other))

    def ge(self, other):
        return Op(">=", self, lift(other))

    def lt(self, other):
        return Op("<", self, lift(other))

    def le(self, other):
        return Op("<=", self, lift(other))


Env = Callable[[str, int, int], object]  # (sheet, row, col) → cell value


@dataclass(frozen=True, eq=False)
class Const(Expr):
    value: object

    def excel(self, here):
        if isinstance(self.value, str):
            return '"' + self.value.replace('"', '""') + '"'
        if isinstance(self.value, bool):
            return "TRUE" if self.value else "FALSE"
        return repr(float(self.value)).removesuffix(".0") if isinstance(self.value, float) else str(self.value)

    def eval(self, env):
        return float(self.value) if isinstance(self.value, int) and not isinstance(self.value, bool) else self.value


def lift(x) -> Expr:
    return x if isinstance(x, Expr) else Const(x)


@dataclass(frozen=True, eq=False)
class Ref(Expr):
    sheet: str
    row: int
    col: int

    def excel(self, here):
        a1 = f"{col_letter(self.col)}{self.row + 1}"
        return a1 if self.sheet == here else f"{quote_sheet(self.sheet)}!{a1}"

    def eval(self, env):
        return env(self.sheet, self.row, self.col)

    def refs(self):
        yield (self.sheet, self.row, self.col)


@dataclass(frozen=True, eq=False)
class Range(Expr):
    sheet: str
    row1: int
    col1: int
    row2: int
    col2: int
    name: str | None = None  # render as this defined name when set

    def excel(self, here):
        if self.name:
            return self.name
        a = f"${col_letter(self.col1)}${self.row1 + 1}:${col_letter(self.col2)}${self.row2 + 1}"
        return a if self.sheet == here else f"{quote_sheet(self.sheet)}!{a}"

    def absolute(self) -> str:
        a = f"${col_letter(self.col1)}${self.row1 + 1}"
        if (self.row1, self.col1) != (self.row2, self.col2):
            a += f":${col_letter(self.col2)}${self.row2 + 1}"
        return f"{quote_sheet(self.sheet)}!{a}"

    def cells(self, env) -> list:
        cache = getattr(env, "ranges", None)  # one evaluation reads each range once
        key = (self.sheet, self.row1, self.col1, self.row2, self.col2)
        if cache is not None and key in cache:
            return cache[key]
        values = [
            env(self.sheet, r, c) for r in range(self.row1, self.row2 + 1) for c in range(self.col1, self.col2 + 1)
        ]
        if cache is not None:
            cache[key] = values
        return values

    def refs(self):
        for r in range(self.row1, self.row2 + 1):
            for c in range(self.col1, self.col2 + 1):
                yield (self.sheet, r, c)

    def eval(self, env):
        """A one-cell range (a named key output) is a value; a bigger one a list."""
        cells = self.cells(env)
        return cells[0] if len(cells) == 1 else cells


@dataclass(frozen=True, eq=False)
class Op(Expr):
    op: str
    a: Expr
    b: Expr

    def excel(self, here):
        return f"{_paren(self.a, here)}{self.op}{_paren(self.b, here)}"

    def refs(self):
        yield from self.a.refs()
        yield from self.b.refs()

    def eval(self, env):
        a, b = _scalar(self.a.eval(env)), _scalar(self.b.eval(env))
        for v in (a, b):
            if isinstance(v, XLError):
                return v
        if self.op in ("=", "<>", ">", ">=", "<", "<="):
            return _compare(self.op, a, b)
        x, y = _number(a), _number(b)
        if isinstance(x, XLError):
            return x
        if isinstance(y, XLError):
            return y
        if self.op == "/" and y == 0:
            return DIV0
        result = {"+": x + y, "-": x - y, "*": x * y}[self.op] if self.op != "/" else x / y
        return result if math.isfinite(result) else NUM  # Excel's overflow is #NUM!, never infinity


def _scalar(v):
    """A multi-cell range used as a single value is #VALUE! (no implicit intersection here)."""
    return VALUE if isinstance(v, list) else v


def _paren(e: Expr, here: str) -> str:
    return f"({e.excel(here)})" if isinstance(e, Op) else e.excel(here)


def _number(v):
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v) if math.isfinite(v) else VALUE  # a NaN in a file's XML is no number Excel has
    number = text_to_number(str(v))
    return VALUE if number is None else number


def text_to_number(s: str) -> float | None:
    """Text as arithmetic reads it, as Excel does: `' 12 '` is 12 and `'100%'` is 1; anything else,
    and 'nan', 'inf', '1E+400' (no number Excel has), is None (#VALUE!)."""
    t = s.strip()
    scale = 1.0
    if t.endswith("%"):
        t, scale = t[:-1].strip(), 0.01
    try:
        number = float(t) * scale if t else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _is_num(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _rank(v):
    """Excel's cross-type ordering: numbers < text < booleans."""
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, str):
        return (1, v.lower())
    return (0, v)


_APPROX = 2.0**-48  # Excel and LibreOffice treat numbers this close as equal in comparisons


def _compare(op: str, a, b) -> bool:
    if a is None:
        a = "" if isinstance(b, str) else 0.0
    if b is None:
        b = "" if isinstance(a, str) else 0.0
    if _is_num(a) and _is_num(b) and a != b and abs(a - b) <= _APPROX * max(abs(a), abs(b)):
        b = a  # 100.00000000000001 > 100 is FALSE in a spreadsheet
    x, y = _rank(a), _rank(b)
    return {"=": x == y, "<>": x != y, ">": x > y, ">=": x >= y, "<": x < y, "<=": x <= y}[op]


@dataclass(frozen=True, eq=False)
class Func(Expr):
    name: str
    args: tuple[Expr, ...]

    def excel(self, here):
        return f"{self.name}({','.join(a.excel(here) for a in self.args)})"

    def refs(self):
        for a in self.args:
            yield from a.refs()

    def eval(self, env):
        return _FUNCS[self.name](env, *self.args)


def fn(name: str, *args) -> Func:
    if name not in _FUNCS:
        raise ValueError(f"{name} is outside the formula subset lkjxl writes")
    return Func(name, tuple(lift(a) for a in args))


def _items(a: Expr, env) -> list:
    return a.cells(env) if isinstance(a, Range) else [a.eval(env)]


def _is_reference(a: Expr) -> bool:
    return isinstance(a, Range | Ref)


def _scalars(env, args: Sequence[Expr]):
    """Numbers of the arguments as SUM sees them: text and blanks in references are skipped,
    text given as a value is converted (Excel: `SUM(A1)` ignores text in A1, `SUM("3")` is 3)."""
    out = []
    for a in args:
        for item in _items(a, env):
            if isinstance(item, XLError):
                raise _Raise(item)
            if _is_reference(a):
                if isinstance(item, int | float) and not isinstance(item, bool):
                    out.append(float(item))
            else:
                n = _number(item)
                if isinstance(n, XLError):
                    raise _Raise(n)
                out.append(n)
    return out


class _Raise(Exception):
    def __init__(self, err: XLError):
        self.err = err


def _guard(f):
    def wrapped(env, *args):
        try:
            return f(env, *args)
        except _Raise as r:
            return r.err

    return wrapped


def _if(env, cond, yes, no=None):
    c = cond.eval(env)
    if isinstance(c, XLError):
        return c
    n = _number(c) if not isinstance(c, bool) else c
    if isinstance(n, XLError):
        return n
    branch = yes if n else no
    if branch is None:
        return False
    v = branch.eval(env)
    return "" if v is None and not isinstance(branch, Ref) else (0.0 if v is None else v)


def _iferror(env, x, alt):
    v = x.eval(env)
    return alt.eval(env) if isinstance(v, XLError) else (0.0 if v is None else v)


def _logic(all_: bool):
    def f(env, *args):
        vals = []
        for a in args:
            v = a.eval(env)
            if isinstance(v, XLError):
                return v
            vals.append(bool(v) if not isinstance(v, str) else bool(v))
        return all(vals) if all_ else any(vals)

    return f


def _criteria_match(crit, v) -> bool:
    """COUNTIF-style criteria: an equality test on text or number, or a comparison string."""
    if isinstance(crit, str):
        for op in (">=", "<=", "<>", ">", "<", "="):
            if crit.startswith(op):
                target = crit[len(op) :]
                try:
                    t = float(target)
                except ValueError:
                    if op in ("=", "<>"):
                        same = str(v if v is not None else "").lower() == target.lower()
                        return same if op == "=" else not same
                    return False
                if not isinstance(v, int | float) or isinstance(v, bool):
                    return op == "<>"
                return _compare(op, float(v), t)
        if crit == "":
            return v is None or v == ""
        if isinstance(v, str):
            return v.lower() == crit.lower()
        try:
            return isinstance(v, int | float) and float(crit) == float(v)
        except ValueError:
            return False
    if v is None or isinstance(v, str):
        return False
    return float(v) == float(crit)


def _ifs(env, pairs, value_range=None):
    """Rows of the ranges where every (range, criterion) pair matches."""
    masks = [_mask(r, c.eval(env), env) for r, c in pairs]
    hits = sorted(set.intersection(*masks)) if masks else []
    return hits, (_items(value_range, env) if value_range is not None else None)


def _mask(rng: Expr, crit, env) -> set[int]:
    """Positions in `rng` matching `crit`, remembered for the evaluation (SUMIFS repeat them)."""
    cache = getattr(env, "masks", None)
    key = (id(rng), crit)
    if cache is not None and key in cache:
        return cache[key]
    hits = {i for i, v in enumerate(_items(rng, env)) if _criteria_match(crit, v)}
    if cache is not None:
        cache[key] = hits
    return hits


def _numbers_at(values, hits):
    return [float(values[i]) for i in hits if isinstance(values[i], int | float) and not isinstance(values[i], bool)]


def _sumifs(env, sum_range, *pairs):
    hits, values = _ifs(env, list(zip(pairs[::2], pairs[1::2], strict=True)), sum_range)
    return math.fsum(_numbers_at(values, hits)) if hits else 0.0


def _averageif(env, rng, crit, avg_range):
    hits, values = _ifs(env, [(rng, crit)], avg_range)
    nums = _numbers_at(values, hits)
    return sum(nums) / len(nums) if nums else DIV0


def _countifs(env, *pairs):
    hits, _ = _ifs(env, list(zip(pairs[::2], pairs[1::2], strict=True)))
    return float(len(hits))


def _match(env, x, rng, kind):
    v, values = _scalar(x.eval(env)), _items(rng, env)
    if isinstance(v, XLError):
        return v
    for i, item in enumerate(values):
        if item is not None and _compare("=", v, item) and not (item == "" and v != ""):
            return float(i + 1)
    return NA


def _round_with(f):
    def g(env, x, n):
        v, d = x.eval(env), n.eval(env)
        if isinstance(v, XLError):
            return v
        v = _number(v)
        return v if isinstance(v, XLError) else f(v, int(d))

    return g


def _average(env, *args):
    nums = _scalars(env, args)
    return sum(nums) / len(nums) if nums else DIV0


def _count(env, *args):
    items = [item for a in args for item in _items(a, env)]
    return float(sum(isinstance(i, int | float) and not isinstance(i, bool) for i in items))


def _counta(env, *args):
    """Non-empty cells; a formula's "" counts, as in Excel, but a blank cell does not."""
    return float(sum(item is not None for a in args for item in _items(a, env)))


_FUNCS: dict[str, Callable] = {
    "IF": _if,
    "IFERROR": _iferror,
    "AND": _logic(True),
    "OR": _logic(False),
    "SUM": _guard(lambda env, *a: math.fsum(_scalars(env, a))),
    "AVERAGE": _guard(_average),
    "MIN": _guard(lambda env, *a: min(_scalars(env, a), default=0.0)),
    "MAX": _guard(lambda env, *a: max(_scalars(env, a), default=0.0)),
    "COUNT": _count,
    "COUNTA": _counta,
    "SUMIFS": _sumifs,
    "AVERAGEIF": _averageif,
    "COUNTIFS": _countifs,
    "MATCH": _match,
    "ROUND": _round_with(excel_round),
    "TRUNC": _round_with(excel_trunc),
}
