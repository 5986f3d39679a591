"""Findings are data: one catalogue of finding types, and the findings themselves.

Every message an operator sees comes from `CATALOGUE`: a stable code, a severity,
an Indonesian message template and a fix hint. The same `Finding` prints as a
table, serialises to JSON and annotates the operator's workbook.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class FindingType:
    code: str
    severity: str
    title: str
    message: str  # str.format template over the finding's params
    fix: str


def _t(code, severity, title, message, fix) -> FindingType:
    return FindingType(code, severity, title, message, fix)


CATALOGUE: dict[str, FindingType] = {
    t.code: t
    for t in (
        # -- the file and its identity --------------------------------------------------
        _t("UNUSABLE_FILE", ERROR, "Berkas tidak dapat dipakai", "{reason}", "{hint}"),
        _t(
            "NOT_LKJXL",
            ERROR,
            "Bukan buku kerja lkjxl",
            "berkas ini tidak memuat metadata lkjxl (sheet _Meta / properti dokumen)",
            "isi templat yang dibuat oleh lkjxl; jangan menyalin isi ke berkas baru",
        ),
        _t(
            "DEFINITION_CHANGED",
            ERROR,
            "Definisi templat diubah",
            "definisi templat yang tertanam di sheet _Meta berbeda dari saat templat dibuat (sidik SHA-256 "
            "tidak cocok), jadi sasaran, target dan aturan capaiannya tidak dapat dipercaya; berkas tidak dibaca",
            "isi ulang templat asli dari lkjxl, atau periksa dengan --definitions BERKAS_DEFINISI.yaml",
        ),
        _t(
            "META_MISMATCH",
            WARNING,
            "Metadata tidak konsisten",
            "metadata '{key}' berbeda: properti dokumen '{a}', sheet _Meta '{b}'",
            "gunakan templat asli untuk satker ini",
        ),
        _t(
            "TEMPLATE_VERSION",
            ERROR,
            "Versi templat tidak diizinkan",
            "templat '{template}' versi {version} tidak diizinkan (yang diizinkan: {allowed})",
            "minta templat terbaru dan salin isian ke sana",
        ),
        _t(
            "WRONG_SATKER",
            ERROR,
            "Satker tidak sesuai",
            "berkas ini milik satker '{found}', bukan '{expected}'",
            "periksa berkas yang dikirim",
        ),
        _t(
            "FINGERPRINT",
            WARNING,
            "Struktur templat berubah",
            "struktur (rumus, sel isian, nama) berbeda dari saat templat dibuat: {detail}",
            "jangan menyisipkan/menghapus baris atau kolom dan jangan mengubah rumus",
        ),
        _t(
            "NAME_BROKEN",
            WARNING,
            "Nama wilayah rusak",
            "nama '{name}' hilang atau rusak; tabel dibaca lewat judul kolom",
            "gunakan templat asli",
        ),
        _t(
            "SHEET_MISSING",
            ERROR,
            "Sheet hilang",
            "sheet '{sheet}' tidak ditemukan",
            "jangan menghapus atau mengganti nama sheet",
        ),
        _t(
            "EXTERNAL_LINK",
            WARNING,
            "Tautan ke berkas lain",
            "buku kerja memuat {count} tautan ke berkas lain; tautan tidak diikuti",
            "salin nilai (Tempel Nilai) alih-alih merujuk berkas lain",
        ),
        # -- cells ------------------------------------------------------------------------
        _t(
            "FORMULA_OVERWRITTEN",
            ERROR,
            "Rumus ditimpa",
            "sel rumus diisi nilai/rumus lain ('{value}'); lkjxl menghitung ulang: {expected}",
            "kembalikan rumus dari templat asli; jangan mengetik di sel abu-abu",
        ),
        _t(
            "CACHE_STALE",
            WARNING,
            "Nilai tersimpan tidak sesuai rumus",
            "nilai tersimpan {cached} tetapi rumus menghasilkan {expected}",
            "buka di Excel, tekan Ctrl+Alt+F9 lalu simpan; lkjxl memakai nilai hasil hitung ulang",
        ),
        _t(
            "NOT_A_NUMBER",
            ERROR,
            "Bukan angka",
            "'{value}' bukan angka ({reading})",
            "isi angka saja, mis. 85,5% atau 12",
        ),
        _t("NOT_A_GRADE", ERROR, "Nilai tidak dikenal", "'{value}' bukan {expected}", "pilih dari daftar"),
        _t("UNIT_MISMATCH", ERROR, "Satuan tidak sesuai", "'{value}': {reading}", "isi angka dalam satuan '{satuan}'"),
        _t("NOT_INTEGER", ERROR, "Rupiah tidak bulat", "'{value}' bukan bilangan bulat rupiah", "rupiah tanpa desimal"),
        _t("NEGATIVE", ERROR, "Nilai negatif", "'{value}' negatif", "isi nilai 0 atau lebih"),
        _t("BAD_DATE", ERROR, "Tanggal tidak sah", "'{value}' bukan tanggal", "mis. 05 Agustus 2024"),
        _t("BAD_NIP", WARNING, "NIP tidak sah", "NIP '{value}': {reading}", "NIP 18 digit"),
        _t(
            "AMBIGUOUS",
            WARNING,
            "Nilai dibaca dengan asumsi",
            "'{value}' dibaca sebagai {read}: {reading}",
            "periksa bahwa bacaan ini benar; ketik ulang bila tidak",
        ),
        _t(
            "TEXT_NUMBER",
            INFO,
            "Angka sebagai teks",
            "'{value}' tersimpan sebagai teks, dibaca {read}",
            "ketik angka tanpa tanda kutip",
        ),
        _t(
            "NORMALISED",
            INFO,
            "Nilai dinormalkan",
            "'{value}' dibaca sebagai {read} ({reading})",
            "tidak perlu tindakan; ketik sesuai petunjuk lain kali",
        ),
        _t(
            "MISSING_VALUE",
            WARNING,
            "Belum diisi",
            "{what} belum diisi",
            "isi nilainya, atau biarkan kosong bila memang belum ada",
        ),
        _t(
            "OUT_OF_RANGE",
            WARNING,
            "Nilai di luar kewajaran",
            "{what} {value} di luar rentang {range}",
            "periksa kembali nilai ini",
        ),
        _t(
            "ROW_INSERTED",
            ERROR,
            "Baris tambahan",
            "baris sisipan (tanpa ID, atau di blok tanda tangan) berisi '{value}'; tidak dapat dipetakan",
            "hapus baris sisipan, isi pada baris ber-ID",
        ),
        _t("UNKNOWN_ID", ERROR, "ID tidak dikenal", "ID '{value}' tidak ada di templat", "jangan mengubah kolom ID"),
        _t(
            "DUPLICATE_ID",
            ERROR,
            "ID ganda",
            "ID '{value}' muncul lebih dari sekali (juga {other})",
            "hapus baris ganda",
        ),
        _t("ID_MISSING", ERROR, "Baris hilang", "baris '{value}' tidak ditemukan", "gunakan templat asli"),
        _t(
            "NOT_OWNER",
            ERROR,
            "Diisi oleh unit lain",
            "baris milik {owner} diisi dalam berkas unit {unit}",
            "hanya isi baris milik unit Anda",
        ),
        _t(
            "CONSTANT_CHANGED",
            ERROR,
            "Nilai terkunci diubah",
            "nilai templat '{expected}' diubah menjadi '{value}'; lkjxl memakai nilai templat",
            "jangan mengubah sel terkunci (ID, target, satuan); minta revisi definisi bila target berubah",
        ),
        _t(
            "TEXT_CHANGED",
            WARNING,
            "Teks indikator berubah",
            "teks berubah dari '{expected}' menjadi '{value}'",
            "jangan mengubah teks indikator; ID yang menentukan",
        ),
        # -- content rules ----------------------------------------------------------------
        _t(
            "CUMULATIVE_DECREASE",
            WARNING,
            "Realisasi kumulatif menurun",
            "realisasi {period} ({value}) lebih kecil dari periode sebelumnya ({previous})",
            "indikator kumulatif tidak boleh turun; periksa isian",
        ),
        _t(
            "REALISASI_OVER_PAGU",
            ERROR,
            "Realisasi melebihi pagu",
            "realisasi {value} melebihi pagu akhir {pagu}",
            "periksa realisasi atau revisi pagu",
        ),
        _t(
            "SUBTOTAL_MISMATCH",
            ERROR,
            "Jumlah tidak cocok",
            "{what}: tercatat {value}, jumlah rincian {expected} (selisih {diff})",
            "periksa rincian dan jumlahnya",
        ),
        _t("REVISION_ORDER", ERROR, "Urutan revisi salah", "{reading}", "isi revisi berurutan, tanggal naik"),
        _t(
            "REVISION_TIE",
            WARNING,
            "Revisi tidak sesuai pagu",
            "pagu revisi terakhir {value} ≠ pagu akhir di Anggaran {expected}",
            "samakan pagu revisi dengan rincian",
        ),
        _t("MONTH_MARK", WARNING, "Tanda bulan tidak dikenal", "'{value}' bukan tanda bulan", "pilih ✓ atau kosongkan"),
        _t("TARGET_ZERO", WARNING, "Target nol", "target 0: capaian tidak dapat dihitung", "periksa target"),
        _t(
            "EXACT_MISMATCH",
            WARNING,
            "Realisasi tidak sama dengan target",
            "indikator 'tepat': realisasi {value} ≠ target {target}; capaian tidak dihitung",
            "periksa isian",
        ),
        _t(
            "STATED_DIFFERS",
            WARNING,
            "Angka tercetak berbeda",
            "{what}: tercetak {value}, hasil hitung {expected}",
            "perbaiki angka dalam laporan",
        ),
        _t(
            "CONFLICT",
            ERROR,
            "Isian bertentangan",
            "{what} diisi berbeda: {value} ({file_a}) dan {other} ({file_b})",
            "tentukan nilai yang benar",
        ),
        _t(
            "UNIT_MISSING",
            WARNING,
            "Berkas unit tidak ada",
            "berkas subbagian {value} tidak diterima",
            "minta berkas dari unit tersebut",
        ),
        _t(
            "DUPLICATE_SUBMISSION",
            WARNING,
            "Kiriman ganda",
            "{what} dikirim lebih dari sekali: {other}",
            "kirim satu berkas per satker, dan satu per unit untuk berkas subbagian",
        ),
        # -- recalculation -------------------------------------------------------------
        _t(
            "RECALC_UNSUPPORTED",
            ERROR,
            "Fungsi tidak didukung",
            "{detail}; nilai tersimpan dipertahankan",
            "ganti dengan fungsi yang dihitung lkjxl, atau hitung di luar buku kerja",
        ),
        _t(
            "RECALC_CIRCULAR",
            ERROR,
            "Referensi melingkar",
            "referensi melingkar; nilai tersimpan dipertahankan",
            "ubah rumus agar tidak merujuk dirinya sendiri",
        ),
        _t(
            "RECALC_TEMPLATE",
            WARNING,
            "Rumus asing",
            "rumus '{value}' tidak ada di templat",
            "kosongkan sel atau kembalikan isinya dari templat asli",
        ),
        _t(
            "RECALC_UNUSUAL",
            INFO,
            "Rumus tidak biasa",
            "rumus '{value}' berbeda dari rumus lain di kolomnya",
            "periksa apakah rumus ini memang disengaja",
        ),
        _t(
            "RECALC_NO_CACHE",
            INFO,
            "Tanpa nilai tersimpan",
            "{value} sel rumus tanpa nilai tersimpan (berkas disimpan tanpa dihitung)",
            "tidak perlu tindakan: lkjxl memakai hasil hitung ulang",
        ),
        _t(
            "RECALC_FALLBACK",
            INFO,
            "Dihitung satu per satu",
            "{value} sel dihitung satu per satu dengan pustaka formulas ({detail})",
            "tidak perlu tindakan",
        ),
        _t(
            "SHEET_RENAMED",
            WARNING,
            "Nama sheet berubah",
            "sheet '{expected}' ditemukan dengan nama '{value}'",
            "kembalikan nama sheet '{expected}'",
        ),
        _t(
            "MERGED_HIDDEN",
            WARNING,
            "Nilai tertutup sel gabungan",
            "sel ini tertutup gabungan sel {range}: nilainya '{value}' tidak terlihat di Excel dan tidak dibaca",
            "batalkan gabungan sel (Unmerge Cells), lalu periksa dan isi ulang nilai yang benar",
        ),
        _t(
            "FORMULA_IN_INPUT",
            WARNING,
            "Rumus di sel isian",
            "sel isian berisi rumus {value}; dibaca: {read}",
            "ketik nilainya saja; rumus di sel isian tidak diperiksa",
        ),
        _t(
            "NOT_A_UNIT_FILE",
            WARNING,
            "Bukan berkas subbagian",
            "berkas satker {value} tidak ikut digabung",
            "gabungkan hanya berkas subbagian; berkas satker dipakai langsung oleh 'consolidate'",
        ),
        _t(
            "CONSOLIDATED_WORKBOOK",
            ERROR,
            "Berkas konsolidasi",
            "ini buku kerja konsolidasi, bukan buku kerja satker",
            "gunakan sebagai masukan 'lkjxl consolidate'",
        ),
        _t(
            "SATKER_MISSING",
            WARNING,
            "Satker belum mengirim",
            "satker {value} belum mengirim berkas",
            "ingatkan satker",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    file: str
    sheet: str
    cell: str
    value: str
    message: str
    fix: str

    def to_dict(self) -> dict:
        return asdict(self)


def make(code: str, *, file: str = "", sheet: str = "", cell: str = "", value=None, **params) -> Finding:
    """A finding of a catalogued type, its message filled from `value` and `params`."""
    kind = CATALOGUE[code]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an amount read from a cell: 25387373, not 25387373.0
    text_value = "" if value is None else str(value)
    fields = {"value": text_value, **{k: ("" if v is None else v) for k, v in params.items()}}
    return Finding(
        code, kind.severity, file, sheet, cell, text_value, _fill(kind.message, fields), _fill(kind.fix, fields)
    )


def _fill(template: str, fields: dict) -> str:
    try:
        return template.format(**fields)
    except (KeyError, IndexError):
        return template


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def to_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=1)


def table(findings: list[Finding]) -> str:
    """A plain-text table for the terminal, errors first, grouped by file."""
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    rows = sorted(findings, key=lambda f: (f.file, order[f.severity], f.sheet, _cell_key(f.cell)))
    code = max([20, *(len(f.code) for f in rows)])  # CONSOLIDATED_WORKBOOK is wider than the usual 20
    lines = [f"{'tingkat':<8} {'kode':<{code}} {'berkas':<28} {'lokasi':<22} pesan", "-" * (100 + code)]
    for f in rows:
        where = f"{f.sheet}!{f.cell}" if f.sheet else ""
        lines.append(f"{f.severity:<8} {f.code:<{code}} {_short(f.file)[-28:]:<28} {where[:22]:<22} {f.message}")
    return "\n".join(lines)


def _short(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _cell_key(cell: str):
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (int(digits) if digits else 0, cell)


def catalogue_markdown() -> str:
    """docs/findings.md, generated from the catalogue so the two never drift."""
    lines = [
        "# Finding codes",
        "",
        "Generated from `lkjxl/findings.py` (`lkjxl findings --markdown`).",
        "",
        "| Code | Severity | Title | Message | Fix |",
        "|---|---|---|---|---|",
    ]
    for t in CATALOGUE.values():
        lines.append(f"| `{t.code}` | {t.severity} | {t.title} | {t.message} | {t.fix} |")
    return "\n".join(lines) + "\n"
