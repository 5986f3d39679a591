"""The performance sheets: Realisasi, Rencana Aksi, PK and Ringkasan."""

from __future__ import annotations

from decimal import Decimal

from . import capaian_xl
from .layout import (
    FIRST_ROW,
    HEADER_ROW,
    KIND_LABELS,
    MONTH_MARK,
    POLARITY_LABELS,
    SHEET_ANGGARAN,
    SHEET_PK,
    SHEET_RA,
    SHEET_REALISASI,
    SHEET_RINGKASAN,
    realisasi_columns,
    rencana_columns,
    ringkasan_columns,
)
from .model import MONTHS, Indikator, Value, ValueKind
from .sheets_anggaran import MONEY_RULE
from .template import Context, list_names, table_header
from .xlexpr import Ref, fn


def _value_style(kind: ValueKind, value) -> str:
    if isinstance(value, str):
        return "center"
    return "percent" if kind is ValueKind.PERCENT else "number"


def _validation(ind: Indikator) -> dict:
    """Input rule of a realisasi cell, by the indicator's kind (Indonesian messages)."""
    if ind.kind.is_ordinal:
        source = "=Daftar_AKIP" if ind.kind is ValueKind.GRADE_AKIP else "=Daftar_BPK"
        return {
            "validate": "list",
            "source": source,
            "input_title": "Pilih dari daftar",
            "input_message": "Pilih nilai dari daftar (mis. B atau WTP).",
            "error_title": "Nilai tidak dikenal",
            "error_message": "Gunakan nilai dari daftar pilihan.",
        }
    if ind.kind is ValueKind.PERCENT:
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 10,
            "input_title": "Persen",
            "input_message": "Ketik persen, mis. 85,5% (sel ini berformat persen).",
            "error_title": "Persen tidak sah",
            "error_message": "Isi persen antara 0% dan 1000%, tanpa teks.",
        }
    return {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "input_title": f"Angka ({ind.satuan})"[:32],
        "input_message": f"Isi angka saja; satuannya '{ind.satuan}' sudah tercantum.",
        "error_title": "Angka tidak sah",
        "error_message": "Isi angka tidak negatif, tanpa satuan atau teks.",
    }


