"""Write a `Definition` back as definition YAML.

Every workbook embeds the definition it was generated from (in `_Meta`), so a
reader can re-derive the exact expected workbook — formulas, input cells, row
keys — without the original file. `definition.loads(dump(d))` gives `d` back
(except the satker list, which a single workbook does not need).
"""

from __future__ import annotations

from decimal import Decimal

import yaml

from .model import DEFAULT_SCALE, CapaianRules, Definition, Indikator, ValueKind


def _value(ind: Indikator, value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if ind.kind is ValueKind.PERCENT:
        return f"{(value * 100).normalize():f}%"
    if ind.kind is ValueKind.COUNT:
        return f"{value.normalize():f} {ind.satuan}"
    return f"{value.normalize():f}"


def _number(x: Decimal) -> str:
    return f"{x.normalize():f}"


def _indikator(ind: Indikator) -> dict:
    out = {
        "id": ind.id,
        "text": ind.text,
        "kind": ind.kind.value,
        "satuan": ind.satuan,
        "polarity": ind.polarity.value,
        "target": _value(ind, ind.target),
        "owner": ind.owner,
        "rollup": ind.rollup.value,
    }
    if ind.period_targets:
        out["period_targets"] = [_value(ind, v) for v in ind.period_targets]
    for key in ("cara_penghitungan", "sumber_data"):
        if getattr(ind, key):
            out[key] = getattr(ind, key)
    if ind.budget_links:
        out["budget_links"] = list(ind.budget_links)
    if ind.aliases:
        out["aliases"] = list(ind.aliases)
    return out


def _rules(rules: CapaianRules) -> dict:
    out = {
        "negative_formula": rules.negative_formula,
        "exact_mismatch": rules.exact_mismatch,
        "grade_rule": rules.grade_rule,
        "grade_else": _number(rules.grade_else),
        "aggregate": rules.aggregate,
        "aggregate_on": rules.aggregate_on,
        "rounding": rules.rounding,
        "decimals": rules.decimals,
        "placeholder_max": rules.placeholder_max,
    }
    if rules.cap is not None:
        out["cap"] = _number(rules.cap)
    if rules.indicator_rounding is not None:
        out["indicator_rounding"] = rules.indicator_rounding
    if rules.indicator_decimals is not None:
        out["indicator_decimals"] = rules.indicator_decimals
    if rules.scale != DEFAULT_SCALE:
        out["scale"] = [
            {
                "label": b.label,
                "lo": _number(b.lo),
                "lo_incl": b.lo_incl,
                **({"hi": _number(b.hi), "hi_incl": b.hi_incl} if b.hi is not None else {"hi_incl": b.hi_incl}),
                "keterangan": b.keterangan,
            }
            for b in rules.scale
        ]
    return out


def _budget(d: Definition) -> dict:
    programs: list[dict] = []
    for line in d.budget:
        parts = line.key.split("/")
        if line.level == "program":
            programs.append({"code": line.code, "name": line.name, "kegiatan": []})
        elif line.level == "kegiatan":
            programs[-1]["kegiatan"].append({"code": parts[1], "name": line.name, "outputs": []})
        else:
            out = {"code": parts[2], "name": line.name, "pagu_awal": line.pagu_awal}
            if line.jenis_belanja:
                out["jenis_belanja"] = line.jenis_belanja
            if line.owner:
                out["owner"] = line.owner
            programs[-1]["kegiatan"][-1]["outputs"].append(out)
    out = {"revision_slots": d.revision_slots, "programs": programs}
    if d.budget_keeper:
        out = {"revision_slots": d.revision_slots, "owner": d.budget_keeper, "programs": programs}
    return out


def dump(d: Definition) -> str:
    tree = {
        "template": {"id": d.template.id, "version": d.template.version},
        "title": d.title,
        "year": d.year,
        "level": d.level.value,
        "period": d.period.value,
        "units": [{"code": u.code, "name": u.name} for u in d.units],
        "rules": _rules(d.rules),
        "tujuan": [
            {
                "id": t.id,
                "text": t.text,
                "sasaran": [
                    {"id": s.id, "text": s.text, "level": s.level, "indikator": [_indikator(i) for i in s.indikator]}
                    for s in t.sasaran
                ],
            }
            for t in d.tujuan
        ],
        "rencana_aksi": [
            {
                "indikator": ra.indikator_id,
                "kegiatan": ra.kegiatan,
                "months": sorted(ra.months),
                **({"biaya": ra.biaya} if ra.biaya is not None else {}),
                **({"pelaksana": ra.pelaksana} if ra.pelaksana else {}),
            }
            for ra in d.rencana_aksi
        ],
        "budget": _budget(d),
    }
    if d.signatories or d.sign_date:
        signs: dict = {s.role: {"jabatan": s.jabatan, "nama": s.nama, "nip": s.nip} for s in d.signatories}
        if d.sign_date:
            signs["date"] = d.sign_date.isoformat()
        tree["signatories"] = signs
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the C emitter, where PyYAML has it, is 5× faster
    return yaml.dump(tree, Dumper=dumper, sort_keys=False, allow_unicode=True, width=1000)
