"""Fuzz the reader: filled workbooks mutated structurally and cell by cell, then read and consolidated.

Each case takes one workbook of a small pool (satker and subbagian, different fillings),
applies 1–3 mutations from `MUTATIONS` (sheets renamed, deleted or shuffled, rows inserted
or deleted, merged ranges, broken or moved defined names, _Meta and custom properties
edited, values of every type in input, formula and locked cells, raw XML cell types, rich
text appended to the shared strings, zip
members dropped or garbled, truncated files) and runs `reader.read` on it; every 20th case
also annotates it as `lkjxl check --annotate` does, and every 50 cases `consolidate.collect`
and `report_xlsx.write` run on the last 10 mutated files. Each case runs in a fork of a worker
that holds the pool already loaded, so openpyxl never loads the same workbook twice.

Two things are counted, and both must stay at zero:

- exceptions escaping lkjxl (the fuzzer's own failures to build a case are counted apart);
- silent misreads: an input field (realisasi, pagu, monthly realisasi, revision date and
  pagu, rencana biaya, PK date and NIP) whose value read differs from what `normalize`
  parses from the cell as Excel shows it, with no finding at that cell (`check_field`).
  Every field of every case is checked, where it was in the template and where the
  mutations moved it, not only the cells a mutation wrote.

Run: `python bench/fuzz.py --cases 10000 --seed 1 --workers 2 --keep fuzz-failures/`;
replay one case with `--case N` (same seed). Prints one table; figures go in the issue note.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import math
import multiprocessing
import os
import pickle
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.defined_name import DefinedName

warnings.filterwarnings("ignore", module="openpyxl")  # dates out of range, unknown extensions: expected here
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a script run from a checkout, whether lkjxl is installed or not

from lkjxl import consolidate, definition, normalize, reader, report_xlsx, synthetic, template  # noqa: E402
from lkjxl.annotate import annotate  # noqa: E402

DEF = definition.load(ROOT / "workbook_templates" / "kabkota-2024.yaml")
SATKER = DEF.find_satker("1971")

# name, filling seed, subbagian, share of cells left blank
POOL = (
    ("satker-1", 1, None, 0.0),
    ("satker-2", 2, None, 0.3),
    ("satker-3", 3, None, 0.0),
    ("kul-4", 4, "KUL", 0.0),
    ("pdi-5", 5, "PDI", 0.2),
)
TABLE_SHEETS = ("Realisasi", "Anggaran", "Revisi", "Rencana Aksi", "Ringkasan", "PK")
ROW_CODES = {"ROW_INSERTED", "UNKNOWN_ID", "DUPLICATE_ID", "ID_MISSING"}  # reported for a whole row
SHEET_CODES = ROW_CODES | {"SHEET_MISSING"}  # the sheet's layout is reported broken
CONSOLIDATE_EVERY, CONSOLIDATE_FILES, ANNOTATE_EVERY = 50, 10, 20

# --- values an operator (or a script) puts in a cell ---------------------------------------

SAMPLE_TEXTS = (
    "85,5%", "85.5 %", "87,50 %", "99, 19% %", "100%%", "87&", "85", "0,16", "1.234", "1,234", "1.234,5",
    "1,234.5", "8.082", "-", "–", "", " ", "%", "Rp. -", "Rp. 1.234.567,-", "Rp 43.644.000", "43,644,000",
    "Rp. 95.766,000,-", "IDR 5000", "-Rp 5.000", "0,00%", "5 rupiah", "abc", "sudah", "nihil", "N/A", "#N/A",
    "В", "ВВ", "ААА", "WTP", "wdp", "Wajar Tanpa Pengecualian", "B (Baik)", "A (Kurang)", "BB", "Baik",
    "=1+1", "+1", "@SUM(A1)", "-5", "−5", "5-", "(5)", "1e5", "1E+308", "9" * 40, "NaN", "inf", "∞",
    "７ Kecamatan", "7 Kecamatan", "7 orang", "12 Lap", "3 kali", "8.082 orang", "tujuh", "١٢٣", "12\u00a0345",
    "\u200b85", "  85  ", "85\n", "TRUE", "0", "00012", "0x10", "1_000", "½", "²", "05 Agustus 2024",
    "11 Nopember 2023", "30 Februari 2024", "2024-02-30", "24/02/2025", "24-02-2025", "2025-02-24",
    "Banjarbaru, 16 Januari 2025", "30 Desember2024", "31/12/99", "x" * 300,
)  # fmt: skip
UNITS = ("", "%", " %", "%%", " persen", " kali", " orang", " Kecamatan", " laporan", " Lap", ",-", " rupiah")


def clean(text: str) -> str:
    """Text openpyxl can store and XML can carry (no control characters, no lone CR)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text).replace("\r", "").replace("\ufffe", "").replace("\uffff", "")


def formatted_number(rng: random.Random) -> str:
    """A number typed the Indonesian or the English way, with a currency, percent or unit."""
    x = rng.choice((rng.randint(0, 120), rng.randint(0, 10**12), round(rng.uniform(-150, 150), rng.randint(0, 4))))
    text = f"{x:,}"
    if rng.random() < 0.5:
        text = text.translate(str.maketrans(",.", ".,"))
    if rng.random() < 0.3:
        text = text.replace(",", "").replace(".", rng.choice(".,"))
    prefix = rng.choice(("", "", "Rp. ", "Rp", "IDR ", "-"))
    return prefix + text + rng.choice(UNITS)


def random_text(rng: random.Random) -> str:
    alphabet = "0123456789.,%- RpABCDWTPabcВАΟ٠١٢،٫\u00a0\u2212\u2013()+=eE/:'\"\t\n"
    return clean("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))))


def random_value(rng: random.Random):
    """A cell value of any type, weighted toward what operators type."""
    roll = rng.random()
    if roll < 0.30:
        return rng.choice(SAMPLE_TEXTS)
    if roll < 0.45:
        return formatted_number(rng)
    if roll < 0.53:
        return random_text(rng)
    if roll < 0.73:
        return rng.choice(
            (
                rng.randint(-5, 150),
                rng.randint(-(10**18), 10**18),
                rng.uniform(-2, 2),
                rng.uniform(-1e6, 1e12),
                rng.choice((0.0, -0.0, 1e-300, 1e300, 0.1 + 0.2, 2**53 + 1, 10**300, 0.855, 85.5, 12.0)),
            )
        )
    if roll < 0.85:
        day = date(1950, 1, 1) + timedelta(days=rng.randint(0, 55_000))
        return rng.choice(
            (day, datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59)), datetime(2024, 8, 5))
        )
    if roll < 0.89:
        return rng.choice((True, False))
    if roll < 0.91:
        return rng.choice((clock(12, 0), clock(0, 0), clock(6, 30)))
    if roll < 0.92:
        return rng.choice((float("nan"), float("inf"), float("-inf")))
    return None


