"""Read a filled workbook back: identify → locate → extract and normalise → check.

The workbook embeds the definition it came from, so the reader re-derives the exact
expected workbook, finds each expected cell in the file (by key, not position),
reads every input with the normaliser, compares every formula with the template's,
and recomputes every formula from the inputs read. The result is typed data plus
findings; the input file is only ever opened for reading.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np

from . import checks, definition, findings, normalize, template, xlsxread
from .book import Book
from .layout import FIRST_ROW, MONTH_MARK, SHEET_META
from .locate import SheetMap, a1, map_sheet
from .model import Definition, Filling, RencanaAksi, Unit, ValueKind
from .recompute import TemplateModel
from .sheets_kinerja import rencana_rows
from .structure import structure_from_raw

META_KEYS = (
    "lkjxl_template_id",
    "lkjxl_template_version",
    "lkjxl_satker_code",
    "lkjxl_satker_name",
    "lkjxl_satker_level",
    "lkjxl_satker_parent",
    "lkjxl_subbagian",
    "lkjxl_year",
    "lkjxl_fingerprint",
    "lkjxl_definition_sha256",
)


@dataclass
class WorkbookData:
    """Everything read from one file: identity, the operator's inputs, where each came from, findings."""

    file: str
    sha256: str
    meta: dict[str, str] = field(default_factory=dict)
    definition: Definition | None = None
    unit: Unit | None = None
    filling: Filling = field(default_factory=Filling)
    cells: dict[tuple, str] = field(default_factory=dict)  # (kind, key, field) → "Sheet!A1"
    findings: list[findings.Finding] = field(default_factory=list)
    recomputed: dict[tuple[str, int, int], object] = field(default_factory=dict)  # formula cell → as Excel computes it

    @property
    def usable(self) -> bool:
        return self.definition is not None

    @property
    def satker_code(self) -> str:
        return self.meta.get("lkjxl_satker_code", "")


class Registry:
    """The definitions a consolidating office accepts, by (template id, version)."""

    def __init__(self, definitions: list[Definition]):
        self.by_key = {(d.template.id, d.template.version): d for d in definitions}

    def allowed(self, template_id: str) -> list[int]:
        return sorted(v for (i, v) in self.by_key if i == template_id)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read(path: Path, registry: Registry | None = None, *, recompute: bool = True) -> WorkbookData:
    """Read one workbook; never raises for anything inside the file.

    `recompute=False` skips recomputing every formula from the inputs read (and so the
    stale-cache check and the recomputed value in FORMULA_OVERWRITTEN messages): the
    consolidation path, whose figures come from the exact rules engine instead.
    """
    return read_many([path], registry, recompute=recompute)[0]


BATCH = 32  # workbooks whose formulas are recomputed together; each holds its cells until then


def read_many(
    paths: list[Path], registry: Registry | None = None, *, recompute: bool = True, progress=None
) -> list[WorkbookData]:
    """`read` for many workbooks: those of one template are recomputed together, formula shape
    by formula shape, a batch at a time (a few ms per workbook instead of tens).
    `progress(n, path)` is called as the n-th file (from 1) is read."""
    out: list[WorkbookData] = []
    for start in range(0, len(paths), BATCH):
        pending = []
        for n, path in enumerate(paths[start : start + BATCH], start=start + 1):
            if progress:
                progress(n, Path(path))
            pending.append(_begin(Path(path), registry))
        waiting = [p for p in pending if p.inputs is not None]
        excel = _recompute(waiting) if recompute else {}
        for p in waiting:
            _finish(p, excel.get(id(p)))
        out += [p.data for p in pending]
    return out


@dataclass
class _Pending:
    """A workbook read up to its inputs, waiting for the batch's recomputation."""

    data: WorkbookData
    raw: xlsxread.RawBook | None = None
    expected: Expected | None = None
    maps: dict[str, SheetMap] = field(default_factory=dict)
    inputs: _Inputs | None = None


