"""The Perbandingan sheet: this year against last year's consolidated workbook (`--previous`).

Last year's figures are read from the Data sheets of the workbook lkjxl wrote last year
and written as values, since that data is not in this workbook; this year's figures are
live formulas over this workbook's Data sheets. Changes are in percentage points
(DOMAIN §4.7: `rules.points`), never relative growth, and each year's serapan is
recomputed from its summed rupiah. Last year's rows are a comparison only: they never
enter this year's totals, its Data sheets or its reconciliation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from . import frames, rules
from .xlexpr import col_letter

SHEET = "Perbandingan"
SATKER_ROW, INDIKATOR_ROW = "Satker", "Indikator"


class PreviousError(Exception):
    """The --previous file cannot serve as last year's consolidated workbook (an Indonesian message)."""


@dataclass
class Previous:
    """Last year's consolidated workbook: its tidy rows and provenance."""

    name: str
    sha256: str
    year: int
    frames: frames.Frames


def load(path: Path) -> Previous:
    """Read last year's consolidated workbook, or raise PreviousError saying why it cannot be used."""
    from .consolidate import KIND_KONSOLIDASI, peek_kind
    from .report_read import read_consolidated

    path = Path(path)
    if not path.is_file():
        raise PreviousError(f"berkas tahun lalu '{path}' tidak ditemukan")
    if peek_kind(path) != KIND_KONSOLIDASI:
        raise PreviousError(
            f"'{path.name}' bukan buku kerja konsolidasi lkjxl; --previous memerlukan keluaran "
            "'lkjxl consolidate' tahun lalu"
        )
    try:
        part = read_consolidated(path)
    except Exception as exc:  # noqa: BLE001 - any damage gets the same answer: this file cannot be compared
        raise PreviousError(
            f"'{path.name}' tidak dapat dibaca ({exc.__class__.__name__}: {str(exc)[:200]}); "
            "buat ulang berkas konsolidasi tahun lalu"
        ) from None
    year = frames.year_of(part)
    if year is None:
        raise PreviousError(f"'{path.name}' tidak memuat data (lembar Data dan Data Anggaran kosong)")
    return Previous(path.name, part.sha256, year, part)


def year_problem(previous: Previous, year: int | None) -> str | None:
    """Why `previous` cannot be last year's for a report of `year`; None when it can (or `year` is unknown)."""
    if year is None or previous.year < year:
        return None
    return (
        f"'{previous.name}' berisi data tahun {previous.year}, tidak lebih awal dari tahun ini ({year}); "
        "--previous memerlukan konsolidasi tahun sebelumnya"
    )


def source_row(previous: Previous) -> tuple:
    """The Sumber sheet's row for the comparison file, in its columns Berkas … Alasan."""
    p = previous.frames
    return (
        previous.name,
        previous.sha256,
        "pembanding",
        "",
        "",
        f"konsolidasi ({previous.year})",
        "pembanding",
        f"tahun lalu, hanya untuk lembar {SHEET}: {len(p.indikator)} baris indikator, {len(p.anggaran)} baris "
        "anggaran; tidak dihitung dalam jumlah dan rekonsiliasi tahun ini",
    )


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _mean(values) -> float | None:
    numbers = [v for v in values if v is not None]
    return sum(numbers) / len(numbers) if numbers else None


@dataclass
class _Year:
    """One year's rows by satker: (Data row, row) per indicator ID, (pagu akhir, realisasi), name."""

    indikator: dict[str, dict[str, tuple[int, dict]]]
    money: dict[str, tuple[int, int]]
    names: dict[str, str]

    @classmethod
    def of(cls, ind: list[dict], agr: list[dict]) -> _Year:
        by_satker: dict[str, dict[str, tuple[int, dict]]] = defaultdict(dict)
        for n, row in enumerate(ind):
            by_satker[row["satker"]][row["indikator"]] = (n, row)
        money = defaultdict(lambda: (0, 0))
        for row in agr:
            pagu, spent = money[row["satker"]]
            money[row["satker"]] = (pagu + (row["pagu_akhir"] or 0), spent + (row["realisasi"] or 0))
        return cls(by_satker, dict(money), {row["satker"]: row["nama_satker"] for row in ind + agr})

    def capaian(self, satker: str, iid: str) -> float | None:
        hit = self.indikator.get(satker, {}).get(iid)
        return _number(hit[1]["capaian"]) if hit else None

    def mean(self, satker: str) -> float | None:
        """The satker's mean capaian over its indicators that have one (as on Ringkasan)."""
        return _mean(self.capaian(satker, iid) for iid in self.indikator.get(satker, {}))