def put(cell, value) -> bool:
    """Write as a script would; text always stays text. False when the cell is part of a merged range."""
    if isinstance(cell, MergedCell):
        return False
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return True


# --- the oracle: a field read right, or reported ---------------------------------------------

UNKNOWN = object()  # what Excel would show is not known: a formula without its value, a part Excel repairs


class Unverifiable(Exception):
    """What Excel would show in a cell cannot be known here (an unknown formula, an unreadable file)."""


def excel_value(cell, value=None) -> tuple[object, bool]:
    """(value as Excel shows it, whether the cell is %-formatted) for an openpyxl cell, or for
    `value` stored in that cell. A number is the double the file holds (openpyxl writes 16
    significant digits), and a number in a date- or time-formatted cell the date or time shown.
    """
    fmt = getattr(cell, "number_format", "") or ""
    if value is None:
        value = UNKNOWN if cell.data_type == "f" else cell.value
    if value is UNKNOWN or not isinstance(value, str | int | float | date | clock | type(None)):
        raise Unverifiable(repr(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            value = float("%.16g" % value)  # noqa: UP031 - exactly openpyxl's writer
        except OverflowError:
            value = float("inf")
    if isinstance(value, float) and not math.isfinite(value):
        value = None  # openpyxl writes NaN and infinity as an empty <v/>
    if isinstance(value, float) and is_date_format(fmt):
        with contextlib.suppress(ValueError, OverflowError):  # beyond Excel's dates: shown as ####
            value = from_excel(value)
    return value, "%" in fmt


def _parser(d, fld: tuple) -> Callable[[object, bool], normalize.Parsed] | None:
    kind, key, part = fld[0], fld[1], fld[2]
    if kind == "realisasi":
        ind = next((i for i in d.indikator if i.id == key), None)
        if ind is None:
            return None
        return lambda v, pct: normalize.parse_value(v, ind.kind, ind.satuan, cell_is_percent_format=pct)
    if kind in ("pagu_awal", "pagu_revisi", "realisasi_bulan") or (kind, part) == ("revisi", "pagu"):
        return lambda v, pct: normalize.parse_money(v)
    if (kind, fld[-1]) == ("rencana", "biaya"):
        return lambda v, pct: normalize.parse_money(v)
    if (kind, part) == ("revisi", "tanggal") or (kind, key) == ("pk", "tanggal"):
        return lambda v, pct: normalize.parse_date_id(v)
    if kind == "pk" and key.startswith("nip"):
        return lambda v, pct: normalize.parse_nip(v)
    return None


def checked(fld: tuple) -> bool:
    """Whether `check_field` can judge this field (the ones `normalize` parses)."""
    return _parser(DEF, fld) is not None


def field_value(fill, fld: tuple):
    """The value the reader put in the Filling for one (kind, key, part) of `WorkbookData.cells`."""
    kind, key, part = fld[0], fld[1], fld[2]
    if kind in ("realisasi", "pagu_revisi", "realisasi_bulan"):
        values = getattr(fill, kind).get(key) or []
        return values[part - 1] if part <= len(values) else None  # a definition with fewer slots
    if kind == "pagu_awal":
        return fill.pagu_awal.get(key)
    if kind == "revisi":
        return fill.revisions[key - 1].get(part) if key <= len(fill.revisions) else None
    if kind == "rencana":
        rows = fill.rencana_aksi.get(key) or []
        return rows[part].biaya if part < len(rows) else None
    if kind == "pk":
        return fill.pk.get(key)
    raise ValueError(fld)


def split_address(text: str) -> tuple[str, int, int] | None:
    """'Realisasi!J7' → ('Realisasi', 7, 10); None when the reader did not locate the cell."""
    sheet, _, cell = text.rpartition("!")
    if not cell:
        return None
    letters, row = coordinate_from_string(cell)
    return sheet, row, column_index_from_string(letters)


def _a1(place: tuple[str, int, int]) -> str:
    return f"{place[0]}!{get_column_letter(place[2])}{place[1]}"


def _row_of(cell: str) -> int:
    digits = "".join(ch for ch in cell if ch.isdigit())
    return int(digits) if digits else 0


def check_field(data, fld, home: str, tracked, shown, *, exact: bool = False) -> tuple[str, str] | None:
    """None when field `fld` was read as its cell shows it or is reported there; else the misread,
    as (kind, description).

    `home` is the template's sheet of the field; `tracked` (sheet, row, col) where the operator's
    value for it is now (None when a mutation deleted it); `shown(sheet, row, col)` gives
    `excel_value` of a cell or raises Unverifiable. A cell that parses as missing must read
    None (never 0); a refused one must be reported. With `exact`, only a finding at the very
    cell counts; otherwise also one for the whole row (ROW_CODES), and for a value the reader
    looked for elsewhere, one saying the home sheet's layout is broken (SHEET_CODES).
    """
    if not data.usable:
        return None
    got = field_value(data.filling, fld)
    claimed = split_address(data.cells.get(fld, ""))
    parse = _parser(data.definition, fld)

    def reported(*places, layout: bool = False) -> bool:
        for f in data.findings:
            for place in filter(None, places):
                if (f.sheet, f.cell) == (place[0], _a1(place).partition("!")[2]):
                    return True
                if not exact and f.sheet == place[0] and f.code in ROW_CODES and _row_of(f.cell) == place[1]:
                    return True
            if layout and not exact and f.sheet == home and f.code in SHEET_CODES:
                return True
        return False

    if claimed is not None and parse is not None:
        try:
            value, percent = shown(*claimed)
            want = parse(value, percent)
        except Unverifiable:
            want = None
        if want is not None and want.missing and got is not None:
            return "empty read as a value", f"{_a1(claimed)} {value!r} is empty, read as {got!r}"
        if want is not None and want.error and (got is not None or not reported(claimed)):
            return "refusal not reported", f"{_a1(claimed)} {value!r}: {want.error}, read as {got!r}, no finding"
        if want is not None and want.ok and got != want.value and not reported(claimed):
            return "value misread", f"{_a1(claimed)} {value!r} read as {got!r}, normalize: {want.value!r}, no finding"
    elif claimed is None and got is not None:
        return "value from nowhere", f"{got!r} read for a field located nowhere"
    if tracked is not None and tracked != claimed:
        try:
            value, percent = shown(*tracked)
        except Unverifiable:
            return None
        there = parse(value, percent) if parse else normalize.parse_number(value)
        if not there.missing and (there.error or there.value != got) and not reported(tracked, claimed, layout=True):
            where = _a1(claimed) if claimed else "nowhere"
            return "moved value lost", f"{value!r} at {_a1(tracked)} not read (reader used {where}, read {got!r})"
    return None


# --- a case: the pool file, the mutations, where cells moved ---------------------------------


@dataclass
class PoolFile:
    name: str
    data: bytes
    fields: dict[tuple, tuple[str, int, int]]  # every input field → template position
    formulas: list[tuple[str, int, int]]
    locked: list[tuple[str, int, int]]  # constants: ids, targets, labels, _Meta


def build_pool(folder: Path) -> list[PoolFile]:
    pool = []
    for name, seed, unit, missing in POOL:
        fill = synthetic.random_filling(DEF, random.Random(seed), missing_rate=missing)
        path = template.write(DEF, SATKER, folder / f"{name}.xlsx", DEF.unit(unit) if unit else None, fill)
        data = reader.read(path)
        fields = {k: place for k, v in data.cells.items() if (place := split_address(v))}
        wb = openpyxl.load_workbook(path)
        formulas, locked = [], []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        formulas.append((ws.title, cell.row, cell.column))
                    elif cell.value is not None and cell.protection.locked:
                        locked.append((ws.title, cell.row, cell.column))
        pool.append(PoolFile(name, path.read_bytes(), fields, formulas, locked))
    return pool


Move = Callable[[tuple[str, int, int]], "tuple[str, int, int] | None"]


@dataclass
class Case:
    number: int
    rng: random.Random
    base: PoolFile
    log: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    written: list[tuple[tuple[str, int, int], int, str]] = field(default_factory=list)  # place, moves so far, how
    shows: list[tuple[tuple[str, int, int], int, object]] = field(default_factory=list)  # + what Excel shows
    rewritten: bool = False  # bytes changed after saving in ways only a re-read can tell

    def where(self, place, since: int = 0):
        """Where a cell at `place` (after the first `since` moves) is now; None once deleted."""
        for move in self.moves[since:]:
            if place is None:
                return None
            place = move(place)
        return place

    def pick(self, places):
        """A random one of `places` (template positions) that still exists, where it is now."""
        alive = [p for p in map(self.where, places) if p is not None]
        return self.rng.choice(alive) if alive else None

    def wrote(self, place, value, shows=None, how: str = "value") -> None:
        """Record a value written at `place`; `shows` is what Excel shows there when the file
        cannot tell (a formula saved without its result, a raw XML value)."""
        self.written.append((place, len(self.moves), how))
        self.shows.append((place, len(self.moves), shows))  # None: the file tells, as a later write decides
        self.log.append(f"{_a1(place)} = {value!r}"[:160])


@dataclass(frozen=True)
class Mutation:
    name: str
    stage: str  # "book": on an openpyxl Workbook; "zip": on the saved bytes; "bytes": last, on the bytes
    apply: Callable


MUTATIONS: dict[str, Mutation] = {}


def mutation(stage: str):
    def register(fn):
        MUTATIONS[fn.__name__] = Mutation(fn.__name__, stage, fn)
        return fn

    return register


def _sheet(case: Case, wb, names=TABLE_SHEETS):
    present = [n for n in names if n in wb.sheetnames]
    return wb[case.rng.choice(present)] if present else None


# --- book mutations ----------------------------------------------------------------------------


@mutation("book")
def rename_sheet(case: Case, wb) -> None:
    ws = case.rng.choice(wb.worksheets)
    old = ws.title
    others = [s for s in wb.worksheets if s is not ws]
    if case.rng.random() < 0.3 and others:  # swap two names
        other = case.rng.choice(others)
        a, b = old, other.title
        ws.title, other.title, ws.title = "~swap~", a, b
        case.moves.append(lambda p, a=a, b=b: ((b if p[0] == a else a if p[0] == b else p[0]), p[1], p[2]))
        case.log.append(f"swap sheet names {a!r} <-> {b!r}")
        return
    new = case.rng.choice((old + " ", old.lower(), old.upper(), old + " (2)", old[:-1], "Sheet1", "Lembar " + old))
    if new in wb.sheetnames or not new.strip():
        new = old + "_"
    ws.title = new[:31]
    case.moves.append(lambda p, old=old, new=ws.title: ((new if p[0] == old else p[0]), p[1], p[2]))
    case.log.append(f"rename sheet {old!r} -> {ws.title!r}")


@mutation("book")
def delete_sheet(case: Case, wb) -> None:
    if len(wb.worksheets) < 2:
        return
    ws = case.rng.choice(wb.worksheets)
    name = ws.title
    wb.remove(ws)
    _show_first(wb)
    case.moves.append(lambda p, name=name: None if p[0] == name else p)
    case.log.append(f"delete sheet {name!r}")


@mutation("book")
def shuffle_sheets(case: Case, wb) -> None:
    case.rng.shuffle(wb._sheets)
    _show_first(wb)
    case.log.append(f"sheet order {wb.sheetnames}")


def _show_first(wb) -> None:
    """Excel needs a visible active sheet."""
    visible = [n for n, ws in enumerate(wb.worksheets) if ws.sheet_state == "visible"]
    if not visible:
        wb.worksheets[0].sheet_state, visible = "visible", [0]
    wb.active = visible[0]


@mutation("book")
def insert_rows(case: Case, wb) -> None:
    ws = _sheet(case, wb)
    if ws is None:
        return
    at, n = case.rng.randint(1, ws.max_row + 1), case.rng.randint(1, 3)
    ws.insert_rows(at, n)
    title = ws.title
    case.moves.append(lambda p, t=title, at=at, n=n: (p[0], p[1] + n, p[2]) if p[0] == t and p[1] >= at else p)
    case.log.append(f"insert {n} row(s) at {title}!{at}")
    for _ in range(case.rng.randint(0, 3)):  # what the operator typed in the new row
        place = (title, at + case.rng.randint(0, n - 1), case.rng.randint(1, 32))
        value = random_value(case.rng)
        if put(ws.cell(place[1], place[2]), value):
            case.log.append(f"  {_a1(place)} = {value!r}"[:160])


@mutation("book")
def delete_rows(case: Case, wb) -> None:
    ws = _sheet(case, wb)
    if ws is None:
        return
    at, n = case.rng.randint(1, ws.max_row), case.rng.randint(1, 2)
    ws.delete_rows(at, n)
    title = ws.title

    def move(p, t=title, at=at, n=n):
        if p[0] != t or p[1] < at:
            return p
        return None if p[1] < at + n else (p[0], p[1] - n, p[2])

    case.moves.append(move)
    case.log.append(f"delete {n} row(s) at {title}!{at}")


@mutation("book")
def merge_range(case: Case, wb) -> None:
    place = case.pick(list(case.base.fields.values()))
    if place is None or place[0] not in wb.sheetnames:
        return
    ws = wb[place[0]]
    r0, c0 = max(1, place[1] - case.rng.randint(0, 1)), max(1, place[2] - case.rng.randint(0, 2))
    r1, c1 = place[1] + case.rng.randint(0, 2), place[2] + case.rng.randint(0, 3)
    if (r0, c0) == (r1, c1):
        c1 += 1
    for other in ws.merged_cells.ranges:
        b = other.bounds  # (min_col, min_row, max_col, max_row)
        if not (c1 < b[0] or c0 > b[2] or r1 < b[1] or r0 > b[3]):
            return
    ref = f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"
    ws.merge_cells(ref)
    case.log.append(f"merge {ws.title}!{ref}")


def _names(wb) -> list[str]:
    return list(wb.defined_names.keys())


def _pick_name(case: Case, wb) -> str | None:
    """A defined name of the workbook, chosen by the case's generator; None when it has none."""
    names = _names(wb)
    return case.rng.choice(names) if names else None


@mutation("book")
def break_name(case: Case, wb) -> None:
    name = _pick_name(case, wb)
    if name is None:
        return
    old = wb.defined_names[name].attr_text
    sheet = old.rpartition("!")[0] or "Realisasi"
    new = case.rng.choice(
        (
            "#REF!",
            f"{sheet}!#REF!",
            f"{sheet}!#REF!:$J$15",
            "NotASheet!$A$1",
            f"{sheet}!$J$6:$J$15,{sheet}!$K$6",
            f"{sheet}!J",
            f"{sheet}!$J:$J",
            f"{sheet}!$ZZZZ$1",
            f"{sheet}!$A$0",
            "1+1",
            '"teks"',
        )
    )
    wb.defined_names[name].attr_text = new
    case.log.append(f"name {name}: {old} -> {new}")


@mutation("book")
def delete_name(case: Case, wb) -> None:
    name = _pick_name(case, wb)
    if name is None:
        return
    del wb.defined_names[name]
    case.log.append(f"delete name {name}")


@mutation("book")
def retarget_name(case: Case, wb) -> None:
    """A name left behind when a script moved cells (openpyxl updates no names): a valid, wrong range."""
    name = _pick_name(case, wb)
    if name is None:
        return
    old = wb.defined_names[name].attr_text
    sheet, _, ref = old.rpartition("!")
    try:
        c0, r0, c1, r1 = range_boundaries(ref.replace("$", ""))
    except (ValueError, TypeError):
        return
    if None in (c0, r0, c1, r1):  # a whole-row or whole-column range (an earlier mutation's)
        return
    dc, dr = case.rng.choice(((1, 0), (-1, 0), (2, 0), (0, 1), (0, -1)))
    if min(c0 + dc, r0 + dr) < 1:
        return
    new = f"{sheet}!${get_column_letter(c0 + dc)}${r0 + dr}:${get_column_letter(c1 + dc)}${r1 + dr}"
    wb.defined_names[name].attr_text = new
    case.log.append(f"name {name}: {old} -> {new}")


@mutation("book")
def external_name(case: Case, wb) -> None:
    target = case.rng.choice(
        ("[1]Realisasi!$J$6", "'C:\\Users\\operator\\[Laporan TW1.xlsx]Realisasi'!$J$6:$J$15", "[2]Sheet1!#REF!")
    )
    names = _names(wb)
    if names and case.rng.random() < 0.5:
        name = case.rng.choice(names)
        wb.defined_names[name].attr_text = target
    else:
        name = "Tautan_Luar"
        wb.defined_names[name] = DefinedName(name, attr_text=target)
    case.log.append(f"name {name} -> {target}")


def _meta_rows(wb) -> list[int]:
    if "_Meta" not in wb.sheetnames:
        return []
    return [c.row for c in wb["_Meta"]["A"] if isinstance(c.value, str)]


@mutation("book")
def edit_meta(case: Case, wb) -> None:
    rows = _meta_rows(wb)
    if not rows:
        return
    ws, row = wb["_Meta"], case.rng.choice(rows)
    key = ws.cell(row, 1).value
    if key.startswith(template.DEFINITION_KEY):
        return edit_definition(case, wb)
    choice = case.rng.random()
    if choice < 0.15:
        ws.cell(row, 1).value = key.upper()
        case.log.append(f"_Meta key {key} -> {key.upper()}")
        return
    value = random_value(case.rng)
    if key == "lkjxl_subbagian" and choice < 0.6:
        value = case.rng.choice(("KUL", "PDI", "TEKNIS", "HUKUM_SDM", "XYZ", "kul", " KUL ", ""))
    elif key == "lkjxl_satker_code" and choice < 0.6:
        value = case.rng.choice(("6372", "19", "", "1971.0", 1971))
    put(ws.cell(row, 2), value)
    case.log.append(f"_Meta {key} = {value!r}"[:160])


@mutation("book")
def edit_definition(case: Case, wb) -> None:
    """The YAML definition embedded in _Meta, edited: a digit, a line, a cut, stray text."""
    rows = [r for r in _meta_rows(wb) if wb["_Meta"].cell(r, 1).value.startswith(template.DEFINITION_KEY)]
    if not rows:
        return
    cell = wb["_Meta"].cell(case.rng.choice(rows), 2)
    text = str(cell.value or "")
    lines = text.split("\n")
    n = case.rng.randrange(len(lines))
    how = case.rng.choice(("digit", "drop line", "duplicate line", "cut", "insert", "swap lines", "tab"))
    if how == "digit" and (spots := [m.start() for m in re.finditer(r"\d", text)]):
        at = case.rng.choice(spots)
        text = text[:at] + str(case.rng.randint(0, 9)) + text[at + 1 :]
    elif how == "drop line":
        text = "\n".join(lines[:n] + lines[n + 1 :])
    elif how == "duplicate line":
        text = "\n".join(lines[: n + 1] + lines[n:])
    elif how == "cut":
        text = text[: case.rng.randrange(len(text) + 1)]
    elif how == "insert":
        at = case.rng.randrange(len(text) + 1)
        text = text[:at] + case.rng.choice((": ", "- ", "[", "{", "'", "&a", "*a", "!!int ", "\n  x: 1\n")) + text[at:]
    elif how == "swap lines" and len(lines) > 1:
        m = case.rng.randrange(len(lines))
        lines[n], lines[m] = lines[m], lines[n]
        text = "\n".join(lines)
    else:
        text = text.replace("  ", "\t", 1)
    put(cell, text)
    case.log.append(f"definition {how} ({cell.coordinate}, line {n + 1})")


@mutation("book")
def edit_custom_property(case: Case, wb) -> None:
    props = wb.custom_doc_props.props
    if not props:
        return
    prop = case.rng.choice(props)
    if case.rng.random() < 0.3:
        props.remove(prop)
        case.log.append(f"custom property {prop.name} deleted")
        return
    old = prop.value
    new = case.rng.choice(("6372", "KUL", "XYZ", "", "0", "kpu-lain", "999", "x" * 300, clean(random_text(case.rng))))
    if not isinstance(old, int | float) or not new.isdigit():  # another type: the property is replaced
        props[props.index(prop)] = StringProperty(name=prop.name, value=new)
    else:
        prop.value = type(old)(new)
    case.log.append(f"custom property {prop.name}: {old!r} -> {new!r}"[:160])


@mutation("book")
def set_input(case: Case, wb) -> None:
    place = case.pick(list(case.base.fields.values()))
    if place is None or place[0] not in wb.sheetnames:
        return
    value = random_value(case.rng)
    if put(wb[place[0]].cell(place[1], place[2]), value):
        case.wrote(place, value)


@mutation("book")
def set_all_inputs(case: Case, wb) -> None:
    """Every input cell of one sheet, each a random value of a random type."""
    sheet = case.rng.choice(sorted({p[0] for p in case.base.fields.values()}))
    for original in case.base.fields.values():
        place = case.where(original) if original[0] == sheet else None
        if place is not None and place[0] in wb.sheetnames:
            value = random_value(case.rng)
            if put(wb[place[0]].cell(place[1], place[2]), value):
                case.wrote(place, value)


@mutation("book")
def input_formula(case: Case, wb) -> None:
    """A formula typed into an input cell; a script saves it without the value Excel computes."""
    place = case.pick(list(case.base.fields.values()))
    if place is None or place[0] not in wb.sheetnames:
        return
    a, b = case.rng.randint(0, 100), case.rng.randint(1, 100)
    formula, result = case.rng.choice(((f"={a}+{b}", float(a + b)), (f"={a}/{b}", a / b), (f"={a}*1000", a * 1000.0)))
    if put(wb[place[0]].cell(place[1], place[2]), formula):
        wb[place[0]].cell(place[1], place[2]).data_type = "f"
        case.wrote(place, formula, shows=result, how="formula")


@mutation("book")
def formula_to_constant(case: Case, wb) -> None:
    place = case.pick(case.base.formulas)
    if place is None or place[0] not in wb.sheetnames:
        return
    value = random_value(case.rng)
    if put(wb[place[0]].cell(place[1], place[2]), value):
        case.log.append(f"formula {_a1(place)} = {value!r}"[:160])


@mutation("book")
def set_locked(case: Case, wb) -> None:
    place = case.pick(case.base.locked)
    if place is None or place[0] not in wb.sheetnames:
        return
    value = random_value(case.rng) if case.rng.random() < 0.7 else case.rng.choice(("SS01.IK01", "SS03.IK09", "1", 1))
    if put(wb[place[0]].cell(place[1], place[2]), value):
        case.log.append(f"locked {_a1(place)} = {value!r}"[:160])


# --- zip and XML mutations ------------------------------------------------------------------


def members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(info, z.read(info)) for info in z.infolist()]


def rezip(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in parts:
            z.writestr(info, body)
    return out.getvalue()


def sheet_part(parts, title: str) -> str | None:
    """The zip member of the sheet called `title`, through workbook.xml and its rels."""
    files = {info.filename: body for info, body in parts}
    book = files.get("xl/workbook.xml", b"").decode("utf-8", "replace")
    rels = files.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8", "replace")
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]*)"|\bid="([^"]*)"', tag)
        if name and rid and name[1] == escape(title, {'"': "&quot;"}):
            target = re.search(rf'Id="{re.escape(rid[1] or rid[2])}"[^>]*Target="([^"]*)"', rels) or re.search(
                rf'Target="([^"]*)"[^>]*Id="{re.escape(rid[1] or rid[2])}"', rels
            )
            if target:
                return target[1].lstrip("/") if target[1].startswith("/") else "xl/" + target[1]
    return None


RAW_CELLS = (  # cell type attribute, content, what Excel shows (UNKNOWN: Excel would repair the file)
    ('t="inlineStr"', "<is><t>85,5%</t></is>", "85,5%"),
    ('t="inlineStr"', "<is><r><t>12</t></r><r><t>34</t></r></is>", "1234"),
    ('t="str"', "<v>Rp. 1.000,-</v>", "Rp. 1.000,-"),
    ('t="e"', "<v>#N/A</v>", "#N/A"),
    ('t="e"', "<v>#DIV/0!</v>", "#DIV/0!"),
    ('t="b"', "<v>1</v>", True),
    ('t="n"', "<v>-0</v>", -0.0),
    ('t="n"', "<v>1.5E+2</v>", 150.0),
    ('t="n"', "<v>abc</v>", UNKNOWN),
    ('t="n"', "<v>1e400</v>", UNKNOWN),
    ('t="n"', "<v>NaN</v>", UNKNOWN),
    ('t="n"', "<v></v>", UNKNOWN),
    ('t="n"', "<v> 12 </v>", UNKNOWN),
    ('t="s"', "<v>99999</v>", UNKNOWN),
    ('t="s"', "<v>-1</v>", UNKNOWN),
    ('t="d"', "<v>2024-08-05T00:00:00</v>", datetime(2024, 8, 5)),
    ('t="zz"', "<v>5</v>", UNKNOWN),
    ("", "<f>1+1</f><v>2</v>", 2.0),  # a formula with the value Excel saved
    ("", "<f>SUM(1,2)</f>", 3.0),  # ... and without
)


def _input_cell(case: Case, data: bytes):
    """(parts, sheet part, cell reference, place) of an input cell the case picks; None if none."""
    place = case.pick(list(case.base.fields.values()))
    if place is None:
        return None
    parts = members(data)
    return parts, sheet_part(parts, place[0]), f"{get_column_letter(place[2])}{place[1]}", place


def _write_cell(parts, part: str | None, ref: str, write: Callable[[str], str]) -> bool:
    """Replace cell `ref` of sheet part `part` by `write(its style attribute)`, byte for byte
    elsewhere (a garbled part stays as garbled); False when the cell is not there."""
    pattern = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', re.DOTALL)
    for n, (info, xml) in enumerate(parts):
        if info.filename == part:
            text = xml.decode("latin-1")
            m = pattern.search(text)
            if not m:
                return False
            style = re.search(r'\ss="\d+"', m["attrs"])
            new = write(style[0] if style else "")
            parts[n] = (info, (text[: m.start()] + new + text[m.end() :]).encode("latin-1"))
            return True
    return False


@mutation("zip")
def xml_cell(case: Case, data: bytes) -> bytes:
    """An input cell written as raw XML, with cell types and values no script writes."""
    picked = _input_cell(case, data)
    if picked is None:
        return data
    parts, part, ref, place = picked
    kind, body, shown = case.rng.choice(RAW_CELLS)
    if not _write_cell(parts, part, ref, lambda style: f'<c r="{ref}"{style}{" " + kind if kind else ""}>{body}</c>'):
        return data
    case.wrote(place, f"<c {kind}>{body}", shows=shown, how="formula" if "<f>" in body else "raw xml")
    return rezip(parts)


@mutation("zip")
def rich_text(case: Case, data: bytes) -> bytes:
    """An input typed with part of it in bold, as Excel saves it: a rich-text item appended to the
    end of the shared-string table, the cell pointing at it."""
    picked = _input_cell(case, data)
    if picked is None:
        return data
    parts, part, ref, place = picked
    text = clean(case.rng.choice(SAMPLE_TEXTS)) or "85"
    cut = case.rng.randint(0, len(text))
    runs = [piece for piece in (text[:cut], text[cut:]) if piece]
    rich = (
        "<si>"
        + "".join(
            f'<r>{"<rPr><b/></rPr>" if n else ""}<t xml:space="preserve">{escape(piece)}</t></r>'
            for n, piece in enumerate(runs)
        )
        + "</si>"
    )
    names = [info.filename for info, _ in parts]
    if "xl/sharedStrings.xml" not in names:
        return data
    sst_at = names.index("xl/sharedStrings.xml")
    sst = parts[sst_at][1].decode("utf-8", "surrogateescape")  # byte for byte, garbled or not
    if "</sst>" not in sst:
        return data
    index = sst.count("<si>") + sst.count("<si/>")
    if not _write_cell(parts, part, ref, lambda style: f'<c r="{ref}"{style} t="s"><v>{index}</v></c>'):
        return data
    parts[sst_at] = (parts[sst_at][0], sst.replace("</sst>", rich + "</sst>").encode("utf-8", "surrogateescape"))
    case.wrote(place, f"rich {text!r}", shows=text, how="raw xml")
    return rezip(parts)


@mutation("zip")
def drop_member(case: Case, data: bytes) -> bytes:
    parts = members(data)
    info, _ = case.rng.choice(parts)
    case.log.append(f"drop {info.filename}")
    case.rewritten = True
    return rezip([(i, b) for i, b in parts if i is not info])


@mutation("zip")
def garble_xml(case: Case, data: bytes) -> bytes:
    parts = members(data)
    n = case.rng.randrange(len(parts))
    info, body = parts[n]
    at = case.rng.randrange(len(body) + 1)
    how = case.rng.choice(("cut", "junk", "repeat"))
    if how == "cut":
        body = body[:at] + body[at + case.rng.randint(1, 40) :]
    elif how == "junk":
        body = body[:at] + bytes(case.rng.randrange(256) for _ in range(case.rng.randint(1, 8))) + body[at:]
    else:
        body = body[:at] + body[max(0, at - 60) : at] + body[at:]
    parts[n] = (info, body)
    case.log.append(f"garble {info.filename} ({how} at {at})")
    case.rewritten = True
    return rezip(parts)


@mutation("zip")
def huge_dimension(case: Case, data: bytes) -> bytes:
    parts = members(data)
    sheets = [n for n, (info, _) in enumerate(parts) if info.filename.startswith("xl/worksheets/sheet")]
    n = case.rng.choice(sheets)
    info, body = parts[n]
    ref = case.rng.choice(("A1:XFD1048576", "A1:ZZ999999", "A1048576", "B2:A1"))
    body = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), body, count=1)
    parts[n] = (info, body)
    case.log.append(f"dimension {ref} in {info.filename}")
    return rezip(parts)