def _begin(path: Path, registry: Registry | None) -> _Pending:
    name = str(path)
    try:
        data = WorkbookData(name, sha256_of(path))
    except OSError as exc:
        data = WorkbookData(name, "")
        data.findings.append(
            findings.make(
                "UNUSABLE_FILE",
                file=name,
                reason=f"tidak dapat dibaca: {exc.strerror}",
                hint="periksa nama berkas dan izin akses",
            )
        )
        return _Pending(data)
    raw = _load(path, data)
    if raw is None:
        return _Pending(data)
    data.meta = _meta(raw, data)
    if not data.meta:
        return _Pending(data)
    d = _definition(raw, data, registry)
    if d is None:
        return _Pending(data)
    data.definition = d
    code = data.meta.get("lkjxl_subbagian") or ""
    data.unit = d.unit(code) if code else None
    expected = _expected(d, data.unit)
    maps = {s.name: map_sheet(raw, expected.book, s, data.file, data.findings) for s in expected.book.sheets}
    inputs = _Inputs(raw, expected.book, maps, data)
    inputs.read_all()
    return _Pending(data, raw, expected, maps, inputs)


def _recompute(pending: list[_Pending]) -> dict[int, dict]:
    """As Excel computes each workbook's formulas from its cells (text typed into a number cell
    stays text), all workbooks of one template in one evaluation."""
    by_template: dict[tuple, list[_Pending]] = {}
    for p in pending:
        by_template.setdefault((p.data.definition, p.data.unit), []).append(p)
    out = {}
    for (d, unit), members in by_template.items():
        views = [{**p.inputs.inputs, **p.inputs.as_typed} for p in members]
        for p, values in zip(members, _model(d, unit).evaluate(views), strict=True):
            out[id(p)] = values
    return out


def _finish(p: _Pending, excel: dict | None) -> None:
    views = _Views(p.expected.book, p.inputs.inputs, p.inputs.as_typed, excel) if excel is not None else None
    p.data.recomputed = excel or {}
    _check_structure(p.raw, p.expected, p.maps, p.data, views)
    checks.run(p.data)
    p.raw = None  # the cells are not needed once checked


def _load(path: Path, data: WorkbookData) -> xlsxread.RawBook | None:
    from . import safety

    try:
        inspection = safety.inspect(path)
    except safety.Refusal as refusal:
        data.findings.append(
            findings.make(
                "UNUSABLE_FILE",
                file=data.file,
                reason=refusal.message,
                hint="perbaiki atau simpan ulang berkas seperti dijelaskan, lalu kirim ulang",
            )
        )
        return None
    try:
        raw = xlsxread.load(path, inspected=True)
    except (xlsxread.UnreadableWorkbook, zipfile.BadZipFile, KeyError, ParseError, ValueError, EOFError) as exc:
        data.findings.append(
            findings.make(
                "UNUSABLE_FILE",
                file=data.file,
                reason=f"berkas rusak ({exc.__class__.__name__})",
                hint="simpan ulang dari Excel sebagai .xlsx",
            )
        )
        return None
    links = len(getattr(inspection, "external_links", ())) or raw.external_links
    if links:
        data.findings.append(findings.make("EXTERNAL_LINK", file=data.file, count=links))
    return raw


def _meta(raw: xlsxread.RawBook, data: WorkbookData) -> dict[str, str]:
    sheet = raw.sheets.get(SHEET_META)
    rows = {}
    if sheet is not None:
        for (r, c), cell in sheet.cells.items():
            if c == 0 and isinstance(cell.value, str):
                value = sheet.cells.get((r, 1))
                rows[cell.value] = xlsxread.cell_text(value.value if value else None)
    props = {k: v for k, v in raw.properties.items() if k.startswith("lkjxl_")}
    if props.get("lkjxl_kind") == "konsolidasi":
        data.findings.append(findings.make("CONSOLIDATED_WORKBOOK", file=data.file))
        return {}
    saved = raw.properties.get("modified", "")
    if "lkjxl_template_id" not in rows and "lkjxl_template_id" not in props:
        data.findings.append(findings.make("NOT_LKJXL", file=data.file))
        return {}
    for key in META_KEYS:
        a, b = props.get(key), rows.get(key)
        if a is not None and b is not None and a != b:
            data.findings.append(findings.make("META_MISMATCH", file=data.file, sheet=SHEET_META, key=key, a=a, b=b))
    return {**props, **rows, "modified": saved}


