"""The capaian rules of DOMAIN §4 as Excel formulas.

`lkjxl.rules` is the exact (Decimal) statement of each rule; this module writes
the same rule as a formula for one indicator row, chosen at generation time from
the indicator's kind and polarity, so each formula stays short enough for an
operator to read. Tests compare the two, and LibreOffice, on many values.

Ratios multiply before dividing (`R*100/T`): `113/200*100` is 56.49999… as a
double, which LibreOffice's ROUND(…, 0) turns into 56 where the exact 56,5 gives 57.
"""

from __future__ import annotations

from .model import AKIP_GRADES, BPK_OPINIONS, Band, CapaianRules, Indikator, Polarity, Rollup, ValueKind
from .xlexpr import Expr, Range, fn


def capaian(
    ind: Indikator, rules: CapaianRules, r: Expr, t: Expr, ordinal_lists: dict[str, Range], *, apply_cap: bool
) -> Expr:
    """Capaian × 100; "" when target or realisasi is missing or unusable.

    `apply_cap=False` gives the raw value, which the annual block keeps beside the capped one.
    """
    core = _core(ind, rules, r, t, ordinal_lists)
    if apply_cap and rules.cap is not None:
        core = fn("MIN", core, _number(rules.cap))
    return fn("IF", fn("OR", r.eq(""), t.eq("")), "", fn("IFERROR", core, ""))


def _core(ind: Indikator, rules: CapaianRules, r: Expr, t: Expr, lists: dict[str, Range]) -> Expr:
    if ind.kind.is_ordinal:
        scale = lists[ind.kind.value]
        size = len(AKIP_GRADES if ind.kind is ValueKind.GRADE_AKIP else BPK_OPINIONS)
        pos_r, pos_t = fn("MATCH", r, scale, 0), fn("MATCH", t, scale, 0)
        missed = (
            (size + 1 - pos_r) * 100 / (size + 1 - pos_t)
            if rules.grade_rule == "rank_ratio"
            else _number(rules.grade_else)
        )
        return fn("IF", pos_r.le(pos_t), 100, missed)
    if ind.polarity is Polarity.NEGATIVE:
        if rules.negative_formula == "inverse_ratio":
            at_zero = _number(rules.cap) if rules.cap is not None else ""
            return fn("IF", r.eq(0), at_zero, t * 100 / r)
        return fn("MAX", 0, 200 - r * 100 / t)
    if ind.polarity is Polarity.EXACT:
        mismatch = fn("MIN", 100, r * 100 / t) if rules.exact_mismatch == "positive_capped" else ""
        return fn("IF", r.eq(t), 100, mismatch)
    return r * 100 / t


def _number(x):
    return int(x) if x == int(x) else float(x)


def capped(raw: Expr, rules: CapaianRules) -> Expr:
    if rules.cap is None:
        return fn("IF", raw.eq(""), "", raw)
    return fn("IF", raw.eq(""), "", fn("MIN", raw, _number(rules.cap)))


def display(x: Expr, mode: str, decimals: int) -> Expr:
    """The rounding of a displayed figure, kept as a value so means can use it."""
    if mode == "none":
        return fn("IF", x.eq(""), "", x)
    return fn("IF", x.eq(""), "", fn("ROUND" if mode == "half_up" else "TRUNC", x, decimals))


def kategori(x: Expr, scale: tuple[Band, ...]) -> Expr:
    """Nested IFs over the bands, highest first; "" outside the scale or when x is ""."""
    out: Expr | str = ""
    for band in sorted(scale, key=lambda b: b.lo):
        test = x.ge(_number(band.lo)) if band.lo_incl else x.gt(_number(band.lo))
        if band.hi is not None:
            upper = x.le(_number(band.hi)) if band.hi_incl else x.lt(_number(band.hi))
            test = fn("AND", test, upper)
        out = fn("IF", test, band.label, out)
    return fn("IF", x.eq(""), "", out)


def last_filled(cells: list[Expr], fallback: Expr | str) -> Expr | str:
    """The last non-blank of `cells`, else `fallback` (e.g. the latest pagu revision)."""
    out = fallback
    for cell in cells:
        out = fn("IF", cell.ne(""), cell, out)
    return out


def rollup(kind: Rollup, periods: list[Expr]) -> Expr:
    """Annual realisasi from period realisasi (DOMAIN §3 `period_rollup`)."""
    if kind is Rollup.LAST:
        return last_filled(periods, "")
    func = {Rollup.SUM: "SUM", Rollup.MAX: "MAX", Rollup.MEAN: "AVERAGE"}[kind]
    return fn("IF", fn("COUNT", *periods).eq(0), "", fn(func, *periods))
