"""Read a consolidated workbook's Data sheets back into tidy rows (province → nation).

The Data sheets can hold a whole province's detail, so they are read with
python-calamine (values only, about 1 M cells/s) by their header row, which names
the columns exactly as `frames` does.
"""

from __future__ import annotations

from pathlib import Path

from . import frames, safety
from .report_xlsx import S_DAGR, S_DATA, S_REV
from .xlsxread import cell_text

INT_COLUMNS = {
    "pagu_awal",
    "pagu_akhir",
    "realisasi",
    "pagu",
    "versi",
    "tahun",
    "revisi",
    *(f"bulan_{m}" for m in range(1, 13)),
}


class ConsolidatedFrames(frames.Frames):
    """Frames read from a consolidated workbook, with the file's hash for provenance."""

    sha256: str = ""


def _rows(book, sheet: str, columns: list[str]) -> list[dict]:
    if sheet not in book.sheet_names:
        return []
    values = book.get_sheet_by_name(sheet).to_python()
    header_at = next((n for n, row in enumerate(values[:10]) if row and row[0] == columns[0]), None)
    if header_at is None:
        return []
    header = [str(h) for h in values[header_at]]
    out = []
    for row in values[header_at + 1 :]:
        record = {}
        for key, value in zip(header, row, strict=False):
            if key not in columns:
                continue
            if value == "":
                value = None
            elif key in INT_COLUMNS and isinstance(value, float) and value.is_integer():
                value = int(value)
            record[key] = value
        if record.get("satker") not in (None, ""):
            record["satker"] = cell_text(record["satker"])
            if "induk" in record:
                record["induk"] = cell_text(record["induk"])
            out.append(record)
    return out


def read_consolidated(path: Path) -> ConsolidatedFrames:
    from python_calamine import CalamineWorkbook

    from .reader import sha256_of

    safety.inspect(path)
    book = CalamineWorkbook.from_path(str(path))
    rev_columns = frames.REV_COLUMNS
    result = ConsolidatedFrames(
        _rows(book, S_DATA, frames.IND_COLUMNS),
        _rows(book, S_DAGR, frames.AGR_COLUMNS),
        _rows(book, S_REV, rev_columns),
        [],
    )
    for row in result.anggaran:
        row["placeholder"] = row.get("placeholder") == "ya"
        row["jenis_belanja"] = cell_text(row.get("jenis_belanja"))
    result.sha256 = sha256_of(path)
    return result
