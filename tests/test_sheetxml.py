"""Rows written as XML by lkjxl and spliced into XlsxWriter's package read back exactly.

Every reader a user or the next consolidation level uses must see the value written:
openpyxl (values, types, number formats, formulas), python-calamine (report_read) and
LibreOffice (which also recalculates the formulas).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from lkjxl import sheetxml

PART = "xl/worksheets/sheet1.xml"

# Values that come back unchanged through openpyxl and calamine (calamine gives every number as float).
EXACT = [
    '=HYPERLINK("http://contoh.id","klik")',  # operator text that looks like a formula stays text
    "+1+1",
    "-1",
    "@SUM(A1:A2)",
    "<r><t>bukan rich text</t></r>",
    "&<>\"'",
    " spasi di tepi ",
    "baris\nbaru\tdan tab",
    "Rp 1.000,- é 😀 中文",
    123_456_789_012_345,  # rupiah, exact in a double
    10**15 + 1,
    0.1 + 0.2,  # 0.30000000000000004: repr round-trips, XlsxWriter's %.16G would not
    1e-7,
    1e20,
    -2.5,
]


def package() -> tuple[bytes, int]:
    """A one-sheet XlsxWriter package with a title row, and the xf index of a money format."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    money = sheetxml.style_index(wb.add_format({"num_format": "#,##0"}))
    wb.add_worksheet("S").write_string(0, 0, "judul")
    wb.close()
    return out.getvalue(), money


def spliced(path, fill) -> tuple:
    """Write the sheet with `fill(money_xf)` as its body; returns (openpyxl formulas, openpyxl values, calamine)."""
    data, money = package()
    sheetxml.save(data, path, {PART: fill(money)})
    return (
        openpyxl.load_workbook(path)["S"],
        openpyxl.load_workbook(path, data_only=True)["S"],
        CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python(),
    )


def column(values, style: int = 0) -> sheetxml.Body:
    body = sheetxml.Body()
    for n, value in enumerate(values, start=1):
        body.value(n, 0, value, style)
    return body


def test_values_come_back_exactly_in_openpyxl_and_calamine(tmp_path):
    formulas, _, rows = spliced(tmp_path / "nilai.xlsx", lambda money: column(EXACT))
    for n, value in enumerate(EXACT, start=2):
        cell = formulas.cell(n, 1)
        assert (cell.value, type(cell.value)) == (value, type(value))
        assert cell.data_type == ("s" if isinstance(value, str) else "n")  # never "f"
        assert rows[n - 1][0] == value


def test_large_integers_are_written_digit_for_digit(tmp_path):
    big = [2**53 + 1, 10**20, 999_999_999_999_999_999]
    formulas, _, _ = spliced(tmp_path / "besar.xlsx", lambda money: column(big, money))
    assert [formulas.cell(n, 1).value for n in (2, 3, 4)] == big  # no 1E+20, no rounding to a double
    assert {formulas.cell(n, 1).number_format for n in (2, 3, 4)} == {"#,##0"}
    xml = zipfile.ZipFile(tmp_path / "besar.xlsx").read(PART).decode()
    assert "<v>9007199254740993</v>" in xml and "<v>100000000000000000000</v>" in xml


def test_control_characters_and_escape_lookalikes_survive(tmp_path):
    texts = ["a\x01b\x1fc", "CR\r", "_x0041_ harfiah", "x\ufffey"]
    formulas, _, rows = spliced(tmp_path / "kontrol.xlsx", lambda money: column(texts))
    assert [r[0] for r in rows[1:]] == ["a\x01b\x1fc", "CR\r", "_x0041_ harfiah", "x_xFFFE_y"]
    # openpyxl does not decode Excel's _xHHHH_ escapes (nor did it for XlsxWriter's cells)
    assert formulas.cell(2, 1).value == "a_x0001_b_x001F_c"


def test_blanks_are_empty_cells_unless_styled(tmp_path):
    def fill(money):
        body = column([None, "", "isi"])
        body.value(1, 1, None, money)  # a styled blank keeps its format, as XlsxWriter writes it
        return body

    formulas, _, rows = spliced(tmp_path / "kosong.xlsx", fill)
    assert [formulas.cell(n, 1).value for n in (2, 3, 4)] == [None, None, "isi"]
    assert [r[0] for r in rows[1:]] == ["", "", "isi"]
    assert formulas.cell(2, 2).number_format == "#,##0"
    xml = zipfile.ZipFile(tmp_path / "kosong.xlsx").read(PART).decode()
    assert 'r="A2"' not in xml and 'r="A3"' not in xml and f'<c r="B2" s="{package()[1]}"/>' in xml