@mutation("zip")
def external_link_part(case: Case, data: bytes) -> bytes:
    """An external link part, as Excel writes when a cell refers to another workbook."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1">'
        '<sheetNames><sheetName val="Realisasi"/></sheetNames></externalBook></externalLink>'
    )
    parts = members(data)
    name = f"xl/externalLinks/externalLink{sum('externalLinks/' in i.filename for i, _ in parts) + 1}.xml"
    parts.append((zipfile.ZipInfo(name), xml.encode()))
    case.log.append(f"add {name}")
    return rezip(parts)


@mutation("bytes")
def truncate_zip(case: Case, data: bytes) -> bytes:
    cut = case.rng.choice((case.rng.randrange(len(data) + 1), len(data) - case.rng.randint(1, 200), 22, 0))
    case.log.append(f"truncate to {max(cut, 0)} of {len(data)} bytes")
    case.rewritten = True
    return data[: max(cut, 0)]


# --- running cases --------------------------------------------------------------------------

STAGES = {"book": 0, "zip": 1, "bytes": 2}


@dataclass
class Failure:
    case: int
    stage: str  # read | annotate | consolidate | mutate
    mutations: tuple[str, ...]
    kind: str  # exception type or "misread"
    where: str  # innermost lkjxl frame, or the field
    detail: str
    log: list[str]
    kept: str = ""

    @property
    def signature(self) -> tuple:
        return (self.stage, self.kind, self.where)


@dataclass
class Result:
    cases: int = 0
    applied: Counter = field(default_factory=Counter)
    fields_checked: int = 0
    unverifiable: int = 0
    consolidations: int = 0
    annotations: int = 0
    exceptions: list[Failure] = field(default_factory=list)
    misreads: list[Failure] = field(default_factory=list)
    fuzzer_errors: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, other: Result) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


_WORKER: dict = {}


def _init_worker(pool: list[PoolFile], keep: str | None, root: str) -> None:
    """Load every pool workbook and warm the reader's caches once: each case runs in a fork of this."""
    _WORKER.update(pool=pool, keep=Path(keep) if keep else None, dir=Path(tempfile.mkdtemp(dir=root)))
    for index, item in enumerate(pool):
        _pristine(index)
        path = _WORKER["dir"] / f"{item.name}.xlsx"
        path.write_bytes(item.data)
        reader.read(path)


