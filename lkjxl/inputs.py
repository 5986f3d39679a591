"""Read every input cell of a returned workbook into the Filling, normalised by what the cell holds.

Each expected input cell is found through the sheet maps (by key, not position), parsed
by the normaliser for its kind, and reported when lkjxl had to interpret or refuse it.
Blank cells and whole amounts typed as numbers — most of a workbook — are settled from
the sheet's arrays at once (`values`); the rest go cell by cell (`value`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import findings, normalize, xlsxread
from .book import Book
from .layout import MONTH_MARK
from .locate import SheetMap, a1
from .model import RencanaAksi, blank_revision
from .sheets_kinerja import rencana_rows

if TYPE_CHECKING:
    from .reader import WorkbookData


class Addresses(Mapping):
    """(kind, key, field) → 'Sheet!A1': where each value read came from. Thousands per workbook
    and looked up only for findings, so a table's cells are kept as their file rows and columns
    and written out as addresses when asked for."""

    def __init__(self):
        self._one: dict[tuple, tuple[str, tuple[int, int] | None]] = {}  # what → (sheet, (row, col) or None)
        self._tables: list[tuple[dict[tuple, int], str, list[int], list[int]]] = []

    def put(self, what: tuple, sheet: str, where: tuple[int, int] | None) -> None:
        self._one[what] = (sheet, where)

    def add_table(self, index: dict[tuple, int], sheet: str, rows: np.ndarray, cols: np.ndarray) -> None:
        self._tables.append((index, sheet, rows.tolist(), cols.tolist()))

    def __getitem__(self, what: tuple) -> str:
        found = self._one.get(what)
        if found is not None:
            return _address(*found)
        for index, sheet, rows, cols in self._tables:
            n = index.get(what)
            if n is not None:
                return _address(sheet, (rows[n], cols[n]) if rows[n] >= 0 else None)
        raise KeyError(what)

    def __iter__(self) -> Iterator[tuple]:
        return iter(dict.fromkeys([*self._one, *(what for index, *_ in self._tables for what in index)]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _address(sheet: str, where: tuple[int, int] | None) -> str:
    """'Sheet!A1'; 'Sheet!' for a cell the file does not have."""
    return f"{sheet}!{a1(*where)}" if where is not None else f"{sheet}!"


@dataclass(frozen=True, eq=False)
class Table:
    """Input cells of one sheet read together (`Inputs.values`), prepared once per template."""

    cells: list[tuple[int, int]]  # expected (row, col)
    whats: list[tuple]  # what each holds, (kind, key, field)
    keys: list[tuple[str, int, int]]  # (sheet, row, col)
    rows: np.ndarray
    cols: np.ndarray
    index: dict[tuple, int]  # what → place in the lists
    arguments: list[dict]  # each cell's keyword arguments to its parse function ({}: none)

    @classmethod
    def of(
        cls, sheet: str, cells: list[tuple[int, int]], whats: list[tuple], arguments: list[dict] | None = None
    ) -> Table:
        rows, cols = (np.array([cell[i] for cell in cells], np.int64) for i in (0, 1))
        keys = [(sheet, r, c) for r, c in cells]
        index = {what: n for n, what in enumerate(whats)}
        return cls(cells, whats, keys, rows, cols, index, arguments or [{}] * len(cells))


_TABLES: dict[tuple, Table] = {}  # (definition, unit, table) → Table


class Inputs:
    """Reads every expected input cell into the Filling, normalised by what the cell holds."""

    def __init__(self, raw: xlsxread.RawBook, expected: Book, maps: dict[str, SheetMap], data: WorkbookData):
        self.raw, self.expected, self.maps, self.data = raw, expected, maps, data
        self.names = expected.names
        self.inputs: dict[tuple[str, int, int], object] = {}  # expected cell → value read
        # The same values as the recomputation takes them: tables settled from the arrays as
        # (table, settled mask, amounts), and the cells read one by one.
        self.settled: list[tuple[Table, np.ndarray, np.ndarray]] = []
        self.loose: dict[tuple[str, int, int], object] = {}
        self.as_typed: dict[tuple[str, int, int], object] = {}  # cells whose text lkjxl had to interpret

    def value(self, sheet: str, row: int, col: int, parse, what: tuple, *, percent: bool = False, **kw):
        """The input at the template's (row, col), wherever it is in the file, parsed; `percent`:
        tell `parse` whether the cell is formatted as a percentage."""
        smap = self.maps[sheet]
        where = smap.where(row, col)
        cell = smap.raw.cells.get(where) if where is not None else None
        shown = smap.raw.name if smap.raw is not None else sheet  # findings name the sheet as the file has it
        self.data.cells.put(what, shown, where)
        return self._take((sheet, row, col), shown, where, cell, parse, percent, kw)

    def _take(self, key: tuple, sheet: str, where, cell, parse, percent: bool, kw: dict):
        """`value` once the cell is found: `cell` at `where` (None, None: not in the file)."""
        raw = cell.value if cell is not None else None
        as_typed = raw  # what Excel computes with: a date is its serial number
        if cell is not None:
            if cell.formula is not None:
                self._formula_input(cell, sheet, a1(*where))
            style = self.raw.style(cell)
            if isinstance(raw, float) and style.date:
                raw = _excel_date(raw)
            if percent:
                kw = {**kw, "cell_is_percent_format": style.percent}
        elif percent:
            kw = {**kw, "cell_is_percent_format": False}
        parsed = _parsed(parse, raw, kw)
        if parsed.error or parsed.notes:
            self._report(parsed, raw, sheet, a1(*where) if where is not None else "")
        value = None if parsed.missing or parsed.error else parsed.value
        self.inputs[key] = self.loose[key] = MONTH_MARK if value is True else value
        typed_text = isinstance(as_typed, str) and not isinstance(value, str)
        if as_typed not in (None, "") and value is not True and (value is None or typed_text):
            self.as_typed[key] = as_typed  # Excel computes with what was typed, refused or not
        return value

    def table(self, sheet: str, name: str, build) -> Table:
        """The Table `build()` → (cells, whats) makes, once per template."""
        key = (self.data.definition, self.data.unit, name)
        table = _TABLES.get(key)
        if table is None:
            if len(_TABLES) > 256:
                _TABLES.clear()
            table = _TABLES[key] = Table.of(sheet, *build())
        return table

    def values(self, sheet: str, table: Table, parse, *, percent: bool = False) -> list:
        """`value` for many cells of one sheet. Blank cells, and whole amounts typed as numbers
        into money cells, are settled from the sheet's arrays at once; the rest are found at once
        and parsed cell by cell."""
        smap = self.maps[sheet]
        plain = smap.raw.plain if smap.raw is not None else None
        if plain is None:
            return [
                self.value(sheet, r, c, parse, what, percent=percent, **kw)
                for (r, c), what, kw in zip(table.cells, table.whats, table.arguments, strict=True)
            ]
        rows, cols = smap.where_many(table.rows, table.cols)
        self.data.cells.add_table(table.index, smap.raw.name, rows, cols)
        blank, whole, amounts = plain.settle(rows, cols)
        settled = blank | whole if parse is normalize.parse_money else blank
        out = amounts.astype(object)
        out[~whole] = None
        out = out.tolist()
        self.inputs.update(zip(table.keys, out, strict=True))  # the cells read one by one below overwrite theirs
        self.settled.append((table, settled, np.where(whole, amounts, -1)))
        rest = np.flatnonzero(~settled)
        found = smap.raw.cells.cells_at(smap.raw.cells.find(rows[rest], cols[rest]))
        texts = _plain_texts(found) if parse is _parse_text else [None] * len(found)
        shown = smap.raw.name
        for n, r, c, cell, text in zip(
            rest.tolist(), rows[rest].tolist(), cols[rest].tolist(), found, texts, strict=True
        ):
            key = table.keys[n]
            if text is not None:
                out[n] = self.inputs[key] = self.loose[key] = text
            else:
                where = (r, c) if r >= 0 else None
                out[n] = self._take(key, shown, where, cell, parse, percent, table.arguments[n])
        return out

    def _formula_input(self, cell, sheet: str, addr: str) -> None:
        """A formula typed into an input cell: its cached value is used, and said; none cached is an error."""
        missing = cell.value in (None, "")
        self.data.findings.append(
            findings.make(
                "FORMULA_IN_INPUT",
                file=self.data.file,
                sheet=sheet,
                cell=addr,
                value="=" + cell.formula,
                read="tidak ada (rumus tanpa nilai tersimpan)" if missing else show(cell.value),
            )
        )

    def _report(self, parsed, raw, sheet: str, addr: str) -> None:
        file = self.data.file
        out = self.data.findings
        if parsed.error:
            code = parsed.error if parsed.error in findings.CATALOGUE else "NOT_A_NUMBER"
            out.append(
                findings.make(
                    code,
                    file=file,
                    sheet=sheet,
                    cell=addr,
                    value=raw,
                    reading=parsed.reading,
                    expected="nilai dari daftar",
                    satuan="",
                )
            )
            return
        notes = set(parsed.notes) - {"UNIT_UNCHECKED"}
        read = show(parsed.value)
        if notes & {"AMBIGUOUS_SEPARATOR", "SCALED_PERCENT", "AMBIGUOUS_PERCENT", "MIXED_SEPARATORS"}:
            out.append(
                findings.make(
                    "AMBIGUOUS",
                    file=file,
                    sheet=sheet,
                    cell=addr,
                    value=raw,
                    read=read,
                    reading=parsed.reading or ", ".join(sorted(notes)),
                )
            )
        elif notes - {"TEXT_NUMBER"}:
            out.append(
                findings.make(
                    "NORMALISED",
                    file=file,
                    sheet=sheet,
                    cell=addr,
                    value=raw,
                    read=read,
                    reading=", ".join(sorted(notes)),
                )
            )
        elif notes:
            out.append(findings.make("TEXT_NUMBER", file=file, sheet=sheet, cell=addr, value=raw, read=read))

    def read_all(self) -> None:
        self._realisasi()
        self._anggaran()
        self._revisi()
        self._rencana()
        self._pk()

    def _col(self, name: str) -> int:
        return self.names[name].col1

    def _realisasi(self) -> None:
        d, fill = self.data.definition, self.data.filling
        periods = {p: f"Real_Realisasi_P{p}" for p in range(1, len(d.period.labels) + 1)}
        table = self._per_indikator("realisasi", periods, lambda ind: {"kind": ind.kind, "satuan": ind.satuan})
        read = self.values("Realisasi", table, normalize.parse_value, percent=True)
        for n, ind in enumerate(d.indikator):
            values = read[n * len(periods) : (n + 1) * len(periods)]
            if any(v is not None for v in values):
                fill.realisasi[ind.id] = values
        keys = ("Hambatan", "Solusi", "Bukti")
        table = self._per_indikator("catatan", {key: f"Real_{key}" for key in keys})
        notes = iter(self.values("Realisasi", table, _parse_text))
        for ind in d.indikator:
            found = {key.lower(): text for key in keys if (text := next(notes))}
            if found:
                fill.notes[ind.id] = found

    def _per_indikator(self, kind: str, fields: dict, arguments=None) -> Table:
        """The Realisasi cells of `fields` (key → column name) in each indicator's row, in that
        order, each what (kind, indicator id, key); `arguments(ind)`: its cells' parse arguments."""
        d = self.data.definition
        first = self.names["Real_ID"].row1
        return self.table(
            "Realisasi",
            kind,
            lambda: (
                [(first + n, self._col(name)) for n in range(len(d.indikator)) for name in fields.values()],
                [(kind, ind.id, key) for ind in d.indikator for key in fields],
                [arguments(ind) for ind in d.indikator for _ in fields] if arguments else None,
            ),
        )

    def _anggaran(self) -> None:
        d, fill = self.data.definition, self.data.filling
        first = self.names["Agr_Kunci"].row1
        fields = [("pagu_awal", 0, "Agr_PaguAwal")]
        fields += [("pagu_revisi", k, f"Agr_Revisi_{k}") for k in range(1, d.revision_slots + 1)]
        fields += [("realisasi_bulan", m, f"Agr_Bulan_{m}") for m in range(1, 13)]
        lines = [(first + n, line) for n, line in enumerate(d.budget) if line.is_leaf]
        table = self.table(
            "Anggaran",
            "anggaran",
            lambda: (
                [(row, self._col(name)) for row, _ in lines for _, _, name in fields],
                [(what, line.key, k) for _, line in lines for what, k, _ in fields],
            ),
        )
        read, width = self.values("Anggaran", table, normalize.parse_money), len(fields)
        for n, (_, line) in enumerate(lines):
            awal, *rest = read[n * width : (n + 1) * width]
            revs, months = rest[: d.revision_slots], rest[d.revision_slots :]
            if awal is not None:
                fill.pagu_awal[line.key] = awal
            if any(v is not None for v in revs):
                fill.pagu_revisi[line.key] = revs
            if any(v is not None for v in months):
                fill.realisasi_bulan[line.key] = months

    def _revisi(self) -> None:
        d = self.data.definition
        if not d.revision_slots:
            return
        first = self.names["Rev_No"].row1
        for n in range(1, d.revision_slots + 1):
            row = first + n
            info = {
                "tanggal": self.value(
                    "Revisi", row, self._col("Rev_Tanggal"), normalize.parse_date_id, ("revisi", n, "tanggal")
                ),
                "pagu": self.value("Revisi", row, self._col("Rev_Pagu"), normalize.parse_money, ("revisi", n, "pagu")),
                "alasan": self.value("Revisi", row, self._col("Rev_Alasan"), _parse_text, ("revisi", n, "alasan")),
                "otoritas": self.value(
                    "Revisi", row, self._col("Rev_Otoritas"), _parse_text, ("revisi", n, "otoritas")
                ),
            }
            self.data.filling.revisions.append({k: v for k, v in info.items()})
        revisions = self.data.filling.revisions  # up to the last row with anything typed in
        while revisions and blank_revision(revisions[-1]):
            revisions.pop()

    def _rencana(self) -> None:
        d, fill = self.data.definition, self.data.filling
        first = self.names["RA_ID"].row1
        plans = [(ind, n) for ind in d.indikator for n, _ in enumerate(rencana_rows(d, ind.id))]
        month_cols = [self._col(f"RA_Bulan_{m}") for m in range(1, 13)]
        table = self.table(
            "Rencana Aksi",
            "marks",
            lambda: (
                [(first + i, col) for i in range(len(plans)) for col in month_cols],
                [("rencana", ind.id, n, f"bulan{m}") for ind, n in plans for m in range(1, 13)],
            ),
        )
        marks = self.values("Rencana Aksi", table, _parse_mark)
        kegiatan, biaya, pelaksana = (
            self.values(
                "Rencana Aksi",
                self.table(
                    "Rencana Aksi",
                    name,
                    lambda name=name: (
                        [(first + i, self._col(f"RA_{name}")) for i in range(len(plans))],
                        [("rencana", ind.id, n, name.lower()) for ind, n in plans],
                    ),
                ),
                parse,
            )
            for name, parse in (("Kegiatan", _parse_text), ("Biaya", normalize.parse_money), ("Pelaksana", _parse_text))
        )
        fill.rencana_aksi.update((ind.id, []) for ind in d.indikator)
        for i, (ind, _) in enumerate(plans):
            months = frozenset(m for m in range(1, 13) if marks[i * 12 + m - 1])
            fill.rencana_aksi[ind.id].append(
                RencanaAksi(ind.id, kegiatan[i] or "", months, biaya[i], pelaksana[i] or "")
            )

    def _pk(self) -> None:
        pk = self.data.filling.pk
        for key, name, parse in (
            ("tempat", "PK_Tempat", _parse_text),
            ("tanggal", "PK_Tanggal", normalize.parse_date_id),
            ("nama_pertama", "PK_Nama_Pertama", _parse_text),
            ("nip_pertama", "PK_NIP_Pertama", normalize.parse_nip),
            ("nama_kedua", "PK_Nama_Kedua", _parse_text),
            ("nip_kedua", "PK_NIP_Kedua", normalize.parse_nip),
        ):
            if name in self.names:
                rng = self.names[name]
                value = self.value("PK", rng.row1, rng.col1, parse, ("pk", key, 0))
                if value is not None:
                    pk[key] = value


