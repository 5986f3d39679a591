"""The Petunjuk sheet: how to fill the workbook and which capaian rules it applies."""

from __future__ import annotations

from .layout import MONTH_MARK, SHEET_PETUNJUK
from .template import Context

RULE_TEXT = {
    "two_minus_ratio": "indikator negatif: capaian = (2 − realisasi/target) × 100%, paling rendah 0% (PermenPANRB)",
    "inverse_ratio": "indikator negatif: capaian = target/realisasi × 100%",
    "flag": "indikator 'tepat': 100% bila realisasi = target, selain itu capaian kosong dan dilaporkan",
    "positive_capped": "indikator 'tepat': 100% bila realisasi = target, selain itu realisasi/target, paling tinggi 100%",
    "binary": "nilai AKIP / opini BPK: 100% bila realisasi sama atau lebih baik dari target",
    "rank_ratio": "nilai AKIP / opini BPK: perbandingan peringkat realisasi dan target",
    "indicator_mean": "capaian keseluruhan = rata-rata capaian seluruh indikator",
    "sasaran_mean": "capaian keseluruhan = rata-rata dari rata-rata capaian per sasaran",
}


def petunjuk(ctx: Context) -> None:
    d, rules = ctx.definition, ctx.definition.rules
    sheet = ctx.book.sheet(SHEET_PETUNJUK)
    sheet.landscape = False
    sheet.widths = {0: 4, 1: 100}
    sheet.put(0, 1, f"PETUNJUK PENGISIAN — {d.title.upper()} TAHUN {d.year}", "title")
    sheet.put(1, 1, ctx.subtitle, "subtitle")
    cap = f"dibatasi paling tinggi {rules.cap}%" if rules.cap is not None else "tidak dibatasi"
    lines = [
        ("", "Cara mengisi"),
        ("1", "Isi hanya sel berwarna kuning. Sel lain berisi rumus atau data dari definisi dan dikunci."),
        ("2", "Jangan menyisipkan atau menghapus baris/kolom, dan jangan mengganti nama sheet."),
        ("3", "Persen diketik seperti biasa (85,5%). Rupiah diketik sebagai angka bulat tanpa 'Rp' dan tanpa ',-'."),
        ("4", "Isian yang tidak ada atau tidak berlaku dikosongkan — jangan diisi 0 atau '-'."),
        ("5", f"Rencana Aksi: tandai bulan pelaksanaan dengan {MONTH_MARK}, isi perkiraan biaya dan pelaksana."),
        ("6", f"Realisasi diisi per periode ({', '.join(d.period.labels)}); capaian dan kategori dihitung otomatis."),
        (
            "7",
            "Anggaran: isi pagu awal, pagu setiap revisi (kosongkan kolom revisi yang belum terjadi) dan realisasi per bulan.",
        ),
        ("8", "Kirim berkas dalam format .xlsx. Berkas ini akan diperiksa otomatis oleh lkjxl."),
        ("", "Aturan capaian yang dipakai"),
        ("•", "indikator positif: capaian = realisasi/target × 100%"),
        ("•", RULE_TEXT[rules.negative_formula]),
        ("•", RULE_TEXT[rules.exact_mismatch]),
        ("•", RULE_TEXT[rules.grade_rule]),
        ("•", f"capaian {cap}; " + RULE_TEXT[rules.aggregate]),
        ("•", "serapan anggaran = realisasi/pagu akhir × 100%; serapan bukan capaian kinerja"),
        ("", "Skala kategori"),
    ]
    for band in rules.scale:
        lo = ("≥ " if band.lo_incl else "> ") + f"{band.lo}"
        hi = "" if band.hi is None else (" dan ≤ " if band.hi_incl else " dan < ") + f"{band.hi}"
        lines.append(("•", f"{band.label}: capaian {lo}{hi} ({band.keterangan})"))
    for row, (mark, text) in enumerate(lines, start=3):
        sheet.put(row, 0, mark or None, "plain")
        sheet.put(row, 1, text, "subtitle" if not mark else "plain")
    legend = 3 + len(lines) + 1
    sheet.put(legend, 0, None, "in_text")
    sheet.put(legend, 1, "= sel isian", "plain")
