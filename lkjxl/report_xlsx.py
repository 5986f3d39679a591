"""Write the consolidated capaian and anggaran workbook (`lkjxl consolidate -o OUT.xlsx`).

Summary sheets are live formulas over the tidy Data sheets, each written with the
cached value computed here from the same rows (so every reader sees right numbers
before recalculating; LibreOffice confirms them in tests). Percentages are always
recomputed from summed rupiah, never averaged. Nothing depends on a clock, so equal
inputs give equal bytes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from . import __version__, report_previous
from .frames import AGR_COLUMNS, FINDING_COLUMNS, IND_COLUMNS, REV_COLUMNS, year_of
from .model import DEFAULT_SCALE, JENIS_BELANJA
from .xlexpr import col_letter

S_RING, S_CAP, S_AGR, S_REV, S_KEL, S_TEM, S_SUM, S_DATA, S_DAGR = (
    "Ringkasan",
    "Capaian",
    "Anggaran",
    "Revisi",
    "Kelengkapan",
    "Temuan",
    "Sumber",
    "Data",
    "Data Anggaran",
)
BAND_COLOURS = ("#C6EFCE", "#E2EFDA", "#FFF2CC", "#FCE4D6", "#FFC7CE")


def _rng(sheet: str, col: int, first: int, last: int) -> str:
    return f"'{sheet}'!${col_letter(col)}${first + 1}:${col_letter(col)}${max(first, last) + 1}"


class Report:
    def __init__(self, collection, path, title: str, scale=DEFAULT_SCALE, previous=None):
        """`previous` (a `report_previous.Previous`) adds the Perbandingan sheet against last year."""
        import xlsxwriter

        self.c = collection
        self.scale = scale
        self.previous = previous
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.year = year_of(collection.frames)
        year = self.year or 2000
        self.wb.set_properties({"title": title, "author": "lkjxl", "created": datetime(int(year), 12, 31)})
        for key, value in (
            ("lkjxl_kind", "konsolidasi"),
            ("lkjxl_generator_version", __version__),
            ("lkjxl_year", int(year)),
        ):
            self.wb.set_custom_property(key, value)
        base = {"font_name": "Arial", "font_size": 9, "border": 1, "valign": "top"}
        fmt = {
            "text": {},
            "wrap": {"text_wrap": True},
            "header": {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "align": "center", "valign": "vcenter"},
            "money": {"num_format": "#,##0"},
            "pct": {"num_format": "0.00"},
            "num": {"num_format": "#,##0.####"},
            "bold": {"bold": True, "bg_color": "#F2F2F2"},
            "money_bold": {"bold": True, "bg_color": "#F2F2F2", "num_format": "#,##0"},
            "pct_bold": {"bold": True, "bg_color": "#F2F2F2", "num_format": "0.00"},
            "date": {"num_format": "dd mmmm yyyy"},
            "title": {"bold": True, "font_size": 12, "border": 0},
            "note": {"italic": True, "border": 0},
        }
        self.f = {k: self.wb.add_format({**base, **v}) for k, v in fmt.items()}
        self.title = title
        self.ind = sorted(collection.frames.indikator, key=lambda r: (r["satker"], r["sasaran"], r["indikator"]))
        self.agr = sorted(collection.frames.anggaran, key=lambda r: (r["satker"], r["kunci"]))
        self.rev = sorted(collection.frames.revisi, key=lambda r: (r["satker"], r["revisi"]))
        self.satkers = self._satkers()

    # -- helpers -----------------------------------------------------------------------------
    def _satkers(self) -> list[dict]:
        seen: dict[str, dict] = {}
        for row in self.ind + self.agr:
            seen.setdefault(
                row["satker"],
                {
                    "satker": row["satker"],
                    "nama": row["nama_satker"],
                    "tingkat": row["tingkat"],
                    "induk": row["induk"],
                    "status": "diterima",
                },
            )
        sent = {s.satker: s.status for s in self.c.sources if s.satker and s.status != "diterima"}
        for row in self.c.expected:
            if row.get("code") and row["code"] not in seen:
                seen[row["code"]] = {
                    "satker": row["code"],
                    "nama": row.get("name", ""),
                    "tingkat": row.get("level", ""),
                    "induk": row.get("parent", ""),
                    "status": sent.get(row["code"], "belum ada"),  # sent but duplicated/rejected, or never sent
                }
        return [seen[k] for k in sorted(seen)]

    def sheet(self, name: str, headers: list[str], widths: list[float], notes: tuple[str, ...] = (), top: int = 3):
        """A sheet with title, notes and header row written in row order (constant-memory mode needs it)."""
        ws = self.wb.add_worksheet(name)
        ws.write_string(0, 0, f"{name.upper()} — {self.title}", self.f["title"])
        for n, note in enumerate(notes, start=1):
            ws.write_string(n, 0, note, self.f["note"])
        for n, (h, w) in enumerate(zip(headers, widths, strict=True)):
            ws.set_column(n, n, w)
            ws.write_string(top, n, h, self.f["header"])
        ws.freeze_panes(top + 1, 0)
        ws.repeat_rows(top, top)
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        return ws

    def put(self, ws, r: int, c: int, value, style: str = "text") -> None:
        if value is None or value == "":
            ws.write_blank(r, c, None, self.f[style])
        elif isinstance(value, bool):
            ws.write_string(r, c, "ya" if value else "tidak", self.f[style])
        elif isinstance(value, int | float):
            ws.write_number(r, c, value, self.f[style])
        elif isinstance(value, date):
            ws.write_datetime(r, c, datetime(value.year, value.month, value.day), self.f["date"])
        else:
            ws.write_string(r, c, str(value), self.f[style])  # never a formula, whatever it starts with

    def formula(self, ws, r: int, c: int, text: str, value, style: str) -> None:
        ws.write_formula(r, c, text, self.f[style], "" if value is None else value)

    def data_capaian(self, n: int) -> str:
        """A live copy of the capaian of Data row n (in `self.ind` order), blank when it has none."""
        ref = f"'{S_DATA}'!{col_letter(IND_COLUMNS.index('capaian'))}{self.ind_first + n + 1}"
        return f'=IF({ref}="","",{ref})'

    def kategori_formula(self, ref: str) -> str:
        out = '""'
        for band in sorted(self.scale, key=lambda b: b.lo):
            test = f"{ref}{'>=' if band.lo_incl else '>'}{band.lo}"
            if band.hi is not None:
                test = f"AND({test},{ref}{'<=' if band.hi_incl else '<'}{band.hi})"
            out = f'IF({test},"{band.label}",{out})'
        return f'=IF({ref}="","",{out})'

    def kategori(self, x: float | None) -> str:
        from decimal import Decimal

        from .rules import kategori

        return "" if x is None else kategori(Decimal(repr(x)), self.scale) or ""

    # -- sheets ------------------------------------------------------------------------------
    def write(self) -> None:
        data_rows = len(self.ind)
        agr_rows = len(self.agr)
        first = 4  # data tables start below their header on row 4 (0-based 3)
        self.ind_first, self.ind_last = first, first + data_rows - 1
        self.agr_first, self.agr_last = first, first + agr_rows - 1
        self._names()
        self.ringkasan()
        self.capaian()
        self.anggaran()
        if self.previous is not None:
            report_previous.write(self, self.previous)
        self.revisi()
        self.kelengkapan()
        self.temuan()
        self.sumber()
        self.data_sheet(S_DATA, IND_COLUMNS, self.ind)
        self.data_sheet(S_DAGR, AGR_COLUMNS, self.agr)
        self.wb.close()

    def _names(self) -> None:
        for col, key in enumerate(IND_COLUMNS):
            self.wb.define_name(f"Data_{key}", "=" + _rng(S_DATA, col, self.ind_first, self.ind_last))
        for col, key in enumerate(AGR_COLUMNS):
            self.wb.define_name(f"DataAgr_{key}", "=" + _rng(S_DAGR, col, self.agr_first, self.agr_last))

    def ringkasan(self) -> None:
        heads = [
            "No",
            "Satker",
            "Nama",
            "Tingkat",
            "Induk",
            "Indikator",
            "Capaian terisi",
            "Rata-rata capaian (%)",
            "Kategori",
            "Pagu akhir (Rp)",
            "Realisasi (Rp)",
            "Sisa (Rp)",
            "Serapan (%)",
            "Peringkat capaian",
            "Status",
        ]
        ws = self.sheet(
            S_RING,
            heads,
            [4, 8, 34, 9, 7, 9, 9, 11, 15, 17, 17, 16, 9, 9, 10],
            (
                "Rata-rata capaian = rata-rata capaian seluruh indikator satker (n terisi); serapan = realisasi ÷ pagu "
                "akhir, dihitung dari jumlah rupiah, bukan rata-rata persen.",
            ),
        )
        by_satker = defaultdict(list)
        for row in self.ind:
            if isinstance(row["capaian"], float):
                by_satker[row["satker"]].append(row["capaian"])
        counts = defaultdict(int)
        for row in self.ind:
            counts[row["satker"]] += 1
        money = defaultdict(lambda: [0, 0])
        for row in self.agr:
            money[row["satker"]][0] += row["pagu_akhir"] or 0
            money[row["satker"]][1] += row["realisasi"] or 0
        means = {k: sum(v) / len(v) for k, v in by_satker.items() if v}
        first = 4
        last = first + len(self.satkers) - 1
        cap_rng = f"$H${first + 1}:$H${last + 1}"
        self.ring_rows = (first, last)
        for n, s in enumerate(self.satkers):
            r = first + n
            x = r + 1
            code = s["satker"]
            self.put(ws, r, 0, n + 1)
            for c, key in enumerate(("satker", "nama", "tingkat", "induk"), start=1):
                self.put(ws, r, c, s[key])
            mean = means.get(code)
            pagu, spent = money.get(code, (0, 0))
            self.formula(ws, r, 5, f"=COUNTIFS(Data_satker,B{x})", counts.get(code, 0), "num")
            self.formula(
                ws, r, 6, f'=COUNTIFS(Data_satker,B{x},Data_capaian,">=0")', len(by_satker.get(code, [])), "num"
            )
            self.formula(ws, r, 7, f'=IFERROR(AVERAGEIFS(Data_capaian,Data_satker,B{x}),"")', mean, "pct")
            self.formula(ws, r, 8, self.kategori_formula(f"H{x}"), self.kategori(mean), "text")
            self.formula(ws, r, 9, f"=SUMIFS(DataAgr_pagu_akhir,DataAgr_satker,B{x})", pagu, "money")
            self.formula(ws, r, 10, f"=SUMIFS(DataAgr_realisasi,DataAgr_satker,B{x})", spent, "money")
            self.formula(ws, r, 11, f"=J{x}-K{x}", pagu - spent, "money")
            self.formula(ws, r, 12, f'=IF(J{x}=0,"",K{x}/J{x}*100)', spent / pagu * 100 if pagu else None, "pct")
            rank = 1 + sum(1 for v in means.values() if mean is not None and v > mean) if mean is not None else None
            self.formula(ws, r, 13, f'=IF(H{x}="","",COUNTIF({cap_rng},">"&H{x})+1)', rank, "num")
            self.put(ws, r, 14, s["status"])
        total = last + 1
        t = total + 1
        all_means = list(means.values())
        pagu_all = sum(v[0] for v in money.values())
        spent_all = sum(v[1] for v in money.values())
        self.put(ws, total, 2, "JUMLAH / RATA-RATA SATKER", "bold")
        self.formula(ws, total, 5, f"=SUM(F{first + 1}:F{last + 1})", sum(counts.values()), "money_bold")
        self.formula(
            ws, total, 6, f"=SUM(G{first + 1}:G{last + 1})", sum(len(v) for v in by_satker.values()), "money_bold"
        )
        self.formula(
            ws,
            total,
            7,
            f'=IFERROR(AVERAGE(H{first + 1}:H{last + 1}),"")',
            sum(all_means) / len(all_means) if all_means else None,
            "pct_bold",
        )
        self.formula(
            ws,
            total,
            8,
            self.kategori_formula(f"H{t}"),
            self.kategori(sum(all_means) / len(all_means) if all_means else None),
            "bold",
        )
        self.formula(ws, total, 9, f"=SUM(J{first + 1}:J{last + 1})", pagu_all, "money_bold")
        self.formula(ws, total, 10, f"=SUM(K{first + 1}:K{last + 1})", spent_all, "money_bold")
        self.formula(ws, total, 11, f"=J{t}-K{t}", pagu_all - spent_all, "money_bold")
        self.formula(
            ws, total, 12, f'=IF(J{t}=0,"",K{t}/J{t}*100)', spent_all / pagu_all * 100 if pagu_all else None, "pct_bold"
        )
        self._monthly(ws, total + 3)
        self._charts(ws, first, last, total + 3)

    def _monthly(self, ws, top: int) -> None:
        """Cumulative monthly realisasi against pagu, the data of the third chart."""
        ws.write_string(top - 1, 1, "Realisasi bulanan seluruh satker", self.f["note"])
        for c, h in enumerate(("Bulan", "Realisasi", "Kumulatif", "Pagu akhir")):
            ws.write_string(top, 1 + c, h, self.f["header"])
        pagu = sum(r["pagu_akhir"] or 0 for r in self.agr)
        running = 0
        for m in range(1, 13):
            r = top + m
            spent = sum(row.get(f"bulan_{m}") or 0 for row in self.agr)
            running += spent
            self.put(ws, r, 1, m)
            self.formula(ws, r, 2, f"=SUM(DataAgr_bulan_{m})", spent, "money")
            prev = f"D{r}+" if m > 1 else ""
            self.formula(ws, r, 3, f"={prev}C{r + 1}", running, "money")
            self.formula(ws, r, 4, "=SUM(DataAgr_pagu_akhir)", pagu, "money")
        self.monthly_rows = (top + 1, top + 12)

    def _charts(self, ws, first: int, last: int, top: int) -> None:
        """Three native charts stacked to the right of the table (column Q)."""
        if last < first:
            return
        row = 3
        height = max(300, 16 * (last - first + 1) + 90)
        for col, title in ((7, "Capaian kinerja per satker (%)"), (12, "Serapan anggaran per satker (%)")):
            chart = self.wb.add_chart({"type": "bar"})
            chart.add_series(
                {
                    "name": title,
                    "categories": [S_RING, first, 2, last, 2],
                    "values": [S_RING, first, col, last, col],
                    "fill": {"color": "#5B9BD5"},
                }
            )
            chart.set_title({"name": title})
            chart.set_legend({"none": True})
            chart.set_size({"width": 620, "height": height})
            ws.insert_chart(row, 16, chart)
            row += height // 20 + 2
        line = self.wb.add_chart({"type": "line"})
        r1, r2 = self.monthly_rows
        line.add_series(
            {"name": "Realisasi kumulatif", "categories": [S_RING, r1, 1, r2, 1], "values": [S_RING, r1, 3, r2, 3]}
        )
        line.add_series(
            {
                "name": "Pagu akhir",
                "categories": [S_RING, r1, 1, r2, 1],
                "values": [S_RING, r1, 4, r2, 4],
                "line": {"dash_type": "dash"},
            }
        )
        line.set_title({"name": "Realisasi kumulatif terhadap pagu (Rp)"})
        line.set_size({"width": 620, "height": 300})
        ws.insert_chart(row, 16, line)

    def capaian(self) -> None:
        satkers = [s["satker"] for s in self.satkers if s["status"] == "diterima"]
        order: dict[str, tuple] = {}
        for row in self.ind:
            order.setdefault(row["indikator"], (row["sasaran"], row["indikator"], row["uraian"]))
        inds = sorted(order.values())
        heads = ["Sasaran", "ID Indikator", "Indikator", "Jumlah satker", "Rata-rata (%)", *satkers]
        ws = self.sheet(
            S_CAP,
            heads,
            [9, 11, 40, 8, 10, *([9] * len(satkers))],
            (
                "Capaian (%) per indikator × satker, dicocokkan menurut ID indikator. Sel kosong: satker tidak memiliki "
                "indikator itu atau capaian tidak terhitung.",
            ),
        )
        where = {(row["satker"], row["indikator"]): (n, row["capaian"]) for n, row in enumerate(self.ind)}
        first = 4
        rows_of_sasaran = defaultdict(list)
        for n, (sasaran, iid, text) in enumerate(inds):
            r = first + n
            rows_of_sasaran[sasaran].append(r)
            self.put(ws, r, 0, sasaran)
            self.put(ws, r, 1, iid)
            self.put(ws, r, 2, text, "wrap")
            values = []
            for k, code in enumerate(satkers):
                hit = where.get((code, iid))
                if hit is None:
                    self.put(ws, r, 5 + k, None)
                    continue
                data_row, value = hit
                self.formula(
                    ws, r, 5 + k, self.data_capaian(data_row), value if isinstance(value, float) else None, "pct"
                )
                if isinstance(value, float):
                    values.append(value)
            span = f"{col_letter(5)}{r + 1}:{col_letter(max(5, 4 + len(satkers)))}{r + 1}"
            self.formula(ws, r, 3, f"=COUNT({span})", len(values), "num")
            self.formula(
                ws, r, 4, f'=IFERROR(AVERAGE({span}),"")', sum(values) / len(values) if values else None, "pct"
            )
        last = first + len(inds) - 1
        if satkers and inds:
            self._bands(ws, first, 4, last, 4 + len(satkers))
        top = last + 3
        ws.write_string(top - 1, 0, "Rata-rata capaian per sasaran (rata-rata indikator sasaran itu)", self.f["note"])
        matrix = {
            (r, k): where.get((satkers[k], inds[r - first][1]), (None, None))[1]
            for r in range(first, last + 1)
            for k in range(len(satkers))
        }
        for n, (sasaran, rows) in enumerate(sorted(rows_of_sasaran.items())):
            r = top + n
            self.put(ws, r, 0, sasaran, "bold")
            for k in range(len(satkers)):
                col = col_letter(5 + k)
                vals = [v for rr in rows if isinstance(v := matrix[(rr, k)], float)]
                span = f"{col}{rows[0] + 1}:{col}{rows[-1] + 1}"
                self.formula(
                    ws, r, 5 + k, f'=IFERROR(AVERAGE({span}),"")', sum(vals) / len(vals) if vals else None, "pct"
                )

    def _bands(self, ws, r1: int, c1: int, r2: int, c2: int) -> None:
        """Colour bands that follow the scale's own open/closed bounds (90 is 'Cukup', not 'Berhasil')."""
        corner = f"{col_letter(c1)}{r1 + 1}"
        for band, colour in zip(sorted(self.scale, key=lambda b: -b.lo), BAND_COLOURS, strict=False):
            tests = [f"{corner}{'>=' if band.lo_incl else '>'}{band.lo}"]
            if band.hi is not None:
                tests.append(f"{corner}{'<=' if band.hi_incl else '<'}{band.hi}")
            rule = {
                "type": "formula",
                "criteria": f"=AND(ISNUMBER({corner}),{','.join(tests)})",
                "format": self.wb.add_format({"bg_color": colour}),
            }
            ws.conditional_format(r1, c1, r2, c2, rule)

    def anggaran(self) -> None:
        heads = [
            "Kode",
            "Uraian",
            "Tingkat",
            "Jumlah satker",
            "Pagu awal (Rp)",
            "Pagu akhir (Rp)",
            "Realisasi (Rp)",
            "Sisa (Rp)",
            "Serapan (%)",
        ]
        ws = self.sheet(
            S_AGR,
            heads,
            [16, 44, 9, 8, 17, 17, 17, 16, 9],
            (
                "Jumlah seluruh satker menurut program › kegiatan › output; persen dihitung dari jumlah rupiah, "
                "bukan rata-rata persen.",
            ),
        )
        leaves: dict[str, dict] = {}
        for row in self.agr:
            item = leaves.setdefault(
                row["kunci"], {"kode": row["kode"], "uraian": row["uraian"], "n": 0, "awal": 0, "akhir": 0, "real": 0}
            )
            item["n"] += 1
            item["awal"] += row["pagu_awal"] or 0
            item["akhir"] += row["pagu_akhir"] or 0
            item["real"] += row["realisasi"] or 0
        tree: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for key in sorted(leaves):
            program, kegiatan, _ = key.split("/")
            tree[program][kegiatan].append(key)
        # First lay the rows out (subtotals sit above their children), then write them in row order.
        layout: list[tuple] = []
        program_rows = []
        r = 4
        for program in sorted(tree):
            prow, r = r, r + 1
            program_rows.append(prow)
            keg_rows, sums_p = [], [0, 0, 0]
            kegiatan_specs = []
            for kegiatan in sorted(tree[program]):
                krow, r = r, r + 1
                keg_rows.append(krow)
                keys = tree[program][kegiatan]
                sums_k = [sum(leaves[k][i] for k in keys) for i in ("awal", "akhir", "real")]
                kegiatan_specs.append(("sub", krow, kegiatan, "Kegiatan", [(r, r + len(keys) - 1)], sums_k))
                kegiatan_specs += [("leaf", r + n, key) for n, key in enumerate(keys)]
                r += len(keys)
                sums_p = [a + b for a, b in zip(sums_p, sums_k, strict=True)]
            layout.append(("sub", prow, program, "Program", [(k, k) for k in keg_rows], sums_p))
            layout += kegiatan_specs
        total = r
        sums = [sum(v[i] for v in leaves.values()) for i in ("awal", "akhir", "real")]
        layout.append(("sub", total, "", "JUMLAH", [(p, p) for p in program_rows], sums))
        for spec in sorted(layout, key=lambda x: x[1]):
            if spec[0] == "sub":
                self._subtotal(ws, *spec[1:])
            else:
                self._leaf(ws, spec[1], spec[2], leaves[spec[2]])
        self._jenis(ws, total + 3, sums)

    def _leaf(self, ws, r: int, key: str, leaf: dict) -> None:
        self.put(ws, r, 0, leaf["kode"])
        self.put(ws, r, 1, leaf["uraian"], "wrap")
        self.put(ws, r, 2, "Output")
        self.formula(ws, r, 3, f'=COUNTIFS(DataAgr_kunci,"{key}")', leaf["n"], "num")
        for c, (name, val) in enumerate(
            (("pagu_awal", leaf["awal"]), ("pagu_akhir", leaf["akhir"]), ("realisasi", leaf["real"])), start=4
        ):
            self.formula(ws, r, c, f'=SUMIFS(DataAgr_{name},DataAgr_kunci,"{key}")', val, "money")
        self._tail(ws, r, leaf["akhir"], leaf["real"], "money", "pct")

    def _subtotal(self, ws, r: int, code: str, level: str, spans: list[tuple[int, int]], sums: list[int]) -> None:
        self.put(ws, r, 0, code, "bold")
        self.put(ws, r, 1, level if level == "JUMLAH" else "", "bold")
        self.put(ws, r, 2, level, "bold")
        self.put(ws, r, 3, None, "bold")
        for c, value in zip((4, 5, 6), sums, strict=True):
            col = col_letter(c)
            refs = ",".join(f"{col}{a + 1}:{col}{b + 1}" if a != b else f"{col}{a + 1}" for a, b in spans) or "0"
            self.formula(ws, r, c, f"=SUM({refs})", value, "money_bold")
        self._tail(ws, r, sums[1], sums[2], "money_bold", "pct_bold")

    def _tail(self, ws, r: int, akhir: int, real: int, money: str, pct: str) -> None:
        x = r + 1
        self.formula(ws, r, 7, f"=F{x}-G{x}", akhir - real, money)
        self.formula(ws, r, 8, f'=IF(F{x}=0,"",G{x}/F{x}*100)', real / akhir * 100 if akhir else None, pct)

    def _jenis(self, ws, top: int, sums: list[int]) -> None:
        ws.write_string(top - 1, 0, "Per jenis belanja (dari baris output)", self.f["note"])
        kinds = [*JENIS_BELANJA.items(), ("", "Belum diklasifikasi")]
        first = top
        for n, (code, label) in enumerate(kinds):
            r = top + n
            rows = [row for row in self.agr if (row["jenis_belanja"] or "") == code]
            self.put(ws, r, 0, code or "-")
            self.put(ws, r, 1, label)
            for c, name in ((4, "pagu_awal"), (5, "pagu_akhir"), (6, "realisasi")):
                self.formula(
                    ws,
                    r,
                    c,
                    f'=SUMIFS(DataAgr_{name},DataAgr_jenis_belanja,"{code}")',
                    sum(row[name] or 0 for row in rows),
                    "money",
                )
            akhir = sum(row["pagu_akhir"] or 0 for row in rows)
            self._tail(ws, r, akhir, sum(row["realisasi"] or 0 for row in rows), "money", "pct")
        check = top + len(kinds)
        self.put(ws, check, 1, "Selisih dengan JUMLAH (harus 0)", "bold")
        for c in (4, 5, 6):
            col = col_letter(c)
            self.formula(ws, check, c, f"=SUM({col}{first + 1}:{col}{check})-{col}{top - 2}", 0, "money_bold")

    def revisi(self) -> None:
        heads = [*REV_COLUMNS[:-1], "perubahan", "berkas"]
        ws = self.sheet(S_REV, heads, [8, 30, 8, 14, 17, 40, 12, 17, 30])
        for n, row in enumerate(self.rev):
            r = 4 + n
            for c, key in enumerate(REV_COLUMNS[:-1]):
                self.put(ws, r, c, row[key], "money" if key == "pagu" else "text")
            prev = self.rev[n - 1] if n and self.rev[n - 1]["satker"] == row["satker"] else None
            delta = (
                (row["pagu"] - prev["pagu"]) if prev and row["pagu"] is not None and prev["pagu"] is not None else None
            )
            x = r + 1
            self.formula(ws, r, 7, f'=IF(OR(E{x}="",A{x}<>A{r},E{r}=""),"",E{x}-E{r})', delta, "money")
            self.put(ws, r, 8, row["berkas"])

    def kelengkapan(self) -> None:
        heads = ["Satker", "Nama", "Induk", "Status", "Berkas", "Unit / catatan"]
        ws = self.sheet(S_KEL, heads, [8, 34, 7, 12, 40, 60])
        by_satker = defaultdict(list)
        for s in self.c.sources:
            by_satker[s.satker].append(s)
        r = 4
        for s in self.satkers:  # with --expected, all on the list: a satker off it is WRONG_SATKER, never counted
            sources = by_satker.get(s["satker"], [])
            self.put(ws, r, 0, s["satker"])
            self.put(ws, r, 1, s["nama"])
            self.put(ws, r, 2, s["induk"])
            self.put(ws, r, 3, s["status"])
            self.put(ws, r, 4, "; ".join(x.file.rsplit("/", 1)[-1] for x in sources))
            units = sorted({x.unit for x in sources if x.unit})
            self.put(ws, r, 5, ("subbagian: " + ", ".join(units)) if units else "")
            r += 1
        for s in self.c.sources:
            if s.status != "diterima":
                self.put(ws, r, 0, s.satker or "?")
                self.put(ws, r, 3, s.status)
                self.put(ws, r, 4, s.file.rsplit("/", 1)[-1])
                self.put(ws, r, 5, s.reason, "wrap")
                r += 1

    def temuan(self) -> None:
        ws = self.sheet(S_TEM, FINDING_COLUMNS, [8, 30, 8, 20, 12, 8, 20, 60, 40])
        for n, row in enumerate(
            sorted(self.c.frames.temuan, key=lambda x: (x["berkas"], x["sheet"], x["sel"], x["kode"]))
        ):
            for c, key in enumerate(FINDING_COLUMNS):
                self.put(ws, 4 + n, c, row[key] if key != "berkas" else row[key].rsplit("/", 1)[-1])

    def sumber(self) -> None:
        heads = [
            "Berkas",
            "SHA-256",
            "Jenis",
            "Satker",
            "Unit",
            "Templat",
            "Status",
            "Alasan",
            "Baris dibaca",
            "Baris ditulis",
            "Nilai dibaca",
        ]
        top = 2 + len(self.c.reconciliation)
        ws = self.sheet(
            S_SUM, heads, [30, 20, 11, 8, 9, 30, 9, 40, 9, 9, 9], ("Rekonsiliasi:", *self.c.reconciliation), top=top
        )
        for n, s in enumerate(self.c.sources):
            r = top + 1 + n
            for c, value in enumerate(
                (
                    s.file.rsplit("/", 1)[-1],
                    s.sha256,
                    s.kind,
                    s.satker,
                    s.unit,
                    s.template,
                    s.status,
                    s.reason,
                    s.rows_read,
                    s.rows_written,
                    s.values_read,
                )
            ):
                self.put(ws, r, c, value)
        if self.previous is not None:
            r = top + 2 + len(self.c.sources)
            ws.write_string(r, 0, "Pembanding (--previous): bukan masukan tahun ini", self.f["note"])
            for c, value in enumerate(report_previous.source_row(self.previous)):
                self.put(ws, r + 1, c, value)

    def data_sheet(self, name: str, columns: list[str], rows: list[dict]) -> None:
        """The tidy table, row by row: formats by column, so each row is one write (the national
        Data Anggaran holds ≈110,000 rows)."""
        ws = self.sheet(
            name,
            columns,
            [12] * len(columns),
            ("Tabel rapi di balik semua lembar; dapat dikonsolidasikan lagi ke tingkat atas.",),
        )
        for c, key in enumerate(columns):
            if key.startswith(("pagu", "bulan")) or key == "realisasi":
                ws.set_column(c, c, 15, self.f["money"])
        for n, row in enumerate(rows):
            values = [_cell(row.get(key)) for key in columns]
            ws.write_row(4 + n, 0, values)


def _cell(value):
    """A tidy-table value as written: dates as text (ISO), booleans as ya/tidak, None blank."""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, date):
        return value.isoformat()
    return value


def write(collection, path, title: str, scale=DEFAULT_SCALE, previous=None) -> None:
    Report(collection, path, title, scale, previous).write()
