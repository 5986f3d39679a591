"""The Anggaran and Revisi sheets: pagu, revisions, monthly realisasi, roll-ups.

Only output lines take input. Kegiatan, program, total and jenis-belanja rows are
formulas over them, and every % is recomputed from summed rupiah (DOMAIN §4.6).
"""

from __future__ import annotations

from datetime import date

from .capaian_xl import last_filled
from .layout import FIRST_ROW, LEVEL_LABELS, SHEET_ANGGARAN, SHEET_REVISI, anggaran_columns, revisi_columns
from .model import JENIS_BELANJA, Filling
from .template import Context, table_header
from .xlexpr import Ref, fn

MONEY_RULE = {
    "validate": "integer",
    "criteria": ">=",
    "value": 0,
    "input_title": "Rupiah (bilangan bulat)",
    "input_message": "Isi rupiah tanpa desimal, mis. 43644000. Titik ribuan tidak perlu diketik.",
    "error_title": "Nilai rupiah tidak sah",
    "error_message": "Rupiah harus bilangan bulat dan tidak negatif (tanpa 'Rp', tanpa ',-').",
}


def anggaran(ctx: Context) -> None:
    d = ctx.definition
    cols = anggaran_columns(d.revision_slots)
    sheet = ctx.book.sheet(SHEET_ANGGARAN)
    table_header(ctx, sheet, f"REALISASI ANGGARAN TAHUN {d.year}", cols)
    sheet.freeze = (FIRST_ROW, 2)
    c = cols.index
    summed = ["PaguAwal", "PaguAkhir", *(f"Bulan_{m}" for m in range(1, 13)), "Realisasi"]
    revs = [f"Revisi_{n}" for n in range(1, d.revision_slots + 1)]
    rows = {line.key: FIRST_ROW + n for n, line in enumerate(d.budget)}
    total_row = FIRST_ROW + len(d.budget)

    def ref(row: int, key: str) -> Ref:
        return Ref(SHEET_ANGGARAN, row, c(key))

    for line in d.budget:
        row = rows[line.key]
        sheet.put(row, c("Kode"), line.code, "text_bold" if not line.is_leaf else "text")
        sheet.put(row, c("Uraian"), line.name, "text_bold" if not line.is_leaf else "text")
        sheet.put(row, c("Tingkat"), LEVEL_LABELS[line.level])
        sheet.put(row, c("Jenis"), line.jenis_belanja or None)
        sheet.put(row, c("Unit"), line.owner or None)
        sheet.put(row, c("Kunci"), line.key, "id")
        if line.is_leaf:
            _leaf(ctx, sheet, line, row, ref, revs)
        else:
            children = [rows[k.key] for k in d.budget if _parent(k.key) == line.key]
            for key in summed:
                sheet.put(row, c(key), fn("SUM", *(ref(r, key) for r in children)), "money_bold")
            for key in revs:
                sheet.put(row, c(key), None, "money_bold")
        _row_tail(sheet, row, ref, "money_bold" if not line.is_leaf else "money")

    programs = [rows[line.key] for line in d.budget if line.level == "program"]
    sheet.merge(total_row, 0, total_row, c("Kunci"), "JUMLAH", "text_bold")
    for key in summed:
        sheet.put(total_row, c(key), fn("SUM", *(ref(r, key) for r in programs)), "money_bold")
    for key in revs:
        sheet.put(total_row, c(key), None, "money_bold")
    _row_tail(sheet, total_row, ref, "money_bold")
    last = total_row - 1
    for col in cols:
        if col.key not in ("No",):
            ctx.book.name(cols.name(col.key), SHEET_ANGGARAN, FIRST_ROW, c(col.key), last, c(col.key))
    for key in ("PaguAwal", "PaguAkhir", "Realisasi", "Sisa", "Serapan"):
        ctx.book.name(f"Agr_Total_{key}", SHEET_ANGGARAN, total_row, c(key))
    _jenis_belanja(ctx, sheet, cols, total_row + 2)


