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
        if ind.kind is ValueKind.COUNT:  # whole units spread over the periods, summing to the total
            total = int(final)
            return [Decimal(total // n + (1 if p < total % n else 0)) for p in range(n)]
        share = (final / n).quantize(Decimal("0.0001"))
        return [share] * n
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


def _id_number(x: Decimal, decimals: int = 2) -> str:
    text = f"{x:,.{decimals}f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def add_noise(definition: Definition, fill: Filling, rng: random.Random, rate: float) -> Filling:
    """Operator-like noise: numbers typed as Indonesian text, and at rate/10 a real mistake.

    Text forms are what operators paste from Word (`85,5%`, `7 kali`, `Rp. 1.234.567,-`);
    lkjxl must read them right. Mistakes (a word in a number cell, a negative amount)
    must be reported.
    """
    kinds = {i.id: i for i in definition.indikator}
    for iid, values in fill.realisasi.items():
        ind = kinds[iid]
        for n, value in enumerate(values):
            if not isinstance(value, Decimal) or rng.random() >= rate:
                continue
            if rng.random() < 0.1:
                values[n] = rng.choice(["sudah", "belum ada data", "lihat lampiran"])
            elif ind.kind is ValueKind.PERCENT:
                values[n] = _id_number(value * 100) + rng.choice(["%", " %", "%%"])
            elif ind.kind is ValueKind.COUNT:
                values[n] = f"{_id_number(value)} {ind.satuan.capitalize()}"
            else:
                values[n] = _id_number(value)
    for months in fill.realisasi_bulan.values():
        for n, value in enumerate(months):
            if value is None or rng.random() >= rate:
                continue
            months[n] = (
                -value
                if rng.random() < 0.1
                else rng.choice(["Rp. {},-", "Rp {}", "{}"]).format(f"{value:,}".replace(",", "."))
            )
    return fill


def province_satkers(province: int, cities: int):
    """Synthetic satker codes in the BPS style: province 2 digits, city 4 digits."""
    from .model import Level, Satker

    code = f"{province:02d}"
    yield Satker(code, f"KPU Provinsi Sintetis {code}", Level.PROVINSI, "00", f"Ibu Kota {code}")
    for c in range(1, cities + 1):
        yield Satker(f"{code}{70 + c:02d}", f"KPU Kota Sintetis {code}{70 + c:02d}", Level.KABKOTA, code, f"Kota {c}")


def generate(
    definition: Definition,
    outdir,
    *,
    provinces: int,
    cities: int,
    seed: int,
    noise: float = 0.05,
    first_province: int = 11,
    progress=None,
) -> list:
    """Filled workbooks for `provinces` × (1 + `cities`) satker, one folder per province."""
    from pathlib import Path

    from . import template

    rng = random.Random(seed)
    written = []
    total = provinces * (1 + cities)
    for p in range(first_province, first_province + provinces):
        for satker in province_satkers(p, cities):
            fill = add_noise(definition, random_filling(definition, rng), rng, noise)
            path = Path(outdir) / f"{p:02d}" / template.file_name(definition, satker)
            written.append(template.write(definition, satker, path, None, fill))
            if progress:
                progress(len(written), total, path.name)
    return written