def test_text_longer_than_excel_allows_is_cut_at_32767_utf16_units(tmp_path):
    texts = ["x" * 40_000, "😀" * 20_000]
    _, _, rows = spliced(tmp_path / "panjang.xlsx", lambda money: column(texts))
    assert rows[1][0] == "x" * 32_767
    assert rows[2][0] == "😀" * 16_383  # each emoji is two UTF-16 units


def test_nan_and_infinity_are_refused():
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError):
            sheetxml.value_cell("A1", bad)


FORMULAS = [  # (formula, cached value, openpyxl's cached value, calamine's value)
    ("=1+1", 2, 2, 2.0),
    ('=IF(1>0,"Berhasil","")', "Berhasil", "Berhasil", "Berhasil"),
    ("=1/0", "#DIV/0!", "#DIV/0!", ""),
    ("=1=1", True, True, True),
    ('=""', None, None, ""),
    ("=0.1+0.2", 0.1 + 0.2, 0.1 + 0.2, 0.1 + 0.2),
]


def test_formulas_keep_their_text_and_cached_value(tmp_path):
    def fill(money):
        body = sheetxml.Body()
        for n, (text, cached, _, _) in enumerate(FORMULAS, start=1):
            body.formula(n, 0, text, cached)
        return body

    formulas, values, rows = spliced(tmp_path / "rumus.xlsx", fill)
    for n, (text, _, by_openpyxl, by_calamine) in enumerate(FORMULAS, start=2):
        assert formulas.cell(n, 1).value == text
        assert values.cell(n, 1).value == by_openpyxl
        assert rows[n - 1][0] == by_calamine


def test_a_table_styles_by_column_converts_other_types_and_leaves_blanks_out(tmp_path):
    records = [
        {"kode": "6709.QGE.001", "pagu": 1_500_000, "tanggal": date(2024, 3, 1), "placeholder": False},
        {"kode": "=SUM(1)", "pagu": None, "tanggal": None, "placeholder": True, "lain": "tidak ditulis"},
    ]

    def convert(value):
        return ("ya" if value else "tidak") if isinstance(value, bool) else value.isoformat()

    def fill(money):
        return sheetxml.Table(4, records, ["kode", "pagu", "tanggal", "placeholder"], [0, money, 0, 0], convert)

    formulas, _, rows = spliced(tmp_path / "tabel.xlsx", fill)
    got = [[formulas.cell(r, c).value for c in range(1, 6)] for r in (5, 6)]
    assert got == [["6709.QGE.001", 1_500_000, "2024-03-01", "tidak", None], ["=SUM(1)", None, None, "ya", None]]
    assert formulas.cell(5, 2).number_format == "#,##0" and formulas.cell(6, 1).data_type == "s"
    assert rows[5] == ["=SUM(1)", "", "", "ya"]
    with pytest.raises(TypeError):
        list(sheetxml.Table(4, [{"kode": object()}], ["kode"], [0], lambda v: v).rows())


def test_the_dimension_covers_the_spliced_rows(tmp_path):
    records = [{"a": n, "b": "x"} for n in range(10)]
    spliced(tmp_path / "dimensi.xlsx", lambda money: sheetxml.Table(4, records, ["a", "b"], [0, 0], str))
    xml = zipfile.ZipFile(tmp_path / "dimensi.xlsx").read(PART).decode()
    assert re.search(r'<dimension ref="([^"]+)"/>', xml).group(1) == "A1:B14"