def _definition(raw: xlsxread.RawBook, data: WorkbookData, registry: Registry | None) -> Definition | None:
    sheet = raw.sheets.get(SHEET_META)
    parts = []
    if sheet is not None:
        keyed = {cell.value: sheet.cells.get((r, 1)) for (r, c), cell in sheet.cells.items() if c == 0}
        n = 1
        while (cell := keyed.get(f"{template.DEFINITION_KEY}{n}")) is not None:
            parts.append(xlsxread.cell_text(cell.value))
            n += 1
    tid, version = data.meta.get("lkjxl_template_id", ""), data.meta.get("lkjxl_template_version", "")
    if registry is not None:
        try:
            known = registry.by_key.get((tid, int(version)))
        except ValueError:
            known = None
        if known is None:
            data.findings.append(
                findings.make(
                    "TEMPLATE_VERSION",
                    file=data.file,
                    template=tid,
                    version=version,
                    allowed=", ".join(map(str, registry.allowed(tid))) or "-",
                )
            )
            return None
        return known
    try:
        return _parse_embedded("".join(parts))
    except definition.DefinitionError:
        data.findings.append(findings.make("NOT_LKJXL", file=data.file))
        return None


@lru_cache(maxsize=32)
def _parse_embedded(text: str) -> Definition:
    return definition.loads(text, "_Meta")


@dataclass(frozen=True)
class Expected:
    """What a template of one definition and unit must contain, prepared once per template.

    `checks` lists, per sheet, the cells a returned file is compared on: every formula
    (with its text), and the locked constants of table rows and the cells this unit
    may not fill (with the template's value).
    """

    book: Book
    formulas: dict[tuple[str, int, int], str]
    checks: dict[str, list[tuple[int, int, str | None, object, str]]]  # (row, col, formula, value, owner unit)


@lru_cache(maxsize=64)
def _model(d: Definition, unit: Unit | None) -> TemplateModel:
    return TemplateModel(_expected(d, unit).book)


@lru_cache(maxsize=64)
def _expected(d: Definition, unit: Unit | None) -> Expected:
    from .locate import TABLES

    book = template.build(d, unit, meta=False)
    full = book if unit is None else template.build(d, None, meta=False)
    satker_inputs = {(s.name, r, c) for s in full.sheets for (r, c), cell in s.cells.items() if cell.input}
    owners = _row_owners(d, book)
    formulas, checks = {}, {}
    for sheet in book.sheets:
        rows = checks.setdefault(sheet.name, [])
        for (r, c), cell in sorted(sheet.cells.items()):
            if hasattr(cell.value, "excel"):
                formulas[(sheet.name, r, c)] = text = cell.value.excel(sheet.name)
                rows.append((r, c, text, None, ""))
            elif cell.input:
                continue
            elif unit is not None and (sheet.name, r, c) in satker_inputs:
                rows.append((r, c, None, cell.value, owners.get((sheet.name, r), "unit lain")))
            elif (
                sheet.name in TABLES and r >= FIRST_ROW and cell.value not in (None, "") and not _has_token(cell.value)
            ):
                rows.append((r, c, None, cell.value, ""))
    return Expected(book, formulas, checks)


def _row_owners(d: Definition, book: Book) -> dict[tuple[str, int], str]:
    """Which unit owns each table row, for messages that name it."""
    names = book.names
    owners = {("Realisasi", names["Real_ID"].row1 + n): ind.owner for n, ind in enumerate(d.indikator)}
    row = names["RA_ID"].row1
    for ind in d.indikator:
        for _ in rencana_rows(d, ind.id):
            owners[("Rencana Aksi", row)] = ind.owner
            row += 1
    owners |= {("Anggaran", names["Agr_Kunci"].row1 + n): line.owner for n, line in enumerate(d.budget)}
    if "Rev_No" in names:
        rev = names["Rev_No"]
        owners |= {("Revisi", r): d.budget_owner for r in range(rev.row1, rev.row2 + 1)}
    return owners


class _Views:
    """The template's formulas recomputed two ways. `excel`: as Excel computes them from the file,
    where text typed into a number cell stays text; cached values are checked against it. `read()`:
    from the values lkjxl read, the right value a message shows. They differ only when operators
    typed text, and then `read()` costs a second evaluation, so it is made only when a message
    needs it."""

    def __init__(self, book: Book, inputs: dict, as_typed: dict, excel: dict):
        self.book, self.inputs, self.as_typed, self.excel = book, inputs, as_typed, excel
        self._read = None if as_typed else excel

    def read(self, key: tuple[str, int, int]):
        if self._read is None:
            self._read = self.book.evaluate(self.inputs, self.excel, self.as_typed)
        return self._read.get(key)