HEADS = (
    ("Satker", 8),
    ("Nama satker", 30),
    ("Baris", 9),
    ("Sasaran", 8),
    ("ID Indikator", 11),
    ("Indikator", 40),
    ("Capaian {last} (%)", 10),
    ("Capaian {this} (%)", 10),
    ("Perubahan capaian (poin)", 10),
    ("Serapan {last} (%)", 10),
    ("Serapan {this} (%)", 10),
    ("Perubahan serapan (poin)", 10),
    ("Pagu akhir {last} (Rp)", 17),
    ("Realisasi {last} (Rp)", 17),
    ("Pagu akhir {this} (Rp)", 17),
    ("Realisasi {this} (Rp)", 17),
    ("Keterangan", 30),
)
CAP_LAST, CAP_THIS, CAP_CHANGE, SER_LAST, SER_THIS, SER_CHANGE, PAGU_LAST, REAL_LAST, PAGU_THIS, REAL_THIS, NOTE = (
    range(6, 17)
)
ONLY_LAST, ONLY_THIS = "hanya tahun lalu", "hanya tahun ini"
FIRST = 4  # the table starts below the header on row 4 (0-based 3)
COLUMNS = {"last": (CAP_LAST, PAGU_LAST, REAL_LAST), "this": (CAP_THIS, PAGU_THIS, REAL_THIS)}


def write(report, previous: Previous) -> None:
    """Per satker a bold row (mean capaian, serapan, rupiah) over its indicator rows; then the total.

    Satker are matched by code and indicators by ID; those present in one year only are listed
    with the other year blank and a Keterangan, never dropped.
    """
    years = {
        "last": _Year.of(previous.frames.indikator, previous.frames.anggaran),
        "this": _Year.of(report.ind, report.agr),
    }
    labels = {"last": previous.year, "this": report.year or "tahun ini"}
    ws = report.sheet(
        SHEET,
        [h.format(**labels) for h, _ in HEADS],
        [w for _, w in HEADS],
        (
            f"Tahun lalu ({previous.year}) dari {previous.name} (lihat Sumber), sebagai nilai; tahun ini dari lembar "
            "Data. Perubahan = tahun ini − tahun lalu, dalam poin persentase, bukan pertumbuhan relatif.",
            "Capaian satker = rata-rata indikatornya; serapan = realisasi ÷ pagu akhir dari jumlah rupiah; JUMLAH: "
            "rata-rata capaian satker. Keterangan kosong: ada di kedua tahun.",
        ),
    )
    status_now = {s["satker"]: s["status"] for s in report.satkers}
    r = FIRST
    for code in sorted(set(years["last"].names) | set(years["this"].names)):
        r = _satker(report, ws, r, code, years, status_now.get(code))
    _total(report, ws, r, years)


def _satker(report, ws, r: int, code: str, years: dict, status: str | None) -> int:
    """The satker row, then its indicator rows; returns the next free row."""
    last, this = years["last"], years["this"]
    sasaran = {}
    for year in (last, this):  # this year's sasaran wins when an indicator moved
        for iid, (_, row) in year.indikator.get(code, {}).items():
            sasaran[iid] = row["sasaran"]
    ids = sorted(sasaran, key=lambda iid: (sasaran[iid], iid))
    a, b, x = r + 2, r + 1 + len(ids), r + 1  # Excel rows: first and last indicator, this satker row
    cells = {}
    for key, year in years.items():
        if code not in year.names:
            continue
        cap, pagu, spent = COLUMNS[key]
        if ids:
            cells[cap] = (f'=IFERROR(AVERAGE({col_letter(cap)}{a}:{col_letter(cap)}{b}),"")', year.mean(code))
        money = year.money.get(code, (0, 0))
        if key == "last":  # last year's rupiah are values; this year's are live sums over Data Anggaran
            cells[pagu], cells[spent] = (None, money[0]), (None, money[1])
        else:
            cells[pagu] = (f"=SUMIFS(DataAgr_pagu_akhir,DataAgr_satker,A{x})", money[0])
            cells[spent] = (f"=SUMIFS(DataAgr_realisasi,DataAgr_satker,A{x})", money[1])
    note = "" if code in last.names and code in this.names else ONLY_THIS if code in this.names else ONLY_LAST
    if note == ONLY_LAST and status:
        note += f"; tahun ini {status}"
    name = this.names.get(code) or last.names[code]
    _row(report, ws, r, (code, name, SATKER_ROW, None, None, None), cells, note, bold=True)
    for n, iid in enumerate(ids):
        was, now = last.indikator.get(code, {}).get(iid), this.indikator.get(code, {}).get(iid)
        cells = {}
        if was:
            cells[CAP_LAST] = (None, last.capaian(code, iid))
        if now:
            cells[CAP_THIS] = (report.data_capaian(now[0]), this.capaian(code, iid))
        note = "" if was and now else ONLY_THIS if now else ONLY_LAST
        labels = (code, None, INDIKATOR_ROW, sasaran[iid], iid, (now or was)[1]["uraian"])
        _row(report, ws, r + 1 + n, labels, cells, note)
    return r + 1 + len(ids)