_PARSED: dict[tuple, normalize.Parsed] = {}


def _parsed(parse, raw, kw: dict) -> normalize.Parsed:
    """`parse(raw, **kw)`, remembered: workbooks repeat their values (marks, grades, `-`, common
    percentages), and a Parsed is immutable. The key holds the value's type (1.0, 1 and True are
    equal keys otherwise); a float zero is never remembered, as -0.0 equals 0.0."""
    if raw == 0 and type(raw) is float:
        return parse(raw, **kw)
    key = (parse, type(raw), raw, *kw.items())
    found = _PARSED.get(key)
    if found is None:
        if len(_PARSED) > 4096:
            _PARSED.clear()
        found = _PARSED[key] = parse(raw, **kw)
    return found


def _parse_text(value) -> normalize.Parsed:
    text = normalize.clean_text(xlsxread.cell_text(value), homoglyphs=False) if value is not None else ""
    return normalize.Parsed(value=text or None, missing=not text)


def _plain_texts(cells: list) -> list[str | None]:
    """What `value` reads with `_parse_text` from each cell holding text and no formula, when that
    is not blank; None for the others, which `value` reads."""
    return [
        _parse_text(cell.value).value if cell is not None and type(cell.value) is str and cell.formula is None else None
        for cell in cells
    ]