class _Inputs:
    """Reads every expected input cell into the Filling, normalised by what the cell holds."""

    def __init__(self, raw: xlsxread.RawBook, expected: Book, maps: dict[str, SheetMap], data: WorkbookData):
        self.raw, self.expected, self.maps, self.data = raw, expected, maps, data
        self.names = expected.names
        self.inputs: dict[tuple[str, int, int], object] = {}  # expected cell → value read
        self.as_typed: dict[tuple[str, int, int], object] = {}  # cells whose text lkjxl had to interpret

    def cell(self, sheet: str, row: int, col: int):
        """(raw cell or None, 'A1' address in the file)."""
        where = self.maps[sheet].where(row, col)
        if where is None:
            return None, ""
        return self.maps[sheet].raw.cells.get(where), a1(*where)

    def value(self, sheet: str, row: int, col: int, parse, what: tuple, **kw):
        cell, addr = self.cell(sheet, row, col)
        key = (sheet, row, col)
        smap = self.maps[sheet]
        sheet = smap.raw.name if smap.raw is not None else sheet  # findings name the sheet as the file has it
        self.data.cells[what] = f"{sheet}!{addr}"
        raw = cell.value if cell is not None else None
        as_typed = raw  # what Excel computes with: a date is its serial number
        if cell is not None and cell.formula is not None:
            self._formula_input(cell, sheet, addr)
        if cell is not None and isinstance(raw, float) and self.raw.style(cell).date:
            raw = _excel_date(raw)
        parsed = parse(raw, **kw) if kw else parse(raw)
        self._report(parsed, raw, sheet, addr)
        value = None if parsed.missing or parsed.error else parsed.value
        self.inputs[key] = MONTH_MARK if value is True else value
        typed_text = isinstance(as_typed, str) and not isinstance(value, str)
        if as_typed not in (None, "") and value is not True and (value is None or typed_text):
            self.as_typed[key] = as_typed  # Excel computes with what was typed, refused or not
        return value

    def values(self, sheet: str, cells: list[tuple[int, int]], parse, whats: list[tuple]) -> list:
        """`value` for many cells of one sheet. Blank cells, and whole amounts typed as numbers
        into money cells, are settled from the sheet's arrays at once; the rest cell by cell."""
        smap = self.maps[sheet]
        plain = smap.raw.plain if smap.raw is not None else None
        if plain is None:
            return [self.value(sheet, r, c, parse, what) for (r, c), what in zip(cells, whats, strict=True)]
        places = [smap.where(r, c) or (-1, -1) for r, c in cells]
        blank, whole, amounts = plain.settle(np.array([p[0] for p in places]), np.array([p[1] for p in places]))
        settled = blank | whole if parse is normalize.parse_money else blank
        out = [a if w else None for a, w in zip(amounts.tolist(), whole.tolist(), strict=True)]
        done = np.flatnonzero(settled).tolist()
        prefix = smap.raw.name + "!"
        self.data.cells.update((whats[n], prefix + a1(*places[n])) for n in done)
        self.inputs.update(((sheet, *cells[n]), out[n]) for n in done)
        for n in np.flatnonzero(~settled).tolist():
            out[n] = self.value(sheet, *cells[n], parse, whats[n])
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
                read="tidak ada (rumus tanpa nilai tersimpan)" if missing else _show(cell.value),
            )
        )

    def _report(self, parsed, raw, sheet: str, addr: str) -> None:
        if not parsed.error and not parsed.notes:
            return
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
        read = _show(parsed.value)
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
        first = self.names["Real_ID"].row1
        for n, ind in enumerate(d.indikator):
            row = first + n
            values = []
            for p in range(1, len(d.period.labels) + 1):
                col = self._col(f"Real_Realisasi_P{p}")
                cell, _ = self.cell("Realisasi", row, col)
                percent = cell is not None and self.raw.style(cell).percent
                values.append(
                    self.value(
                        "Realisasi",
                        row,
                        col,
                        normalize.parse_value,
                        ("realisasi", ind.id, p),
                        kind=ind.kind,
                        satuan=ind.satuan,
                        cell_is_percent_format=percent,
                    )
                )
            if any(v is not None for v in values):
                fill.realisasi[ind.id] = values
            notes = {}
            for key in ("Hambatan", "Solusi", "Bukti"):
                text = self.value("Realisasi", row, self._col(f"Real_{key}"), _parse_text, ("catatan", ind.id, key))
                if text:
                    notes[key.lower()] = text
            if notes:
                fill.notes[ind.id] = notes

    def _anggaran(self) -> None:
        d, fill = self.data.definition, self.data.filling
        first = self.names["Agr_Kunci"].row1
        fields = [("pagu_awal", 0, "Agr_PaguAwal")]
        fields += [("pagu_revisi", k, f"Agr_Revisi_{k}") for k in range(1, d.revision_slots + 1)]
        fields += [("realisasi_bulan", m, f"Agr_Bulan_{m}") for m in range(1, 13)]
        lines = [(first + n, line) for n, line in enumerate(d.budget) if line.is_leaf]
        cells = [(row, self._col(name)) for row, _ in lines for _, _, name in fields]
        whats = [(what, line.key, k) for _, line in lines for what, k, _ in fields]
        read = iter(self.values("Anggaran", cells, normalize.parse_money, whats))
        for _, line in lines:
            awal, *rest = (next(read) for _ in fields)
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
        while self.data.filling.revisions and not any(self.data.filling.revisions[-1].values()):
            self.data.filling.revisions.pop()

    def _rencana(self) -> None:
        d, fill = self.data.definition, self.data.filling
        first = self.names["RA_ID"].row1
        plans = [(ind, n) for ind in d.indikator for n, _ in enumerate(rencana_rows(d, ind.id))]
        month_cols = [self._col(f"RA_Bulan_{m}") for m in range(1, 13)]
        marks = self.values(
            "Rencana Aksi",
            [(first + i, col) for i in range(len(plans)) for col in month_cols],
            _parse_mark,
            [("rencana", ind.id, n, f"bulan{m}") for ind, n in plans for m in range(1, 13)],
        )
        row = first
        for ind in d.indikator:
            rows = []
            for n, _plan in enumerate(rencana_rows(d, ind.id)):
                what = ("rencana", ind.id, n)
                kegiatan = self.value("Rencana Aksi", row, self._col("RA_Kegiatan"), _parse_text, (*what, "kegiatan"))
                months = frozenset(m for m in range(1, 13) if marks[(row - first) * 12 + m - 1])
                biaya = self.value("Rencana Aksi", row, self._col("RA_Biaya"), normalize.parse_money, (*what, "biaya"))
                pelaksana = self.value(
                    "Rencana Aksi", row, self._col("RA_Pelaksana"), _parse_text, (*what, "pelaksana")
                )
                rows.append(RencanaAksi(ind.id, kegiatan or "", months, biaya, pelaksana or ""))
                row += 1
            fill.rencana_aksi[ind.id] = rows

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