def _total(report, ws, r: int, years: dict) -> None:
    """All satker: the declared mean of satker means, and serapan from the summed rupiah of each year."""
    only = f'$C${FIRST + 1}:$C${r},"{SATKER_ROW}"'  # the satker rows of the table above
    cells = {}
    for key, year in years.items():
        if not year.names:
            continue
        cap, pagu, spent = COLUMNS[key]
        span = f"{col_letter(cap)}{FIRST + 1}:{col_letter(cap)}{r}"
        cells[cap] = (f'=IFERROR(AVERAGEIFS({span},{only}),"")', _mean(year.mean(code) for code in year.names))
        for c, k in ((pagu, 0), (spent, 1)):
            span = f"{col_letter(c)}{FIRST + 1}:{col_letter(c)}{r}"
            cells[c] = (f"=SUMIFS({span},{only})", sum(v[k] for v in year.money.values()))
    _row(report, ws, r, (None, None, "JUMLAH / RATA-RATA SATKER", None, None, None), cells, "", bold=True)


def _row(report, ws, r: int, labels: tuple, cells: dict, note: str, bold: bool = False) -> None:
    """One row: labels, then capaian, serapan and rupiah of both years with the changes in poin.

    `cells` maps a column to (formula or None, value); serapan and the changes are derived here,
    so every row kind computes them the same way: serapan from its own rupiah, changes by `rules.points`.
    """
    x = r + 1
    for pagu, spent, serapan in ((PAGU_LAST, REAL_LAST, SER_LAST), (PAGU_THIS, REAL_THIS, SER_THIS)):
        if pagu in cells:
            p, q = col_letter(pagu), col_letter(spent)
            value = cells[spent][1] / cells[pagu][1] * 100 if cells[pagu][1] else None
            cells[serapan] = (f'=IF({p}{x}=0,"",{q}{x}/{p}{x}*100)', value)
    for change, was, now in ((CAP_CHANGE, CAP_LAST, CAP_THIS), (SER_CHANGE, SER_LAST, SER_THIS)):
        if was in cells or now in cells:
            a, b = col_letter(was), col_letter(now)
            cells[change] = (f'=IF(COUNT({a}{x},{b}{x})=2,{b}{x}-{a}{x},"")', _points(cells.get(was), cells.get(now)))
    suffix = "_bold" if bold else ""
    for c, label in enumerate(labels):
        report.put(ws, r, c, label, "bold" if bold else "wrap" if c == 5 else "text")
    for c in range(CAP_LAST, NOTE):
        style = ("pct" if c < PAGU_LAST else "money") + suffix
        formula, value = cells.get(c, (None, None))
        if formula is None:
            report.put(ws, r, c, value, style)
        else:
            report.formula(ws, r, c, formula, value, style)
    report.put(ws, r, NOTE, note, "bold" if bold else "text")


def _points(was: tuple | None, now: tuple | None) -> float | None:
    """The change in poin of two cached percentages (`rules.points`), None when either is missing."""
    if was is None or now is None or was[1] is None or now[1] is None:
        return None
    return float(rules.points(Decimal(repr(was[1])), Decimal(repr(now[1]))))
