"""Capaian and budget results of one satker's data, computed by the exact rules engine.

The workbook's formulas compute the same figures in floating point; consolidation
and exports use these exact values (Decimal, integer rupiah) and round only for
display.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from . import rules
from .model import Definition, Filling, Indikator, Rollup, Value


@dataclass(frozen=True)
class IndikatorResult:
    indikator: Indikator
    sasaran_id: str
    realisasi: tuple[Value | None, ...]
    tahunan: Value | None
    capaian: rules.Capaian
    kategori: str | None


class BudgetResult(NamedTuple):
    """One budget line's totals (a tuple: a national consolidation makes ≈120,000 of them)."""

    key: str
    code: str
    name: str
    level: str
    jenis_belanja: str
    pagu_awal: int
    pagu_akhir: int
    realisasi: int
    placeholder: bool

    @property
    def sisa(self) -> int:
        return rules.sisa(self.pagu_akhir, self.realisasi)

    @property
    def serapan(self) -> Decimal | None:
        return rules.serapan(self.pagu_akhir, self.realisasi)


def annual(ind: Indikator, values: list[Value | None]) -> Value | None:
    """The annual realisasi from period values, as the workbook's roll-up formula does."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if ind.rollup is Rollup.LAST or ind.kind.is_ordinal:
        return present[-1]
    numbers = [v for v in present if isinstance(v, Decimal)]
    if not numbers:
        return None
    if ind.rollup is Rollup.SUM:
        return sum(numbers, Decimal(0))
    if ind.rollup is Rollup.MAX:
        return max(numbers)
    return sum(numbers, Decimal(0)) / len(numbers)


def indikator_results(d: Definition, fill: Filling) -> list[IndikatorResult]:
    out = []
    for sasaran in d.sasaran:
        for ind in sasaran.indikator:
            values = list(fill.realisasi.get(ind.id, []))
            tahunan = annual(ind, values)
            cap = rules.capaian(ind.kind, ind.polarity, ind.target, tahunan, d.rules)
            out.append(
                IndikatorResult(ind, sasaran.id, tuple(values), tahunan, cap, rules.kategori(cap.value, d.rules.scale))
            )
    return out


def overall(d: Definition, results: list[IndikatorResult]) -> rules.Aggregate:
    return rules.aggregate([(r.indikator.id, r.sasaran_id, r.capaian) for r in results], d.rules)


def budget_results(d: Definition, fill: Filling) -> list[BudgetResult]:
    """Every line; kegiatan and program rows are sums of their outputs, as in the workbook."""
    from .checks import pagu_akhir

    totals: dict[str, list[int]] = {}  # each leaf added to itself and every line above it
    for key, sums in d.budget_sums.items():
        awal = fill.pagu_awal.get(key, d.budget_line[key].pagu_awal) or 0
        akhir = pagu_akhir(fill, key, d) or 0
        spent = sum(filter(None, fill.realisasi_bulan.get(key, ())))
        for above in sums:
            total = totals.get(above)
            if total is None:
                totals[above] = [awal, akhir, spent]
            else:
                total[0] += awal
                total[1] += akhir
                total[2] += spent
    out = []
    for line in d.budget:
        awal, akhir, spent = totals.get(line.key, (0, 0, 0))
        out.append(
            BudgetResult(
                line.key,
                line.code,
                line.name,
                line.level,
                line.jenis_belanja,
                awal,
                akhir,
                spent,
                line.is_leaf and 0 < akhir <= d.rules.placeholder_max,
            )
        )
    return out
