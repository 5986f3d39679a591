"""Whatever an operator puts in an input cell is read as `normalize` reads it, or reported at that cell.

Hypothesis picks an input cell of a filled workbook — realisasi J/N/R/V rows 6–15 (a
different indicator kind on each row, see test_reader.py), Anggaran pagu awal G, revisions
H–M and months O–Z of the output rows, Revisi date B and pagu C rows 7–12 — and a value:
an int or float of any size, a number typed the Indonesian or English way, any text (Cyrillic
look-alikes, `=1+1` as text), a date, a boolean, or nothing. The value is written with openpyxl
as a script would (text stays text, as `workbooks.edit` does), the file is read, and
`fuzz.check_field` — the fuzzer's judge, bench/fuzz.py — requires: no exception; a cell that
`normalize` reads as missing comes back None, never 0; a refused one is reported at that cell;
any other is read as `normalize` parses it, or reported at that cell.
"""

from __future__ import annotations

import io
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbooks import codes_at, filled

from lkjxl import reader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import fuzz  # noqa: E402 - one judge of "read right or reported", shared with the fuzzer

PARSED = {"realisasi", "pagu_awal", "pagu_revisi", "realisasi_bulan"}

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn")), max_size=24)
VALUES = st.one_of(
    st.sampled_from(fuzz.SAMPLE_TEXTS),
    st.builds(fuzz.formatted_number, st.randoms(use_true_random=False)),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-2, 2),
    TEXT,
    st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 12, 31)),
    st.booleans(),
    st.none(),
)


# What the property found, each reduced to one cell; fixed, and kept as regressions.
REGRESSIONS = {
    "date-compared-with-number": ("Realisasi!J8", date(2024, 8, 5)),  # TypeError in xlexpr._compare
    "date-in-a-revision-pagu": ("Anggaran!I9", datetime(2024, 8, 5, 10, 30)),  # the same, Anggaran I-M
    "huge-number-rounded": ("Realisasi!V7", 1e40),  # decimal.InvalidOperation in rules._excel
    "nan-text-rounded": ("Realisasi!V7", "nan"),  # ValueError('Excel has no nan'): float('nan') of text
    "excel-1900-leap-day": ("Revisi!B7", date(1900, 2, 21)),  # Excel's 29 Feb 1900 ignored: a day early
    "overflow-rounded": ("Realisasi!V7", 1e308),  # 1e308 × 100 overflows: #NUM! in Excel, never a crash
}


def _as_float(value) -> float:
    """The float Python makes of a number or of text ('1E+308'); 0 for anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return 0.0
    try:
        return float(value)
    except (ValueError, OverflowError):
        return 0.0


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> tuple[bytes, list[tuple[str, tuple]], Path]:
    """One filled workbook for the module, its input cells, and a scratch file to write examples to."""
    folder = tmp_path_factory.mktemp("sifat")
    data = reader.read(filled(folder / "isi.xlsx"))
    cells = sorted(
        (address, field)
        for field, address in data.cells.items()
        if field[0] in PARSED or (field[0] == "revisi" and field[2] in ("tanggal", "pagu"))
    )
    return (folder / "isi.xlsx").read_bytes(), cells, folder / "contoh.xlsx"


def _write(original, cells: dict[str, object]) -> tuple[openpyxl.Workbook, Path]:
    body, _, path = original
    wb = openpyxl.load_workbook(io.BytesIO(body))
    for address, value in cells.items():
        sheet, row, col = fuzz.split_address(address)
        fuzz.put(wb[sheet].cell(row, col), value)
    wb.save(path)
    return wb, path


def _judge(wb, data, address: str, field: tuple) -> tuple[str, str] | None:
    place = fuzz.split_address(address)

    def shown(sheet, row, col):
        return fuzz.excel_value(wb[sheet].cell(row, col))

    return fuzz.check_field(data, field, place[0], place, shown, exact=True)


def test_the_input_cells_are_the_documented_ones(original):
    _, cells, _ = original
    by_sheet: dict[str, set[str]] = {}
    for address, _ in cells:
        sheet, _, cell = address.partition("!")
        by_sheet.setdefault(sheet, set()).add(cell)
    assert by_sheet["Realisasi"] == {f"{c}{r}" for c in "JNRV" for r in range(6, 16)}
    assert by_sheet["Anggaran"] == {f"{c}{r}" for c in "GHIJKLMOPQRSTUVWXYZ" for r in (8, 9, 11, 14, 16, 17)}
    assert by_sheet["Revisi"] == {f"{c}{r}" for c in "BC" for r in range(7, 13)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_in_any_input_cell_is_read_right_or_reported_there(original, data):
    address, field = data.draw(st.sampled_from(original[1]), label="cell")
    value = data.draw(VALUES, label="value")
    wb, path = _write(original, {address: value})
    read = reader.read(path)
    assert read.usable and read.cells[field] == address
    assert _judge(wb, read, address, field) is None


@pytest.mark.parametrize("nothing", ["", " ", "-", "–", "%", "Rp. -", None])
def test_an_empty_or_dash_cell_is_none_never_zero(original, nothing):
    _, cells, _ = original
    wb, path = _write(original, {address: nothing for address, _ in cells})
    read = reader.read(path)
    for address, field in cells:
        assert fuzz.field_value(read.filling, field) is None, address
        assert _judge(wb, read, address, field) is None


@pytest.mark.parametrize(
    ("address", "value", "code"),
    [
        ("Realisasi!J7", "85,5%", "TEXT_NUMBER"),
        ("Realisasi!J6", "В", "NORMALISED"),
        ("Realisasi!J7", "=1+1", "NOT_A_NUMBER"),  # formula text stays text
        ("Anggaran!O8", True, "NOT_A_NUMBER"),
        ("Anggaran!O9", "Rp. 1.234.567,-", "TEXT_NUMBER"),
        ("Revisi!B7", 45000.5, None),  # a number in a date cell is the date it shows
    ],
)
def test_the_judge_agrees_with_the_reader_on_plain_cases(original, address, value, code):
    """The property's judge on cases test_reader.py pins down by hand."""
    _, cells, _ = original
    field = dict(cells)[address]
    wb, path = _write(original, {address: value})
    read = reader.read(path)
    assert _judge(wb, read, address, field) is None
    if code:
        assert (code, *address.split("!")) in codes_at(read)


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_what_the_property_found_stays_fixed(original, name):
    address, value = REGRESSIONS[name]
    wb, path = _write(original, {address: value})
    read = reader.read(path)
    assert _judge(wb, read, address, dict(original[1])[address]) is None