def _parse_text(value) -> normalize.Parsed:
    text = normalize.clean_text(xlsxread.cell_text(value), homoglyphs=False) if value is not None else ""
    return normalize.Parsed(value=text or None, missing=not text)


def _parse_mark(value) -> normalize.Parsed:
    text = normalize.clean_text(xlsxread.cell_text(value)) if value is not None else ""
    if not text:
        return normalize.Parsed(missing=True)
    if text in (MONTH_MARK, "v", "V", "x", "X", "1", "√", "✔", "ya", "Ya"):
        return normalize.Parsed(value=True, notes=() if text == MONTH_MARK else ("MARK_ALIAS",))
    return normalize.Parsed(error="MONTH_MARK", reading=f"'{text}' bukan {MONTH_MARK}")


def _show(value) -> str:
    if value is None:
        return "kosong"
    return str(value)


def _check_structure(raw, expected: Expected, maps: dict[str, SheetMap], data: WorkbookData, views) -> None:
    """Formulas intact and their cached values right; locked values unchanged; no values where
    this unit may not write."""
    out = data.findings
    for name, to_check in expected.checks.items():
        smap = maps.get(name)
        if smap is None or smap.raw is None:
            continue
        cells, shown = smap.raw.cells, smap.raw.name  # findings name the sheet as the file has it
        for r, c, formula, value, owner in to_check:
            where = smap.where(r, c)
            if where is None:
                continue
            got = cells.get(where)
            if formula is not None:
                key = (name, r, c)
                _compare_formula(formula, got, key, views, shown, where, data)
            elif not _changed(got, value):
                continue
            elif owner and got is not None:
                out.append(
                    findings.make(
                        "NOT_OWNER",
                        file=data.file,
                        sheet=shown,
                        cell=a1(*where),
                        value=got.value,
                        owner=owner,
                        unit=data.unit.code if data.unit else "",
                    )
                )
            elif r in smap.rows:
                code = "TEXT_CHANGED" if isinstance(value, str) and len(value) > 12 else "CONSTANT_CHANGED"
                out.append(
                    findings.make(
                        code,
                        file=data.file,
                        sheet=shown,
                        cell=a1(*where),
                        value=got.value if got else None,
                        expected=_show(value),
                    )
                )
    for smap in maps.values():
        _inserted_rows(smap, data)
    stored = data.meta.get("lkjxl_fingerprint")
    if stored and structure_from_raw(raw) != stored:
        out.append(findings.make("FINGERPRINT", file=data.file, detail="lihat temuan rumus dan baris di atas"))


