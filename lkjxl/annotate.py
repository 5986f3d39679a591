"""An annotated copy of the operator's workbook: each finding on its cell, and a Temuan sheet.

This is the one place lkjxl round-trips an operator's file through openpyxl (which
drops cached values): the copy is for reading the findings in place, never for
further processing, and it is written to a new file; the input is never touched.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import outfile
from .findings import ERROR, WARNING, Finding

FILLS = {ERROR: "FFC7CE", WARNING: "FFEB9C", "info": "DDEBF7"}
SHEET = "Temuan"


def _anchor(ws, cell: str):
    """The cell that can carry the note: a cell inside a merged range gives way to its top-left."""
    from openpyxl.cell.cell import MergedCell

    target = ws[cell]
    if isinstance(target, MergedCell):
        for rng in ws.merged_cells.ranges:
            if target.coordinate in rng:
                return ws.cell(rng.min_row, rng.min_col)
    return target


def annotate(source: Path, found: list[Finding], target: Path) -> Path:
    """Write `target`: a copy of `source` with highlighted cells, comments and a Temuan sheet."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    try:
        wb = openpyxl.load_workbook(source)
    except Exception:  # noqa: BLE001 - a file openpyxl cannot open still gets its findings listed
        wb = openpyxl.Workbook()
        wb.active.title = "Catatan"
        wb.active["A1"] = f"Salinan {source.name} tidak dapat dibuat; temuan tercantum di sheet {SHEET}."
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in found:
        if f.sheet in wb.sheetnames and f.cell:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    for (sheet, cell), items in by_cell.items():
        worst = min(items, key=lambda f: {ERROR: 0, WARNING: 1}.get(f.severity, 2))
        ws = wb[sheet]
        try:
            target_cell = _anchor(ws, cell)
        except (ValueError, KeyError, IndexError):
            continue
        target_cell.fill = PatternFill("solid", fgColor=FILLS[worst.severity])
        text = "\n".join(f"[{f.code}] {f.message}\n→ {f.fix}" for f in items)
        target_cell.comment = Comment(text[:2000], "lkjxl", width=320, height=160)
    if SHEET in wb.sheetnames:
        del wb[SHEET]
    ws = wb.create_sheet(SHEET, 0)
    ws.append(["Tingkat", "Kode", "Sheet", "Sel", "Nilai", "Pesan", "Perbaikan"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row, f in enumerate(found, start=2):
        for col, text in enumerate((f.severity, f.code, f.sheet, f.cell, f.value, f.message, f.fix), start=1):
            cell = ws.cell(row, col)
            cell.value = text
            cell.data_type = "s"  # operator text is never a formula, even when it starts with '='
        if f.sheet in wb.sheetnames and f.cell:
            link = ws.cell(row, 4)
            link.hyperlink = f"#'{f.sheet}'!{f.cell}"
            link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCDEFG", (9, 20, 14, 8, 24, 70, 50), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    wb.active = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with outfile.replacing(target) as out:
        wb.save(out)
    return target


def annotate_many(jobs: list[tuple[Path, list[Finding], Path]], workers: int | None = None) -> list[str | None]:
    """`annotate` for each (source, findings, target), in `workers` processes (default: up to 2) when
    there are several: a copy costs ≈0.6–0.9 s of openpyxl, twenty times the reading of its file.
    Per job, None when the copy was written, else the name of the error that stopped it: a copy
    that cannot be made never stops a check."""
    from .reader import worker_count

    workers = worker_count(workers)
    if workers <= 1 or len(jobs) < 2:
        return [_annotated(job) for job in jobs]
    with ProcessPoolExecutor(min(workers, len(jobs))) as pool:
        return list(pool.map(_annotated, jobs))


def _annotated(job: tuple[Path, list[Finding], Path]) -> str | None:
    try:
        annotate(*job)
    except Exception as exc:  # noqa: BLE001 - reported by the caller as a warning
        return exc.__class__.__name__
    return None