def _parent(key: str) -> str:
    return key.rsplit("/", 1)[0] if "/" in key else ""


def _leaf(ctx: Context, sheet, line, row: int, ref, revs: list[str]) -> None:
    c = anggaran_columns(ctx.definition.revision_slots).index
    editable = ctx.editable(line.owner)
    style = "in_money" if editable else "other_money"
    fill = ctx.filling if editable else Filling()  # a unit's workbook carries only its own rows' values
    revisions = fill.pagu_revisi.get(line.key, [])
    months = fill.realisasi_bulan.get(line.key, [])
    sheet.put(row, c("PaguAwal"), fill.pagu_awal.get(line.key, line.pagu_awal), style, editable)
    for n, key in enumerate(revs):
        sheet.put(row, c(key), revisions[n] if n < len(revisions) else None, style, editable)
    sheet.put(row, c("PaguAkhir"), last_filled([ref(row, k) for k in revs], ref(row, "PaguAwal")), "money")
    for m in range(1, 13):
        sheet.put(row, c(f"Bulan_{m}"), months[m - 1] if m <= len(months) else None, style, editable)
    sheet.put(row, c("Realisasi"), fn("SUM", *(ref(row, f"Bulan_{m}") for m in range(1, 13))), "money")
    if editable:
        sheet.validate((row, c("PaguAwal"), row, c("Bulan_12")), **MONEY_RULE)


def _row_tail(sheet, row: int, ref, style: str) -> None:
    c = lambda key: ref(row, key).col  # noqa: E731 - a local shorthand
    sheet.put(row, c("Sisa"), ref(row, "PaguAkhir") - ref(row, "Realisasi"), style)
    serapan = fn("IF", ref(row, "PaguAkhir").eq(0), "", ref(row, "Realisasi") / ref(row, "PaguAkhir") * 100)
    sheet.put(row, c("Serapan"), serapan, "capaian_bold" if style.endswith("bold") else "capaian")


def _jenis_belanja(ctx: Context, sheet, cols, top: int) -> None:
    """Per jenis belanja, from the output lines; a check row ties it to the total."""
    c = cols.index
    names = ctx.book.names
    sheet.put(top, 0, "REALISASI PER JENIS BELANJA", "subtitle")
    head = top + 1
    for key, label in (
        ("Kode", "Kode"),
        ("Uraian", "Jenis Belanja"),
        ("PaguAkhir", "Pagu Akhir"),
        ("Realisasi", "Realisasi"),
        ("Sisa", "Sisa"),
        ("Serapan", "Serapan (%)"),
    ):
        sheet.put(head, c(key), label, "header")
    kinds = [*JENIS_BELANJA.items(), ("", "Belum diklasifikasi")]
    first = head + 1
    for n, (code, label) in enumerate(kinds):
        row = first + n
        sheet.put(row, c("Kode"), code or "-")
        sheet.put(row, c("Uraian"), label)
        for key in ("PaguAkhir", "Realisasi"):
            sheet.put(
                row,
                c(key),
                fn(
                    "SUMIFS",
                    names[f"Agr_{key}"],
                    names["Agr_Jenis"],
                    code,
                    names["Agr_Tingkat"],
                    LEVEL_LABELS["output"],
                ),
                "money",
            )
        _row_tail(sheet, row, lambda r, k: Ref(SHEET_ANGGARAN, r, c(k)), "money")
    total = first + len(kinds)
    sheet.put(total, c("Uraian"), "Jumlah jenis belanja", "text_bold")
    for key in ("PaguAkhir", "Realisasi"):
        col = c(key)
        sheet.put(
            total, col, fn("SUM", *(Ref(SHEET_ANGGARAN, first + n, col) for n in range(len(kinds)))), "money_bold"
        )
    _row_tail(sheet, total, lambda r, k: Ref(SHEET_ANGGARAN, r, c(k)), "money_bold")
    check = total + 1
    sheet.put(check, c("Uraian"), "Selisih dengan JUMLAH (harus 0)", "text_bold")
    for key in ("PaguAkhir", "Realisasi"):
        sheet.put(check, c(key), Ref(SHEET_ANGGARAN, total, c(key)) - names[f"Agr_Total_{key}"], "money_bold")
    ctx.book.name("Agr_JenisBelanja_Pagu", SHEET_ANGGARAN, first, c("PaguAkhir"), total - 1, c("PaguAkhir"))
    ctx.book.name("Agr_JenisBelanja_Realisasi", SHEET_ANGGARAN, first, c("Realisasi"), total - 1, c("Realisasi"))
    ctx.book.name("Agr_JenisBelanja_Selisih", SHEET_ANGGARAN, check, c("PaguAkhir"), check, c("Realisasi"))