def realisasi(ctx: Context) -> None:
    d, rules = ctx.definition, ctx.definition.rules
    cols = realisasi_columns(d.period)
    c = cols.index
    sheet = ctx.book.sheet(SHEET_REALISASI)
    table_header(ctx, sheet, f"PENGUKURAN KINERJA TAHUN {d.year}", cols)
    sheet.freeze = (FIRST_ROW, c("Indikator") + 1)
    lists = list_names(ctx)
    n_periods = len(d.period.labels)
    rows = [(s, i) for s in d.sasaran for i in s.indikator]
    for n, (sasaran, ind) in enumerate(rows):
        row = FIRST_ROW + n
        ref = lambda key, row=row: Ref(SHEET_REALISASI, row, c(key))  # noqa: E731
        editable = ctx.editable(ind.owner)
        other = None if editable else "other_text"
        sheet.put(row, c("No"), n + 1, "center")
        sheet.put(row, c("ID"), ind.id, "id")
        sheet.put(row, c("Sasaran"), sasaran.id, "id")
        sheet.put(row, c("Indikator"), ind.text, other or "text")
        sheet.put(row, c("Jenis"), KIND_LABELS[ind.kind.value])
        sheet.put(row, c("Satuan"), ind.satuan, "center")
        sheet.put(row, c("Polaritas"), POLARITY_LABELS[ind.polarity.value], "center")
        sheet.put(row, c("Target"), ind.target, _value_style(ind.kind, ind.target))
        values = ctx.filling.realisasi.get(ind.id, []) if editable else []  # a unit fills only its own rows
        kind_style = "text" if ind.kind.is_ordinal else "percent" if ind.kind is ValueKind.PERCENT else "number"
        in_style = ("in_" if editable else "other_") + kind_style
        for p in range(1, n_periods + 1):
            target = (
                ind.period_targets[p - 1]
                if p <= len(ind.period_targets) and ind.period_targets[p - 1] is not None
                else ind.target
            )
            sheet.put(row, c(f"Target_P{p}"), target, _value_style(ind.kind, target))
            sheet.put(row, c(f"Realisasi_P{p}"), _cell_value(values, p - 1), in_style, editable)
            value = capaian_xl.capaian(ind, rules, ref(f"Realisasi_P{p}"), ref(f"Target_P{p}"), lists, apply_cap=True)
            sheet.put(row, c(f"Capaian_P{p}"), value, "capaian")
            sheet.put(row, c(f"Kategori_P{p}"), capaian_xl.kategori(ref(f"Capaian_P{p}"), rules.scale), "center")
            if editable:
                sheet.validate((row, c(f"Realisasi_P{p}"), row, c(f"Realisasi_P{p}")), **_validation(ind))
        periods = [ref(f"Realisasi_P{p}") for p in range(1, n_periods + 1)]
        sheet.put(row, c("Tahunan"), capaian_xl.rollup(ind.rollup, periods), _value_style(ind.kind, ind.target))
        sheet.put(
            row,
            c("CapaianMentah"),
            capaian_xl.capaian(ind, rules, ref("Tahunan"), ref("Target"), lists, apply_cap=False),
            "capaian",
        )
        sheet.put(row, c("Capaian"), capaian_xl.capped(ref("CapaianMentah"), rules), "capaian")
        sheet.put(row, c("CapaianTampil"), capaian_xl.display(ref("Capaian"), *rules.indicator_display), "capaian")
        sheet.put(row, c("Kategori"), capaian_xl.kategori(ref("Capaian"), rules.scale), "center")
        notes = ctx.filling.notes.get(ind.id, {}) if editable else {}
        for key in ("Hambatan", "Solusi", "Bukti"):
            sheet.put(row, c(key), notes.get(key.lower()), other or "in_text", editable)
        sheet.put(row, c("Unit"), ind.owner, "center")
    last = FIRST_ROW + len(rows) - 1
    for col in cols:
        if col.key != "No":
            ctx.book.name(cols.name(col.key), SHEET_REALISASI, FIRST_ROW, c(col.key), last, c(col.key))
    ctx.book.name("Real_CapaianDasar", SHEET_REALISASI, FIRST_ROW, c(_basis_key(ctx)), last, c(_basis_key(ctx)))


def _basis_key(ctx: Context) -> str:
    """Which capaian column the means use: exact, or as displayed (DOMAIN §4.2)."""
    return "CapaianTampil" if ctx.definition.rules.aggregate_on == "displayed" else "Capaian"


def _cell_value(values: list, n: int):
    return values[n] if n < len(values) else None