def _parse_mark(value) -> normalize.Parsed:
    text = normalize.clean_text(xlsxread.cell_text(value)) if value is not None else ""
    if not text:
        return normalize.Parsed(missing=True)
    if text in (MONTH_MARK, "v", "V", "x", "X", "1", "√", "✔", "ya", "Ya"):
        return normalize.Parsed(value=True, notes=() if text == MONTH_MARK else ("MARK_ALIAS",))
    return normalize.Parsed(error="MONTH_MARK", reading=f"'{text}' bukan {MONTH_MARK}")


def show(value) -> str:
    if value is None:
        return "kosong"
    return str(value)


def _excel_date(serial: float):
    """A date- or time-formatted cell's serial number as what it shows (1900 system).

    Excel counts a fictitious 29 Feb 1900 (serial 60), so serials before it are one day
    later than the plain count; a serial below 1 is a time of day, never an amount.
    """
    from datetime import date, datetime, time, timedelta

    if 0 <= serial < 1:
        seconds = round(serial * 86400)
        return time(min(seconds // 3600, 23), seconds // 60 % 60, seconds % 60)
    if not 1 <= serial < 2958466 or int(serial) == 60:
        return serial
    day = date(1899, 12, 31 if serial < 60 else 30) + timedelta(days=int(serial))
    fraction = serial - int(serial)
    if fraction:
        return datetime.combine(day, time()) + timedelta(seconds=round(fraction * 86400))
    return day