def revisi(ctx: Context) -> None:
    """The pagu revision history as DIPA states it; Δ and the tie to Anggaran are formulas."""
    d = ctx.definition
    cols = revisi_columns()
    c = cols.index
    sheet = ctx.book.sheet(SHEET_REVISI)
    sheet.landscape = False
    table_header(ctx, sheet, f"RIWAYAT REVISI PAGU TAHUN {d.year}", cols)
    names = ctx.book.names
    editable = ctx.editable(d.budget_owner)
    sheet.put(FIRST_ROW, c("No"), 0, "center")
    sheet.put(FIRST_ROW, c("Tanggal"), None)
    sheet.put(FIRST_ROW, c("Pagu"), names["Agr_Total_PaguAwal"], "money")
    sheet.put(FIRST_ROW, c("Alasan"), "Pagu awal (DIPA awal)")
    filled = ctx.filling.revisions if editable else []
    for n in range(1, d.revision_slots + 1):
        row = FIRST_ROW + n
        info = filled[n - 1] if n <= len(filled) else {}
        sheet.put(row, c("No"), n, "center")
        for key, style in (
            ("Tanggal", "in_date"),
            ("Pagu", "in_money"),
            ("Alasan", "in_text"),
            ("Otoritas", "in_text"),
        ):
            sheet.put(row, c(key), info.get(key.lower()), style if editable else "other_" + style[3:], editable)
        prev = Ref(SHEET_REVISI, row - 1, c("Pagu"))
        this = Ref(SHEET_REVISI, row, c("Pagu"))
        sheet.put(row, c("Delta"), fn("IF", this.eq(""), "", this - prev), "money")
    last = FIRST_ROW + d.revision_slots
    if editable:
        sheet.validate((FIRST_ROW + 1, c("Pagu"), last, c("Pagu")), **MONEY_RULE)
        sheet.validate(
            (FIRST_ROW + 1, c("Tanggal"), last, c("Tanggal")),
            validate="date",
            criteria="between",
            minimum=date(d.year - 1, 1, 1),
            maximum=date(d.year + 1, 12, 31),
            error_title="Tanggal tidak sah",
            error_message=f"Isi tanggal revisi antara {d.year - 1} dan {d.year + 1}.",
        )
        sheet.validate(
            (FIRST_ROW + 1, c("Otoritas"), last, c("Otoritas")),
            validate="list",
            source="=Daftar_Otoritas",
            error_title="Otoritas tidak dikenal",
            error_message="Pilih DJA, Kanwil DJPb, Satker atau Campuran.",
        )
    for col in cols:
        ctx.book.name(cols.name(col.key), SHEET_REVISI, FIRST_ROW, c(col.key), last, c(col.key))
    check = last + 2
    sheet.put(check, c("Alasan"), "Selisih pagu revisi terakhir dengan Pagu Akhir di Anggaran (harus 0)", "text_bold")
    latest = last_filled(
        [Ref(SHEET_REVISI, FIRST_ROW + n, c("Pagu")) for n in range(1, d.revision_slots + 1)],
        names["Agr_Total_PaguAwal"],
    )
    sheet.put(check, c("Pagu"), latest - names["Agr_Total_PaguAkhir"], "money_bold")
    ctx.book.name("Rev_Selisih", SHEET_REVISI, check, c("Pagu"))