@cache
def _pristine(index: int):
    return openpyxl.load_workbook(io.BytesIO(_WORKER["pool"][index].data))


def forked(fn, *args):
    """`fn(*args)` in a fork of this process, so it may change the pristine workbooks at will
    (a fork costs far less than openpyxl loading a workbook again)."""
    if not hasattr(os, "fork"):
        return fn(*args, reuse=False)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        try:
            payload = pickle.dumps(fn(*args, reuse=True))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            payload = pickle.dumps(RuntimeError(f"fuzz case died: {exc!r}"))
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as src:
        payload = src.read()
    os.waitpid(pid, 0)
    answer = pickle.loads(payload) if payload else RuntimeError("fuzz case died without an answer")  # noqa: S301 - our own child
    if isinstance(answer, Exception):
        raise answer
    return answer


def _where_in_lkjxl(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/lkjxl/" in f.filename]
    frame = frames[-1] if frames else (traceback.extract_tb(exc.__traceback__) or [None])[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" if frame else "?"


def _excerpt(exc: BaseException) -> str:
    """The call chain by function name, then the end of the traceback."""
    chain = " > ".join(f.name for f in traceback.extract_tb(exc.__traceback__))
    return f"via {chain}\n" + "".join(traceback.format_exception(exc)[-6:])[-1500:]


def make_case(seed: int, number: int, pool: list[PoolFile], allowed: tuple[str, ...], reuse: bool = False):
    """Case `number` of `seed`: (Case, mutation names, the workbook's bytes, an openpyxl model of it
    or None when only a re-read can tell). `reuse` mutates the worker's pristine workbook itself."""
    rng = random.Random(f"{seed}:{number}")
    index = rng.randrange(len(pool))
    case = Case(number, rng, pool[index])
    chosen = sorted((rng.choice(allowed) for _ in range(rng.randint(1, 3))), key=lambda m: STAGES[MUTATIONS[m].stage])
    case.log.append(f"case {number} seed {seed}: {pool[index].name}, {' + '.join(chosen)}")
    data, wb = pool[index].data, None
    book = [m for m in chosen if MUTATIONS[m].stage == "book"]
    if book:
        wb = _pristine(index) if reuse else openpyxl.load_workbook(io.BytesIO(data))
        for name in book:
            MUTATIONS[name].apply(case, wb)
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
    for name in chosen:
        if MUTATIONS[name].stage != "book":
            data = MUTATIONS[name].apply(case, data)
    model = None if case.rewritten else wb or (_pristine(index) if reuse else openpyxl.load_workbook(io.BytesIO(data)))
    return case, tuple(chosen), data, model


def shown_in(model, path: Path, case: Case) -> Callable:
    """`shown(sheet, row, col)` for the case, from the openpyxl model of the file (re-read when
    bytes were changed after saving) and what the mutations know Excel shows."""
    shows = {}
    for place, since, value in case.shows:
        if (now := case.where(place, since)) is not None:
            shows[now] = value
    state = {"book": model, "sheets": {}}

    def sheet_of(name: str):
        if state["book"] is None:
            try:
                state["book"] = openpyxl.load_workbook(path)
            except Exception as exc:  # noqa: BLE001 - openpyxl refusing the file is not lkjxl's failure
                raise Unverifiable(str(exc)) from exc
        if name not in state["sheets"]:
            state["sheets"][name] = state["book"][name] if name in state["book"].sheetnames else None
        if state["sheets"][name] is None:
            raise Unverifiable(name)
        return state["sheets"][name]

    def shown(sheet: str, row: int, col: int):
        return excel_value(sheet_of(sheet).cell(row, col), shows.get((sheet, row, col)))

    return shown


def run_case(seed: int, number: int, allowed, *, reuse: bool = False) -> tuple[Result, Path | None, list[str]]:
    """One case: mutate, read (and annotate), check every field. Returns (result, file, mutation log)."""
    pool, folder, keep = _WORKER["pool"], _WORKER["dir"], _WORKER["keep"]
    result = Result()
    try:
        case, chosen, data, model = make_case(seed, number, pool, allowed, reuse)
    except Exception as exc:  # noqa: BLE001 - a fuzzer bug, counted apart
        failure = Failure(number, "mutate", (), type(exc).__name__, _where_in_lkjxl(exc), _excerpt(exc), [])
        result.fuzzer_errors.append(failure)
        return result, None, []
    result.cases += 1
    result.applied.update(chosen)
    path = folder / f"case-{number}.xlsx"
    path.write_bytes(data)

    def fail(stage, kind, where, detail, bucket):
        kept = ""
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            target = keep / f"{seed}-{number}-{stage}.xlsx"
            shutil.copyfile(path, target)
            note = target.with_suffix(".txt")
            if not note.exists():
                note.write_text("\n".join(case.log) + "\n", encoding="utf-8")
            with note.open("a", encoding="utf-8") as out:
                out.write(f"\n{kind} {where}\n{detail}\n")
            kept = str(target)
        bucket.append(Failure(number, stage, chosen, kind, where, detail, case.log, kept))

    try:
        data_read = reader.read(path)
    except Exception as exc:  # noqa: BLE001 - what the fuzzer looks for
        fail("read", type(exc).__name__, _where_in_lkjxl(exc), _excerpt(exc), result.exceptions)
        return result, path, case.log
    if (
        number % ANNOTATE_EVERY == 0
        and data_read.findings
        and "UNUSABLE_FILE" not in {f.code for f in data_read.findings}
    ):
        result.annotations += 1  # as `lkjxl check --annotate` does
        try:
            annotate(path, data_read.findings, folder / "temuan.xlsx")
        except Exception as exc:  # noqa: BLE001
            fail("annotate", type(exc).__name__, _where_in_lkjxl(exc), _excerpt(exc), result.exceptions)
    if not data_read.usable:
        return result, path, case.log
    shown = shown_in(model, path, case)

    def counted(*place):
        try:
            return shown(*place)
        except Unverifiable:
            result.unverifiable += 1
            raise

    written = {p: how for place, since, how in case.written if (p := case.where(place, since)) is not None}
    for fld, home in case.base.fields.items():
        if not checked(fld):
            continue
        tracked = case.where(home)
        result.fields_checked += 1
        if problem := check_field(data_read, fld, home[0], tracked, counted):
            source = written.get(tracked, "untouched")
            fail("read", "misread", f"{problem[0]}: {fld[0]} ({source})", f"{fld}: {problem[1]}", result.misreads)
    return result, path, case.log


def run_chunk(args) -> Result:
    seed, start, count, allowed = args
    total, files = Result(), []
    for number in range(start, start + count):
        try:
            result, path, _ = forked(run_case, seed, number, allowed)
        except Exception as exc:  # noqa: BLE001 - the fuzzer's own failure, counted apart
            total.fuzzer_errors.append(Failure(number, "mutate", (), type(exc).__name__, "fork", str(exc), []))
            continue
        total.add(result)
        if path is not None:
            files = [*files, path][-CONSOLIDATE_FILES:]
        if number % CONSOLIDATE_EVERY == CONSOLIDATE_EVERY - 1 and files:
            _consolidate(seed, number, files, total)
    return total


def _consolidate(seed: int, number: int, files: list[Path], result: Result) -> None:
    batch = _WORKER["dir"] / f"batch-{number}"
    batch.mkdir()
    for f in files:
        shutil.copyfile(f, batch / f.name)
    result.consolidations += 1
    try:
        collection = consolidate.collect(sorted(batch.glob("*.xlsx")), workers=1)
        report_xlsx.write(collection, _WORKER["dir"] / "konsolidasi.xlsx", "Fuzz")
    except Exception as exc:  # noqa: BLE001
        kept = ""
        if _WORKER["keep"] is not None:
            kept = str(_WORKER["keep"] / f"{seed}-{number}-consolidate")
            shutil.copytree(batch, kept, dirs_exist_ok=True)
        failure = Failure(
            number, "consolidate", ("batch",), type(exc).__name__, _where_in_lkjxl(exc), _excerpt(exc), []
        )
        result.exceptions.append(dataclasses.replace(failure, kept=kept))
    shutil.rmtree(batch, ignore_errors=True)


def run(cases: int, seed: int = 1, workers: int = 2, keep: Path | None = None, exclude: tuple[str, ...] = ()) -> Result:
    """Run cases 0…cases-1 of `seed` (each reproducible alone) over `workers` processes."""
    allowed = tuple(sorted(m for m in MUTATIONS if m not in exclude))
    chunks = [(seed, s, min(CONSOLIDATE_EVERY, cases - s), allowed) for s in range(0, cases, CONSOLIDATE_EVERY)]
    total = Result()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lkjxl-fuzz-") as root:
        pool = build_pool(Path(root))
        setup = (pool, str(keep) if keep else None, root)
        if workers <= 1:
            _init_worker(*setup)
            for chunk in chunks:
                total.add(run_chunk(chunk))
        else:
            with multiprocessing.Pool(workers, _init_worker, setup) as procs:
                for n, part in enumerate(procs.imap_unordered(run_chunk, chunks), start=1):
                    total.add(part)
                    if sys.stderr.isatty():
                        sys.stderr.write(f"\r{n}/{len(chunks)} chunks, {total.cases} cases")
            if sys.stderr.isatty():
                sys.stderr.write("\n")
    total.seconds = time.perf_counter() - began
    return total


def replay(seed: int, number: int) -> None:
    """Print one case: its mutations, findings and problems; the file is kept as ./fuzz-case-N.xlsx."""
    with tempfile.TemporaryDirectory(prefix="lkjxl-fuzz-") as root:
        _init_worker(build_pool(Path(root)), None, root)
        result, path, log = run_case(seed, number, tuple(sorted(MUTATIONS)))
        print("\n".join(log))
        if path is not None:
            shutil.copyfile(path, f"fuzz-case-{number}.xlsx")
            if not result.exceptions:
                for f in reader.read(path).findings:
                    print(f"  {f.code:<20} {f.sheet}!{f.cell} {f.message[:100]}")
    for failure in result.exceptions + result.misreads + result.fuzzer_errors:
        print(f"\n{failure.stage} {failure.kind} {failure.where}\n{failure.detail}")


def summary(result: Result) -> str:
    lines = [
        f"cases               {result.cases}",
        f"fields checked      {result.fields_checked} ({result.unverifiable} cells unverifiable)",
        f"annotations         {result.annotations}",
        f"consolidations      {result.consolidations} (of {CONSOLIDATE_FILES} files each)",
        f"exceptions          {len(result.exceptions)}",
        f"silent misreads     {len(result.misreads)} fields in {len({f.case for f in result.misreads})} cases",
        f"fuzzer errors       {len(result.fuzzer_errors)}",
        f"seconds             {result.seconds:.1f} ({result.cases / max(result.seconds, 1e-9):.1f} cases/s)",
        "",
        f"{'mutation':<22} {'applied':>8} {'exceptions':>11} {'misreads':>9}",
    ]
    exc = Counter(m for f in result.exceptions for m in set(f.mutations))
    mis = Counter(m for f in {(f.case, f.mutations) for f in result.misreads} for m in set(f[1]))
    for name in sorted(MUTATIONS):
        lines.append(f"{name:<22} {result.applied[name]:>8} {exc[name]:>11} {mis[name]:>9}")
    for title, failures in (
        ("exceptions", result.exceptions),
        ("misreads", result.misreads),
        ("fuzzer errors", result.fuzzer_errors),
    ):
        groups: dict[tuple, list[Failure]] = {}
        for f in failures:
            groups.setdefault(f.signature, []).append(f)
        if groups:
            lines += ["", f"distinct {title}: {len(groups)}"]
        for sig, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            first = items[0]
            lines.append(f"- {len(items)}× {' / '.join(sig)}  e.g. case {first.case} ({' + '.join(first.mutations)})")
            lines += [f"    {line}" for line in first.log[1:6]]
            lines.append("    " + first.detail.strip().splitlines()[-1][:300])
            if first.kept:
                lines.append(f"    kept: {first.kept}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="folder for failing files and their mutation logs")
    parser.add_argument("--exclude", default="", help="mutations to leave out, comma-separated")
    parser.add_argument("--case", type=int, help="replay one case of --seed and print it")
    args = parser.parse_args(argv)
    if args.case is not None:
        replay(args.seed, args.case)
        return 0
    exclude = tuple(filter(None, args.exclude.split(",")))
    result = run(args.cases, args.seed, args.workers, args.keep, exclude)
    print(summary(result))
    return 1 if result.exceptions or result.misreads else 0


if __name__ == "__main__":
    sys.exit(main())
