"""Build an lkjxl workbook (template or filled) for one satker or one subbagian.

The workbook contract (docs/templates.md): metadata in custom properties and a
very-hidden sheet, a defined name for every input region and key output, input
cells unlocked and coloured, live formulas with cached values, hidden lists
behind names, print setup, and byte-identical output for identical input.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from . import __version__, defdump, outfile
from .book import Book, Sheet
from .layout import (
    AUTHORITIES,
    HEADER_ROW,
    MONTH_MARK,
    POLARITY_LABELS,
    SHEET_LISTS,
    SHEET_META,
    Columns,
)
from .model import AKIP_GRADES, BPK_OPINIONS, JENIS_BELANJA, Definition, Filling, Satker, Unit

TEMPLATE_GENERATOR = "lkjxl"


# Workbooks are built once per definition and unit with these tokens in place of the
# satker's identity, then stamped per satker: identical structure, a fraction of the cost.
IDENTITY_TOKENS = {"code": "⟦kode⟧", "name": "⟦nama⟧", "level": "⟦tingkat⟧", "parent": "⟦induk⟧", "city": "⟦kota⟧"}
_STAMPED_PARTS = ("xl/sharedStrings.xml", "docProps/custom.xml", "docProps/core.xml")


@dataclass
class Context:
    """What every sheet builder needs: the definition, who the workbook is for, the data."""

    definition: Definition
    unit: Unit | None
    filling: Filling
    book: Book
    identity: dict[str, str]

    def editable(self, owner: str) -> bool:
        """A subbagian's workbook lets it edit only the rows it owns."""
        return self.unit is None or owner == self.unit.code

    @property
    def subtitle(self) -> str:
        unit = f" — {self.unit.name}" if self.unit else ""
        return f"{self.identity['name']}{unit} — Tahun {self.definition.year}"


def build(
    definition: Definition, unit: Unit | None = None, filling: Filling | None = None, *, meta: bool = True
) -> Book:
    """The in-memory workbook with identity tokens; `filling` puts operator values into input cells.

    `meta=False` leaves out the _Meta sheet (and its fingerprint), which readers do not need.
    """
    from . import sheets_anggaran, sheets_info, sheets_kinerja

    book = Book(created=datetime(definition.year, 1, 1))
    ctx = Context(definition, unit, filling or Filling(), book, dict(IDENTITY_TOKENS))
    sheets_info.petunjuk(ctx)
    book.sheet("PK")
    book.sheet("Rencana Aksi")
    book.sheet("Realisasi")
    book.sheet("Anggaran")
    if definition.revision_slots:
        book.sheet("Revisi")
    book.sheet("Ringkasan")
    _lists(ctx)
    sheets_anggaran.anggaran(ctx)
    if definition.revision_slots:
        sheets_anggaran.revisi(ctx)
    sheets_kinerja.realisasi(ctx)
    sheets_kinerja.rencana_aksi(ctx)
    sheets_kinerja.pk(ctx)
    sheets_kinerja.ringkasan(ctx)
    if meta:
        _meta(ctx)
    return book


@dataclass(frozen=True)
class Rendered:
    """A workbook rendered with identity tokens: the untouched parts as a finished zip,
    and the parts that carry the identity as text, to be stamped per satker."""

    base: bytes
    stamped: tuple[tuple[zipfile.ZipInfo, str], ...]


def render(definition: Definition, unit: Unit | None = None, filling: Filling | None = None) -> Rendered:
    """Build and write the workbook once; `stamp` then makes each satker's file from it."""
    buffer = io.BytesIO()
    build(definition, unit, filling).save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    base = io.BytesIO()
    stamped = []
    with zipfile.ZipFile(base, "w") as target:
        for info in source.infolist():
            if info.filename in _STAMPED_PARTS:
                stamped.append((info, source.read(info).decode("utf-8")))
            else:
                target.writestr(info, source.read(info))
    return Rendered(base.getvalue(), tuple(stamped))


def stamp(rendered: Rendered, satker: Satker) -> bytes:
    """Put a satker's identity into a rendered workbook: only the identity parts are compressed again."""
    values = {
        "code": satker.code,
        "name": satker.name,
        "level": satker.level.value,
        "parent": satker.parent or "",
        "city": satker.city,
    }
    out = io.BytesIO(rendered.base)
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a") as target:
        for info, text in rendered.stamped:
            for key, token in IDENTITY_TOKENS.items():
                text = text.replace(token, escape(values[key], quote=False))
            target.writestr(info, text.encode("utf-8"))
    return out.getvalue()


def write(
    definition: Definition, satker: Satker, path: Path, unit: Unit | None = None, filling: Filling | None = None
) -> Path:
    """Build and save one workbook; returns the path written."""
    return save_bytes(stamp(render(definition, unit, filling), satker), path)


