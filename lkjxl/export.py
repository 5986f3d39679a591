"""The parsed data model of a workbook as JSON (`lkjxl read FILE --json OUT`).

The schema is documented in docs/read-json.md. Numbers that must stay exact
(Decimal values, capaian) are written as strings; money as integers.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from .results import budget_results, indikator_results, overall

SCHEMA_VERSION = 1


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def workbook_dict(data) -> dict:
    out = {
        "schema": SCHEMA_VERSION,
        "file": data.file,
        "sha256": data.sha256,
        "meta": {k: v for k, v in data.meta.items() if not k.startswith("lkjxl_definition_part_")},
        "findings": [f.to_dict() for f in data.findings],
    }
    d = data.definition
    if d is None:
        return out
    results = indikator_results(d, data.filling)
    agg = overall(d, results)
    out["capaian_keseluruhan"] = {
        "value": _plain(agg.value),
        "n_used": agg.n_used,
        "n_rows": agg.n_rows,
        "excluded": list(agg.excluded),
        "aturan": d.rules.aggregate,
    }
    out["indikator"] = [
        {
            "id": r.indikator.id,
            "sasaran": r.sasaran_id,
            "text": r.indikator.text,
            "kind": r.indikator.kind.value,
            "satuan": r.indikator.satuan,
            "polarity": r.indikator.polarity.value,
            "target": _plain(r.indikator.target),
            "realisasi": [_plain(v) for v in r.realisasi],
            "realisasi_tahunan": _plain(r.tahunan),
            "capaian": _plain(r.capaian.value),
            "capaian_raw": _plain(r.capaian.raw),
            "flag": str(r.capaian.flag) if r.capaian.flag else None,
            "kategori": r.kategori,
            "catatan": data.filling.notes.get(r.indikator.id, {}),
            "sel": {str(p): data.cells.get(("realisasi", r.indikator.id, p)) for p in range(1, len(r.realisasi) + 1)},
        }
        for r in results
    ]
    out["anggaran"] = [
        {
            "key": b.key,
            "code": b.code,
            "name": b.name,
            "level": b.level,
            "jenis_belanja": b.jenis_belanja or None,
            "pagu_awal": b.pagu_awal,
            "pagu_akhir": b.pagu_akhir,
            "realisasi": b.realisasi,
            "sisa": b.sisa,
            "serapan": _plain(b.serapan),
            "placeholder": b.placeholder,
            "realisasi_bulan": data.filling.realisasi_bulan.get(b.key),
            "pagu_revisi": data.filling.pagu_revisi.get(b.key),
        }
        for b in budget_results(d, data.filling)
    ]
    out["revisi"] = [{k: _plain(v) for k, v in rev.items()} for rev in data.filling.revisions]
    return out


def workbook_json(data) -> str:
    return json.dumps(workbook_dict(data), ensure_ascii=False, indent=1, default=_plain)
