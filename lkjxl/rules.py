"""The capaian rules engine: pure functions over exact `Decimal` values (DOMAIN §4).

Historic reports disagree on negative indicators, grades, capping, rounding and
averaging, so every convention is a setting of `CapaianRules`; the functions here
apply them. The Excel templates implement the same rules as formulas, and lkjxl
checks printed figures against these results, so the semantics are exact:

* arithmetic runs with 34 significant digits and every result is rounded once to
  28, so a mean of 33,33…% values that is really 50 comes out as 50 and not as
  49,999… (the job Excel's 15-digit snap does for doubles);
* nothing is rounded before `display`, which is only for showing a figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum

from .model import AKIP_GRADES, BPK_OPINIONS, Band, CapaianRules, Polarity, Value, ValueKind
from .textnorm import fold_unit

__all__ = [
    "Aggregate",
    "Capaian",
    "Flag",
    "SasaranTotal",
    "aggregate",
    "capaian",
    "check_printed",
    "display",
    "excel_round",
    "excel_trunc",
    "kategori",
    "points",
    "rollup",
    "sasaran_total",
    "serapan",
    "sisa",
    "validate_scale",
]

HUNDRED = Decimal(100)

# Guard digits for intermediate results, and the precision every result is given in.
_WORK = Context(prec=34, rounding=ROUND_HALF_EVEN)
_RESULT = Context(prec=28, rounding=ROUND_HALF_EVEN)

# Unit spellings seen in the seeds, folded to one word (after case, spaces and a final dot).
ORDINAL_SCALES = {ValueKind.GRADE_AKIP: AKIP_GRADES, ValueKind.OPINION_BPK: BPK_OPINIONS}

# Cell contents that mean "no value this period" (DOMAIN §5.2), never zero.
_BLANKS = ("", "-")


class Flag(StrEnum):
    """Why a capaian has no value (or a special one); stable codes for findings."""

    MISSING = "MISSING"  # target or realisasi blank or `-`: excluded from means
    TARGET_ZERO = "TARGET_ZERO"  # a ratio over a zero target
    REALISASI_ZERO = "REALISASI_ZERO"  # inverse_ratio over a zero realisasi
    EXACT_MISMATCH = "EXACT_MISMATCH"  # exact indicator missed, rules say flag
    UNIT_MISMATCH = "UNIT_MISMATCH"  # `7 kecamatan` against `7 orang`
    UNKNOWN_GRADE = "UNKNOWN_GRADE"  # a grade/opinion word not on its scale
    NOT_A_NUMBER = "NOT_A_NUMBER"  # text where a numeric kind needs a number


@dataclass(frozen=True)
class Capaian:
    """One indicator's capaian: `raw` before the cap, `value` after it (what is averaged)."""

    raw: Decimal | None
    value: Decimal | None
    flag: str | None = None


def _result(x: Decimal) -> Decimal:
    """Round to 28 significant digits and drop trailing zeros (keeping `100`, not `1E+2`)."""
    x = _RESULT.plus(x).normalize(_RESULT)
    return x.quantize(Decimal(1)) if x.as_tuple().exponent > 0 else x