def rencana_aksi(ctx: Context) -> None:
    d = ctx.definition
    cols = rencana_columns(d.period)
    c = cols.index
    sheet = ctx.book.sheet(SHEET_RA)
    table_header(ctx, sheet, f"RENCANA AKSI TAHUN {d.year}", cols)
    sheet.freeze = (FIRST_ROW, c("Indikator") + 1)
    row = FIRST_ROW
    for ind in d.indikator:
        editable = ctx.editable(ind.owner)
        plans = rencana_rows(d, ind.id)
        filled = ctx.filling.rencana_aksi.get(ind.id) if editable else None
        if filled is not None:  # operator input replaces the plan row by row
            plans = [filled[n] if n < len(filled) else None for n in range(len(plans))]
        for plan in plans:

            def style(base: str, editable=editable) -> str:
                return base if editable else "other_" + base[3:]

            sheet.put(row, c("No"), row - FIRST_ROW + 1, "center")
            sheet.put(row, c("ID"), ind.id, "id")
            sheet.put(row, c("Indikator"), ind.text)
            sheet.put(row, c("Target"), ind.target, _value_style(ind.kind, ind.target))
            for p in range(1, len(d.period.labels) + 1):
                target = ind.period_targets[p - 1] if p <= len(ind.period_targets) else None
                sheet.put(row, c(f"Target_P{p}"), target, _value_style(ind.kind, target))
            sheet.put(row, c("Kegiatan"), plan.kegiatan if plan else None, style("in_text"), editable)
            for m in range(1, 13):
                mark = MONTH_MARK if plan and m in plan.months else None
                sheet.put(row, c(f"Bulan_{m}"), mark, style("in_mark"), editable)
            sheet.put(row, c("Biaya"), plan.biaya if plan else None, style("in_money"), editable)
            sheet.put(row, c("Pelaksana"), (plan.pelaksana if plan else "") or ind.owner, style("in_text"), editable)
            if editable:
                sheet.validate(
                    (row, c("Bulan_1"), row, c("Bulan_12")),
                    validate="list",
                    source="=Daftar_Tanda",
                    input_title="Bulan pelaksanaan",
                    input_message=f"Pilih {MONTH_MARK} pada bulan kegiatan dilaksanakan.",
                    error_title="Tanda tidak dikenal",
                    error_message=f"Pilih {MONTH_MARK} atau kosongkan.",
                )
                sheet.validate((row, c("Biaya"), row, c("Biaya")), **MONEY_RULE)
                sheet.validate(
                    (row, c("Pelaksana"), row, c("Pelaksana")),
                    validate="list",
                    source="=Daftar_Unit",
                    error_title="Pelaksana tidak dikenal",
                    error_message="Pilih unit pelaksana dari daftar.",
                )
            row += 1
    for col in cols:
        if col.key != "No":
            ctx.book.name(cols.name(col.key), SHEET_RA, FIRST_ROW, c(col.key), row - 1, c(col.key))


def rencana_rows(d, indikator_id: str) -> list:
    """The template's Rencana Aksi rows of one indicator: its planned rows, or one blank row."""
    return [ra for ra in d.rencana_aksi if ra.indikator_id == indikator_id] or [None]


PK_STATEMENT = (
    "Dalam rangka mewujudkan manajemen pemerintahan yang efektif, transparan dan akuntabel serta "
    "berorientasi pada hasil, kami yang bertanda tangan di bawah ini berjanji akan mewujudkan target "
    "kinerja tahunan sesuai lampiran perjanjian ini, dan bertanggung jawab kepada pihak kedua atas "
    "pencapaiannya."
)


def pk(ctx: Context) -> None:
    """The signed Perjanjian Kinerja: statement, target table, budget list, signatures."""
    d = ctx.definition
    sheet = ctx.book.sheet(SHEET_PK)
    sheet.landscape = False
    sheet.widths = {0: 5, 1: 34, 2: 42, 3: 16}
    sheet.merge(0, 0, 0, 3, f"{d.title.upper()} TAHUN {d.year}", "title")
    sheet.merge(1, 0, 1, 3, ctx.subtitle, "subtitle")
    sheet.merge(2, 0, 3, 3, PK_STATEMENT, "plain")
    for col, label in enumerate(("No", "Sasaran", "Indikator Kinerja", "Target")):
        sheet.put(HEADER_ROW, col, label, "header")
    sheet.repeat_rows = (HEADER_ROW, HEADER_ROW)
    row = FIRST_ROW
    for n, sasaran in enumerate(d.sasaran, start=1):
        span = len(sasaran.indikator)
        if span > 1:
            sheet.merge(row, 0, row + span - 1, 0, n, "center")
            sheet.merge(row, 1, row + span - 1, 1, sasaran.text)
        else:
            sheet.put(row, 0, n, "center")
            sheet.put(row, 1, sasaran.text)
        for ind in sasaran.indikator:
            sheet.put(row, 2, ind.text)
            sheet.put(row, 3, _target_text(ind, ind.target), "center")
            row += 1
    row += 1
    for col, label in enumerate(("No", "Program", "", "Anggaran (Rp)")):
        sheet.put(row, col, label, "header")
    agr = ctx.book.names
    programs = [line for line in d.budget if line.level == "program"]
    for n, line in enumerate(programs, start=1):
        row += 1
        sheet.put(row, 0, n, "center")
        sheet.merge(row, 1, row, 2, f"{line.code} {line.name}")
        pagu_col = agr["Agr_PaguAwal"].col1
        line_row = agr["Agr_Kunci"].row1 + [b.key for b in d.budget].index(line.key)
        sheet.put(row, 3, Ref(SHEET_ANGGARAN, line_row, pagu_col), "money")
    row += 1
    sheet.merge(row, 1, row, 2, "Jumlah", "text_bold")
    sheet.put(row, 3, agr["Agr_Total_PaguAwal"], "money_bold")
    ctx.book.name("PK_Anggaran", SHEET_PK, row, 3)
    _signatures(ctx, sheet, row + 2)


