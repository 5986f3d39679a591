"""Where things are in an lkjxl workbook: sheet names, table rows, column keys.

Every cell position is derived here; readers find regions through the defined
names this layout declares (`<prefix>_<column key>`), never through coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import MONTHS, Period

SHEET_PETUNJUK = "Petunjuk"
SHEET_PK = "PK"
SHEET_RA = "Rencana Aksi"
SHEET_REALISASI = "Realisasi"
SHEET_ANGGARAN = "Anggaran"
SHEET_REVISI = "Revisi"
SHEET_RINGKASAN = "Ringkasan"
SHEET_LISTS = "_Daftar"
SHEET_META = "_Meta"

HEADER_ROW = 4  # 0-based row of table headers on every table sheet
FIRST_ROW = HEADER_ROW + 1

KIND_LABELS = {
    "percent": "Persen",
    "count": "Jumlah",
    "grade_akip": "Nilai AKIP",
    "opinion_bpk": "Opini BPK",
    "index": "Indeks",
}
POLARITY_LABELS = {"positive": "Positif", "negative": "Negatif", "exact": "Tepat"}
LEVEL_LABELS = {"program": "Program", "kegiatan": "Kegiatan", "output": "Output"}
MONTH_MARK = "✓"
AUTHORITIES = ("DJA", "Kanwil DJPb", "Satker", "Campuran")


@dataclass(frozen=True)
class Column:
    key: str  # the defined-name suffix
    label: str  # Indonesian header
    width: float = 12


class Columns:
    """An ordered set of columns; `index(key)` gives the 0-based column."""

    def __init__(self, prefix: str, columns: list[Column]):
        self.prefix = prefix
        self.columns = columns
        self._index = {c.key: n for n, c in enumerate(columns)}

    def __iter__(self):
        return iter(self.columns)

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def index(self, key: str) -> int:
        return self._index[key]

    def name(self, key: str) -> str:
        return f"{self.prefix}_{key}"


def realisasi_columns(period: Period) -> Columns:
    cols = [
        Column("No", "No", 4),
        Column("ID", "ID Indikator", 11),
        Column("Sasaran", "ID Sasaran", 9),
        Column("Indikator", "Indikator Kinerja", 40),
        Column("Jenis", "Jenis", 9),
        Column("Satuan", "Satuan", 9),
        Column("Polaritas", "Polaritas", 9),
        Column("Target", "Target Tahunan", 10),
    ]
    for n, label in enumerate(period.labels, start=1):
        cols += [
            Column(f"Target_P{n}", f"Target {label}", 10),
            Column(f"Realisasi_P{n}", f"Realisasi {label}", 11),
            Column(f"Capaian_P{n}", f"Capaian {label} (%)", 10),
            Column(f"Kategori_P{n}", f"Kategori {label}", 12),
        ]
    cols += [
        Column("Tahunan", "Realisasi Tahunan", 11),
        Column("CapaianMentah", "Capaian Tanpa Batas (%)", 10),
        Column("Capaian", "Capaian (%)", 10),
        Column("CapaianTampil", "Capaian Dibulatkan (%)", 10),
        Column("Kategori", "Kategori", 14),
        Column("Hambatan", "Hambatan", 30),
        Column("Solusi", "Solusi / Upaya", 30),
        Column("Bukti", "Bukti Dukung", 24),
        Column("Unit", "Unit Pemilik", 10),
    ]
    return Columns("Real", cols)


def rencana_columns(period: Period) -> Columns:
    cols = [
        Column("No", "No", 4),
        Column("ID", "ID Indikator", 11),
        Column("Indikator", "Indikator Kinerja", 36),
        Column("Target", "Target Tahunan", 10),
    ]
    cols += [Column(f"Target_P{n}", f"Target {label}", 9) for n, label in enumerate(period.labels, start=1)]
    cols += [Column("Kegiatan", "Rencana Aksi / Kegiatan", 36)]
    cols += [Column(f"Bulan_{m}", f"B{m}", 4) for m in range(1, 13)]
    cols += [Column("Biaya", "Perkiraan Biaya (Rp)", 15), Column("Pelaksana", "Pelaksana", 10)]
    return Columns("RA", cols)


def anggaran_columns(revision_slots: int) -> Columns:
    cols = [
        Column("Kode", "Kode", 14),
        Column("Uraian", "Uraian", 36),
        Column("Tingkat", "Tingkat", 9),
        Column("Jenis", "Jenis Belanja", 8),
        Column("Unit", "Unit", 8),
        Column("Kunci", "Kunci", 22),
        Column("PaguAwal", "Pagu Awal", 15),
    ]
    cols += [Column(f"Revisi_{n}", f"Pagu Revisi {n}", 15) for n in range(1, revision_slots + 1)]
    cols += [Column("PaguAkhir", "Pagu Akhir", 15)]
    cols += [Column(f"Bulan_{m}", f"Realisasi {name[:3]}", 14) for m, name in enumerate(MONTHS, start=1)]
    cols += [
        Column("Realisasi", "Realisasi s.d. Desember", 15),
        Column("Sisa", "Sisa", 15),
        Column("Serapan", "Serapan (%)", 9),
    ]
    return Columns("Agr", cols)


def revisi_columns() -> Columns:
    return Columns(
        "Rev",
        [
            Column("No", "Revisi ke-", 8),
            Column("Tanggal", "Tanggal", 14),
            Column("Pagu", "Pagu Total (Rp)", 17),
            Column("Delta", "Perubahan (Rp)", 17),
            Column("Alasan", "Keterangan / Alasan", 44),
            Column("Otoritas", "Otoritas", 14),
        ],
    )


def ringkasan_columns() -> Columns:
    return Columns(
        "Ring",
        [
            Column("No", "No", 4),
            Column("ID", "ID Sasaran", 10),
            Column("Sasaran", "Sasaran", 50),
            Column("Jumlah", "Jumlah Indikator", 10),
            Column("Terisi", "Capaian Terisi", 10),
            Column("Capaian", "Rata-rata Capaian (%)", 12),
            Column("Kategori", "Kategori", 16),
        ],
    )
