"""Cached values lkjxl writes = what LibreOffice recalculates = what the rules engine says.

Workbooks are filled with random and edge-case values under several rule settings;
LibreOffice (always-recalculate profile) must reproduce every formula cell's cached
value, and the exact rules engine must agree with each indicator's capaian.
"""

from __future__ import annotations

import dataclasses
import math
import random
from decimal import Decimal
from pathlib import Path

import pytest
from libreoffice import cell_values, recalculate, require_soffice

from lkjxl import definition, rules, synthetic, template
from lkjxl.model import CapaianRules, Filling, Polarity, ValueKind

ROOT = Path(__file__).resolve().parent.parent
DEF = definition.load(ROOT / "workbook_templates" / "kabkota-2024.yaml")
SATKER = DEF.find_satker("1971")

VARIANTS = {
    "default": CapaianRules(),
    "inverse_cap120": CapaianRules(negative_formula="inverse_ratio", cap=Decimal(120)),
    "rank_ratio_capped_exact": CapaianRules(
        grade_rule="rank_ratio", exact_mismatch="positive_capped", cap=Decimal(100)
    ),
    "historic_000": CapaianRules(
        aggregate_on="displayed", indicator_rounding="half_up", indicator_decimals=0, rounding="truncate", decimals=2
    ),
    "sasaran_mean": CapaianRules(aggregate="sasaran_mean", grade_else=Decimal(50), rounding="none"),
}


def edge_definition():
    """Targets of 0 and a negative indicator whose realisasi goes to 0 and beyond 2× target."""
    inds = {i.id: i for i in DEF.indikator}
    changed = {
        "SS01.IK02": dataclasses.replace(inds["SS01.IK02"], target=Decimal(0), period_targets=()),
        "SS06.IK03": dataclasses.replace(inds["SS06.IK03"], polarity=Polarity.NEGATIVE),
    }
    tujuan = tuple(
        dataclasses.replace(
            t,
            sasaran=tuple(
                dataclasses.replace(s, indikator=tuple(changed.get(i.id, i) for i in s.indikator)) for s in t.sasaran
            ),
        )
        for t in DEF.tujuan
    )
    return dataclasses.replace(DEF, tujuan=tujuan)


def edge_filling(d) -> Filling:
    fill = synthetic.random_filling(d, random.Random(99), missing_rate=0)
    ind = {i.id: i for i in d.indikator}
    fill.realisasi["SS03.IK01"] = [Decimal("0.0015"), Decimal(0), Decimal("0.0040"), Decimal("0.0016")]
    fill.realisasi["SS06.IK03"] = [Decimal(0), Decimal(150), Decimal(200), Decimal(0)]
    fill.realisasi["SS02.IK01"] = [Decimal(1), Decimal(1), Decimal(0), Decimal(1)]  # exact: sums to 3
    fill.realisasi["SS04.IK01"] = ["7 Kecamatan", None, Decimal(7), Decimal("6.5")]  # text in a number cell
    fill.realisasi["SS06.IK02"] = ["WDP", "WTP", None, "TMP"]
    fill.realisasi["SS01.IK01"] = ["CC", "BB", "AA", "B"]
    assert all(k in ind for k in fill.realisasi)
    return fill


def cases():
    out = []
    for n, (name, variant) in enumerate(VARIANTS.items()):
        d = dataclasses.replace(DEF, rules=variant)
        out.append((f"{name}-acak", d, synthetic.random_filling(d, random.Random(n), missing_rate=0.15)))
        e = dataclasses.replace(edge_definition(), rules=variant)
        out.append((f"{name}-tepi", e, edge_filling(e)))
    return out


def same(ours, theirs) -> bool:
    if ours in ("", None) and theirs in ("", None):
        return True
    if isinstance(ours, float) and isinstance(theirs, int | float) and not isinstance(theirs, bool):
        return math.isclose(ours, theirs, rel_tol=1e-13, abs_tol=1e-12)
    return ours == theirs


def assert_libreoffice_agrees(paths: list[Path], tmp_path: Path) -> int:
    """Every formula cell's cached value equals LibreOffice's recalculated one; returns the cell count."""
    require_soffice()
    outputs = recalculate(paths, tmp_path / "lo")
    checked, wrong = 0, []
    for path in paths:
        ours, theirs = cell_values(path), cell_values(outputs[path])
        assert ours.keys() == theirs.keys()
        for key, value in ours.items():
            checked += 1
            if not same(value, theirs[key]):
                wrong.append(f"{path.name} {key}: lkjxl {value!r}, LibreOffice {theirs[key]!r}")
    assert wrong == [], "\n".join(wrong[:20])
    return checked


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_cached_values(tmp_path):
    paths = [template.write(d, SATKER, tmp_path / f"{name}.xlsx", None, fill) for name, d, fill in cases()]
    checked = assert_libreoffice_agrees(paths, tmp_path)
    assert checked > 3000


@pytest.mark.parametrize(("name", "d", "fill"), cases(), ids=[c[0] for c in cases()])
def test_rules_engine_agrees_with_workbook_formulas(name, d, fill):
    """(a) the exact rules engine vs (b) the formulas' values, for every indicator and period."""
    book = template.build(d, None, fill)
    values = book.evaluate()
    names = book.names
    for n, ind in enumerate(d.indikator):
        row = names["Real_ID"].row1 + n
        for p, realisasi in enumerate(fill.realisasi.get(ind.id, [])):
            col = names[f"Real_Capaian_P{p + 1}"].col1
            target = (
                ind.period_targets[p]
                if p < len(ind.period_targets) and ind.period_targets[p] is not None
                else ind.target
            )
            expected = rules.capaian(ind.kind, ind.polarity, target, _as_engine(ind, realisasi), d.rules).value
            got = values[("Realisasi", row, col)]
            assert _agree(expected, got), f"{name} {ind.id} P{p + 1}: engine {expected}, workbook {got!r}"


def _as_engine(ind, value):
    """What the engine is given for a cell value (text in a numeric cell is not a number)."""
    if isinstance(value, str) and not ind.kind.is_ordinal:
        return value  # the engine flags it NOT_A_NUMBER → None, as IFERROR gives ""
    return value


def _agree(expected: Decimal | None, got) -> bool:
    if expected is None:
        return got == ""
    return isinstance(got, float) and math.isclose(float(expected), got, rel_tol=1e-12, abs_tol=1e-9)


def test_edge_cases_are_exercised():
    """The edge filling really produces the cases it is meant to (a test of the test data)."""
    d = edge_definition()
    flags = set()
    for ind in d.indikator:
        for value in edge_filling(d).realisasi.get(ind.id, []):
            flags.add(rules.capaian(ind.kind, ind.polarity, ind.target, value, d.rules).flag)
    assert {"TARGET_ZERO", "NOT_A_NUMBER", "MISSING"} <= {str(f) for f in flags if f}
    assert any(i.polarity is Polarity.NEGATIVE and i.kind is ValueKind.INDEX for i in d.indikator)