def _target_text(ind: Indikator, value: Value | None) -> str:
    """A target as the PK prints it: `90%`, `3 kali`, `B`."""
    if value is None or isinstance(value, str):
        return value or ""
    if ind.kind is ValueKind.PERCENT:
        return _id_number(value * 100) + "%"
    suffix = f" {ind.satuan}" if ind.kind is ValueKind.COUNT else ""
    return _id_number(value) + suffix


def _id_number(x: Decimal) -> str:
    """Indonesian display: decimal comma, dot thousands, no trailing zeros."""
    text = f"{x.normalize():,f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _signatures(ctx: Context, sheet, top: int) -> None:
    d = ctx.definition
    pk = ctx.filling.pk
    sheet.put(top, 3, pk.get("tempat", ctx.identity["city"]), "in_text", True)
    sheet.put(top + 1, 3, pk.get("tanggal", d.sign_date), "in_date", True)
    ctx.book.name("PK_Tempat", SHEET_PK, top, 3)
    ctx.book.name("PK_Tanggal", SHEET_PK, top + 1, 3)
    people = {s.role: s for s in d.signatories}
    if ctx.unit is not None:
        roles = {"pihak_pertama": f"Kepala Subbagian {ctx.unit.name}", "pihak_kedua": "Sekretaris"}
        layout = [("pihak_kedua", 1), ("pihak_pertama", 3)]
    elif "single" in people:
        roles, layout = {"single": people["single"].jabatan}, [("single", 3)]
    else:
        roles = {r: people[r].jabatan for r in ("pihak_pertama", "pihak_kedua") if r in people}
        layout = [("pihak_kedua", 1), ("pihak_pertama", 3)]
    titles = {"pihak_pertama": "PIHAK PERTAMA", "pihak_kedua": "PIHAK KEDUA", "single": ""}
    for role, col in layout:
        person = people.get(role) if ctx.unit is None else None
        sheet.put(top + 2, col, titles[role], "subtitle")
        sheet.put(top + 3, col, roles.get(role, ""), "plain")
        key = {"pihak_pertama": "Pertama", "pihak_kedua": "Kedua", "single": "Pertama"}[role]
        sheet.put(top + 7, col, pk.get(f"nama_{key.lower()}", person.nama if person else None), "in_text", True)
        sheet.put(top + 8, col, pk.get(f"nip_{key.lower()}", person.nip if person else None), "in_text", True)
        ctx.book.name(f"PK_Nama_{key}", SHEET_PK, top + 7, col)
        ctx.book.name(f"PK_NIP_{key}", SHEET_PK, top + 8, col)
        sheet.validate(
            (top + 8, col, top + 8, col),
            validate="length",
            criteria="between",
            minimum=18,
            maximum=21,
            input_title="NIP",
            input_message="NIP 18 digit, boleh dengan spasi: 19850915 201012 1 004.",
            error_title="NIP tidak sah",
            error_message="NIP terdiri dari 18 digit.",
        )


