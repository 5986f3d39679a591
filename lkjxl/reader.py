"""Read a filled workbook back: identify → locate → extract and normalise → check.

The workbook embeds the definition it came from, so the reader re-derives the exact
expected workbook, finds each expected cell in the file (by key, not position,
`locate`), reads every input with the normaliser (`inputs`), recomputes the template's
formulas from those inputs with the recalculation engine, a batch of workbooks at a
time (`recompute`), and checks formulas, cached values and locked cells (`integrity`).
The result is typed data plus findings; the input file is only ever opened for reading.
"""

from __future__ import annotations

import gc
import hashlib
import os
import zipfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from xml.etree.ElementTree import ParseError

from . import checks, definition, findings, integrity, template, xlsxread
from .book import Book
from .inputs import Addresses, Inputs
from .layout import FIRST_ROW, SHEET_META
from .locate import SheetMap, map_sheet
from .model import Definition, Filling, Unit, ValueKind
from .recompute import TemplateModel
from .sheets_kinerja import rencana_rows

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
    cells: Mapping[tuple, str] = field(default_factory=Addresses)  # (kind, key, field) → "Sheet!A1"
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
        with _collector_paused():
            out += _batch(paths[start : start + BATCH], start, registry, recompute, progress)
    return out


def worker_count(workers: int | None) -> int:
    """The processes `check` and `consolidate` spread a set over: `workers` when given, else up to
    2 (the documented `--workers` default), one policy for reading and annotating alike."""
    return workers or min(2, os.cpu_count() or 1)


def findings_many(
    paths: list[Path], registry: Registry | None = None, *, workers: int | None = None, progress=None
) -> list[list[findings.Finding]]:
    """What `check` keeps of each workbook, its findings; `read_many` in `workers` processes
    (default: up to 2, as a consolidation) when there are two batches or more, so a national
    set uses both cores. Workers take a batch at a time, so a slow file or a busy core holds
    up one batch, not half the set. The findings are the same for any number of workers;
    `progress(n, path)` is called as each batch comes back."""
    workers = worker_count(workers)
    batches = _batches(paths, workers)
    if workers <= 1 or len(batches) < 2:
        return [data.findings for data in read_many(paths, registry, progress=progress)]
    out: list[list[findings.Finding]] = []
    with ProcessPoolExecutor(min(workers, len(batches))) as pool:
        for batch, found in zip(batches, pool.map(_findings_of, batches, repeat(registry)), strict=True):
            for path, each in zip(batch, found, strict=True):
                out.append(each)
                if progress:
                    progress(len(out), Path(path))
    return out


def _batches(paths: list[Path], workers: int) -> list[list[Path]]:
    """The set cut for `workers` processes: BATCH workbooks at a time, then ever smaller batches
    (down to 4) for the last 2 × workers × BATCH, so that the workers finish nearly together. With
    equal batches, a worker given the last one while the other had just finished kept one core
    idle for up to a whole batch (≈1.2 s of a national check)."""
    out, start = [], 0
    while start < len(paths):
        size = min(BATCH, max(4, -(-(len(paths) - start) // (2 * workers))))
        out.append(paths[start : start + size])
        start += size
    return out


def _findings_of(paths: list[Path], registry: Registry | None) -> list[list[findings.Finding]]:
    return [data.findings for data in read_many(paths, registry)]


def _batch(paths: list[Path], start: int, registry: Registry | None, recompute: bool, progress) -> list[WorkbookData]:
    pending = []
    for n, path in enumerate(paths, start=start + 1):
        if progress:
            progress(n, Path(path))
        pending.append(_begin(Path(path), registry))
    waiting = [p for p in pending if p.inputs is not None]
    excel = _recompute(waiting) if recompute else {}
    for p in waiting:
        _finish(p, excel.get(id(p)))
    return [p.data for p in pending]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection while a batch is read.

    Reading allocates ≈10^5 objects per workbook and reference counting frees them: 280
    workbooks read with the collector off left no cyclic garbage (measured). Left on, the
    collector traversed the growing results again and again — ≈4 ms per workbook, a tenth of
    a national check. Once it is back on, its next young collection looks at the batch's
    results once (the batch's working state is gone by then), and would clear any cycle a
    batch made.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class _Pending:
    """A workbook read up to its inputs, waiting for the batch's recomputation."""

    data: WorkbookData
    raw: xlsxread.RawBook | None = None
    expected: Expected | None = None
    maps: dict[str, SheetMap] = field(default_factory=dict)
    inputs: Inputs | None = None


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
    inputs = Inputs(raw, expected.book, maps, data)
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
        views = [(p.inputs.settled, {**p.inputs.loose, **p.inputs.as_typed}) for p in members]
        for p, values in zip(members, _model(d, unit).evaluate(views), strict=True):
            out[id(p)] = values
    return out


def _finish(p: _Pending, excel: dict | None) -> None:
    views = integrity.Views(p.expected.book, p.inputs.inputs, p.inputs.as_typed, excel) if excel is not None else None
    p.data.recomputed = excel or {}
    integrity.check(p.raw, p.expected, p.maps, p.data, views)
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
        raw = xlsxread.load(path, inspected=inspection)
    except (xlsxread.UnreadableWorkbook, zipfile.BadZipFile, KeyError, ParseError, ValueError, EOFError) as exc:
        data.findings.append(
            findings.make(
                "UNUSABLE_FILE",
                file=data.file,
                reason=f"berkas rusak: {exc}"  # its messages say which part, in Indonesian
                if isinstance(exc, xlsxread.UnreadableWorkbook)
                else f"berkas rusak ({exc.__class__.__name__})",
                hint="simpan ulang dari Excel sebagai .xlsx",
            )
        )
        return None
    for sheet in raw.sheets.values():
        for cell, merged, value in sheet.hidden:
            data.findings.append(
                findings.make("MERGED_HIDDEN", file=data.file, sheet=sheet.name, cell=cell, value=value, range=merged)
            )
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
    text = "".join(parts)
    key = "lkjxl_definition_sha256"  # in _Meta and as a document property: emptying one is not enough
    stated = {v.strip().lower() for v in (data.meta.get(key, ""), raw.properties.get(key, ""))} - {""}
    if stated and hashlib.sha256(text.encode("utf-8")).hexdigest() not in stated:
        # The workbook is read by this definition: an edited one changes targets, polarity or
        # the capaian rules with nothing on the sheets to show it.
        data.findings.append(findings.make("DEFINITION_CHANGED", file=data.file))
        return None
    try:
        return _parse_embedded(text)
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
    arrays: dict[str, integrity.Checks]  # the same, as arrays: most are settled at once


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
    return Expected(book, formulas, checks, {name: integrity.Checks.of(name, rows) for name, rows in checks.items()})


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


def _has_token(value) -> bool:
    return isinstance(value, str) and "⟦" in value


__all__ = ["read", "Registry", "WorkbookData", "FIRST_ROW", "ValueKind"]
