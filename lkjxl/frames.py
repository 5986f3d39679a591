"""Tidy tables of satker data: what consolidation works on and what analysts get.

`read_frames(paths)` returns the same tidy data the consolidated workbook's Data
sheets hold, as pandas DataFrames, so a provincial analyst can work in a notebook
without Excel. Rows are per satker × indicator, per satker × budget output line,
per satker × revision; amounts stay integer rupiah.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .results import budget_results, indikator_results

MAX_PERIODS = 12
MONTHS = tuple(f"bulan_{m}" for m in range(1, 13))

IND_COLUMNS = [
    "satker",
    "nama_satker",
    "tingkat",
    "induk",
    "templat",
    "versi",
    "tahun",
    "sasaran",
    "indikator",
    "uraian",
    "jenis",
    "satuan",
    "polaritas",
    "target",
    *(f"realisasi_p{n}" for n in range(1, MAX_PERIODS + 1)),
    "realisasi_tahunan",
    "capaian",
    "capaian_tanpa_batas",
    "catatan_capaian",
    "kategori",
    "unit",
    "berkas",
]
AGR_COLUMNS = [
    "satker",
    "nama_satker",
    "tingkat",
    "induk",
    "tahun",
    "kunci",
    "program",
    "kegiatan",
    "output",
    "kode",
    "uraian",
    "jenis_belanja",
    "unit",
    "pagu_awal",
    "pagu_akhir",
    "realisasi",
    *(f"bulan_{m}" for m in range(1, 13)),
    "placeholder",
    "berkas",
]
_AGR_KEYS = tuple(AGR_COLUMNS)  # a budget row's values are given in this order
_NO_MONTHS = (None,) * 12
REV_COLUMNS = ["satker", "nama_satker", "revisi", "tanggal", "pagu", "alasan", "otoritas", "berkas"]
FINDING_COLUMNS = ["satker", "berkas", "tingkat", "kode", "sheet", "sel", "nilai", "pesan", "perbaikan"]


@dataclass
class Frames:
    """The tidy tables; each a list of row dicts until `to_pandas`."""

    indikator: list[dict]
    anggaran: list[dict]
    revisi: list[dict]
    temuan: list[dict]

    def extend(self, other: Frames) -> None:
        self.indikator += other.indikator
        self.anggaran += other.anggaran
        self.revisi += other.revisi
        self.temuan += other.temuan

    def to_pandas(self) -> dict:
        import pandas as pd

        return {
            "indikator": pd.DataFrame(self.indikator, columns=IND_COLUMNS),
            "anggaran": pd.DataFrame(self.anggaran, columns=AGR_COLUMNS),
            "revisi": pd.DataFrame(self.revisi, columns=REV_COLUMNS),
            "temuan": pd.DataFrame(self.temuan, columns=FINDING_COLUMNS),
        }


def empty() -> Frames:
    return Frames([], [], [], [])


def year_of(part: Frames) -> int | None:
    """The report year of tidy rows (the latest `tahun`), None when there are no rows."""
    years = [row["tahun"] for row in part.indikator + part.anggaran if isinstance(row.get("tahun"), int)]
    return max(years, default=None)


def _number(value):
    """Decimal → float for the table (exact values stay in the engine); text and None unchanged."""
    return float(value) if isinstance(value, Decimal) else value


def satker_frames(d, satker, fill, file: str, found=()) -> Frames:
    """Rows of one satker's data, computed with the exact rules engine."""
    ident = {
        "satker": satker.code,
        "nama_satker": satker.name,
        "tingkat": satker.level.value,
        "induk": satker.parent or "",
    }
    ind_rows = []
    for r in indikator_results(d, fill):
        row = {
            **ident,
            "templat": d.template.id,
            "versi": d.template.version,
            "tahun": d.year,
            "sasaran": r.sasaran_id,
            "indikator": r.indikator.id,
            "uraian": r.indikator.text,
            "jenis": r.indikator.kind.value,
            "satuan": r.indikator.satuan,
            "polaritas": r.indikator.polarity.value,
            "target": _number(r.indikator.target),
            "realisasi_tahunan": _number(r.tahunan),
            "capaian": _number(r.capaian.value),
            "capaian_tanpa_batas": _number(r.capaian.raw),
            "catatan_capaian": str(r.capaian.flag or ""),
            "kategori": r.kategori or "",
            "unit": r.indikator.owner,
            "berkas": file,
        }
        for n, value in enumerate(r.realisasi, start=1):
            row[f"realisasi_p{n}"] = _number(value)
        ind_rows.append(row)
    agr_rows = []
    head = (*ident.values(), d.year)
    for b in budget_results(d, fill):
        if b.level != "output":
            continue
        months = fill.realisasi_bulan.get(b.key, ())[:12]
        line = (b.key, *b.key.split("/"), b.code, b.name, b.jenis_belanja, d.budget_line[b.key].owner)
        amounts = (b.pagu_awal, b.pagu_akhir, b.realisasi, *months, *_NO_MONTHS[len(months) :])
        agr_rows.append(dict(zip(_AGR_KEYS, (*head, *line, *amounts, b.placeholder, file), strict=True)))
    rev_rows = [
        {
            "satker": satker.code,
            "nama_satker": satker.name,
            "revisi": n,
            "tanggal": rev.get("tanggal"),
            "pagu": rev.get("pagu"),
            "alasan": rev.get("alasan") or "",
            "otoritas": rev.get("otoritas") or "",
            "berkas": file,
        }
        for n, rev in enumerate(fill.revisions, start=1)
    ]
    return Frames(ind_rows, agr_rows, rev_rows, finding_rows(satker.code, found))


def finding_rows(satker: str, found) -> list[dict]:
    return [
        {
            "satker": satker,
            "berkas": f.file,
            "tingkat": f.severity,
            "kode": f.code,
            "sheet": f.sheet,
            "sel": f.cell,
            "nilai": f.value,
            "pesan": f.message,
            "perbaikan": f.fix,
        }
        for f in found
    ]


def read_frames(paths: list[str | Path], *, expected: str | Path | None = None) -> dict:
    """Read satker, subbagian and consolidated workbooks into pandas DataFrames.

    Returns {"indikator", "anggaran", "revisi", "temuan"} DataFrames — the same
    tidy data as the consolidated workbook's Data sheets. Example::

        import lkjxl
        frames = lkjxl.read_frames(["kota-a.xlsx", "kota-b.xlsx"])
        frames["anggaran"].groupby("satker")[["pagu_akhir", "realisasi"]].sum()
    """
    from .consolidate import collect

    return collect([Path(p) for p in paths], expected=Path(expected) if expected else None).frames.to_pandas()