def ringkasan(ctx: Context) -> None:
    """Capaian per sasaran and overall, with kinerja and serapan side by side (DOMAIN §6.1)."""
    d, rules = ctx.definition, ctx.definition.rules
    cols = ringkasan_columns()
    c = cols.index
    sheet = ctx.book.sheet(SHEET_RINGKASAN)
    table_header(ctx, sheet, f"RINGKASAN KINERJA TAHUN {d.year}", cols)
    names = ctx.book.names
    basis = names["Real_CapaianDasar"]
    for n, sasaran in enumerate(d.sasaran):
        row = FIRST_ROW + n
        sid = Ref(SHEET_RINGKASAN, row, c("ID"))
        sheet.put(row, c("No"), n + 1, "center")
        sheet.put(row, c("ID"), sasaran.id, "id")
        sheet.put(row, c("Sasaran"), sasaran.text)
        sheet.put(row, c("Jumlah"), fn("COUNTIFS", names["Real_Sasaran"], sid), "center")
        sheet.put(row, c("Terisi"), fn("COUNTIFS", names["Real_Sasaran"], sid, basis, ">=0"), "center")
        sheet.put(row, c("Capaian"), fn("IFERROR", fn("AVERAGEIF", names["Real_Sasaran"], sid, basis), ""), "capaian")
        sheet.put(
            row, c("Kategori"), capaian_xl.kategori(Ref(SHEET_RINGKASAN, row, c("Capaian")), rules.scale), "center"
        )
    last = FIRST_ROW + len(d.sasaran) - 1
    for key in ("ID", "Jumlah", "Terisi", "Capaian", "Kategori"):
        ctx.book.name(cols.name(key), SHEET_RINGKASAN, FIRST_ROW, c(key), last, c(key))
    _overall(ctx, sheet, last + 2)


def _overall(ctx: Context, sheet, top: int) -> None:
    rules = ctx.definition.rules
    names = ctx.book.names
    per_sasaran = rules.aggregate == "sasaran_mean"
    source = names["Ring_Capaian"] if per_sasaran else names["Real_CapaianDasar"]
    rule_text = ("rata-rata capaian per sasaran" if per_sasaran else "rata-rata capaian seluruh indikator") + (
        ", dari capaian yang dibulatkan" if rules.aggregate_on == "displayed" else ""
    )
    label_col, value_col = 2, 5
    rows = [
        ("Capaian kinerja (tepat)", "Ring_CapaianKinerja", fn("IFERROR", fn("AVERAGE", source), ""), "capaian_bold"),
        ("Capaian kinerja (tampil)", "Ring_CapaianKinerjaTampil", None, "capaian_bold"),
        ("Kategori kinerja", "Ring_KategoriKinerja", None, "text_bold"),
        ("Indikator dengan capaian", "Ring_IndikatorTerisi", fn("COUNT", names["Real_CapaianDasar"]), "center"),
        ("Jumlah indikator", "Ring_IndikatorJumlah", fn("COUNTA", names["Real_ID"]), "center"),
        ("Pagu akhir (Rp)", "Ring_Pagu", names["Agr_Total_PaguAkhir"], "money_bold"),
        ("Realisasi anggaran (Rp)", "Ring_Realisasi", names["Agr_Total_Realisasi"], "money_bold"),
        ("Sisa anggaran (Rp)", "Ring_Sisa", names["Agr_Total_Sisa"], "money_bold"),
        (
            "Serapan anggaran (%) — bukan capaian kinerja",
            "Ring_Serapan",
            fn(
                "IF",
                names["Agr_Total_PaguAkhir"].eq(0),
                "",
                names["Agr_Total_Realisasi"] / names["Agr_Total_PaguAkhir"] * 100,
            ),
            "capaian_bold",
        ),
    ]
    sheet.put(top, label_col, f"Aturan: {rule_text}", "note")
    for n, (label, name, expr, style) in enumerate(rows, start=1):
        row = top + n
        sheet.put(row, label_col, label, "text_bold")
        if name == "Ring_CapaianKinerjaTampil":
            expr = capaian_xl.display(names["Ring_CapaianKinerja"], rules.rounding, rules.decimals)
        elif name == "Ring_KategoriKinerja":
            expr = capaian_xl.kategori(names["Ring_CapaianKinerja"], rules.scale)
        sheet.put(row, value_col, expr, style)
        ctx.book.name(name, SHEET_RINGKASAN, row, value_col)


__all__ = ["realisasi", "rencana_aksi", "pk", "ringkasan", "MONTHS"]
