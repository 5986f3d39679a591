"""Bootstrap a definition from an office's existing PK table (`lkjxl definition import`).

Offices already keep `Sasaran | Indikator | Target [| Satuan | Polaritas]` tables in
Excel or CSV. The header row is found by its labels (not its position), merged or
blank sasaran cells are filled down, and whatever cannot be known from the table
(polarity when absent, owner unit, budget) gets a stated default and a warning.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import yaml

from . import normalize
from .definition import ALIASES, default_satuan, infer_kind

COLUMNS = {
    "sasaran": "sasaran",
    "indikator": "indikator",
    "target": "target",
    "satuan": "satuan",
    "polaritas": "polaritas",
    "polarity": "polaritas",
}
DEFAULT_UNITS = [
    {"code": "PDI", "name": "Perencanaan, Data dan Informasi"},
    {"code": "KUL", "name": "Keuangan, Umum dan Logistik"},
    {"code": "TEKNIS", "name": "Teknis Penyelenggaraan Pemilu, Partisipasi dan Hubungan Masyarakat"},
    {"code": "HUKUM_SDM", "name": "Hukum dan SDM"},
]


class ImportError_(ValueError):
    """The table cannot be read as a PK table; the message says why."""


def read_rows(path: Path) -> list[list[str]]:
    """All rows of the first sheet (or the CSV) as cleaned text."""
    if path.suffix.lower() == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
        return [[normalize.clean_text(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    if path.suffix.lower() != ".xlsx":
        raise ImportError_(f"'{path.name}' bukan .xlsx atau .csv")
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        return [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True, max_row=5000, max_col=30)]
    finally:
        wb.close()


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and 0 < v <= 1.5:
        return f"{v * 100:g}%"  # a percent-formatted cell arrives as a fraction
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return normalize.clean_text(str(v))


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    for n, row in enumerate(rows[:30]):
        found = {}
        for col, cell in enumerate(row):
            word = cell.lower().split(" ")[0].strip(":") if cell else ""
            if word in COLUMNS and COLUMNS[word] not in found:
                found[COLUMNS[word]] = col
        if {"sasaran", "indikator", "target"} <= set(found):
            return n, found
    raise ImportError_("baris judul dengan kolom 'Sasaran', 'Indikator' dan 'Target' tidak ditemukan")


def import_table(path: Path, *, template_id: str, year: int | None, level: str) -> tuple[str, list[str]]:
    """The definition YAML text, and warnings for every default that was assumed."""
    rows = read_rows(path)
    head, cols = _header(rows)
    warnings: list[str] = []
    sasaran: list[dict] = []
    current = None
    for n, row in enumerate(rows[head + 1 :], start=head + 2):

        def get(key, row=row):
            return row[cols[key]] if key in cols and cols[key] < len(row) else ""

        if not get("indikator") or get("indikator").strip("() ").isdigit():
            continue  # blank rows and the (1) (2) (3) numbering row
        text = get("sasaran")
        if text and (current is None or text != current["text"]):
            current = {"id": f"SS{len(sasaran) + 1:02d}", "text": text, "indikator": []}
            sasaran.append(current)
        if current is None:
            raise ImportError_(f"baris {n}: indikator tanpa sasaran di atasnya")
        target = get("target")
        kind = infer_kind(target)
        ind = {
            "id": f"{current['id']}.IK{len(current['indikator']) + 1:02d}",
            "text": get("indikator"),
            "kind": kind.value,
            "target": target,
        }
        satuan = get("satuan") or default_satuan(kind, target)
        if satuan:
            ind["satuan"] = satuan
        polarity = ALIASES.get(get("polaritas").lower(), get("polaritas").lower())
        if polarity not in ("positive", "negative", "exact"):
            polarity = "positive"
            warnings.append(f"baris {n}: polaritas '{ind['id']}' diasumsikan positif — periksa")
        ind["polarity"] = polarity
        ind["owner"] = "PDI"
        current["indikator"].append(ind)
    if not sasaran:
        raise ImportError_("tidak ada baris indikator di bawah judul tabel")
    warnings.append("unit pemilik setiap indikator diisi 'PDI' — sesuaikan 'owner'")
    warnings.append("anggaran berisi kerangka program CQ/WA dengan pagu 0 — lengkapi dari DIPA")
    definition = {
        "template": {"id": template_id, "version": 1},
        "title": "Perjanjian Kinerja",
        "year": year or date.today().year,
        "level": level,
        "period": "triwulan",
        "satker_list": "satker.csv",
        "units": DEFAULT_UNITS,
        "tujuan": [{"id": "T1", "text": "Tujuan (lengkapi dari Renstra)", "sasaran": sasaran}],
        "budget": {
            "revision_slots": 6,
            "owner": "KUL",
            "programs": [
                {
                    "code": "076.01.CQ",
                    "name": "Penyelenggaraan Pemilu dalam Proses Konsolidasi Demokrasi",
                    "kegiatan": [
                        {
                            "code": "6709",
                            "name": "Perencanaan Program dan Anggaran",
                            "outputs": [{"code": "QGE.001", "name": "Perencanaan dan Penganggaran Pemilu"}],
                        }
                    ],
                },
                {
                    "code": "076.01.WA",
                    "name": "Dukungan Manajemen",
                    "kegiatan": [
                        {
                            "code": "3355",
                            "name": "Pengelolaan Keuangan dan BMN",
                            "outputs": [{"code": "EBA.994", "name": "Layanan Perkantoran", "jenis_belanja": "51"}],
                        }
                    ],
                },
            ],
        },
    }
    header = f"# Diimpor dari {path.name} oleh 'lkjxl definition import'. Format: docs/templates.md\n"
    return header + yaml.safe_dump(definition, sort_keys=False, allow_unicode=True, width=110), warnings