def _check(setting: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{setting}={value!r}: expected one of {', '.join(choices)}")


def _is_blank(x: Value | None) -> bool:
    return x is None or (isinstance(x, str) and x.strip() in _BLANKS)


def _ordinal(kind: ValueKind, target: Value, realisasi: Value, rules: CapaianRules) -> Capaian:
    scale = ORDINAL_SCALES[kind]
    words = [w.strip().upper() if isinstance(w, str) else None for w in (target, realisasi)]
    if any(w not in scale for w in words):
        return Capaian(None, None, Flag.UNKNOWN_GRADE)
    pos_t, pos_r = (scale.index(w) + 1 for w in words)
    if pos_r <= pos_t:  # best first: met or better is 100 under both rules (DOMAIN §4.1)
        raw = HUNDRED
    elif rules.grade_rule == "binary":
        raw = rules.grade_else
    else:
        top = len(scale) + 1
        raw = _WORK.divide(_WORK.multiply(Decimal(top - pos_r), HUNDRED), Decimal(top - pos_t))
    return _capped(raw, rules)


def _capped(raw: Decimal, rules: CapaianRules) -> Capaian:
    raw = _result(raw)
    return Capaian(raw, raw if rules.cap is None else min(raw, rules.cap))


def _number(x: Value) -> Decimal | None:
    """A numeric target/realisasi; floats are refused because their binary noise is not data."""
    if isinstance(x, bool | float):
        raise TypeError(f"capaian needs Decimal or int, got {type(x).__name__} {x!r}")
    if isinstance(x, int | Decimal):
        return Decimal(x)
    return None


def capaian(
    kind: ValueKind,
    polarity: Polarity,
    target: Value | None,
    realisasi: Value | None,
    rules: CapaianRules,
    *,
    target_unit: str | None = None,
    realisasi_unit: str | None = None,
) -> Capaian:
    """Capaian of one indicator (DOMAIN §4.1) under `rules`, uncapped in `raw`, capped in `value`.

    Ordinal kinds ignore polarity: a better grade is always better.
    """
    _check("negative_formula", rules.negative_formula, ("two_minus_ratio", "inverse_ratio"))
    _check("exact_mismatch", rules.exact_mismatch, ("flag", "positive_capped"))
    _check("grade_rule", rules.grade_rule, ("binary", "rank_ratio"))
    if _is_blank(target) or _is_blank(realisasi):
        return Capaian(None, None, Flag.MISSING)
    if kind.is_ordinal:
        return _ordinal(kind, target, realisasi, rules)
    t, r = _number(target), _number(realisasi)
    if t is None or r is None:
        return Capaian(None, None, Flag.NOT_A_NUMBER)
    if (
        kind == ValueKind.COUNT
        and target_unit is not None
        and realisasi_unit is not None
        and fold_unit(target_unit) != fold_unit(realisasi_unit)
    ):
        return Capaian(None, None, Flag.UNIT_MISMATCH)

    with localcontext(_WORK):
        if polarity == Polarity.POSITIVE:
            if t == 0:
                return Capaian(None, None, Flag.TARGET_ZERO)
            return _capped(r * HUNDRED / t, rules)

        if polarity == Polarity.NEGATIVE:
            if rules.negative_formula == "two_minus_ratio":
                if t == 0:
                    return Capaian(None, None, Flag.TARGET_ZERO)
                return _capped(max(Decimal(0), (2 * t - r) * HUNDRED / t), rules)
            if r == 0:
                # No violations at all is "infinitely good": the cap, or no value.
                return Capaian(None, rules.cap, Flag.REALISASI_ZERO)
            return _capped(t * HUNDRED / r, rules)

        if r == t:
            return _capped(HUNDRED, rules)
        if rules.exact_mismatch == "flag":
            return Capaian(None, None, Flag.EXACT_MISMATCH)
        if t == 0:
            return Capaian(None, None, Flag.TARGET_ZERO)
        return _capped(min(HUNDRED, r * HUNDRED / t), rules)


def display(x: Decimal | None, mode: str, decimals: int) -> Decimal | None:
    """The figure as shown: Excel ROUND (`half_up`), TRUNC (`truncate`) or as is (`none`).

    Python's `round()` rounds half to even and would print 0,125 as 0,12; reports round half up.
    """
    _check("rounding", mode, ("half_up", "truncate", "none"))
    if x is None or mode == "none":
        return x
    rounding = ROUND_HALF_UP if mode == "half_up" else ROUND_DOWN
    return x.quantize(Decimal(1).scaleb(-decimals), rounding=rounding, context=_WORK)


def _excel(x: float, n: int, rounding: str) -> float:
    if not math.isfinite(x):
        raise ValueError(f"Excel has no {x!r}")
    if abs(x) >= 1e15 * 10.0**-n:  # no digit left to round at n decimals: the value as it is
        return x
    snapped = Decimal(format(x, ".15g"))
    return float(snapped.quantize(Decimal(1).scaleb(-n), rounding=rounding, context=_WORK)) + 0.0


def excel_round(x: float, n: int) -> float:
    """Excel/LibreOffice `ROUND(x, n)` on a double: 15 significant digits, then half up.

    The double of 14061000/20000000*100 is 70.30499999999999, which a spreadsheet sees
    as 70.305 and rounds to 70.31.
    """
    return _excel(x, n, ROUND_HALF_UP)


def excel_trunc(x: float, n: int) -> float:
    """Excel/LibreOffice `TRUNC(x, n)` (= `ROUNDDOWN`) on a double: 15 digits, then toward zero."""
    return _excel(x, n, ROUND_DOWN)


def kategori(x: Decimal | None, scale: Sequence[Band]) -> str | None:
    """The label of the first band holding `x`, None when `x` is missing or in no band."""
    if x is None:
        return None
    return next((band.label for band in scale if band.contains(x)), None)


def _fmt(x: Decimal) -> str:
    return str(_result(x)).replace(".", ",")


def _describe(lo: Decimal, hi: Decimal | None, lo_incl: bool, hi_incl: bool) -> str:
    if hi is None:
        return f"nilai {'mulai' if lo_incl else 'di atas'} {_fmt(lo)}"
    if lo == hi:
        return f"nilai {_fmt(lo)}"
    left, right = "[" if lo_incl else "(", "]" if hi_incl else ")"
    return f"nilai dalam {left}{_fmt(lo)}; {_fmt(hi)}{right}"


def validate_scale(scale: Sequence[Band]) -> list[str]:
    """Gaps, overlaps and a missing top band of a category scale on [0, ∞); empty when valid.

    Each message starts with its kind (`celah`, `tumpang tindih`, `tanpa batas atas`,
    `kategori kosong`) before the colon. Integer-labelled scales (`91 – 100`, `71 – 90`)
    leave 90–91 open, and 90,5 must still get a category.
    """
    messages = [
        f"kategori kosong: '{b.label}' tidak memuat nilai apa pun (batas bawah {_fmt(b.lo)}, batas atas {_fmt(b.hi)})"
        for b in scale
        if b.hi is not None and (b.lo > b.hi or (b.lo == b.hi and not (b.lo_incl and b.hi_incl)))
    ]
    # Coverage is constant between consecutive band ends, so the ends, the midpoints and one
    # point beyond the last end are enough to check all of [0, ∞).
    ends = sorted({Decimal(0)} | {e for b in scale for e in (b.lo, b.hi) if e is not None and e >= 0})
    pieces = []  # (lo, hi, lo_incl, hi_incl, probe), in order along the axis
    for i, e in enumerate(ends):
        pieces.append((e, e, True, True, e))
        nxt = ends[i + 1] if i + 1 < len(ends) else None
        pieces.append((e, nxt, False, False, (e + nxt) / 2 if nxt is not None else e + 1))

    runs = []  # contiguous pieces with the same set of bands
    for lo, hi, lo_incl, hi_incl, probe in pieces:
        labels = tuple(b.label for b in scale if b.contains(probe))
        if runs and runs[-1][4] == labels:
            runs[-1][1] = hi
            runs[-1][3] = hi_incl
        else:
            runs.append([lo, hi, lo_incl, hi_incl, labels])

    for lo, hi, lo_incl, hi_incl, labels in runs:
        where = _describe(lo, hi, lo_incl, hi_incl)
        if not labels and hi is None:
            messages.append(f"tanpa batas atas: {where} tidak masuk kategori mana pun")
        elif not labels:
            messages.append(f"celah: {where} tidak masuk kategori mana pun")
        elif len(labels) > 1:
            messages.append(f"tumpang tindih: {where} masuk {' dan '.join(repr(x) for x in labels)}")
    return messages


@dataclass(frozen=True)
class Aggregate:
    """A mean capaian with its accounting: rows used of rows given, and the ids left out.

    `n_used`, `n_rows` and `excluded` count indicator rows under both `aggregate` settings.
    """

    value: Decimal | None
    n_used: int
    n_rows: int
    excluded: tuple[str, ...]


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    with localcontext(_WORK):
        return _result(sum(values, Decimal(0)) / len(values))


def aggregate(rows: Sequence[tuple[str, str, Capaian]], rules: CapaianRules) -> Aggregate:
    """Mean capaian of `(indikator_id, sasaran_id, capaian)` rows, unrounded (DOMAIN §4.4).

    Rows without a value are left out of n, as Excel `AVERAGE` leaves out blanks. Under
    `aggregate_on="displayed"` the indicator capaian are averaged as printed, which is how
    historic reports got their figures; sasaran means stay unrounded, as in the templates.
    """
    _check("aggregate", rules.aggregate, ("indicator_mean", "sasaran_mean"))
    _check("aggregate_on", rules.aggregate_on, ("exact", "displayed"))
    displayed = rules.aggregate_on == "displayed"

    def shown(x: Decimal) -> Decimal:
        return display(x, *rules.indicator_display) if displayed else x

    used = [(sid, shown(c.value)) for _, sid, c in rows if c.value is not None]
    excluded = tuple(iid for iid, _, c in rows if c.value is None)
    if rules.aggregate == "indicator_mean":
        value = _mean([v for _, v in used])
    else:
        groups: dict[str, list[Decimal]] = {}
        for sid, v in used:
            groups.setdefault(sid, []).append(v)
        value = _mean([_mean(vs) for vs in groups.values()])
    return Aggregate(value, len(used), len(rows), excluded)


@dataclass(frozen=True)
class SasaranTotal:
    """The TOTAL row of a per-sasaran table; target/realisasi None when units differ."""

    target: Decimal | None
    realisasi: Decimal | None
    capaian: Decimal | None


def sasaran_total(
    rows: Sequence[tuple[Value | None, Value | None, str, Capaian]],
    *,
    rules: CapaianRules | None = None,
) -> SasaranTotal:
    """Means of `(target, realisasi, satuan, capaian)` rows (DOMAIN §4.4).

    The capaian is the mean of indicator capaian, not the ratio of the means: 000 SS8
    prints 109% (mean 108,6), where 100/94 would give 106,4. Target and realisasi means
    are shown only when every row has the same satuan. Pass `rules` to average displayed
    capaian under `aggregate_on="displayed"`.
    """
    same_unit = len({fold_unit(unit) for _, _, unit, _ in rows}) == 1

    def mean_of(values) -> Decimal | None:
        if not same_unit or any(isinstance(v, str) and not _is_blank(v) for v in values):
            return None
        return _mean([Decimal(v) for v in values if not _is_blank(v)])

    shown = [c.value for *_, c in rows if c.value is not None]
    if rules is not None and rules.aggregate_on == "displayed":
        shown = [display(v, *rules.indicator_display) for v in shown]
    return SasaranTotal(mean_of([t for t, *_ in rows]), mean_of([r for _, r, *_ in rows]), _mean(shown))


def serapan(pagu: int, realisasi: int) -> Decimal | None:
    """Budget absorption in percent; None for a zero pagu (a line with nothing to absorb)."""
    if pagu == 0:
        return None
    with localcontext(_WORK):
        return _result(Decimal(realisasi) * HUNDRED / Decimal(pagu))


def sisa(pagu: int, realisasi: int) -> int:
    """Unspent pagu in rupiah; negative when realisasi overshoots, which a check reports."""
    return pagu - realisasi


def rollup(lines: Mapping[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Sum `(pagu, realisasi)` of leaf keys into every parent key and `""` (the satker total).

    Parent percentages must then be recomputed from these sums with `serapan`, never averaged.
    The result keeps tree order: the total, then each parent before its children.
    """
    totals: dict[str, tuple[int, int]] = {"": (0, 0)}
    for key, (pagu, real) in lines.items():
        parts = key.split("/")
        for depth in range(len(parts) + 1):
            node = "/".join(parts[:depth])
            if depth < len(parts) and node in lines:
                raise ValueError(f"budget key {node!r} is both a line and the parent of {key!r}")
            p, r = totals.get(node, (0, 0))
            totals[node] = (p + pagu, r + real)
    return totals


def points(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """Change from percentage `a` to `b` in percentage points (poin), never a relative growth."""
    if a is None or b is None:
        return None
    with localcontext(_WORK):
        return _result(b - a)


def check_printed(printed: Decimal, exact: Decimal, decimals: int) -> str | None:
    """The display mode that turns `exact` into the printed figure, half_up first; None if neither.

    Reports mix half-up and truncation (DOMAIN §4.2), so either is accepted and recorded.
    """
    return next((m for m in ("half_up", "truncate") if display(exact, m, decimals) == printed), None)
