"""Compare figures a report printed (`samples/*/stated.yaml`) with lkjxl's recomputation.

Historic reports round by different conventions (DOMAIN §4.2), so a printed
percentage agrees when half-up or truncation at its printed decimals reproduces
the exact value; amounts must match to the rupiah. Each disagreement is a
STATED_DIFFERS finding naming the seed line.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import yaml

from . import findings, normalize, rules
from .model import Definition, Filling
from .results import budget_results, indikator_results, overall


def _decimals(printed: str) -> int:
    """Digits after the decimal mark as printed (`99,19%` and `99.50%` both give 2)."""
    match = re.search(r"[.,]\s*(\d+)\s*%?\s*$", printed.strip())
    return len(match.group(1)) if match else 0


def _percent_agrees(printed: str, exact: Decimal | None) -> bool:
    value = normalize.parse_percent(printed).value
    if value is None or exact is None:
        return False
    return rules.check_printed(value * 100, exact, _decimals(printed)) is not None


def _budget_totals(d: Definition, fill: Filling) -> dict[str, tuple[int, int]]:
    """(pagu akhir, realisasi) per jenis belanja, per output key and in total."""
    out: dict[str, tuple[int, int]] = {}
    for b in budget_results(d, fill):
        if b.level != "output":
            continue
        for key in (b.jenis_belanja or "-", b.key, "total"):
            pagu, spent = out.get(key, (0, 0))
            out[key] = (pagu + b.pagu_akhir, spent + b.realisasi)
    return out


def check(d: Definition, fill: Filling, path: Path) -> tuple[list[findings.Finding], int, int]:
    """(findings, figures checked, figures not checkable here) for one stated.yaml."""
    stated = yaml.safe_load(path.read_text(encoding="utf-8")).get("stated", [])
    results = {r.indikator.id: r for r in indikator_results(d, fill)}
    totals = _budget_totals(d, fill)
    agg = overall(d, list(results.values()))
    found, checked, skipped = [], 0, 0
    for item in stated:
        what, key, printed = item.get("what"), str(item.get("key", "total")), str(item.get("printed", ""))
        ok = _agrees(what, key, printed, results, totals, agg)
        if ok is None:
            skipped += 1
            continue
        checked += 1
        if not ok:
            found.append(
                findings.make(
                    "STATED_DIFFERS",
                    file=str(path),
                    cell=item.get("seed", ""),
                    value=printed,
                    what=f"{what} {key}",
                    expected=_expected(what, key, results, totals, agg),
                )
            )
    return found, checked, skipped


def _agrees(what, key, printed, results, totals, agg) -> bool | None:
    if what == "capaian" and key in results:
        return _percent_agrees(printed, results[key].capaian.value)
    if what == "capaian_keseluruhan" and key == "total":
        return _percent_agrees(printed, agg.value)
    if what in ("serapan", "sisa", "pagu_jenis", "realisasi_jenis", "pagu_total", "realisasi_total") and key in totals:
        pagu, spent = totals[key]
        if what == "serapan":
            return _percent_agrees(printed, rules.serapan(pagu, spent))
        amount = {"sisa": pagu - spent, "pagu_jenis": pagu, "pagu_total": pagu}.get(what, spent)
        return normalize.parse_money(printed).value == amount
    return None


def _expected(what, key, results, totals, agg) -> str:
    if what == "capaian":
        return f"{results[key].capaian.value}"
    if what == "capaian_keseluruhan":
        return f"{agg.value}"
    pagu, spent = totals[key]
    if what == "serapan":
        return f"{rules.serapan(pagu, spent)}"
    return f"{ {'sisa': pagu - spent, 'pagu_jenis': pagu, 'pagu_total': pagu}.get(what, spent):,}".replace(",", ".")
