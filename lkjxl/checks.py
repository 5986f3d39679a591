"""Content checks on the data read from a workbook, each small and named.

`CHECKS` lists them; each takes the `WorkbookData` and yields findings located at
the cell the value came from. Structure checks (formulas, keys, ownership) live
in the reader, where the cells are located.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from . import findings, rules
from .model import Polarity, Rollup, ValueKind, blank_revision


def _at(data, at: tuple) -> tuple[str, str]:
    where = data.cells.get(at, "!")
    sheet, _, cell = where.rpartition("!")
    return sheet, cell


def _make(data, code: str, at: tuple, **params) -> findings.Finding:
    sheet, cell = _at(data, at)
    return findings.make(code, file=data.file, sheet=sheet, cell=cell, **params)


def _mine(data, owner: str) -> bool:
    return data.unit is None or data.unit.code == owner


def required_realisasi(data) -> Iterator[findings.Finding]:
    """An indicator the file's unit owns with no realisasi in any period."""
    for ind in data.definition.indikator:
        if _mine(data, ind.owner) and ind.id not in data.filling.realisasi:
            yield _make(data, "MISSING_VALUE", ("realisasi", ind.id, 1), what=f"realisasi {ind.id}")


def cumulative_never_decreases(data) -> Iterator[findings.Finding]:
    labels = data.definition.period.labels
    for ind in data.definition.indikator:
        if ind.rollup is not Rollup.LAST or ind.kind.is_ordinal or ind.polarity is not Polarity.POSITIVE:
            continue
        previous = None
        for p, value in enumerate(data.filling.realisasi.get(ind.id, []), start=1):
            if isinstance(value, Decimal):
                if previous is not None and value < previous:
                    yield _make(
                        data,
                        "CUMULATIVE_DECREASE",
                        ("realisasi", ind.id, p),
                        value=value,
                        period=labels[p - 1],
                        previous=previous,
                    )
                previous = value


def percent_in_range(data) -> Iterator[findings.Finding]:
    for ind in data.definition.indikator:
        if ind.kind is not ValueKind.PERCENT:
            continue
        for p, value in enumerate(data.filling.realisasi.get(ind.id, []), start=1):
            if isinstance(value, Decimal) and not Decimal(0) <= value <= Decimal("1.5"):
                yield _make(
                    data,
                    "OUT_OF_RANGE",
                    ("realisasi", ind.id, p),
                    what="persen",
                    value=f"{value * 100}%",
                    range="0%–150%",
                )


def capaian_computable(data) -> Iterator[findings.Finding]:
    """Target 0 and exact-indicator mismatches leave capaian empty: say why."""
    d = data.definition
    for ind in d.indikator:
        values = data.filling.realisasi.get(ind.id, [])
        filled = [(p, v) for p, v in enumerate(values, start=1) if v is not None]
        if not filled:
            continue
        p, last = filled[-1]
        result = rules.capaian(ind.kind, ind.polarity, ind.target, last, d.rules)
        if result.flag == rules.Flag.TARGET_ZERO:
            yield _make(data, "TARGET_ZERO", ("realisasi", ind.id, p), value=last)
        elif result.flag == rules.Flag.EXACT_MISMATCH and ind.rollup is Rollup.LAST:
            yield _make(data, "EXACT_MISMATCH", ("realisasi", ind.id, p), value=last, target=ind.target)


def realisasi_within_pagu(data) -> Iterator[findings.Finding]:
    fill = data.filling
    for key, months in fill.realisasi_bulan.items():
        total = sum(v for v in months if v is not None)
        pagu = pagu_akhir(fill, key, data.definition)
        if pagu is not None and total > pagu:
            yield _make(
                data,
                "REALISASI_OVER_PAGU",
                ("realisasi_bulan", key, _first_month_over(months, pagu)),
                value=total,
                pagu=pagu,
            )


def _first_month_over(months: list, pagu: int) -> int:
    """The month whose realisasi took the running total past the pagu: where to look."""
    running = 0
    for m, value in enumerate(months, start=1):
        running += value or 0
        if running > pagu:
            return m
    return len(months)


def pagu_akhir(fill, key: str, d) -> int | None:
    """The last filled revision of a line, else its pagu awal (as the workbook computes it)."""
    revs = [v for v in fill.pagu_revisi.get(key, []) if v is not None]
    if revs:
        return revs[-1]
    line = d.budget_line.get(key)
    return fill.pagu_awal.get(key, line.pagu_awal if line else None)


def revisions_in_order(data) -> Iterator[findings.Finding]:
    if not _mine(data, data.definition.budget_owner):
        return  # the revision history lives in the budget owner's workbook
    revs = data.filling.revisions
    previous_date = None
    for n, rev in enumerate(revs, start=1):
        if blank_revision(rev):
            yield _make(
                data,
                "REVISION_ORDER",
                ("revisi", n, "tanggal"),
                reading=f"revisi ke-{n} kosong padahal revisi sesudahnya terisi",
            )
            continue
        date = rev.get("tanggal")
        if date is not None and previous_date is not None and date < previous_date:
            yield _make(
                data,
                "REVISION_ORDER",
                ("revisi", n, "tanggal"),
                reading=f"tanggal revisi ke-{n} ({date}) sebelum revisi sebelumnya ({previous_date})",
            )
        if rev.get("pagu") is None:
            yield _make(data, "MISSING_VALUE", ("revisi", n, "pagu"), what=f"pagu total revisi ke-{n}")
        previous_date = date or previous_date
    used = len(revs)
    for key, values in data.filling.pagu_revisi.items():
        for k, value in enumerate(values, start=1):
            if value is not None and k > used:
                yield _make(
                    data,
                    "REVISION_ORDER",
                    ("pagu_revisi", key, k),
                    reading=f"pagu revisi ke-{k} diisi, tetapi revisi ke-{k} tidak ada di sheet Revisi",
                )


def revision_ties_to_budget(data) -> Iterator[findings.Finding]:
    if data.unit is not None:
        return  # a unit's workbook holds only part of the budget
    filled = [n for n, r in enumerate(data.filling.revisions, start=1) if r.get("pagu") is not None]
    if not filled:
        return
    last = data.filling.revisions[filled[-1] - 1]["pagu"]
    total = sum(p for key in _leaf_keys(data) if (p := pagu_akhir(data.filling, key, data.definition)) is not None)
    if last != total:
        yield _make(data, "REVISION_TIE", ("revisi", filled[-1], "pagu"), value=last, expected=total)


def _leaf_keys(data) -> list[str]:
    return [b.key for b in data.definition.budget if b.is_leaf]


CHECKS = (
    required_realisasi,
    cumulative_never_decreases,
    percent_in_range,
    capaian_computable,
    realisasi_within_pagu,
    revisions_in_order,
    revision_ties_to_budget,
)


def run(data) -> None:
    for check in CHECKS:
        data.findings.extend(check(data))