def test_saving_is_deterministic_and_a_failed_save_keeps_the_previous_file(tmp_path):
    target = tmp_path / "hasil.xlsx"
    data, _ = package()
    sheetxml.save(data, target, {PART: column(EXACT)})
    first = target.read_bytes()
    sheetxml.save(data, target, {PART: column(EXACT)})
    assert target.read_bytes() == first
    with zipfile.ZipFile(target) as z, zipfile.ZipFile(io.BytesIO(data)) as original:
        assert z.namelist() == original.namelist()  # XlsxWriter's members, in its order
        assert {i.date_time for i in z.infolist()} == {i.date_time for i in original.infolist()}

    class Failing(sheetxml.Body):
        def rows(self):
            yield from super().rows()
            raise OSError("disk penuh")

    failing = Failing()
    for n in range(5000):  # more than one chunk, so the zip thread is writing when it fails
        failing.value(n + 1, 0, "baris")
    with pytest.raises(OSError, match="disk penuh"):
        sheetxml.save(data, target, {PART: failing})
    assert target.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["hasil.xlsx"]  # no temporary file left behind


def test_a_failing_disk_stops_the_write_with_its_error():
    class Full:
        def write(self, data):
            raise OSError("disk penuh")

    with pytest.raises(OSError, match="disk penuh"):  # reported, never a hang on the full queue
        sheetxml._write_behind(Full(), (b"x" * 1000 for _ in range(100)))


@pytest.mark.libreoffice
def test_libreoffice_reads_spliced_text_as_text_and_recalculates_the_same_values(tmp_path):
    from libreoffice import cell_values, recalculate, require_soffice
    from test_recalc_oracle import same

    require_soffice()

    def fill(money):
        body = sheetxml.Body()
        rows = [
            (123_456_789_012_345, "=A2*2", 246_913_578_024_690),
            ("=1+1", "=ISTEXT(A3)", True),
            (0.1 + 0.2, "=A4*10", (0.1 + 0.2) * 10),
            ("Berhasil", '=IF(A5="Berhasil","ya","tidak")', "ya"),
            (None, '=IF(A6="","kosong",A6)', "kosong"),
        ]
        for n, (value, formula, cached) in enumerate(rows, start=1):
            body.value(n, 0, value, money if isinstance(value, int) else 0)
            body.formula(n, 1, formula, cached)
        return body

    path = tmp_path / "lo.xlsx"
    spliced(path, fill)
    recalculated = recalculate([path], tmp_path / "lo")[path]
    ours, theirs = cell_values(path), cell_values(recalculated)
    assert ours.keys() == theirs.keys() and len(ours) == 5
    assert all(same(value, theirs[key]) for key, value in ours.items()), (ours, theirs)
    sheet = openpyxl.load_workbook(recalculated)["S"]
    assert (sheet["A3"].value, sheet["A3"].data_type) == ("=1+1", "s")
    assert sheet["A2"].value == 123_456_789_012_345


def test_a_table_rendered_by_another_process_gives_the_same_bytes(tmp_path):
    """sheetxml.Behind renders a long table in a forked process; the workbook must not change."""
    records = [{"kode": f"QGE.{n:03d}", "pagu": n * 1000, "uraian": EXACT[n % 9]} for n in range(7000)]

    def table(money):
        return sheetxml.Table(4, records, ["kode", "pagu", "uraian"], [0, money, 0], str)

    data, money = package()
    sheetxml.save(data, tmp_path / "di-sini.xlsx", {PART: table(money)})
    behind = sheetxml.Behind(table(money))
    sheetxml.save(data, tmp_path / "di-belakang.xlsx", {PART: behind})
    assert (tmp_path / "di-belakang.xlsx").read_bytes() == (tmp_path / "di-sini.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "di-belakang.xlsx") as z:  # the spliced segments inflate, CRC-32 checked
        assert z.testzip() is None
        assert z.read(PART).count(b"<row ") == len(records) + 1  # the package's header row, then the table
    assert behind.file is None or not Path(behind.file).exists()  # the child's file is removed


def test_rows_the_other_process_cannot_render_are_rendered_here(tmp_path):
    """A child that fails (here: a value no cell can hold) leaves the rows to this process, which
    then reports the same error; no temporary file is left."""
    data, _ = package()
    behind = sheetxml.Behind(sheetxml.Table(4, [{"a": 1}, {"a": object()}], ["a"], [0], lambda v: v))
    with pytest.raises(TypeError):
        sheetxml.save(data, tmp_path / "gagal.xlsx", {PART: behind})
    assert behind.file is None or not Path(behind.file).exists()
    assert list(tmp_path.iterdir()) == []