def _inserted_rows(smap: SheetMap, data: WorkbookData) -> None:
    """Rows an operator added inside a table: nothing maps them, so their values are reported, never dropped."""
    if smap.raw is None:
        return
    for row in smap.extra_rows:
        values = [
            (c, cell.value)
            for (r, c), cell in sorted(smap.raw.cells.items())
            if r == row and cell.value not in (None, "") and cell.formula is None
        ]
        if values:
            shown = "; ".join(f"{a1(row, c)}={v}" for c, v in values[:6])
            data.findings.append(
                findings.make(
                    "ROW_INSERTED", file=data.file, sheet=smap.raw.name, cell=a1(row, values[0][0]), value=shown
                )
            )


def _compare_formula(formula: str, got, key: tuple[str, int, int], views: _Views | None, sheet, where, data) -> None:
    def report(code: str, value, **params) -> None:
        data.findings.append(findings.make(code, file=data.file, sheet=sheet, cell=a1(*where), value=value, **params))

    def shown() -> str:
        if views is None:
            return "(tidak dihitung ulang)"
        want = views.read(key)
        return _show(want if want != "" else "kosong")

    if got is None or got.formula is None:
        if got is not None and got.value not in (None, ""):
            report("FORMULA_OVERWRITTEN", got.value, expected=shown())
        elif (got is None) if views is None else views.read(key) not in ("", None):
            report("FORMULA_OVERWRITTEN", "kosong", expected=shown())
        return
    if key[1:] != tuple(where):
        formula = _translate(formula, key[1:], where)
    if got.formula != formula and got.formula.replace(" ", "").replace("$", "") != formula.replace("$", ""):
        report("FORMULA_OVERWRITTEN", "=" + got.formula, expected=shown())
        return
    if views is not None and got.value is not None and not _same(got.value, views.excel.get(key)):
        report("CACHE_STALE", got.value, cached=_show(got.value), expected=_show(views.excel.get(key)))


def _translate(formula: str, origin: tuple[int, int], target) -> str:
    from openpyxl.formula.translate import Translator

    return Translator("=" + formula, origin=a1(*origin)).translate_formula(a1(*target))[1:]


def _same(cached, want) -> bool:
    if type(cached) is type(want) and cached == want:
        return True  # the usual case, settled before the general rules
    if want in ("", None) or cached in ("", None):
        return want in ("", None) and cached in ("", None)
    if _is_number(want) and _is_number(cached):
        return abs(want - cached) <= 1e-9 * max(1.0, abs(want))
    return str(cached) == str(want)


def _has_token(value) -> bool:
    return isinstance(value, str) and "⟦" in value


def _changed(got, template_value) -> bool:
    """A value differs from what the template put in a cell this unit may not edit."""
    value = got.value if got is not None else None
    if type(value) is type(template_value) and value == template_value:
        return False
    if value in (None, "") and template_value in (None, ""):
        return False
    if _is_number(value) and _is_number(template_value):
        return abs(float(value) - float(template_value)) > 1e-12 * max(1.0, abs(float(template_value)))
    if _is_number(template_value) and not _is_number(value):
        return True
    return str(value).strip() != str(template_value if template_value is not None else "").strip()


def _is_number(x) -> bool:
    return isinstance(x, int | float | Decimal) and not isinstance(x, bool)


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


__all__ = ["read", "Registry", "WorkbookData", "FIRST_ROW", "ValueKind"]