def save_bytes(data: bytes, path: Path) -> Path:
    """Write atomically: a temporary file renamed into place, never a half-written workbook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with outfile.replacing(path) as out:
        out.write(data)
    return path


def file_name(definition: Definition, satker: Satker, unit: Unit | None = None) -> str:
    unit_part = f"_{unit.code}" if unit else ""
    return f"{definition.template.id}_{definition.year}_{satker.code}{unit_part}.xlsx"


def table_header(ctx: Context, sheet: Sheet, title: str, cols: Columns) -> None:
    """Title rows, the header row, widths, frozen panes and print titles of a table sheet."""
    sheet.put(0, 0, title, "title")
    sheet.put(1, 0, ctx.subtitle, "subtitle")
    sheet.put(2, 0, "Sel berwarna kuning diisi; sel lain dihitung otomatis atau dikunci.", "note")
    for n, col in enumerate(cols):
        sheet.put(HEADER_ROW, n, col.label, "header")
        sheet.widths[n] = col.width
    sheet.freeze = (HEADER_ROW + 1, 0)
    sheet.repeat_rows = (HEADER_ROW, HEADER_ROW)


LIST_NAMES = {
    "Daftar_Polaritas": tuple(POLARITY_LABELS.values()),
    "Daftar_AKIP": AKIP_GRADES,
    "Daftar_BPK": BPK_OPINIONS,
    "Daftar_Tanda": (MONTH_MARK,),
    "Daftar_Otoritas": AUTHORITIES,
    "Daftar_Jenis": tuple(JENIS_BELANJA),
}


def _lists(ctx: Context) -> None:
    """Drop-down sources on a hidden sheet behind names (Excel caps literal lists at 255 chars)."""
    sheet = ctx.book.sheet(SHEET_LISTS)
    sheet.visibility = "hidden"
    lists = {**LIST_NAMES, "Daftar_Unit": tuple(u.code for u in ctx.definition.units)}
    for col, (name, items) in enumerate(lists.items()):
        sheet.put(0, col, name, "header")
        sheet.widths[col] = 16
        for row, item in enumerate(items, start=1):
            sheet.put(row, col, item)
        ctx.book.name(name, SHEET_LISTS, 1, col, len(items), col)


def list_names(ctx: Context) -> dict[str, object]:
    """Ranges of the ordinal scales, keyed by indicator kind."""
    return {"grade_akip": ctx.book.names["Daftar_AKIP"], "opinion_bpk": ctx.book.names["Daftar_BPK"]}


def metadata(ctx: Context) -> dict[str, str | int]:
    d, s = ctx.definition, ctx.identity
    return {
        "lkjxl_template_id": d.template.id,
        "lkjxl_template_version": d.template.version,
        "lkjxl_satker_code": s["code"],
        "lkjxl_satker_name": s["name"],
        "lkjxl_satker_level": s["level"],
        "lkjxl_satker_parent": s["parent"],
        "lkjxl_subbagian": ctx.unit.code if ctx.unit else "",
        "lkjxl_year": d.year,
        "lkjxl_period": d.period.value,
        "lkjxl_generator": TEMPLATE_GENERATOR,
        "lkjxl_generator_version": __version__,
    }


DEFINITION_CHUNK = 30_000  # below Excel's 32,767 characters per cell


def _meta(ctx: Context) -> None:
    """Identity twice: custom properties for quick reads, a very-hidden sheet for survival.

    The sheet also embeds the definition itself, so any reader can re-derive the
    exact expected workbook from the file alone.
    """
    book = ctx.book
    text = defdump.dump(ctx.definition)
    meta = metadata(ctx)
    meta["lkjxl_definition_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    meta["lkjxl_fingerprint"] = book.fingerprint(skip=SHEET_META)
    book.properties = dict(meta)
    book.title = f"{ctx.definition.title} {ctx.subtitle}"
    sheet = book.sheet(SHEET_META)
    sheet.visibility = "very_hidden"
    sheet.widths = {0: 28, 1: 70}
    rows = [*meta.items()]
    rows += [
        (f"{DEFINITION_KEY}{n + 1}", text[i : i + DEFINITION_CHUNK])
        for n, i in enumerate(range(0, len(text), DEFINITION_CHUNK))
    ]
    for row, (key, value) in enumerate(rows):
        sheet.put(row, 0, key)
        sheet.put(row, 1, str(value))


DEFINITION_KEY = "lkjxl_definition_part_"


def write_all(definition: Definition, outdir: Path, *, units: bool = True, progress=None) -> list[Path]:
    """Every satker of the definition's level, and each of its subbagian: rendered once, stamped per satker."""
    satkers = [s for s in definition.satker if s.level is definition.level]
    variants: list[Unit | None] = [None, *(definition.units if units else ())]
    total = len(satkers) * len(variants)
    written: list[Path] = []
    for unit in variants:
        rendered = render(definition, unit)
        for satker in satkers:
            written.append(save_bytes(stamp(rendered, satker), outdir / file_name(definition, satker, unit)))
            if progress:
                progress(len(written), total, written[-1].name)
    return written
