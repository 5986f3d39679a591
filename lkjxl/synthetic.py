"""Realistic synthetic operator input, for tests, benchmarks and the demo.

Values are drawn around each indicator's target with a seeded `random.Random`, so a
seed always gives the same workbook. Money stays integer rupiah throughout.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from .model import AKIP_GRADES, BPK_OPINIONS, Definition, Filling, Indikator, Rollup, ValueKind


def random_filling(
    definition: Definition, rng: random.Random, *, missing_rate: float = 0.1, periods_filled: int | None = None
) -> Filling:
    """Operator input for every indicator and budget line; some cells left blank."""
    n_periods = len(definition.period.labels)
    filled = n_periods if periods_filled is None else periods_filled
    fill = Filling()
    for ind in definition.indikator:
        values = _realisasi(ind, rng, n_periods)
        fill.realisasi[ind.id] = [
            v if p < filled and rng.random() >= missing_rate else None for p, v in enumerate(values)
        ]
        if rng.random() < 0.5:
            fill.notes[ind.id] = {
                "hambatan": "Keterbatasan waktu pelaksanaan",
                "solusi": "Koordinasi lebih awal",
                "bukti": f"BA-{rng.randint(1, 99):02d}/PR.01/{definition.year}",
            }
    _budget(definition, rng, fill, filled / n_periods)
    return fill


def _realisasi(ind: Indikator, rng: random.Random, n: int) -> list:
    if ind.kind.is_ordinal:
        scale = AKIP_GRADES if ind.kind is ValueKind.GRADE_AKIP else BPK_OPINIONS
        return [rng.choice(scale) for _ in range(n)]
    target = ind.target if isinstance(ind.target, Decimal) else Decimal(1)
    final = target * Decimal(rng.uniform(0.4, 1.4)).quantize(Decimal("0.001"))
    if ind.kind is ValueKind.COUNT:
        final = final.to_integral_value()
    elif ind.kind is ValueKind.PERCENT:
        final = min(final, Decimal(1)).quantize(Decimal("0.0001"))
    else:
        final = final.quantize(Decimal("0.01"))
    if ind.rollup is Rollup.SUM:
        share = final / n
        return [
            (share.to_integral_value() if ind.kind is ValueKind.COUNT else share.quantize(Decimal("0.0001")))
            for _ in range(n)
        ]
    steps = [final * Decimal(p) / n for p in range(1, n + 1)]
    return [s.to_integral_value() if ind.kind is ValueKind.COUNT else s.quantize(Decimal("0.0001")) for s in steps]


def _budget(definition: Definition, rng: random.Random, fill: Filling, progress: float) -> None:
    slots = definition.revision_slots
    used = rng.randint(0, slots)
    totals = [0] * used
    for line in definition.budget:
        if not line.is_leaf:
            continue
        pagu = line.pagu_awal or rng.randint(10, 5_000_000) * 1000
        fill.pagu_awal[line.key] = pagu
        revs: list[int | None] = []
        current = pagu
        for n in range(used):
            if rng.random() < 0.4:
                current = max(0, current + rng.randint(-200_000, 800_000) * 1000)
                revs.append(current)
            else:
                revs.append(None)
            totals[n] += current
        fill.pagu_revisi[line.key] = revs
        spent = int(current * rng.uniform(0.6, 1.0) * progress)
        fill.realisasi_bulan[line.key] = _months(spent, rng, int(12 * progress))
    fill.revisions = [
        {
            "tanggal": date(definition.year, 1 + (n * 11) // max(used, 1), rng.randint(1, 28)),
            "pagu": totals[n],
            "alasan": f"Revisi DIPA ke-{n + 1}",
            "otoritas": rng.choice(["DJA", "Kanwil DJPb", "Satker"]),
        }
        for n in range(used)
    ]


def _months(total: int, rng: random.Random, months: int) -> list[int | None]:
    """Split `total` rupiah over the first `months` months; exact integer sum."""
    if months <= 0:
        return []
    weights = [rng.random() for _ in range(months)]
    parts = [int(total * w / sum(weights)) for w in weights]
    parts[-1] += total - sum(parts)
    return parts + [None] * (12 - months)
